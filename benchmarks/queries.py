#!/usr/bin/env python3
"""Registry query benchmark at 1M datasets: skybutler against LSST's ``lsst.daf.butler``.

One workload function, written only against the LSST Gen3 butler public API, runs
unchanged on either implementation; only the import line differs (``--impl``).

Usage::

    # both databases, both implementations, then a line of ratios (~25 min with LSST here)
    python benchmarks/queries.py --lsst-python /work/lsst-venv/bin/python

    # LSST at a tenth of the size (per-dataset ratios are then reported)
    python benchmarks/queries.py --lsst-python /work/lsst-venv/bin/python --lsst-scale 0.1

    # smoke test: 20,000 datasets
    python benchmarks/queries.py --quick --lsst-python /work/lsst-venv/bin/python

    # one implementation, one database, in this interpreter (prints one JSON line)
    python benchmarks/queries.py --impl ours --db sqlite

Workload (a fresh repository each run; SQLite file or a fresh PostgreSQL database):

1. Dimension records (timed separately, ``dims_s``): instrument ``BenchCam``, 5 physical
   filters, 50 detectors, 20 day_obs, 2,000 visits (``exposure_time``, ``timespan``, and a
   ``region`` when the implementation has regions), so 100,000 (visit, detector) data IDs.
2. **fill**: 10 dataset types x 50 RUN collections; each run holds, per type, a window of
   2,000 consecutive data IDs starting 1,600 after the previous run's, so 20% of every run
   is shadowed by the next one.  One ``registry.insertDatasets`` call per (run, type):
   1,000,000 datasets.  Then a CHAINED collection of the 50 runs, newest first.
3. **selective**: ``query_datasets`` through the chain with
   ``visit IN (<20 visits>) AND detector < 5`` (100 datasets), median of 20.
4. **find_first**: ``query_datasets(type, chain, find_first=True, limit=None)``: ranks 100,000
   candidate datasets over 50 runs and returns 80,400; median of 3.
5. **count**: the number of find-first datasets with ``detector < 25`` (40,200):
   ``butler.query().datasets(...).where(...).count()`` where the implementation has it,
   otherwise ``len(butler.query_datasets(...))``; also timed as ``len(query_datasets(...))``
   on both (``count_list_ms``) so the two implementations can be compared on the same call.
6. **spatial**: ``query_datasets`` with ``visit.region OVERLAPS POINT(ra, dec)`` (450 datasets);
   skipped with ``"spatial": "unavailable: ..."`` when the implementation has no regions or
   its query engine refuses spatial constraints.
7. **calib**: 100 ``bias`` datasets (50 detectors x 2 validity ranges; small dicts written with
   ``butler.put``) certified into a CALIBRATION collection.  For 200 (visit, detector) pairs:
   ``butler.find_dataset("bias", instrument=..., detector=d, collections=calib,
   timespan=<the visit's timespan>)`` (``calib_lookup_ms``, a registry lookup) and
   ``butler.get("bias", instrument=..., visit=v, detector=d, collections=calib)``
   (``calib_get_ms``: the validity time comes from the visit record; includes reading the
   file).  ``find_dataset`` is given the timespan because LSST's ``find_dataset`` does not take
   it from a visit in the data ID (it returns None), while ``get`` does.

Every answer is checked (counts, and the run each find-first dataset came from), so a fast
wrong answer fails.

Output: one JSON line per (implementation, database), then a summary line with ratios
``lsst_time / ours_time`` (above 1: ours is faster) and, at full size, the issue's targets.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

from bench_support import dist_version, import_skybutler, scratch_postgres_database
from query_layout import BANDS, EXPOSURE_TIME, INSTRUMENT, N_RUNS, N_TYPES, Layout

# Headline keys (units in the name) and the targets for skybutler.
OPERATIONS = ("fill_s", "selective_ms", "find_first_s", "count_ms", "count_list_ms", "spatial_ms",
              "calib_lookup_ms", "calib_get_ms")
TARGETS = {"fill_s": 60.0, "selective_ms": 50.0, "find_first_s": 2.0, "spatial_ms": 50.0,
           "calib_lookup_ms": 50.0, "calib_get_ms": 50.0}
# Size-independent keys, used for ratios when the two implementations ran at different scales.
PER_ITEM = ("fill_us_per_dataset", "find_first_us_per_result", "count_list_us_per_result")

CHAIN = "bench/chain"
CALIB = "bench/calib"
TYPE_NAMES = tuple(f"bench_t{i}" for i in range(N_TYPES))
DIMENSIONS = ("instrument", "visit", "detector")
STORAGE_CLASS = "StructuredDataDict"
N_CALIB_LOOKUPS = 200


# --------------------------------------------------------------------------------------
# Implementation selection: the only implementation-specific code in the workload.
# --------------------------------------------------------------------------------------


def load_impl(impl: str) -> types.SimpleNamespace:
    """Import the butler API names (and a region class) from skybutler or LSST."""
    spatial_note = None
    if impl == "lsst":
        from lsst.daf.butler import Butler, CollectionType, DatasetType, Timespan

        version = dist_version("lsst-daf-butler", "lsst.daf.butler")
        from lsst.sphgeom import ConvexPolygon, LonLat, UnitVector3d

        def make_region(ras, decs):
            return ConvexPolygon.convexHull(
                [UnitVector3d(LonLat.fromDegrees(ra, dec)) for ra, dec in zip(ras, decs)]
            )
    elif impl == "ours":
        import_skybutler()
        from butler import Butler, CollectionType, DatasetType, Timespan

        version = dist_version("skybutler", "butler")
        try:
            from butler.spatial import ConvexPolygon
        except ImportError as exc:  # a checkout without the spatial package
            make_region = None
            spatial_note = f"unavailable: import butler.spatial failed ({type(exc).__name__}: {exc})"
        else:
            def make_region(ras, decs):
                return ConvexPolygon.from_radec(list(ras), list(decs))
    else:
        raise ValueError(f"unknown implementation {impl!r}")
    return types.SimpleNamespace(Butler=Butler, DatasetType=DatasetType, CollectionType=CollectionType,
                                 Timespan=Timespan, make_region=make_region, spatial_note=spatial_note,
                                 version=version)


# --------------------------------------------------------------------------------------
# The workload: LSST public API only.
# --------------------------------------------------------------------------------------


def _median_ms(samples: list[float]) -> float:
    return 1e3 * statistics.median(samples)


def _timed(fn, repeats: int) -> tuple[list[float], object]:
    samples = []
    result = None
    for _ in range(repeats):
        gc.collect()
        t = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t)
    return samples, result


def insert_dimension_records(api, registry, layout: Layout) -> None:
    import astropy.time

    registry.insertDimensionData(
        "instrument",
        {"name": INSTRUMENT, "class_name": "benchmarks.BenchCam", "detector_max": layout.detectors,
         "visit_max": 10_000_000, "exposure_max": 10_000_000, "visit_system": 0},
    )
    registry.insertDimensionData(
        "physical_filter",
        *[{"instrument": INSTRUMENT, "name": f"{INSTRUMENT}-{b}", "band": b} for b in BANDS],
    )
    registry.insertDimensionData(
        "detector",
        *[{"instrument": INSTRUMENT, "id": d, "full_name": f"S{d:03d}", "purpose": "SCIENCE"}
          for d in range(layout.detectors)],
    )
    nights = sorted({layout.day_obs(v) for v in range(layout.visits)})
    registry.insertDimensionData("day_obs", *[{"instrument": INSTRUMENT, "id": n} for n in nights])
    begins = astropy.time.Time([layout.visit_begin_mjd(v) for v in range(layout.visits)], format="mjd",
                               scale="tai")
    ends = begins + astropy.time.TimeDelta(EXPOSURE_TIME, format="sec")
    records = []
    for v in range(layout.visits):
        record = {
            "instrument": INSTRUMENT,
            "id": v,
            "name": f"v{v:06d}",
            "physical_filter": f"{INSTRUMENT}-{BANDS[v % len(BANDS)]}",
            "day_obs": layout.day_obs(v),
            "exposure_time": EXPOSURE_TIME,
            "timespan": api.Timespan(begins[v], ends[v]),
        }
        if api.make_region is not None:
            record["region"] = api.make_region(*layout.visit_square(v))
        records.append(record)
    registry.insertDimensionData("visit", *records)


def fill(api, butler, layout: Layout, log) -> dict:
    """Dataset types, 50 runs, 1M datasets and the chain; returns timings."""
    registry = butler.registry
    out = {}
    t0 = time.perf_counter()
    dataset_types = [api.DatasetType(name, DIMENSIONS, STORAGE_CLASS, universe=butler.dimensions)
                     for name in TYPE_NAMES]
    for dataset_type in dataset_types:
        registry.registerDatasetType(dataset_type)
    for r in range(N_RUNS):
        run = layout.run_name(r)
        registry.registerRun(run)
        data_ids = [layout.data_id(i) for i in layout.run_indices(r)]
        for dataset_type in dataset_types:
            refs = registry.insertDatasets(dataset_type, data_ids, run=run)
            if len(refs) != layout.window:
                raise AssertionError(f"insertDatasets returned {len(refs)} refs, expected {layout.window}")
        if r % 10 == 9:
            log(f"  {r + 1} runs, {(r + 1) * layout.window * N_TYPES} datasets, "
                f"{time.perf_counter() - t0:.1f} s")
    registry.registerCollection(CHAIN, api.CollectionType.CHAINED)
    registry.setCollectionChain(CHAIN, [layout.run_name(r) for r in reversed(range(N_RUNS))])
    out["fill_s"] = time.perf_counter() - t0
    return out


def make_calibrations(api, butler, layout: Layout) -> list[dict]:
    """Two bias runs, certified over [start, split) and [split, forever); returns the expected IDs."""
    import astropy.time

    registry = butler.registry
    bias = api.DatasetType("bias", ("instrument", "detector"), STORAGE_CLASS, universe=butler.dimensions,
                           isCalibration=True)
    registry.registerDatasetType(bias)
    registry.registerCollection(CALIB, api.CollectionType.CALIBRATION)
    split = astropy.time.Time(layout.visit_begin_mjd(layout.calib_split_visit()) - 15 / 86400, format="mjd",
                              scale="tai")
    start = astropy.time.Time(layout.visit_begin_mjd(0) - 1.0, format="mjd", scale="tai")
    expected = []
    for epoch, timespan in enumerate((api.Timespan(start, split), api.Timespan(split, None))):
        run = f"bench/calib/bias{epoch}"
        registry.registerRun(run)
        refs = [butler.put({"epoch": epoch, "detector": d}, bias, instrument=INSTRUMENT, detector=d, run=run)
                for d in range(layout.detectors)]
        registry.certify(CALIB, refs, timespan)
        expected.append({ref.dataId["detector"]: ref.id for ref in refs})
    return expected


def query_datasets(butler, dataset_type: str, where: str, *, limit=-20000, find_first=True) -> list:
    return butler.query_datasets(dataset_type, collections=CHAIN, where=where, find_first=find_first,
                                 limit=limit, instrument=INSTRUMENT)


def count_datasets(butler, dataset_type: str, where: str) -> tuple[int, str]:
    """Count find-first datasets with the implementation's count API, if it has one."""
    if hasattr(butler, "query"):
        with butler.query() as query:
            results = query.datasets(dataset_type, collections=CHAIN, find_first=True)
            return (results.where(where, instrument=INSTRUMENT).count(exact=True),
                    "butler.query().datasets(...).where(...).count(exact=True)")
    return (len(query_datasets(butler, dataset_type, where, limit=None)),
            "len(butler.query_datasets(..., limit=None)) (no butler.query() count API)")


def run_workload(api, root: str, config: dict | None, layout: Layout, log) -> dict:
    Butler = api.Butler
    result: dict = {"n_datasets": layout.total, "visits": layout.visits, "detectors": layout.detectors,
                    "runs": N_RUNS, "dataset_types": N_TYPES}
    Butler.makeRepo(root, config=config)
    butler = Butler(root, writeable=True)
    registry = butler.registry

    log(f"dimension records: {layout.visits} visits x {layout.detectors} detectors")
    t = time.perf_counter()
    insert_dimension_records(api, registry, layout)
    result["dims_s"] = time.perf_counter() - t

    log(f"fill: {layout.total} datasets ({N_TYPES} types x {N_RUNS} runs x {layout.window})")
    gc.collect()
    result.update(fill(api, butler, layout, log))
    result["fill_us_per_dataset"] = 1e6 * result["fill_s"] / layout.total
    expected_calib = make_calibrations(api, butler, layout)
    if hasattr(butler, "close"):
        butler.close()
    del butler, registry
    gc.collect()

    # Queries run on a fresh read-only Butler, as a user's would.
    butler = Butler(root)

    # Selective where query.
    where, expected = layout.selective()
    log(f"selective: {where}")
    first, refs = _timed(lambda: query_datasets(butler, TYPE_NAMES[3], where), 1)
    samples, refs = _timed(lambda: query_datasets(butler, TYPE_NAMES[3], where), 20)
    _check_find_first(refs, expected, layout, "selective")
    result.update(selective_ms=_median_ms(samples), selective_first_ms=1e3 * first[0], selective_n=len(refs),
                  selective_where=where)

    # Find-first through the chain.
    log("find-first through the chain")
    samples, refs = _timed(lambda: query_datasets(butler, TYPE_NAMES[0], "", limit=None), 3)
    _check_find_first(refs, layout.covered, layout, "find-first")
    result.update(find_first_s=statistics.median(samples), find_first_n=len(refs),
                  find_first_candidates=layout.per_type)
    result["find_first_us_per_result"] = 1e6 * result["find_first_s"] / len(refs)
    del refs
    gc.collect()

    # Count.
    where, expected = layout.count_where()
    log(f"count: {where}")
    samples, (n, how) = _timed(lambda: count_datasets(butler, TYPE_NAMES[1], where), 3)
    if n != expected:
        raise AssertionError(f"count found {n}, expected {expected}")
    result.update(count_ms=_median_ms(samples), count_n=n, count_api=how, count_where=where)
    samples, refs = _timed(lambda: query_datasets(butler, TYPE_NAMES[1], where, limit=None), 3)
    if len(refs) != expected:
        raise AssertionError(f"len(query_datasets) found {len(refs)}, expected {expected}")
    result["count_list_ms"] = _median_ms(samples)
    result["count_list_us_per_result"] = 1e3 * result["count_list_ms"] / expected
    del refs

    # Spatial.
    where, expected = layout.spatial()
    if api.make_region is None:
        result["spatial"] = api.spatial_note
    else:
        log(f"spatial: {where}")
        try:
            first, refs = _timed(lambda: query_datasets(butler, TYPE_NAMES[2], where), 1)
        except Exception as exc:
            if "not supported" not in str(exc) and "unsupported" not in str(exc).lower():
                raise
            result["spatial"] = f"unavailable: query raised {type(exc).__name__}: {exc}"
        else:
            samples, refs = _timed(lambda: query_datasets(butler, TYPE_NAMES[2], where), 10)
            _check_find_first(refs, expected, layout, "spatial")
            result.update(spatial_ms=_median_ms(samples), spatial_first_ms=1e3 * first[0], spatial_n=len(refs),
                          spatial_where=where)

    # Calibration lookups: the bias valid at each visit's time.
    log(f"calibration lookups x {N_CALIB_LOOKUPS}")
    import astropy.time

    split_visit = layout.calib_split_visit()
    pairs = [((i * 7919) % layout.visits, i % layout.detectors) for i in range(N_CALIB_LOOKUPS)]
    timespans = {}
    for v, _ in pairs:
        begin = astropy.time.Time(layout.visit_begin_mjd(v), format="mjd", scale="tai")
        timespans[v] = api.Timespan(begin, begin + astropy.time.TimeDelta(EXPOSURE_TIME, format="sec"))

    def find(v, d):
        return butler.find_dataset("bias", instrument=INSTRUMENT, detector=d, collections=CALIB,
                                   timespan=timespans[v])

    def get(v, d):
        return butler.get("bias", instrument=INSTRUMENT, visit=v, detector=d, collections=CALIB)

    find(*pairs[0]), get(*pairs[0])  # warm-up
    for name, call in (("calib_lookup_ms", find), ("calib_get_ms", get)):
        gc.collect()
        t = time.perf_counter()
        found = [call(v, d) for v, d in pairs]
        result[name] = 1e3 * (time.perf_counter() - t) / len(pairs)
        for (v, d), got in zip(pairs, found):
            epoch = 0 if v < split_visit else 1
            ok = got == {"epoch": epoch, "detector": d} if name == "calib_get_ms" else (
                got is not None and got.id == expected_calib[epoch][d])
            if not ok:
                raise AssertionError(f"{name}: bias for visit {v}, detector {d}: got {got}, expected epoch {epoch}")
    result["calib_lookups"] = len(pairs)
    if hasattr(butler, "close"):
        butler.close()
    return result


def _check_find_first(refs: list, expected: int, layout: Layout, what: str) -> None:
    if len(refs) != expected:
        raise AssertionError(f"{what}: found {len(refs)} datasets, expected {expected}")
    step = max(1, len(refs) // 500)
    for ref in refs[::step]:
        index = ref.dataId["visit"] * layout.detectors + ref.dataId["detector"]
        want = layout.run_name(layout.newest_run_of(index))
        if ref.run != want:
            raise AssertionError(f"{what}: {ref} found in {ref.run}, expected the newest run holding it, {want}")


# --------------------------------------------------------------------------------------
# Driver.
# --------------------------------------------------------------------------------------


def machine_info(load_start: float | None) -> dict:
    return {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        # Other work on the machine skews timings; record the load seen at the start and end.
        "loadavg_1m_start": load_start,
        "loadavg_1m_end": round(os.getloadavg()[0], 2),
    }


def run_one(args) -> int:
    """Run the workload for one implementation and one database; print one JSON line."""
    load_start = round(os.getloadavg()[0], 2)
    scale = args.scale
    layout = Layout(scale)
    log = (lambda msg: print(f"[{args.impl}/{args.db}] {msg}", file=sys.stderr, flush=True)) if args.verbose \
        else (lambda msg: None)
    api = load_impl(args.impl)
    workdir = Path(tempfile.mkdtemp(prefix=f"queries_{args.impl}_", dir=args.tmpdir))
    try:
        with contextlib.ExitStack() as stack:
            config = None
            if args.db == "postgresql":
                url = stack.enter_context(scratch_postgres_database(args.pg_url, f"qbench_{args.impl}"))
                config = {"registry": {"db": url}}
            timings = run_workload(api, str(workdir / "repo"), config, layout, log)
    finally:
        if args.keep:
            print(f"[{args.impl}] kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    out = {
        "impl": args.impl,
        "db": args.db,
        "version": api.version,
        "scale": scale,
        **{key: round(timings[key], 4) for key in OPERATIONS if key in timings},
        **{key: round(timings[key], 3) for key in PER_ITEM},
        "spatial": timings.get("spatial", "ok"),
        "details": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in timings.items()
                    if k not in OPERATIONS and k not in PER_ITEM and k != "spatial"},
        "python": platform.python_version(),
        "machine": machine_info(load_start),
    }
    print(json.dumps(out), flush=True)
    return 0


def run_child(python: str, impl: str, db: str, scale: float, args) -> dict:
    cmd = [python, str(Path(__file__).resolve()), "--impl", impl, "--db", db, "--scale", str(scale),
           "--pg-url", args.pg_url]
    if args.tmpdir:
        cmd += ["--tmpdir", args.tmpdir]
    if args.verbose:
        cmd.append("--verbose")
    if args.keep:
        cmd.append("--keep")
    try:
        proc = subprocess.run(cmd, check=False, stdout=subprocess.PIPE, stderr=None, text=True,
                              timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"impl": impl, "db": db, "scale": scale, "error": f"timed out after {args.timeout} s"}
    except OSError as exc:
        return {"impl": impl, "db": db, "error": f"could not start {python}: {exc}"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"impl": impl, "db": db, "scale": scale, "error": f"exit status {proc.returncode} (see stderr)"}
    return json.loads(lines[-1])


def ratios(ours: dict, lsst: dict) -> tuple[dict, str]:
    """lsst / ours per operation; per-dataset keys only when the scales differ."""
    same_scale = ours.get("scale") == lsst.get("scale")
    keys = OPERATIONS + PER_ITEM if same_scale else PER_ITEM
    out = {}
    for key in keys:
        a, b = lsst.get(key), ours.get(key)
        if a and b:
            out[key] = round(a / b, 2)
    note = ("same scale: every operation compared" if same_scale else
            f"LSST ran at scale {lsst.get('scale')} and ours at {ours.get('scale')}: only per-dataset "
            "and per-result times are compared")
    return out, note


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--impl", choices=("ours", "lsst"),
                        help="run one implementation in this interpreter (needs --db) and print one JSON line")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append",
                        help="database(s) to run on (default: both)")
    parser.add_argument("--lsst-python", metavar="PYTHON",
                        help="an interpreter that can import lsst.daf.butler (e.g. /work/lsst-venv/bin/python)")
    parser.add_argument("--scale", type=float, default=None,
                        help="size relative to the full workload (1.0 = 1,000,000 datasets)")
    parser.add_argument("--quick", action="store_true", help="smoke test: --scale 0.02 (20,000 datasets)")
    parser.add_argument("--lsst-scale", type=float, default=None,
                        help="run LSST at this scale instead (its 1M fill is slow); ratios become per-dataset")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL server URL allowed to CREATE DATABASE; each run makes a fresh "
                             "database there and drops it afterwards")
    parser.add_argument("--tmpdir", help="where to make the temporary repositories (default: system temp)")
    parser.add_argument("--timeout", type=float, default=7200, help="seconds allowed per run")
    parser.add_argument("--keep", action="store_true", help="keep the temporary repositories")
    parser.add_argument("--verbose", "-v", action="store_true", help="progress messages on stderr")
    args = parser.parse_args(argv)
    if args.scale is None:
        args.scale = 0.02 if args.quick else 1.0
    dbs = args.db or ["sqlite", "postgresql"]

    if args.impl:
        if len(dbs) != 1:
            parser.error("--impl runs one database: give exactly one --db")
        args.db = dbs[0]
        return run_one(args)

    lsst_scale = args.lsst_scale if args.lsst_scale is not None else args.scale
    results: dict[tuple[str, str], dict] = {}
    for db in dbs:
        results["ours", db] = run_child(sys.executable, "ours", db, args.scale, args)
        print(json.dumps(results["ours", db]), flush=True)
        if args.lsst_python:
            results["lsst", db] = run_child(args.lsst_python, "lsst", db, lsst_scale, args)
            print(json.dumps(results["lsst", db]), flush=True)
    ok = all("error" not in r for r in results.values())
    summary: dict = {}
    for db in dbs:
        ours, lsst = results.get(("ours", db)), results.get(("lsst", db))
        if ours and lsst and "error" not in ours and "error" not in lsst:
            summary.setdefault("ratios", {})[db], summary.setdefault("ratio_note", {})[db] = ratios(ours, lsst)
    if summary:
        summary["ratio_definition"] = "lsst_time / ours_time (above 1: ours is faster)"
    if args.scale == 1.0:
        summary["targets"] = TARGETS
        for db in dbs:
            ours = results["ours", db]
            if "error" not in ours:
                summary.setdefault("ours_meets_targets", {})[db] = {
                    k: (ours[k] <= v if k in ours else "not measured") for k, v in TARGETS.items()}
    if summary:
        print(json.dumps(summary), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
