"""Registry fixtures: every registry test runs on SQLite and on PostgreSQL.

``registry`` is a fresh, empty registry; ``populated`` adds the standard
dimension records and dataset types described below; ``shared_registry`` is
one populated registry *with datasets*, shared by a whole module and never
modified (queries only).

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

import uuid
from collections.abc import Callable, Iterator

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


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """URL of an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/registry.sqlite3"
    return _without_commit_wait(request.getfixturevalue("postgres_url"))


def _without_commit_wait(url: str) -> str:
    """The PostgreSQL URL with ``synchronous_commit=off``: tests need no durability, only speed."""
    if "options=" in url:
        return url.replace("options=", "options=-csynchronous_commit%3Doff%20", 1)
    return url + ("&" if "?" in url else "?") + "options=-csynchronous_commit%3Doff"


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


@pytest.fixture
def registry(db_url: str, open_databases: Callable[[str], Database]) -> Registry:
    """A new, empty registry with the default universe."""
    return Registry.create(open_databases(db_url))


@pytest.fixture
def populated(registry: Registry) -> Registry:
    """A registry holding the standard dimension records and dataset types."""
    return populate(registry)


@pytest.fixture(scope="module", params=BACKENDS)
def shared_registry(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Registry]:
    """A populated registry with datasets, shared by a module; tests must not modify it.

    Datasets of ``d``: every (visit, detector) in RUN ``r1``; (visits 1-2,
    detector 0) again in RUN ``r2``; CHAINED ``chain`` = (r2, r1).
    """
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('queries')}/registry.sqlite3"
        cleanup = None
    else:
        url, cleanup = _module_postgres_schema(request.getfixturevalue("postgres_server_url"))
    db = Database(url)
    try:
        registry = populate(Registry.create(db))
        registry.registerRun("r1")
        registry.registerRun("r2")
        registry.insertDatasets("d", [{"instrument": "Cam", "visit": v, "detector": d}
                                      for v in range(1, 7) for d in range(4)], run="r1")
        registry.insertDatasets("d", [{"instrument": "Cam", "visit": v, "detector": 0} for v in (1, 2)], run="r2")
        registry.registerCollection("chain", CollectionType.CHAINED)
        registry.setCollectionChain("chain", ["r2", "r1"])
        yield registry
    finally:
        db.close()
        if cleanup is not None:
            cleanup()


def _module_postgres_schema(server_url: str) -> tuple[str, Callable[[], None]]:
    """A fresh PostgreSQL schema that outlives one test (``postgres_url`` is per test)."""
    import psycopg

    schema = f"q_{uuid.uuid4().hex[:12]}"
    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    sep = "&" if "?" in plain else "?"
    return _without_commit_wait(f"{plain}{sep}options=-csearch_path%3D{schema}"), drop


@pytest.fixture(name="visit_timespan")
def _visit_timespan_fixture() -> Callable[[int], Timespan]:
    """`visit_timespan`, for tests (conftest modules are not importable)."""
    return visit_timespan
