"""The query methods of `Butler` (``query``, ``query_datasets``, ``query_data_ids``, ...)."""

from __future__ import annotations

__all__ = ["ButlerQueries"]

import contextlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .dataset_ref import DatasetRef
from .dataset_type import DatasetType
from .dimensions import DataCoordinate, DimensionRecord
from .errors import EmptyQueryResultError, InvalidQueryError, MissingDatasetTypeError, NoDefaultCollectionError

if TYPE_CHECKING:
    from .query import Query
    from .registry import Registry

_LOG = logging.getLogger("butler.butler")  # the Butler's logger, as before the split
_DEFAULT_LIMIT = -20_000


class ButlerQueries:
    """The query methods of `Butler`, which provides ``_registry`` and ``_dataset_type_of``."""

    _registry: Registry


    def _finish_query(self, results: list, limit: int | None, explain: bool, what: str,
                      reasons: Any = None) -> list:
        if limit is not None and limit < 0 and len(results) > -limit:
            _LOG.warning("More %s are available than the requested limit of %d.", what, -limit)
            results = results[: -limit]
        if not results and explain and limit != 0:  # limit=0 asks for nothing; LSST returns []
            raise EmptyQueryResultError(reasons() if reasons else [])
        return results

    @contextlib.contextmanager
    def query(self) -> Iterator[Query]:
        """A lazy, composable query (``with butler.query() as query: ...``), as LSST's."""
        from .query import Query

        yield Query(self)

    def query_datasets(
        self,
        dataset_type: Any,
        collections: Any = None,
        *,
        find_first: bool = True,
        data_id: Any = None,
        where: str = "",
        bind: Mapping[str, Any] | None = None,
        with_dimension_records: bool = False,
        order_by: Iterable[str] | str | None = None,
        limit: int | None = _DEFAULT_LIMIT,
        explain: bool = True,
        **kwargs: Any,
    ) -> list[DatasetRef]:
        """Datasets of one type matching a ``where`` expression (find-first through the collections by default).

        ``limit=None`` returns everything; a negative limit returns at most
        ``-limit`` and warns if there were more.  An empty result raises
        `EmptyQueryResultError` (with reasons) unless ``explain=False``.
        """
        dataset_type_obj = self._dataset_type_of(dataset_type)
        if collections is None:
            collections = self._registry.defaults.collections
            if not collections:
                raise NoDefaultCollectionError(
                    f"No collections given to query {dataset_type_obj.name} datasets and this butler has no "
                    "default collections: pass collections=... or make the Butler with collections=.")
        if find_first and any(isinstance(c, str) and any(ch in c for ch in "*?[")
                              for c in ([collections] if isinstance(collections, str) else collections)):
            raise InvalidQueryError(f"Can not use wildcards in collections when find_first=True (given {collections}).")
        order = [order_by] if isinstance(order_by, str) else list(order_by or [])
        query_limit = None if limit is None else (abs(limit) + 1 if limit < 0 else limit)
        refs = self._registry._query_engine().datasets(
            dataset_type_obj, collections=collections, data_id=data_id, where=where, find_first=find_first,
            bind=bind, kwargs=kwargs, order_by=order, limit=query_limit)
        if with_dimension_records:
            refs = [r.expanded(self._registry.expandDataId(r.dataId)) for r in refs]
        return self._finish_query(refs, limit, explain, "datasets",
                                  lambda: self._explain_datasets(dataset_type_obj, collections, where))

    def _explain_datasets(self, dataset_type: DatasetType, collections: Any, where: str) -> list[str]:
        reasons = []
        search = self._registry._search_path(collections)
        record = self._registry.dataset_types.find(dataset_type.nameAndComponent()[0])
        having = self._registry.datasets.collections_with(record)
        if not any(c.key in having for c in search):
            reasons.append(f"No {dataset_type.name} datasets in collections {[c.name for c in search]}.")
        elif where:
            reasons.append(f"No {dataset_type.name} datasets match the constraints (where={where!r}).")
        else:
            reasons.append(f"No {dataset_type.name} datasets match the data ID constraints.")
        return reasons

    def query_all_datasets(self, collections: Any = None, *, name: str | Iterable[str] = "*",
                           find_first: bool = True, data_id: Any = None, where: str = "",
                           bind: Mapping[str, Any] | None = None, limit: int | None = _DEFAULT_LIMIT,
                           **kwargs: Any) -> list[DatasetRef]:
        """Datasets of every type (or those matching ``name`` globs) in the collections.

        Each dataset type is queried as by `query_datasets`; an empty result
        is not an error.  ``limit`` applies to the total.

        Raises
        ------
        MissingDatasetTypeError
            If no dataset type matches ``name``.
        """
        if collections is None:
            collections = self._registry.defaults.collections
        patterns = [name] if isinstance(name, str) else list(name)
        dataset_types = self._registry.queryDatasetTypes(patterns)
        if not dataset_types:
            raise MissingDatasetTypeError(f"No dataset types found for query {patterns}.")
        query_limit = None if limit is None else (abs(limit) + 1 if limit < 0 else limit)
        keys = {c.key for c in self._registry._search_path(collections)}
        refs: list[DatasetRef] = []
        for dataset_type in dataset_types:
            record = self._registry.dataset_types.find(dataset_type.name)
            if not keys & self._registry.datasets.collections_with(record):
                continue
            refs.extend(self.query_datasets(dataset_type, collections, find_first=find_first, data_id=data_id,
                                            where=where, bind=bind, limit=query_limit, explain=False, **kwargs))
            if query_limit is not None and len(refs) >= query_limit:
                break
        if limit is not None and limit >= 0:
            refs = refs[:limit]
        return self._finish_query(refs, limit, False, "datasets")

    def query_data_ids(self, dimensions: Any, *, data_id: Any = None, where: str = "",
                       bind: Mapping[str, Any] | None = None, with_dimension_records: bool = False,
                       order_by: Iterable[str] | str | None = None, limit: int | None = _DEFAULT_LIMIT,
                       explain: bool = True, **kwargs: Any) -> list[DataCoordinate]:
        """Data IDs of the given dimensions matching a ``where`` expression."""
        order = [order_by] if isinstance(order_by, str) else list(order_by or [])
        query_limit = None if limit is None else (abs(limit) + 1 if limit < 0 else limit)
        data_ids = self._registry._query_engine().data_ids(dimensions, data_id=data_id, datasets=None,
                                                          collections=None, where=where, bind=bind, kwargs=kwargs,
                                                          order_by=order, limit=query_limit)
        if with_dimension_records:
            data_ids = [self._registry.expandDataId(d) for d in data_ids]
        return self._finish_query(data_ids, limit, explain, "data IDs",
                                  lambda: [f"No data IDs of {dimensions} match (where={where!r})."])

    def query_dimension_records(self, element: str, *, data_id: Any = None, where: str = "",
                                bind: Mapping[str, Any] | None = None, order_by: Iterable[str] | str | None = None,
                                limit: int | None = _DEFAULT_LIMIT, explain: bool = True,
                                **kwargs: Any) -> list[DimensionRecord]:
        """Records of one dimension element matching a ``where`` expression."""
        order = [order_by] if isinstance(order_by, str) else list(order_by or [])
        query_limit = None if limit is None else (abs(limit) + 1 if limit < 0 else limit)
        records = self._registry._query_engine().dimension_records(
            self.dimensions[element], data_id=data_id, datasets=None, collections=None, where=where, bind=bind,
            kwargs=kwargs, order_by=order, limit=query_limit)
        return self._finish_query(records, limit, explain, "records",
                                  lambda: [f"No {element} records match (where={where!r})."])
