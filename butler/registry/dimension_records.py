"""Storage of dimension records: insert, sync, cached lookup (expansion: `data_id_expansion`)."""

from __future__ import annotations

__all__ = ["DimensionRecordStorage", "region_overlap_rows"]

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from .. import spatial
from ..dimensions import (
    Dimension,
    DimensionElement,
    DimensionRecord,
    DimensionUniverse,
)
from ..errors import ConflictingDefinitionError, DataIdValueError, DimensionNameError
from ..spatial import Pixelization, pixelization_from_name
from ..timespan import Timespan
from .database import Database
from .schema import StaticTables

_MISSING = object()


def encode_region(region: Any) -> bytes | None:
    """The bytes stored for a region (objects with ``encode()`` or raw bytes)."""
    if region is None or isinstance(region, bytes):
        return region
    encode = getattr(region, "encode", None)
    if encode is None:
        raise TypeError(f"Cannot store region {region!r}: it has no encode() method.")
    return encode()


def decode_region(data: bytes | None) -> Any:
    """The region object for stored bytes (decoder hook for spatial support)."""
    if data is None:
        return None
    from .. import spatial_hooks

    return spatial_hooks.decode(data)


def region_overlap_rows(element: DimensionElement, keys: Sequence[tuple], regions: Sequence[Any],
                        pixelization: Pixelization) -> list[dict[str, Any]]:
    """Rows of an element's overlap table: each record's key with each pixel of its region's envelope.

    Parameters
    ----------
    element : `DimensionElement`
        A spatial element.
    keys : sequence of `tuple`
        Each record's values of ``element.required``, in order.
    regions : sequence
        Each record's region: a `~butler.spatial.Region`, its bytes, any
        object with an LSST-compatible ``encode()``, or `None` (no rows).
    pixelization : `~butler.spatial.Pixelization`
        The common skypix pixelization.
    """
    names = [d.name for d in element.required]
    present = [i for i, region in enumerate(regions) if region is not None]
    decoded = [regions[i] if isinstance(regions[i], spatial.Region)
               else spatial.decode(encode_region(regions[i]))  # type: ignore[arg-type]
               for i in present]
    owners, indices = pixelization.envelope_pairs(decoded)
    bases = []
    for i in present:
        base = dict(zip(names, keys[i]))
        base["skypix_system"] = pixelization.system
        base["skypix_level"] = pixelization.level
        bases.append(base)
    return [{**bases[owner], "skypix_index": index}
            for owner, index in zip(owners.tolist(), indices.tolist())]


class DimensionRecordStorage:
    """Reads and writes the records of every dimension element.

    Records fetched by data ID are cached per element; the cache is filled on
    demand, so an element with millions of rows costs memory only for the
    rows actually used.
    """

    def __init__(self, db: Database, tables: StaticTables, universe: DimensionUniverse):
        self._db = db
        self._tables = tables
        self._universe = universe
        self._cache: dict[str, dict[tuple, DimensionRecord | None]] = {}
        self._fetch_statements: dict[str, sa.Select] = {}

    @property
    def universe(self) -> DimensionUniverse:
        """The universe whose elements' records are stored."""
        return self._universe

    @property
    def record_cache(self) -> Mapping[str, Mapping[tuple, DimensionRecord | None]]:
        """Records read so far, by element name then required values (`None`: known to be absent).

        For lookups that must not cost a call each (`DataIdExpander`); fill
        it with `fetch_one` or `prefetch`.
        """
        return self._cache

    def clear_cache(self) -> None:
        """Forget every cached record."""
        self._cache.clear()

    def table(self, element: str | DimensionElement) -> sa.Table:
        """The table of one element."""
        name = getattr(element, "name", element)
        try:
            return self._tables.elements[name]
        except KeyError:
            raise DimensionNameError(f"Dimension element {name!r} has no records table.") from None

    # Conversion ----------------------------------------------------------

    @staticmethod
    def record_to_row(record: DimensionRecord) -> dict[str, Any]:
        """The column values of a record."""
        row = {}
        for spec in record.fields:
            value = getattr(record, spec.name)
            if spec.type == "timespan":
                begin, end = value.nsec if value is not None else (None, None)
                row["timespan_begin"] = begin
                row["timespan_end"] = end
            elif spec.type == "region":
                row["region"] = encode_region(value)
            else:
                row[spec.name] = value
        return row

    @staticmethod
    def row_to_record(element: DimensionElement, row: Mapping[str, Any]) -> DimensionRecord:
        """A record from column values."""
        values: dict[str, Any] = {}
        for spec in element.RecordClass.fields:
            if spec.type == "timespan":
                begin, end = row["timespan_begin"], row["timespan_end"]
                values["timespan"] = None if begin is None else Timespan.from_nsec(begin, end)
            elif spec.type == "region":
                values["region"] = decode_region(row["region"])
            else:
                values[spec.name] = row[spec.name]
        return element.RecordClass(**values)

    def _conform(self, element: DimensionElement, data: Iterable[Any]) -> list[DimensionRecord]:
        result = []
        for item in data:
            if isinstance(item, DimensionRecord):
                if item.definition.name != element.name:
                    raise TypeError(f"Got a {item.definition.name} record where {element.name} records were expected.")
                result.append(item)
            else:
                result.append(element.RecordClass(**dict(item)))
        return result

    # Writes ----------------------------------------------------------------

    def insert(
        self,
        element: DimensionElement,
        data: Iterable[Any],
        *,
        replace: bool = False,
        skip_existing: bool = False,
    ) -> None:
        """Insert records; an existing one is an error unless replaced or skipped."""
        records = self._conform(element, data)
        if not records:
            return
        self._check_mandatory_fields(element, records)
        table = self.table(element)
        rows = [self.record_to_row(r) for r in records]
        key = [c.name for c in table.primary_key.columns]
        try:
            with self._db.transaction(savepoint=True):
                self._insert_implied_bands(element, records)
                self._check_parents_exist(element, records)
                new_records = records
                if replace:
                    self._db.upsert(table, rows, key)
                elif skip_existing:
                    new_records = self._not_stored(element, records)
                    self._db.insert_ignore(table, rows)
                else:
                    self._db.execute(table.insert(), rows)
                self._write_overlaps(element, new_records, replace=replace)
        except sa.exc.IntegrityError as err:
            # Explain only once the savepoint is rolled back: PostgreSQL refuses
            # every statement in a transaction that has had an error.
            raise self._explain_conflict(element, records, err) from None
        self._db.note_bulk_insert([table], len(records))
        overlaps = self.overlap_table(element)
        if overlaps is not None:
            self._db.note_bulk_insert([overlaps], len(records))
        cache = self._cache.get(element.name)
        if cache is not None:
            for record in records:
                cache.pop(self._cache_key(element, record), None)

    @property
    def common_pixelization(self) -> Pixelization:
        """The pixelization of the universe's common skypix dimension (``htm7``)."""
        pixelization = getattr(self, "_common_pixelization", None)
        if pixelization is None:
            pixelization = pixelization_from_name(self._universe.commonSkyPix.name)
            self._common_pixelization = pixelization
        return pixelization

    def overlap_table(self, element: str | DimensionElement) -> sa.Table | None:
        """The skypix overlap table of a spatial element (`None` for others)."""
        return self._tables.overlaps.get(getattr(element, "name", element))

    def _required_values(self, element: DimensionElement, record: DimensionRecord) -> tuple:
        values = record.dimension_values
        return tuple(values[d.name] for d in element.required)

    def _not_stored(self, element: DimensionElement, records: Sequence[DimensionRecord]
                    ) -> list[DimensionRecord]:
        """The records whose keys have no row yet (only for spatial elements, which need it)."""
        if self.overlap_table(element) is None:
            return list(records)
        table = self.table(element)
        key_fields = [f for _, f in element.RecordClass._dimension_fields[: len(element.required)]]
        columns = [table.columns[f] for f in key_fields]
        keys = [self._cache_key(element, r) for r in records]
        stored: set[tuple] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            stmt = sa.select(*columns).where(sa.tuple_(*columns).in_(chunk))
            stored.update(tuple(row) for row in self._db.fetch_all(stmt))
        return [r for r, k in zip(records, keys) if k not in stored]

    def _write_overlaps(self, element: DimensionElement, records: Sequence[DimensionRecord], *,
                        replace: bool) -> None:
        """Write the common-skypix envelope of each record's region (replacing old rows if asked)."""
        table = self.overlap_table(element)
        if table is None or not records:
            return
        keys = [self._required_values(element, r) for r in records]
        if replace:
            columns = [table.columns[d.name] for d in element.required]
            for start in range(0, len(keys), 500):
                self._db.execute(table.delete().where(sa.tuple_(*columns).in_(keys[start:start + 500])))
        rows = region_overlap_rows(element, keys, [r.region for r in records], self.common_pixelization)
        if rows:
            self._db.execute(table.insert(), rows)

    @staticmethod
    def _check_mandatory_fields(element: DimensionElement, records: Sequence[DimensionRecord]) -> None:
        """Raise a clear error for a record lacking a value its table requires (NOT NULL)."""
        mandatory = [f.name for f in element.RecordClass.fields if not f.nullable and f.type != "timespan"]
        for record in records:
            missing = [name for name in mandatory if getattr(record, name) is None]
            if missing:
                implied = {d.name for d in element.implied}
                what = [f"{name} (the {name} dimension it implies)" if name in implied else name
                        for name in missing]
                raise DataIdValueError(
                    f"Cannot insert {element.name} record {record.dataId}: it has no value for "
                    f"{', '.join(what)}, which every {element.name} record needs."
                )

    def _insert_implied_bands(self, element: DimensionElement, records: Sequence[DimensionRecord]) -> None:
        # band's records are the distinct bands of physical_filter, as LSST's band view.
        if element.name != "physical_filter" or "band" not in self._tables.elements:
            return
        bands = {r.band for r in records if getattr(r, "band", None) is not None}
        self._db.insert_ignore(self._tables.elements["band"], [{"name": b} for b in sorted(bands)])

    def _check_parents_exist(self, element: DimensionElement, records: Sequence[DimensionRecord]) -> None:
        """Raise a clear error for a record that refers to a dimension value with no record."""
        parents = [d for d in element.required if d is not element] + [d for d in element.implied]
        for dim in parents:
            if not dim.has_own_table:
                continue
            seen: set[tuple] = set()
            for record in records:
                values = record.dimension_values
                if values.get(dim.name) is None:
                    continue
                key = tuple(values[d.name] for d in dim.required)
                if key in seen:
                    continue
                seen.add(key)
                if self.fetch_one(dim, key) is None:
                    raise DataIdValueError(
                        f"Cannot insert {element.name} record {record.dataId}: its {dim.name} "
                        f"{values[dim.name]!r} has no record. Insert the {dim.name} record first."
                    )

    def _explain_conflict(
        self, element: DimensionElement, records: Sequence[DimensionRecord], err: Exception
    ) -> Exception:
        seen: set[tuple] = set()
        for record in records:
            key = self._cache_key(element, record)
            if key in seen:
                return ConflictingDefinitionError(
                    f"The {element.name} record for {record.dataId} is given more than once in one insert."
                )
            seen.add(key)
        for record in records:
            existing = self.fetch_one(element, self._cache_key(element, record), use_cache=False)
            if existing is not None:
                return ConflictingDefinitionError(
                    f"A {element.name} record for {record.dataId} already exists"
                    + ("" if existing == record else f" with different values ({existing})")
                    + "; pass replace=True to overwrite it or skip_existing=True to keep it."
                )
        return ConflictingDefinitionError(
            f"Could not insert {element.name} records: a unique key (e.g. an alternate key such as a "
            f"name) is already used by another record ({err.orig})."
        )

    def sync(self, element: DimensionElement, data: Any, *, update: bool = False) -> bool | dict[str, Any]:
        """Insert a record if it is new; compare it with the stored one otherwise.

        Returns
        -------
        inserted_or_updated : `bool` or `dict`
            `True` if inserted, `False` if an identical record existed, and a
            dict of the old values of changed fields if ``update`` replaced it.

        Raises
        ------
        ConflictingDefinitionError
            If a different record exists and ``update`` is `False`.
        """
        (record,) = self._conform(element, [data])
        key = self._cache_key(element, record)
        with self._db.transaction(savepoint=True):
            existing = self.fetch_one(element, key, use_cache=False)
            if existing is None:
                self.insert(element, [record])
                return True
            if existing == record:
                return False
            changed = {
                name: getattr(existing, name)
                for name in record.field_names
                if getattr(existing, name) != getattr(record, name)
            }
            if not update:
                raise ConflictingDefinitionError(
                    f"A {element.name} record for {record.dataId} already exists with different values for "
                    f"{sorted(changed)}: stored {existing}, given {record}. Pass update=True to replace it."
                )
            self.insert(element, [record], replace=True)
            return changed

    # Reads ---------------------------------------------------------------

    @staticmethod
    def _cache_key(element: DimensionElement, record: DimensionRecord) -> tuple:
        return tuple(getattr(record, field) for _, field in record._dimension_fields[: len(element.required)])

    def _fetch_statement(self, element: DimensionElement) -> sa.Select:
        stmt = self._fetch_statements.get(element.name)
        if stmt is None:
            table = self.table(element)
            key_fields = [f for _, f in element.RecordClass._dimension_fields[: len(element.required)]]
            stmt = sa.select(table).where(*[table.columns[f] == sa.bindparam(f"k_{f}") for f in key_fields])
            self._fetch_statements[element.name] = stmt
        return stmt

    def fetch_one(
        self, element: DimensionElement, required_values: tuple, *, use_cache: bool = True
    ) -> DimensionRecord | None:
        """The record for the given required values, or `None`."""
        cache = self._cache.setdefault(element.name, {})
        if use_cache:
            found = cache.get(required_values, _MISSING)
            if found is not _MISSING:
                return found  # type: ignore[return-value]
        key_fields = [f for _, f in element.RecordClass._dimension_fields[: len(element.required)]]
        params = {f"k_{f}": v for f, v in zip(key_fields, required_values)}
        row = self._db.execute(self._fetch_statement(element), params).first()
        record = None if row is None else self.row_to_record(element, row._mapping)
        if record is not None or not isinstance(element, Dimension):
            cache[required_values] = record
        return record

    def fetch_all(self, element: DimensionElement, where: sa.ColumnElement[bool] | None = None
                  ) -> list[DimensionRecord]:
        """Every record of an element (optionally filtered by a SQL condition)."""
        table = self.table(element)
        stmt = sa.select(table)
        if where is not None:
            stmt = stmt.where(where)
        return [self.row_to_record(element, row._mapping) for row in self._db.fetch_all(stmt)]

    def prefetch(self, element: DimensionElement, keys: Iterable[tuple], *, chunk_size: int = 500) -> None:
        """Load the records for many required-value tuples with a few queries, into the cache.

        Keys with no record are remembered as missing for join elements (as
        `fetch_one` does); for dimensions they are left for `fetch_one` to report.
        """
        if not element.has_own_table:
            return
        cache = self._cache.setdefault(element.name, {})
        wanted = [k for k in dict.fromkeys(keys) if k not in cache]
        if not wanted:
            return
        table = self.table(element)
        key_fields = [f for _, f in element.RecordClass._dimension_fields[: len(element.required)]]
        key_columns = [table.columns[f] for f in key_fields]
        for start in range(0, len(wanted), chunk_size):
            chunk = wanted[start:start + chunk_size]
            if len(key_columns) == 1:
                condition = key_columns[0].in_([k[0] for k in chunk])
            else:
                condition = sa.tuple_(*key_columns).in_(chunk)
            for row in self._db.fetch_all(sa.select(table).where(condition)):
                record = self.row_to_record(element, row._mapping)
                cache[self._cache_key(element, record)] = record
            if not isinstance(element, Dimension):
                for key in chunk:
                    cache.setdefault(key, None)
