"""Drop the foreign keys from tags tables to dimension tables (PostgreSQL).

Data IDs are checked against their dimension records when datasets are
added, and records are never deleted; on PostgreSQL the per-row foreign-key
checks, which lock the referenced visit and detector rows, took half the time
of a bulk dataset insert. SQLite's checks cost little and dropping a
constraint there means rebuilding the table, so SQLite repositories keep the
constraints their tags tables were made with (new tags tables have none).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import context, op

from butler.dimensions import DimensionUniverse

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _universe(bind: sa.Connection) -> DimensionUniverse:
    universe = context.config.attributes.get("universe")
    if universe is not None:
        return universe
    attributes = sa.table("butler_attributes", sa.column("name"), sa.column("value"))
    value = bind.execute(sa.select(attributes.c.value)
                         .where(attributes.c.name == "config:dimensions.yaml")).scalar()
    return DimensionUniverse.from_yaml(value) if value is not None else DimensionUniverse.default()


def _tags_tables(bind: sa.Connection) -> list[str]:
    dataset_type = sa.table("dataset_type", sa.column("tag_table"))
    return sorted(bind.execute(sa.select(dataset_type.c.tag_table).distinct()).scalars())


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    universe = _universe(bind)
    inspector = sa.inspect(bind)
    for table in _tags_tables(bind):
        for key in inspector.get_foreign_keys(table):
            if key["referred_table"] in universe.elements and key.get("name"):
                op.drop_constraint(key["name"], table, type_="foreignkey")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    universe = _universe(bind)
    dimension_names = {d.name for d in universe.getStaticDimensions()}
    inspector = sa.inspect(bind)
    for table in _tags_tables(bind):
        columns = [c["name"] for c in inspector.get_columns(table)]
        group = universe.conform([c for c in columns if c in dimension_names])
        # The keys revision 0001 made (frozen here: migrations do not follow later schema code).
        for name in group.required:
            dimension = universe[name]
            if not dimension.has_own_table:
                continue
            local = [d.name for d in dimension.required]
            remote = [d.name if d is not dimension else dimension.primary_key.name for d in dimension.required]
            op.create_foreign_key(f"fk_{table}_{name}", table, name, local, remote)
