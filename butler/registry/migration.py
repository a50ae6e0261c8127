"""Schema revisions: create, check and migrate a registry database with alembic."""

from __future__ import annotations

__all__ = ["SchemaMigrator", "head_revision"]

import importlib.resources
import logging
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ..dimensions import DimensionUniverse
from ..errors import IncompatibleSchemaError

# Alembic announces its dialect at INFO on every repository open; keep that out of
# `--log-level INFO` unless someone asks for alembic's logger by name.
_ALEMBIC_LOG = logging.getLogger("alembic.runtime.migration")
if _ALEMBIC_LOG.level == logging.NOTSET:
    _ALEMBIC_LOG.setLevel(logging.WARNING)
from .database import Database


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(importlib.resources.files("migrations")))
    return config


def head_revision() -> str:
    """The schema revision this software writes and expects."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


class SchemaMigrator:
    """Runs alembic against a registry `Database`."""

    def __init__(self, db: Database):
        self._db = db

    def _run(self, fn: Any, *args: Any, universe: DimensionUniverse | None = None) -> None:
        config = _alembic_config()
        with self._db.engine.begin() as conn:
            config.attributes["connection"] = conn
            config.attributes["universe"] = universe
            fn(config, *args)

    def current(self) -> str | None:
        """The revision the database is at (`None` if it has no schema)."""
        with self._db.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def create(self, universe: DimensionUniverse) -> None:
        """Create the schema from nothing, up to the head revision."""
        self._run(command.upgrade, "head", universe=universe)

    def upgrade(self, revision: str = "head") -> None:
        """Apply migrations up to ``revision``."""
        self._run(command.upgrade, revision)

    def downgrade(self, revision: str) -> None:
        """Revert migrations down to ``revision``."""
        self._run(command.downgrade, revision)

    def history(self) -> list[tuple[str, str]]:
        """Every known revision and its one-line description, oldest first."""
        script = ScriptDirectory.from_config(_alembic_config())
        return [(r.revision, (r.doc or "").splitlines()[0]) for r in reversed(list(script.walk_revisions()))]

    def check(self, where: str) -> None:
        """Raise unless the database is at the head revision.

        Raises
        ------
        IncompatibleSchemaError
            Naming the revisions and the command that fixes it.
        """
        current = self.current()
        head = head_revision()
        if current == head:
            return
        if current is None:
            raise IncompatibleSchemaError(
                f"The registry database of {where} has no butler schema (no alembic_version); "
                "create a repository with `butler create` first."
            )
        known = {r for r, _ in self.history()}
        if current not in known:
            raise IncompatibleSchemaError(
                f"The registry of {where} is at schema revision {current}, which this software does not know "
                f"(it expects {head}); use a newer version of this package."
            )
        raise IncompatibleSchemaError(
            f"The registry of {where} is at schema revision {current}, but this software expects {head}. "
            f"Run `butler migrate upgrade {where}` to migrate it."
        )


def table_names(db: Database) -> list[str]:
    """Names of the tables in the database (for diagnostics)."""
    return sa.inspect(db.engine).get_table_names()
