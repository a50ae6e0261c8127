"""The `Butler`: one object to put, get, find and manage datasets in a repository."""

from __future__ import annotations

__all__ = ["Butler"]

import contextlib
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .butler_collections import ButlerCollections
from .butler_queries import ButlerQueries
from .butler_removal import ButlerRemoval
from .butler_repos import ButlerRepos
from .butler_transfers import ButlerTransfers
from .data_id_resolution import DataIdResolver, describe_data_id
from .dataset_ref import DatasetRef
from .dataset_type import DatasetType
from .deferred import ButlerURI, DatasetExistence, DatasetRefURIs, DeferredDatasetHandle
from .dimensions import DataCoordinate, DimensionUniverse
from .errors import (
    ConflictingDefinitionError,
    DataIdValueError,
    DatasetNotFoundError,
    FileNotFoundInDatastoreError,
    MissingDatasetTypeError,
    NoDefaultCollectionError,
)
from .file_dataset import FileDataset
from .registry import Database, Registry, RegistryDefaults
from .repo_config import RepoConfig


def _datastore_factory():
    from .datastore import FileDatastore

    return FileDatastore


class Butler(ButlerQueries, ButlerRemoval, ButlerRepos, ButlerTransfers):
    """A data butler: a registry of datasets plus a datastore of their files.

    Parameters
    ----------
    config : `str`, optional
        Repository root, its ``butler.yaml``, a URL, or a label from the
        repository index (``$BUTLER_REPOSITORY_INDEX``).
    collections : `str` or sequence of `str`, optional
        Collections searched by default.
    run : `str`, optional
        RUN collection that ``put`` writes to (registered if missing and the
        butler is writeable).
    writeable : `bool`, optional
        Defaults to `True` when ``run`` is given, else `False`.
    **kwargs
        Default data ID values, e.g. ``instrument="MegaPrime"``.

    Examples
    --------
    >>> Butler.makeRepo("/tmp/repo")
    >>> butler = Butler("/tmp/repo", run="u/me/run1")
    >>> ref = butler.put({"a": 1}, "summary", instrument="Cam", visit=12, detector=3)
    >>> butler.get("summary", instrument="Cam", visit=12, detector=3)
    {'a': 1}
    """

    def __init__(
        self,
        config: Any = None,
        *,
        collections: Any = None,
        run: str | None = None,
        searchPaths: Any = None,
        writeable: bool | None = None,
        inferDefaults: bool = True,
        without_datastore: bool = False,
        butler: Butler | None = None,
        **kwargs: Any,
    ):
        if butler is not None:
            config = butler._config
        if config is None:
            raise TypeError("Butler needs a repository: Butler('/path/to/repo') or Butler('label').")
        if writeable is None:
            writeable = run is not None
        self._config = config if isinstance(config, RepoConfig) else RepoConfig.read(os.fspath(config))
        defaults = RegistryDefaults(collections=collections, run=run, **kwargs)
        if butler is not None:
            self._db = butler._db
            self._registry = Registry(self._db, butler._registry.dimensions, defaults)
        else:
            self._db = Database(self._config.registry_db, writeable=writeable)
            self._registry = Registry.open(self._db, self._config.root, defaults)
        self._data_ids = DataIdResolver(self._registry)
        if kwargs:
            try:
                self._check_default_data_id(kwargs)
            except Exception:
                if butler is None:
                    self._db.close()
                raise
        self._writeable = writeable
        self._datastore = None if without_datastore else self._make_datastore()
        self._collections = ButlerCollections(self._registry, writeable)
        if run is not None and writeable:
            self._registry.registerRun(run)

    def _check_default_data_id(self, values: Mapping[str, Any]) -> None:
        """Refuse default data ID values that are not governors (instrument, skymap) or name no record.

        Raises
        ------
        TypeError
            For a key that is not a governor dimension -- often a misspelled
            keyword argument, which would otherwise be silently ignored.
        DataIdValueError
            For a value with no record.
        """
        universe = self.dimensions
        governors = {d.name for d in universe.governor_dimensions}
        others = set(values) - governors
        if others:
            raise TypeError(
                f"Only governor dimensions ({', '.join(sorted(governors))}) may be identified by a default data "
                f"ID, not {others}.  (These may just be unrecognized or misspelled keyword arguments passed at "
                "Butler construction.)")
        storage = self._registry.dimension_records
        for name, value in values.items():
            if value is not None and storage.fetch_one(universe[name], (value,)) is None:
                raise DataIdValueError(f"Default data ID value {name}={value!r} names no {name} record.")

    def _make_datastore(self):
        settings = self._config.datastore
        root = settings.pop("root", self._config.root)
        return _datastore_factory()(root, self._db, self._registry.tables, config=settings)

    @classmethod
    def from_config(cls, config: Any = None, *, collections: Any = None, run: str | None = None,
                    searchPaths: Any = None, writeable: bool | None = None, inferDefaults: bool = True,
                    without_datastore: bool = False, **kwargs: Any) -> Butler:
        """Open a repository (same as the constructor; LSST's spelling)."""
        return cls(config, collections=collections, run=run, searchPaths=searchPaths, writeable=writeable,
                   inferDefaults=inferDefaults, without_datastore=without_datastore, **kwargs)

    def clone(self, *, collections: Any = ..., run: Any = ..., inferDefaults: Any = ..., dataId: Any = ...,
              metrics: Any = None) -> Butler:
        """A new Butler on the same repository and connection, with other defaults (LSST's ``clone``).

        Arguments left out keep this butler's values; ``run=None`` removes
        the default run.  The clone is writeable if this butler is.
        """
        defaults = self._registry.defaults
        if collections is ...:
            # Collections inferred from the run follow the clone's run.
            inferred = (defaults.run,) if defaults.run else ()
            collections = defaults.collections if defaults.collections != inferred else None
        if run is ...:
            run = defaults.run
        data_id = dict(defaults.dataId_values) if dataId is ... else dict(dataId or {})
        return Butler(butler=self, collections=collections, run=run, writeable=self._writeable, **data_id)

    # Properties ------------------------------------------------------------

    @property
    def registry(self) -> Registry:
        """The registry (LSST's ``butler.registry``)."""
        return self._registry

    @property
    def dimensions(self) -> DimensionUniverse:
        """The repository's dimension universe."""
        return self._registry.dimensions

    @property
    def collections(self) -> ButlerCollections:
        """Collection management (``register``, ``query``, ``extend_chain``, ...)."""
        return self._collections

    @property
    def run(self) -> str | None:
        """The default RUN for ``put``."""
        return self._registry.defaults.run

    @property
    def datastore(self):
        """The file datastore."""
        if self._datastore is None:
            raise RuntimeError("This butler was made without a datastore.")
        return self._datastore

    def isWriteable(self) -> bool:
        """Whether this butler may write."""
        return self._writeable

    def get_datastore_names(self) -> tuple[str, ...]:
        """Names of the datastores (one here)."""
        return (self.datastore.name,)

    def get_datastore_roots(self) -> dict[str, ButlerURI | None]:
        """Root directory (or URL) of each datastore, ending with ``/``."""
        return {self.datastore.name: ButlerURI(self.datastore.root.url.rstrip("/") + "/")}

    def _require_writeable(self) -> None:
        if not self._writeable:
            raise TypeError("Butler is read-only; open it with writeable=True (or a run=) to write.")

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def __enter__(self) -> Butler:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"Butler({self._config.root!r}, collections={list(self._registry.defaults.collections)}, "
                f"run={self.run!r})")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: on an exception, registry rows and files written inside are all undone."""
        with self.datastore.transaction(), self._db.transaction(savepoint=True):
            yield

    # Resolving references ---------------------------------------------------

    def get_dataset_type(self, name: str) -> DatasetType:
        """The registered dataset type of that name."""
        return self._registry.getDatasetType(name)

    def get_dataset(self, id: Any, *, storage_class: Any = None, dimension_records: bool = False,
                    datastore_records: bool = False) -> DatasetRef | None:
        """The reference for a dataset ID, or `None`."""
        ref = self._registry.getDataset(id)
        if ref is not None and dimension_records:
            ref = ref.expanded(self._registry.expandDataId(ref.dataId))
        if ref is not None and storage_class is not None:
            ref = ref.overrideStorageClass(storage_class)
        return ref

    def get_many_datasets(self, ids: Iterable[Any]) -> list[DatasetRef]:
        """References for many dataset IDs (`uuid.UUID` or `str`); unknown IDs are left out."""
        wanted = [i if isinstance(i, uuid.UUID) else uuid.UUID(str(i)) for i in ids]
        return list(self._registry.datasets.get_refs(wanted).values())

    def _dataset_type_of(self, datasetRefOrType: DatasetRef | DatasetType | str) -> DatasetType:
        if isinstance(datasetRefOrType, DatasetType):
            if datasetRefOrType.isComponent():
                return datasetRefOrType
            registered = self._registry.getDatasetType(datasetRefOrType.name)
            if registered.storageClass_name != datasetRefOrType.storageClass_name:
                return registered.overrideStorageClass(datasetRefOrType.storageClass)
            return registered
        return self._registry.getDatasetType(datasetRefOrType)  # type: ignore[arg-type]

    def find_dataset(
        self,
        dataset_type: DatasetType | str,
        data_id: Any = None,
        *,
        collections: Any = None,
        timespan: Any = None,
        storage_class: Any = None,
        dimension_records: bool = False,
        datastore_records: bool = False,
        **kwargs: Any,
    ) -> DatasetRef | None:
        """Find-first search for one dataset; `None` when there is none.

        Raises
        ------
        MissingDatasetTypeError
            If the dataset type is not registered.
        MissingCollectionError
            If a collection does not exist.
        """
        dataset_type = self._dataset_type_of(dataset_type)
        data_id, kwargs, constraints = self._data_ids.split_data_id(dataset_type, data_id, kwargs)
        try:
            if constraints:
                data_id = self._data_ids.resolve_record_constraints(data_id, constraints)
            ref = self._registry.findDataset(dataset_type, data_id, collections=collections, timespan=timespan,
                                             **kwargs)
        except DataIdValueError:
            return None
        if ref is None:
            return None
        if dimension_records:
            ref = ref.expanded(self._registry.expandDataId(ref.dataId))
        if storage_class is not None:
            ref = ref.overrideStorageClass(storage_class)
        return ref

    def _find_or_raise(self, datasetRefOrType: Any, dataId: Any, collections: Any, timespan: Any,
                       kwargs: Mapping[str, Any]) -> DatasetRef:
        if isinstance(datasetRefOrType, DatasetRef):
            if dataId is not None or kwargs:
                raise ValueError("Give either a DatasetRef or a dataset type with a data ID, not both.")
            return datasetRefOrType
        dataset_type = self._dataset_type_of(datasetRefOrType)
        dataId, kwargs, constraints = self._data_ids.split_data_id(dataset_type, dataId, kwargs)
        try:
            if constraints:
                dataId = self._data_ids.resolve_record_constraints(dataId, constraints)
            ref = self._registry.findDataset(dataset_type, dataId, collections=collections, timespan=timespan,
                                             **kwargs)
        except DataIdValueError as err:
            described = describe_data_id(dataId, kwargs)
            raise DatasetNotFoundError(
                f"Dataset {dataset_type.name} with data ID {described} could not be found: {err}"
            ) from None
        if ref is None:
            searched = collections if collections is not None else self._registry.defaults.collections
            described = describe_data_id(dataId, kwargs)
            raise DatasetNotFoundError(
                f"Dataset {dataset_type.name} with data ID {described} could not be found in "
                f"collections {tuple(searched) if not isinstance(searched, str) else (searched,)}."
            )
        if dataset_type.storageClass_name != ref.datasetType.storageClass_name and not dataset_type.isComponent():
            ref = ref.overrideStorageClass(dataset_type.storageClass)
        return ref

    # Put / get --------------------------------------------------------------

    def put(self, obj: Any, datasetRefOrType: DatasetRef | DatasetType | str, /, dataId: Any = None, *,
            run: str | None = None, **kwargs: Any) -> DatasetRef:
        """Store an object as a new dataset and return its reference.

        Raises
        ------
        ConflictingDefinitionError
            If the run already has a dataset of this type and data ID.
        DataIdValueError
            If a data ID value has no dimension record.
        TypeError
            If the object is not of the storage class's type, or the butler is read-only.
        """
        self._require_writeable()
        registry = self._registry
        if isinstance(datasetRefOrType, DatasetRef):
            ref = datasetRefOrType
            if dataId is not None or kwargs:
                raise ValueError("Give either a DatasetRef or a dataset type with a data ID, not both.")
            record = registry.dataset_types.find(ref.datasetType.name)
            if not ref.dataId.hasRecords():
                ref = ref.expanded(registry.expandDataId(ref.dataId))
        else:
            run = run or registry.defaults.run
            if run is None:
                raise NoDefaultCollectionError(
                    "No run given to put and no default run: pass run=... or make the Butler with run=.")
            dataset_type = self._dataset_type_of(datasetRefOrType)
            record = registry.dataset_types.find(dataset_type.name)
            dataId, kwargs = self._data_ids.resolve(dataset_type, dataId, kwargs)
            data_id = registry.expandDataId(dataId, dimensions=dataset_type.dimensions, **kwargs)
            ref = DatasetRef(record.dataset_type, data_id, run, conform=False)
        run_record = registry.collections_manager.find(ref.run)
        datastore = self.datastore
        with datastore.transaction(), self._db.transaction(savepoint=True):
            registry.datasets.insert(record, run_record, [ref])
            datastore.put(obj, ref)
        return ref

    def get(self, datasetRefOrType: DatasetRef | DatasetType | str, /, dataId: Any = None, *,
            parameters: dict[str, Any] | None = None, collections: Any = None, storageClass: Any = None,
            timespan: Any = None, **kwargs: Any) -> Any:
        """Read a dataset by reference, or by dataset type and data ID.

        Raises
        ------
        DatasetNotFoundError
            If no dataset matches in the collections.
        FileNotFoundInDatastoreError
            If the registry knows the dataset but its file is gone.
        """
        ref = self._find_or_raise(datasetRefOrType, dataId, collections, timespan, kwargs)
        return self.datastore.get(ref, parameters=parameters, storageClass=storageClass)

    def getDeferred(self, datasetRefOrType: DatasetRef | DatasetType | str, /, dataId: Any = None, *,
                    parameters: dict[str, Any] | None = None, collections: Any = None, storageClass: Any = None,
                    timespan: Any = None, **kwargs: Any) -> DeferredDatasetHandle:
        """A handle that reads the dataset when its ``get()`` is called."""
        ref = self._find_or_raise(datasetRefOrType, dataId, collections, timespan, kwargs)
        if not self.datastore.knows(ref):
            raise DatasetNotFoundError(f"Dataset {ref} has no file in the datastore.")
        return DeferredDatasetHandle(self, ref, parameters, storageClass)

    def _ref_for_uri(self, datasetRefOrType: Any, dataId: Any, predict: bool, collections: Any, run: str | None,
                     kwargs: dict[str, Any]) -> DatasetRef:
        """The stored dataset to locate or, with ``predict``, a new ref in ``run`` if none is found."""
        if predict and not isinstance(datasetRefOrType, DatasetRef):
            ref = self.find_dataset(datasetRefOrType, dataId, collections=collections, **kwargs)
            if ref is None:
                dataset_type = self._dataset_type_of(datasetRefOrType)
                dataId, kwargs = self._data_ids.resolve(dataset_type, dataId, kwargs)
                data_id = self._registry.expandDataId(dataId, dimensions=dataset_type.dimensions, **kwargs)
                ref = DatasetRef(dataset_type, data_id, run or self.run or "predicted", conform=False)
            return ref
        return self._find_or_raise(datasetRefOrType, dataId, collections, None, kwargs)

    def getURI(self, datasetRefOrType: DatasetRef | DatasetType | str, /, dataId: Any = None, *,
               predict: bool = False, collections: Any = None, run: str | None = None, **kwargs: Any) -> ButlerURI:
        """Where a dataset's file is (or, with ``predict``, would be, ending ``#predicted``)."""
        ref = self._ref_for_uri(datasetRefOrType, dataId, predict, collections, run, kwargs)
        return ButlerURI(self.datastore.getURI(ref, predict=predict))

    def getURIs(self, datasetRefOrType: DatasetRef | DatasetType | str, /, dataId: Any = None, *,
                predict: bool = False, collections: Any = None, run: str | None = None,
                **kwargs: Any) -> DatasetRefURIs:
        """The file of a dataset and those of its components stored apart, as LSST's ``getURIs``.

        Returns
        -------
        uris : `DatasetRefURIs`
            ``(primaryURI, componentURIs)``; ``primaryURI`` is `None` for a
            dataset stored as one file per component.
        """
        ref = self._ref_for_uri(datasetRefOrType, dataId, predict, collections, run, kwargs)
        primary, components = self.datastore.getURIs(ref, predict=predict)
        return DatasetRefURIs(None if primary is None else ButlerURI(primary),
                              {name: ButlerURI(uri) for name, uri in components.items()})

    def get_many_uris(self, refs: Iterable[DatasetRef], predict: bool = False,
                      allow_missing: bool = False) -> dict[DatasetRef, DatasetRefURIs]:
        """`getURIs` for many refs.

        Refs not stored are predicted with ``predict``, left out with
        ``allow_missing``, and otherwise an error.

        Raises
        ------
        FileNotFoundError
            If a dataset is not stored (and neither option is given).
        """
        refs = list(refs)
        datastore = self.datastore
        stored = datastore.prepare_get_records(refs)
        result = {}
        for ref in refs:
            if ref.id not in stored and not predict:
                if allow_missing:
                    continue
                raise FileNotFoundInDatastoreError(f"Dataset {ref} is not stored in {datastore.name}.")
            primary, components = datastore.getURIs(ref, predict=predict)
            result[ref] = DatasetRefURIs(None if primary is None else ButlerURI(primary),
                                         {name: ButlerURI(uri) for name, uri in components.items()})
        return result

    def stored(self, ref: DatasetRef) -> bool:
        """Whether the dataset's file is in the datastore (recorded and present)."""
        return self.datastore.exists(ref)

    def stored_many(self, refs: Iterable[DatasetRef]) -> dict[DatasetRef, bool]:
        """`stored` for many refs at once."""
        return self.datastore.mexists(refs)

    def exists(self, dataset_ref_or_type: DatasetRef | DatasetType | str, /, data_id: Any = None, *,
               full_check: bool = True, collections: Any = None, **kwargs: Any) -> DatasetExistence:
        """How far a dataset exists: in the registry, in the datastore's records, as a file."""
        if isinstance(dataset_ref_or_type, DatasetRef):
            ref: DatasetRef | None = dataset_ref_or_type
            if self._registry.getDataset(ref.id) is None:  # type: ignore[union-attr]
                existence = DatasetExistence.UNRECOGNIZED
            else:
                existence = DatasetExistence.RECORDED
        else:
            try:
                ref = self.find_dataset(dataset_ref_or_type, data_id, collections=collections, **kwargs)
            except MissingDatasetTypeError:
                return DatasetExistence.UNRECOGNIZED
            existence = DatasetExistence.RECORDED if ref is not None else DatasetExistence.UNRECOGNIZED
        if ref is None or not self.datastore.knows(ref):
            return existence
        existence |= DatasetExistence.DATASTORE
        if not full_check:
            return existence | DatasetExistence._ASSUMED
        if self.datastore.exists(ref):
            existence |= DatasetExistence._ARTIFACT
        return existence

    # Ingest ----------------------------------------------------------------------

    def ingest(self, *datasets: FileDataset, transfer: str | None = "auto", record_validation_info: bool = True,
               skip_existing: bool = False) -> None:
        """Add existing files to the repository as datasets (one transaction for all).

        Runs and dataset types that do not exist yet are registered, as LSST does.
        Refs with IDs made by ``DatasetIdGenEnum.DATAID_TYPE_RUN`` have the
        same IDs each time, so ingesting them again with ``skip_existing=True``
        does nothing (without it, as in LSST, it is a conflict).

        Raises
        ------
        FileNotFoundError
            If a file does not exist (nothing is ingested).
        ConflictingDefinitionError
            If a dataset of the same type and data ID already exists in the
            run, or one with the same ID is already stored and
            ``skip_existing`` is false (nothing is ingested).
        """
        self._require_writeable()
        registry = self._registry
        refs = [ref for dataset in datasets for ref in dataset.refs]
        data_ids = registry.data_id_expander.expand_many(
            [DataCoordinate.standardize(ref.dataId, dimensions=ref.datasetType.dimensions) for ref in refs])
        expanded = {ref.id: ref.expanded(data_id) for ref, data_id in zip(refs, data_ids)}
        for dataset in datasets:
            dataset.refs = [expanded[r.id] for r in dataset.refs]
        by_run_type: dict[tuple[str, str], list[DatasetRef]] = {}
        for ref in expanded.values():
            by_run_type.setdefault((ref.run, ref.datasetType.name), []).append(ref)
        datastore = self.datastore
        with datastore.transaction(), self._db.transaction(savepoint=True):
            inserted: set[uuid.UUID] = set()
            for (run, type_name), group in by_run_type.items():
                registry.registerDatasetType(group[0].datasetType)
                registry.registerRun(run)
                record = registry.dataset_types.find(type_name)
                run_record = registry.collections_manager.find(run)
                new = registry.datasets.insert(record, run_record, group, ignore_existing_ids=True)
                inserted.update(r.id for r in new)
            # Refs already in the registry (same ID) are ingested only if the datastore lacks them.
            known = datastore.knows_these(r for r in expanded.values() if r.id not in inserted)
            stored = [ref for ref, is_stored in known.items() if is_stored]
            if stored and not skip_existing:
                raise ConflictingDefinitionError(
                    f"Datastore already contains {len(stored)} of the given datasets, e.g. {stored[0]}; pass "
                    "skip_existing=True to skip datasets already ingested.")
            stored_ids = {ref.id for ref in stored}
            to_ingest = []
            for dataset in datasets:
                refs_left = [r for r in dataset.refs if r.id not in stored_ids]
                if len(refs_left) == len(dataset.refs):
                    to_ingest.append(dataset)
                elif refs_left:
                    to_ingest.append(FileDataset(dataset.path, refs_left, dataset.formatter))
            datastore.ingest(to_ingest, transfer=transfer, record_validation_info=record_validation_info)
