"""SQL access to the datastore's tables: file records and the trash.

Statements are built once and reused so SQLAlchemy's compiled cache is hit
on every call; bulk operations use one ``executemany`` or chunked ``IN``
lists.
"""

from __future__ import annotations

__all__ = ["FileRecordStore"]

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import TypeVar

import sqlalchemy as sa

from ..errors import ConflictingDefinitionError
from ..registry.database import Database
from ..registry.schema import StaticTables
from .stored_file import StoredFileInfo, is_absolute_path

_CHUNK = 500

T = TypeVar("T")


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _is_unique_violation(err: sa.exc.IntegrityError) -> bool:
    text = str(err.orig).lower()
    return "foreign key" not in text


class FileRecordStore:
    """Reads and writes ``file_datastore_records`` and ``file_datastore_trash``.

    Parameters
    ----------
    db : `Database`
        The registry database.
    tables : `StaticTables`
        Its tables.
    """

    def __init__(self, db: Database, tables: StaticTables):
        self.db = db
        self.table = records = tables.datastore_records
        self.trash_table = trash = tables.datastore_trash
        self._insert = records.insert()
        self._select_one = sa.select(records).where(records.c.dataset_id == sa.bindparam("id"))
        self._select_many = sa.select(records).where(
            records.c.dataset_id.in_(sa.bindparam("ids", expanding=True)))
        self._select_path = sa.select(records.c.dataset_id).where(records.c.path == sa.bindparam("path"))
        self._select_paths = sa.select(records.c.path).distinct().where(
            records.c.path.in_(sa.bindparam("paths", expanding=True)))
        self._delete_many = records.delete().where(records.c.dataset_id.in_(sa.bindparam("ids", expanding=True)))
        self._select_trash = sa.select(trash.c.path)
        self._delete_trash = trash.delete().where(trash.c.path.in_(sa.bindparam("paths", expanding=True)))

    # Reading ---------------------------------------------------------------

    def get(self, dataset_id: uuid.UUID) -> list[StoredFileInfo]:
        """Records of one dataset (empty if none)."""
        rows = self.db.execute(self._select_one, {"id": dataset_id}).fetchall()
        return [StoredFileInfo.from_row(row._mapping) for row in rows]

    def get_many(self, dataset_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[StoredFileInfo]]:
        """Records of many datasets, by dataset ID (datasets with none are absent)."""
        ids = list(dict.fromkeys(dataset_ids))
        result: dict[uuid.UUID, list[StoredFileInfo]] = defaultdict(list)
        for chunk in _chunks(ids):
            for row in self.db.execute(self._select_many, {"ids": list(chunk)}).fetchall():
                info = StoredFileInfo.from_row(row._mapping)
                result[info.dataset_id].append(info)
        return dict(result)

    def datasets_at(self, path: str) -> list[uuid.UUID]:
        """IDs of the datasets whose records point at ``path``."""
        return [row[0] for row in self.db.execute(self._select_path, {"path": path}).fetchall()]

    def referenced(self, paths: Collection[str]) -> set[str]:
        """Those of ``paths`` that some record still points at."""
        found: set[str] = set()
        for chunk in _chunks(list(paths)):
            found.update(row[0] for row in self.db.execute(self._select_paths, {"paths": list(chunk)}).fetchall())
        return found

    # Writing ---------------------------------------------------------------

    def insert(self, infos: Sequence[StoredFileInfo], *, what: str = "") -> None:
        """Insert records.

        Raises
        ------
        ConflictingDefinitionError
            Raised if a dataset already has a record for the same component.
        """
        if not infos:
            return
        rows = [info.to_row() for info in infos]
        try:
            with self.db.transaction():  # all rows or none, even outside the caller's transaction
                self.db.execute(self._insert, rows if len(rows) > 1 else rows[0])
        except sa.exc.IntegrityError as err:
            if _is_unique_violation(err):
                raise ConflictingDefinitionError(f"Datastore already contains dataset: {what or rows[0]['dataset_id']}"
                                                 ) from err
            raise

    def insert_ignore(self, infos: Sequence[StoredFileInfo]) -> None:
        """Insert records, skipping those whose (dataset, component) already has one."""
        if infos:
            self.db.insert_ignore(self.table, [info.to_row() for info in infos])

    def delete(self, dataset_ids: Iterable[uuid.UUID]) -> None:
        """Delete the records of datasets."""
        ids = list(dict.fromkeys(dataset_ids))
        with self.db.transaction():
            for chunk in _chunks(ids):
                self.db.execute(self._delete_many, {"ids": list(chunk)})

    # Trash -----------------------------------------------------------------

    def move_to_trash(self, dataset_ids: Iterable[uuid.UUID]) -> None:
        """Delete the records of datasets and list their files (inside the root) in the trash."""
        ids = list(dict.fromkeys(dataset_ids))
        with self.db.transaction():
            for chunk in _chunks(ids):
                rows = self.db.execute(self._select_many, {"ids": list(chunk)}).fetchall()
                paths = sorted({row.path for row in rows if not is_absolute_path(row.path)})
                if paths:
                    self.db.insert_ignore(self.trash_table, [{"path": p} for p in paths])
                self.db.execute(self._delete_many, {"ids": list(chunk)})

    def trash_paths(self) -> list[str]:
        """Every path in the trash."""
        return [row[0] for row in self.db.execute(self._select_trash).fetchall()]

    def remove_from_trash(self, paths: Collection[str]) -> None:
        """Drop paths from the trash."""
        for chunk in _chunks(list(paths)):
            self.db.execute(self._delete_trash, {"paths": list(chunk)})
