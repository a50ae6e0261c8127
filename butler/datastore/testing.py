"""Test support: a database with just enough registry rows for datastore records.

`file_datastore_records.dataset_id` refers to ``dataset.id``, so datastore
tests need dataset rows; `DatasetRowMaker` inserts minimal ones (a RUN
collection, a dimension group, a dataset type, the dataset) without the
registry.
"""

from __future__ import annotations

__all__ = ["DatasetRowMaker", "make_test_database"]

import os
import time
from collections.abc import Iterable

import sqlalchemy as sa

from ..dataset_ref import DatasetRef
from ..dimensions import DimensionUniverse
from ..registry.database import Database
from ..registry.schema import StaticTables, make_static_tables


def make_test_database(url_or_path: str, universe: DimensionUniverse | None = None
                       ) -> tuple[Database, StaticTables]:
    """A `Database` with the static tables created.

    Parameters
    ----------
    url_or_path : `str`
        SQLAlchemy URL, or the path of a SQLite file to create.
    universe : `DimensionUniverse`, optional
        Dimension universe of the tables (the default one otherwise).
    """
    if "://" not in url_or_path:
        url_or_path = f"sqlite:///{os.path.abspath(url_or_path)}"
    db = Database(url_or_path)
    tables = make_static_tables(universe or DimensionUniverse.default())
    with db.transaction() as connection:
        tables.metadata.create_all(connection)
    return db, tables


class DatasetRowMaker:
    """Insert the registry rows datastore records need, for tests.

    Parameters
    ----------
    db : `Database`
        The database.
    tables : `StaticTables`
        Its tables.
    """

    def __init__(self, db: Database, tables: StaticTables):
        self.db = db
        self.tables = tables
        self._runs: dict[str, int] = {}
        self._types: dict[str, int] = {}

    def _run_id(self, run: str) -> int:
        if run not in self._runs:
            result = self.db.execute(self.tables.collection.insert().values(name=run, type=1))
            collection_id = result.inserted_primary_key[0]
            self.db.execute(self.tables.run.insert().values(collection_id=collection_id))
            self._runs[run] = collection_id
        return self._runs[run]

    def _type_id(self, ref: DatasetRef) -> int:
        name = ref.datasetType.nameAndComponent()[0]
        if name not in self._types:
            required = ",".join(ref.datasetType.dimensions.required)
            group = self.db.fetch_all(sa.select(self.tables.dimension_group.c.dimension_group_id)
                                      .where(self.tables.dimension_group.c.required == required))
            if group:
                group_id = group[0][0]
            else:
                group_id = self.db.execute(self.tables.dimension_group.insert().values(required=required)
                                           ).inserted_primary_key[0]
            result = self.db.execute(self.tables.dataset_type.insert().values(
                name=name, storage_class=ref.datasetType.storageClass_name, dimension_group_id=group_id,
                is_calibration=False, tag_table="tags_test", calib_table=None))
            self._types[name] = result.inserted_primary_key[0]
        return self._types[name]

    def register(self, refs: DatasetRef | Iterable[DatasetRef]) -> None:
        """Insert dataset rows (and what they need) for ``refs``."""
        if isinstance(refs, DatasetRef):
            refs = [refs]
        now = time.time_ns()
        rows = [{"id": ref.id, "dataset_type_id": self._type_id(ref), "run_id": self._run_id(ref.run),
                 "ingest_date": now} for ref in refs]
        if rows:
            self.db.insert_ignore(self.tables.dataset, rows)
