"""Registry fixtures: every registry test runs on SQLite and on PostgreSQL.

``registry`` is a fresh, empty registry; ``populated`` a fresh registry
holding the standard dimension records and dataset types described below;
``shared_registry`` is one populated registry *with datasets*, shared by a
whole module and never modified (read-only tests).

To keep the suite fast, fresh registries are not built statement by
statement for every test but come from templates made once per session with
`Registry.create` and `populate` (see `_Templates`).  Tests of creating or
reopening a registry use ``db_url`` (a fresh SQLite file or the fresh
PostgreSQL schema of ``postgres_url``) and call `Registry.create` directly.

Standard content (`populate`):

* instrument ``Cam`` (and an empty instrument ``Other``);
* physical filters ``Cam-r`` (band ``r``) and ``Cam-g`` (band ``g``);
* day_obs 20240101 (visits/exposures 1-4) and 20240102 (5-6);
* detectors 0-3, ``full_name`` ``D0``..``D3``; 0-2 are SCIENCE, 3 is GUIDE;
* visits and exposures 1-6: odd ones Cam-r, even ones Cam-g; exposure_time
  ``10 * id`` seconds; both observed over ``visit_timespan(id)`` = one minute
  starting ``id`` hours after 2024-01-01T00:00:00 TAI; visit ``n`` is named
  ``vn``, exposure ``n`` has obs_id ``en`` and group ``g1``;
* dataset types ``d`` (instrument, visit, detector; StructuredDataDict),
  ``bias`` (instrument, detector; calibration) and ``t`` (instrument;
  ArrowTable, which has components).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import astropy.time
import pytest
from astropy.time import TimeDelta

from butler import CollectionType, DatasetType, Timespan
from butler.registry import Database, Registry

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

T0 = astropy.time.Time("2024-01-01T00:00:00", scale="tai")


def visit_timespan(n: int) -> Timespan:
    """When visit (and exposure) ``n`` of the standard content was observed."""
    begin = T0 + TimeDelta(3600 * n, format="sec")
    return Timespan(begin, begin + TimeDelta(60, format="sec"))


def populate(registry: Registry) -> Registry:
    """Insert the standard dimension records and dataset types."""
    with registry.transaction():  # one commit: faster, above all on PostgreSQL
        _populate(registry)
    return registry


def _populate(registry: Registry) -> None:
    registry.insertDimensionData("instrument", {"name": "Cam", "detector_max": 4, "visit_max": 100},
                                 {"name": "Other"})
    registry.insertDimensionData("physical_filter", {"instrument": "Cam", "name": "Cam-r", "band": "r"},
                                 {"instrument": "Cam", "name": "Cam-g", "band": "g"})
    registry.insertDimensionData("day_obs", {"instrument": "Cam", "id": 20240101},
                                 {"instrument": "Cam", "id": 20240102})
    registry.insertDimensionData("group", {"instrument": "Cam", "name": "g1"})
    registry.insertDimensionData("detector", *[
        {"instrument": "Cam", "id": i, "full_name": f"D{i}", "purpose": "SCIENCE" if i < 3 else "GUIDE"}
        for i in range(4)
    ])
    common = [
        {"instrument": "Cam", "id": n, "physical_filter": "Cam-r" if n % 2 else "Cam-g",
         "day_obs": 20240101 if n < 5 else 20240102, "exposure_time": 10.0 * n, "timespan": visit_timespan(n)}
        for n in range(1, 7)
    ]
    registry.insertDimensionData("visit", *[{**c, "name": f"v{c['id']}"} for c in common])
    registry.insertDimensionData("exposure", *[{**c, "obs_id": f"e{c['id']}", "group": "g1"} for c in common])
    universe = registry.dimensions
    registry.registerDatasetType(DatasetType("d", ("instrument", "visit", "detector"), "StructuredDataDict",
                                             universe=universe))
    registry.registerDatasetType(DatasetType("bias", ("instrument", "detector"), "StructuredDataDict",
                                             universe=universe, isCalibration=True))
    registry.registerDatasetType(DatasetType("t", ("instrument",), "ArrowTable", universe=universe))


# Databases ----------------------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgres"``: every registry test runs on both."""
    return request.param


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path) -> str:
    """URL of an empty database: a SQLite file, or a fresh PostgreSQL schema (``postgres_url``)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/registry.sqlite3"
    return _without_commit_wait(request.getfixturevalue("postgres_url"))


def _without_commit_wait(url: str) -> str:
    """The PostgreSQL URL with ``synchronous_commit=off``: tests need no durability, only speed."""
    if "options=" in url:
        return url.replace("options=", "options=-csynchronous_commit%3Doff%20", 1)
    return url + ("&" if "?" in url else "?") + "options=-csynchronous_commit%3Doff"


def _postgres_schema(server_url: str, prefix: str) -> tuple[str, str, Callable[[], None]]:
    """A new PostgreSQL schema (for fixtures broader than one test): URL, name and a function dropping it."""
    import psycopg

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    sep = "&" if "?" in plain else "?"
    return _without_commit_wait(f"{plain}{sep}options=-csearch_path%3D{schema}"), schema, drop


@pytest.fixture
def open_databases() -> Iterator[Callable[[str], Database]]:
    """Open `Database` objects that are all closed when the test ends."""
    opened: list[Database] = []

    def open_database(url: str) -> Database:
        db = Database(url)
        opened.append(db)
        return db

    yield open_database
    for db in opened:
        db.close()


# Fresh registries from templates -------------------------------------------------------


class _Templates:
    """Registries built once per session with `Registry.create` (and `populate`), handed out fresh.

    SQLite: each test gets a copy of the template file.  PostgreSQL: creating
    the ~35 tables of a registry costs the server ~0.15 s however it is done,
    so each kind of registry lives in one working schema that is put back to
    the template's content after every test (tables a test created dropped,
    every row deleted and copied back from the template, all server-side).
    """

    def __init__(self, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
        self._request = request
        self._tmp = tmp_path_factory
        self._sqlite: dict[str, Path] = {}
        # kind -> (template schema, working schema, working URL)
        self._postgres: dict[str, tuple[str, str, str]] = {}
        self._cleanups: list[Callable[[], None]] = []

    def _create(self, url: str, kind: str) -> None:
        db = Database(url)
        try:
            registry = Registry.create(db)
            if kind == "populated":
                populate(registry)
        finally:
            db.close()  # for SQLite this also folds the WAL into the file

    def sqlite_copy(self, kind: str, destination: Path) -> str:
        """The URL of a new copy of the template SQLite registry ``kind``."""
        if kind not in self._sqlite:
            path = self._tmp.mktemp(f"template_{kind}") / "registry.sqlite3"
            self._create(f"sqlite:///{path}", kind)
            self._sqlite[kind] = path
        shutil.copyfile(self._sqlite[kind], destination)
        return f"sqlite:///{destination}"

    def postgres_working(self, kind: str) -> str:
        """The URL of the working PostgreSQL schema of registry ``kind`` (see `postgres_reset`)."""
        if kind not in self._postgres:
            server = self._request.getfixturevalue("postgres_server_url")
            template_url, template, drop_template = _postgres_schema(server, f"tmpl_{kind}")
            working_url, working, drop_working = _postgres_schema(server, f"work_{kind}")
            self._cleanups += [drop_working, drop_template]
            self._create(template_url, kind)
            self._create(working_url, kind)
            self._postgres[kind] = (template, working, working_url)
        return self._postgres[kind][2]

    def postgres_reset(self, kind: str) -> None:
        """Put the working schema of ``kind`` back to the template's content."""
        import psycopg

        template, working, _ = self._postgres[kind]
        server = self._request.getfixturevalue("postgres_server_url")
        plain = server.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute("SET lock_timeout = '20s'")  # fail, do not hang, if a test left a transaction open
            conn.execute(_RESET_SCHEMA.replace("{src}", template).replace("{dst}", working))

    def close(self) -> None:
        for cleanup in self._cleanups:
            cleanup()


# Tables are visited in creation (oid) order, which is foreign-key order:
# rows are deleted children first and copied back parents first.
_RESET_SCHEMA = """
DO $reset$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = '{dst}' AND c.relkind = 'r' AND c.relname NOT IN (
                 SELECT c2.relname FROM pg_class c2 JOIN pg_namespace n2 ON n2.oid = c2.relnamespace
                 WHERE n2.nspname = '{src}' AND c2.relkind = 'r') LOOP
        EXECUTE format('DROP TABLE %I.%I CASCADE', '{dst}', r.relname);
    END LOOP;
    FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = '{dst}' AND c.relkind = 'r' ORDER BY c.oid DESC LOOP
        EXECUTE format('DELETE FROM %I.%I', '{dst}', r.relname);
    END LOOP;
    FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = '{dst}' AND c.relkind = 'r' ORDER BY c.oid LOOP
        EXECUTE format('INSERT INTO %I.%I SELECT * FROM %I.%I', '{dst}', r.relname, '{src}', r.relname);
    END LOOP;
END
$reset$;
"""


@pytest.fixture(scope="session")
def _templates(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Templates]:
    templates = _Templates(request, tmp_path_factory)
    yield templates
    templates.close()


def _fresh_registry(kind: str, backend: str, templates: _Templates, tmp_path: Path) -> Iterator[Registry]:
    if backend == "sqlite":
        db = Database(templates.sqlite_copy(kind, tmp_path / f"{kind}_registry.sqlite3"))
        try:
            yield Registry.open(db, "test registry")
        finally:
            db.close()
        return
    db = Database(templates.postgres_working(kind))
    try:
        yield Registry.open(db, "test registry")
    finally:
        db.close()
        templates.postgres_reset(kind)


@pytest.fixture
def registry(backend: str, _templates: _Templates, tmp_path: Path) -> Iterator[Registry]:
    """A new, empty registry with the default universe."""
    yield from _fresh_registry("empty", backend, _templates, tmp_path)


@pytest.fixture
def populated(backend: str, _templates: _Templates, tmp_path: Path) -> Iterator[Registry]:
    """A new registry holding the standard dimension records and dataset types."""
    yield from _fresh_registry("populated", backend, _templates, tmp_path)


@pytest.fixture(scope="module", params=BACKENDS)
def shared_registry(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Registry]:
    """A populated registry with datasets, shared by a module; tests must not modify it.

    Datasets of ``d``: every (visit, detector) in RUN ``r1``; (visits 1-2,
    detector 0) again in RUN ``r2``; CHAINED ``chain`` = (r2, r1).
    """
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('shared')}/registry.sqlite3"
        cleanup = None
    else:
        url, _, cleanup = _postgres_schema(request.getfixturevalue("postgres_server_url"), "shared")
    db = Database(url)
    try:
        registry = populate(Registry.create(db))
        registry.registerRun("r1")
        registry.registerRun("r2")
        registry.insertDatasets("d", [{"instrument": "Cam", "visit": v, "detector": d}
                                      for v in range(1, 7) for d in range(4)], run="r1")
        registry.insertDatasets("d", [{"instrument": "Cam", "visit": v, "detector": 0} for v in (1, 2)],
                                run="r2")
        registry.registerCollection("chain", CollectionType.CHAINED)
        registry.setCollectionChain("chain", ["r2", "r1"])
        yield registry
    finally:
        db.close()
        if cleanup is not None:
            cleanup()


@pytest.fixture(name="visit_timespan")
def _visit_timespan_fixture() -> Callable[[int], Timespan]:
    """`visit_timespan`, for tests (conftest modules are not importable)."""
    return visit_timespan
