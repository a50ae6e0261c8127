"""Fixtures for the end-to-end Butler tests: real repositories on SQLite and on PostgreSQL.

``butler`` is a writeable `Butler` (default run ``run1``) on a fresh
repository holding the standard content below; it runs every test twice,
once with a SQLite registry and once with a PostgreSQL registry (marked
``postgres``).  ``local_butler`` is the SQLite one alone, for tests of the
file datastore where the registry's database makes no difference.
``shared_butler`` is one populated repository *with datasets* per module and
backend, for tests that only read.

Standard content (`populate`):

* instrument ``Cam``, detectors 0-3 named ``D0``..``D3``;
* physical filters ``Cam-r`` (band ``r``) and ``Cam-g`` (band ``g``);
* day_obs 20240101 and group ``g1``;
* visits and exposures 1-4: odd ones ``Cam-r``, even ones ``Cam-g``,
  exposure_time ``10 * n`` s, observed over `visit_timespan` (n) = one
  minute starting n hours after 2024-01-01T00:00 TAI; visit n is named
  ``vn``, exposure n has obs_id ``en`` and seq_num ``n``;
* dataset types ``summary`` (instrument, visit, detector; StructuredDataDict),
  ``catalog`` (instrument, visit; ArrowAstropy), ``array`` (instrument,
  visit, detector; NumpyArray), ``raw`` (instrument, exposure, detector;
  StructuredDataDict) and the calibrations ``bias`` (instrument, detector)
  and ``flat`` (instrument, detector, physical_filter).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import astropy.time
import pytest
import sqlalchemy as sa
from astropy.time import TimeDelta

from butler import Butler, DatasetType, Timespan

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

INSTRUMENT = "Cam"
RUN = "run1"
T0 = astropy.time.Time("2024-01-01T00:00:00", scale="tai")

# Files a repository holds that are not datasets.
_NOT_DATASETS = ("butler.yaml", "gen3.sqlite3", "gen3.sqlite3-wal", "gen3.sqlite3-shm",
                 "gen3.sqlite3-journal")


def visit_timespan(n: int) -> Timespan:
    """When visit (and exposure) ``n`` was observed: one minute from ``T0`` + n hours."""
    begin = T0 + TimeDelta(3600 * n, format="sec")
    return Timespan(begin, begin + TimeDelta(60, format="sec"))


def populate(butler: Butler) -> Butler:
    """Insert the standard dimension records and dataset types (one transaction)."""
    registry = butler.registry
    universe = butler.dimensions
    with registry.transaction():
        registry.insertDimensionData("instrument", {"name": INSTRUMENT, "detector_max": 4, "visit_max": 100,
                                                    "exposure_max": 100})
        registry.insertDimensionData("physical_filter",
                                     {"instrument": INSTRUMENT, "name": "Cam-r", "band": "r"},
                                     {"instrument": INSTRUMENT, "name": "Cam-g", "band": "g"})
        registry.insertDimensionData("day_obs", {"instrument": INSTRUMENT, "id": 20240101})
        registry.insertDimensionData("group", {"instrument": INSTRUMENT, "name": "g1"})
        registry.insertDimensionData("detector", *[
            {"instrument": INSTRUMENT, "id": i, "full_name": f"D{i}"} for i in range(4)])
        common = [
            {"instrument": INSTRUMENT, "id": n, "physical_filter": "Cam-r" if n % 2 else "Cam-g",
             "day_obs": 20240101, "exposure_time": 10.0 * n, "timespan": visit_timespan(n)}
            for n in range(1, 5)
        ]
        registry.insertDimensionData("visit", *[{**c, "name": f"v{c['id']}"} for c in common])
        registry.insertDimensionData("exposure", *[
            {**c, "obs_id": f"e{c['id']}", "group": "g1", "seq_num": c["id"]} for c in common])
        for dataset_type in (
            DatasetType("summary", ("instrument", "visit", "detector"), "StructuredDataDict",
                        universe=universe),
            DatasetType("catalog", ("instrument", "visit"), "ArrowAstropy", universe=universe),
            DatasetType("array", ("instrument", "visit", "detector"), "NumpyArray", universe=universe),
            DatasetType("raw", ("instrument", "exposure", "detector"), "StructuredDataDict",
                        universe=universe),
            DatasetType("bias", ("instrument", "detector"), "StructuredDataDict", universe=universe,
                        isCalibration=True),
            DatasetType("flat", ("instrument", "detector", "physical_filter"), "StructuredDataDict",
                        universe=universe, isCalibration=True),
        ):
            registry.registerDatasetType(dataset_type)
    return butler


def _without_commit_wait(url: str) -> str:
    """The PostgreSQL URL with ``synchronous_commit=off``: tests need no durability, only speed."""
    if "options=" in url:
        return url.replace("options=", "options=-csynchronous_commit%3Doff%20", 1)
    return url + ("&" if "?" in url else "?") + "options=-csynchronous_commit%3Doff"


def make_repo(root: Path | str, db_url: str | None = None, **config: dict) -> str:
    """Create a repository at ``root`` (registry in ``db_url`` if given); returns the root."""
    overrides = dict(config)
    if db_url is not None:
        overrides.setdefault("registry", {})["db"] = _without_commit_wait(db_url)
    Butler.makeRepo(os.fspath(root), config=overrides or None)
    return os.fspath(root)


@pytest.fixture
def open_butlers() -> Iterator[Callable[..., Butler]]:
    """Open butlers (``open_butler(root, **kwargs)``) that are all closed when the test ends."""
    opened: list[Butler] = []

    def open_butler(root: str, **kwargs) -> Butler:
        butler = Butler(root, **kwargs)
        opened.append(butler)
        return butler

    yield open_butler
    for butler in opened:
        butler.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgres``."""
    return request.param


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    """The registry URL for ``backend``: `None` (SQLite in the repository) or a fresh PostgreSQL schema."""
    if backend == "sqlite":
        return None
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A populated SQLite repository, made once and copied for each test (much faster than making it)."""
    root = make_repo(tmp_path_factory.mktemp("template") / "repo")
    with Butler(root, writeable=True) as butler:
        populate(butler)
    return Path(root)


def _copy_template(template: Path, root: Path) -> str:
    # Closing the template's butler checkpointed SQLite's WAL: butler.yaml and the database are all.
    shutil.copytree(template, root, ignore=shutil.ignore_patterns("*-wal", "*-shm"))
    return os.fspath(root)


@pytest.fixture
def repo(tmp_path: Path, db_url: str | None, request: pytest.FixtureRequest) -> str:
    """Root of a fresh repository with the standard content, on each backend."""
    if db_url is None:
        return _copy_template(request.getfixturevalue("sqlite_template"), tmp_path / "repo")
    root = make_repo(tmp_path / "repo", db_url)
    with Butler(root, writeable=True) as butler:
        populate(butler)
    return root


@pytest.fixture
def butler(repo: str, open_butlers: Callable[..., Butler]) -> Butler:
    """A writeable butler (run ``run1``, searching ``run1``) on `repo`."""
    return open_butlers(repo, run=RUN)


@pytest.fixture
def local_butler(tmp_path: Path, sqlite_template: Path, open_butlers: Callable[..., Butler]) -> Butler:
    """Like `butler`, on SQLite only (for datastore behaviour, where the database does not matter)."""
    return open_butlers(_copy_template(sqlite_template, tmp_path / "repo"), run=RUN)


@pytest.fixture(scope="module", params=BACKENDS)
def shared_butler(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Butler]:
    """A populated repository with datasets, shared by a module; tests must not modify it.

    ``summary`` datasets: every (visit, detector) in RUN ``run1`` with value
    ``{"visit": v, "detector": d, "run": "run1"}``; visits 1-2 of detector 0
    again in RUN ``run2``; CHAINED ``chain`` = (run2, run1).
    """
    from butler import CollectionType

    root = tmp_path_factory.mktemp("shared") / "repo"
    cleanup = None
    db = None
    if request.param == "postgres":
        db, cleanup = _module_postgres_schema(request.getfixturevalue("postgres_server_url"))
    make_repo(root, db)
    butler = populate(Butler(os.fspath(root), run=RUN))
    try:
        with butler.transaction():
            for v in range(1, 5):
                for d in range(4):
                    butler.put({"visit": v, "detector": d, "run": RUN}, "summary", instrument=INSTRUMENT,
                               visit=v, detector=d)
            butler.registry.registerRun("run2")
            for v in (1, 2):
                butler.put({"visit": v, "detector": 0, "run": "run2"}, "summary", instrument=INSTRUMENT,
                           visit=v, detector=0, run="run2")
            butler.collections.register("chain", CollectionType.CHAINED)
            butler.collections.redefine_chain("chain", ["run2", "run1"])
        with Butler(os.fspath(root), collections="chain", instrument=INSTRUMENT) as reader:
            yield reader
    finally:
        butler.close()
        if cleanup is not None:
            cleanup()


def _module_postgres_schema(server_url: str) -> tuple[str, Callable[[], None]]:
    """A fresh PostgreSQL schema that outlives one test (``postgres_url`` is per test)."""
    import psycopg

    schema = f"b_{uuid.uuid4().hex[:12]}"
    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    sep = "&" if "?" in plain else "?"
    return f"{plain}{sep}options=-csearch_path%3D{schema}", drop


# Inspection helpers (fixtures, since conftest modules are not importable) ----------------------------


def _dataset_files(butler: Butler) -> list[str]:
    root = butler.datastore.root
    if not root.is_local:
        prefix = root.path.rstrip("/") + "/"
        return sorted(p[len(prefix):] for p in root.fs.find(root.path) if not p.endswith(_NOT_DATASETS))
    found = []
    for directory, _, names in os.walk(root.path):
        for name in names:
            if name not in _NOT_DATASETS:
                found.append(os.path.relpath(os.path.join(directory, name), root.path))
    return sorted(found)


def _row_counts(butler: Butler) -> dict[str, int]:
    tables = butler.registry.tables
    db = butler.registry.db
    return {
        name: db.fetch_all(sa.select(sa.func.count()).select_from(getattr(tables, name)))[0][0]
        for name in ("dataset", "datastore_records", "collection")
    }


@pytest.fixture(name="dataset_files")
def _dataset_files_fixture() -> Callable[[Butler], list[str]]:
    """``dataset_files(butler)``: the files in the butler's datastore root (not its config or SQLite DB)."""
    return _dataset_files


@pytest.fixture(name="row_counts")
def _row_counts_fixture() -> Callable[[Butler], dict[str, int]]:
    """``row_counts(butler)``: numbers of rows in the dataset, datastore-record and collection tables."""
    return _row_counts


@pytest.fixture(name="populate_butler")
def _populate_fixture() -> Callable[[Butler], Butler]:
    """`populate`, for tests that make their own repositories."""
    return populate


@pytest.fixture(name="visit_timespan")
def _visit_timespan_fixture() -> Callable[[int], Timespan]:
    """`visit_timespan`, for tests."""
    return visit_timespan
