"""A datastore keeping one file per dataset, on local disk or any fsspec filesystem."""

from __future__ import annotations

__all__ = ["FileDatastore", "load_datastore_config"]

import contextlib
import itertools
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import FileNotFoundInDatastoreError
from ..formatters import Formatter, FormatterFactory
from ..storage_class import StorageClass
from .config import load_datastore_config
from .formatter_cache import FormatterCache
from .location import DatastoreRoot
from .records import FileRecordStore
from .stored_file import StoredFileInfo
from .templates import FileTemplates
from .transfer import DirectoryMaker
from .undo import DatastoreTransaction
from .writing import write_file

if TYPE_CHECKING:
    import uuid

    from ..dataset_ref import DatasetRef
    from ..dimensions import DimensionUniverse
    from ..file_dataset import FileDataset
    from ..registry.database import Database
    from ..registry.schema import StaticTables

_RECORDS_KEY = "file_datastore_records"


class FileDatastore:
    """Stores datasets as files under a root directory or URL, tracked in the registry database.

    Parameters
    ----------
    root : `str` or path-like
        Local directory or fsspec URL (``s3://bucket/prefix``).
    db : `Database`
        The registry database holding the datastore tables.
    tables : `StaticTables`
        The registry tables (``datastore_records`` and ``datastore_trash``
        are used).
    config : `~collections.abc.Mapping`, optional
        Overrides of ``butler/configs/datastore.yaml``: ``templates``,
        ``formatters``, ``checksum``, ``checksum_algorithm``,
        ``validate_templates``, ``storage_options``; other keys are kept
        but ignored.
    storage_options : `~collections.abc.Mapping`, optional
        fsspec options for the root's filesystem (default: the
        ``storage_options`` of ``config``).
    formatter_factory : `~butler.formatters.FormatterFactory`, optional
        Where storage class formatters are configured (process-wide one by
        default).
    universe : `DimensionUniverse`, optional
        Used to interpret dimension keys of templates.

    Notes
    -----
    Paths in records are relative to the root, except for files ingested
    with ``transfer="direct"``, whose absolute location is recorded; those
    are never deleted by the datastore.  The registry is authoritative: a
    file in the root that no record refers to may be overwritten.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        db: Database | None,
        tables: StaticTables | None,
        *,
        config: Mapping[str, Any] | None = None,
        storage_options: Mapping[str, Any] | None = None,
        formatter_factory: FormatterFactory | None = None,
        universe: DimensionUniverse | None = None,
    ):
        self.config = load_datastore_config(config)
        if storage_options is None:
            storage_options = self.config.get("storage_options")
        self.root = DatastoreRoot(root, storage_options)
        self.name = f"FileDatastore@{self.root.url}"
        self.db = db
        # Without a database (a worker's quantum-backed butler) files are written and read
        # with records the caller keeps; see `write_unrecorded` and ``get(records=...)``.
        self.records = FileRecordStore(db, tables) if db is not None and tables is not None else None
        self.templates = FileTemplates(self.config.get("templates") or {}, universe=universe)
        self.formatters = FormatterCache(self.config.get("formatters") or {}, formatter_factory)
        self.use_checksum = bool(self.config.get("checksum", False))
        self.checksum_algorithm = str(self.config.get("checksum_algorithm", "blake2b"))
        self._validate_templates = bool(self.config.get("validate_templates", True))
        self._validated: set[tuple[Any, ...]] = set()
        self.dirs = DirectoryMaker()
        self._transaction: DatastoreTransaction | None = None
        self._tmp_counter = itertools.count()
        if self.root.is_local:
            os.makedirs(self.root.path, exist_ok=True)

    def __repr__(self) -> str:
        return f"FileDatastore({self.root.url!r})"

    # Transactions ------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[DatastoreTransaction]:
        """Group file operations so that they are undone together on failure.

        On an exception the undo actions (removing files just written,
        moving ingested files back) run newest first and the exception
        propagates.  A nested call acts like a savepoint: if it fails, only
        what was done inside it is undone, and the outer transaction goes on.
        Wrap the database transaction in this one so that a failing commit
        also removes the files::

            with datastore.transaction():
                with db.transaction():
                    datastore.put(obj, ref)
        """
        if self._transaction is not None:
            outer = self._transaction
            mark = outer.savepoint()
            try:
                yield outer
            except BaseException:
                outer.rollback(to=mark)
                raise
            return
        txn = self._transaction = DatastoreTransaction()
        try:
            yield txn
        except BaseException:
            self._transaction = None
            txn.rollback()
            raise
        self._transaction = None
        txn.commit()

    # Paths and formatters ---------------------------------------------------

    def _write_plan(self, ref: DatasetRef) -> tuple[Formatter, str]:
        """The formatter that writes ``ref`` and its path relative to the root."""
        dataset_type = ref.datasetType
        formatter = self.formatters.for_write(dataset_type)
        return formatter, self.template_path(ref) + formatter.default_extension

    def template_path(self, ref: DatasetRef) -> str:
        """The path of ``ref`` relative to the root from its file template, without extension.

        Raises
        ------
        FileTemplateValidationError
            Raised (once per dataset type) if the template cannot give the
            dataset type unique paths.
        """
        key, template = self.templates.getTemplateWithMatch(ref)
        if self._validate_templates:
            dataset_type = ref.datasetType
            check = (template, dataset_type)
            if check not in self._validated:
                shared = key not in (dataset_type.name, dataset_type.nameAndComponent()[0])
                template.validateTemplate(dataset_type, require_dataset_type=shared)
                self._validated.add(check)
        return template.format(ref)

    def validate_templates(self, entities: Iterable[Any]) -> None:
        """Check that the templates give unique paths to these dataset types (see `FileTemplates.validate`)."""
        self.templates.validate(entities)

    # put ---------------------------------------------------------------------

    def put(self, obj: Any, ref: DatasetRef) -> StoredFileInfo:
        """Write a dataset and record it.

        Parameters
        ----------
        obj : `object`
            The in-memory dataset, of the storage class's type (or one the
            storage class can convert).
        ref : `DatasetRef`
            Its reference, already registered by the caller.

        Returns
        -------
        info : `StoredFileInfo`
            What was recorded.

        Raises
        ------
        ConflictingDefinitionError
            Raised if the dataset is already stored, or its path belongs to
            another dataset.
        DatasetTypeNotSupportedError
            Raised for a component or a storage class without formatter.
        TypeError
            Raised if ``obj`` cannot be converted to the storage class.
        """
        with self.transaction() as txn:
            info = write_file(self, obj, ref, txn)
            txn.register_undo(f"record {ref.id}", self.records.delete, [ref.id])
            self.records.insert([info], what=ref)
        return info

    def put_many(self, pairs: Iterable[tuple[Any, DatasetRef]]) -> list[StoredFileInfo]:
        """Write several datasets and record them with one statement; all or nothing."""
        with self.transaction() as txn:
            infos = [write_file(self, obj, ref, txn) for obj, ref in pairs]
            txn.register_undo(f"records of {len(infos)} datasets", self.records.delete,
                              [info.dataset_id for info in infos])
            self.records.insert(infos, what=f"{len(infos)} datasets")
        return infos

    def write_unrecorded(self, obj: Any, ref: DatasetRef) -> StoredFileInfo:
        """Write a dataset's file and return its record without storing the record.

        The caller registers the dataset and inserts the record later (see
        `butler.quantum_backed.QuantumBackedButler`); a failure removes the
        file.
        """
        with self.transaction() as txn:
            return write_file(self, obj, ref, txn)

    # get ---------------------------------------------------------------------

    def prepare_get_records(self, refs: Iterable[DatasetRef]) -> dict[uuid.UUID, list[StoredFileInfo]]:
        """Fetch the records of many datasets at once, for later `get` calls with ``records=``.

        Returns
        -------
        records : `dict` [`uuid.UUID`, `list` [`StoredFileInfo`]]
            Records by dataset ID; datasets not stored here are absent.
        """
        return self.records.get_many(ref.id for ref in refs)

    def _records_of(self, ref: DatasetRef) -> list[StoredFileInfo]:
        attached = getattr(ref, "_datastore_records", None)
        if attached:
            if isinstance(attached, Mapping):
                attached = attached.get(_RECORDS_KEY)
            if attached and all(isinstance(r, StoredFileInfo) for r in attached):
                return list(attached)
        return self.records.get(ref.id)

    @staticmethod
    def _choose(records: Sequence[StoredFileInfo], component: str | None) -> StoredFileInfo | None:
        """The record to read: the component's own file if stored apart, else the whole file."""
        whole = None
        for info in records:
            if info.component is None:
                whole = info
            elif info.component == component:
                return info
        return whole

    def get(
        self,
        ref: DatasetRef,
        *,
        parameters: Mapping[str, Any] | None = None,
        storageClass: StorageClass | str | None = None,
        records: Sequence[StoredFileInfo] | None = None,
    ) -> Any:
        """Read a dataset or one component of it.

        Parameters
        ----------
        ref : `DatasetRef`
            The dataset; a component ref (``calexp.wcs``) reads the component.
        parameters : `~collections.abc.Mapping`, optional
            Read parameters of the (parent) storage class.
        storageClass : `StorageClass` or `str`, optional
            Return the dataset converted to this storage class; by default
            the ref's storage class.
        records : sequence of `StoredFileInfo`, optional
            Records already fetched (see `prepare_get_records`); looked up
            otherwise.

        Raises
        ------
        FileNotFoundInDatastoreError
            Raised if the dataset is not recorded, or its file is missing.
        FormatterReadError
            Raised (by the formatter) if the file is corrupt.
        """
        if records is None:
            records = self._records_of(ref)
        component = ref.datasetType.component()
        info = self._choose(records, component) if records else None
        if info is None:
            raise FileNotFoundInDatastoreError(f"Could not retrieve dataset {ref}.")
        formatter = self.formatters.for_read(info.formatter, info.storage_class)
        fs, path = self.root.resolve(info.path)
        read_component = component if info.component is None else None
        try:
            obj = formatter.read(fs, path, component=read_component, parameters=parameters, data_id=ref.dataId)
        except FileNotFoundError as err:
            raise FileNotFoundInDatastoreError(
                f"Could not retrieve dataset {ref}: file {self.root.url_of(info.path)} does not exist.") from err
        produced = formatter.storage_class
        if read_component is not None:
            produced = produced.allComponents()[read_component]
        if storageClass is None:
            if ref.datasetType.storageClass_name == produced.name:
                return obj
            storageClass = ref.datasetType.storageClass
        elif isinstance(storageClass, str):
            if storageClass == produced.name:
                return obj
            storageClass = self.formatters.storage_class(storageClass)
        if storageClass.name == produced.name:
            return obj
        return storageClass.coerce_type(obj)

    # Existence and locations -----------------------------------------------

    def knows(self, ref: DatasetRef) -> bool:
        """Whether the dataset is recorded (the file is not checked)."""
        return bool(self.records.get(ref.id))

    def knows_these(self, refs: Iterable[DatasetRef]) -> dict[DatasetRef, bool]:
        """`knows` for many datasets with one query per 500."""
        refs = list(refs)
        found = self.records.get_many(ref.id for ref in refs)
        return {ref: ref.id in found for ref in refs}

    def exists(self, ref: DatasetRef) -> bool:
        """Whether the dataset is recorded and all its files exist."""
        return self.mexists([ref])[ref]

    def mexists(self, refs: Iterable[DatasetRef]) -> dict[DatasetRef, bool]:
        """`exists` for many datasets."""
        refs = list(refs)
        found = self.records.get_many(ref.id for ref in refs)
        checked: dict[str, bool] = {}
        result = {}
        for ref in refs:
            infos = found.get(ref.id)
            ok = bool(infos)
            for info in infos or ():
                if info.path not in checked:
                    fs, path = self.root.resolve(info.path)
                    checked[info.path] = os.path.exists(path) if fs is None else fs.exists(path)
                ok = ok and checked[info.path]
            result[ref] = ok
        return result

    def getURIs(self, ref: DatasetRef, predict: bool = False) -> tuple[str | None, dict[str, str]]:
        """The locations of a dataset's file, or of its components' files.

        Parameters
        ----------
        ref : `DatasetRef`
            The dataset.
        predict : `bool`, optional
            For a dataset not stored, return where it would be written,
            with a ``#predicted`` fragment.

        Returns
        -------
        primary : `str` or `None`
            Local path or URL of the whole-dataset file (`None` if stored as
            one file per component).
        components : `dict` [`str`, `str`]
            Component name to location, for components stored apart.

        Raises
        ------
        FileNotFoundInDatastoreError
            Raised if the dataset is not stored and ``predict`` is `False`.
        """
        records = self._records_of(ref)
        if records:
            primary = None
            components = {}
            for info in records:
                if info.component is None:
                    primary = self.root.url_of(info.path)
                else:
                    components[info.component] = self.root.url_of(info.path)
            return primary, components
        if not predict:
            raise FileNotFoundInDatastoreError(f"Dataset {ref} is not stored in {self.name}.")
        if ref.datasetType.isComponent():
            with contextlib.suppress(Exception):
                ref = ref.makeCompositeRef()
        _, relative = self._write_plan(ref)
        return self.root.url_of(relative) + "#predicted", {}

    def getURI(self, ref: DatasetRef, predict: bool = False) -> str:
        """The location (local path or URL) of a dataset's file.

        A component ref gives the file holding the component.  With
        ``predict=True`` a dataset not yet stored gives where it would be
        written, ending with ``#predicted``.

        Raises
        ------
        FileNotFoundInDatastoreError
            Raised if the dataset is not stored and ``predict`` is `False`.
        RuntimeError
            Raised if the dataset is stored as several files (use `getURIs`).
        """
        primary, components = self.getURIs(ref, predict=predict)
        component = ref.datasetType.component()
        if component is not None and component in components:
            return components[component]
        if primary is None:
            raise RuntimeError(f"Dataset {ref} is stored as one file per component; use getURIs.")
        return primary

    # Removal -----------------------------------------------------------------

    def trash(self, refs: DatasetRef | Iterable[DatasetRef]) -> None:
        """Forget datasets and list their files for deletion by `emptyTrash`.

        Runs inside the caller's database transaction, so it is undone with
        it; the files are untouched until `emptyTrash`.
        """
        if not isinstance(refs, Iterable):
            refs = [refs]
        self.records.move_to_trash(ref.id for ref in refs)

    def emptyTrash(self) -> list[str]:
        """Delete the trashed files no record refers to any more.

        Files outside the root (``direct`` ingests) are never deleted.

        Returns
        -------
        removed : `list` [`str`]
            Locations of the files deleted.
        """
        from .artifacts import empty_trash

        return empty_trash(self)

    def forget(self, refs: Iterable[DatasetRef]) -> None:
        """Delete the datasets' records, leaving their files alone."""
        self.records.delete(ref.id for ref in refs)

    # Moving files in and out -------------------------------------------------

    def ingest(self, datasets: Sequence[FileDataset], transfer: str | None = "auto", *,
               record_validation_info: bool = True) -> list[StoredFileInfo]:
        """Add existing files (see `butler.datastore.ingest.ingest_files` for the modes).

        All files are ingested or none: on failure the files transferred so
        far are removed (moved ones moved back) and nothing is recorded.

        Raises
        ------
        NotImplementedError
            Raised for an unknown transfer mode.
        FileNotFoundError
            Raised if a file does not exist.
        RuntimeError
            Raised for ``transfer=None`` and a file outside the root.
        ConflictingDefinitionError
            Raised if a dataset is already stored or a path is taken.
        """
        from .ingest import ingest_files

        return ingest_files(self, datasets, transfer, record_validation_info=record_validation_info)

    def retrieveArtifacts(self, refs: Iterable[DatasetRef], destination: str | os.PathLike[str],
                          transfer: str = "auto", preserve_path: bool = True, overwrite: bool = False
                          ) -> list[str]:
        """Copy the files of datasets to a local directory or any fsspec URL.

        Parameters
        ----------
        refs : iterable of `DatasetRef`
            The datasets.
        destination : `str` or path-like
            Directory (local or URL).
        transfer : `str`, optional
            ``auto`` (= ``copy``), ``copy`` or a link mode (local only);
            ``move`` is refused.
        preserve_path : `bool`, optional
            Keep the path inside the datastore below ``destination`` (else
            only the file name).
        overwrite : `bool`, optional
            Replace existing destination files.  Otherwise an existing file
            of the same size is taken as already retrieved and one of a
            different size raises `FileExistsError`.

        Returns
        -------
        locations : `list` [`str`]
            The destination files (local paths or URLs).
        """
        from .artifacts import retrieve_artifacts

        return retrieve_artifacts(self, refs, destination, transfer, preserve_path, overwrite)

    def transfer_from(self, source: FileDatastore, refs: Iterable[DatasetRef], transfer: str = "auto"
                      ) -> list[DatasetRef]:
        """Copy datasets' files and records from another datastore.

        The refs must already be registered in this repository.  Datasets
        already stored here, and those the source does not have, are
        skipped.  Files ingested there with ``direct`` stay where they are.

        Returns
        -------
        transferred : `list` [`DatasetRef`]
            The refs whose files and records were transferred.
        """
        from .artifacts import transfer_between

        return transfer_between(source, self, refs, transfer)

    def export_records(self, refs: Iterable[DatasetRef]) -> dict[uuid.UUID, list[StoredFileInfo]]:
        """The records of datasets, for `import_records` in another repository."""
        return self.records.get_many(ref.id for ref in refs)

    def import_records(self, records: Mapping[Any, Iterable[StoredFileInfo]] | Iterable[StoredFileInfo]) -> None:
        """Insert records exported by `export_records`; records already present are kept.

        The files must be put in place by the caller (relative paths are
        relative to this root).
        """
        if isinstance(records, Mapping):
            infos = [info for group in records.values() for info in group]
        else:
            infos = list(records)
        infos = [info if isinstance(info, StoredFileInfo) else StoredFileInfo.from_simple(info) for info in infos]
        self.records.insert_ignore(infos)
