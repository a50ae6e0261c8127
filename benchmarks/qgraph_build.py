#!/usr/bin/env python3
"""Quantum graph build benchmark: 100,000 quanta of a three-task toy pipeline, skybutler against LSST.

Workload (a fresh SQLite repository each run, made untimed):

* instrument ``BenchCam``, one physical filter, ``--detectors`` detectors (default 100),
  ``--visits`` visits (default 500), and their ``visit_detector_region`` records (no regions);
* dataset type ``raw`` (instrument, visit, detector; StructuredDataDict) with one dataset per
  (visit, detector) in RUN ``inputs`` (registry rows plus file records; no files are needed to
  build a graph);
* the pipeline ``scale`` (raw -> scaled, per detector) -> ``offset`` (scaled -> offset, per
  detector) -> ``sum`` (every offset of a visit -> visitSum, per visit): 2 x visits x detectors
  + visits quanta, i.e. 100,500 by default.

Timed, in a fresh process (so the peak memory is the build's): the pipeline graph (configure and
resolve against the repository), then the graph build (``QuantumGraphBuilder(...).build()``,
LSST: ``AllDimensionsQuantumGraphBuilder(...).build(attach_datastore_records=True)``).  For
skybutler also: saving the ``.qg`` file, loading it whole, and loading one quantum by node ID.

Usage::

    python benchmarks/qgraph_build.py                      # one JSON line for skybutler
    python benchmarks/qgraph_build.py --visits 50          # 10,050 quanta
    python benchmarks/qgraph_build.py --lsst-python /work/lsst-venv/bin/python --lsst-scale 0.1

With ``--lsst-python`` the same workload (task code identical up to its import line) also runs
with LSST's middleware, scaled by ``--lsst-scale`` (visits only), and a summary line gives the
per-quantum time ratio ``lsst / ours`` (above 1: ours is faster) and the memory of each.

Output: one JSON line per implementation (``impl``, ``quanta``, ``pipeline_graph_s``, ``build_s``,
``peak_rss_mb``, ``us_per_quantum``; ours also ``save_s``, ``file_mb``, ``load_s``,
``partial_load_s``), then the summary line with the targets (build <= 5 s and <= 500 MB peak for
100,000 quanta).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TOY_TASKS_DIR = REPO_ROOT / "tests" / "helpers"  # toy_tasks.py: the tasks, shared with the tests
TARGETS = {"build_s": 5.0, "peak_rss_mb": 500.0}
INSTRUMENT = "BenchCam"


# ---------------------------------------------------------------------------------------------
# The toy pipeline of tests/helpers/toy_tasks.py: LSST task code, built against either framework.
# ---------------------------------------------------------------------------------------------


def define_tasks(impl: str) -> dict[str, type]:
    """The three task classes by label, built against ``impl``'s framework (defined in ``__main__``)."""
    if impl == "lsst":
        import lsst.pex.config as pexConfig
        import lsst.pipe.base as pipeBase
        import lsst.pipe.base.connectionTypes as cT
    else:
        import pipetasks.config as pexConfig
        import pipetasks.framework as pipeBase
        import pipetasks.framework.connectionTypes as cT
    sys.path.insert(0, str(TOY_TASKS_DIR))
    from toy_tasks import ToyTaskFactory

    # In __main__: importable by name, as pipelines and graph files need.
    toy = ToyTaskFactory(pexConfig, cT, pipeBase, module="__main__")
    return {"scale": toy.scale().task, "offset": toy.offset().task, "sum": toy.visit_sum(output="visitSum").task}


# ---------------------------------------------------------------------------------------------
# Repository (untimed)
# ---------------------------------------------------------------------------------------------


def make_repository(impl: str, root: str, n_visits: int, n_detectors: int) -> dict[str, float]:
    """The workload's repository; returns how long it took."""
    start = time.perf_counter()
    if impl == "lsst":
        from lsst.daf.butler import Butler, DatasetType
    else:
        from butler import Butler, DatasetType
    Butler.makeRepo(root)
    butler = Butler(root, writeable=True)
    registry = butler.registry
    registry.insertDimensionData("instrument", {"name": INSTRUMENT, "detector_max": 10_000, "visit_max": 10_000_000,
                                                "exposure_max": 10_000_000, "visit_system": 0})
    registry.insertDimensionData("physical_filter", {"instrument": INSTRUMENT, "name": "r1", "band": "r"})
    registry.insertDimensionData("day_obs", {"instrument": INSTRUMENT, "id": 20240101})
    registry.insertDimensionData("detector", *[{"instrument": INSTRUMENT, "id": d, "full_name": f"D{d:03d}"}
                                               for d in range(n_detectors)])
    registry.insertDimensionData("visit", *[{"instrument": INSTRUMENT, "id": v, "name": f"v{v}", "day_obs": 20240101,
                                             "physical_filter": "r1"} for v in range(n_visits)])
    # The (visit, detector) join records, without regions: LSST attaches them to every data ID.
    registry.insertDimensionData("visit_detector_region", *[
        {"instrument": INSTRUMENT, "visit": v, "detector": d} for v in range(n_visits) for d in range(n_detectors)])
    raw = DatasetType("raw", ("instrument", "visit", "detector"), "StructuredDataDict", universe=butler.dimensions)
    registry.registerDatasetType(raw)
    registry.registerRun("inputs")
    refs = registry.insertDatasets(raw, [{"instrument": INSTRUMENT, "visit": v, "detector": d}
                                         for v in range(n_visits) for d in range(n_detectors)], run="inputs")
    if impl == "ours":
        from butler.datastore.stored_file import StoredFileInfo

        butler.datastore.import_records([
            StoredFileInfo(ref.id, f"inputs/raw/{ref.dataId['visit']}/raw_{ref.dataId['detector']}.yaml",
                           "butler.formatters.yaml.YamlFormatter", "StructuredDataDict") for ref in refs])
    if hasattr(butler, "close"):
        butler.close()
    return {"repo_s": round(time.perf_counter() - start, 2)}


# ---------------------------------------------------------------------------------------------
# Timed part (run in a fresh process)
# ---------------------------------------------------------------------------------------------


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_build(impl: str, root: str, workdir: str) -> dict[str, object]:
    """Time the pipeline graph and the quantum graph build (and, for ours, the graph file)."""
    tasks = define_tasks(impl)
    if impl == "lsst":
        from lsst.daf.butler import Butler
        from lsst.pipe.base import Pipeline
        from lsst.pipe.base.all_dimensions_quantum_graph_builder import AllDimensionsQuantumGraphBuilder
    else:
        sys.path.insert(0, str(REPO_ROOT))
        from butler import Butler
        from pipetasks.graph import QuantumGraph, QuantumGraphBuilder
        from pipetasks.pipeline import Pipeline
    butler = Butler(root)
    rss_before = _rss_mb()
    start = time.perf_counter()
    pipeline = Pipeline("toy")
    for label, task_class in tasks.items():
        pipeline.addTask(task_class, label)
    pipeline_graph = pipeline.to_graph(registry=butler.registry) if impl == "lsst" else pipeline.to_graph(butler)
    pipeline_s = time.perf_counter() - start
    start = time.perf_counter()
    if impl == "lsst":
        builder = AllDimensionsQuantumGraphBuilder(pipeline_graph, butler, input_collections=["inputs"],
                                                   output_run="out")
        graph = builder.build(attach_datastore_records=True)
    else:
        graph = QuantumGraphBuilder(pipeline_graph, butler, input_collections=["inputs"], output_run="out").build()
    build_s = time.perf_counter() - start
    n_quanta = len(graph)
    result: dict[str, object] = {
        "impl": impl, "quanta": n_quanta, "pipeline_graph_s": round(pipeline_s, 3), "build_s": round(build_s, 3),
        "peak_rss_mb": round(_rss_mb(), 1), "rss_before_build_mb": round(rss_before, 1),
        "us_per_quantum": round(1e6 * build_s / n_quanta, 1),
    }
    if impl == "ours":
        path = os.path.join(workdir, "bench.qg")
        start = time.perf_counter()
        graph.save(path)
        result["save_s"] = round(time.perf_counter() - start, 3)
        result["file_mb"] = round(os.path.getsize(path) / 1e6, 2)
        node_id = next(iter(graph.quanta("sum")))[0]
        del graph
        start = time.perf_counter()
        loaded = QuantumGraph.load(path)
        result["load_s"] = round(time.perf_counter() - start, 3)
        assert len(loaded) == n_quanta
        del loaded
        start = time.perf_counter()
        one = QuantumGraph.load(path, nodes=[node_id])
        result["partial_load_s"] = round(time.perf_counter() - start, 3)
        assert len(one) == 1
    return result


# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------


def measure(python: str, impl: str, n_visits: int, n_detectors: int, tmpdir: str | None, keep: bool
            ) -> dict[str, object]:
    """Make the repository and time the build in a fresh ``python`` process; the JSON result."""
    workdir = tempfile.mkdtemp(prefix=f"qgraph_{impl}_", dir=tmpdir)
    root = os.path.join(workdir, "repo")
    try:
        base = [python, __file__, "--impl", impl, "--root", root, "--workdir", workdir,
                "--visits", str(n_visits), "--detectors", str(n_detectors)]
        made = subprocess.run([*base, "--make-repo"], check=True, capture_output=True, text=True)
        built = subprocess.run([*base, "--time-build"], check=True, capture_output=True, text=True)
        result = json.loads(built.stdout.strip().splitlines()[-1])
        result.update(json.loads(made.stdout.strip().splitlines()[-1]))
        result.update({"visits": n_visits, "detectors": n_detectors, "python": platform.python_version()})
        return result
    except subprocess.CalledProcessError as err:
        raise SystemExit(f"{impl} run failed:\n{err.stderr}") from None
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=500)
    parser.add_argument("--detectors", type=int, default=100)
    parser.add_argument("--lsst-python", help="Interpreter with LSST's middleware, to run the same workload.")
    parser.add_argument("--lsst-scale", type=float, default=1.0, help="Fraction of the visits for the LSST run.")
    parser.add_argument("--tmpdir", help="Where to make the repositories.")
    parser.add_argument("--keep", action="store_true", help="Keep the repositories.")
    parser.add_argument("--impl", default="ours", choices=("ours", "lsst"), help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--make-repo", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--time-build", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.make_repo:
        if args.impl == "ours":
            sys.path.insert(0, str(REPO_ROOT))
        print(json.dumps(make_repository(args.impl, args.root, args.visits, args.detectors)), flush=True)
        return 0
    if args.time_build:
        print(json.dumps(run_build(args.impl, args.root, args.workdir)), flush=True)
        return 0
    ours = measure(sys.executable, "ours", args.visits, args.detectors, args.tmpdir, args.keep)
    print(json.dumps(ours), flush=True)
    at_scale = ours["quanta"] >= 100_000  # the targets are for 100,000 quanta
    summary: dict[str, object] = {
        "summary": "qgraph_build", "quanta": ours["quanta"], "targets": TARGETS,
        "meets_targets": (ours["build_s"] <= TARGETS["build_s"] and ours["peak_rss_mb"] <= TARGETS["peak_rss_mb"])
        if at_scale else None}
    if args.lsst_python:
        lsst_visits = max(1, round(args.visits * args.lsst_scale))
        lsst = measure(args.lsst_python, "lsst", lsst_visits, args.detectors, args.tmpdir, args.keep)
        print(json.dumps(lsst), flush=True)
        summary["lsst_over_ours_per_quantum"] = round(lsst["us_per_quantum"] / ours["us_per_quantum"], 1)
        summary["peak_rss_mb"] = {"ours": ours["peak_rss_mb"], "lsst": lsst["peak_rss_mb"]}
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
