"""JSON forms of what a ``.qg`` file holds: the pipeline, dataset types, dimension records, refs.

Everything here round-trips exactly: dataset IDs, runs, data IDs (with the
records of their dimensions), storage classes and components.
"""

from __future__ import annotations

__all__ = ["BlockDecoder", "BlockEncoder", "DataIdFactory", "RefDecoder", "RefEncoder", "decode_file_records",
           "decode_pipeline", "encode_file_records", "encode_pipeline", "encode_records"]

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from butler import DataCoordinate, DatasetRef, DatasetType, DimensionGroup, DimensionUniverse, Timespan
from butler.datastore.stored_file import StoredFileInfo
from butler.dimensions.elements import Dimension
from butler.errors import MissingDatasetTypeError
from butler.spatial import decode as decode_region
from butler.storage_class import import_dotted

from .errors import InvalidQuantumGraphFileError
from .ids import uuid_from_bytes


# Pipeline -------------------------------------------------------------------------


def encode_pipeline(graph: Any) -> dict[str, Any]:
    """The tasks (class, config) and registered dataset type definitions of a resolved pipeline graph."""
    return {
        "description": graph.description,
        "data_id": dict(graph.data_id),
        "tasks": [{"label": label, "class": task.task_class_name,
                   "config_class": f"{type(task.config).__module__}.{type(task.config).__qualname__}",
                   "config": task.get_config_str()} for label, task in graph.tasks.items()],
        "registered": [_encode_type(node.dataset_type) for node in graph.dataset_types.values()
                       if node.is_registered],
    }


class _SavedRegistry:
    """Stands in for the repository when a pipeline graph is resolved again from a file."""

    def __init__(self, universe: DimensionUniverse, types: Iterable[DatasetType]):
        self.dimensions = universe
        self._types = {t.name: t for t in types}

    def getDatasetType(self, name: str) -> DatasetType:
        try:
            return self._types[name]
        except KeyError:
            raise MissingDatasetTypeError(name) from None


def decode_pipeline(data: Mapping[str, Any], universe: DimensionUniverse) -> Any:
    """Rebuild (and resolve) the pipeline graph saved by `encode_pipeline`.

    Raises
    ------
    InvalidQuantumGraphFileError
        A task or config class cannot be imported, or a config does not load.
    """
    from pipetasks.pipeline import PipelineGraph

    graph = PipelineGraph(description=data["description"], data_id=data["data_id"])
    for task in data["tasks"]:
        try:
            task_class = import_dotted(task["class"])
            config = import_dotted(task["config_class"])()
        except (ImportError, AttributeError) as err:
            raise InvalidQuantumGraphFileError(
                f"Task {task['label']!r} of the graph is {task['class']} (config {task['config_class']}), which "
                f"cannot be imported here: {err}. Make it importable (install its package, or put its module on "
                "PYTHONPATH) to load this graph.") from None
        try:
            config.loadFromString(task["config"])
        except Exception as err:
            raise InvalidQuantumGraphFileError(
                f"The saved config of task {task['label']!r} does not load into {task['config_class']}: {err}"
            ) from err
        config.freeze()
        graph.add_task(task["label"], task_class, config)
    graph.resolve(_SavedRegistry(universe, [decode_type(t, universe) for t in data["registered"]]))
    return graph


# Dataset types --------------------------------------------------------------------


def _encode_type(dataset_type: DatasetType) -> dict[str, Any]:
    return {"name": dataset_type.name, "dimensions": list(dataset_type.dimensions.required),
            "storageClass": dataset_type.storageClass_name, "isCalibration": dataset_type.isCalibration(),
            "parentStorageClass": dataset_type._parent_sc_name}


def decode_type(data: Mapping[str, Any], universe: DimensionUniverse) -> DatasetType:
    """The dataset type of a `_encode_type` mapping."""
    return DatasetType(data["name"], universe.conform(data["dimensions"]), data["storageClass"],
                       parentStorageClass=data.get("parentStorageClass"), isCalibration=data["isCalibration"])


# Dimension records ------------------------------------------------------------------


def _encode_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "region":
        return value.encode().hex()
    if kind == "timespan":
        return list(value.nsec)
    if kind == "hash":
        return value.hex()
    return value


def _decode_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "region":
        return decode_region(bytes.fromhex(value))
    if kind == "timespan":
        return Timespan.from_nsec(*value)
    if kind == "hash":
        return bytes.fromhex(value)
    return value


def encode_records(data_ids: Iterable[DataCoordinate]) -> dict[str, list[list[Any]]]:
    """The distinct dimension records attached to ``data_ids``, by element, as lists of field values."""
    distinct = {id(data_id): data_id for data_id in data_ids}
    seen: dict[str, dict[int, Any]] = {}
    for data_id in distinct.values():
        if not data_id.hasRecords():
            continue
        for name, record in data_id.records.items():
            if record is not None:
                seen.setdefault(name, {}).setdefault(id(record), record)
    encoded: dict[str, list[list[Any]]] = {}
    for name, records in seen.items():
        fields = next(iter(records.values())).fields
        encoded[name] = [[_encode_value(f.type, getattr(r, f.name)) for f in fields] for r in records.values()]
    return encoded


class DataIdFactory:
    """Makes data IDs with their records attached, sharing one object per distinct data ID.

    Parameters
    ----------
    universe : `~butler.DimensionUniverse`
    records : mapping [`str`, `list` [`list`]]
        What `encode_records` wrote.
    """

    def __init__(self, universe: DimensionUniverse, records: Mapping[str, list[list[Any]]]):
        self.universe = universe
        self._records: dict[str, dict[tuple, Any]] = {}
        for name, rows in records.items():
            element = universe[name]
            fields = element.RecordClass.fields
            n_keys = len(element.required)
            key_fields = [f for _, f in element.RecordClass._dimension_fields[:n_keys]]
            table: dict[tuple, Any] = {}
            for row in rows:
                record = element.RecordClass(**{f.name: _decode_value(f.type, v) for f, v in zip(fields, row)})
                table[tuple(getattr(record, f) for f in key_fields)] = record
            self._records[name] = table
        self._plans: dict[DimensionGroup, list[tuple[str, list[int]]]] = {}
        self._made: dict[tuple[DimensionGroup, tuple], DataCoordinate] = {}

    def _plan(self, group: DimensionGroup) -> list[tuple[str, list[int]]]:
        plan = self._plans.get(group)
        if plan is None:
            keys = group.data_coordinate_keys
            plan = [(name, [keys.index(d.name) for d in self.universe[name].required]) for name in group.elements
                    if isinstance(self.universe[name], Dimension) and self.universe[name].has_own_table]
            self._plans[group] = plan
        return plan

    def make(self, group: DimensionGroup, values: list[Any] | tuple[Any, ...]) -> DataCoordinate:
        """The data ID of ``group`` with these full values (records attached when the file has them)."""
        values = tuple(values)
        made = self._made.get((group, values))
        if made is None:
            records = {name: self._records.get(name, {}).get(tuple(values[i] for i in positions))
                       for name, positions in self._plan(group)}
            made = self._made[(group, values)] = DataCoordinate(group, values, records)
        return made


# Datastore records ------------------------------------------------------------------


def encode_file_records(infos: Iterable[Any]) -> list[list[Any]]:
    """``[[path, formatter, storage class, component, checksum, size], ...]`` of one dataset's file records."""
    return [[i.path, i.formatter, i.storage_class, i.component, i.checksum, i.file_size] for i in infos]


def decode_file_records(dataset_id: uuid.UUID, rows: Iterable[list[Any]]) -> list[StoredFileInfo]:
    """The `StoredFileInfo` of what `encode_file_records` wrote."""
    return [StoredFileInfo(dataset_id, path, formatter, storage_class, component, checksum, size)
            for path, formatter, storage_class, component, checksum, size in rows]


# Refs -------------------------------------------------------------------------------


class RefEncoder:
    """Tables of dataset types and RUN names shared by the whole file, and refs of the header.

    Init refs (in the header) are ``[type index, [run index, id hex, data ID values]]``; the refs
    of quanta are encoded per block by `BlockEncoder`.
    """

    def __init__(self) -> None:
        self.types: list[dict[str, Any]] = []
        self.runs: list[str] = []
        self._type_index: dict[DatasetType, int] = {}
        self._by_object: dict[int, tuple[DatasetType, int]] = {}
        self._run_index: dict[str, int] = {}

    def type_index(self, dataset_type: DatasetType) -> int:
        known = self._by_object.get(id(dataset_type))
        if known is not None:
            return known[1]
        index = self._type_index.get(dataset_type)
        if index is None:
            index = self._type_index[dataset_type] = len(self.types)
            self.types.append(_encode_type(dataset_type))
        self._by_object[id(dataset_type)] = (dataset_type, index)
        return index

    def run_index(self, run: str) -> int:
        index = self._run_index.get(run)
        if index is None:
            index = self._run_index[run] = len(self.runs)
            self.runs.append(run)
        return index

    def named(self, mapping: Mapping[str, DatasetRef]) -> dict[str, list[Any]]:
        """``{name: [type index, [run index, id hex, data ID values]]}`` for init-inputs and init-outputs."""
        return {name: [self.type_index(ref.datasetType),
                       [self.run_index(ref.run), ref.id.hex, list(ref.dataId.full_values)]]
                for name, ref in mapping.items()}


class BlockEncoder:
    """Encodes the quanta of one block: data IDs in a table, dataset IDs as binary, the rest as small ints.

    A ref is ``[run index, data ID index]``; its 16-byte ID is the next one
    in the block's ID table (refs are numbered in the order they are written).
    """

    def __init__(self, refs: RefEncoder):
        self.refs = refs
        self.data_ids: list[list[Any]] = []
        self._data_id_index: dict[int, tuple[DataCoordinate, int]] = {}
        self.ids: list[bytes] = []

    def data_id(self, data_id: DataCoordinate) -> int:
        known = self._data_id_index.get(id(data_id))
        if known is None:
            known = self._data_id_index[id(data_id)] = (data_id, len(self.data_ids))
            self.data_ids.append(list(data_id.full_values))
        return known[1]

    def written_data_ids(self) -> list[DataCoordinate]:
        """The distinct data IDs written to this block."""
        return [data_id for data_id, _ in self._data_id_index.values()]

    def ref_list(self, refs: Iterable[DatasetRef]) -> list[list[int]]:
        run_index = self.refs.run_index
        known = self._data_id_index
        add_id = self.ids.append
        encoded = []
        for ref in refs:
            add_id(ref.id.bytes)
            data_id = known.get(id(ref.dataId))
            encoded.append([run_index(ref.run), data_id[1] if data_id is not None else self.data_id(ref.dataId)])
        return encoded

    def by_type(self, mapping: Mapping[str, Iterable[DatasetRef]]) -> list[list[Any]]:
        """``[[type index, [ref, ...]], ...]`` (``[name, []]`` for an empty entry)."""
        encoded: list[list[Any]] = []
        for name, refs in mapping.items():
            if refs:
                encoded.append([self.refs.type_index(refs[0].datasetType), self.ref_list(refs)])  # type: ignore[index]
            else:
                encoded.append([name, []])
        return encoded


class RefDecoder:
    """Decodes what `RefEncoder` and `BlockEncoder` wrote; one object per distinct ref."""

    def __init__(self, types: list[Mapping[str, Any]], runs: list[str], data_ids: DataIdFactory):
        universe = data_ids.universe
        self.types = [decode_type(t, universe) for t in types]
        self.runs = runs
        self.data_ids = data_ids
        self._refs: dict[tuple[int, bytes], DatasetRef] = {}

    def named(self, encoded: Mapping[str, list[Any]]) -> dict[str, DatasetRef]:
        decoded = {}
        for name, (type_index, (run, id_hex, values)) in encoded.items():
            dataset_type = self.types[type_index]
            decoded[name] = DatasetRef(dataset_type, self.data_ids.make(dataset_type.dimensions, values),
                                       self.runs[run], id=uuid.UUID(id_hex), conform=False)
        return decoded

    def block(self, data_ids: list[list[Any]], ids: bytes) -> BlockDecoder:
        """A decoder for one block's refs."""
        return BlockDecoder(self, data_ids, ids)


class BlockDecoder:
    """Decodes the refs of one block, consuming its ID table in order."""

    def __init__(self, refs: RefDecoder, data_ids: list[list[Any]], ids: bytes):
        self.refs = refs
        self._data_id_values = data_ids
        self._data_ids: dict[DimensionGroup, dict[int, DataCoordinate]] = {}
        self._ids = ids
        self._next = 0

    def data_id(self, group: DimensionGroup, index: int) -> DataCoordinate:
        made_for_group = self._data_ids.setdefault(group, {})
        made = made_for_group.get(index)
        if made is None:
            made = made_for_group[index] = self.refs.data_ids.make(group, self._data_id_values[index])
        return made

    def check_consumed(self, what: str) -> None:
        """Raise if the ID table does not hold exactly the refs the block's JSON names."""
        if self._next != len(self._ids):
            raise InvalidQuantumGraphFileError(
                f"{what} holds {len(self._ids) // 16} dataset IDs, but the block names {self._next // 16} refs: "
                "the file is damaged.")

    def skip(self, encoded: list[list[Any]]) -> None:
        """Pass over refs without decoding them (quanta not asked for)."""
        self._next += 16 * sum(len(refs) for _, refs in encoded)

    def ref_list(self, type_index: int, encoded: list[list[int]]) -> tuple[DatasetRef, ...]:
        shared = self.refs
        dataset_type = shared.types[type_index]
        group = dataset_type.dimensions
        made_for_group = self._data_ids.setdefault(group, {})
        known = shared._refs
        runs = shared.runs
        ids = self._ids
        start = self._next
        decoded = []
        for run, data_id_index in encoded:
            raw = ids[start:start + 16]
            start += 16
            ref = known.get((type_index, raw))
            if ref is None:
                data_id = made_for_group.get(data_id_index)
                if data_id is None:
                    data_id = self.data_id(group, data_id_index)
                ref = known[(type_index, raw)] = DatasetRef(dataset_type, data_id, runs[run],
                                                            id=uuid_from_bytes(raw), conform=False)
            decoded.append(ref)
        self._next = start
        return tuple(decoded)

    def by_type(self, encoded: list[list[Any]]) -> dict[str, tuple[DatasetRef, ...]]:
        decoded: dict[str, tuple[DatasetRef, ...]] = {}
        for type_index, refs in encoded:
            if isinstance(type_index, str):
                decoded[type_index] = ()
            else:
                decoded[self.refs.types[type_index].name] = self.ref_list(type_index, refs)
        return decoded
