"""What an export file holds, read into plain structures and checked entry by entry.

`read_contents` turns the document of `yaml_format.load_document` into an
`ExportContents`; nothing here touches a repository, so a malformed file is
refused before anything is written.  Entry types (LSST's):

``dimension``     ``element`` and ``records`` (each a mapping of field values;
                  a timespan as ``datetime_begin``/``datetime_end``)
``collection``    ``name``, ``collection_type`` and optional ``doc``; RUN:
                  ``host``, ``timespan_begin``, ``timespan_end``; CHAINED:
                  ``children``
``run``           ``name`` (the oldest form of a RUN)
``dataset_type``  ``name``, ``dimensions``, ``storage_class``, ``is_calibration``
``dataset``       ``dataset_type``, ``run`` and ``records``: each one file
                  with ``path``, ``formatter``, ``dataset_id`` and ``data_id``
                  (one value or parallel lists, for files holding several
                  datasets)
``associations``  ``collection``, ``collection_type``; TAGGED: ``dataset_ids``;
                  CALIBRATION: ``validity_ranges`` of ``timespan`` (or old
                  ``begin``/``end``) and ``dataset_ids``
"""

from __future__ import annotations

__all__ = ["DatasetTypeSpec", "ExportContents", "FileEntry", "RunSpec", "read_contents", "old_integer_id"]

import dataclasses
import uuid
from collections.abc import Mapping
from typing import Any

from ..collection_type import CollectionType
from ..timespan import Timespan
from .errors import ExportFormatError
from .yaml_format import as_time

# LSST's namespace for the UUIDs of exports that still had integer dataset IDs.
_INTEGER_ID_NAMESPACE = uuid.UUID("4d4851f4-2890-4d41-8779-5f38a3f5062b")


def old_integer_id(value: int) -> uuid.UUID:
    """The UUID LSST gives a dataset that an old export numbered with an integer."""
    return uuid.uuid3(_INTEGER_ID_NAMESPACE, str(value))


@dataclasses.dataclass
class RunSpec:
    """An exported RUN collection's host and timespan (both may be unknown)."""

    host: str | None = None
    timespan: Timespan | None = None


@dataclasses.dataclass
class DatasetTypeSpec:
    """An exported dataset type, before it is checked against a universe."""

    name: str
    dimensions: list[str]
    storage_class: str
    is_calibration: bool = False

    @property
    def definition(self) -> tuple[frozenset[str], str, bool]:
        """What two entries for the same dataset type must agree on."""
        return frozenset(self.dimensions), self.storage_class, self.is_calibration


@dataclasses.dataclass
class FileEntry:
    """One exported file and the datasets it holds (parallel ``ids`` and ``data_ids``)."""

    path: str | None
    formatter: str | None
    ids: list[uuid.UUID]
    data_ids: list[dict[str, Any]]


@dataclasses.dataclass
class ExportContents:
    """Everything an export file holds, grouped for importing in dependency order."""

    format_version: tuple[int, int, int]
    universe_version: int
    universe_namespace: str
    records: dict[str, list[dict[str, Any]]] = dataclasses.field(default_factory=dict)
    runs: dict[str, RunSpec] = dataclasses.field(default_factory=dict)
    collections: dict[str, CollectionType] = dataclasses.field(default_factory=dict)
    chains: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    docs: dict[str, str] = dataclasses.field(default_factory=dict)
    dataset_types: dict[str, DatasetTypeSpec] = dataclasses.field(default_factory=dict)
    datasets: dict[tuple[str, str], list[FileEntry]] = dataclasses.field(default_factory=dict)
    tagged: dict[str, list[uuid.UUID]] = dataclasses.field(default_factory=dict)
    certified: dict[str, list[tuple[Timespan, list[uuid.UUID]]]] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)
    """What universe conversion changed (filled by `universe_compat.conform`)."""

    @property
    def dataset_count(self) -> int:
        """Number of datasets in the export."""
        return sum(len(entry.ids) for entries in self.datasets.values() for entry in entries)


def _require(entry: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in entry:
        raise ExportFormatError(f"{where} has no {key!r} key.")
    return entry[key]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _dataset_id(value: Any, where: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return old_integer_id(value)
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ExportFormatError(f"{where}: {value!r} is not a dataset ID (a UUID).") from None


def _collection_type(value: Any, where: str) -> CollectionType:
    try:
        return CollectionType.from_name(str(value))
    except (KeyError, ValueError):
        names = ", ".join(t.name for t in CollectionType.all())
        raise ExportFormatError(f"{where}: unknown collection type {value!r}; expected one of {names}.") \
            from None


def _read_records(entry: Mapping[str, Any], contents: ExportContents, where: str) -> None:
    element = str(_require(entry, "element", where))
    records = _require(entry, "records", where) or []
    if not isinstance(records, list) or not all(isinstance(r, Mapping) for r in records):
        raise ExportFormatError(f"{where}: 'records' of element {element!r} must be a list of mappings.")
    converted = []
    for record in records:
        converted.append({key: as_time(value) for key, value in record.items()})
    contents.records.setdefault(element, []).extend(converted)


def _read_collection(entry: Mapping[str, Any], contents: ExportContents, where: str) -> None:
    name = str(_require(entry, "name", where))
    ctype = _collection_type(_require(entry, "collection_type", where), where)
    if ctype is CollectionType.RUN:
        begin, end = as_time(entry.get("timespan_begin")), as_time(entry.get("timespan_end"))
        timespan = None if begin is None and end is None else Timespan(begin, end)
        contents.runs[name] = RunSpec(entry.get("host"), timespan)
    elif ctype is CollectionType.CHAINED:
        children = []
        for child in _require(entry, "children", where) or []:
            # The oldest chains held [name, dataset type restriction] pairs; LSST ignores the restriction.
            children.append(str(child[0] if isinstance(child, (list, tuple)) else child))
        contents.chains[name] = children
    else:
        contents.collections[name] = ctype
    if entry.get("doc") is not None:
        contents.docs[name] = str(entry["doc"])


def _read_dataset_type(entry: Mapping[str, Any], contents: ExportContents, where: str) -> None:
    spec = DatasetTypeSpec(
        name=str(_require(entry, "name", where)),
        dimensions=[str(d) for d in _require(entry, "dimensions", where) or []],
        storage_class=str(_require(entry, "storage_class", where)),
        is_calibration=bool(entry.get("is_calibration", False)),
    )
    previous = contents.dataset_types.get(spec.name)
    if previous is not None and previous.definition != spec.definition:
        raise ExportFormatError(f"{where}: dataset type {spec.name!r} is defined twice, differently "
                                f"({previous} and {spec}).")
    contents.dataset_types[spec.name] = spec


def _read_datasets(entry: Mapping[str, Any], contents: ExportContents, where: str) -> None:
    type_name = str(_require(entry, "dataset_type", where))
    run = str(_require(entry, "run", where))
    files = contents.datasets.setdefault((type_name, run), [])
    for index, record in enumerate(_require(entry, "records", where) or []):
        place = f"{where}, file {index}"
        if not isinstance(record, Mapping):
            raise ExportFormatError(f"{place} is not a mapping.")
        ids = [_dataset_id(i, place) for i in _as_list(_require(record, "dataset_id", place))]
        data_ids = _as_list(_require(record, "data_id", place))
        if len(ids) != len(data_ids) or not ids:
            raise ExportFormatError(f"{place}: 'dataset_id' and 'data_id' must list the same number (>= 1) "
                                    f"of datasets, not {len(ids)} and {len(data_ids)}.")
        if not all(isinstance(d, Mapping) for d in data_ids):
            raise ExportFormatError(f"{place}: each data ID must be a mapping of dimension values.")
        path = record.get("path")
        files.append(FileEntry(None if path is None else str(path), record.get("formatter"), ids,
                               [dict(d) for d in data_ids]))


def _read_associations(entry: Mapping[str, Any], contents: ExportContents, where: str) -> None:
    collection = str(_require(entry, "collection", where))
    ctype = _collection_type(_require(entry, "collection_type", where), where)
    if ctype is CollectionType.TAGGED:
        ids = [_dataset_id(i, where) for i in _require(entry, "dataset_ids", where) or []]
        contents.tagged.setdefault(collection, []).extend(ids)
    elif ctype is CollectionType.CALIBRATION:
        ranges = contents.certified.setdefault(collection, [])
        for item in _require(entry, "validity_ranges", where) or []:
            if "timespan" in item:
                timespan = item["timespan"]
                if timespan is not None and not isinstance(timespan, Timespan):
                    raise ExportFormatError(f"{where}: a validity range's timespan must be tagged "
                                            f"!lsst.daf.butler.Timespan, not {timespan!r}.")
                timespan = timespan if timespan is not None else Timespan(None, None)
            else:
                timespan = Timespan(as_time(item.get("begin")), as_time(item.get("end")))
            ids = [_dataset_id(i, where) for i in _require(item, "dataset_ids", where) or []]
            ranges.append((timespan, ids))
    else:
        raise ExportFormatError(f"{where}: associations are for TAGGED or CALIBRATION collections, "
                                f"not {ctype.name}.")


_READERS = {
    "dimension": _read_records,
    "collection": _read_collection,
    "dataset_type": _read_dataset_type,
    "dataset": _read_datasets,
    "associations": _read_associations,
}


def read_contents(document: Mapping[str, Any]) -> ExportContents:
    """Group and check the entries of an export document.

    Parameters
    ----------
    document : mapping
        From `butler.exchange.yaml_format.load_document`.

    Raises
    ------
    ExportFormatError
        For an entry of unknown type or one lacking a key its type needs.
    """
    contents = ExportContents(document["version"], document["universe_version"],
                              str(document["universe_namespace"]))
    for index, entry in enumerate(document["data"]):
        kind = entry.get("type")
        where = f"data[{index}] ({kind!r} entry)"
        if kind == "run":
            contents.runs[str(_require(entry, "name", where))] = RunSpec()
            continue
        reader = _READERS.get(kind)
        if reader is None:
            raise ExportFormatError(f"data[{index}] has unknown type {kind!r}; known types are "
                                    f"{', '.join(sorted([*_READERS, 'run']))}.")
        reader(entry, contents, where)
    return contents
