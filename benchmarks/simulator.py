#!/usr/bin/env python3
"""MegaPrime raw simulator benchmark: seconds per CCD-exposure written, by type and compression.

Workload (a temporary directory on the local disk; one process, BLAS/OpenMP limited to one
thread, so the numbers are single-threaded):

1. ``MegaPrimeSimulator(seed=1)`` and the truth catalog of a 0.8-degree field around
   (150.0, 2.2) in r (``truth_s``, once per field).
2. For each type OBJECT (300 s, r, the field's few hundred sources per CCD), BIAS and FLAT
   (10 s), compressed (``.fits.fz``, RICE) and not: ``write_raw`` of ``--detectors`` CCDs in
   one file, with a fresh simulator (so each CCD also pays for its static sensor maps, as when
   writing a mosaic). Reported: wall seconds divided by the number of CCDs; the best of
   ``--repeats`` runs after one warm-up run (imports, GalSim's profile caches).
3. ``object_sources_per_ccd``: truth rows per CCD of the OBJECT exposure.

Target from the issue: one CCD-exposure (OBJECT, compressed) in under 3 s.

Usage::

    python benchmarks/simulator.py                    # one JSON line
    python benchmarks/simulator.py --detectors 12 --repeats 1   # quick
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from astropy.table import Table  # noqa: E402
from astropy.time import Time  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipetasks.sim import ExposureSpec, MegaPrimeSimulator  # noqa: E402

DATE = Time("2026-11-01T14:30:00", scale="utc")
FIELD = (150.0, 2.2)


def _spec(obstype: str, exposure_id: int) -> ExposureSpec:
    exptime = {"OBJECT": 300.0, "BIAS": 0.0, "FLAT": 10.0}[obstype]
    return ExposureSpec(exposure_id=exposure_id, obstype=obstype, physical_filter="r.MP9601", exptime=exptime,
                        date_begin=DATE, ra=FIELD[0], dec=FIELD[1], runid="26BQ01", seeing=0.8)


def _time_write(obstype: str, compress: bool, detectors: list[int], truth: Table, directory: Path, run: int) -> float:
    sim = MegaPrimeSimulator(seed=1)
    spec = _spec(obstype, 2500000 + run)
    start = time.perf_counter()
    sim.write_raw(spec, directory / f"{obstype}-{compress}-{run}", detectors=detectors,
                  truth=truth if obstype == "OBJECT" else None, compress=compress)
    return (time.perf_counter() - start) / len(detectors)


def _git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).resolve().parents[1]).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--detectors", type=int, nargs="+", default=[12, 13, 21])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--tmpdir", default=None)
    args = parser.parse_args(argv)

    result: dict[str, object] = {"benchmark": "simulator", "detectors": args.detectors}
    with tempfile.TemporaryDirectory(dir=args.tmpdir) as tmp:
        directory = Path(tmp)
        sim = MegaPrimeSimulator(seed=1)
        start = time.perf_counter()
        truth = sim.make_truth_catalog(*FIELD, radius=0.8, physical_filter="r.MP9601")
        result["truth_s"] = round(time.perf_counter() - start, 3)
        result["truth_sources"] = len(truth)
        _time_write("OBJECT", True, args.detectors[:1], truth, directory, 0)  # warm-up
        run = 1
        for obstype in ("OBJECT", "BIAS", "FLAT"):
            for compress in (True, False):
                times = []
                for _ in range(args.repeats):
                    times.append(_time_write(obstype, compress, args.detectors, truth, directory, run))
                    run += 1
                key = f"{obstype.lower()}_{'compressed' if compress else 'plain'}_s_per_ccd"
                result[key] = round(min(times), 3)
        rows = Table.read(next(directory.glob("OBJECT-True-1/*_truth.ecsv")))
        result["object_sources_per_ccd"] = round(len(rows) / len(args.detectors), 1)
    result.update({
        "target_object_compressed_s": 3.0,
        "commit": _git_commit(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    })
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
