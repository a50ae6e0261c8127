"""LSST's real ``hsc-rc2-subset.yaml`` export (universe 6, records only) imports and answers as in LSST.

The counts are LSST daf_butler's answers for the same records (also pinned
in tests/spatial, which loads the records another way).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from butler import Butler
from butler.exchange import read_export

EXPORT = Path("/work/shared/data/lsst_export/hsc-rc2-subset.yaml")
HSC = {"instrument": "HSC", "skymap": "hsc_rings_v1"}

pytestmark = pytest.mark.skipif(not EXPORT.exists(), reason=f"LSST export not found at {EXPORT}")


@pytest.fixture(scope="module")
def hsc(tmp_path_factory):
    root = tmp_path_factory.mktemp("hsc") / "repo"
    Butler.makeRepo(root)
    with Butler(root, writeable=True) as butler:
        summary = butler.import_(filename=EXPORT)
        yield butler, summary


def test_hsc_rc2_subset_imports_every_record(hsc) -> None:
    butler, summary = hsc
    assert summary.records == {
        "instrument": 1, "physical_filter": 5, "detector": 111, "group": 1, "day_obs": 15, "visit": 160,
        "exposure": 1, "skymap": 1, "tract": 2, "patch": 2, "visit_detector_region": 1132, "visit_system": 1,
        "visit_system_membership": 160}
    assert summary.datasets == 0
    (exposure,) = butler.registry.queryDimensionRecords("exposure")
    assert exposure.can_see_sky is True  # universe 6 -> 7: a science exposure
    assert exposure.timespan.begin.tai.isot == "2013-06-17T13:34:45.775"


def test_hsc_spatial_joins_answer_as_lsst(hsc) -> None:
    butler, _ = hsc
    assert len(butler.query_data_ids(["visit", "patch"], **HSC)) == 160
    for tract, patch, lsst_count in ((9813, 72, 218), (9615, 14, 914)):
        pairs = {(d["visit"], d["detector"]) for d in butler.query_data_ids(
            ["visit", "detector"], tract=tract, patch=patch, **HSC)}
        assert len(pairs) == lsst_count


def test_hsc_regions_and_times_survive_export_byte_for_byte(hsc, tmp_path) -> None:
    butler, _ = hsc
    with butler.export(filename=tmp_path / "hsc.yaml") as export:
        for element in ("visit", "visit_detector_region", "patch", "skymap"):
            export.saveDimensionData(element, butler.registry.queryDimensionRecords(element))
    original = read_export(EXPORT).records
    again = read_export(tmp_path / "hsc.yaml").records
    for element, key in (("visit", ("id",)), ("visit_detector_region", ("visit", "detector")),
                         ("patch", ("tract", "id"))):
        before = {tuple(r[k] for k in key): r for r in original[element]}
        after = {tuple(r[k] for k in key): r for r in again[element]}
        assert before.keys() == after.keys()
        for k, record in before.items():
            assert after[k]["region"].encode() == record["region"].encode()
            if "datetime_begin" in record:
                assert after[k]["datetime_begin"] == record["datetime_begin"]
                assert after[k]["datetime_end"] == record["datetime_end"]
    assert again["skymap"][0]["hash"] == original["skymap"][0]["hash"]
