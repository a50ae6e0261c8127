"""The questions asked of every repository in the exchange tests, in a form both butlers answer.

This module imports neither LSST nor skybutler: `answers` is given a butler
(LSST's or ours, whose APIs agree here) and the ``Timespan`` class to use,
and returns plain JSON-able data.  The generator (``make_lsst_exports.py``,
run with LSST's venv) records LSST's answers with it in ``expected.json``;
the tests ask our butler the same questions and compare.
"""

from __future__ import annotations

from typing import Any

INSTRUMENT = "Cam"
SKYMAP = "sky"

POINTS = {
    # (ra, dec) in degrees: inside visit 1 only; inside visits 1 and 2; outside every visit.
    "in_v1": (149.8, 1.8),
    "in_v1_v2": (150.4, 2.1),
    "nowhere": (10.0, -40.0),
}

TIME_WINDOW = ("2024-01-01T02:30:00", "2024-01-01T05:30:00")

CALIB_TIMES = ("2024-01-01T12:00:00", "2024-01-03T12:00:00")

RUNS = ("Cam/runs/r1", "Cam/runs/r2", "Cam/calib/bias1", "Cam/calib/bias2", "skymaps/coadd")

DATASET_TYPES = ("summary", "rawInfo", "coaddInfo", "bias")

ELEMENTS = (
    "instrument", "band", "physical_filter", "detector", "group", "day_obs", "visit", "exposure",
    "skymap", "tract", "patch", "visit_detector_region", "visit_system", "visit_definition",
    "visit_system_membership",
)


def _plain(value: Any) -> Any:
    """A JSON value for a record field: times as TAI ISO strings, regions and bytes as hex."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "begin") and hasattr(value, "end"):  # a Timespan
        return [_plain(value.begin), _plain(value.end)]
    if hasattr(value, "tai") and hasattr(value, "isot"):  # an astropy Time, to the nanosecond
        tai = value.tai.copy()
        tai.precision = 9
        return tai.isot
    if hasattr(value, "encode"):  # a region
        return value.encode().hex()
    return str(value)


def _data_id(data_id: Any, names: Any) -> dict[str, Any]:
    return {name: data_id[name] for name in sorted(names)}


def records(butler: Any, elements: Any = ELEMENTS) -> dict[str, list[dict[str, Any]]]:
    """Every record of each element the universe has, fields as plain values, sorted."""
    result = {}
    for name in elements:
        if name not in butler.dimensions.getStaticElements():
            continue
        rows = [{k: _plain(v) for k, v in r.toDict().items()}
                for r in butler.registry.queryDimensionRecords(name)]
        result[name] = sorted(rows, key=lambda row: repr(sorted(row.items(), key=lambda kv: kv[0])))
    return result


def export_everything(butler: Any, directory: Any, filename: str, transfer: str | None = "copy") -> None:
    """Export every record, collection and dataset of a repository (with either butler's ``export``)."""
    with butler.export(directory=str(directory), filename=filename, transfer=transfer) as export:
        for element in butler.dimensions.getStaticElements():
            if element.has_own_table and not getattr(element, "view_of", None):
                export.saveDimensionData(element, butler.registry.queryDimensionRecords(element))
        for name in butler.registry.queryCollections(...):
            export.saveCollection(name)
        for dataset_type in butler.registry.queryDatasetTypes(...):
            export.saveDatasets(butler.registry.queryDatasets(dataset_type, collections=...))


def answers(butler: Any, timespan_class: Any, time_class: Any) -> dict[str, Any]:
    """The answers of one repository to every question (see the module docstring)."""
    out: dict[str, Any] = {}
    hsc = {"instrument": INSTRUMENT}
    out["visits_at_point"] = {
        label: sorted(d["visit"] for d in butler.query_data_ids(
            ["visit"], where=f"visit.region OVERLAPS POINT({ra}, {dec})", explain=False, **hsc))
        for label, (ra, dec) in POINTS.items()
    }
    out["visit_patch"] = sorted(
        [d["visit"], d["tract"], d["patch"]]
        for d in butler.query_data_ids(["visit", "patch"], explain=False, skymap=SKYMAP, **hsc))
    out["visit_detector_patch"] = sorted(
        [d["visit"], d["detector"], d["tract"], d["patch"]]
        for d in butler.query_data_ids(["visit", "detector", "patch"], explain=False, skymap=SKYMAP, **hsc))
    begin, end = TIME_WINDOW
    out["visits_in_window"] = sorted(
        d["visit"] for d in butler.query_data_ids(
            ["visit"], where=f"visit.timespan OVERLAPS (T'{begin}', T'{end}')", explain=False, **hsc))
    out["exposures_of_day"] = sorted(
        d["exposure"] for d in butler.query_data_ids(
            ["exposure"], where="exposure.day_obs = 20240102", explain=False, **hsc))
    out["dataset_types"] = {
        t.name: {"dimensions": sorted(t.dimensions.required), "storage_class": t.storageClass_name,
                 "is_calibration": t.isCalibration()}
        for t in butler.registry.queryDatasetTypes(...)
    }
    datasets = {}
    contents = {}
    for name in DATASET_TYPES:
        refs = butler.query_datasets(name, collections=list(RUNS), find_first=False, explain=False)
        datasets[name] = sorted(
            [str(ref.id), ref.run, _data_id(ref.dataId, ref.datasetType.dimensions.required)] for ref in refs)
        for ref in refs:
            contents[str(ref.id)] = butler.get(ref)
    out["datasets"] = datasets
    out["contents"] = contents
    out["find_first_defaults"] = sorted(
        str(ref.id) for ref in butler.query_datasets("summary", collections="Cam/defaults", explain=False))
    out["tagged"] = sorted(
        str(ref.id) for name in DATASET_TYPES
        for ref in butler.query_datasets(name, collections="Cam/tagged/best", find_first=False,
                                         explain=False))
    lookups = {}
    for when in CALIB_TIMES:
        t = time_class(when, scale="tai")
        for detector in range(4):
            ref = butler.find_dataset("bias", instrument=INSTRUMENT, detector=detector,
                                      collections="Cam/calib", timespan=timespan_class(t, t))
            lookups[f"{when}/{detector}"] = None if ref is None else str(ref.id)
    out["calib_lookup"] = lookups
    out["certifications"] = sorted(
        [str(a.ref.id), _plain(a.timespan.begin), _plain(a.timespan.end)]
        for a in butler.registry.queryDatasetAssociations("bias", collections="Cam/calib"))
    collections = {}
    for name in butler.registry.queryCollections(...):
        ctype = butler.registry.getCollectionType(name)
        doc = butler.registry.getCollectionDocumentation(name) or None
        info: dict[str, Any] = {"type": ctype.name, "doc": doc}
        if ctype.name == "CHAINED":
            info["children"] = list(butler.registry.getCollectionChain(name))
        collections[name] = info
    out["collections"] = collections
    out["records"] = records(butler)
    return out
