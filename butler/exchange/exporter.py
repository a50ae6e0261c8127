"""Exporting part of a repository: ``Butler.export`` and its `RepoExportContext` (LSST's API).

::

    with butler.export(directory="out", filename="export.yaml", transfer="copy") as export:
        export.saveDatasets(butler.query_datasets("calexp", collections="HSC/runs/RC2"))
        export.saveCollection("HSC/runs/RC2")

Datasets bring their RUN, dataset type and the dimension records of their
data IDs (and the records "populated by" those, such as a visit's
``visit_detector_region`` rows, as LSST does).  Exported TAGGED and
CALIBRATION collections bring their memberships of exported datasets.  The
file is written when the ``with`` block ends without an error; files are
copied (or linked) into ``directory`` as each ``saveDatasets`` call runs.
"""

from __future__ import annotations

__all__ = ["RepoExportContext", "export_context", "LSST_FORMATTER_NAMES"]

import contextlib
import logging
import os
import posixpath
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import fsspec
import sqlalchemy as sa

from .. import spatial
from ..collection_type import CollectionType
from ..dataset_ref import DatasetRef
from ..dataset_type import DatasetType
from ..dimensions import DataCoordinate, DimensionElement, DimensionRecord
from ..file_dataset import FileDataset
from ..formatters import LSST_FORMATTER_ALIASES
from ..timespan import Timespan
from .universe_compat import LSST_NAMESPACE
from .yaml_format import dump_document

if TYPE_CHECKING:
    from ..butler import Butler

_LOG = logging.getLogger(__name__)

LSST_FORMATTER_NAMES = {ours: lsst for lsst, ours in LSST_FORMATTER_ALIASES.items()}
"""Our formatter class names and the LSST names written in their place, so LSST can read the files."""

_OUTWARD_MODES = ("copy", "link", "hardlink", "symlink", "relsymlink")


def _sort_key(values: tuple) -> tuple:
    return tuple((v is None, type(v).__name__, v if v is not None else 0) for v in values)


class RepoExportContext:
    """Collects what to export; returned by ``Butler.export`` (LSST's class of the same name).

    Parameters
    ----------
    butler : `Butler`
        The repository exported from.
    directory : `str`, optional
        Where files are transferred to (with ``transfer``).
    transfer : `str`, optional
        ``copy`` (``auto``), ``link``, ``hardlink``, ``symlink``,
        ``relsymlink``: files are put under ``directory`` at their path in
        the datastore; ``direct``: the files' absolute locations are
        written; `None`: their paths in the datastore are written and no file
        is touched.
    """

    def __init__(self, butler: Butler, *, directory: str | None = None, transfer: str | None = None):
        self._butler = butler
        self._directory = directory
        self._transfer = "copy" if transfer == "auto" else transfer
        self._records: dict[str, dict[tuple, DimensionRecord]] = defaultdict(dict)
        self._dataset_ids: set[Any] = set()
        self._datasets: dict[str, dict[str, list[FileDataset]]] = defaultdict(lambda: defaultdict(list))
        self._types: dict[str, DatasetType] = {}
        self._collections: dict[str, Any] = {}
        self.files_transferred = 0

    # LSST's API ---------------------------------------------------------------------------

    def saveCollection(self, name: str) -> None:
        """Export a collection (a CHAINED one without its children; see LSST's notes).

        RUNs of exported datasets are exported anyway; TAGGED and CALIBRATION
        collections bring their memberships of exported datasets only.

        Raises
        ------
        MissingCollectionError
            If there is no such collection.
        """
        self._collections[name] = self._butler.registry.collections_manager.find(name)

    def saveDimensionData(self, element: str | DimensionElement,
                          records: Iterable[dict | DimensionRecord]) -> None:
        """Export dimension records (record objects, or dicts of their fields) of one element.

        Raises
        ------
        ValueError
            If a record belongs to another element.
        """
        element = self._butler.dimensions[getattr(element, "name", element)]
        for record in records:
            if not isinstance(record, DimensionRecord):
                record = element.RecordClass(**record)
            elif record.definition.name != element.name:
                raise ValueError(f"Mismatch between element={element.name} and dimension record with "
                                 f"definition={record.definition.name}.")
            self._records[element.name].setdefault(tuple(record.dataId.required_values), record)

    def saveDataIds(self, dataIds: Iterable[Any], *, elements: Iterable[str | DimensionElement] | None = None
                    ) -> None:
        """Export the dimension records of data IDs (all their elements', or only ``elements``').

        With a visit among them, the records populated by visits (its
        ``visit_detector_region``, ``visit_definition`` and
        ``visit_system_membership`` rows) are exported too, as in LSST.
        """
        allowed = self._allowed_elements(elements)
        registry = self._butler.registry
        given = []
        for data_id in dataIds:
            if isinstance(data_id, DataCoordinate):
                given.append(data_id)
            else:
                given.append(registry.expandDataId(data_id))
        plain = [d for d in given if not d.hasRecords()]
        expanded = [d for d in given if d.hasRecords()]
        if plain:
            expanded.extend(registry.data_id_expander.expand_many(plain))
        added: dict[str, list[DimensionRecord]] = defaultdict(list)
        for data_id in expanded:
            for name, record in data_id.records.items():
                if record is not None and name in allowed:
                    key = tuple(record.dataId.required_values)
                    if key not in self._records[name]:
                        self._records[name][key] = record
                        added[name].append(record)
        self._add_populated(added, allowed)

    def saveDatasets(self, refs: Iterable[DatasetRef], *,
                     elements: Iterable[str | DimensionElement] | None = None,
                     rewrite: Callable[[FileDataset], FileDataset] | None = None) -> None:
        """Export datasets with their files, RUNs, dataset types and dimension records.

        Parameters
        ----------
        refs : iterable of `DatasetRef`
            Duplicates are ignored; a component is exported as its parent.
        elements : iterable of `str`, optional
            Elements whose records are exported (default: all).
        rewrite : callable, optional
            Takes and returns a `FileDataset` (e.g. to change its path).

        Raises
        ------
        FileNotFoundError
            If a dataset has no file in the datastore, or ``directory`` does
            not exist.
        NotImplementedError
            For a dataset stored as one file per component.
        """
        chosen: dict[Any, DatasetRef] = {}
        for ref in sorted(refs, key=lambda r: (r.datasetType.name, r.run, str(r.id))):
            if ref.isComponent():
                ref = ref.makeCompositeRef()
            if ref.id not in self._dataset_ids and ref.id not in chosen:
                chosen[ref.id] = ref
        if not chosen:
            return
        for file_dataset in self._export_files(list(chosen.values())):
            if rewrite is not None:
                file_dataset = rewrite(file_dataset)
            first = file_dataset.refs[0]
            self._types.setdefault(first.datasetType.name, first.datasetType)
            self._datasets[first.datasetType.name][first.run].append(file_dataset)
        self.saveDataIds([ref.dataId for ref in chosen.values()], elements=elements)
        self._dataset_ids.update(chosen)

    # Counts for reports ----------------------------------------------------------------------

    @property
    def dataset_count(self) -> int:
        """Number of datasets exported so far."""
        return len(self._dataset_ids)

    @property
    def record_count(self) -> int:
        """Number of dimension records exported so far."""
        return sum(len(r) for r in self._records.values())

    @property
    def collection_names(self) -> list[str]:
        """Names of the collections the file will hold (RUNs of datasets included)."""
        runs = {run for by_run in self._datasets.values() for run in by_run}
        return sorted(set(self._collections) | runs)

    # Internals --------------------------------------------------------------------------------

    def _allowed_elements(self, elements: Iterable[str | DimensionElement] | None) -> set[str]:
        universe = self._butler.dimensions
        candidates = universe.getStaticElements() if elements is None else [
            universe[getattr(e, "name", e)] for e in elements]
        return {e.name for e in candidates if e.has_own_table and not getattr(e, "view_of", None)}

    def _add_populated(self, added: dict[str, list[DimensionRecord]], allowed: set[str]) -> None:
        """Add the records of elements populated by the dimensions of ``added``, and what those need."""
        universe = self._butler.dimensions
        registry = self._butler.registry
        extra: list[DataCoordinate] = []
        for name, records in added.items():
            dimension = universe[name]
            for element in universe.get_elements_populated_by(dimension):
                if element.name not in allowed:
                    continue
                others = [d.name for d in dimension.required if d.name != name]
                by_parent: dict[tuple, list[Any]] = defaultdict(list)
                for record in records:
                    values = record.dataId
                    by_parent[tuple(values[o] for o in others)].append(values[name])
                for parent, keys in by_parent.items():
                    for start in range(0, len(keys), 500):
                        found = registry.queryDimensionRecords(
                            element, where=f"{name} IN (:keys)", bind={"keys": keys[start:start + 500]},
                            dataId=dict(zip(others, parent)))
                        for record in found:
                            key = tuple(record.dataId.required_values)
                            if key not in self._records[element.name]:
                                self._records[element.name][key] = record
                                extra.append(record.dataId)
        if extra:
            for data_id in registry.data_id_expander.expand_many(extra):
                for name, record in data_id.records.items():
                    if record is not None and name in allowed:
                        self._records[name].setdefault(tuple(record.dataId.required_values), record)

    def _export_files(self, refs: list[DatasetRef]) -> list[FileDataset]:
        datastore = self._butler.datastore
        stored = datastore.export_records(refs)
        by_path: dict[tuple[str, str], FileDataset] = {}
        copies: list[tuple[Any, str, str]] = []
        for ref in refs:
            infos = stored.get(ref.id)
            if not infos:
                raise FileNotFoundError(
                    f"Could not retrieve dataset {ref}: it has no file in {datastore.name}.")
            if len(infos) > 1 or infos[0].component is not None:
                raise NotImplementedError(
                    f"Can not export disassembled datasets such as {ref} (stored as one file per component).")
            info = infos[0]
            path = self._exported_path(ref, info.path, copies)
            formatter = LSST_FORMATTER_NAMES.get(info.formatter, info.formatter)
            existing = by_path.get((ref.run, path))
            if existing is not None:
                existing.refs.append(ref)
            else:
                by_path[(ref.run, path)] = FileDataset(path, [ref], formatter)
        self._copy(copies)
        return list(by_path.values())

    def _exported_path(self, ref: DatasetRef, recorded: str, copies: list[tuple[Any, str, str]]) -> str:
        root = self._butler.datastore.root
        absolute = recorded.startswith("/") or "://" in recorded
        if self._transfer is None:
            return root.url_of(recorded) if absolute else recorded
        if self._transfer == "direct":
            return root.url_of(recorded)
        if absolute:
            extension = posixpath.splitext(recorded)[1]
            relative = self._butler.datastore.template_path(ref) + extension
            source = root.filesystem_for(recorded)
        else:
            relative = recorded
            source = root.resolve(recorded)
        copies.append((source[0], source[1], relative))
        return relative

    def _copy(self, copies: list[tuple[Any, str, str]]) -> None:
        if not copies:
            return
        from ..datastore.location import split_url
        from ..datastore.transfer import DirectoryMaker, transfer_files

        assert self._directory is not None and self._transfer is not None
        dest_fs, dest_root = split_url(os.fspath(self._directory))
        exists = os.path.isdir(dest_root) if dest_fs is None else dest_fs.exists(dest_root)
        if not exists:
            raise FileNotFoundError(f"Export location {self._directory} does not exist.")
        dest_root = dest_root.rstrip("/")
        dirs = DirectoryMaker()
        groups: dict[int, list[tuple[str, str]]] = defaultdict(list)
        filesystems: dict[int, Any] = {}
        done: set[str] = set()
        for src_fs, source, relative in copies:
            target = f"{dest_root}/{relative}"
            if target in done:
                continue
            done.add(target)
            dirs.ensure_parent(dest_fs, target)
            filesystems[id(src_fs)] = src_fs
            groups[id(src_fs)].append((source, target))
        for key, pairs in groups.items():
            transfer_files(filesystems[key], dest_fs, pairs, self._transfer)
        self.files_transferred += len(done)

    def _record_entry(self, record: DimensionRecord) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in record.field_names:
            value = getattr(record, name)
            if name == "timespan":
                if value is not None:
                    values["datetime_begin"] = value.begin
                    values["datetime_end"] = value.end
                continue
            if name == "region" and isinstance(value, (bytes, memoryview)):
                value = spatial.decode(bytes(value))
            values[name] = value
        return values

    def _collection_entry(self, record: Any) -> dict[str, Any]:
        registry = self._butler.registry
        entry: dict[str, Any] = {"type": "collection", "collection_type": record.type.name,
                                 "name": record.name}
        if record.doc is not None:
            entry["doc"] = record.doc
        if record.type is CollectionType.RUN:
            run = registry.tables.run
            row = registry.db.fetch_all(sa.select(run.c.host, run.c.timespan_begin, run.c.timespan_end).where(
                run.c.collection_id == record.key))
            host, begin, end = row[0] if row else (None, None, None)
            timespan = Timespan.from_nsec(begin, end) if begin is not None and end is not None else None
            entry["host"] = host
            entry["timespan_begin"] = timespan.begin if timespan is not None else None
            entry["timespan_end"] = timespan.end if timespan is not None else None
        elif record.type is CollectionType.CHAINED:
            entry["children"] = list(registry.getCollectionChain(record.name))
        return entry

    def _sorted_collections(self) -> list[Any]:
        """Non-chains by name, then chains after every chain they contain (LSST's order)."""
        manager = self._butler.registry.collections_manager
        for by_run in self._datasets.values():
            for run in by_run:
                self._collections.setdefault(run, manager.find(run))
        plain = sorted(name for name, r in self._collections.items() if r.type is not CollectionType.CHAINED)
        chains = {name: set(manager.get_chain(name)) for name, r in self._collections.items()
                  if r.type is CollectionType.CHAINED}
        ordered = list(plain)
        while chains:
            ready = sorted(name for name, children in chains.items() if not children & set(chains))
            ordered.extend(ready)
            for name in ready:
                del chains[name]
        return [self._collections[name] for name in ordered]

    def _association_entries(self) -> list[dict[str, Any]]:
        registry = self._butler.registry
        wanted = {name: r.type for name, r in self._collections.items()
                  if r.type in (CollectionType.TAGGED, CollectionType.CALIBRATION)}
        if not wanted:
            return []
        found: dict[str, list[Any]] = defaultdict(list)
        for type_name in sorted(self._types):
            dataset_type = self._types[type_name]
            types = {CollectionType.TAGGED}
            if dataset_type.isCalibration():
                types.add(CollectionType.CALIBRATION)
            names = [n for n, t in wanted.items() if t in types]
            if not names:
                continue
            for association in registry.queryDatasetAssociations(type_name, collections=names,
                                                                  collectionTypes=types):
                if association.ref.id in self._dataset_ids:
                    found[association.collection].append(association)
        entries = []
        for collection in sorted(found):
            associations = sorted(found[collection], key=lambda a: (a.ref.datasetType.name, _sort_key(
                tuple(a.ref.dataId.required_values)), str(a.ref.id)))
            entry: dict[str, Any] = {"type": "associations", "collection": collection,
                                     "collection_type": wanted[collection].name}
            if wanted[collection] is CollectionType.TAGGED:
                entry["dataset_ids"] = [a.ref.id for a in associations]
            else:
                by_timespan: dict[Timespan, list[Any]] = defaultdict(list)
                for association in associations:
                    by_timespan[association.timespan].append(association.ref.id)
                ordered = sorted(by_timespan.items(), key=lambda kv: kv[0].nsec)
                entry["validity_ranges"] = [{"timespan": t, "dataset_ids": ids} for t, ids in ordered]
            entries.append(entry)
        return entries

    def document_entries(self) -> list[dict[str, Any]]:
        """The ``data`` entries of the export file, in LSST's order."""
        universe = self._butler.dimensions
        data: list[dict[str, Any]] = []
        for element in universe.getStaticElements():
            records = self._records.get(element.name)
            if records and not getattr(element, "view_of", None):
                rows = [self._record_entry(records[k]) for k in sorted(records, key=_sort_key)]
                data.append({"type": "dimension", "element": element.name, "records": rows})
        for record in self._sorted_collections():
            data.append(self._collection_entry(record))
        for type_name in sorted(self._datasets):
            dataset_type = self._types[type_name]
            data.append({"type": "dataset_type", "name": type_name,
                         "dimensions": list(dataset_type.dimensions.names),
                         "storage_class": dataset_type.storageClass_name,
                         "is_calibration": dataset_type.isCalibration()})
            for run in sorted(self._datasets[type_name]):
                files = sorted(self._datasets[type_name][run], key=_file_sort_key)
                data.append({"type": "dataset", "dataset_type": type_name, "run": run, "records": [
                    {"dataset_id": [ref.id for ref in f.refs],
                     "data_id": [dict(ref.dataId.required) for ref in f.refs],
                     "path": f.path,
                     "formatter": _formatter_name(f.formatter)}
                    for f in files]})
        data.extend(self._association_entries())
        return data


def _file_sort_key(file_dataset: FileDataset) -> tuple:
    first = file_dataset.refs[0]
    return _sort_key(tuple(first.dataId.required_values)), str(first.id)


def _formatter_name(formatter: Any) -> str | None:
    if formatter is None or isinstance(formatter, str):
        return formatter
    name = f"{formatter.__module__}.{formatter.__qualname__}"
    return LSST_FORMATTER_NAMES.get(name, name)


def export_namespace(namespace: str) -> str:
    """The universe namespace written: ours (``butler``) is written as LSST's, whose version 8 it is."""
    return LSST_NAMESPACE if namespace == "butler" else namespace


@contextlib.contextmanager
def export_context(butler: Butler, *, directory: Any = None, filename: Any = None,
                   format: str | None = "yaml", transfer: str | None = None) -> Iterator[RepoExportContext]:
    """Implement ``Butler.export``: yield a `RepoExportContext`, write the file if the block succeeds.

    Raises
    ------
    TypeError
        For ``transfer`` without ``directory``, or ``transfer="move"``.
    ValueError
        For a format other than ``yaml``.
    """
    if directory is None and transfer is not None and transfer != "direct":
        raise TypeError("Cannot transfer without providing a directory.")
    if transfer == "move":
        raise TypeError("Transfer may not be 'move': export is read-only.")
    if transfer not in (None, "auto", "direct", *_OUTWARD_MODES):
        modes = ", ".join(("auto", *_OUTWARD_MODES, "direct"))
        raise ValueError(f"Unknown transfer mode {transfer!r}; use one of {modes}.")
    if format is None:
        if filename is None:
            raise TypeError("At least one of 'filename' or 'format' must be provided.")
        format = os.path.splitext(os.fspath(filename))[1].lstrip(".")
        if not format:
            raise ValueError("Please specify a file extension to determine export format.")
    if format != "yaml":
        raise ValueError(f"Unknown export format {format!r}, allowed: yaml.")
    if filename is None:
        filename = f"export.{format}"
    filename = os.fspath(filename)
    if directory is not None:
        directory = os.fspath(directory)
        if "://" not in filename and not os.path.isabs(filename):
            join = posixpath.join if "://" in directory else os.path.join
            filename = join(directory, filename)
    context = RepoExportContext(butler, directory=directory, transfer=transfer)
    yield context
    entries = context.document_entries()
    universe = butler.dimensions
    with fsspec.open(filename, "w") as stream:
        dump_document(entries, stream, universe_version=universe.version,
                      universe_namespace=export_namespace(universe.namespace))
    _LOG.info("Exported %d datasets and %d dimension records to %s", context.dataset_count,
              context.record_count, filename)
