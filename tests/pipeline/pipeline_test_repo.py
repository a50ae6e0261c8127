"""A small real repository for the framework and pipeline tests."""

from __future__ import annotations

from pathlib import Path

from butler import Butler, DatasetType

INPUT_TYPES = (
    ("raw", ("instrument", "visit", "detector"), False),
    ("postISRCCD", ("instrument", "exposure", "detector"), False),
    ("bias", ("instrument", "detector"), True),
    ("ref_cat", ("htm7",), False),
)


def make_repository(root: Path) -> Butler:
    """Instrument ``Cam``, visits/exposures 1-2, detectors 0-1, and the test tasks' input dataset types.

    Returns a writeable butler whose default run is ``inputs``.
    """
    Butler.makeRepo(str(root))
    butler = Butler(str(root), writeable=True, run="inputs")
    registry = butler.registry
    universe = butler.dimensions
    with registry.transaction():
        registry.insertDimensionData("instrument", {"name": "Cam", "detector_max": 4, "visit_max": 10,
                                                    "exposure_max": 10})
        registry.insertDimensionData("physical_filter", {"instrument": "Cam", "name": "Cam-r", "band": "r"})
        registry.insertDimensionData("day_obs", {"instrument": "Cam", "id": 20240101})
        registry.insertDimensionData("group", {"instrument": "Cam", "name": "g1"})
        registry.insertDimensionData("detector", *[{"instrument": "Cam", "id": i, "full_name": f"D{i}"}
                                                   for i in range(2)])
        common = [{"instrument": "Cam", "id": n, "day_obs": 20240101, "physical_filter": "Cam-r"} for n in (1, 2)]
        registry.insertDimensionData("visit", *[{**c, "name": f"v{c['id']}"} for c in common])
        registry.insertDimensionData("exposure", *[{**c, "obs_id": f"e{c['id']}", "group": "g1"} for c in common])
        for name, dims, calib in INPUT_TYPES:
            registry.registerDatasetType(DatasetType(name, dims, "StructuredDataDict", universe=universe,
                                                     isCalibration=calib))
    return butler
