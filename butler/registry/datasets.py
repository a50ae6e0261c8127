"""Datasets: insertion into runs, lookup by data ID, tagging and certification."""

from __future__ import annotations

__all__ = ["DatasetStorage"]

import time
import uuid
from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from ..collection_type import CollectionType
from ..dataset_ref import DatasetRef
from ..dimensions import DataCoordinate
from ..errors import (
    CalibrationLookupError,
    CollectionTypeError,
    ConflictingDefinitionError,
    DatasetTypeError,
    MissingCollectionError,
    MissingDatasetTypeError,
)
from ..timespan import Timespan
from .collections import CollectionManager, CollectionRecord
from .database import Database
from .dataset_types import DatasetTypeManager, DatasetTypeRecord
from .schema import StaticTables

_TAI_MINUS_UTC_NS = 37_000_000_000


def now_nsec() -> int:
    """The current time as TAI nanoseconds (for ingest dates)."""
    return time.time_ns() + _TAI_MINUS_UTC_NS


class DatasetStorage:
    """Reads and writes dataset rows and their collection memberships."""

    def __init__(self, db: Database, tables: StaticTables, dataset_types: DatasetTypeManager,
                 collections: CollectionManager):
        self._db = db
        self._tables = tables
        self._types = dataset_types
        self._collections = collections
        self._summary_known: set[tuple[int, int]] = set()
        self._find_statements: dict[tuple[int, bool], sa.Select] = {}
        # Both caches are keyed by integer keys, which SQLite reuses after a
        # removal: forget them whenever a collection or dataset type goes.
        collections.on_remove(self.clear_cache)
        collections.before_delete(self._delete_memberships)
        dataset_types.on_remove(self.clear_cache)

    def clear_cache(self) -> None:
        """Forget which collection summaries are known to exist and the prepared lookups."""
        self._summary_known.clear()
        self._find_statements.clear()

    def _delete_memberships(self, collection: CollectionRecord) -> None:
        """Delete a collection's rows from every tags table (they have no cascading foreign key)."""
        dataset_type = self._tables.dataset_type
        names = self._db.fetch_all(sa.select(dataset_type.c.tag_table).distinct())
        for (name,) in names:
            tags = sa.table(name, sa.column("collection_id"))
            self._db.execute(tags.delete().where(tags.c.collection_id == collection.key))

    # Inserts -----------------------------------------------------------------

    _TAG_KEY_COLUMNS = ("dataset_type_id", "dataset_id", "collection_id")

    def _tag_columns(self, record: DatasetTypeRecord) -> tuple[str, ...]:
        return self._TAG_KEY_COLUMNS + tuple(record.dataset_type.dimensions.required)

    def _tag_rows(self, record: DatasetTypeRecord, refs: Sequence[DatasetRef], collection_key: int) -> list[tuple]:
        """Rows of the tags table, in the order of `_tag_columns`."""
        type_key = record.key
        return [(type_key, ref.id, collection_key, *ref.dataId.required_values) for ref in refs]

    def _lock_references(self, record: DatasetTypeRecord, collection: CollectionRecord) -> None:
        """Hold the dataset type and collection rows until the transaction ends.

        Tags rows have no foreign keys to them (see
        `~butler.registry.schema.make_tags_table`); this is the check those
        keys would make for every row, made once.
        """
        t = self._tables
        if not self._db.lock_row(t.dataset_type.c.dataset_type_id, record.key):
            raise MissingDatasetTypeError(
                f"Dataset type {record.dataset_type.name!r} is no longer registered (removed by another client?)."
            )
        if not self._db.lock_row(t.collection.c.collection_id, collection.key):
            raise MissingCollectionError(
                f"Collection {collection.name!r} no longer exists (removed by another client?)."
            )

    def _note_summary(self, collection_key: int, dataset_type_key: int) -> None:
        pair = (collection_key, dataset_type_key)
        if pair in self._summary_known:
            return
        self._db.insert_ignore(self._tables.collection_summary,
                               [{"collection_id": collection_key, "dataset_type_id": dataset_type_key}])
        self._summary_known.add(pair)

    def insert(self, record: DatasetTypeRecord, run: CollectionRecord, refs: Sequence[DatasetRef],
               *, ignore_existing_ids: bool = False) -> list[DatasetRef]:
        """Add datasets (with IDs already chosen) to a RUN.

        With ``ignore_existing_ids``, datasets whose ID already exists with the
        same type, run and data ID are skipped (re-ingest is idempotent).

        Raises
        ------
        ConflictingDefinitionError
            If the run already holds a dataset of this type and data ID, or an
            ID is reused for a different dataset.
        """
        if run.type is not CollectionType.RUN:
            raise CollectionTypeError(f"Datasets can only be added to RUN collections; {run.name!r} is "
                                      f"{run.type.name}.")
        if not refs:
            return []
        t = self._tables
        if ignore_existing_ids:
            refs = self._drop_existing(record, run, refs)
            if not refs:
                return []
        ingest_date = now_nsec()
        try:
            with self._db.transaction(savepoint=True):
                self._lock_references(record, run)
                type_key, run_key = record.key, run.key
                self._db.bulk_insert(t.dataset, [(ref.id, type_key, run_key, ingest_date) for ref in refs],
                                     columns=("id", "dataset_type_id", "run_id", "ingest_date"))
                self._db.bulk_insert(record.tags, self._tag_rows(record, refs, run_key),
                                     columns=self._tag_columns(record))
                self._note_summary(run_key, type_key)
        except sa.exc.IntegrityError as err:
            # Explain only once the savepoint is rolled back: PostgreSQL refuses
            # every statement in a transaction that has had an error.
            raise self._explain_insert_conflict(record, run, refs, err) from None
        self._db.note_bulk_insert([t.dataset, record.tags], len(refs))
        return list(refs)

    def _drop_existing(self, record: DatasetTypeRecord, run: CollectionRecord,
                       refs: Sequence[DatasetRef]) -> list[DatasetRef]:
        existing = self.get_refs([ref.id for ref in refs])
        keep = []
        for ref in refs:
            old = existing.get(ref.id)
            if old is None:
                keep.append(ref)
            elif old.run != run.name or old.datasetType.name != record.dataset_type.name or old.dataId != ref.dataId:
                raise ConflictingDefinitionError(
                    f"Dataset ID {ref.id} already exists for a different dataset ({old}); cannot use it for {ref}."
                )
        return keep

    def _explain_insert_conflict(self, record: DatasetTypeRecord, run: CollectionRecord,
                                 refs: Sequence[DatasetRef], err: Exception) -> Exception:
        by_data_id: dict[DataCoordinate, DatasetRef] = {}
        by_id: dict[uuid.UUID, DatasetRef] = {}
        for ref in refs:
            if ref.dataId in by_data_id or ref.id in by_id:
                return ConflictingDefinitionError(
                    f"Two of the {record.dataset_type.name} datasets inserted together into RUN {run.name!r} "
                    f"have the same " + ("data ID " + str(ref.dataId) if ref.dataId in by_data_id
                                         else f"ID {ref.id}") + "; a RUN holds one dataset per type and data ID."
                )
            by_data_id[ref.dataId] = ref
            by_id[ref.id] = ref
        existing_ids = self.get_refs([ref.id for ref in refs])
        if existing_ids:
            ref_id, old = next(iter(existing_ids.items()))
            return ConflictingDefinitionError(f"Dataset ID {ref_id} is already used by {old}.")
        for ref in refs:
            found = self.find(record, ref.dataId, [run])
            if found is not None:
                return ConflictingDefinitionError(
                    f"A {record.dataset_type.name} dataset with data ID {ref.dataId} already exists in RUN "
                    f"{run.name!r} (id {found.id}); each RUN holds one dataset per type and data ID."
                )
        return ConflictingDefinitionError(f"Could not insert datasets into {run.name!r}: {err}")

    # Lookups -------------------------------------------------------------------

    def get_refs(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, DatasetRef]:
        """References for dataset IDs (missing IDs are left out)."""
        ids = list(ids)
        if not ids:
            return {}
        t = self._tables
        result: dict[uuid.UUID, DatasetRef] = {}
        for chunk_start in range(0, len(ids), 10_000):
            chunk = ids[chunk_start:chunk_start + 10_000]
            rows = self._db.fetch_all(
                sa.select(t.dataset.c.id, t.dataset.c.dataset_type_id, t.dataset.c.run_id)
                .where(t.dataset.c.id.in_(chunk))
            )
            by_type: dict[int, list[tuple[uuid.UUID, int]]] = {}
            for id_, type_key, run_key in rows:
                by_type.setdefault(type_key, []).append((id_, run_key))
            for type_key, items in by_type.items():
                record = self._types.get_by_key(type_key)
                tags = record.tags
                names = record.dataset_type.dimensions.required
                dims = [tags.c[n] for n in names]
                tag_rows = self._db.fetch_all(
                    sa.select(tags.c.dataset_id, *dims)
                    .join(t.dataset, sa.and_(t.dataset.c.id == tags.c.dataset_id,
                                             t.dataset.c.run_id == tags.c.collection_id))
                    .where(tags.c.dataset_id.in_([i for i, _ in items]))
                )
                runs = dict(items)
                for row in tag_rows:
                    data_id = DataCoordinate.from_required_values(record.dataset_type.dimensions, tuple(row[1:]))
                    run_name = self._collections.get_by_key(runs[row[0]]).name
                    result[row[0]] = DatasetRef(record.dataset_type, data_id, run_name, id=row[0], conform=False)
        return result

    def _find_statement(self, record: DatasetTypeRecord, calibration: bool) -> sa.Select:
        cache_key = (record.key, calibration)
        stmt = self._find_statements.get(cache_key)
        if stmt is not None:
            return stmt
        t = self._tables
        table = record.calibs if calibration else record.tags
        assert table is not None
        conditions = [
            table.c.dataset_type_id == record.key,
            table.c.collection_id.in_(sa.bindparam("collections", expanding=True)),
            *[table.c[n] == sa.bindparam(f"d_{n}") for n in record.dataset_type.dimensions.required],
        ]
        if calibration:
            conditions += [table.c.timespan_begin < sa.bindparam("t_end"),
                           table.c.timespan_end > sa.bindparam("t_begin")]
        stmt = (
            sa.select(table.c.collection_id, table.c.dataset_id, t.dataset.c.run_id)
            .join(t.dataset, t.dataset.c.id == table.c.dataset_id)
            .where(*conditions)
        )
        self._find_statements[cache_key] = stmt
        return stmt

    def find(self, record: DatasetTypeRecord, data_id: DataCoordinate, search_path: Sequence[CollectionRecord],
             *, timespan: Timespan | None = None) -> DatasetRef | None:
        """Find-first search for one data ID through flattened collections.

        Raises
        ------
        CalibrationLookupError
            If a CALIBRATION collection must be searched without a timespan,
            or holds more than one matching dataset for the timespan.
        """
        params = {f"d_{n}": v for n, v in zip(record.dataset_type.dimensions.required, data_id.required_values)}
        hits: dict[int, list[tuple[uuid.UUID, int]]] = {}
        plain = [c.key for c in search_path if c.type in (CollectionType.RUN, CollectionType.TAGGED)]
        if plain:
            rows = self._db.execute(self._find_statement(record, False), {**params, "collections": plain})
            for collection_key, dataset_id, run_key in rows:
                hits.setdefault(collection_key, []).append((dataset_id, run_key))
        calibs = [c for c in search_path if c.type is CollectionType.CALIBRATION]
        if calibs and record.calibs is not None:
            if timespan is None:
                raise CalibrationLookupError(
                    f"Finding {record.dataset_type.name} for {data_id} in CALIBRATION collection(s) "
                    f"{[c.name for c in calibs]} needs a time: give a data ID with an exposure or visit, or "
                    "pass timespan=."
                )
            begin, end = timespan.nsec
            rows = self._db.execute(
                self._find_statement(record, True),
                {**params, "collections": [c.key for c in calibs], "t_begin": begin, "t_end": end},
            )
            for collection_key, dataset_id, run_key in rows:
                hits.setdefault(collection_key, []).append((dataset_id, run_key))
        for collection in search_path:
            # One dataset certified over several ranges that all overlap the
            # timespan is one match, not an ambiguity.
            found = list(dict.fromkeys(hits.get(collection.key, ())))
            if not found:
                continue
            if len(found) > 1:
                raise CalibrationLookupError(
                    f"{len(found)} {record.dataset_type.name} datasets for {data_id} in CALIBRATION collection "
                    f"{collection.name!r} are valid during {timespan}; narrow the timespan."
                )
            dataset_id, run_key = found[0]
            run_name = self._collections.get_by_key(run_key).name
            return DatasetRef(record.dataset_type, data_id, run_name, id=dataset_id, conform=False)
        return None

    def collections_with(self, record: DatasetTypeRecord) -> set[int]:
        """Keys of the collections whose summary lists this dataset type."""
        t = self._tables.collection_summary
        return {r[0] for r in self._db.fetch_all(sa.select(t.c.collection_id).where(t.c.dataset_type_id == record.key))}

    # Tagging -------------------------------------------------------------------

    def associate(self, collection: CollectionRecord, refs: Sequence[DatasetRef]) -> None:
        """Add existing datasets to a TAGGED collection (already-present ones are ignored).

        Raises
        ------
        ConflictingDefinitionError
            If the collection holds another dataset of the same type and data ID.
        """
        if collection.type is not CollectionType.TAGGED:
            raise CollectionTypeError(f"Collection {collection.name!r} is {collection.type.name}, not TAGGED.")
        with self._db.transaction(savepoint=True):
            for type_name, group in _group_by_type(refs).items():
                record = self._types.find(type_name)
                self._lock_references(record, collection)
                existing = {r[0] for r in self._db.fetch_all(
                    sa.select(record.tags.c.dataset_id).where(
                        record.tags.c.collection_id == collection.key,
                        record.tags.c.dataset_id.in_([ref.id for ref in group])))}
                rows = self._tag_rows(record, [ref for ref in group if ref.id not in existing], collection.key)
                if not rows:
                    continue
                try:
                    columns = self._tag_columns(record)
                    self._db.execute(record.tags.insert(), [dict(zip(columns, row)) for row in rows])
                except sa.exc.IntegrityError:
                    raise ConflictingDefinitionError(
                        f"TAGGED collection {collection.name!r} already holds a different {type_name} dataset "
                        "for one of these data IDs; disassociate it first."
                    ) from None
                self._note_summary(collection.key, record.key)

    def disassociate(self, collection: CollectionRecord, refs: Sequence[DatasetRef]) -> None:
        """Remove datasets from a TAGGED collection."""
        if collection.type is not CollectionType.TAGGED:
            raise CollectionTypeError(f"Collection {collection.name!r} is {collection.type.name}, not TAGGED.")
        with self._db.transaction(savepoint=True):
            for type_name, group in _group_by_type(refs).items():
                tags = self._types.find(type_name).tags
                self._db.execute(tags.delete().where(tags.c.collection_id == collection.key,
                                                     tags.c.dataset_id.in_([r.id for r in group])))

    # Certification ---------------------------------------------------------------

    def certify(self, collection: CollectionRecord, refs: Sequence[DatasetRef], timespan: Timespan) -> None:
        """Declare datasets valid over ``timespan`` in a CALIBRATION collection.

        Raises
        ------
        ConflictingDefinitionError
            If a dataset of the same type and data ID is already valid at an
            overlapping time in that collection.
        """
        if collection.type is not CollectionType.CALIBRATION:
            raise CollectionTypeError(
                f"Collection {collection.name!r} is {collection.type.name}; certify needs a CALIBRATION collection.")
        begin, end = timespan.nsec
        with self._db.transaction(savepoint=True):
            for type_name, group in _group_by_type(refs).items():
                record = self._types.find(type_name)
                if record.calibs is None:
                    raise DatasetTypeError(
                        f"Dataset type {type_name!r} is not a calibration type (isCalibration=False); it cannot be "
                        "certified.")
                by_data_id: dict[DataCoordinate, DatasetRef] = {}
                for ref in group:
                    if ref.dataId in by_data_id and by_data_id[ref.dataId].id != ref.id:
                        raise ConflictingDefinitionError(
                            f"Two different {type_name} datasets for {ref.dataId} cannot both be certified "
                            f"over {timespan}.")
                    by_data_id[ref.dataId] = ref
                self._check_no_overlap(record, collection, list(by_data_id), begin, end, timespan)
                names = record.dataset_type.dimensions.required
                self._db.execute(record.calibs.insert(), [
                    {"dataset_type_id": record.key, "dataset_id": ref.id, "collection_id": collection.key,
                     "timespan_begin": begin, "timespan_end": end, **dict(zip(names, ref.dataId.required_values))}
                    for ref in by_data_id.values()
                ])
                self._note_summary(collection.key, record.key)

    def _overlapping(self, record: DatasetTypeRecord, collection: CollectionRecord, begin: int, end: int,
                     data_ids: Sequence[DataCoordinate] | None) -> list[sa.Row]:
        calibs = record.calibs
        assert calibs is not None
        names = record.dataset_type.dimensions.required
        stmt = sa.select(calibs).where(
            calibs.c.dataset_type_id == record.key,
            calibs.c.collection_id == collection.key,
            calibs.c.timespan_begin < end,
            calibs.c.timespan_end > begin,
        )
        rows = self._db.fetch_all(stmt)
        if data_ids is not None:
            wanted = {tuple(d.required_values) for d in data_ids}
            rows = [r for r in rows if tuple(r._mapping[n] for n in names) in wanted]
        return rows

    def _check_no_overlap(self, record: DatasetTypeRecord, collection: CollectionRecord,
                          data_ids: Sequence[DataCoordinate], begin: int, end: int, timespan: Timespan) -> None:
        clash = self._overlapping(record, collection, begin, end, data_ids)
        if clash:
            row = clash[0]._mapping
            names = record.dataset_type.dimensions.required
            existing = Timespan.from_nsec(row["timespan_begin"], row["timespan_end"])
            raise ConflictingDefinitionError(
                f"A {record.dataset_type.name} dataset for {dict((n, row[n]) for n in names)} is already certified "
                f"in {collection.name!r} over {existing}, which overlaps {timespan}; decertify it first."
            )

    def decertify(self, collection: CollectionRecord, record: DatasetTypeRecord, timespan: Timespan,
                  data_ids: Sequence[DataCoordinate] | None = None) -> None:
        """Remove validity over ``timespan``, splitting ranges that extend beyond it."""
        if collection.type is not CollectionType.CALIBRATION:
            raise CollectionTypeError(f"Collection {collection.name!r} is {collection.type.name}, not CALIBRATION.")
        if record.calibs is None:
            raise DatasetTypeError(f"Dataset type {record.dataset_type.name!r} is not a calibration type.")
        begin, end = timespan.nsec
        calibs = record.calibs
        with self._db.transaction(savepoint=True):
            rows = self._overlapping(record, collection, begin, end, data_ids)
            if not rows:
                return
            self._db.execute(calibs.delete().where(calibs.c.id.in_([r.id for r in rows])))
            remnants = []
            for row in rows:
                values = dict(row._mapping)
                values.pop("id")
                if values["timespan_begin"] < begin:
                    remnants.append({**values, "timespan_end": begin})
                if values["timespan_end"] > end:
                    remnants.append({**values, "timespan_begin": end})
            if remnants:
                self._db.execute(calibs.insert(), remnants)

    def certifications(self, record: DatasetTypeRecord, collection: CollectionRecord) -> list[tuple[uuid.UUID, Timespan]]:
        """Every (dataset ID, validity) pair of a type in a CALIBRATION collection."""
        calibs = record.calibs
        if calibs is None:
            return []
        rows = self._db.fetch_all(
            sa.select(calibs.c.dataset_id, calibs.c.timespan_begin, calibs.c.timespan_end).where(
                calibs.c.dataset_type_id == record.key, calibs.c.collection_id == collection.key)
        )
        return [(r[0], Timespan.from_nsec(r[1], r[2])) for r in rows]

    # Removal -------------------------------------------------------------------

    def delete(self, refs: Sequence[DatasetRef]) -> None:
        """Delete datasets everywhere; their datastore records go to the trash."""
        ids = [ref.id for ref in refs]
        if not ids:
            return
        t = self._tables
        with self._db.transaction(savepoint=True):
            for start in range(0, len(ids), 10_000):
                chunk = ids[start:start + 10_000]
                paths = self._db.fetch_all(
                    sa.select(t.datastore_records.c.path).where(t.datastore_records.c.dataset_id.in_(chunk)).distinct())
                self._db.insert_ignore(t.datastore_trash, [{"path": p[0]} for p in paths])
                self._db.execute(t.datastore_records.delete().where(t.datastore_records.c.dataset_id.in_(chunk)))
                self._db.execute(t.dataset.delete().where(t.dataset.c.id.in_(chunk)))


def _group_by_type(refs: Iterable[DatasetRef]) -> dict[str, list[DatasetRef]]:
    groups: dict[str, list[DatasetRef]] = {}
    for ref in refs:
        groups.setdefault(ref.datasetType.nameAndComponent()[0], []).append(ref)
    return groups
