"""Make the LSST-written export fixtures of ``tests/exchange`` (runs only with LSST's own middleware).

Regenerate (from the project root; needs the LSST venv, never our own)::

    /work/lsst-venv/bin/python tests/exchange/data/make_lsst_exports.py

For each LSST dimension universe version 5, 6, 7 and 8 this makes a small
LSST repository (``Butler.makeRepo(dimensionConfig=configs/old_dimensions/
daf_butler_universe<V>.yaml)``; 8 is LSST's default), fills it with the same
content, exports everything with LSST's ``butler.export`` and records LSST's
answers to the questions of ``answers.py``.  Outputs, next to this script:

``lsst_v<V>.yaml``
    LSST's export file of universe version V (format 1.0.2).
``files/``
    The dataset files the exports name (the same paths and bytes for every
    version; the script checks that).
``expected.json``
    ``{"v<V>": answers}``: LSST's answers on its own repository of each version.

Content (the same in every version, minus what a universe lacks):
instrument ``Cam`` (4 detectors, filters ``Cam-g``/``Cam-r``), day_obs
20240101-20240102 with timespans, groups, 3 exposures and 3 one-exposure
visits with regions (polygons of about 1x1 degree near RA 150, Dec 2) and
timespans, visit_detector_region quadrants, visit systems; skymap ``sky``
with one tract and a 3x3 grid of 1-degree patches; dataset types
``summary`` (visit, detector), ``rawInfo`` (exposure, detector),
``coaddInfo`` (tract, patch, band) and calibration ``bias`` (detector);
RUNs ``Cam/runs/r1``, ``Cam/runs/r2``, ``Cam/calib/bias1``,
``Cam/calib/bias2``, ``skymaps/coadd``; CALIBRATION ``Cam/calib`` (bias1
valid 2024-01-01..2024-01-02, bias2 from 2024-01-02 unbounded); TAGGED
``Cam/tagged/best``; CHAINED ``Cam/defaults`` = [r2, r1, Cam/calib] and
``all`` = [Cam/defaults, skymaps/coadd, Cam/tagged/best]; collection docs.
Dataset IDs are fixed (UUID5 of a name), so regenerating changes nothing.

Second use, by ``tests/exchange/test_lsst_roundtrip.py``::

    make_lsst_exports.py --answer EXPORT_FILE DIRECTORY OUTPUT_JSON

imports an export (written by us) into a fresh LSST repository and writes
LSST's answers there as JSON.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from answers import INSTRUMENT, SKYMAP, answers, export_everything  # noqa: E402

VERSIONS = (5, 6, 7, 8)
NAMESPACE = uuid.UUID("6d2c6a2e-3a64-4c55-9d7e-54b6a9d0a2f1")


def _polygon(ra0: float, dec0: float, ra1: float, dec1: float):
    from lsst.sphgeom import ConvexPolygon, LonLat, UnitVector3d

    corners = [(ra0, dec0), (ra1, dec0), (ra1, dec1), (ra0, dec1)]
    return ConvexPolygon([UnitVector3d(LonLat.fromDegrees(ra, dec)) for ra, dec in corners])


def _time(text: str):
    import astropy.time

    return astropy.time.Time(text, scale="tai")


def _visit_geometry(visit: int) -> tuple[float, float]:
    """Lower-left corner of the visit's 1x1 degree footprint."""
    return {1: (149.5, 1.5), 2: (150.2, 1.9), 3: (151.6, 2.6)}[visit]


def fill(butler, version: int) -> None:
    """Insert the records, dataset types, collections and datasets described in the module docstring."""
    from lsst.daf.butler import CollectionType, DatasetRef, DatasetType, Timespan

    registry = butler.registry
    registry.insertDimensionData("instrument", {
        "name": INSTRUMENT, "visit_max": 1000, "exposure_max": 1000, "detector_max": 4,
        "class_name": "lsst.obs.base.instrument_tests.DummyCam", "visit_system": 0})
    registry.insertDimensionData("physical_filter",
                                 {"instrument": INSTRUMENT, "name": "Cam-g", "band": "g"},
                                 {"instrument": INSTRUMENT, "name": "Cam-r", "band": "r"})
    registry.insertDimensionData("detector", *[
        {"instrument": INSTRUMENT, "id": d, "full_name": f"D{d}", "name_in_raft": f"S{d}", "raft": "R0",
         "purpose": "SCIENCE"} for d in range(4)])
    if version >= 6:
        registry.insertDimensionData("day_obs", *[
            {"instrument": INSTRUMENT, "id": day, "timespan": Timespan.from_day_obs(day, offset=-43200)}
            for day in (20240101, 20240102)])
        registry.insertDimensionData("group", *[{"instrument": INSTRUMENT, "name": f"grp{n}"}
                                                for n in (1, 2)])
    registry.insertDimensionData("visit_system", {"instrument": INSTRUMENT, "id": 0, "name": "one-to-one"})
    exposures = []
    visits = []
    for n in (1, 2, 3):
        begin = _time(f"2024-01-0{1 if n < 3 else 2}T0{n + 1}:00:00")
        end = _time(f"2024-01-0{1 if n < 3 else 2}T0{n + 1}:00:30")
        day_obs = 20240101 if n < 3 else 20240102
        exposure = {
            "instrument": INSTRUMENT, "id": 100 + n, "obs_id": f"CAM{100 + n:06d}",
            "physical_filter": "Cam-g" if n == 1 else "Cam-r", "exposure_time": 30.0, "dark_time": 30.5,
            "observation_type": "science" if n != 2 else "dark", "observation_reason": "test",
            "seq_num": n, "seq_start": n, "seq_end": n, "target_name": "field", "science_program": "p1",
            "tracking_ra": 150.0 + 0.5 * n, "tracking_dec": 2.0, "sky_angle": 90.0, "azimuth": 180.0,
            "zenith_angle": 30.0, "has_simulated": False, "datetime_begin": begin, "datetime_end": end,
        }
        if version >= 6:
            exposure["day_obs"] = day_obs
            exposure["group"] = f"grp{1 if n < 3 else 2}"
        else:
            exposure["day_obs"] = day_obs
            exposure["group_name"] = f"grp{1 if n < 3 else 2}"
            exposure["group_id"] = 1 if n < 3 else 2
        if version >= 7:
            exposure["can_see_sky"] = n != 2
        exposures.append(exposure)
        ra0, dec0 = _visit_geometry(n)
        visits.append({
            "instrument": INSTRUMENT, "id": n, "name": f"visit{n}",
            "physical_filter": exposure["physical_filter"], "day_obs": day_obs, "seq_num": n,
            "exposure_time": 30.0, "target_name": "field",
            "observation_reason": "test", "science_program": "p1", "azimuth": 180.0, "zenith_angle": 30.0,
            "region": _polygon(ra0, dec0, ra0 + 1.0, dec0 + 1.0),
            "datetime_begin": begin, "datetime_end": end,
        })
    registry.insertDimensionData("exposure", *exposures)
    registry.insertDimensionData("visit", *visits)
    registry.insertDimensionData("visit_definition", *[
        {"instrument": INSTRUMENT, "exposure": 100 + n, "visit": n} for n in (1, 2, 3)])
    registry.insertDimensionData("visit_system_membership", *[
        {"instrument": INSTRUMENT, "visit_system": 0, "visit": n} for n in (1, 2, 3)])
    regions = []
    for n in (1, 2, 3):
        ra0, dec0 = _visit_geometry(n)
        for d in range(4):
            x, y = d % 2, d // 2
            # Quadrants with 0.02-degree gaps, so that no detector edge lies exactly on a patch edge.
            left, bottom = ra0 + 0.5 * x, dec0 + 0.5 * y
            regions.append({"instrument": INSTRUMENT, "visit": n, "detector": d,
                            "region": _polygon(left + 0.02, bottom + 0.02, left + 0.48, bottom + 0.48)})
    registry.insertDimensionData("visit_detector_region", *regions)
    registry.insertDimensionData("skymap", {"name": SKYMAP, "hash": bytes(range(20)), "tract_max": 10,
                                            "patch_nx_max": 3, "patch_ny_max": 3})
    registry.insertDimensionData("tract", {"skymap": SKYMAP, "id": 0,
                                           "region": _polygon(149.0, 1.0, 152.0, 4.0)})
    registry.insertDimensionData("patch", *[
        {"skymap": SKYMAP, "tract": 0, "id": 3 * y + x, "cell_x": x, "cell_y": y,
         "region": _polygon(149.0 + x, 1.0 + y, 150.0 + x, 2.0 + y)}
        for y in range(3) for x in range(3)])

    universe = butler.dimensions
    types = {
        "summary": DatasetType("summary", ("instrument", "visit", "detector"), "StructuredDataDict",
                               universe=universe),
        "rawInfo": DatasetType("rawInfo", ("instrument", "exposure", "detector"), "StructuredDataDict",
                               universe=universe),
        "coaddInfo": DatasetType("coaddInfo", ("skymap", "tract", "patch", "band"), "StructuredDataDict",
                                 universe=universe),
        "bias": DatasetType("bias", ("instrument", "detector"), "StructuredDataDict", universe=universe,
                            isCalibration=True),
    }
    for dataset_type in types.values():
        registry.registerDatasetType(dataset_type)
    registry.registerRun("Cam/runs/r1", doc="First processing run.")
    for run in ("Cam/runs/r2", "Cam/calib/bias1", "Cam/calib/bias2", "skymaps/coadd"):
        registry.registerRun(run)

    def put(content: dict, type_name: str, run: str, **data_id) -> object:
        expanded = registry.expandDataId(data_id, dimensions=types[type_name].dimensions)
        ref_id = uuid.uuid5(NAMESPACE, f"{type_name}/{run}/{sorted(data_id.items())}")
        ref = DatasetRef(types[type_name], expanded, run=run, id=ref_id)
        return butler.put(content, ref)

    r1 = [put({"visit": v, "detector": d, "flux": 10.0 * v + d}, "summary", "Cam/runs/r1",
              instrument=INSTRUMENT, visit=v, detector=d) for v in (1, 2, 3) for d in range(4)]
    for d in (0, 1):
        put({"visit": 1, "detector": d, "rerun": True}, "summary", "Cam/runs/r2", instrument=INSTRUMENT,
            visit=1, detector=d)
    for e in (101, 102, 103):
        for d in range(4):
            put({"exposure": e, "detector": d}, "rawInfo", "Cam/runs/r1", instrument=INSTRUMENT, exposure=e,
                detector=d)
    coadds = [put({"patch": p, "band": b}, "coaddInfo", "skymaps/coadd", skymap=SKYMAP, tract=0, patch=p,
                  band=b) for p in (0, 1, 4, 8) for b in ("g", "r")]
    bias1 = [put({"detector": d, "version": 1}, "bias", "Cam/calib/bias1", instrument=INSTRUMENT, detector=d)
             for d in range(4)]
    bias2 = [put({"detector": d, "version": 2}, "bias", "Cam/calib/bias2", instrument=INSTRUMENT, detector=d)
             for d in range(4)]
    registry.registerCollection("Cam/calib", CollectionType.CALIBRATION, doc="Certified biases.")
    registry.certify("Cam/calib", bias1, Timespan(_time("2024-01-01T00:00:00"), _time("2024-01-02T00:00:00")))
    registry.certify("Cam/calib", bias2, Timespan(_time("2024-01-02T00:00:00"), None))
    registry.registerCollection("Cam/tagged/best", CollectionType.TAGGED)
    registry.associate("Cam/tagged/best", [r for r in r1 if r.dataId["visit"] == 2] + coadds[:2])
    registry.registerCollection("Cam/defaults", CollectionType.CHAINED, doc="Default search path.")
    registry.setCollectionChain("Cam/defaults", ["Cam/runs/r2", "Cam/runs/r1", "Cam/calib"])
    registry.registerCollection("all", CollectionType.CHAINED)
    registry.setCollectionChain("all", ["Cam/defaults", "skymaps/coadd", "Cam/tagged/best"])


def make_all() -> None:
    import astropy.time
    import lsst.daf.butler
    from lsst.daf.butler import Butler, Timespan

    old = Path(lsst.daf.butler.__file__).parent / "configs" / "old_dimensions"
    expected = {}
    files = HERE / "files"
    with tempfile.TemporaryDirectory() as tmp:
        for version in VERSIONS:
            root = Path(tmp) / f"repo{version}"
            config = None if version == 8 else str(old / f"daf_butler_universe{version}.yaml")
            Butler.makeRepo(str(root), dimensionConfig=config)
            with Butler.from_config(str(root), writeable=True) as butler:
                assert butler.dimensions.version == version
                fill(butler, version)
                out = Path(tmp) / f"out{version}"
                out.mkdir()
                export_everything(butler, out, f"lsst_v{version}.yaml")
                expected[f"v{version}"] = answers(butler, Timespan, astropy.time.Time)
            shutil.copy(out / f"lsst_v{version}.yaml", HERE / f"lsst_v{version}.yaml")
            exported = out
            if version == VERSIONS[0]:
                shutil.rmtree(files, ignore_errors=True)
                shutil.copytree(exported, files, ignore=shutil.ignore_patterns("lsst_v*.yaml"))
            else:
                comparison = filecmp.dircmp(files, exported, ignore=[f"lsst_v{version}.yaml"])
                _assert_same_tree(comparison)
    with open(HERE / "expected.json", "w") as stream:
        json.dump(expected, stream, indent=1, sort_keys=True)
        stream.write("\n")


def _assert_same_tree(comparison: filecmp.dircmp) -> None:
    differences = comparison.left_only + comparison.right_only + comparison.diff_files
    if differences:
        raise RuntimeError(f"Exported files differ between universe versions: {differences}")
    for sub in comparison.subdirs.values():
        _assert_same_tree(sub)


def answer_for_export(export_file: str, directory: str, output: str) -> None:
    """Import an export into a fresh LSST repository (default universe) and write LSST's answers."""
    import astropy.time
    from lsst.daf.butler import Butler, Timespan

    with tempfile.TemporaryDirectory() as tmp:
        Butler.makeRepo(tmp)
        with Butler.from_config(tmp, writeable=True) as butler:
            butler.import_(directory=directory, filename=export_file, transfer="copy")
            result = answers(butler, Timespan, astropy.time.Time)
    with open(output, "w") as stream:
        json.dump(result, stream, indent=1, sort_keys=True)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--answer":
        answer_for_export(*sys.argv[2:])
    elif len(sys.argv) == 1:
        os.chdir(HERE)
        make_all()
    else:
        sys.exit(__doc__)
