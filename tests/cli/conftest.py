"""Fixtures for the ``butler`` command tests: click's runner and real repositories.

``repo`` is the path of a fresh SQLite repository with the content below
(built once per session, copied per test); ``pg_repo`` the same content with
a PostgreSQL registry (fresh schema per test). ``invoke(*args, input=None)``
runs ``butler ARGS`` in-process and returns click's `Result`; it fails the
test with the output when a command crashes with an unexpected exception.

Content:

* instrument ``Cam``, detectors 0-3 (``full_name`` ``D0``..``D3``), physical
  filters ``Cam-r`` (band r) and ``Cam-g`` (band g), day_obs 20240101;
* visits 1-4 (odd ``Cam-r``, even ``Cam-g``), ``exposure_time`` 10*n s,
  observed one minute from 2024-01-01T00:00 TAI + n hours;
* dataset types ``summary`` (instrument, visit, detector;
  StructuredDataDict) and calibration ``bias`` (instrument, detector;
  StructuredDataDict);
* RUN ``run1``: ``summary`` for visits 1-4 x detectors 0-3 (16 datasets,
  each the dict ``{"visit": v, "detector": d}``); RUN ``run2``: ``summary``
  for visit 1 x detectors 0-3 (4 datasets, ``{"visit": v, "detector": d, "rerun": True}``);
* RUN ``calib/bias``: ``bias`` for detectors 0-3, certified in CALIBRATION
  ``calib`` from 2024-01-01 to 2024-02-01 TAI;
* TAGGED ``tagged`` holding run1's visit-2 datasets; CHAINED ``chain`` =
  [run2, run1].
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import astropy.time
import pytest
from astropy.time import TimeDelta
from click.testing import Result

from butler import Butler, CollectionType, DatasetType, Timespan
from cli_runner import make_invoker, restoring_logging

INSTRUMENT = "Cam"
T0 = astropy.time.Time("2024-01-01T00:00:00", scale="tai")


def visit_timespan(n: int) -> Timespan:
    begin = T0 + TimeDelta(3600 * n, format="sec")
    return Timespan(begin, begin + TimeDelta(60, format="sec"))


def populate(butler: Butler) -> None:
    """Fill a fresh repository with the content described in the module docstring."""
    registry = butler.registry
    with registry.transaction():
        registry.insertDimensionData("instrument", {"name": INSTRUMENT, "detector_max": 4, "visit_max": 100,
                                                    "exposure_max": 100})
        registry.insertDimensionData("physical_filter",
                                     {"instrument": INSTRUMENT, "name": "Cam-r", "band": "r"},
                                     {"instrument": INSTRUMENT, "name": "Cam-g", "band": "g"})
        registry.insertDimensionData("day_obs", {"instrument": INSTRUMENT, "id": 20240101})
        registry.insertDimensionData("detector", *[
            {"instrument": INSTRUMENT, "id": i, "full_name": f"D{i}"} for i in range(4)])
        registry.insertDimensionData("visit", *[
            {"instrument": INSTRUMENT, "id": n, "name": f"v{n}", "physical_filter": "Cam-r" if n % 2 else "Cam-g",
             "day_obs": 20240101, "exposure_time": 10.0 * n, "timespan": visit_timespan(n)}
            for n in range(1, 5)])
        registry.registerDatasetType(DatasetType("summary", ("instrument", "visit", "detector"),
                                                 "StructuredDataDict", universe=butler.dimensions))
        registry.registerDatasetType(DatasetType("bias", ("instrument", "detector"), "StructuredDataDict",
                                                 universe=butler.dimensions, isCalibration=True))
        for run in ("run1", "run2", "calib/bias"):
            registry.registerRun(run)
    for v in range(1, 5):
        for d in range(4):
            butler.put({"visit": v, "detector": d}, "summary", instrument=INSTRUMENT, visit=v, detector=d,
                       run="run1")
    for d in range(4):
        butler.put({"visit": 1, "detector": d, "rerun": True}, "summary", instrument=INSTRUMENT, visit=1,
                   detector=d, run="run2")
    biases = [butler.put({"detector": d}, "bias", instrument=INSTRUMENT, detector=d, run="calib/bias")
              for d in range(4)]
    registry.registerCollection("calib", CollectionType.CALIBRATION)
    registry.certify("calib", biases, Timespan(T0, astropy.time.Time("2024-02-01T00:00:00", scale="tai")))
    registry.registerCollection("tagged", CollectionType.TAGGED)
    registry.associate("tagged", butler.query_datasets("summary", collections="run1", where="visit = 2",
                                                       instrument=INSTRUMENT))
    registry.registerCollection("chain", CollectionType.CHAINED)
    registry.setCollectionChain("chain", ["run2", "run1"])


@pytest.fixture(scope="session")
def _template_repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli-template") / "repo"
    Butler.makeRepo(root)
    butler = Butler(root, writeable=True)
    populate(butler)
    butler.close()
    return root


@pytest.fixture
def repo(_template_repo, tmp_path) -> str:
    """A fresh copy of the standard SQLite repository; its path as a string."""
    target = tmp_path / "repo"
    shutil.copytree(_template_repo, target)
    return str(target)


@pytest.fixture
def pg_repo(postgres_url, tmp_path) -> str:
    """The standard content in a repository whose registry is in a fresh PostgreSQL schema."""
    root = tmp_path / "pg-repo"
    Butler.makeRepo(root, config={"registry": {"db": postgres_url}})
    butler = Butler(root, writeable=True)
    populate(butler)
    butler.close()
    return str(root)


@pytest.fixture
def invoke() -> Callable[..., Result]:
    """Run ``butler ARGS`` through click's runner; unexpected exceptions fail the test loudly."""
    return make_invoker()


@pytest.fixture(autouse=True)
def restore_logging():
    """The CLI configures logging process-wide, as it should in its own process; undo it between tests."""
    yield from restoring_logging()
