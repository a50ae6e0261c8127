"""Dataset references: a dataset type, a data ID, a RUN and a UUID."""

from __future__ import annotations

__all__ = ["DatasetId", "DatasetIdGenEnum", "DatasetRef", "generate_dataset_id", "uuid7"]

import enum
import os
import time
import uuid
from typing import Any

from .dataset_type import DatasetType
from .dimensions import DataCoordinate

DatasetId = uuid.UUID

# uuid5(NAMESPACE_DNS, "lsst.org"): the namespace LSST uses, so that
# deterministic IDs for the same dataset agree between the two systems.
_DATASET_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "lsst.org")


class DatasetIdGenEnum(enum.Enum):
    """How to make a dataset ID.

    ``UNIQUE`` gives a time-ordered random UUID (version 7); the other two give
    a UUID5 that depends only on the dataset type and data ID (and the RUN
    name for ``DATAID_TYPE_RUN``), so re-ingesting the same file gives the same ID.
    """

    UNIQUE = 0
    DATAID_TYPE = 1
    DATAID_TYPE_RUN = 2


_UUID7_RANDOM_BITS = ((1 << 80) - 1) & ~(0xF << 76) & ~(0x3 << 62)
_UUID7_VERSION_AND_VARIANT = (0x7 << 76) | (0x2 << 62)


def uuid7() -> uuid.UUID:
    """A version-7 UUID: 48 bits of Unix milliseconds, then random bits.

    IDs made close in time sort close together, which keeps database index
    inserts local (much faster on PostgreSQL than random UUID4s).
    """
    return uuid7_batch(1)[0]


def uuid7_batch(count: int) -> list[uuid.UUID]:
    """``count`` version-7 UUIDs sharing one timestamp, with one call for their random bits."""
    ms = time.time_ns() // 1_000_000
    prefix = (ms & 0xFFFF_FFFF_FFFF) << 80 | _UUID7_VERSION_AND_VARIANT
    random = os.urandom(10 * count)
    from_bytes = int.from_bytes
    make = uuid.UUID
    return [make(int=prefix | (from_bytes(random[i:i + 10], "big") & _UUID7_RANDOM_BITS))
            for i in range(0, 10 * count, 10)]


def generate_dataset_id(
    dataset_type: DatasetType, data_id: DataCoordinate, run: str, mode: DatasetIdGenEnum
) -> uuid.UUID:
    """Make the ID of a new dataset according to ``mode``."""
    if mode is DatasetIdGenEnum.UNIQUE:
        return uuid7()
    items = [("dataset_type", dataset_type.name)]
    if mode is DatasetIdGenEnum.DATAID_TYPE_RUN:
        items.append(("run", run))
    items.extend(sorted((k, str(v)) for k, v in data_id.required.items()))
    return uuid.uuid5(_DATASET_ID_NAMESPACE, ",".join(f"{k}={v}" for k, v in items))


class DatasetRef:
    """A reference to one dataset.

    Parameters
    ----------
    datasetType : `DatasetType`
        Its type.
    dataId : `DataCoordinate` or mapping
        Its data ID; standardized against the dataset type's dimensions.
    run : `str`
        The RUN collection that owns it.
    id : `uuid.UUID`, optional
        Its ID; made according to ``id_generation_mode`` if not given.
    conform : `bool`, optional
        Standardize ``dataId`` (default); pass `False` only for data IDs known
        to be standardized already.
    id_generation_mode : `DatasetIdGenEnum`, optional
        How to make the ID if ``id`` is not given.
    """

    __slots__ = ("datasetType", "dataId", "run", "id", "_datastore_records")

    def __init__(
        self,
        datasetType: DatasetType,
        dataId: Any,
        run: str,
        *,
        id: uuid.UUID | None = None,
        conform: bool = True,
        id_generation_mode: DatasetIdGenEnum = DatasetIdGenEnum.UNIQUE,
        datastore_records: Any = None,
    ):
        if conform:
            dataId = DataCoordinate.standardize(dataId, dimensions=datasetType.dimensions)
        if not isinstance(run, str) or not run:
            raise ValueError(f"A DatasetRef needs a RUN collection name, not {run!r}.")
        self.datasetType = datasetType
        self.dataId: DataCoordinate = dataId
        self.run = run
        if id is None:
            id = generate_dataset_id(datasetType, dataId, run, id_generation_mode)
        elif not isinstance(id, uuid.UUID):
            id = uuid.UUID(str(id))
        self.id = id
        self._datastore_records = datastore_records

    @property
    def dimensions(self):
        """The dimensions of the data ID."""
        return self.datasetType.dimensions

    def isComponent(self) -> bool:
        """Whether this refers to a component of a dataset."""
        return self.datasetType.isComponent()

    def makeComponentRef(self, component: str) -> DatasetRef:
        """A reference to one component of this dataset (same ID)."""
        return DatasetRef(self.datasetType.makeComponentDatasetType(component), self.dataId, self.run,
                          id=self.id, conform=False)

    def makeCompositeRef(self) -> DatasetRef:
        """The reference to the parent of a component."""
        return DatasetRef(self.datasetType.makeCompositeDatasetType(), self.dataId, self.run, id=self.id,
                          conform=False)

    def overrideStorageClass(self, storageClass: Any) -> DatasetRef:
        """A copy that reads as another (convertible) storage class."""
        return self.replace(datasetType=self.datasetType.overrideStorageClass(storageClass))

    def expanded(self, dataId: DataCoordinate) -> DatasetRef:
        """A copy with an expanded data ID."""
        return self.replace(dataId=dataId)

    def replace(self, *, datasetType: DatasetType | None = None, dataId: DataCoordinate | None = None,
                run: str | None = None, id: uuid.UUID | None = None) -> DatasetRef:
        """A copy with some attributes replaced."""
        return DatasetRef(
            datasetType if datasetType is not None else self.datasetType,
            dataId if dataId is not None else self.dataId,
            run if run is not None else self.run,
            id=id if id is not None else self.id,
            conform=False,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DatasetRef):
            return NotImplemented
        # As in LSST: type, data ID and ID; the RUN is not compared.
        return self.id == other.id and self.datasetType == other.datasetType and self.dataId == other.dataId

    def __hash__(self) -> int:
        return hash((self.datasetType.name, self.dataId, self.id))

    def __lt__(self, other: DatasetRef) -> bool:
        return (self.datasetType.name, self.run, self.dataId) < (other.datasetType.name, other.run, other.dataId)

    def __repr__(self) -> str:
        return f"DatasetRef({self.datasetType!r}, {self.dataId}, run={self.run!r}, id={self.id})"

    def __str__(self) -> str:
        return f"{self.datasetType.name}@{self.dataId} [sc={self.datasetType.storageClass_name}] (run={self.run} id={self.id})"

    def __reduce__(self) -> tuple:
        return (_rebuild_ref, (self.datasetType, self.dataId, self.run, self.id))

    def to_simple(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "id": str(self.id),
            "datasetType": self.datasetType.to_simple(),
            "dataId": self.dataId.to_simple(),
            "run": self.run,
        }


def _rebuild_ref(dataset_type: DatasetType, data_id: DataCoordinate, run: str, id: uuid.UUID) -> DatasetRef:
    return DatasetRef(dataset_type, data_id, run, id=id, conform=False)
