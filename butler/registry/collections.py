"""Collections: registration, chains, and resolving collection expressions."""

from __future__ import annotations

__all__ = ["CollectionRecord", "CollectionManager"]

import dataclasses
import fnmatch
import re
import socket
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from ..collection_type import CollectionType
from ..errors import (
    CollectionCycleError,
    CollectionTypeError,
    ConflictingDefinitionError,
    MissingCollectionError,
    OrphanedRecordError,
)
from .database import Database
from .schema import StaticTables


@dataclasses.dataclass(frozen=True, slots=True)
class CollectionRecord:
    """A collection as stored: its key, name, type and documentation."""

    key: int
    name: str
    type: CollectionType
    doc: str | None = None


def _is_pattern(expression: Any) -> bool:
    return isinstance(expression, re.Pattern) or (
        isinstance(expression, str) and any(c in expression for c in "*?[")
    )


class CollectionManager:
    """Reads and writes collections and chains, with an in-memory cache.

    The cache of names and chains is refreshed from the database whenever a
    name is not found, so collections made by another process are seen.
    """

    def __init__(self, db: Database, tables: StaticTables):
        self._db = db
        self._tables = tables
        self._by_name: dict[str, CollectionRecord] = {}
        self._by_key: dict[int, CollectionRecord] = {}
        self._chains: dict[int, tuple[int, ...]] = {}
        self._loaded = False
        self._removal_listeners: list[Callable[[], None]] = []
        self._deletion_hooks: list[Callable[[CollectionRecord], None]] = []

    def before_delete(self, hook: Callable[[CollectionRecord], None]) -> None:
        """Call ``hook(record)`` inside the transaction that removes a collection, just before its
        row is deleted: for rows that refer to the collection without a cascading foreign key."""
        self._deletion_hooks.append(hook)

    def on_remove(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after a collection is removed (its key may then be reused)."""
        self._removal_listeners.append(listener)

    # Cache -------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload every collection and chain from the database."""
        t = self._tables
        rows = self._db.fetch_all(sa.select(t.collection.c.collection_id, t.collection.c.name,
                                            t.collection.c.type, t.collection.c.doc))
        self._by_name = {}
        self._by_key = {}
        for key, name, type_, doc in rows:
            record = CollectionRecord(key, name, CollectionType(type_), doc)
            self._by_name[name] = record
            self._by_key[key] = record
        chains: dict[int, list[tuple[int, int]]] = {}
        for parent, position, child in self._db.fetch_all(
            sa.select(t.collection_chain.c.parent, t.collection_chain.c.position, t.collection_chain.c.child)
        ):
            chains.setdefault(parent, []).append((position, child))
        self._chains = {p: tuple(c for _, c in sorted(children)) for p, children in chains.items()}
        self._loaded = True

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    def invalidate(self) -> None:
        """Forget the cache without querying; it reloads on next use."""
        self._by_name = {}
        self._by_key = {}
        self._chains = {}
        self._loaded = False

    def find(self, name: str) -> CollectionRecord:
        """The record of a collection.

        Raises
        ------
        MissingCollectionError
            If there is no collection of that name.
        """
        self._ensure_loaded()
        record = self._by_name.get(name)
        if record is None:
            self.refresh()
            record = self._by_name.get(name)
        if record is None:
            raise MissingCollectionError(self._missing_message(name))
        return record

    def get_by_key(self, key: int) -> CollectionRecord:
        """The record of a collection by its integer key."""
        self._ensure_loaded()
        if key not in self._by_key:
            self.refresh()
        return self._by_key[key]

    def _missing_message(self, name: str) -> str:
        import difflib

        close = difflib.get_close_matches(str(name), list(self._by_name), n=3)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        return f"Collection {name!r} does not exist in this repository.{hint}"

    def exists(self, name: str) -> bool:
        """Whether a collection of that name exists."""
        try:
            self.find(name)
        except MissingCollectionError:
            return False
        return True

    # Writes ----------------------------------------------------------------

    def register(self, name: str, type: CollectionType, doc: str | None = None) -> bool:
        """Create a collection; `False` if it already exists with that type.

        Raises
        ------
        ConflictingDefinitionError
            If it exists with another type.
        """
        if not isinstance(name, str) or not name or _is_pattern(name):
            raise ValueError(f"Invalid collection name {name!r}: names may not be empty or contain *, ? or [.")
        type = CollectionType(type)
        self._ensure_loaded()
        existing = self._by_name.get(name)
        if existing is None:
            self.refresh()
            existing = self._by_name.get(name)
        if existing is not None:
            if existing.type != type:
                raise ConflictingDefinitionError(
                    f"Collection {name!r} already exists as a {existing.type.name} collection, not {type.name}."
                )
            return False
        t = self._tables
        try:
            with self._db.transaction(savepoint=True):
                result = self._db.execute(t.collection.insert().values(name=name, type=int(type), doc=doc))
                key = result.inserted_primary_key[0]
                if type is CollectionType.RUN:
                    self._db.execute(t.run.insert().values(collection_id=key, host=socket.gethostname()[:128]))
        except sa.exc.IntegrityError:
            # Another process made it meanwhile; look again once rolled back.
            self.refresh()
            return self.register(name, type, doc)
        record = CollectionRecord(key, name, type, doc)
        self._by_name[name] = record
        self._by_key[key] = record
        return True

    def remove(self, name: str) -> None:
        """Delete a collection (it must not be a child of any chain).

        Datasets that a removed RUN owns must have been deleted first.
        """
        record = self.find(name)
        parents = self.parents(name)
        if parents:
            raise OrphanedRecordError(
                f"Collection {name!r} is still in chain(s) {sorted(parents)}; remove it from them first."
            )
        t = self._tables
        with self._db.transaction(savepoint=True):
            self._db.lock_row(t.collection.c.collection_id, record.key, for_delete=True)
            if record.type is CollectionType.RUN:
                count = self._db.execute(
                    sa.select(sa.func.count()).select_from(t.dataset).where(t.dataset.c.run_id == record.key)
                ).scalar()
                if count:
                    raise OrphanedRecordError(
                        f"RUN collection {name!r} still owns {count} dataset(s); use butler.removeRuns to "
                        "remove a run together with its datasets."
                    )
            for hook in self._deletion_hooks:
                hook(record)
            self._db.execute(t.collection.delete().where(t.collection.c.collection_id == record.key))
        self._by_name.pop(name, None)
        self._by_key.pop(record.key, None)
        self._chains.pop(record.key, None)
        for listener in self._removal_listeners:
            listener()

    def set_doc(self, name: str, doc: str | None) -> None:
        """Replace a collection's documentation string."""
        record = self.find(name)
        t = self._tables
        self._db.execute(t.collection.update().where(t.collection.c.collection_id == record.key).values(doc=doc))
        updated = dataclasses.replace(record, doc=doc)
        self._by_name[name] = updated
        self._by_key[record.key] = updated

    # Chains ----------------------------------------------------------------

    def _reload_chain_tree(self, key: int) -> None:
        """Re-read a chain and every chain below it (one query per level of nesting).

        Chains are the one thing another butler may redefine under a
        long-lived one; re-reading them whenever they are resolved keeps
        find-first searches in step, at no cost for searches without chains.
        """
        chain = self._tables.collection_chain
        pending = {key}
        seen: set[int] = set()
        while pending:
            seen |= pending
            rows = self._db.fetch_all(
                sa.select(chain.c.parent, chain.c.position, chain.c.child).where(chain.c.parent.in_(sorted(pending))))
            children: dict[int, list[tuple[int, int]]] = {parent: [] for parent in pending}
            for parent, position, child in rows:
                children[parent].append((position, child))
            for parent, items in children.items():
                self._chains[parent] = tuple(c for _, c in sorted(items))
            child_keys = {c for items in children.values() for _, c in items}
            if any(k not in self._by_key for k in child_keys):
                self.refresh()
            pending = {k for k in child_keys
                       if k not in seen and k in self._by_key and self._by_key[k].type is CollectionType.CHAINED}

    def get_chain(self, name: str) -> tuple[str, ...]:
        """The children of a CHAINED collection, in search order."""
        record = self.find(name)
        if record.type is not CollectionType.CHAINED:
            raise CollectionTypeError(f"Collection {name!r} is a {record.type.name} collection, not CHAINED.")
        self._reload_chain_tree(record.key)
        return tuple(self._by_key[k].name for k in self._chains.get(record.key, ()))

    def set_chain(self, name: str, children: Iterable[str] | str, *, flatten: bool = False) -> None:
        """Define the children of a CHAINED collection.

        Raises
        ------
        CollectionCycleError
            If the chain would contain itself.
        MissingCollectionError
            If a child does not exist.
        """
        record = self.find(name)
        if record.type is not CollectionType.CHAINED:
            raise CollectionTypeError(f"Collection {name!r} is a {record.type.name} collection, not CHAINED.")
        if isinstance(children, str):
            children = [children]
        child_names = list(children)
        if flatten:
            child_names = self.flatten(child_names)
        child_records: list[CollectionRecord] = []
        for child in dict.fromkeys(child_names):
            child_record = self.find(child)
            if child_record.key == record.key or record.key in self._descendant_keys(child_record.key):
                raise CollectionCycleError(
                    f"Cannot put {child!r} in chain {name!r}: {child!r} "
                    + ("is the chain itself." if child_record.key == record.key else f"already contains {name!r}.")
                )
            child_records.append(child_record)
        t = self._tables
        with self._db.transaction(savepoint=True):
            self._db.execute(t.collection_chain.delete().where(t.collection_chain.c.parent == record.key))
            if child_records:
                self._db.execute(
                    t.collection_chain.insert(),
                    [{"parent": record.key, "position": i, "child": c.key} for i, c in enumerate(child_records)],
                )
        self._chains[record.key] = tuple(c.key for c in child_records)

    def _descendant_keys(self, key: int) -> set[int]:
        result: set[int] = set()
        stack = list(self._chains.get(key, ()))
        while stack:
            k = stack.pop()
            if k in result:
                continue
            result.add(k)
            stack.extend(self._chains.get(k, ()))
        return result

    def parents(self, name: str) -> set[str]:
        """The CHAINED collections that list this one directly."""
        record = self.find(name)
        self.refresh()
        return {self._by_key[p].name for p, children in self._chains.items() if record.key in children}

    # Resolution --------------------------------------------------------------

    def flatten(self, names: Sequence[str]) -> list[str]:
        """Replace chains by their (recursively flattened) children, keeping order and dropping repeats."""
        result: dict[str, None] = {}
        for name in names:
            for record in self._flatten_record(self.find(name)):
                result[record.name] = None
        return list(result)

    def _flatten_record(self, record: CollectionRecord) -> list[CollectionRecord]:
        if record.type is not CollectionType.CHAINED:
            return [record]
        out: list[CollectionRecord] = []
        for key in self._chains.get(record.key, ()):
            out.extend(self._flatten_record(self._by_key[key]))
        return out

    def resolve_search_path(self, collections: Any) -> list[CollectionRecord]:
        """The ordered, flattened, de-duplicated non-chain collections to search.

        ``collections`` is a name, a glob pattern, a compiled regex, a
        sequence of these, or ``...`` for every collection.  Patterns match in creation order; chains are
        expanded in place.
        """
        if collections is None:
            return []
        if collections is ...:  # LSST's "every collection"
            collections = ["*"]
        if isinstance(collections, (str, re.Pattern)):
            collections = [collections]
        self._ensure_loaded()
        result: dict[int, CollectionRecord] = {}
        for expression in collections:
            if _is_pattern(expression):
                self.refresh()
                matched = [r for r in self._in_creation_order() if self._matches(expression, r.name)]
            else:
                matched = [self.find(expression)]
            for record in matched:
                if record.type is CollectionType.CHAINED:
                    self._reload_chain_tree(record.key)
                for leaf in self._flatten_record(record):
                    result.setdefault(leaf.key, leaf)
        return list(result.values())

    def _in_creation_order(self) -> list[CollectionRecord]:
        # Keys are assigned in creation order; LSST lists pattern matches in that order.
        return [self._by_key[k] for k in sorted(self._by_key)]

    @staticmethod
    def _matches(expression: Any, name: str) -> bool:
        if isinstance(expression, re.Pattern):
            return expression.fullmatch(name) is not None
        return fnmatch.fnmatchcase(name, expression)

    def query(
        self,
        expression: Any = "*",
        *,
        collection_types: Iterable[CollectionType] | CollectionType | None = None,
        flatten_chains: bool = False,
        include_chains: bool | None = None,
    ) -> list[str]:
        """Names of the collections matching an expression, with LSST's flattening rules."""
        types = CollectionType.coerce(collection_types)
        if include_chains is None:
            include_chains = not flatten_chains
        if isinstance(expression, (str, re.Pattern)):
            expression = [expression]
        self.refresh()
        result: dict[str, None] = {}
        for item in expression:
            if _is_pattern(item):
                matched = [r for r in self._in_creation_order() if self._matches(item, r.name)]
            else:
                matched = [self.find(item)]
            for record in matched:
                if record.type is CollectionType.CHAINED:
                    if include_chains and record.type in types:
                        result[record.name] = None
                    if flatten_chains:
                        for leaf in self._flatten_all(record):
                            if leaf.type is CollectionType.CHAINED and not include_chains:
                                continue
                            if leaf.type in types:
                                result[leaf.name] = None
                elif record.type in types:
                    result[record.name] = None
        return list(result)

    def _flatten_all(self, record: CollectionRecord) -> list[CollectionRecord]:
        """Every descendant, chains included (each chain before its children)."""
        out: list[CollectionRecord] = []
        for key in self._chains.get(record.key, ()):
            child = self._by_key[key]
            out.append(child)
            if child.type is CollectionType.CHAINED:
                out.extend(self._flatten_all(child))
        return out
