"""Initial registry schema: static tables and one table per dimension element.

The element tables depend on the repository's dimension universe, which the
butler passes in ``config.attributes["universe"]``.  Per-dataset-type tags and
calibs tables are created later, when dataset types are registered.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import context, op

from butler.registry.schema import make_static_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    universe = context.config.attributes["universe"]
    make_static_tables(universe).metadata.create_all(op.get_bind())


def downgrade() -> None:
    bind = op.get_bind()
    metadata = sa.MetaData()
    metadata.reflect(bind)
    keep = {"alembic_version"}
    metadata.drop_all(bind, tables=[t for t in metadata.sorted_tables if t.name not in keep])
