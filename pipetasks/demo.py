"""The one-command demo: a MegaPrime repository from simulated raws to pipeline outputs.

``python -m pipetasks.demo [REPO]`` (default ``./demo-repo``) does what a new MegaPrime user
does, with a progress bar over each stage:

1. create a SQLite repository and register the MegaPrime instrument;
2. simulate raw exposures (science, bias and flat) of a few CCDs and the master calibrations;
3. ingest the raws, define visits, write the curated calibrations (camera, defects), ingest
   and certify the master bias, dark and flat, register a sky map;
4. run the demo pipeline (``pipetasks/pipelines/MegaPrime_demo.yaml``) over every raw;
5. print what is in the repository and where to look next.

Each stage is also a ``butler`` / ``pipetask`` command; the summary prints them.
"""

from __future__ import annotations

import argparse
import importlib.resources
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import astropy.units as u
from astropy.time import Time, TimeDelta
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

__all__ = ["DemoPlan", "main", "run_demo"]

T = TypeVar("T")

_MARKER = ".pipetasks-demo"
_OUTPUT = "u/demo/quicklook"
_CALIB_DATE = "20261101T000000Z"


@dataclass
class DemoPlan:
    """What the demo simulates.

    Attributes
    ----------
    detectors : `list` [`int`]
        CCDs simulated in every exposure (the four around the field centre by default).
    science_exposures : `int`
        r-band science exposures of one field, dithered by about an arcminute.
    physical_filter : `str`
    ra, dec : `float`
        Field centre, degrees.
    seed : `int`
        Everything simulated follows from it.
    processes : `int`
        Worker processes for simulation, ingest and execution.
    """

    detectors: list[int] = field(default_factory=lambda: [12, 13, 21, 22])
    science_exposures: int = 3
    physical_filter: str = "r.MP9601"
    ra: float = 150.1
    dec: float = 2.2
    seed: int = 20261101
    processes: int = 2
    night: Time = field(default_factory=lambda: Time("2026-11-01T15:30:00", scale="utc"))

    def exposure_specs(self) -> list[Any]:
        """Science exposures, then one bias and one dome flat."""
        from pipetasks.sim import ExposureSpec

        specs = []
        dithers = [(0.0, 0.0), (1.0, 0.5), (-0.5, 1.0), (0.5, -1.0), (-1.0, -0.5)]
        for index in range(self.science_exposures):
            dra, ddec = dithers[index % len(dithers)]
            specs.append(
                ExposureSpec(
                    exposure_id=2600001 + index,
                    obstype="OBJECT",
                    physical_filter=self.physical_filter,
                    exptime=300.0,
                    date_begin=self.night + TimeDelta(index * 330.0, format="sec"),
                    ra=self.ra + dra / 60.0,
                    dec=self.dec + ddec / 60.0,
                    rotation=0.0,
                    object="COSMOS-demo",
                    runid="26BQ99",
                    seeing=0.75 + 0.05 * index,
                )
            )
        calib_time = self.night - TimeDelta(6 * 3600.0, format="sec")
        specs.append(ExposureSpec(exposure_id=2600090, obstype="BIAS", physical_filter=self.physical_filter,
                                  exptime=0.0, date_begin=calib_time, ra=self.ra, dec=self.dec,
                                  object="bias", runid="26BQ99"))
        specs.append(ExposureSpec(exposure_id=2600091, obstype="FLAT", physical_filter=self.physical_filter,
                                  exptime=5.0, date_begin=calib_time + TimeDelta(60.0, format="sec"),
                                  ra=self.ra, dec=self.dec, object="domeflat", runid="26BQ99"))
        return specs


class _Stages:
    """A rich progress display with one bar per stage (plain lines when not on a terminal)."""

    def __init__(self, console: Console):
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description:<34}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=False, disable=not console.is_terminal,
        )

    def __enter__(self) -> _Stages:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def run(self, description: str, items: Sequence[T], work: Callable[[T], Any]) -> list[Any]:
        """Apply ``work`` to each item, advancing the stage's bar."""
        start = time.perf_counter()
        task = self.progress.add_task(description, total=len(items))
        results = []
        for item in items:
            results.append(work(item))
            self.progress.advance(task)
        self._done(description, start)
        return results

    def map(self, description: str, futures: Iterable[Any], total: int) -> list[Any]:
        """Collect futures as they finish, advancing the bar."""
        from concurrent.futures import as_completed

        start = time.perf_counter()
        task = self.progress.add_task(description, total=total)
        results = []
        for future in as_completed(list(futures)):
            results.append(future.result())
            self.progress.advance(task)
        self._done(description, start)
        return results

    def _done(self, description: str, start: float) -> None:
        if not self.console.is_terminal:
            self.console.print(f"{description} ... done in {time.perf_counter() - start:.1f} s")


def _simulate_exposure(args: tuple[int, Any, str, list[int], Any]) -> str:
    from pipetasks.sim import MegaPrimeSimulator

    seed, spec, directory, detectors, truth = args
    return str(MegaPrimeSimulator(seed=seed).write_raw(spec, directory, detectors=detectors, truth=truth))


def _prepare_repo(repo: Path, clobber: bool) -> None:
    if repo.exists():
        if not (repo / _MARKER).exists() and any(repo.iterdir()):
            raise SystemExit(f"{repo} exists and is not a demo repository made by this command; "
                             "give another path or remove it yourself")
        if not clobber:
            raise SystemExit(f"{repo} holds an earlier demo; pass --clobber to replace it")
        shutil.rmtree(repo)


def run_demo(repo: Path, plan: DemoPlan | None = None, *, clobber: bool = True, console: Console | None = None) -> dict[str, Any]:
    """Build the demo repository at ``repo``; returns counts for the summary (and tests).

    Raises
    ------
    SystemExit
        If ``repo`` exists and was not made by the demo, or is a demo and ``clobber`` is false.
    """
    from butler import Butler, CollectionType, DatasetType, FileDataset, Timespan
    from pipetasks.execution.simple import SimplePipelineExecutor
    from pipetasks.instruments import MegaPrime
    from pipetasks.instruments.curated import write_curated_calibrations
    from pipetasks.instruments.ingest import ingest_raws
    from pipetasks.instruments.visits import define_visits
    from pipetasks.sim import MegaPrimeSimulator
    from pipetasks.skymap import DiscreteSkyMap

    plan = plan or DemoPlan()
    console = console or Console()
    repo = Path(repo).resolve()
    _prepare_repo(repo, clobber)
    raw_dir, calib_dir = repo / "simulated" / "raw", repo / "simulated" / "calib"
    raw_dir.mkdir(parents=True)
    calib_dir.mkdir(parents=True)
    megaprime = MegaPrime()
    counts: dict[str, Any] = {}

    with _Stages(console) as stages:
        def create(_: Any) -> None:
            Butler.makeRepo(repo)
            (repo / _MARKER).write_text("made by python -m pipetasks.demo\n")
            with Butler(repo, writeable=True) as butler:
                megaprime.register(butler.registry)

        stages.run("Create repo, register MegaPrime", [None], create)

        simulator = MegaPrimeSimulator(seed=plan.seed)
        truth = simulator.make_truth_catalog(ra=plan.ra, dec=plan.dec, radius=0.35,
                                             physical_filter=plan.physical_filter)
        specs = plan.exposure_specs()
        jobs = [(plan.seed, spec, str(raw_dir), plan.detectors, truth if spec.obstype == "OBJECT" else None)
                for spec in specs]
        with ProcessPoolExecutor(max_workers=plan.processes) as pool:
            stages.map(f"Simulate {len(jobs)} raw files x {len(plan.detectors)} CCDs",
                       (pool.submit(_simulate_exposure, job) for job in jobs), total=len(jobs))
        calibrations = stages.run(
            "Simulate master bias/dark/flat", [None],
            lambda _: simulator.write_master_calibrations(calib_dir, detectors=plan.detectors,
                                                          physical_filters=[plan.physical_filter],
                                                          date=plan.night),
        )[0]

        with Butler(repo, writeable=True) as butler:
            raw_files = sorted(str(p) for p in raw_dir.glob("*o.fits*"))
            result = stages.run("Ingest raws", [raw_files],
                                lambda files: ingest_raws(butler, files, transfer="copy", processes=plan.processes))[0]
            if result.failures:
                raise RuntimeError(f"demo raws failed to ingest: {result.failures}")
            counts["raws"] = len(result.ingested)
            visits = stages.run("Define visits", [None], lambda _: define_visits(butler, megaprime))[0]
            counts["visits"] = len(visits.defined)
            curated = stages.run("Write curated calibrations", [None],
                                 lambda _: write_curated_calibrations(megaprime, butler))[0]
            counts["curated"] = len(curated)
            counts["masters"] = _ingest_master_calibrations(butler, megaprime, calibrations, plan, stages)
            skymap = DiscreteSkyMap(_discrete_config(plan))
            stages.run("Register sky map 'demo'", [None], lambda _: skymap.register("demo", butler))
            butler.registry.registerCollection(megaprime.makeUmbrellaCollectionName(), CollectionType.CHAINED)
            butler.registry.setCollectionChain(
                megaprime.makeUmbrellaCollectionName(),
                [megaprime.makeDefaultRawIngestRunName(), megaprime.makeCalibrationCollectionName(), "skymaps"],
            )

        pipeline = str(importlib.resources.files("pipetasks.pipelines").joinpath("MegaPrime_demo.yaml"))
        executor_butler = SimplePipelineExecutor.prep_butler(
            str(repo), inputs=[megaprime.makeUmbrellaCollectionName()], output=_OUTPUT)
        executor = SimplePipelineExecutor.from_pipeline_filename(pipeline, butler=executor_butler)
        n_quanta = len(executor.quantum_graph)
        stages.run(f"Run the pipeline ({n_quanta} quanta)", [None],
                   lambda _: executor.run(register_dataset_types=True, processes=plan.processes))
        counts["quanta"] = n_quanta
    counts["repo"] = str(repo)
    return counts


def _discrete_config(plan: DemoPlan) -> Any:
    from pipetasks.skymap import DiscreteSkyMapConfig

    config = DiscreteSkyMapConfig()
    config.raList = [plan.ra]
    config.decList = [plan.dec]
    config.radiusList = [0.4]
    return config


def _ingest_master_calibrations(butler: Any, megaprime: Any, calibrations: dict, plan: DemoPlan, stages: _Stages) -> int:
    """Ingest the simulated master bias, dark and flat and certify them from 30 days before the night."""
    from butler import CollectionType, DatasetRef, DatasetType, FileDataset, Timespan

    run = megaprime.makeCalibrationCollectionName("sim", _CALIB_DATE)
    calib = megaprime.makeCalibrationCollectionName()
    dimensions = {"bias": ("instrument", "detector"), "dark": ("instrument", "detector"),
                  "flat": ("instrument", "detector", "physical_filter")}
    types = {name: DatasetType(name, dims, "ExposureF", universe=butler.dimensions, isCalibration=True)
             for name, dims in dimensions.items()}

    def ingest(item: tuple[tuple, Any]) -> Any:
        key, path = item
        data_id = {"instrument": megaprime.getName(), "detector": key[1]}
        if key[0] == "flat":
            data_id["physical_filter"] = key[2]
        ref = DatasetRef(types[key[0]], data_id, run=run)
        butler.ingest(FileDataset(str(path), ref), transfer="copy")
        return ref

    with butler.transaction():
        for dataset_type in types.values():
            butler.registry.registerDatasetType(dataset_type)
        butler.registry.registerRun(run)
        butler.registry.registerCollection(calib, CollectionType.CALIBRATION)
        refs = stages.run("Ingest master calibrations", sorted(calibrations.items(), key=str), ingest)
        valid = Timespan(plan.night - TimeDelta(30, format="jd"), None)
        butler.registry.certify(calib, refs, valid)
    return len(refs)


def _summary(repo: Path, console: Console, counts: dict[str, Any]) -> None:
    from butler import Butler

    butler = Butler(repo, collections=[_OUTPUT], instrument="MegaPrime")
    table = Table(title="rawSummary: per-amplifier quick look (pipeline output)")
    for column in ("exposure", "type", "det", "amp", "bias ADU", "noise e-", "signal e-", "sat px"):
        table.add_column(column, justify="right")
    refs = sorted(butler.query_datasets("rawSummary", with_dimension_records=True),
                  key=lambda r: (r.dataId["exposure"], r.dataId["detector"]))
    for ref in refs:
        summary = butler.get(ref)
        obstype = ref.dataId.records["exposure"].observation_type
        for name, amp in summary["amplifiers"].items():
            table.add_row(str(ref.dataId["exposure"]), obstype, str(ref.dataId["detector"]), name,
                          f"{amp['overscan_adu']:.1f}", f"{amp['read_noise_electrons']:.2f}",
                          f"{amp['signal_electrons']:.0f}", str(amp["saturated_pixels"]))
    console.print(table)
    patches = butler.query_data_ids(["visit", "tract", "patch"], skymap="demo")
    by_visit: dict[int, int] = {}
    for row in patches:
        by_visit[row["visit"]] = by_visit.get(row["visit"], 0) + 1
    console.print(
        f"\n[bold]Repository {repo}[/bold]: {counts['raws']} raw CCD images, {counts['visits']} visits "
        f"(patches overlapped per visit: {by_visit}), {counts['curated']} curated and {counts['masters']} master "
        f"calibrations certified in MegaPrime/calib, {counts['quanta']} quanta run into {_OUTPUT}.\n"
    )
    console.print("Where to look next:")
    for line in (
        f"butler query-collections {repo}",
        f"butler query-datasets {repo} raw --collections MegaPrime/raw/all",
        f"butler query-dimension-records {repo} visit",
        f"butler query-data-ids {repo} visit detector --where \"visit_detector_region.region OVERLAPS "
        f"POINT(150.1, 2.2)\"",
        f"pipetask run -b {repo} -i MegaPrime/defaults -o u/me/again -p "
        f"{importlib.resources.files('pipetasks.pipelines').joinpath('MegaPrime_demo.yaml')}",
        f"python -c \"from butler import Butler; b = Butler('{repo}', collections='MegaPrime/defaults'); "
        "print(b.get('raw', instrument='MegaPrime', exposure=2600001, detector=12))\"",
        f"simulated files and truth catalogs: {repo}/simulated/",
    ):
        console.print(f"  {line}", soft_wrap=True, highlight=False, markup=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m pipetasks.demo``."""
    parser = argparse.ArgumentParser(prog="python -m pipetasks.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", nargs="?", default="demo-repo", help="repository to create (default ./demo-repo)")
    parser.add_argument("--detectors", default="12,13,21,22", help="CCDs to simulate, comma-separated")
    parser.add_argument("--exposures", type=int, default=3, help="r-band science exposures")
    parser.add_argument("-j", "--processes", type=int, default=2, help="worker processes")
    parser.add_argument("--seed", type=int, default=20261101)
    parser.add_argument("--clobber", action="store_true", help="replace an earlier demo repository at REPO")
    args = parser.parse_args(argv)
    plan = DemoPlan(detectors=[int(d) for d in args.detectors.split(",")], science_exposures=args.exposures,
                    processes=args.processes, seed=args.seed)
    console = Console()
    start = time.perf_counter()
    counts = run_demo(Path(args.repo), plan, clobber=args.clobber, console=console)
    _summary(Path(args.repo), console, counts)
    console.print(f"\nDemo finished in {time.perf_counter() - start:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
