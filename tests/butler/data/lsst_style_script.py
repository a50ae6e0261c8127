"""A night's processing in the style of an LSST user script, written against ``lsst.daf.butler``'s public API.

It creates a repository, defines an instrument, ingests raw files, "processes"
them into per-detector summaries and a per-visit source table, organizes the
outputs with a chain, certifies biases with validity ranges, queries and
reads everything back, and cleans up.  Only the first line names the butler
package: the skybutler tests run this very file with that line rewritten to
``from butler import ...`` and compare its output with what LSST printed.

Usage: python lsst_style_script.py REPO_DIRECTORY
"""

from lsst.daf.butler import Butler, CollectionType, DatasetIdGenEnum, DatasetNotFoundError, DatasetRef, DatasetType, FileDataset, MissingDatasetTypeError, Timespan  # noqa: E501

import os
import sys

import astropy.units as u
import yaml
from astropy.table import Table
from astropy.time import Time

INSTRUMENT = "MyCam"
RAW_RUN = "MyCam/raw/all"
CALIB_RUN = "MyCam/calib/run1"
CALIB = "MyCam/calib"
OUT_RUN = "u/someone/processing/run1"
RERUN = "u/someone/processing/run2"
CHAIN = "u/someone/processing"
NIGHT_START = Time("2025-03-01T02:00:00", scale="tai")


def section(title):
    print(f"== {title}")


def define_instrument(butler):
    registry = butler.registry
    registry.insertDimensionData("instrument", {"name": INSTRUMENT, "detector_max": 3, "visit_max": 1000,
                                                "exposure_max": 1000, "class_name": "my.cam.MyCam"})
    registry.insertDimensionData("physical_filter",
                                 {"instrument": INSTRUMENT, "name": "MyCam-r", "band": "r"},
                                 {"instrument": INSTRUMENT, "name": "MyCam-i", "band": "i"})
    registry.insertDimensionData("detector", *[
        {"instrument": INSTRUMENT, "id": d, "full_name": f"S{d:02d}", "purpose": "SCIENCE"}
        for d in range(3)])
    registry.insertDimensionData("day_obs", {"instrument": INSTRUMENT, "id": 20250301,
                                             "timespan": Timespan.from_day_obs(20250301)})
    registry.insertDimensionData("group", {"instrument": INSTRUMENT, "name": "night1"})
    exposures, visits = [], []
    for seq in range(1, 5):
        begin = NIGHT_START + seq * 10 * u.min
        common = {"instrument": INSTRUMENT, "id": 2025030100 + seq, "physical_filter": "MyCam-r" if seq < 3
                  else "MyCam-i", "day_obs": 20250301, "exposure_time": 30.0,
                  "timespan": Timespan(begin, begin + 30 * u.s)}
        exposures.append({**common, "obs_id": f"MC_O_20250301_{seq:06d}", "seq_num": seq, "group": "night1",
                          "observation_type": "science"})
        visits.append({**common, "name": f"MC_O_20250301_{seq:06d}", "seq_num": seq})
    registry.insertDimensionData("exposure", *exposures)
    registry.insertDimensionData("visit", *visits)
    # with_dimension_records queries over (visit, detector) need these rows.
    registry.insertDimensionData("visit_detector_region", *[
        {"instrument": INSTRUMENT, "visit": v["id"], "detector": d, "region": None}
        for v in visits for d in range(3)])
    print(f"instrument {INSTRUMENT}: {len(exposures)} exposures, 3 detectors, 2 filters")


def register_dataset_types(butler):
    universe = butler.dimensions
    types = [
        DatasetType("raw", ("instrument", "exposure", "detector"), "StructuredDataDict", universe=universe),
        DatasetType("calexpSummary", ("instrument", "visit", "detector"), "StructuredDataDict",
                    universe=universe),
        DatasetType("sourceTable_visit", ("instrument", "visit"), "ArrowAstropy", universe=universe),
        DatasetType("bias", ("instrument", "detector"), "StructuredDataDict", universe=universe,
                    isCalibration=True),
    ]
    for dataset_type in types:
        print(f"registered {dataset_type.name}: {butler.registry.registerDatasetType(dataset_type)}")
    print(f"registered again: {butler.registry.registerDatasetType(types[0])}")


def ingest_raws(butler, staging):
    raw = butler.get_dataset_type("raw")
    datasets = []
    for seq in range(1, 5):
        for detector in range(3):
            path = os.path.join(staging, f"raw_{seq}_{detector}.yaml")
            with open(path, "w") as stream:
                content = {"seq": seq, "detector": detector, "pixels": [seq * 10 + detector] * 4}
                yaml.safe_dump(content, stream)
            data_id = {"instrument": INSTRUMENT, "exposure": 2025030100 + seq, "detector": detector}
            ref = DatasetRef(raw, data_id, run=RAW_RUN, id_generation_mode=DatasetIdGenEnum.DATAID_TYPE_RUN)
            datasets.append(FileDataset(path=path, refs=[ref]))
    butler.ingest(*datasets, transfer="copy")
    first = datasets[0].refs[0]
    print(f"ingested {len(datasets)} raws into {RAW_RUN}; first id {first.id}")
    stored = butler.registry.queryDatasets("raw", collections=RAW_RUN)
    print(f"raws in the registry: {len(set(stored))}")
    # The ids are deterministic: ingesting again is a conflict, or a no-op with skip_existing.
    try:
        butler.ingest(*datasets, transfer="copy")
    except Exception as err:  # lsst.daf.butler.registry.ConflictingDefinitionError
        print(f"ingest again: {type(err).__name__}")
    butler.ingest(*datasets, transfer="copy", skip_existing=True)
    print(f"after re-ingest: {len(set(butler.registry.queryDatasets('raw', collections=RAW_RUN)))}")


def process(repo):
    butler = Butler(repo, collections=[RAW_RUN], run=OUT_RUN, instrument=INSTRUMENT)
    for exposure in butler.query_dimension_records("exposure", order_by="exposure"):
        tables = []
        for detector in range(3):
            raw = butler.get("raw", exposure=exposure.id, detector=detector)
            mean = sum(raw["pixels"]) / len(raw["pixels"])
            summary = {"mean": mean, "seq": raw["seq"], "obs_id": exposure.obs_id}
            butler.put(summary, "calexpSummary", visit=exposure.id, detector=detector)
            tables.append((detector, mean))
        table = Table(rows=tables, names=("detector", "flux"))
        table["flux"].unit = u.nJy
        butler.put(table, "sourceTable_visit", visit=exposure.id)
    print(f"processed {len(butler.query_datasets('calexpSummary', collections=OUT_RUN))} summaries")


def organize(butler):
    print(f"register chain: {butler.collections.register(CHAIN, CollectionType.CHAINED)}")
    butler.collections.extend_chain(CHAIN, [OUT_RUN, RAW_RUN])
    info = butler.collections.get_info(CHAIN)
    print(f"chain {info.name} ({info.type.name}): {list(info.children)}")
    mine = sorted(butler.collections.query("u/*"))
    print(f"collections: {sorted(butler.collections.query('MyCam/*'))} + {mine}")


def certify_biases(butler):
    butler.collections.register(CALIB_RUN)
    butler.collections.register(CALIB, CollectionType.CALIBRATION)
    switch = NIGHT_START + 25 * u.min
    early = butler.put({"level": 100}, "bias", instrument=INSTRUMENT, detector=0, run=CALIB_RUN)
    butler.collections.register(CALIB_RUN + "b")
    late = butler.put({"level": 105}, "bias", instrument=INSTRUMENT, detector=0, run=CALIB_RUN + "b")
    butler.registry.certify(CALIB, [early], Timespan(None, switch))
    butler.registry.certify(CALIB, [late], Timespan(switch, None))
    for seq in range(1, 5):
        bias = butler.get("bias", instrument=INSTRUMENT, detector=0, exposure=2025030100 + seq,
                          collections=CALIB)
        print(f"bias for exposure {seq}: level {bias['level']}")
    at_start = butler.get("bias", instrument=INSTRUMENT, detector=0, collections=CALIB,
                          timespan=Timespan(NIGHT_START, NIGHT_START + 1 * u.min))
    print(f"bias at the start of the night: {at_start['level']}")


def analyse(repo):
    butler = Butler(repo, collections=CHAIN, instrument=INSTRUMENT)
    refs = butler.query_datasets("calexpSummary", where="band = 'r' AND detector IN (0, 2)",
                                 order_by=["visit", "detector"])
    print(f"r-band summaries: {[(r.dataId['visit'] % 100, r.dataId['detector']) for r in refs]}")
    refs = butler.query_datasets("calexpSummary", where="visit.seq_num > s AND detector = d",
                                 bind={"s": 2, "d": 1}, with_dimension_records=True)
    print(f"late, detector 1: {sorted(r.dataId.records['visit'].name for r in refs)}")
    summary = butler.get("calexpSummary", visit=2025030102, detector=1)
    print(f"summary visit 2 detector 1: {summary}")
    by_name = butler.get("calexpSummary", {"detector.full_name": "S02"}, visit=2025030103)
    print(f"summary by detector name: mean {by_name['mean']}")
    raw = butler.get("raw", day_obs=20250301, seq_num=4, detector=0)
    print(f"raw by day_obs and seq_num: {raw['pixels']}")
    fluxes = butler.get("sourceTable_visit", visit=2025030104, parameters={"columns": ["flux"]})
    print(f"fluxes: {[float(f) for f in fluxes['flux']]} {fluxes['flux'].unit}; columns {fluxes.colnames}")
    print(f"rows: {butler.get('sourceTable_visit.rowcount', visit=2025030104)}")
    print(f"find missing: {butler.find_dataset('calexpSummary', visit=2025030104, detector=5)}")
    found = butler.find_dataset("calexpSummary", visit=2025030104, detector=2)
    print(f"find existing: run {found.run}, exists {bool(butler.exists(found))}")
    try:
        butler.get("calexpSummary", visit=2025030101, detector=0, collections=RAW_RUN)
    except DatasetNotFoundError:
        print("calexpSummary is not in the raw run")
    try:
        butler.get("calexp", visit=2025030101, detector=0)
    except MissingDatasetTypeError:
        print("no calexp dataset type")
    data_ids = butler.query_data_ids(["visit", "detector"], where="band = 'i' AND detector = 0")
    print(f"i-band data IDs: {sorted((d['visit'] % 100, d['physical_filter']) for d in data_ids)}")
    return butler


def rerun_and_clean_up(repo):
    butler = Butler(repo, run=RERUN, collections=CHAIN, instrument=INSTRUMENT)
    butler.put({"mean": -1.0, "seq": 1, "obs_id": "redo"}, "calexpSummary", visit=2025030101, detector=0)
    butler.collections.prepend_chain(CHAIN, RERUN)
    print(f"chain now: {list(butler.collections.get_info(CHAIN).children)}")
    print(f"shadowed: {butler.get('calexpSummary', visit=2025030101, detector=0)['mean']}")
    try:
        butler.put({"mean": -2.0}, "calexpSummary", visit=2025030101, detector=0)
    except Exception as err:  # lsst.daf.butler.registry.ConflictingDefinitionError
        print(f"put twice: {type(err).__name__}")
    butler.collections.remove_from_chain(CHAIN, RERUN)
    butler.removeRuns([RERUN])
    print(f"after removeRuns: {sorted(butler.collections.query('u/*'))}")
    print(f"back to: {butler.get('calexpSummary', visit=2025030101, detector=0)['mean']}")


def main(repo):
    section("create")
    Butler.makeRepo(repo)
    butler = Butler(repo, writeable=True)
    define_instrument(butler)
    register_dataset_types(butler)
    section("ingest")
    staging = os.path.join(repo, "..", "staging")
    os.makedirs(staging, exist_ok=True)
    ingest_raws(butler, staging)
    section("process")
    process(repo)
    section("organize")
    organize(butler)
    section("calibrations")
    certify_biases(Butler(repo, writeable=True))
    section("analyse")
    analyse(repo)
    section("rerun")
    rerun_and_clean_up(repo)
    print("done")


if __name__ == "__main__":
    main(sys.argv[1])
