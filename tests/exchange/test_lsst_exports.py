"""Exports written by LSST's own Butler (dimension universes 5, 6, 7 and 8) import and answer as LSST does.

Each ``data/lsst_v<V>.yaml`` was written by LSST from a repository of
universe version V; ``data/expected.json`` holds LSST's answers there.  After
our import the same questions (spatial and temporal queries, find-first and
calibration lookups, collections, file contents, records) get the same
answers; records differ only by the documented universe conversions.
"""

from __future__ import annotations

import os

import pytest

from butler import CollectionType

VERSIONS = (5, 6, 7, 8)
QUERY_KEYS = ("visits_at_point", "visit_patch", "visit_detector_patch", "visits_in_window",
              "exposures_of_day")
REGISTRY_KEYS = ("dataset_types", "datasets", "find_first_defaults", "tagged", "calib_lookup",
                 "certifications", "collections")
KEY_FIELDS = ("instrument", "skymap", "id", "name", "visit", "detector", "exposure", "tract", "visit_system")


def _import(butler, kit, version: int, **kwargs):
    return butler.import_(directory=kit.files, filename=kit.data / f"lsst_v{version}.yaml",
                          transfer=kwargs.pop("transfer", "copy"), **kwargs)


def _lsst_records_as_converted(records: dict, version: int) -> dict:
    """LSST's records of a version-V repository, converted as docs/exchange.md says our import does."""
    can_see = {"science": True, "dark": False}
    for record in records.get("exposure", []):
        if version < 6:
            record["group"] = record.pop("group_name")
            record.pop("group_id")
        if version < 7:
            record["can_see_sky"] = can_see[record["observation_type"]]
    return records


def _by_key(rows: list[dict]) -> dict:
    return {repr(sorted((k, v) for k, v in row.items() if k in KEY_FIELDS)): row for row in rows}


@pytest.fixture(scope="module")
def imported(tmp_path_factory, request):
    """Our answers after importing each LSST export into a fresh repository (computed once per version)."""
    from butler import Butler

    kit = request.getfixturevalue("kit")
    results = {}
    for version in VERSIONS:
        root = tmp_path_factory.mktemp(f"lsst-v{version}") / "repo"
        Butler.makeRepo(root)
        with Butler(root, writeable=True) as butler:
            summary = _import(butler, kit, version)
            results[version] = (summary, kit.answers(butler))
    return results


@pytest.mark.parametrize("version", VERSIONS)
def test_spatial_and_temporal_queries_answer_as_lsst(imported, expected, version) -> None:
    _, got = imported[version]
    want = expected[f"v{version}"]
    for key in QUERY_KEYS:
        assert got[key] == want[key], key
    assert got["visits_at_point"] == {"in_v1": [1], "in_v1_v2": [1, 2], "nowhere": []}
    assert len(got["visit_patch"]) == 10


@pytest.mark.parametrize("version", VERSIONS)
def test_datasets_collections_and_calibrations_answer_as_lsst(imported, expected, version) -> None:
    _, got = imported[version]
    want = expected[f"v{version}"]
    for key in REGISTRY_KEYS:
        assert got[key] == want[key], key
    assert got["collections"]["Cam/defaults"] == {"type": "CHAINED", "doc": "Default search path.",
                                                  "children": ["Cam/runs/r2", "Cam/runs/r1", "Cam/calib"]}


@pytest.mark.parametrize("version", VERSIONS)
def test_file_contents_read_back_as_lsst_wrote_them(imported, expected, version) -> None:
    summary, got = imported[version]
    assert got["contents"] == expected[f"v{version}"]["contents"]
    assert summary.datasets == summary.files == 42


@pytest.mark.parametrize("version", VERSIONS)
def test_records_equal_lsst_records_up_to_documented_conversions(imported, expected, version) -> None:
    _, got = imported[version]
    want = _lsst_records_as_converted(expected[f"v{version}"]["records"], version)
    for element, rows in want.items():
        assert _by_key(got["records"][element]) == _by_key(rows), element


def test_universe_5_export_gains_group_and_day_obs_records(imported) -> None:
    summary, got = imported[5]
    assert got["records"]["group"] == [{"instrument": "Cam", "name": "grp1"},
                                       {"instrument": "Cam", "name": "grp2"}]
    # No instrument class to ask for the day_obs offset: records without timespans, as LSST does then.
    assert got["records"]["day_obs"] == [{"instrument": "Cam", "id": 20240101, "timespan": None},
                                         {"instrument": "Cam", "id": 20240102, "timespan": None}]
    assert any("group records from exposure.group_name" in n for n in summary.notes)
    assert any("day_obs records" in n for n in summary.notes)


@pytest.mark.parametrize("version", (5, 6))
def test_exports_before_universe_7_get_can_see_sky_from_observation_type(imported, version) -> None:
    summary, got = imported[version]
    by_id = {r["id"]: r["can_see_sky"] for r in got["records"]["exposure"]}
    assert by_id == {101: True, 102: False, 103: True}  # science, dark, science
    assert any("can_see_sky" in n for n in summary.notes)


@pytest.mark.parametrize("version", (7, 8))
def test_exports_of_universe_7_and_8_need_no_conversion(imported, version) -> None:
    summary, _ = imported[version]
    assert summary.notes == []


def test_reimporting_the_same_export_changes_nothing(new_repo, kit) -> None:
    butler = new_repo()
    _import(butler, kit, 8)
    before = kit.snapshot(butler)
    summary = _import(butler, kit, 8)
    assert summary.datasets == 0 and summary.collections == 0 and summary.dataset_types == 0
    assert kit.snapshot(butler) == before


def test_import_without_datastore_registers_datasets_but_no_files(new_repo, kit) -> None:
    butler = new_repo()
    summary = _import(butler, kit, 8, without_datastore=True)
    assert summary.datasets == 42 and summary.files == 0
    ref = butler.find_dataset("bias", instrument="Cam", detector=0, collections="Cam/calib/bias1")
    assert ref is not None and not butler.stored(ref)


def test_skip_dimensions_leaves_those_records_out(new_repo, kit) -> None:
    butler = new_repo()
    _import(butler, kit, 8, skip_dimensions={"visit_detector_region", "visit_system_membership"})
    assert butler.registry.queryDimensionRecords("visit_detector_region") == []
    assert butler.registry.queryDimensionRecords("visit_system_membership") == []
    assert len(butler.registry.queryDimensionRecords("visit")) == 3


@pytest.mark.parametrize("mode", ["symlink", "hardlink"])
def test_link_transfer_modes_link_the_exported_files(new_repo, kit, mode) -> None:
    butler = new_repo()
    _import(butler, kit, 8, transfer=mode)
    ref = butler.find_dataset("summary", instrument="Cam", visit=2, detector=1, collections="Cam/runs/r1")
    path = butler.getURI(ref).ospath
    source = kit.files / os.path.relpath(path, butler.datastore.root.path)
    if mode == "symlink":
        assert os.path.islink(path) and os.path.realpath(path) == str(source.resolve())
    else:
        assert os.path.samefile(path, source)
    assert butler.get(ref) == {"visit": 2, "detector": 1, "flux": 21.0}


def test_run_and_collection_documentation_are_kept(new_repo, kit) -> None:
    butler = new_repo()
    _import(butler, kit, 8)
    assert butler.registry.getCollectionDocumentation("Cam/runs/r1") == "First processing run."
    assert butler.registry.getCollectionType("Cam/calib") is CollectionType.CALIBRATION
