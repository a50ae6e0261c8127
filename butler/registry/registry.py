"""The registry: LSST's ``butler.registry`` API over the SQL managers."""

from __future__ import annotations

__all__ = ["Registry", "RegistryDefaults"]

import contextlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from ..collection_type import CollectionType
from ..dataset_association import DatasetAssociation
from ..dataset_ref import DatasetRef
from ..dataset_type import DatasetType
from ..dimensions import DataCoordinate, DimensionElement, DimensionGroup, DimensionRecord, DimensionUniverse
from ..errors import (
    DataIdValueError,
    DatasetTypeError,
    MissingDatasetTypeError,
)
from ..timespan import Timespan
from .collections import CollectionManager, CollectionRecord
from .data_id_expansion import DataIdExpander
from .database import Database
from .dataset_insertion import RegistryDatasetInsertion
from .dataset_types import DatasetTypeManager, DatasetTypeRecord
from .datasets import DatasetStorage
from .dimension_records import DimensionRecordStorage
from .migration import SchemaMigrator
from .schema import StaticTables, make_static_tables

_UNIVERSE_ATTRIBUTE = "config:dimensions.yaml"


class RegistryDefaults:
    """Default collections, run and data ID values of a butler.

    Parameters
    ----------
    collections : `str` or sequence of `str`, optional
        Collections searched when none are given.
    run : `str`, optional
        RUN that ``put`` writes to; also searched first if ``collections`` is empty.
    **kwargs
        Default data ID values (e.g. ``instrument="HSC"``).
    """

    def __init__(self, collections: Any = None, run: str | None = None, **kwargs: Any):
        if isinstance(collections, str):
            collections = (collections,)
        self.collections: tuple[str, ...] = tuple(collections) if collections else ((run,) if run else ())
        self.run = run
        self.dataId_values = dict(kwargs)

    def data_id(self, universe: DimensionUniverse) -> DataCoordinate:
        """The defaults as a data ID (only values of known dimensions)."""
        values = {k: v for k, v in self.dataId_values.items() if k in universe}
        return DataCoordinate.standardize(values, universe=universe)

    def __repr__(self) -> str:
        return f"RegistryDefaults(collections={self.collections}, run={self.run!r}, **{self.dataId_values})"


class Registry(RegistryDatasetInsertion):
    """The SQL registry of a repository (``butler.registry``).

    Do not construct directly: use `Registry.create` for a new database or
    `Registry.open`; a `Butler` does this for you.
    """

    def __init__(self, db: Database, universe: DimensionUniverse, defaults: RegistryDefaults | None = None):
        self._db = db
        self.dimensions = universe
        self._tables: StaticTables = make_static_tables(universe)
        self.dimension_records = DimensionRecordStorage(db, self._tables, universe)
        self.data_id_expander = DataIdExpander(self.dimension_records)
        self.collections_manager = CollectionManager(db, self._tables)
        self.dataset_types = DatasetTypeManager(db, self._tables, universe)
        self.datasets = DatasetStorage(db, self._tables, self.dataset_types, self.collections_manager)
        self.defaults = defaults if defaults is not None else RegistryDefaults()
        db.on_rollback(self._forget_cached_state)

    # Lifecycle ---------------------------------------------------------------

    @classmethod
    def create(cls, db: Database, universe: DimensionUniverse | None = None) -> Registry:
        """Create the schema in an empty database and store the universe.

        Raises
        ------
        ConflictingDefinitionError
            If the database already holds a registry.
        """
        universe = universe if universe is not None else DimensionUniverse.default()
        migrator = SchemaMigrator(db)
        revision = migrator.current()
        if revision is not None:
            from ..errors import ConflictingDefinitionError

            raise ConflictingDefinitionError(
                f"The database {db} already holds a registry (schema revision {revision}); open it instead."
            )
        migrator.create(universe)
        registry = cls(db, universe)
        with db.transaction():
            db.execute(registry.tables.attributes.insert(),
                       [{"name": _UNIVERSE_ATTRIBUTE, "value": universe.to_yaml()}])
        return registry

    @classmethod
    def open(cls, db: Database, where: str, defaults: RegistryDefaults | None = None) -> Registry:
        """Open an existing registry, checking its schema revision."""
        SchemaMigrator(db).check(where)
        attributes = sa.table("butler_attributes", sa.column("name"), sa.column("value"))
        value = db.execute(sa.select(attributes.c.value).where(attributes.c.name == _UNIVERSE_ATTRIBUTE)).scalar()
        if value is None:
            from ..errors import IncompatibleSchemaError

            raise IncompatibleSchemaError(f"The registry of {where} has no stored dimension universe.")
        return cls(db, DimensionUniverse.from_yaml(value), defaults)

    @property
    def db(self) -> Database:
        """The database connection."""
        return self._db

    @property
    def tables(self) -> StaticTables:
        """The table definitions."""
        return self._tables

    def isWriteable(self) -> bool:
        """Whether writes are allowed."""
        return self._db.writeable

    @contextlib.contextmanager
    def transaction(self, *, savepoint: bool = False) -> Iterator[None]:
        """Group registry operations into one database transaction."""
        with self._db.transaction(savepoint=savepoint):
            yield

    def refresh(self) -> None:
        """Drop caches so changes made by other processes are seen."""
        self.collections_manager.refresh()
        self.dataset_types.refresh()
        self.dimension_records.clear_cache()
        self.datasets.clear_cache()

    def _forget_cached_state(self) -> None:
        # After a rollback the caches may describe rows that no longer exist
        # (a run, a dataset type, a record inserted in the rolled-back block);
        # drop them without querying, they reload on next use.
        self.collections_manager.invalidate()
        self.dataset_types.invalidate()
        self.dimension_records.clear_cache()
        self.datasets.clear_cache()

    # Dimension records -----------------------------------------------------

    def _element(self, element: str | DimensionElement) -> DimensionElement:
        return self.dimensions[getattr(element, "name", element)]

    def insertDimensionData(
        self,
        element: str | DimensionElement,
        *data: Mapping[str, Any] | DimensionRecord,
        conform: bool = True,
        replace: bool = False,
        skip_existing: bool = False,
    ) -> None:
        """Insert dimension records (dicts of field values or record objects).

        Raises
        ------
        ConflictingDefinitionError
            If a record exists already (and neither ``replace`` nor ``skip_existing``).
        DataIdValueError
            If a record refers to a dimension value that has no record.
        """
        self.dimension_records.insert(self._element(element), data, replace=replace, skip_existing=skip_existing)

    def syncDimensionData(
        self, element: str | DimensionElement, row: Mapping[str, Any] | DimensionRecord, conform: bool = True,
        update: bool = False,
    ) -> bool | dict[str, Any]:
        """Insert a record unless an identical one exists; see `DimensionRecordStorage.sync`."""
        return self.dimension_records.sync(self._element(element), row, update=update)

    def expandDataId(
        self,
        dataId: Any = None,
        *,
        dimensions: DimensionGroup | Iterable[str] | None = None,
        records: Mapping[str, DimensionRecord | None] | None = None,
        withDefaults: bool = True,
        **kwargs: Any,
    ) -> DataCoordinate:
        """Standardize a data ID, fill its implied values and attach its records.

        Accepts alternate keys such as ``{"detector.full_name": "ccd03"}`` or
        ``{"exposure.obs_id": "1038843o"}``.

        Raises
        ------
        DataIdValueError
            If a value names no record.
        DimensionNameError
            If a required dimension is missing.
        """
        if isinstance(dataId, DataCoordinate) and not kwargs and (dimensions is None or dataId.dimensions == dimensions):
            if dataId.hasRecords():
                return dataId
            return self.data_id_expander.expand(dataId, records)
        values: dict[str, Any] = dict(dataId.mapping if isinstance(dataId, DataCoordinate) else (dataId or {}))
        values.update(kwargs)
        values = self.data_id_expander.resolve_alternate_keys(values)
        defaults = self.defaults.data_id(self.dimensions) if withDefaults else None
        data_id = DataCoordinate.standardize(values, dimensions=dimensions, universe=self.dimensions,
                                             defaults=defaults)
        # Implied values given without all the others are dropped by standardize;
        # hand them over so that expansion checks them against the records.
        implied = {k: values[k] for k in data_id.dimensions.implied if k in values}
        return self.data_id_expander.expand(data_id, records, implied)

    # Dataset types -----------------------------------------------------------

    def registerDatasetType(self, datasetType: DatasetType) -> bool:
        """Register a dataset type; `False` if already registered identically."""
        return self.dataset_types.register(datasetType)

    def removeDatasetType(self, name: str | tuple[str, ...]) -> None:
        """Remove dataset types (names or globs) that have no datasets.

        A name that is not registered is ignored, as in LSST.
        """
        names = [name] if isinstance(name, str) else list(name)
        for item in names:
            try:
                matched = self.dataset_types.query(item)
            except MissingDatasetTypeError:
                continue
            for dataset_type in matched:
                self.dataset_types.remove(dataset_type.name)

    def getDatasetType(self, name: str) -> DatasetType:
        """The registered dataset type of that name (components too: ``calexp.wcs``).

        Raises
        ------
        MissingDatasetTypeError
            If it is not registered.
        """
        parent, component = DatasetType.splitDatasetTypeName(name)
        dataset_type = self.dataset_types.find(parent).dataset_type
        return dataset_type.makeComponentDatasetType(component) if component else dataset_type

    def queryDatasetTypes(self, expression: Any = ..., *, missing: list[str] | None = None) -> list[DatasetType]:
        """Registered dataset types matching names/globs/regexes."""
        try:
            return self.dataset_types.query(expression)
        except MissingDatasetTypeError:
            if missing is None:
                return []
            names = [expression] if isinstance(expression, str) else list(expression)
            found = []
            for name in names:
                try:
                    found.extend(self.dataset_types.query(name))
                except MissingDatasetTypeError:
                    missing.append(name)
            return found

    # Collections ---------------------------------------------------------------

    def registerRun(self, name: str, doc: str | None = None) -> bool:
        """Create a RUN collection; `False` if it already exists."""
        return self.collections_manager.register(name, CollectionType.RUN, doc)

    def registerCollection(self, name: str, type: CollectionType = CollectionType.TAGGED,
                           doc: str | None = None) -> bool:
        """Create a collection of any type; `False` if it already exists with that type."""
        return self.collections_manager.register(name, type, doc)

    def getCollectionType(self, name: str) -> CollectionType:
        """The type of a collection."""
        return self.collections_manager.find(name).type

    def removeCollection(self, name: str) -> None:
        """Remove a collection (a RUN must hold no datasets; see ``Butler.removeRuns``)."""
        self.collections_manager.remove(name)

    def getCollectionChain(self, parent: str) -> tuple[str, ...]:
        """The children of a CHAINED collection."""
        return self.collections_manager.get_chain(parent)

    def setCollectionChain(self, parent: str, children: Any, *, flatten: bool = False) -> None:
        """Define the children of a CHAINED collection (cycles are refused)."""
        self.collections_manager.set_chain(parent, children, flatten=flatten)

    def getCollectionParentChains(self, collection: str) -> set[str]:
        """The chains that contain a collection directly."""
        return self.collections_manager.parents(collection)

    def getCollectionDocumentation(self, collection: str) -> str | None:
        """A collection's documentation string."""
        return self.collections_manager.find(collection).doc

    def setCollectionDocumentation(self, collection: str, doc: str | None) -> None:
        """Replace a collection's documentation string."""
        self.collections_manager.set_doc(collection, doc)

    def queryCollections(
        self,
        expression: Any = ...,
        datasetType: DatasetType | str | None = None,
        collectionTypes: Iterable[CollectionType] | CollectionType = CollectionType.all(),
        flattenChains: bool = False,
        includeChains: bool | None = None,
    ) -> Sequence[str]:
        """Names of collections matching names/globs/regexes (``...`` for all)."""
        if expression is ... or expression is None:
            expression = "*"
        names = self.collections_manager.query(expression, collection_types=collectionTypes,
                                               flatten_chains=flattenChains, include_chains=includeChains)
        if datasetType is not None:
            name = datasetType if isinstance(datasetType, str) else datasetType.name
            record = self.dataset_types.find(DatasetType.splitDatasetTypeName(name)[0])
            keys = self.datasets.collections_with(record)
            names = [n for n in names if self.collections_manager.find(n).key in keys
                     or self.collections_manager.find(n).type is CollectionType.CHAINED]
        return names

    def _search_path(self, collections: Any) -> list[CollectionRecord]:
        if collections is None:
            collections = self.defaults.collections
            if not collections:
                from ..errors import NoDefaultCollectionError

                raise NoDefaultCollectionError(
                    "No collections to search: pass collections=... or make the Butler with collections=/run=."
                )
        return self.collections_manager.resolve_search_path(collections)

    # Datasets (insertDatasets and _importDatasets: see dataset_insertion.py) -------

    def _resolve_dataset_type(self, datasetType: DatasetType | str) -> tuple[DatasetTypeRecord, DatasetType]:
        name = datasetType if isinstance(datasetType, str) else datasetType.name
        parent, component = DatasetType.splitDatasetTypeName(name)
        record = self.dataset_types.find(parent)
        if isinstance(datasetType, DatasetType) and not datasetType.isComponent():
            registered = record.dataset_type
            if datasetType.dimensions != registered.dimensions or (
                datasetType.isCalibration() != registered.isCalibration()
            ):
                raise DatasetTypeError(
                    f"Dataset type {datasetType} does not match the registered definition {registered}."
                )
            return record, datasetType
        if component:
            return record, record.dataset_type.makeComponentDatasetType(component)
        return record, record.dataset_type

    def getDataset(self, id: Any) -> DatasetRef | None:
        """The reference for a dataset ID, or `None`."""
        import uuid

        if not isinstance(id, uuid.UUID):
            id = uuid.UUID(str(id))
        return self.datasets.get_refs([id]).get(id)

    def findDataset(
        self,
        datasetType: DatasetType | str,
        dataId: Any = None,
        *,
        collections: Any = None,
        timespan: Timespan | None = None,
        datastore_records: bool = False,
        **kwargs: Any,
    ) -> DatasetRef | None:
        """Find-first search for one dataset; `None` if there is none.

        For a calibration dataset type the validity time comes from
        ``timespan`` or from the data ID's exposure/visit records.  A data ID
        value that has no dimension record finds nothing (`None`).
        """
        record, dataset_type = self._resolve_dataset_type(datasetType)
        search_path = self._search_path(collections)
        try:
            data_id = self.expandDataId(dataId, **kwargs) if (dataId is not None or kwargs) else \
                DataCoordinate.make_empty(self.dimensions)
        except DataIdValueError:
            # A value with no dimension record: no dataset can have it (as in LSST).
            return None
        if timespan is None and dataset_type.isCalibration() and data_id.hasRecords():
            timespan = data_id.timespan
        if not data_id.dimensions.issuperset(dataset_type.dimensions):
            missing = set(dataset_type.dimensions.required) - set(data_id.dimensions.names)
            from ..errors import DimensionNameError

            raise DimensionNameError(
                f"Data ID {data_id} lacks {sorted(missing)} needed to find a {dataset_type.name} "
                f"(dimensions {dataset_type.dimensions})."
            )
        lookup_id = data_id.subset(dataset_type.dimensions) if data_id.dimensions != dataset_type.dimensions else data_id
        ref = self.datasets.find(record, lookup_id, search_path, timespan=timespan)
        if ref is None:
            return None
        if dataset_type.isComponent():
            ref = ref.makeComponentRef(dataset_type.component())  # type: ignore[arg-type]
        return ref

    def associate(self, collection: str, refs: Iterable[DatasetRef]) -> None:
        """Add datasets to a TAGGED collection."""
        self.datasets.associate(self.collections_manager.find(collection), list(refs))

    def disassociate(self, collection: str, refs: Iterable[DatasetRef]) -> None:
        """Remove datasets from a TAGGED collection."""
        self.datasets.disassociate(self.collections_manager.find(collection), list(refs))

    def certify(self, collection: str, refs: Iterable[DatasetRef], timespan: Timespan) -> None:
        """Declare calibration datasets valid over ``timespan`` in a CALIBRATION collection."""
        self.datasets.certify(self.collections_manager.find(collection), list(refs), timespan)

    def decertify(
        self,
        collection: str,
        datasetType: str | DatasetType,
        timespan: Timespan,
        *,
        dataIds: Iterable[Any] | None = None,
    ) -> None:
        """Remove validity over ``timespan`` from calibrations in a CALIBRATION collection."""
        record, dataset_type = self._resolve_dataset_type(datasetType)
        data_ids = None
        if dataIds is not None:
            data_ids = [DataCoordinate.standardize(d, dimensions=dataset_type.dimensions) for d in dataIds]
        self.datasets.decertify(self.collections_manager.find(collection), record, timespan, data_ids)

    def queryDatasetAssociations(
        self,
        datasetType: str | DatasetType,
        collections: Any = ...,
        *,
        collectionTypes: Iterable[CollectionType] | CollectionType = CollectionType.all(),
        flattenChains: bool = False,
    ) -> Iterator[DatasetAssociation]:
        """Every (dataset, collection[, validity]) membership of a dataset type.

        Unlike a find-first search this lists every membership, including each
        validity range of a calibration certified more than once.
        """
        record, dataset_type = self._resolve_dataset_type(datasetType)
        if collections is ... or collections is None:
            collections = "*"
        types = CollectionType.coerce(collectionTypes)
        names = self.collections_manager.query(collections, collection_types=types, flatten_chains=flattenChains,
                                               include_chains=False)
        for name in names:
            collection = self.collections_manager.find(name)
            if collection.type is CollectionType.CALIBRATION:
                pairs = self.datasets.certifications(record, collection)
                refs = self.datasets.get_refs([dataset_id for dataset_id, _ in pairs])
                for dataset_id, timespan in pairs:
                    yield DatasetAssociation(refs[dataset_id], name, timespan)
            elif collection.type in (CollectionType.RUN, CollectionType.TAGGED):
                tags = record.tags
                ids = [row[0] for row in self._db.fetch_all(
                    sa.select(tags.c.dataset_id).where(tags.c.dataset_type_id == record.key,
                                                       tags.c.collection_id == collection.key))]
                for ref in self.datasets.get_refs(ids).values():
                    yield DatasetAssociation(ref, name, None)

    def removeDatasets(self, refs: Iterable[DatasetRef]) -> None:
        """Delete datasets from every collection (their files go to the datastore trash)."""
        self.datasets.delete(list(refs))

    # Queries (implemented in the query module) ----------------------------------

    def _query_engine(self):
        from .query_engine import QueryEngine

        return QueryEngine(self)

    def queryDatasets(self, datasetType: Any, *, collections: Any = None, dimensions: Any = None,
                      dataId: Any = None, where: str = "", findFirst: bool = False, bind: Mapping | None = None,
                      check: bool = True, **kwargs: Any) -> list[DatasetRef]:
        """Datasets matching a where expression (LSST's registry API).

        As in LSST, an unregistered dataset type name gives an empty result
        (``butler.query_datasets`` raises instead).
        """
        engine = self._query_engine()
        result: list[DatasetRef] = []
        for dataset_type in self._expand_dataset_type_expression(datasetType):
            result.extend(engine.datasets(dataset_type, collections=collections, data_id=dataId, where=where,
                                          find_first=findFirst, bind=bind, kwargs=kwargs))
        return result

    def _expand_dataset_type_expression(self, expression: Any) -> list[DatasetType]:
        if isinstance(expression, DatasetType):
            return [expression]
        if isinstance(expression, str) and not any(c in expression for c in "*?["):
            try:
                return [self.getDatasetType(expression)]
            except MissingDatasetTypeError:
                return []  # as LSST's registry.queryDatasets: nothing to find, not an error
        if expression is ...:
            return self.dataset_types.query(...)
        if isinstance(expression, (str, re.Pattern)):
            return self.dataset_types.query(expression)
        result: list[DatasetType] = []
        for item in expression:
            result.extend(self._expand_dataset_type_expression(item))
        return result

    def queryDataIds(self, dimensions: Any, *, dataId: Any = None, datasets: Any = None, collections: Any = None,
                     where: str = "", bind: Mapping | None = None, check: bool = True,
                     **kwargs: Any) -> list[DataCoordinate]:
        """Data IDs of the given dimensions matching a where expression."""
        return self._query_engine().data_ids(dimensions, data_id=dataId, datasets=datasets,
                                             collections=collections, where=where, bind=bind, kwargs=kwargs)

    def queryDimensionRecords(self, element: str | DimensionElement, *, dataId: Any = None, datasets: Any = None,
                              collections: Any = None, where: str = "", bind: Mapping | None = None,
                              check: bool = True, **kwargs: Any) -> list[DimensionRecord]:
        """Records of one element matching a where expression."""
        return self._query_engine().dimension_records(self._element(element), data_id=dataId, datasets=datasets,
                                                      collections=collections, where=where, bind=bind,
                                                      kwargs=kwargs)
