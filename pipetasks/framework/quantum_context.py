"""`QuantumContext` (``butlerQC``): a butler limited to the datasets of one quantum.

A task's ``runQuantum`` reads and writes through it::

    def runQuantum(self, butlerQC, inputRefs, outputRefs):
        inputs = butlerQC.get(inputRefs)          # {connection name: object or list}
        outputs = self.run(**inputs)
        butlerQC.put(outputs, outputRefs)          # Struct attributes by connection name

Any ref that is not one of the quantum's inputs (for ``get``) or outputs (for
``put``) is refused with `DatasetNotInQuantumError` before the butler is
touched.  The context records what was read and written, which the executor
turns into provenance and into the list of outputs to register.
"""

from __future__ import annotations

__all__ = ["ExecutionResources", "QuantumContext"]

import dataclasses
import re
import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from butler import DatasetRef

from .automatic_connections import LOG_OUTPUT_TEMPLATE, METADATA_OUTPUT_TEMPLATE
from .errors import DatasetNotInQuantumError
from .quantized_connection import DeferredDatasetRef, InputQuantizedConnection, OutputQuantizedConnection
from .quantum import Quantum

_BYTE_UNITS = {"": 1, "B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4,
               "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3, "TIB": 1024**4}


class LimitedButler(Protocol):
    """What a `QuantumContext` needs of a butler: reads and writes by ref.

    `butler.Butler` satisfies it, and so will the quantum-backed butler that
    executors give workers.
    """

    def get(self, ref: DatasetRef, /) -> Any: ...

    def getDeferred(self, ref: DatasetRef, /) -> Any: ...

    def put(self, obj: Any, ref: DatasetRef, /) -> Any: ...


@dataclasses.dataclass(frozen=True)
class ExecutionResources:
    """Resources granted to a running quantum (``butlerQC.resources``).

    Parameters
    ----------
    num_cores : `int`, optional
        Cores the task may use (at least 1).
    max_mem : `int`, `str`, `astropy.units.Quantity` or `None`, optional
        Memory limit in bytes; strings such as ``"4GB"`` or ``"512MiB"`` and
        byte-compatible quantities are converted.  `None`: no limit.
    """

    num_cores: int = 1
    max_mem: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.num_cores, int) or self.num_cores < 1:
            raise ValueError(f"num_cores must be a positive integer, not {self.num_cores!r}.")
        object.__setattr__(self, "max_mem", _parse_bytes(self.max_mem))


def _parse_bytes(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if hasattr(value, "to_value"):  # astropy Quantity
        import astropy.units as u

        return int(value.to_value(u.B))
    if isinstance(value, int | float):
        return int(value)
    match = re.fullmatch(r"([0-9]*\.?[0-9]+(?:[eE][0-9]+)?)\s*([A-Za-z]*)", str(value).strip())
    if match is None or match.group(2).upper() not in _BYTE_UNITS:
        raise ValueError(f"Memory limit {value!r} is not understood; use bytes or e.g. '4GB', '512MiB'.")
    return int(float(match.group(1)) * _BYTE_UNITS[match.group(2).upper()])


class QuantumContext:
    """Reads and writes of one quantum, checked against its refs.

    Parameters
    ----------
    butler : `LimitedButler`
        Where datasets are read from and written to (`~butler.Butler` or a
        quantum-backed butler).
    quantum : `Quantum`
        The quantum being run.
    resources : `ExecutionResources`, optional
        What the task may use.
    quantum_id : `uuid.UUID`, optional
        The quantum's ID in its graph, for provenance.

    Attributes
    ----------
    quantum : `Quantum`
        The quantum (``butlerQC.quantum.dataId``).
    outputsPut : `set` [`tuple`]
        ``(dataset type, data ID, dataset ID)`` of each output written (as LSST).
    """

    def __init__(self, butler: LimitedButler, quantum: Quantum, *, resources: ExecutionResources | None = None,
                 quantum_id: uuid.UUID | None = None):
        self.quantum = quantum
        self.resources = resources if resources is not None else ExecutionResources()
        self.quantum_id = quantum_id
        self._butler = butler
        self._inputs: dict[uuid.UUID, DatasetRef] = {ref.id: ref for ref in quantum.iter_input_refs()}
        executor_written = {METADATA_OUTPUT_TEMPLATE.format(label=quantum.taskLabel),
                            LOG_OUTPUT_TEMPLATE.format(label=quantum.taskLabel)}
        self._outputs: dict[uuid.UUID, DatasetRef] = {
            ref.id: ref
            for name, refs in quantum.outputs.items() if name not in executor_written
            for ref in refs
        }
        self._read: dict[uuid.UUID, DatasetRef] = {}
        self._written: dict[uuid.UUID, DatasetRef] = {}
        self.outputsPut: set[tuple[Any, Any, uuid.UUID]] = set()

    @property
    def dimensions(self) -> Any:
        """The butler's dimension universe."""
        return self._butler.dimensions

    @property
    def inputs_read(self) -> list[DatasetRef]:
        """Inputs read (or handed out deferred) so far, in order."""
        return list(self._read.values())

    @property
    def outputs_written(self) -> list[DatasetRef]:
        """Outputs written so far, in order."""
        return list(self._written.values())

    # -- reading ----------------------------------------------------------------

    def get(self, dataset: InputQuantizedConnection | Sequence[Any] | DatasetRef | DeferredDatasetRef | None
            ) -> Any:
        """Read inputs of the quantum.

        Parameters
        ----------
        dataset : `InputQuantizedConnection`, sequence of refs, ref, or `None`
            ``inputRefs`` (all inputs), a list of refs, or one ref.
            `DeferredDatasetRef` entries give
            `~butler.DeferredDatasetHandle` objects; `None` gives `None`.

        Returns
        -------
        result : `dict`, `list` or `object`
            For ``inputRefs``: `dict` from connection name to the object (or
            list of objects for ``multiple`` connections); a list for a list;
            the object for a ref.

        Raises
        ------
        DatasetNotInQuantumError
            A ref is not an input of this quantum.
        TypeError
            ``dataset`` is none of the accepted kinds.
        """
        if isinstance(dataset, InputQuantizedConnection):
            return {name: self.get(refs) for name, refs in dataset}
        if isinstance(dataset, list | tuple):
            for ref in dataset:
                self._check_input(ref)
            return [self._get_one(ref) for ref in dataset]
        if dataset is None or isinstance(dataset, DatasetRef | DeferredDatasetRef):
            return self._get_one(dataset)
        raise TypeError(
            f"butlerQC.get takes inputRefs, a list of DatasetRefs or one DatasetRef, not {type(dataset).__name__}."
        )

    def _get_one(self, ref: DatasetRef | DeferredDatasetRef | None) -> Any:
        if ref is None:
            return None
        deferred = isinstance(ref, DeferredDatasetRef)
        plain = ref.datasetRef if deferred else ref
        self._check_input(plain)
        result = self._butler.getDeferred(plain) if deferred else self._butler.get(plain)
        self._read[plain.id] = plain
        return result

    def _check_input(self, ref: Any) -> None:
        if ref is None:
            return
        plain = ref.datasetRef if isinstance(ref, DeferredDatasetRef) else ref
        if not isinstance(plain, DatasetRef):
            raise TypeError(f"butlerQC.get expected a DatasetRef, got {plain!r}.")
        if plain.id not in self._inputs:
            raise DatasetNotInQuantumError(
                f"Dataset {plain} is not an input of quantum {self.quantum.taskLabel} {self.quantum.dataId}; "
                "a task may only read the refs in its inputRefs."
            )

    # -- writing ----------------------------------------------------------------

    def put(self, values: Any, dataset: OutputQuantizedConnection | Sequence[DatasetRef] | DatasetRef) -> None:
        """Write outputs of the quantum.

        Parameters
        ----------
        values : `Struct`, sequence or `object`
            For ``outputRefs``: a `Struct` whose attributes are named after the
            output connections (a list for ``multiple`` ones, in the order of
            the refs); attributes that are missing or `None` are not written.
            For a list of refs: a sequence of the same length.  For a ref:
            the object.
        dataset : `OutputQuantizedConnection`, sequence of refs, or ref
            Where to write.

        Raises
        ------
        DatasetNotInQuantumError
            A ref is not an output of this quantum (nothing is written).
        ValueError
            ``values`` does not match ``dataset`` (not a Struct, wrong lengths).
        TypeError
            ``dataset`` is none of the accepted kinds.
        """
        pairs: list[tuple[Any, DatasetRef]] = []
        if isinstance(dataset, OutputQuantizedConnection):
            if not hasattr(values, "__dict__"):
                raise ValueError(
                    "butlerQC.put(values, outputRefs) needs a Struct whose attributes are the output "
                    f"connection names, not {type(values).__name__}."
                )
            for name, refs in dataset:
                value = getattr(values, name, None)
                if value is None:
                    continue
                if isinstance(refs, list | tuple):
                    pairs.extend(self._pair_sequence(value, refs, name))
                else:
                    pairs.append((value, refs))
        elif isinstance(dataset, list | tuple):
            pairs.extend(self._pair_sequence(values, dataset, "the given refs"))
        elif isinstance(dataset, DatasetRef):
            pairs.append((values, dataset))
        else:
            raise TypeError(
                f"butlerQC.put takes outputRefs, a list of DatasetRefs or one DatasetRef, not "
                f"{type(dataset).__name__}."
            )
        for _, ref in pairs:
            self._check_output(ref)
        for value, ref in pairs:
            self._butler.put(value, ref)
            self._written[ref.id] = ref
            self.outputsPut.add((ref.datasetType, ref.dataId, ref.id))

    @staticmethod
    def _pair_sequence(values: Any, refs: Sequence[DatasetRef], what: str) -> list[tuple[Any, DatasetRef]]:
        if isinstance(values, str | bytes) or not isinstance(values, Sequence):
            raise ValueError(f"Values to put for {what} must be a sequence with one object per ref.")
        if len(values) != len(refs):
            raise ValueError(
                f"There must be one object to put for every ref of {what}: {len(values)} objects for "
                f"{len(refs)} refs."
            )
        return list(zip(values, refs, strict=True))

    def _check_output(self, ref: Any) -> None:
        if not isinstance(ref, DatasetRef):
            raise TypeError(f"butlerQC.put expected a DatasetRef, got {ref!r}.")
        if ref.id not in self._outputs:
            raise DatasetNotInQuantumError(
                f"Dataset {ref} is not an output of quantum {self.quantum.taskLabel} {self.quantum.dataId}; "
                "a task may only write the refs in its outputRefs."
            )
