"""What the side-by-side benchmarks share: importing skybutler from a checkout, the version of
the implementation measured, and a scratch PostgreSQL database per run.

Each benchmark runs as a script (``python benchmarks/<name>.py``), for skybutler in this
interpreter and for LSST in a child interpreter; both import this module from the script's
directory.
"""

from __future__ import annotations

__all__ = ["REPO_ROOT", "dist_version", "import_skybutler", "scratch_postgres_database"]

import contextlib
import importlib
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def import_skybutler() -> None:
    """Make ``import butler`` work, from the repository itself if skybutler is not installed."""
    try:
        importlib.import_module("butler")
    except ImportError:
        sys.path.insert(0, str(REPO_ROOT))


def dist_version(dist: str, module: str) -> str:
    """The installed version of distribution ``dist``, else ``module.__version__``, else "unknown"."""
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:  # noqa: BLE001 - any failure just means an unknown version
        mod = sys.modules.get(module)
        return str(getattr(mod, "__version__", "unknown"))


def _admin_engine(url: str):
    import sqlalchemy as sa

    try:
        importlib.import_module("psycopg")
        driver_url = sa.engine.make_url(url).set(drivername="postgresql+psycopg")
    except ImportError:
        driver_url = sa.engine.make_url(url).set(drivername="postgresql+psycopg2")
    return sa.create_engine(driver_url, isolation_level="AUTOCOMMIT")


@contextlib.contextmanager
def scratch_postgres_database(server_url: str, prefix: str) -> Iterator[str]:
    """A fresh database (with btree_gist, which LSST requires) that is dropped afterwards.

    Parameters
    ----------
    server_url : `str`
        A PostgreSQL server URL whose user may ``CREATE DATABASE``.
    prefix : `str`
        Start of the database's name (a random suffix follows).

    Yields
    ------
    url : `str`
        The URL of the new database.
    """
    import sqlalchemy as sa

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine(server_url)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(server_url).set(database=name)
    try:
        engine = _admin_engine(url.render_as_string(hide_password=False))
        with engine.connect() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS btree_gist"))
        engine.dispose()
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
