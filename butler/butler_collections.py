"""``butler.collections``: LSST's collection-management API."""

from __future__ import annotations

__all__ = ["ButlerCollections"]

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .collection_type import CollectionInfo, CollectionType
from .errors import CollectionTypeError, MissingCollectionError, ReadOnlyDatabaseError

if TYPE_CHECKING:
    from .registry import Registry


def _as_list(names: str | Iterable[str]) -> list[str]:
    return [names] if isinstance(names, str) else list(names)


class ButlerCollections(Sequence[str]):
    """Collections of a butler; as a sequence, its default search path."""

    def __init__(self, registry: Registry, writeable: bool = True):
        self._registry = registry
        self._manager = registry.collections_manager
        self._writeable = writeable

    def _require_writeable(self) -> None:
        if not self._writeable:
            # LSST's class here (its registry refuses); Butler methods raise TypeError.
            raise ReadOnlyDatabaseError(
                "Butler is read-only; open it with writeable=True (or a run=) to change collections.")

    @property
    def defaults(self) -> tuple[str, ...]:
        """The default collections searched."""
        return self._registry.defaults.collections

    def __getitem__(self, index: Any) -> Any:
        return self.defaults[index]

    def __len__(self) -> int:
        return len(self.defaults)

    def register(self, name: str, type: CollectionType = CollectionType.RUN, doc: str | None = None) -> bool:
        """Create a collection; `False` if it exists already (with that type)."""
        self._require_writeable()
        return self._manager.register(name, type, doc)

    def query(self, expression: str | Iterable[str] = "*", collection_types: Any = None,
              flatten_chains: bool = False, include_chains: bool | None = None) -> Sequence[str]:
        """Names of collections matching names or globs."""
        return self._manager.query(expression, collection_types=collection_types,
                                   flatten_chains=flatten_chains, include_chains=include_chains)

    def get_info(self, name: str, include_parents: bool = False, include_summary: bool = False) -> CollectionInfo:
        """What is known about one collection."""
        record = self._manager.find(name)
        children = self._manager.get_chain(name) if record.type is CollectionType.CHAINED else ()
        parents = frozenset(self._manager.parents(name)) if include_parents else None
        dataset_types = None
        if include_summary:
            keys = {c.key for c in self._manager.resolve_search_path([name])}
            dataset_types = frozenset(
                r.dataset_type.name for r in self._registry.dataset_types.all()
                if keys & self._registry.datasets.collections_with(r))
        return CollectionInfo(name, record.type, record.doc or "", tuple(children), parents, dataset_types)

    def query_info(self, expression: str | Iterable[str] = "*", collection_types: Any = None,
                   flatten_chains: bool = False, include_chains: bool | None = None,
                   include_parents: bool = False, include_summary: bool = False, include_doc: bool = False,
                   summary_datasets: Any = None) -> Sequence[CollectionInfo]:
        """`get_info` for every collection matching the expression."""
        return [self.get_info(n, include_parents=include_parents, include_summary=include_summary)
                for n in self.query(expression, collection_types, flatten_chains, include_chains)]

    def _chain(self, parent: str) -> list[str]:
        self._require_writeable()
        try:
            record = self._manager.find(parent)
        except MissingCollectionError:
            raise MissingCollectionError(f"Parent collection {parent!r} not found when updating its chain.") from None
        if record.type is not CollectionType.CHAINED:
            raise CollectionTypeError(f"Parent collection {parent!r} is {record.type.name}, not CHAINED.")
        return list(self._manager.get_chain(parent))

    def extend_chain(self, parent_collection_name: str, child_collection_names: str | Iterable[str]) -> None:
        """Append children (a child already present moves to the end)."""
        new = _as_list(child_collection_names)
        current = [c for c in self._chain(parent_collection_name) if c not in new]
        self._manager.set_chain(parent_collection_name, current + new)

    def prepend_chain(self, parent_collection_name: str, child_collection_names: str | Iterable[str]) -> None:
        """Put children first (a child already present moves to the front)."""
        new = _as_list(child_collection_names)
        current = [c for c in self._chain(parent_collection_name) if c not in new]
        self._manager.set_chain(parent_collection_name, new + current)

    def redefine_chain(self, parent_collection_name: str, child_collection_names: str | Iterable[str]) -> None:
        """Replace the children."""
        self._chain(parent_collection_name)
        self._manager.set_chain(parent_collection_name, _as_list(child_collection_names))

    def remove_from_chain(self, parent_collection_name: str, child_collection_names: str | Iterable[str]) -> None:
        """Remove children (absent ones are ignored)."""
        drop = set(_as_list(child_collection_names))
        self._manager.set_chain(parent_collection_name,
                                [c for c in self._chain(parent_collection_name) if c not in drop])

    def x_remove(self, name: str) -> None:
        """Remove a collection (a RUN must be empty; see ``Butler.removeRuns``)."""
        self._require_writeable()
        self._manager.remove(name)

    def __repr__(self) -> str:
        return f"ButlerCollections(defaults={self.defaults})"
