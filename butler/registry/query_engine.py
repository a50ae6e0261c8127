"""Registry queries: datasets, data IDs and dimension records matching a ``where``.

One SQL statement answers each query.  The builder starts from a dataset
type's tags table (when a dataset type is queried) or from dimension element
tables, joins the element tables that the expression and the result need on
their shared dimension columns, applies the data ID and the translated
``where`` clause, and for find-first searches ranks the candidates by
collection order with a window function.
"""

from __future__ import annotations

__all__ = ["QueryEngine", "QueryBuilder"]

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ..collection_type import CollectionType
from ..dataset_ref import DatasetRef
from ..dataset_type import DatasetType
from ..dimensions import DataCoordinate, Dimension, DimensionElement, DimensionGroup, DimensionRecord
from ..dimensions.elements import SkyPixDimension
from ..errors import InvalidQueryError
from ..queries.columns import ResolvedColumn, referenced_identifiers
from ..queries.expression_tree import Identifier, Node
from ..queries.parser import parse_where
from ..queries.translate import ExpressionTranslator
from .collections import CollectionRecord, _is_pattern
from .dataset_search import DatasetSearch
from .dimension_records import DimensionRecordStorage
from .query_identifiers import _bind_identifiers, _needed_dimensions, classify_identifier
from .spatial_queries import FixedRegionConstraint, SpatialRefiner, region_from_node, skypix_values_in_where

if TYPE_CHECKING:
    from .registry import Registry

_FIELD_TYPES = {"int": "int", "float": "float", "string": "string", "bool": "bool", "hash": "string",
                "region": "region"}


class QueryBuilder:
    """Accumulates the tables, joins and conditions of one query."""

    def __init__(self, registry: Registry, dimensions: DimensionGroup):
        self.registry = registry
        self.universe = registry.dimensions
        self.dimensions = dimensions
        self.dim_columns: dict[str, sa.ColumnElement] = {}
        self.element_tables: dict[str, sa.FromClause] = {}
        self.from_clause: sa.FromClause | None = None
        self.conditions: list[sa.ColumnElement[bool]] = []
        self.dataset_type: DatasetType | None = None
        self.dataset_columns: dict[str, sa.ColumnElement] = {}
        self.spatial = SpatialRefiner(self)

    # Joins -------------------------------------------------------------------

    def _join(self, table: sa.FromClause, columns_by_dimension: Mapping[str, sa.ColumnElement]) -> None:
        on = [self.dim_columns[d] == col for d, col in columns_by_dimension.items() if d in self.dim_columns]
        if self.from_clause is None:
            self.from_clause = table
        elif on:
            self.from_clause = self.from_clause.join(table, sa.and_(*on))
        else:
            self.from_clause = self.from_clause.join(table, sa.true())
        for d, col in columns_by_dimension.items():
            self.dim_columns.setdefault(d, col)

    def join_element(self, element: DimensionElement) -> sa.FromClause:
        """Join an element's table on the dimensions it shares with the query (once)."""
        if element.name in self.element_tables:
            return self.element_tables[element.name]
        table = self.registry.dimension_records.table(element).alias(f"e_{element.name}")
        columns = {dim: table.c[field] for dim, field in element.RecordClass._dimension_fields}
        self._join(table, columns)
        self.element_tables[element.name] = table
        return table

    def join_dataset_search(self, dataset_type: DatasetType, collections: Sequence[CollectionRecord],
                            find_first: bool) -> None:
        """Join the datasets found in the collections (one per data ID, by collection order, if find-first).

        CALIBRATION collections contribute their certified datasets; a
        find-first search through one is refused only where a data ID has
        several datasets certified there (its answer would depend on a time).
        """
        record = self.registry.dataset_types.find(dataset_type.nameAndComponent()[0])
        search = DatasetSearch(self.registry.db, record, collections, find_first)
        subquery = search.subquery
        dataset = self.registry.tables.dataset.alias("dataset")
        self._join(subquery, {d: subquery.c[d] for d in search.dimensions})
        self.from_clause = self.from_clause.join(dataset, dataset.c.id == subquery.c.dataset_id)  # type: ignore
        self.dataset_type = dataset_type
        self.dataset_columns = {
            "dataset_id": subquery.c.dataset_id,
            "id": subquery.c.dataset_id,
            "collection_id": subquery.c.collection_id,
            "run_id": dataset.c.run_id,
            "ingest_date": dataset.c.ingest_date,
        }

    def join_dimensions(self, needed_elements: Iterable[str]) -> None:
        """Join whatever tables give every dimension of the query a column."""
        needed = set(needed_elements)
        group = self.dimensions
        ordered_required = sorted((self.universe[n] for n in group.required), reverse=True)
        for dim in ordered_required:
            if not dim.has_own_table:
                continue
            if dim.name not in self.dim_columns or dim.name in needed:
                self.join_element(dim)
        for dim in sorted((self.universe[n] for n in group.implied), reverse=False):
            if dim.name in needed:
                self.join_element(dim)
        # Implied values come from the tables of the dimensions that imply them.
        for dim_name in group.implied:
            if dim_name in self.dim_columns:
                continue
            for implier_name in group.names:
                implier = self.universe[implier_name]
                if any(i.name == dim_name for i in implier.implied):
                    self.join_element(implier)
                    break
        for name in group.elements:
            element = self.universe[name]
            if not isinstance(element, Dimension) and (element.always_join or name in needed):
                self.join_element(element)
        for name in needed:
            if name not in self.element_tables and self.universe[name].has_own_table:
                self.join_element(self.universe[name])
        if self.from_clause is None:
            # Only table-less dimensions (or none): a one-row source.
            self.from_clause = sa.select(sa.literal(1).label("one")).subquery("one_row")

    # Constraints ---------------------------------------------------------------

    def constrain_data_id(self, values: Mapping[str, Any]) -> None:
        """Require dimension columns to equal the data ID's values."""
        for name, value in values.items():
            if name in self.dim_columns and value is not None:
                self.conditions.append(self.dim_columns[name] == value)

    def apply_where(self, tree: Node | None, where: str, bind: Mapping[str, Any] | None) -> None:
        """Translate and add a parsed where expression."""
        if tree is None:
            return
        resolver = _Resolver(self)
        self.conditions.append(ExpressionTranslator(resolver, bind).translate(tree, source=where))

    def join_spatial(self, values: Mapping[str, Any], tree: Node | None = None,
                     bind: Mapping[str, Any] | None = None) -> None:
        """Relate the query's spatial families and skypix dimensions by region overlap (see
        `SpatialRefiner`); call after `join_dimensions`, before constraints.

        A skypix dimension that no table provides takes its values from the
        data ID (``htm9=...``) or from the where clause (``healpix8 IN (...)``).
        """
        skypix = [n for n in self.dimensions.names
                  if isinstance(self.universe[n], SkyPixDimension) and n not in self.dim_columns]
        from_where = skypix_values_in_where(tree, bind or {}, skypix)
        for name in skypix:
            given = [values[name]] if values.get(name) is not None else from_where.get(name)
            if not given:
                continue
            if len(given) == 1:
                self.dim_columns[name] = sa.literal(int(given[0]), sa.BigInteger())
                continue
            table = sa.union_all(*[sa.select(sa.literal(int(v), sa.BigInteger()).label(name))
                                   for v in dict.fromkeys(given)]).subquery(f"given_{name}")
            self._join(table, {name: table.c[name]})
        self.spatial.plan()

    def select(self, *columns: sa.ColumnElement) -> sa.Select:
        """The final SELECT of the given columns (then any columns the spatial refinement needs)."""
        stmt = sa.select(*columns, *self.spatial.extra)
        stmt = stmt.select_from(self.from_clause)  # type: ignore[arg-type]
        if self.conditions:
            stmt = stmt.where(*self.conditions)
        return stmt

    def fetch(self, stmt: sa.Select, width: int, limit: int | None, *, stream: bool = False) -> Iterable[Any]:
        """Run the SELECT; keep rows whose regions overlap (applying ``limit`` after that test).

        With ``stream`` the rows come from a server-side cursor as they are
        read, instead of all at once.
        """
        db = self.registry.db
        rows = db.stream(stmt) if stream else db.fetch_all(stmt)
        if self.spatial.active:
            return self.spatial.filter(rows, width, limit)
        return rows


class _Resolver:
    """Maps identifiers to the columns a `QueryBuilder` has joined."""

    def __init__(self, builder: QueryBuilder):
        self.builder = builder

    def resolve_identifier(self, name: str, node: Node) -> ResolvedColumn:
        b = self.builder
        target = classify_identifier(b.registry, name, b.dimensions, b.dataset_type)
        kind = target[0]
        if kind == "dimension":
            dim = b.universe[target[1]]
            return ResolvedColumn(b.dim_columns[dim.name], _FIELD_TYPES[dim.primary_key.type])  # type: ignore
        if kind == "field":
            _, element_name, field = target
            table = b.element_tables[element_name]
            if field == "timespan":
                return ResolvedColumn(None, "timespan", table.c.timespan_begin, table.c.timespan_end)
            if field in ("timespan.begin", "timespan.end"):
                return ResolvedColumn(table.c[field.replace(".", "_")], "timestamp")
            spec = next(f for f in b.universe[element_name].RecordClass.fields if f.name == field)
            return ResolvedColumn(table.c[field], _FIELD_TYPES[spec.type])  # type: ignore[arg-type]
        if kind == "dataset":
            field = target[2]
            cols = b.dataset_columns
            if field in ("run", "collection"):
                collection = b.registry.tables.collection.alias(f"c_{field}")
                key = cols["run_id"] if field == "run" else cols["collection_id"]
                b.from_clause = b.from_clause.join(collection, collection.c.collection_id == key)  # type: ignore
                return ResolvedColumn(collection.c.name, "string")
            if field == "ingest_date":
                return ResolvedColumn(cols["ingest_date"], "timestamp")
            return ResolvedColumn(cols["dataset_id"], "uuid")
        raise InvalidQueryError(f"Cannot resolve {name!r}.")

    def _region_join(self, element_name: str, other: Identifier) -> sa.ColumnElement[bool]:
        """``a.region OVERLAPS b.region``: true when the query already joins their families by overlap.

        A query with the dimensions of two spatial families (visit and patch,
        say) relates them by region overlap on its own, through their most
        precise regions (``visit_detector_region`` when detector is there too,
        which implies the visit overlap); the expression only states that.
        """
        b = self.builder
        other_name, _, field = other.name.rpartition(".")
        universe = b.universe
        if field != "region" or other_name not in universe.elements or not universe[other_name].spatial:
            raise InvalidQueryError(f"{element_name}.region OVERLAPS {other}: {other} is not a region; use "
                                    "e.g. patch.region, POINT(), CIRCLE(), BOX(), POLYGON() or REGION().")
        families = {universe[n].spatial for pair in b.spatial.pairs for n in pair}
        mine, theirs = universe[element_name].spatial, universe[other_name].spatial
        if mine == theirs:
            raise InvalidQueryError(f"{element_name}.region OVERLAPS {other}: both are regions of the "
                                    f"{mine} family; relate regions of two families (e.g. visit and patch).")
        if mine not in families or theirs not in families:
            raise InvalidQueryError(
                f"{element_name}.region OVERLAPS {other}: query with the dimensions of both "
                f"({element_name} and {other_name}, e.g. query_data_ids([\"visit\", \"patch\"], ...)); "
                "they are then joined by region overlap.")
        return sa.true()

    def spatial_constraint(self, column: ResolvedColumn, region: Node, bind: Mapping[str, Any]
                           ) -> sa.ColumnElement[bool]:
        """SQL true exactly for the records whose region overlaps ``region`` (see `FixedRegionConstraint`)."""
        b = self.builder
        element_name = next((name for name, table in b.element_tables.items()
                             if "region" in table.c and table.c.region is column.column), None)
        if element_name is None:
            raise InvalidQueryError("OVERLAPS needs the region of a visit, detector region, tract or patch.")
        if isinstance(region, Identifier):
            return self._region_join(element_name, region)
        target = region_from_node(region, bind)
        element = b.universe[element_name]
        constraint = FixedRegionConstraint(b, element, target)
        return constraint.condition([b.dim_columns[d.name] for d in element.required])


def _has_pattern(collections: Any) -> bool:
    if collections is None:
        return False
    if collections is ...:
        return True
    if isinstance(collections, (str, re.Pattern)):
        collections = [collections]
    return any(_is_pattern(c) for c in collections)


@dataclasses.dataclass
class _PreparedQuery:
    """A builder plus the parsed constraints it still has to apply."""

    builder: QueryBuilder
    tree: Node | None
    values: dict[str, Any]
    needed_elements: set[str]
    where: str
    bind: Mapping[str, Any] | None

    def constrain(self) -> None:
        """Join the tables the constraints need, then apply data ID, spatial and where constraints."""
        builder = self.builder
        builder.join_dimensions(self.needed_elements)
        builder.join_spatial(self.values, self.tree, self.bind)
        builder.constrain_data_id(self.values)
        builder.apply_where(self.tree, self.where, self.bind)


class QueryEngine:
    """Answers the registry's query methods."""

    def __init__(self, registry: Registry):
        self.registry = registry

    def _standardize_data_id(self, data_id: Any, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if data_id is not None:
            values.update(data_id.mapping if isinstance(data_id, DataCoordinate) else data_id)
        values.update(kwargs)
        for key, default in self.registry.defaults.dataId_values.items():
            values.setdefault(key, default)
        values = self.registry.data_id_expander.resolve_alternate_keys(values)
        universe = self.registry.dimensions
        unknown = [k for k in values if k not in universe]
        if unknown:
            raise InvalidQueryError(f"Unknown dimension(s) {unknown} in data ID constraint {values}.")
        return values

    def _prepare(self, base: DimensionGroup, data_id: Any, where: str, kwargs: Mapping[str, Any],
                 dataset_type: DatasetType | None, bind: Mapping[str, Any] | None,
                 extra_elements: Iterable[str] = (), order_by: Sequence[str] = ()) -> _PreparedQuery:
        values = self._standardize_data_id(data_id, kwargs)
        tree = parse_where(where) if where else None
        if tree is not None and bind:
            tree = _bind_identifiers(tree, frozenset(bind))
        universe = self.registry.dimensions
        data_id_dims = {k for k in values if isinstance(universe[k], Dimension)}
        group, needed = _needed_dimensions(self.registry, referenced_identifiers(tree), base.union(data_id_dims),
                                           dataset_type)
        for item in order_by:
            try:
                group, more = _needed_dimensions(self.registry, [item.lstrip("-")], group, dataset_type)
            except InvalidQueryError as err:
                reason = str(err).replace(" in where expression", "")
                raise InvalidQueryError(f"Cannot order by {item!r}: {reason}") from None
            needed |= more
        return _PreparedQuery(QueryBuilder(self.registry, group), tree, values, needed | set(extra_elements),
                              where, bind)

    def datasets(self, dataset_type: DatasetType, *, collections: Any, data_id: Any, where: str,
                 find_first: bool, bind: Mapping[str, Any] | None, kwargs: Mapping[str, Any],
                 order_by: Sequence[str] = (), limit: int | None = None, count: bool = False,
                 stream: bool = False) -> list[DatasetRef] | Iterator[DatasetRef] | int:
        """Datasets of one type in the collections, matching the constraints (or how many, if ``count``).

        With ``stream``, an iterator that reads rows as it goes.
        """
        registry = self.registry
        if find_first and _has_pattern(collections):
            # A pattern has no search order, so "first" would be arbitrary (LSST refuses it too).
            raise InvalidQueryError(
                f"Cannot use wildcards in collections when find_first=True (given {collections!r}); "
                "list the collections in search order, or pass find_first=False."
            )
        search_path = registry._search_path(collections)
        parent_type = registry.dataset_types.find(dataset_type.nameAndComponent()[0]).dataset_type
        prepared = self._prepare(parent_type.dimensions, data_id, where, kwargs, parent_type, bind,
                                 order_by=order_by)
        builder = prepared.builder
        builder.join_dataset_search(parent_type, search_path, find_first)
        prepared.constrain()
        dims = parent_type.dimensions
        key_columns = [builder.dim_columns[d] for d in dims.data_coordinate_keys if d in builder.dim_columns]
        full = len(key_columns) == len(dims.data_coordinate_keys)
        if not full:
            key_columns = [builder.dim_columns[d] for d in dims.required]
        terms = self._order_terms(builder, order_by)
        stmt = builder.select(builder.dataset_columns["dataset_id"], builder.dataset_columns["run_id"],
                              *key_columns)
        if count and not builder.spatial.active:
            return self._count(stmt.with_only_columns(builder.dataset_columns["dataset_id"]).distinct(), limit)
        stmt = self._order_and_limit(builder, stmt, terms, limit)
        collections_manager = registry.collections_manager

        def refs() -> Iterator[DatasetRef]:
            seen = set()
            for row in builder.fetch(stmt, 1, limit, stream=stream):
                if row[0] in seen:
                    continue
                seen.add(row[0])
                values_tuple = tuple(row[2:2 + len(key_columns)])
                data_coordinate = (DataCoordinate.from_full_values(dims, values_tuple) if full
                                   else DataCoordinate.from_required_values(dims, values_tuple))
                ref = DatasetRef(parent_type, data_coordinate, collections_manager.get_by_key(row[1]).name,
                                 id=row[0], conform=False)
                if dataset_type.isComponent():
                    ref = ref.makeComponentRef(dataset_type.component())  # type: ignore[arg-type]
                yield ref

        if count:
            return sum(1 for _ in refs())
        return refs() if stream else list(refs())

    def _count(self, stmt: sa.Select, limit: int | None) -> int:
        """Rows of a (distinct) SELECT, counted by the database."""
        total = self.registry.db.execute(sa.select(sa.func.count()).select_from(stmt.subquery("counted"))).scalar()
        return min(total, limit) if limit is not None and limit >= 0 else total

    @staticmethod
    def _order_terms(builder: QueryBuilder, order_by: Sequence[str]) -> list[tuple[sa.ColumnElement, bool]]:
        """Resolve ``order_by`` fields (``-`` for descending) before the SELECT is built, since
        resolving a dataset field may join another table."""
        resolver = _Resolver(builder)
        terms = []
        for item in order_by:
            descending = item.startswith("-")
            try:
                resolved = resolver.resolve_identifier(item.lstrip("-"), None)  # type: ignore[arg-type]
            except InvalidQueryError as err:
                reason = str(err).replace(" in where expression", "")
                raise InvalidQueryError(f"Cannot order by {item!r}: {reason}") from None
            column = resolved.column if resolved.column is not None else resolved.timespan_begin
            terms.append((column, descending))
        return terms

    @staticmethod
    def _order_and_limit(builder: QueryBuilder, stmt: sa.Select, terms: Sequence[tuple[sa.ColumnElement, bool]],
                         limit: int | None) -> sa.Select:
        if terms:
            stmt = stmt.order_by(*[column.desc() if descending else column.asc() for column, descending in terms])
        if limit is not None and limit >= 0 and not builder.spatial.active:
            stmt = stmt.limit(limit)
        return stmt

    def _dataset_constraints(self, builder: QueryBuilder, datasets: Any, collections: Any) -> None:
        if not datasets:
            return
        names = [datasets] if isinstance(datasets, (str, DatasetType)) else list(datasets)
        search_path = self.registry._search_path(collections)
        for item in names:
            dataset_type = self.registry.getDatasetType(item if isinstance(item, str) else item.name)
            record = self.registry.dataset_types.find(dataset_type.name)
            dims = dataset_type.dimensions.required
            keys = [c.key for c in search_path if c.type in (CollectionType.RUN, CollectionType.TAGGED)]
            calib_keys = [c.key for c in search_path if c.type is CollectionType.CALIBRATION]
            tags = record.tags
            selects = [sa.select(*[tags.c[d] for d in dims])
                       .where(tags.c.dataset_type_id == record.key, tags.c.collection_id.in_(keys))]
            if calib_keys and record.calibs is not None:
                calibs = record.calibs
                selects.append(sa.select(*[calibs.c[d] for d in dims])
                               .where(calibs.c.dataset_type_id == record.key, calibs.c.collection_id.in_(calib_keys)))
            sub = sa.union(*selects).subquery(f"has_{dataset_type.name}") if len(selects) > 1 else \
                selects[0].distinct().subquery(f"has_{dataset_type.name}")
            builder._join(sub, {d: sub.c[d] for d in dataset_type.dimensions.required})

    def data_ids(self, dimensions: Any, *, data_id: Any, datasets: Any, collections: Any, where: str,
                 bind: Mapping[str, Any] | None, kwargs: Mapping[str, Any], order_by: Sequence[str] = (),
                 limit: int | None = None, count: bool = False, stream: bool = False
                 ) -> list[DataCoordinate] | Iterator[DataCoordinate] | int:
        """Data IDs of the given dimensions that satisfy the constraints (or how many, if ``count``)."""
        universe = self.registry.dimensions
        base = universe.conform(dimensions)
        dataset_dims = base
        if datasets:
            for item in [datasets] if isinstance(datasets, (str, DatasetType)) else list(datasets):
                dataset_dims = dataset_dims.union(self.registry.getDatasetType(
                    item if isinstance(item, str) else item.name).dimensions)
        prepared = self._prepare(dataset_dims, data_id, where, kwargs, None, bind, order_by=order_by)
        builder = prepared.builder
        self._dataset_constraints(builder, datasets, collections)
        prepared.constrain()
        keys = [builder.dim_columns[d] for d in base.data_coordinate_keys]
        if count and not builder.spatial.active:
            return self._count(builder.select(*keys).distinct(), limit)
        terms = self._order_terms(builder, order_by)
        order_columns = [column.label(f"_order{i}") for i, (column, _) in enumerate(terms)]
        stmt = self._order_and_limit(builder, builder.select(*keys, *order_columns).distinct(), terms, limit)
        rows = builder.fetch(stmt, len(keys) + len(order_columns), limit, stream=stream and not count)
        if count:
            return len(rows)  # type: ignore[arg-type]
        data_ids = (DataCoordinate.from_full_values(base, tuple(row)[:len(keys)]) for row in rows)
        return data_ids if stream else list(data_ids)

    def dimension_records(self, element: DimensionElement, *, data_id: Any, datasets: Any, collections: Any,
                          where: str, bind: Mapping[str, Any] | None, kwargs: Mapping[str, Any],
                          order_by: Sequence[str] = (), limit: int | None = None, count: bool = False,
                          stream: bool = False) -> list[DimensionRecord] | Iterator[DimensionRecord] | int:
        """Records of one element that satisfy the constraints (or how many, if ``count``)."""
        if not element.has_own_table:
            raise InvalidQueryError(f"{element.name} has no records to query.")
        base = self.registry.dimensions.conform([d.name for d in element.required])
        prepared = self._prepare(base, data_id, where, kwargs, None, bind, extra_elements=[element.name],
                                 order_by=order_by)
        builder = prepared.builder
        self._dataset_constraints(builder, datasets, collections)
        prepared.constrain()
        table = builder.element_tables[element.name]
        if count and not builder.spatial.active:
            key_columns = [table.c[f] for _, f in element.RecordClass._dimension_fields[:len(element.required)]]
            return self._count(builder.select(*key_columns).distinct(), limit)
        terms = self._order_terms(builder, order_by)
        order_columns = [column.label(f"_order{i}") for i, (column, _) in enumerate(terms)]
        stmt = self._order_and_limit(builder, builder.select(*table.c, *order_columns).distinct(), terms, limit)
        rows = builder.fetch(stmt, len(table.c) + len(order_columns), limit, stream=stream and not count)
        if count:
            return len(rows)  # type: ignore[arg-type]
        records = (DimensionRecordStorage.row_to_record(element, row._mapping) for row in rows)
        return records if stream else list(records)
