"""The removal methods of `Butler` (``removeRuns``, ``pruneDatasets``, ``emptyTrash``)."""

from __future__ import annotations

__all__ = ["ButlerRemoval"]

import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .collection_type import CollectionType
from .dataset_ref import DatasetRef
from .errors import CollectionTypeError, OrphanedRecordError

if TYPE_CHECKING:
    from .registry import Database, Registry

_UNSTORE_DEFAULT = object()  # removeRuns: "unstore not given"


class ButlerRemoval:
    """The removal methods of `Butler`, which provides ``_registry``, ``_db``, ``datastore`` and
    ``_require_writeable``."""

    _registry: Registry
    _db: Database
    datastore: Any

    if TYPE_CHECKING:
        def _require_writeable(self) -> None: ...

    # Removal --------------------------------------------------------------------------

    def removeRuns(self, names: Iterable[str] | str, unstore: Any = _UNSTORE_DEFAULT, *,
                   unlink_from_chains: bool = False) -> None:
        """Delete RUN collections with all their datasets and files.

        ``unstore`` is ignored (with a `FutureWarning`), as in LSST since v30:
        the files of removed datasets are always deleted.
        """
        if unstore is not _UNSTORE_DEFAULT:
            warnings.warn("The unstore parameter for removeRuns can no longer be False and is now ignored.  "
                          "The parameter will be removed after v30.", FutureWarning, stacklevel=2)
        self._require_writeable()
        names = [names] if isinstance(names, str) else list(names)
        registry = self._registry
        manager = registry.collections_manager
        records = []
        for name in names:
            record = manager.find(name)
            if record.type is not CollectionType.RUN:
                raise CollectionTypeError(f"The collection type of {name!r} is {record.type.name}, not RUN.")
            parents = manager.parents(name)
            if parents and not unlink_from_chains:
                raise OrphanedRecordError(
                    f"RUN {name!r} is in chain(s) {sorted(parents)}; pass unlink_from_chains=True to remove it "
                    "from them too.")
            records.append((record, parents))
        with self.datastore.transaction(), self._db.transaction(savepoint=True):
            for record, parents in records:
                for parent in parents:
                    manager.set_chain(parent, [c for c in manager.get_chain(parent) if c != record.name])
                refs = _refs_in_run(registry, record)
                registry.datasets.delete(refs)
                manager.remove(record.name)
        self.datastore.emptyTrash()

    def pruneDatasets(self, refs: Iterable[DatasetRef], *, disassociate: bool = True, unstore: bool = False,
                      tags: Iterable[str] = (), purge: bool = False) -> None:
        """Remove datasets from TAGGED collections, the datastore, or the repository (``purge``)."""
        self._require_writeable()
        refs = list(refs)
        tags = list(tags)
        if purge and not unstore:
            raise TypeError("Cannot pass purge=True without unstore=True.")
        if purge and not disassociate:
            raise TypeError("Cannot pass purge=True without disassociate=True.")
        if disassociate and not tags and not purge:
            raise TypeError("No tags provided but disassociate=True.")
        with self.datastore.transaction(), self._db.transaction(savepoint=True):
            if purge:
                self._registry.datasets.delete(refs)
            else:
                if disassociate:
                    for tag in tags:
                        self._registry.disassociate(tag, refs)
                if unstore:
                    self.datastore.trash(refs)
        if unstore:
            self.datastore.emptyTrash()

    def emptyTrash(self) -> None:
        """Delete the files of datasets removed from the registry."""
        self.datastore.emptyTrash()


def _refs_in_run(registry: Registry, run_record: Any) -> list[DatasetRef]:
    import sqlalchemy as sa

    t = registry.tables
    ids = [row[0] for row in registry.db.fetch_all(sa.select(t.dataset.c.id).where(t.dataset.c.run_id == run_record.key))]
    return list(registry.datasets.get_refs(ids).values())
