"""The lazy query interface: ``with butler.query() as query: ...`` (LSST's ``Butler.query``).

A `Query` is immutable: ``where``, ``join_dimensions`` and
``join_dataset_search`` return new queries.  Result objects (`data_ids`,
`datasets`, `dimension_records`) run nothing until iterated, counted or
tested with ``any``; ``order_by`` and ``limit`` also return new objects.

Examples
--------
>>> with butler.query() as query:
...     query = query.where("band = 'r' AND visit.exposure_time > 30", instrument="HSC")
...     for data_id in query.data_ids(["visit", "detector"]).order_by("-visit").limit(10):
...         print(data_id)
...     n = query.datasets("calexp", collections="HSC/runs/RC2").count()
"""

from __future__ import annotations

__all__ = ["Query", "DataCoordinateQueryResults", "DatasetRefQueryResults", "DimensionRecordQueryResults"]

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .dataset_type import DatasetType
from .dimensions import DataCoordinate, DimensionGroup
from .errors import DataIdValueError, MissingCollectionError

if TYPE_CHECKING:
    from .butler import Butler


@dataclasses.dataclass(frozen=True)
class _Constraints:
    """Everything a query has accumulated so far."""

    where: tuple[str, ...] = ()
    bind: tuple[tuple[str, Any], ...] = ()
    data_id: tuple[tuple[str, Any], ...] = ()
    dimensions: frozenset[str] = frozenset()
    dataset_searches: tuple[tuple[str, Any], ...] = ()

    def adding(self, *, where: Iterable[str] = (), bind: Mapping[str, Any] | None = None,
               data_id: Mapping[str, Any] | None = None, dimensions: Iterable[str] = (),
               dataset_search: tuple[str, Any] | None = None) -> _Constraints:
        merged_bind = dict(self.bind)
        merged_bind.update(bind or {})
        merged_data_id = dict(self.data_id)
        merged_data_id.update(data_id or {})
        return _Constraints(
            where=self.where + tuple(w for w in where if w and w.strip()),
            bind=tuple(merged_bind.items()),
            data_id=tuple(merged_data_id.items()),
            dimensions=self.dimensions | frozenset(dimensions),
            dataset_searches=self.dataset_searches + ((dataset_search,) if dataset_search else ()),
        )

    @property
    def where_text(self) -> str:
        if len(self.where) == 1:
            return self.where[0]
        return " AND ".join(f"({w})" for w in self.where)


def _where_arguments(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[list[str], dict[str, Any]]:
    texts: list[str] = []
    data_id: dict[str, Any] = {}
    for arg in args:
        if isinstance(arg, str):
            texts.append(arg)
        elif isinstance(arg, DataCoordinate):
            data_id.update(arg.mapping)
        elif isinstance(arg, Mapping):
            data_id.update(arg)
        else:
            raise TypeError(f"where() takes expression strings or data IDs, not {arg!r}.")
    data_id.update(kwargs)
    return texts, data_id


class Query:
    """A query under construction; see the module documentation."""

    def __init__(self, butler: Butler, constraints: _Constraints | None = None):
        self._butler = butler
        self._constraints = constraints or _Constraints()

    @property
    def constraint_dimensions(self) -> DimensionGroup:
        """The dimensions explicitly joined so far."""
        return self._butler.dimensions.conform(self._constraints.dimensions)

    @property
    def constraint_dataset_types(self) -> frozenset[str]:
        """Dataset types joined by `join_dataset_search`."""
        return frozenset(name for name, _ in self._constraints.dataset_searches)

    def where(self, *args: str | Mapping[str, Any] | DataCoordinate, bind: Mapping[str, Any] | None = None,
              **kwargs: Any) -> Query:
        """A query with more constraints: expression strings and/or data IDs, combined with AND."""
        texts, data_id = _where_arguments(args, kwargs)
        return Query(self._butler, self._constraints.adding(where=texts, bind=bind, data_id=data_id))

    def join_dimensions(self, dimensions: Iterable[str] | DimensionGroup) -> Query:
        """A query whose rows also span these dimensions."""
        names = dimensions.names if isinstance(dimensions, DimensionGroup) else list(dimensions)
        return Query(self._butler, self._constraints.adding(dimensions=names))

    def join_dataset_search(self, dataset_type: str | DatasetType, collections: Any = None) -> Query:
        """A query restricted to data IDs that have a dataset of this type in the collections."""
        name = dataset_type.name if isinstance(dataset_type, DatasetType) else dataset_type
        dataset_type_obj = self._butler.get_dataset_type(name)
        return Query(self._butler, self._constraints.adding(
            dimensions=dataset_type_obj.dimensions.required, dataset_search=(name, collections)))

    def data_ids(self, dimensions: Iterable[str] | DimensionGroup | str | None = None) -> DataCoordinateQueryResults:
        """Data IDs matching the query (of ``dimensions``, default: those joined)."""
        if dimensions is None:
            group = self.constraint_dimensions
        else:
            group = self._butler.dimensions.conform(dimensions)
        return DataCoordinateQueryResults(self._butler, self._constraints, group)

    def datasets(self, dataset_type: str | DatasetType, collections: Any = None, *,
                 find_first: bool = True) -> DatasetRefQueryResults:
        """Datasets of one type matching the query, find-first through ``collections`` by default."""
        return DatasetRefQueryResults(self._butler, self._constraints, dataset_type, collections, find_first)

    def dimension_records(self, element: str) -> DimensionRecordQueryResults:
        """Records of one dimension element matching the query."""
        return DimensionRecordQueryResults(self._butler, self._constraints, element)

    def any(self, *, execute: bool = True, exact: bool = True) -> bool:
        """Whether any data ID of the joined dimensions matches."""
        return self.data_ids().any(execute=execute, exact=exact)

    def explain_no_results(self, execute: bool = True) -> list[str]:
        """Reasons an empty result is empty (empty list if it is not)."""
        return self.data_ids().explain_no_results(execute=execute)


class _Results:
    """Behaviour shared by the three result kinds."""

    def __init__(self, butler: Butler, constraints: _Constraints):
        self._butler = butler
        self._constraints = constraints
        self._order_by: tuple[str, ...] = ()
        self._limit: int | None = None
        self._with_records = False

    def _copy(self, **changes: Any):
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.__dict__.update(changes)
        return other

    def where(self, *args: Any, bind: Mapping[str, Any] | None = None, **kwargs: Any):
        """The same results with more constraints."""
        texts, data_id = _where_arguments(args, kwargs)
        return self._copy(_constraints=self._constraints.adding(where=texts, bind=bind, data_id=data_id))

    def order_by(self, *args: str):
        """The same results sorted by these fields (``-`` prefix for descending)."""
        return self._copy(_order_by=self._order_by + tuple(args))

    def limit(self, limit: int | None = None):
        """At most ``limit`` results."""
        return self._copy(_limit=limit)

    def with_dimension_records(self):
        """The same results with expanded data IDs (records attached)."""
        return self._copy(_with_records=True)

    def _run(self, count: bool = False) -> Any:
        raise NotImplementedError

    def __iter__(self) -> Iterator:
        return iter(self._run())

    def __len__(self) -> int:
        return len(self._run())

    def count(self, *, exact: bool = True, discard: bool = False) -> int:
        """How many results there are (counted by the database where it can be exact)."""
        return self._run(count=True)

    def any(self, *, execute: bool = True, exact: bool = True) -> bool:
        """Whether there is at least one result."""
        return bool(self.limit(1)._run()) if self._limit is None else bool(self._run())

    def explain_no_results(self, execute: bool = True) -> list[str]:
        """Reasons the result is empty, most specific first; empty if there are results."""
        if execute and self.any():
            return []
        return self._reasons() or ["No rows match the constraints"
                                   + (f" (where={self._constraints.where_text!r})." if self._constraints.where
                                      else ".")]

    def _equalities(self) -> list[tuple[str, Any]]:
        """``dimension = literal`` terms: the data ID, plus those ANDed at the top of the where expression."""
        from .queries.expression_tree import BinaryOp, Identifier, IntLiteral, StringLiteral
        from .queries.parser import parse_where

        pairs = list(self._constraints.data_id)
        pending = [parse_where(w) for w in self._constraints.where]
        while pending:
            node = pending.pop()
            if isinstance(node, BinaryOp) and node.op.upper() == "AND":
                pending += [node.lhs, node.rhs]
            elif isinstance(node, BinaryOp) and node.op == "=":
                for name, value in ((node.lhs, node.rhs), (node.rhs, node.lhs)):
                    if isinstance(name, Identifier) and isinstance(value, (IntLiteral, StringLiteral)):
                        pairs.append((name.name, value.value))
        return pairs

    def _common_reasons(self) -> list[str]:
        reasons = []
        registry = self._butler.registry
        governors = {k: v for k, v in self._constraints.data_id if k in self._butler.dimensions
                     and self._butler.dimensions[k].is_governor}
        for key, value in self._equalities():
            if key in self._butler.dimensions and self._butler.dimensions[key].has_own_table:
                element = self._butler.dimensions[key]
                parents = [d.name for d in element.required if d is not element]
                if all(p in governors for p in parents):
                    found = registry.dimension_records.fetch_one(
                        element, tuple(governors[p] for p in parents) + (value,))
                    if found is None:
                        reasons.append(f"No {key} record has {key}={value!r}"
                                       + (f" for {governors}." if parents else "."))
        return reasons + self._dataset_search_reasons()

    def _dataset_search_reasons(self) -> list[str]:
        reasons = []
        for name, collections in self._constraints.dataset_searches:
            reasons.extend(self._dataset_reasons(name, collections))
        return reasons

    def _dataset_reasons(self, name: str, collections: Any) -> list[str]:
        registry = self._butler.registry
        try:
            search = registry._search_path(collections)
        except MissingCollectionError as err:
            return [str(err)]
        record = registry.dataset_types.find(DatasetType.splitDatasetTypeName(name)[0])
        having = registry.datasets.collections_with(record)
        if not any(c.key in having for c in search):
            return [f"No {name} datasets in collection(s) {[c.name for c in search]}."]
        return []

    def _reasons(self) -> list[str]:
        return self._common_reasons()

    def _data_id_and_kwargs(self) -> dict[str, Any]:
        return dict(self._constraints.data_id)

    def _engine(self):
        return self._butler.registry._query_engine()


class DataCoordinateQueryResults(_Results):
    """Data IDs from a query; iterate, count, order, limit."""

    def __init__(self, butler: Butler, constraints: _Constraints, dimensions: DimensionGroup):
        super().__init__(butler, constraints)
        self.dimensions = dimensions

    def _run(self, count: bool = False) -> Any:
        searches = self._constraints.dataset_searches
        datasets = [name for name, _ in searches] or None
        collections = None
        if searches:
            collections = [c for _, cs in searches for c in ([cs] if isinstance(cs, str) or cs is None else cs)
                           if c is not None] or None
        data_ids = self._engine().data_ids(
            self.dimensions, data_id=None, datasets=datasets, collections=collections,
            where=self._constraints.where_text, bind=dict(self._constraints.bind),
            kwargs=self._data_id_and_kwargs(), order_by=list(self._order_by), limit=self._limit, count=count)
        if count:
            return data_ids
        if self._with_records:
            data_ids = [self._butler.registry.expandDataId(d) for d in data_ids]
        return data_ids


class DatasetRefQueryResults(_Results):
    """Dataset references from a query; iterate, count, order, limit."""

    def __init__(self, butler: Butler, constraints: _Constraints, dataset_type: str | DatasetType,
                 collections: Any, find_first: bool):
        super().__init__(butler, constraints)
        self.dataset_type = butler.get_dataset_type(
            dataset_type.name if isinstance(dataset_type, DatasetType) else dataset_type)
        self._collections = collections
        self._find_first = find_first

    def _run(self, count: bool = False) -> Any:
        if count:
            return self._engine().datasets(
                self.dataset_type, collections=self._collections if self._collections is not None
                else self._butler.collections.defaults, data_id=None, where=self._constraints.where_text,
                find_first=self._find_first, bind=dict(self._constraints.bind),
                kwargs=self._data_id_and_kwargs(), limit=self._limit, count=True)
        return self._butler.query_datasets(
            self.dataset_type, self._collections, find_first=self._find_first,
            where=self._constraints.where_text, bind=dict(self._constraints.bind),
            with_dimension_records=self._with_records, order_by=list(self._order_by), limit=self._limit,
            explain=False, **self._data_id_and_kwargs())

    def _reasons(self) -> list[str]:
        collections = self._collections if self._collections is not None else self._butler.collections.defaults
        return self._dataset_reasons(self.dataset_type.name, collections) + self._common_reasons()


class DimensionRecordQueryResults(_Results):
    """Dimension records from a query; iterate, count, order, limit."""

    def __init__(self, butler: Butler, constraints: _Constraints, element: str):
        super().__init__(butler, constraints)
        self.element = butler.dimensions[element]

    def _run(self, count: bool = False) -> Any:
        if count:
            return self._engine().dimension_records(
                self.element, data_id=None, datasets=None, collections=None, where=self._constraints.where_text,
                bind=dict(self._constraints.bind), kwargs=self._data_id_and_kwargs(), limit=self._limit,
                count=True)
        try:
            return self._butler.query_dimension_records(
                self.element.name, where=self._constraints.where_text, bind=dict(self._constraints.bind),
                order_by=list(self._order_by), limit=self._limit, explain=False, **self._data_id_and_kwargs())
        except DataIdValueError:
            return []
