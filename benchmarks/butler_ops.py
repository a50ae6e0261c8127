#!/usr/bin/env python3
"""Per-operation butler benchmark: skybutler against LSST's ``lsst.daf.butler``.

One workload function, written only against the LSST Gen3 butler public API, runs
unchanged on either implementation; only the import line differs (``--impl``).

Usage::

    # both implementations, then the ratio line
    python benchmarks/butler_ops.py --lsst-python /work/lsst-venv/bin/python

    # one implementation in this interpreter (prints one JSON line)
    python benchmarks/butler_ops.py --impl ours
    /work/lsst-venv/bin/python benchmarks/butler_ops.py --impl lsst

    # smoke test (5 visits x 4 detectors, 400 ingested files)
    python benchmarks/butler_ops.py --quick

Workload (fresh temporary repository each run, SQLite registry, file datastore):

1. ``Butler.makeRepo`` and ``Butler(root, writeable=True, run="bench/run")``.
2. Dimension records (untimed): instrument, physical_filter, detectors, day_obs, visits.
3. Register ``bench_dict`` (instrument, visit, detector; StructuredDataDict).
4. ``butler.put`` of visits x detectors small dicts, one at a time.
5. ``butler.get(ref)`` for every ref returned by put.
6. ``butler.get("bench_dict", visit=..., detector=..., instrument=..., collections=run)``.
7. ``butler.ingest`` of ``--ingest`` small YAML files with ``transfer="copy"`` in ONE call into
   a second run and dataset type ``bench_ingest`` (file writing and extra visit records untimed).
8. ``butler.query_datasets`` with a ``where`` string; median over ``--query-repeats``.

Output: one JSON line per implementation, then (when both ran) a JSON line of ratios
``lsst_time / ours_time`` per operation, so a ratio above 1 means we are faster.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
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

from bench_support import dist_version, import_skybutler

# Headline keys, their units, and the targets the project issue sets for skybutler on a
# 2-core machine with SQLite.
OPERATIONS = ("put_ms", "get_ref_ms", "get_dataid_ms", "ingest_s", "query_ms")
TARGETS = {"put_ms": 1.5, "get_ref_ms": 0.2, "get_dataid_ms": 0.5, "ingest_s": 5.0, "query_ms": 20.0}

INSTRUMENT = "BenchCam"
PHYSICAL_FILTER = "BenchCam-r"
BAND = "r"
DAY_OBS = 20240101
PUT_RUN = "bench/run"
INGEST_RUN = "bench/ingest"
PUT_TYPE = "bench_dict"
INGEST_TYPE = "bench_ingest"
DIMENSIONS = ("instrument", "visit", "detector")
STORAGE_CLASS = "StructuredDataDict"


# --------------------------------------------------------------------------------------
# Implementation selection: the only implementation-specific code in the workload.
# --------------------------------------------------------------------------------------


def load_impl(impl: str) -> types.SimpleNamespace:
    """Import the butler API names from skybutler (``ours``) or LSST (``lsst``)."""
    if impl == "lsst":
        from lsst.daf.butler import Butler, CollectionType, DatasetRef, DatasetType, FileDataset

        version = dist_version("lsst-daf-butler", "lsst.daf.butler")
    elif impl == "ours":
        import_skybutler()
        from butler import Butler, CollectionType, DatasetRef, DatasetType, FileDataset

        version = dist_version("skybutler", "butler")
    else:
        raise ValueError(f"unknown implementation {impl!r}")
    return types.SimpleNamespace(
        Butler=Butler,
        DatasetType=DatasetType,
        DatasetRef=DatasetRef,
        FileDataset=FileDataset,
        CollectionType=CollectionType,
        version=version,
    )


# --------------------------------------------------------------------------------------
# The workload: LSST public API only.
# --------------------------------------------------------------------------------------


def make_payload(visit: int, detector: int) -> dict:
    return {
        "visit": visit,
        "detector": detector,
        "value": visit * 1000.0 + detector + 0.25,
        "name": f"{INSTRUMENT}-{visit:06d}-{detector:03d}",
    }


def payload_yaml(visit: int, detector: int) -> str:
    """The same dict as :func:`make_payload`, as YAML text (written without a YAML library)."""
    p = make_payload(visit, detector)
    return f"visit: {p['visit']}\ndetector: {p['detector']}\nvalue: {p['value']!r}\nname: {p['name']}\n"


def visit_records(first: int, stop: int) -> list[dict]:
    return [
        {
            "instrument": INSTRUMENT,
            "id": v,
            "name": f"v{v:06d}",
            "physical_filter": PHYSICAL_FILTER,
            "day_obs": DAY_OBS,
        }
        for v in range(first, stop)
    ]


def where_clause(n_visits: int, n_detectors: int) -> tuple[str, int]:
    """The where string and how many bench_dict datasets it must match."""
    visit_floor = n_visits // 2  # 50 for the full workload
    det_hi = min(10, n_detectors - 1)  # detector IN (1..10) for the full workload
    expected = (n_visits - visit_floor - 1) * det_hi
    return f"visit > {visit_floor} AND detector IN (1..{det_hi})", expected


def _per_call_ms(samples: list[float]) -> tuple[float, float]:
    """(mean, median) in milliseconds of a list of per-call seconds."""
    return 1e3 * sum(samples) / len(samples), 1e3 * statistics.median(samples)


def run_workload(api: types.SimpleNamespace, workdir: Path, n_visits: int, n_detectors: int,
                 n_ingest: int, query_repeats: int, log=print) -> dict:
    Butler, DatasetType = api.Butler, api.DatasetType
    DatasetRef, FileDataset = api.DatasetRef, api.FileDataset
    root = workdir / "repo"
    stage = workdir / "stage"
    result: dict = {}

    # 1. Repository.
    t0 = time.perf_counter()
    Butler.makeRepo(str(root))
    butler = Butler(str(root), writeable=True, run=PUT_RUN)
    registry = butler.registry

    # 2. Dimension records.
    registry.insertDimensionData(
        "instrument",
        {
            "name": INSTRUMENT,
            "class_name": "benchmarks.BenchCam",
            "detector_max": n_detectors,
            "visit_max": 10_000_000,
            "exposure_max": 10_000_000,
            "visit_system": 0,
        },
    )
    registry.insertDimensionData(
        "physical_filter", {"instrument": INSTRUMENT, "name": PHYSICAL_FILTER, "band": BAND}
    )
    registry.insertDimensionData(
        "detector",
        *[
            {"instrument": INSTRUMENT, "id": d, "full_name": f"S{d:03d}", "purpose": "SCIENCE"}
            for d in range(n_detectors)
        ],
    )
    registry.insertDimensionData("day_obs", {"instrument": INSTRUMENT, "id": DAY_OBS})
    registry.insertDimensionData("visit", *visit_records(0, n_visits))

    # 3. Dataset type.
    put_type = DatasetType(PUT_TYPE, DIMENSIONS, STORAGE_CLASS, universe=butler.dimensions)
    registry.registerDatasetType(put_type)
    result["setup_s"] = time.perf_counter() - t0

    combos = [(v, d) for v in range(n_visits) for d in range(n_detectors)]
    n_put = len(combos)
    result["n_put"] = n_put

    # 4. put, one dataset at a time.
    log(f"put {n_put} datasets")
    refs = []
    samples = []
    clock = time.perf_counter
    loop_start = clock()
    for v, d in combos:
        obj = make_payload(v, d)
        t = clock()
        ref = butler.put(obj, PUT_TYPE, visit=v, detector=d, instrument=INSTRUMENT)
        samples.append(clock() - t)
        refs.append(ref)
    loop_total = clock() - loop_start
    result["put_ms"] = 1e3 * loop_total / n_put
    result["put_mean_call_ms"], result["put_median_ms"] = _per_call_ms(samples)

    # 5. get by ref.
    log(f"get {n_put} datasets by ref")
    got = []
    samples = []
    loop_start = clock()
    for ref in refs:
        t = clock()
        obj = butler.get(ref)
        samples.append(clock() - t)
        got.append(obj)
    loop_total = clock() - loop_start
    result["get_ref_ms"] = 1e3 * loop_total / n_put
    result["get_ref_mean_call_ms"], result["get_ref_median_ms"] = _per_call_ms(samples)
    _check_payloads(got, combos, "get by ref")

    # 6. get by data ID.
    log(f"get {n_put} datasets by data ID")
    got = []
    samples = []
    loop_start = clock()
    for v, d in combos:
        t = clock()
        obj = butler.get(PUT_TYPE, visit=v, detector=d, instrument=INSTRUMENT, collections=PUT_RUN)
        samples.append(clock() - t)
        got.append(obj)
    loop_total = clock() - loop_start
    result["get_dataid_ms"] = 1e3 * loop_total / n_put
    result["get_dataid_mean_call_ms"], result["get_dataid_median_ms"] = _per_call_ms(samples)
    _check_payloads(got, combos, "get by data ID")
    del got

    # 7. ingest (staging and the extra visit records are not timed).
    ingest_visits = max(n_visits, math.ceil(n_ingest / n_detectors))
    log(f"stage {n_ingest} files over {ingest_visits} visits")
    t = clock()
    if ingest_visits > n_visits:
        registry.insertDimensionData("visit", *visit_records(n_visits, ingest_visits))
    ingest_type = DatasetType(INGEST_TYPE, DIMENSIONS, STORAGE_CLASS, universe=butler.dimensions)
    registry.registerDatasetType(ingest_type)
    stage.mkdir(parents=True)
    ingest_combos = [(v, d) for v in range(ingest_visits) for d in range(n_detectors)][:n_ingest]
    datasets = []
    for v, d in ingest_combos:
        path = stage / f"bench_{v:06d}_{d:03d}.yaml"
        path.write_text(payload_yaml(v, d))
        data_id = {"instrument": INSTRUMENT, "visit": v, "detector": d}
        datasets.append(FileDataset(path=str(path), refs=[DatasetRef(ingest_type, data_id, run=INGEST_RUN)]))
    result["stage_s"] = clock() - t

    log(f"ingest {len(datasets)} files (copy)")
    gc.collect()
    t = clock()
    butler.ingest(*datasets, transfer="copy")
    result["ingest_s"] = clock() - t
    result["n_ingest"] = len(datasets)
    # The disk's own floor: a bare copy loop of the same files into 36-file directories,
    # so ingest numbers from machines with different file-creation costs can be read.
    floor_dir = workdir / "copy_floor"
    t = clock()
    for index, dataset in enumerate(datasets):
        target_dir = floor_dir / str(index // 36)
        if index % 36 == 0:
            target_dir.mkdir(parents=True)
        shutil.copyfile(dataset.path, target_dir / os.path.basename(dataset.path))
    result["copy_floor_s"] = clock() - t
    result["ingest_overhead_s"] = result["ingest_s"] - result["copy_floor_s"]
    shutil.rmtree(floor_dir)
    del datasets
    for v, d in (ingest_combos[0], ingest_combos[len(ingest_combos) // 2], ingest_combos[-1]):
        obj = butler.get(INGEST_TYPE, visit=v, detector=d, instrument=INSTRUMENT, collections=INGEST_RUN)
        if obj != make_payload(v, d):
            raise AssertionError(f"ingested dataset {v},{d} read back as {obj!r}")

    # 8. where query.
    where, expected = where_clause(n_visits, n_detectors)
    log(f"query where {where!r} x {query_repeats}")
    samples = []
    n_found = None
    for _ in range(query_repeats):
        t = clock()
        found = _query(butler, registry, where)
        samples.append(clock() - t)
        n_found = len(found)
    if n_found != expected:
        raise AssertionError(f"query {where!r} found {n_found} datasets, expected {expected}")
    result["query_ms"] = 1e3 * statistics.median(samples)
    result["query_first_ms"] = 1e3 * samples[0]
    result["query_where"] = where
    result["query_n"] = n_found
    return result


def _query(butler, registry, where: str) -> list:
    if hasattr(butler, "query_datasets"):
        return butler.query_datasets(PUT_TYPE, collections=PUT_RUN, where=where, instrument=INSTRUMENT)
    # Older LSST releases: the registry query system.
    return list(
        registry.queryDatasets(
            PUT_TYPE, collections=PUT_RUN, where=where, instrument=INSTRUMENT, findFirst=True
        )
    )


def _check_payloads(objects: list, combos: list, what: str) -> None:
    for obj, (v, d) in zip(objects, combos):
        if obj != make_payload(v, d):
            raise AssertionError(f"{what}: dataset {v},{d} read back as {obj!r}")


# --------------------------------------------------------------------------------------
# Driver.
# --------------------------------------------------------------------------------------


def machine_info() -> dict:
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpus": os.cpu_count(),
        # Other work on the machine skews timings; record the load seen when the run ended.
        "loadavg_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }


def sizes(args) -> tuple[int, int, int]:
    if args.quick:
        return args.visits or 5, args.detectors or 4, args.ingest or 400
    return args.visits or 100, args.detectors or 36, args.ingest or 36_000


def run_one(args) -> int:
    """Run the workload in this interpreter and print one JSON line."""
    n_visits, n_detectors, n_ingest = sizes(args)
    log = (lambda msg: print(f"[{args.impl}] {msg}", file=sys.stderr, flush=True)) if args.verbose else (
        lambda msg: None
    )
    api = load_impl(args.impl)
    workdir = Path(tempfile.mkdtemp(prefix=f"butler_ops_{args.impl}_", dir=args.tmpdir))
    try:
        timings = run_workload(api, workdir, n_visits, n_detectors, n_ingest, args.query_repeats, log)
    finally:
        if args.keep:
            print(f"[{args.impl}] kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    out = {
        "impl": args.impl,
        "version": api.version,
        **{key: round(timings[key], 4) for key in OPERATIONS},
        "n_put": timings["n_put"],
        "n_ingest": timings["n_ingest"],
        "visits": n_visits,
        "detectors": n_detectors,
        "details": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in timings.items()
                    if k not in OPERATIONS and k not in ("n_put", "n_ingest")},
        "python": platform.python_version(),
        "machine": machine_info(),
    }
    print(json.dumps(out), flush=True)
    return 0


def run_child(python: str, impl: str, args) -> dict:
    """Run ``--impl impl`` in a subprocess of ``python``; return its JSON line (or an error)."""
    cmd = [python, str(Path(__file__).resolve()), "--impl", impl, "--query-repeats", str(args.query_repeats)]
    for flag in ("visits", "detectors", "ingest"):
        value = getattr(args, flag)
        if value:
            cmd += [f"--{flag}", str(value)]
    if args.quick:
        cmd.append("--quick")
    if args.tmpdir:
        cmd += ["--tmpdir", args.tmpdir]
    if args.verbose:
        cmd.append("--verbose")
    if args.keep:
        cmd.append("--keep")
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=None, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"impl": impl, "error": f"timed out after {args.timeout} s"}
    except OSError as exc:
        return {"impl": impl, "error": f"could not start {python}: {exc}"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"impl": impl, "error": f"exit status {proc.returncode} (see stderr above)"}
    return json.loads(lines[-1])


def ratios(ours: dict, lsst: dict) -> dict:
    out = {}
    for key in OPERATIONS:
        a, b = lsst.get(key), ours.get(key)
        out[key] = round(a / b, 2) if a and b else None
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--impl", choices=("ours", "lsst"),
                        help="run one implementation in this interpreter and print one JSON line; "
                             "without it, run 'ours' (and 'lsst' with --lsst-python) as subprocesses")
    parser.add_argument("--lsst-python", metavar="PYTHON",
                        help="an interpreter that can import lsst.daf.butler "
                             "(e.g. /work/lsst-venv/bin/python)")
    parser.add_argument("--visits", type=int, default=0, help="visits for put/get (default 100; quick 5)")
    parser.add_argument("--detectors", type=int, default=0, help="detectors (default 36; quick 4)")
    parser.add_argument("--ingest", type=int, default=0, help="files to ingest (default 36000; quick 400)")
    parser.add_argument("--query-repeats", type=int, default=20, help="repeats of the where query (median)")
    parser.add_argument("--quick", action="store_true", help="a small smoke-test workload")
    parser.add_argument("--tmpdir", help="where to make the temporary repositories (default: system temp)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed per implementation")
    parser.add_argument("--keep", action="store_true", help="keep the temporary repositories")
    parser.add_argument("--verbose", "-v", action="store_true", help="progress messages on stderr")
    args = parser.parse_args(argv)

    if args.impl:
        return run_one(args)

    results = {"ours": run_child(sys.executable, "ours", args)}
    print(json.dumps(results["ours"]), flush=True)
    if args.lsst_python:
        results["lsst"] = run_child(args.lsst_python, "lsst", args)
        print(json.dumps(results["lsst"]), flush=True)
    ok = all("error" not in r for r in results.values())
    summary: dict = {}
    if "lsst" in results and ok:
        summary["ratios"] = ratios(results["ours"], results["lsst"])
        summary["ratio_definition"] = "lsst_time / ours_time (above 1: ours is faster)"
    full_size = not args.quick and not (args.visits or args.detectors or args.ingest)
    if full_size and "error" not in results["ours"]:
        # The targets only apply to the full-size workload.
        summary["targets"] = TARGETS
        summary["ours_meets_targets"] = {k: results["ours"][k] <= TARGETS[k] for k in OPERATIONS}
    if summary:
        print(json.dumps(summary), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
