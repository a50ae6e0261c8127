"""A quantum: one task run on one data ID, with every dataset it reads and writes named."""

from __future__ import annotations

__all__ = ["Quantum"]

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from butler import DataCoordinate, DatasetRef


@dataclasses.dataclass(frozen=True, slots=True)
class Quantum:
    """The unit of work of a pipeline, as the quantum graph fixes it before execution.

    Dataset mappings are keyed by dataset type *name* (not by connection
    name): ``inputs["calexp"]`` is the list of refs the quantum reads of
    ``calexp``, regular and prerequisite inputs alike.  A task sees them by
    connection name through `PipelineTaskConnections.buildDatasetRefs`.

    Parameters
    ----------
    taskLabel : `str`
        Label of the task in the pipeline (``isr``).
    taskName : `str`
        Fully qualified name of the task class.
    dataId : `~butler.DataCoordinate`
        The quantum's data ID (the task's dimensions).
    inputs : mapping [`str`, sequence of `~butler.DatasetRef`]
        Regular and prerequisite inputs by dataset type name.
    outputs : mapping [`str`, sequence of `~butler.DatasetRef`]
        Outputs by dataset type name, including ``<label>_metadata`` and
        ``<label>_log``, which the executor (not the task) writes.
    initInputs : mapping [`str`, `~butler.DatasetRef`]
        Init-inputs by dataset type name (read when the task is built).
    datastore_records : mapping, optional
        Where the datastore holds each input, for a quantum-backed butler
        that reads without asking the registry.
    """

    taskLabel: str
    taskName: str
    dataId: DataCoordinate
    inputs: Mapping[str, Sequence[DatasetRef]] = dataclasses.field(default_factory=dict)
    outputs: Mapping[str, Sequence[DatasetRef]] = dataclasses.field(default_factory=dict)
    initInputs: Mapping[str, DatasetRef] = dataclasses.field(default_factory=dict)
    datastore_records: Mapping[str, Any] | None = None

    @property
    def taskClass(self) -> type:
        """The task class, imported from `taskName`."""
        from butler.storage_class import import_dotted

        return import_dotted(self.taskName)

    def iter_input_refs(self) -> Iterator[DatasetRef]:
        """Every regular and prerequisite input ref."""
        for refs in self.inputs.values():
            yield from refs

    def iter_output_refs(self) -> Iterator[DatasetRef]:
        """Every output ref (metadata and log included)."""
        for refs in self.outputs.values():
            yield from refs

    def __repr__(self) -> str:
        n_in = sum(len(refs) for refs in self.inputs.values())
        n_out = sum(len(refs) for refs in self.outputs.values())
        return f"Quantum({self.taskLabel!r}, {self.dataId}, {n_in} inputs, {n_out} outputs)"
