"""A butler for running one quantum without the registry.

A pipeline executor's worker reads a quantum's inputs and writes its outputs
through a `QuantumBackedButler`: the inputs' file records come with the
quantum (looked up once, in bulk, by the driver), the outputs' IDs and data
IDs were fixed when the graph was built, and files are written straight into
the datastore.  Nothing touches the registry database, so workers never
contend on it; the driver registers what each quantum produced, many quanta
at a time, with `register_quantum_outputs`.  A worker that dies leaves at
most unregistered files, which the next attempt overwrites.

Everything a worker needs to make its butler is in a small picklable
`DatastoreSpec`, taken once from the driver's `Butler`.
"""

from __future__ import annotations

__all__ = ["DatastoreSpec", "QuantumBackedButler", "QuantumOutputs", "register_quantum_outputs"]

import dataclasses
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .dataset_ref import DatasetRef
from .deferred import DeferredDatasetHandle
from .dimensions import DimensionUniverse
from .errors import DatasetNotFoundError, DatasetTypeError, FileNotFoundInDatastoreError

if TYPE_CHECKING:
    from .butler import Butler
    from .datastore import FileDatastore
    from .datastore.stored_file import StoredFileInfo


@dataclasses.dataclass(frozen=True)
class DatastoreSpec:
    """What it takes to open a repository's datastore without its registry (picklable).

    Attributes
    ----------
    root : `str`
        The datastore root (a directory or URL).
    config : `dict`
        The repository's datastore configuration.
    universe : `DimensionUniverse`
        The repository's dimension universe (file templates use it).
    """

    root: str
    config: dict[str, Any]
    universe: DimensionUniverse

    @classmethod
    def from_butler(cls, butler: Butler) -> DatastoreSpec:
        """The spec of a butler's datastore."""
        settings = dict(butler._config.datastore)
        root = str(settings.pop("root", butler._config.root))
        return cls(root, settings, butler.dimensions)

    def make_datastore(self) -> FileDatastore:
        """A `FileDatastore` on this root that keeps no records (``records`` is `None`)."""
        from .datastore import FileDatastore

        return FileDatastore(self.root, None, None, config=dict(self.config), universe=self.universe)


@dataclasses.dataclass
class QuantumOutputs:
    """What one quantum wrote: the datasets and their file records, for the registry."""

    refs: list[DatasetRef] = dataclasses.field(default_factory=list)
    records: list[StoredFileInfo] = dataclasses.field(default_factory=list)

    def extend(self, other: QuantumOutputs) -> None:
        """Add another quantum's outputs (the driver batches registrations)."""
        self.refs.extend(other.refs)
        self.records.extend(other.records)


class QuantumBackedButler:
    """Reads a quantum's predicted inputs and writes its predicted outputs, without a registry.

    Parameters
    ----------
    datastore : `FileDatastore`
        A datastore without records (`DatastoreSpec.make_datastore`).
    predicted_inputs : iterable of `DatasetRef`
        Every dataset the quantum may read (inputs, prerequisites, init-inputs).
    predicted_outputs : iterable of `DatasetRef`
        Every dataset it may write, with their final IDs and RUN.
    input_records : mapping of `uuid.UUID` to sequence of `StoredFileInfo`
        The file records of the inputs that exist; inputs without records
        are predicted but were never produced (an upstream quantum failed or
        found no work).

    Notes
    -----
    `get`, `getDeferred`, `put` and `stored` follow `Butler`'s signatures
    for datasets given by `DatasetRef`. Asking for a dataset that is not part
    of the quantum is an error: a task reading around its quantum would make
    the graph's predictions, and hence provenance and resumption, wrong.
    """

    def __init__(self, datastore: FileDatastore, predicted_inputs: Iterable[DatasetRef],
                 predicted_outputs: Iterable[DatasetRef],
                 input_records: Mapping[uuid.UUID, Sequence[StoredFileInfo]]):
        self._datastore = datastore
        self._inputs = {ref.id: ref for ref in predicted_inputs}
        self._outputs = {ref.id: ref for ref in predicted_outputs}
        self._records: dict[uuid.UUID, list[StoredFileInfo]] = {
            key: list(value) for key, value in input_records.items() if key in self._inputs}
        self._written = QuantumOutputs()

    @classmethod
    def from_butler(cls, butler: Butler, predicted_inputs: Iterable[DatasetRef],
                    predicted_outputs: Iterable[DatasetRef]) -> QuantumBackedButler:
        """A quantum-backed butler on a full butler's datastore, looking up the input records there.

        Convenient for running one quantum in-process; executors build many
        with `DatastoreSpec` and records fetched for a whole batch of quanta.
        """
        inputs = list(predicted_inputs)
        records = butler.datastore.prepare_get_records(inputs)
        return cls(DatastoreSpec.from_butler(butler).make_datastore(), inputs, predicted_outputs, records)

    # Reading ------------------------------------------------------------------

    @property
    def dimensions(self) -> DimensionUniverse:
        """The repository's dimension universe."""
        any_ref = next(iter(self._inputs.values()), None) or next(iter(self._outputs.values()), None)
        if any_ref is None:
            raise DatasetTypeError("This quantum has no datasets, hence no dimension universe.")
        return any_ref.datasetType.dimensions.universe

    def isWriteable(self) -> bool:
        """Always `True`: a quantum writes its outputs."""
        return True

    def _known(self, ref: DatasetRef) -> tuple[DatasetRef, list[StoredFileInfo]]:
        """The quantum's own ref for ``ref``'s ID and the records of its file(s)."""
        parent_id = ref.id
        own = self._inputs.get(parent_id) or self._outputs.get(parent_id)
        if own is None:
            raise DatasetNotFoundError(
                f"Dataset {ref} is not an input or output of this quantum; a task can only read its "
                "predicted inputs (declare the connection in the task's connections).")
        records = self._records.get(parent_id)
        if not records:
            raise FileNotFoundInDatastoreError(
                f"Dataset {ref} was predicted for this quantum but has no file: its producer did not "
                "write it (it failed, or found no work).")
        return own, records

    def get(self, ref: DatasetRef, /, *, parameters: Mapping[str, Any] | None = None,
            storageClass: Any = None) -> Any:
        """Read an input (or a component of one, or an output this quantum already wrote)."""
        if not isinstance(ref, DatasetRef):
            raise TypeError(f"A quantum-backed butler reads datasets by DatasetRef, not {ref!r}.")
        _, records = self._known(ref)
        return self._datastore.get(ref, parameters=parameters, storageClass=storageClass, records=records)

    def getDeferred(self, ref: DatasetRef, /, *, parameters: Mapping[str, Any] | None = None,
                    storageClass: Any = None) -> DeferredDatasetHandle:
        """A handle that reads the input when its ``get()`` is called."""
        self._known(ref)
        return DeferredDatasetHandle(self, ref, dict(parameters) if parameters else None, storageClass)  # type: ignore[arg-type]

    def stored(self, ref: DatasetRef) -> bool:
        """Whether the dataset (an input or an output) has a file."""
        return bool(self._records.get(ref.id))

    def stored_many(self, refs: Iterable[DatasetRef]) -> dict[DatasetRef, bool]:
        """`stored` for several datasets."""
        return {ref: self.stored(ref) for ref in refs}

    # Writing ------------------------------------------------------------------

    def put(self, obj: Any, ref: DatasetRef, /) -> DatasetRef:
        """Write a predicted output's file (registered later by the driver)."""
        if not isinstance(ref, DatasetRef):
            raise TypeError(f"A quantum-backed butler writes datasets by DatasetRef, not {ref!r}.")
        predicted = self._outputs.get(ref.id)
        if predicted is None:
            raise DatasetNotFoundError(
                f"Dataset {ref} is not a predicted output of this quantum; declare it as an Output "
                "connection so the graph gives it an ID.")
        if ref.id in self._records:
            raise DatasetTypeError(f"Output {ref} was already written by this quantum.")
        info = self._datastore.write_unrecorded(obj, predicted)
        self._records[ref.id] = [info]
        self._written.refs.append(predicted)
        self._written.records.append(info)
        return predicted

    def extract_outputs(self) -> QuantumOutputs:
        """What this quantum wrote (for `register_quantum_outputs`)."""
        return self._written


def register_quantum_outputs(butler: Butler, outputs: QuantumOutputs) -> list[DatasetRef]:
    """Register, in one transaction, the datasets and file records of quanta run by workers.

    Datasets already registered with the same ID (a re-run after a crash
    between writing and registering) are skipped, as are their records.
    Returns the refs that were newly registered.
    """
    if not outputs.refs:
        return []
    with butler.transaction():
        registered = butler.registry._importDatasets(outputs.refs, expand=False)
        ids = {ref.id for ref in registered}
        butler.datastore.import_records([info for info in outputs.records if info.dataset_id in ids])
    return registered
