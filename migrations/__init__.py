"""Alembic migrations of the registry schema.

Run them with ``butler migrate upgrade|downgrade|current REPO``; the schema
revision a repository is at is stored in its ``alembic_version`` table.
"""
