"""A small real repository for the quantum graph tests.

Instrument ``Cam``: detectors 0-2; visits 1 and 2 on 2024-01-01, visit 3 on
2024-01-05.  RUN ``inputs`` holds ``raw`` for every (visit, detector) and
``mask`` for visit 1 only; CALIBRATION ``calib`` certifies ``bias`` from
``calib/bias/a`` (all detectors, valid 2024-01-01 to 01-03) and from
``calib/bias/b`` (detectors 0 and 1 only, valid 2024-01-03 to 01-10), so
visit 3 detector 2 has no valid bias; RUN ``calib/flat`` holds ``flat`` for
detectors 0 and 1.  The chain ``Cam/defaults`` is ``inputs, calib, calib/flat``.
"""

from __future__ import annotations

from pathlib import Path

from astropy.time import Time

from butler import Butler, CollectionType, DatasetType, Timespan

VISITS = {1: ("2024-01-01T01:00:00", "2024-01-01T01:05:00"), 2: ("2024-01-01T02:00:00", "2024-01-01T02:05:00"),
          3: ("2024-01-05T01:00:00", "2024-01-05T01:05:00")}
DETECTORS = (0, 1, 2)
INPUTS = "Cam/defaults"


def _span(start: str, end: str) -> Timespan:
    return Timespan(Time(start, scale="tai"), Time(end, scale="tai"))


def make_graph_repository(root: Path) -> Butler:
    """The repository described in the module documentation; a writeable butler on it."""
    Butler.makeRepo(str(root))
    butler = Butler(str(root), writeable=True)
    registry = butler.registry
    universe = butler.dimensions
    vd = ("instrument", "visit", "detector")
    with registry.transaction():
        registry.insertDimensionData("instrument", {"name": "Cam", "detector_max": 4, "visit_max": 10,
                                                    "exposure_max": 10})
        registry.insertDimensionData("physical_filter", {"instrument": "Cam", "name": "Cam-r", "band": "r"})
        registry.insertDimensionData("day_obs", {"instrument": "Cam", "id": 20240101},
                                     {"instrument": "Cam", "id": 20240105})
        registry.insertDimensionData("detector", *[{"instrument": "Cam", "id": d, "full_name": f"D{d}"}
                                                   for d in DETECTORS])
        registry.insertDimensionData("visit", *[
            {"instrument": "Cam", "id": v, "name": f"v{v}", "physical_filter": "Cam-r",
             "day_obs": int(start[:10].replace("-", "")), "timespan": _span(start, end)}
            for v, (start, end) in VISITS.items()])
        for name, dims, calib in (("raw", vd, False), ("mask", vd, False), ("bias", ("instrument", "detector"), True),
                                  ("flat", ("instrument", "detector"), False)):
            registry.registerDatasetType(DatasetType(name, dims, "StructuredDataDict", universe=universe,
                                                     isCalibration=calib))
    for run in ("inputs", "calib/bias/a", "calib/bias/b", "calib/flat"):
        registry.registerRun(run)
    for visit in VISITS:
        for detector in DETECTORS:
            butler.put({"value": 10 * visit + detector}, "raw", instrument="Cam", visit=visit, detector=detector,
                       run="inputs")
    for detector in DETECTORS:
        butler.put({"planes": ["BAD"]}, "mask", instrument="Cam", visit=1, detector=detector, run="inputs")
    registry.registerCollection("calib", CollectionType.CALIBRATION)
    first = [butler.put({"level": 1.0}, "bias", instrument="Cam", detector=d, run="calib/bias/a") for d in DETECTORS]
    second = [butler.put({"level": 2.0}, "bias", instrument="Cam", detector=d, run="calib/bias/b") for d in (0, 1)]
    registry.certify("calib", first, _span("2024-01-01T00:00:00", "2024-01-03T00:00:00"))
    registry.certify("calib", second, _span("2024-01-03T00:00:00", "2024-01-10T00:00:00"))
    for detector in (0, 1):
        butler.put({"gain": 1.5}, "flat", instrument="Cam", detector=detector, run="calib/flat")
    registry.registerCollection(INPUTS, CollectionType.CHAINED)
    registry.setCollectionChain(INPUTS, ["inputs", "calib", "calib/flat"])
    return butler
