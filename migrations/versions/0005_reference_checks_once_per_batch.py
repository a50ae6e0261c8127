"""Drop the per-row foreign keys to dataset types and collections from dataset and tags tables (PostgreSQL).

Each per-row check looks up and locks the referenced row (4-9 us a row on
PostgreSQL); three of them made a third of the time of a bulk dataset insert.
The registry now takes those locks once per insert (``FOR KEY SHARE``), and
removing a dataset type or a collection locks its row (``FOR UPDATE``) and
deletes the collection's memberships itself. Kept: ``dataset.run_id`` and
the tags tables' ``dataset_id`` (memberships go with their dataset).

SQLite's checks cost little and dropping a constraint there means rebuilding
the table, so SQLite repositories keep the constraints their tables were made
with (new tables have none); the registry works the same with or without them.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (constrained column, referred table, referred column, ON DELETE) of the keys dropped.
_DATASET_KEYS = [("dataset_type_id", "dataset_type", "dataset_type_id", None)]
_TAGS_KEYS = [("dataset_type_id", "dataset_type", "dataset_type_id", None),
              ("collection_id", "collection", "collection_id", "CASCADE")]


def _tags_tables(bind: sa.Connection) -> list[str]:
    dataset_type = sa.table("dataset_type", sa.column("tag_table"))
    return sorted(bind.execute(sa.select(dataset_type.c.tag_table).distinct()).scalars())


def _targets(bind: sa.Connection) -> list[tuple[str, list[tuple]]]:
    return [("dataset", _DATASET_KEYS)] + [(table, _TAGS_KEYS) for table in _tags_tables(bind)]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    inspector = sa.inspect(bind)
    for table, keys in _targets(bind):
        dropped = {(column, referred) for column, referred, _, _ in keys}
        for key in inspector.get_foreign_keys(table):
            columns = key["constrained_columns"]
            if len(columns) == 1 and (columns[0], key["referred_table"]) in dropped and key.get("name"):
                op.drop_constraint(key["name"], table, type_="foreignkey")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    inspector = sa.inspect(bind)
    for table, keys in _targets(bind):
        present = {(tuple(k["constrained_columns"]), k["referred_table"]) for k in inspector.get_foreign_keys(table)}
        for column, referred, referred_column, ondelete in keys:
            if ((column,), referred) not in present:
                op.create_foreign_key(f"{table}_{column}_fkey", table, referred, [column], [referred_column],
                                      ondelete=ondelete)
