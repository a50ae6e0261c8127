"""Importing an export file into a repository: ``Butler.import_`` and ``butler import``.

The whole file is read, converted to this repository's universe
(`universe_compat`) and turned into records, dataset types and references
before anything is written; then one transaction (registry and files
together) registers the dataset types and collections, inserts the records
(those already present are kept, as in LSST), adds the datasets with their
exported IDs, ingests their files and restores TAGGED and CALIBRATION
memberships.  Any failure leaves the repository as it was.
"""

from __future__ import annotations

__all__ = ["ImportSummary", "import_contents", "import_file"]

import contextlib
import dataclasses
import logging
import os
import posixpath
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any, TypeVar

import fsspec

from .. import spatial
from ..collection_type import CollectionType
from ..dataset_ref import DatasetRef
from ..dataset_type import DatasetType
from ..dimensions import DataCoordinate, DimensionElement, DimensionRecord, DimensionUniverse
from ..errors import DimensionNameError
from ..file_dataset import FileDataset
from ..timespan import Timespan
from .contents import ExportContents, read_contents
from .errors import ExportFormatError, InconsistentUniverseError
from .universe_compat import conform
from .yaml_format import load_document

if TYPE_CHECKING:
    from ..butler import Butler

_LOG = logging.getLogger(__name__)

T = TypeVar("T")
Progress = Callable[..., Iterable[Any]]

_TIMESPAN_KEYS = (("datetime_begin", "datetime_end"), ("timespan_begin", "timespan_end"))


def _no_progress(items: Iterable[T], *, description: str = "", total: int | None = None) -> Iterable[T]:
    return items


@dataclasses.dataclass
class ImportSummary:
    """What an import did (for the command line and logs)."""

    records: dict[str, int] = dataclasses.field(default_factory=dict)
    """Records given per element (those already present were kept)."""
    dataset_types: int = 0
    collections: int = 0
    datasets: int = 0
    """Datasets added (datasets already in the repository with the same ID are not counted)."""
    files: int = 0
    notes: list[str] = dataclasses.field(default_factory=list)
    """Universe conversions applied and elements skipped."""


# Preparation: everything that can fail on bad input, before any write. ----------------------------


def _build_record(element: DimensionElement, fields: dict[str, Any], where: str) -> DimensionRecord:
    """A record from exported field values (timespan as datetime_begin/datetime_end, region tagged)."""
    values = dict(fields)
    record_class = element.RecordClass
    temporal = "timespan" in record_class.field_names
    allowed = set(record_class.field_names) | {element.name}
    if temporal:
        allowed |= {key for pair in _TIMESPAN_KEYS for key in pair}
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise InconsistentUniverseError(
            f"{where}: the {element.name} records have field(s) {unknown} that this repository's dimension "
            f"universe does not have (its {element.name} fields: {list(record_class.field_names)}).")
    try:
        if temporal and "timespan" not in values:
            for begin_key, end_key in _TIMESPAN_KEYS:
                if begin_key in values or end_key in values:
                    values["timespan"] = Timespan(values.pop(begin_key, None), values.pop(end_key, None))
                    break
        region = values.get("region")
        if isinstance(region, str):
            values["region"] = spatial.decode_text(region)
        elif isinstance(region, bytes):
            values["region"] = spatial.decode(region)
        return record_class(**values)
    except (TypeError, ValueError) as err:
        shown = str(fields) if len(str(fields)) < 300 else str(fields)[:300] + "...}"
        raise ExportFormatError(f"{where}: invalid {element.name} record {shown}: {err}") from None


def _prepare_records(contents: ExportContents, universe: DimensionUniverse, skip: set[str],
                     summary: ImportSummary) -> list[tuple[DimensionElement, list[DimensionRecord]]]:
    prepared: dict[str, list[DimensionRecord]] = {}
    for name, rows in contents.records.items():
        if name in skip:
            continue
        if name not in universe:
            raise InconsistentUniverseError(
                f"The export has records of dimension element {name!r}, which this repository's universe "
                f"({universe.namespace} version {universe.version}) does not have; pass "
                f"skip_dimensions={{{name!r}}} (--skip-dimensions {name}) to leave them out.")
        element = universe[name]
        if getattr(element, "view_of", None) or not element.has_own_table:
            summary.notes.append(f"ignored {len(rows)} {name} records ({name} has no table of its own here; "
                                 "band records derive from physical_filter)")
            continue
        where = f"{name} records"
        prepared[name] = [_build_record(element, row, where) for row in rows]
    return [(element, prepared[element.name]) for element in universe.getStaticElements()
            if element.name in prepared]


def _prepare_dataset_types(contents: ExportContents, universe: DimensionUniverse) -> dict[str, DatasetType]:
    result = {}
    for spec in contents.dataset_types.values():
        unknown = [d for d in spec.dimensions if d not in universe]
        if unknown:
            raise InconsistentUniverseError(
                f"Dataset type {spec.name!r} has dimension(s) {unknown} that this repository's universe does "
                "not have.")
        try:
            result[spec.name] = DatasetType(spec.name, spec.dimensions, spec.storage_class, universe=universe,
                                            isCalibration=spec.is_calibration)
        except (KeyError, ValueError) as err:
            raise ExportFormatError(f"Invalid dataset type {spec.name!r} in the export: {err}") from None
    return result


def _prepare_refs(butler: Butler, contents: ExportContents, types: dict[str, DatasetType]
                  ) -> list[tuple[str | None, str | None, list[DatasetRef]]]:
    """``(path, formatter, refs)`` per exported file, with data IDs standardized (not yet expanded)."""
    files = []
    for (type_name, run), entries in contents.datasets.items():
        dataset_type = types.get(type_name)
        if dataset_type is None:
            dataset_type = butler.registry.getDatasetType(type_name)  # MissingDatasetTypeError if unknown
        required = dataset_type.dimensions.required
        for entry in entries:
            refs = []
            for dataset_id, data_id in zip(entry.ids, entry.data_ids):
                values = {k: v for k, v in data_id.items() if k in required}
                try:
                    coordinate = DataCoordinate.standardize(values, dimensions=dataset_type.dimensions)
                except (DimensionNameError, KeyError, TypeError, ValueError) as err:
                    raise ExportFormatError(f"Dataset {dataset_id} of type {type_name!r} in RUN {run!r} has "
                                            f"an invalid data ID {data_id}: {err}") from None
                refs.append(DatasetRef(dataset_type, coordinate, run, id=dataset_id, conform=False))
            files.append((entry.path, entry.formatter, refs))
    return files


def _known_formatter(name: str | None) -> str | None:
    """The formatter name if it can be loaded here; else `None` (the storage class's formatter is used)."""
    if name is None:
        return None
    from ..formatters import get_formatter_factory

    try:
        get_formatter_factory().get_formatter_class_by_name(name)
    except (ImportError, AttributeError, TypeError, ValueError):
        _LOG.warning("Formatter %s is not available here; files it wrote are read with their storage class's "
                     "formatter instead.", name)
        return None
    return name


def _source_path(path: str, directory: str | None) -> str:
    if directory is None or "://" in path or os.path.isabs(path):
        return path
    if "://" in directory:
        return posixpath.join(directory.rstrip("/"), path)
    return os.path.join(os.path.abspath(directory), path)


# Writing ---------------------------------------------------------------------------------------------


def _register_collections(butler: Butler, contents: ExportContents) -> int:
    registry = butler.registry
    count = 0
    run_table = registry.tables.run
    for name, spec in contents.runs.items():
        if registry.registerRun(name, doc=contents.docs.get(name)):
            # A new RUN takes the exported host and timespan (even unknown ones), not this machine's.
            count += 1
            key = registry.collections_manager.find(name).key
            begin, end = spec.timespan.nsec if spec.timespan is not None else (None, None)
            registry.db.execute(run_table.update().where(run_table.c.collection_id == key).values(
                host=spec.host, timespan_begin=begin, timespan_end=end))
    for name, ctype in contents.collections.items():
        count += registry.registerCollection(name, ctype, doc=contents.docs.get(name))
    for name in contents.chains:
        count += registry.registerCollection(name, CollectionType.CHAINED, doc=contents.docs.get(name))
    for name, children in contents.chains.items():
        registry.setCollectionChain(name, children)
    return count


def _refs_by_id(butler: Butler, ids: list[Any], imported: dict[Any, DatasetRef],
                collection: str) -> list[DatasetRef]:
    missing = [i for i in ids if i not in imported]
    found = butler.registry.datasets.get_refs(missing) if missing else {}
    absent = [i for i in missing if i not in found]
    if absent:
        raise ExportFormatError(
            f"The export associates {len(absent)} dataset(s) with {collection!r} (e.g. {absent[0]}) that are "
            "neither in the export nor in the repository.")
    return [imported[i] if i in imported else found[i] for i in ids]


def _certify(butler: Butler, collection: str, ranges: list[tuple[Timespan, list[Any]]],
             imported: dict[Any, DatasetRef]) -> None:
    registry = butler.registry
    record = registry.collections_manager.find(collection)
    for timespan, ids in ranges:
        refs = _refs_by_id(butler, ids, imported, collection)
        existing: set[tuple[Any, Timespan]] = set()
        for type_name in {ref.datasetType.name for ref in refs}:
            type_record = registry.dataset_types.find(type_name)
            existing.update(registry.datasets.certifications(type_record, record))
        refs = [ref for ref in refs if (ref.id, timespan) not in existing]
        if refs:
            registry.certify(collection, refs, timespan)


@contextlib.contextmanager
def _transaction(butler: Butler, use_datastore: bool) -> Iterator[None]:
    if use_datastore:
        with butler.transaction():
            yield
    else:
        with butler.registry.transaction(savepoint=True):
            yield


def import_contents(butler: Butler, contents: ExportContents, *, directory: str | None = None,
                    transfer: str | None = None, skip_dimensions: Iterable[str] | None = None,
                    record_validation_info: bool = True, without_datastore: bool = False,
                    progress: Progress | None = None) -> ImportSummary:
    """Write the contents of an export into a repository, all or nothing.

    Parameters
    ----------
    butler : `Butler`
        A writeable butler.
    contents : `ExportContents`
        From `read_contents`.
    directory : `str`, optional
        Directory the export's relative file paths are relative to (else
        they are relative to the datastore root).
    transfer : `str`, optional
        How files get into the datastore (``auto``, ``copy``, ``move``,
        ``link``, ``symlink``, ``hardlink``, ``relsymlink``, ``direct``, or
        `None` for files already inside the datastore root).
    skip_dimensions : iterable of `str`, optional
        Dimension elements whose records are not imported.
    record_validation_info : `bool`, optional
        Record file sizes (and checksums if the datastore is so configured).
    without_datastore : `bool`, optional
        Only the registry: no file is ingested.
    progress : callable, optional
        ``progress(iterable, description=..., total=...)`` wrapping long loops.

    Returns
    -------
    summary : `ImportSummary`

    Raises
    ------
    InconsistentUniverseError
        If records or dataset types do not fit the repository's universe.
    ExportFormatError
        If an entry is invalid, or an association names an unknown dataset.
    ConflictingDefinitionError
        If a dataset type, collection or dataset conflicts with the
        repository's.
    """
    progress = progress or _no_progress
    universe = butler.dimensions
    summary = ImportSummary()
    summary.notes.extend(conform(contents, universe))
    skip = {getattr(e, "name", e) for e in (skip_dimensions or ())}
    records = _prepare_records(contents, universe, skip, summary)
    types = _prepare_dataset_types(contents, universe)
    files = _prepare_refs(butler, contents, types)
    use_datastore = not without_datastore and butler._datastore is not None
    registry = butler.registry
    with _transaction(butler, use_datastore):
        for dataset_type in types.values():
            summary.dataset_types += registry.registerDatasetType(dataset_type)
        summary.collections = _register_collections(butler, contents)
        for element, element_records in progress(records, description="Importing dimension records"):
            registry.insertDimensionData(element, *element_records, skip_existing=True)
            summary.records[element.name] = len(element_records)
        before = {ref.id for ref in butler.get_many_datasets(r.id for _, _, refs in files for r in refs)}
        with_files = [f for f in files if f[0] is not None] if use_datastore else []
        without_files = [ref for path, _, refs in files if path is None or not use_datastore for ref in refs]
        if without_files:
            registry._importDatasets(without_files)
        datasets = [FileDataset(_source_path(path, directory), refs, _known_formatter(formatter))
                    for path, formatter, refs in with_files]
        batch = 2000
        for start in progress(range(0, len(datasets), batch), description="Importing datasets",
                              total=(len(datasets) + batch - 1) // batch):
            chunk = datasets[start:start + batch]
            butler.ingest(*chunk, transfer=transfer, record_validation_info=record_validation_info,
                          skip_existing=True)
        summary.files = len({d.path for d in datasets})
        imported = {ref.id: ref for _, _, refs in files for ref in refs}
        summary.datasets = len(set(imported) - before)
        for collection, ids in contents.tagged.items():
            registry.associate(collection, _refs_by_id(butler, ids, imported, collection))
        for collection, ranges in contents.certified.items():
            _certify(butler, collection, ranges, imported)
    return summary


def _resolve_filename(filename: str, directory: str | None) -> str:
    """LSST's rule: a relative name is looked for in ``directory`` first, then in the working directory."""
    if directory is None or os.path.isabs(filename) or "://" in filename:
        return filename
    in_directory = _source_path(filename, directory)
    fs, path = fsspec.core.url_to_fs(in_directory)
    if fs.exists(path):
        return in_directory
    if os.path.exists(filename):
        return filename
    raise FileNotFoundError(
        f"Export file could not be found in {os.path.abspath(filename)} or {in_directory}.")


def import_file(butler: Butler, *, directory: Any = None, filename: Any = None, format: str | None = "yaml",
                transfer: str | None = None, skip_dimensions: Iterable[str] | None = None,
                record_validation_info: bool = True, without_datastore: bool = False,
                progress: Progress | None = None) -> ImportSummary:
    """Implement ``Butler.import_``: find and read the export file, then `import_contents`.

    ``filename`` may also be an open text stream.  See `Butler.import_`.
    """
    butler._require_writeable()
    if format is None:
        name = filename if isinstance(filename, (str, os.PathLike)) else None
        format = os.path.splitext(os.fspath(name))[1].lstrip(".") if name else "yaml"
        format = format or "yaml"
    if format != "yaml":
        raise ValueError(f"Unknown export format {format!r}, allowed: yaml.")
    if directory is not None:
        directory = os.fspath(directory)
    if filename is None:
        filename = f"export.{format}"
    if hasattr(filename, "read"):
        stream: IO[str] = filename
        source = getattr(filename, "name", "the export stream")
        document = load_document(stream, source=str(source))
    else:
        path = _resolve_filename(os.fspath(filename), directory)
        try:
            with fsspec.open(path, "r") as handle:
                document = load_document(handle, source=path)
        except FileNotFoundError:
            raise FileNotFoundError(f"Export file {path} does not exist.") from None
    contents = read_contents(document)
    return import_contents(butler, contents, directory=directory, transfer=transfer,
                           skip_dimensions=skip_dimensions, record_validation_info=record_validation_info,
                           without_datastore=without_datastore, progress=progress)

