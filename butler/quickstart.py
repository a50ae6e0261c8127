"""A five-minute tour: create a repository, put, query and get datasets.

Run with ``python -m butler.quickstart [REPO]`` (default ``./demo-repo``).
This is the README's first command until the pipeline demo exists.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import astropy.units as u
from astropy.table import Table
from astropy.time import Time

from . import Butler, CollectionType, DatasetType, Timespan


def _populate_dimensions(butler: Butler, n_visits: int, n_detectors: int) -> None:
    registry = butler.registry
    registry.insertDimensionData("instrument", {"name": "DemoCam", "detector_max": n_detectors,
                                                "visit_max": 10_000, "exposure_max": 10_000})
    registry.insertDimensionData("physical_filter", {"instrument": "DemoCam", "name": "DemoCam-r", "band": "r"},
                                 {"instrument": "DemoCam", "name": "DemoCam-g", "band": "g"})
    registry.insertDimensionData("day_obs", {"instrument": "DemoCam", "id": 20260101})
    registry.insertDimensionData("detector", *[
        {"instrument": "DemoCam", "id": d, "full_name": f"ccd{d:02d}"} for d in range(n_detectors)])
    start = Time("2026-01-01T03:00:00", scale="tai")
    registry.insertDimensionData("visit", *[
        {"instrument": "DemoCam", "id": v, "name": f"v{v}", "day_obs": 20260101,
         "physical_filter": "DemoCam-r" if v % 2 else "DemoCam-g", "exposure_time": 30.0 + v,
         "timespan": Timespan(start + v * 60 * u.s, start + (v * 60 + 30) * u.s)}
        for v in range(1, n_visits + 1)])


def run(repo: Path, n_visits: int = 6, n_detectors: int = 4) -> None:
    """Create ``repo`` afresh and walk through the main butler operations."""
    if repo.exists():
        shutil.rmtree(repo)
    t0 = time.perf_counter()
    Butler.makeRepo(repo)
    butler = Butler(repo, writeable=True, run="demo/run1")
    print(f"1. Created repository {repo} (SQLite registry + local datastore).")

    _populate_dimensions(butler, n_visits, n_detectors)
    print(f"2. Registered instrument DemoCam: {n_detectors} detectors, {n_visits} visits, 2 filters.")

    summary = DatasetType("visitSummary", ("instrument", "visit", "detector"), "StructuredDataDict",
                          universe=butler.dimensions)
    catalog = DatasetType("sourceTable", ("instrument", "visit"), "ArrowAstropy", universe=butler.dimensions)
    butler.registry.registerDatasetType(summary)
    butler.registry.registerDatasetType(catalog)
    for v in range(1, n_visits + 1):
        for d in range(n_detectors):
            butler.put({"visit": v, "detector": d, "seeing": 0.6 + 0.01 * v + 0.001 * d}, "visitSummary",
                       instrument="DemoCam", visit=v, detector=d)
        table = Table({"ra": [10.0 + v, 10.1 + v], "dec": [-5.0, -5.1], "flux": [100.0 * v, 200.0 * v]})
        table["flux"].unit = "nJy"
        butler.put(table, "sourceTable", instrument="DemoCam", visit=v)
    print(f"3. Put {n_visits * n_detectors} visitSummary dicts and {n_visits} sourceTable tables into demo/run1.")

    butler.collections.register("demo", CollectionType.CHAINED)
    butler.collections.redefine_chain("demo", ["demo/run1"])
    reader = Butler(repo, collections="demo", instrument="DemoCam")
    refs = reader.query_datasets("visitSummary", where="band = 'r' AND detector IN (0..1) AND visit.exposure_time > 32")
    print(f"4. Query 'band = r AND detector IN (0..1) AND visit.exposure_time > 32' found {len(refs)} datasets:")
    for ref in refs[:4]:
        print(f"     {ref.datasetType.name} {dict(ref.dataId.required)}")

    value = reader.get("visitSummary", visit=3, detector=1)
    columns = reader.get("sourceTable", visit=3, parameters={"columns": ["flux"]})
    print(f"5. get('visitSummary', visit=3, detector=1) -> {value}")
    print(f"   get('sourceTable', visit=3, columns=['flux']) -> flux {columns['flux'].tolist()} {columns['flux'].unit}")
    print(f"   stored at {reader.getURI('visitSummary', visit=3, detector=1)}")
    print(f"Done in {time.perf_counter() - t0:.1f} s. Explore it: Butler({str(repo)!r}, collections='demo').")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", default="demo-repo", help="where to create the repository")
    args = parser.parse_args(argv)
    run(Path(args.repo).absolute())
    return 0


if __name__ == "__main__":
    sys.exit(main())
