"""Index datasets by ingest date, for ``where ingest_date > T'...'`` queries.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("dataset_ingest_date", "dataset", ["ingest_date"])


def downgrade() -> None:
    op.drop_index("dataset_ingest_date", table_name="dataset")
