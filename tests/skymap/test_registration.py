"""Registering a sky map: records and regions, the skyMap dataset, idempotence, conflicts, spatial joins."""

from __future__ import annotations

from pathlib import Path

import pytest

from butler import Butler
from butler.errors import ConflictingDefinitionError
from butler.spatial import ConvexPolygon
from pipetasks.skymap import DiscreteSkyMap, RingsSkyMap, RingsSkyMapConfig


def _snapshot(butler: Butler) -> dict[str, object]:
    """Everything registration may write, to compare before and after a refused registration."""
    return {
        "skymaps": sorted((r.name, bytes(r.hash))
                          for r in butler.query_dimension_records("skymap", explain=False)),
        "tracts": len(butler.query_dimension_records("tract", limit=None, explain=False)),
        "patches": len(butler.query_dimension_records("patch", limit=None, explain=False)),
        "collections": sorted(butler.registry.queryCollections()),
        "dataset_types": sorted(t.name for t in butler.registry.queryDatasetTypes()),
    }


def test_register_writes_skymap_tract_and_patch_records(butler_repo, demo_skymap) -> None:
    result = demo_skymap.register("demo", butler_repo)
    assert (result.name, result.tracts, result.patches, result.inserted) == ("demo", 2, 32, True)

    (skymap_record,) = butler_repo.query_dimension_records("skymap", where="skymap='demo'")
    assert bytes(skymap_record.hash) == demo_skymap.getSha1()
    assert (skymap_record.tract_max, skymap_record.patch_nx_max, skymap_record.patch_ny_max) == (2, 4, 4)

    tracts = {r.id: r for r in butler_repo.query_dimension_records("tract", where="skymap='demo'")}
    assert set(tracts) == {0, 1}
    for tract_id, record in tracts.items():
        assert isinstance(record.region, ConvexPolygon)
        assert record.region == demo_skymap[tract_id].outer_sky_polygon

    patches = butler_repo.query_dimension_records("patch", where="skymap='demo'", limit=None)
    assert len(patches) == 32
    for record in patches:
        patch = demo_skymap[record.tract].getPatchInfo(record.id)
        assert (record.cell_x, record.cell_y) == tuple(patch.index)
        assert record.id == patch.sequential_index
        assert record.region == patch.outer_sky_polygon


def test_registered_sky_map_dataset_reads_back_equal(butler_repo, demo_skymap) -> None:
    ref = demo_skymap.register("demo", butler_repo).ref
    assert ref.run == "skymaps" and ref.datasetType.name == "skyMap"
    assert list(butler_repo.get_dataset_type("skyMap").dimensions.required) == ["skymap"]
    back = butler_repo.get("skyMap", skymap="demo", collections="skymaps")
    assert isinstance(back, DiscreteSkyMap)
    assert back == demo_skymap
    assert back[1].getPatchInfo(5).outer_sky_polygon == demo_skymap[1].getPatchInfo(5).outer_sky_polygon


@pytest.mark.parametrize("ra, dec", [(150.0, 2.2), (150.31, 1.95), (151.77, 2.5)])
def test_spatial_query_finds_the_patch_holding_a_point(butler_repo, demo_skymap, ra, dec) -> None:
    demo_skymap.register("demo", butler_repo)
    found = butler_repo.query_data_ids(["tract", "patch"], where=f"patch.region OVERLAPS POINT({ra}, {dec})",
                                       skymap="demo")
    tract = demo_skymap.findTract((ra, dec))
    owner = (tract.tract_id, tract.findPatch((ra, dec)).sequential_index)
    assert owner in {(d["tract"], d["patch"]) for d in found}
    # Exactly the patches whose outer polygons hold the point (neighbours share borders).
    expected = {(t.tract_id, p.sequential_index) for t in demo_skymap for p in t
                if p.outer_sky_polygon.contains_lonlat(ra, dec)}
    assert {(d["tract"], d["patch"]) for d in found} == expected


def test_registering_the_same_sky_map_again_changes_nothing(butler_repo, demo_skymap,
                                                            demo_config_factory) -> None:
    demo_skymap.register("demo", butler_repo)
    before = _snapshot(butler_repo)
    again = DiscreteSkyMap(demo_config_factory()).register("demo", butler_repo)
    assert not again.inserted and again.ref is None
    assert (again.tracts, again.patches) == (2, 32)
    assert _snapshot(butler_repo) == before
    assert len(butler_repo.query_datasets("skyMap", collections="skymaps")) == 1


def test_a_different_sky_map_under_a_registered_name_is_refused(butler_repo, demo_skymap,
                                                                 demo_config_factory) -> None:
    demo_skymap.register("demo", butler_repo)
    before = _snapshot(butler_repo)
    config = demo_config_factory()
    config.radiusList = [0.4, 0.5]
    with pytest.raises(ConflictingDefinitionError,
                       match="Sky map 'demo' is already registered with a different definition"):
        DiscreteSkyMap(config).register("demo", butler_repo)
    assert _snapshot(butler_repo) == before


def test_the_same_sky_map_under_a_second_name_is_refused(butler_repo, demo_skymap) -> None:
    demo_skymap.register("demo", butler_repo)
    before = _snapshot(butler_repo)
    with pytest.raises(ConflictingDefinitionError, match="already registered under the name 'demo'"):
        demo_skymap.register("demo2", butler_repo)
    assert _snapshot(butler_repo) == before


def test_two_sky_maps_live_side_by_side(butler_repo, demo_skymap) -> None:
    from pipetasks.skymap import DiscreteSkyMapConfig

    other = DiscreteSkyMap(DiscreteSkyMapConfig(raList=[10.0], decList=[-30.0], radiusList=[0.2]))
    demo_skymap.register("demo", butler_repo)
    result = other.register("other", butler_repo)
    assert (result.tracts, result.patches) == (1, 4)
    assert len(butler_repo.query_dimension_records("patch", where="skymap='other'", limit=None)) == 4
    assert len(butler_repo.query_dimension_records("patch", where="skymap='demo'", limit=None)) == 32
    refs = butler_repo.query_datasets("skyMap", collections="skymaps", find_first=False)
    assert sorted(ref.dataId["skymap"] for ref in refs) == ["demo", "other"]


def test_records_imported_without_the_dataset_get_it_on_registration(butler_repo, demo_skymap) -> None:
    registry = butler_repo.registry
    record = {"name": "demo", "hash": demo_skymap.getSha1(), "tract_max": 2,
              "patch_nx_max": 4, "patch_ny_max": 4}
    registry.insertDimensionData("skymap", record)
    result = demo_skymap.register("demo", butler_repo)
    assert not result.inserted and result.ref is not None
    assert butler_repo.get("skyMap", skymap="demo", collections="skymaps") == demo_skymap


def test_empty_sky_maps_and_names_are_refused(butler_repo, demo_skymap) -> None:
    with pytest.raises(ValueError, match="has no tracts"):
        DiscreteSkyMap().register("empty", butler_repo)
    with pytest.raises(ValueError, match="non-empty name"):
        demo_skymap.register("", butler_repo)


def _insert_visit(butler: Butler, region: ConvexPolygon) -> None:
    registry = butler.registry
    registry.insertDimensionData("instrument", {"name": "Cam", "detector_max": 4, "visit_max": 100,
                                                "exposure_max": 100})
    registry.insertDimensionData("physical_filter", {"instrument": "Cam", "name": "Cam-r", "band": "r"})
    registry.insertDimensionData("day_obs", {"instrument": "Cam", "id": 20240101})
    registry.insertDimensionData("visit", {"instrument": "Cam", "id": 1, "name": "v1",
                                           "physical_filter": "Cam-r", "day_obs": 20240101, "region": region})


def test_visits_join_only_the_patches_they_overlap(butler_repo, demo_skymap) -> None:
    demo_skymap.register("demo", butler_repo)
    # A 0.3° x 0.2° field on the west part of tract 0.
    visit_region = ConvexPolygon.from_radec([149.7, 150.0, 150.0, 149.7], [2.0, 2.0, 2.2, 2.2])
    _insert_visit(butler_repo, visit_region)
    rows = butler_repo.query_data_ids(["visit", "tract", "patch"], skymap="demo", instrument="Cam")
    got = {(d["visit"], d["tract"], d["patch"]) for d in rows}
    expected = {(1, t.tract_id, p.sequential_index) for t in demo_skymap for p in t
                if p.outer_sky_polygon.overlaps(visit_region)}
    assert got == expected
    assert 0 < len(expected) < len(demo_skymap[0])
    assert {tract for _, tract, _ in got} == {0}


@pytest.mark.slow
def test_a_whole_sky_rings_map_registers_and_every_point_finds_its_patch(tmp_path: Path) -> None:
    Butler.makeRepo(tmp_path / "repo")
    butler = Butler(tmp_path / "repo", writeable=True)
    skymap = RingsSkyMap(RingsSkyMapConfig(numRings=12, pixelScale=2.0, patchInnerDimensions=[6000, 6000]))
    result = skymap.register("rings12", butler)
    stored = butler.query_dimension_records("patch", where="skymap='rings12'", limit=None)
    assert result.patches == len(stored)
    for ra, dec in [(0.0, 90.0), (12.3, -45.6), (200.0, 0.01), (359.9, -89.0), (75.0, 66.0)]:
        tract = skymap.findTract((ra, dec))
        patch = tract.findPatch((ra, dec))
        found = butler.query_data_ids(["tract", "patch"], where=f"patch.region OVERLAPS POINT({ra}, {dec})",
                                      skymap="rings12")
        assert (tract.tract_id, patch.sequential_index) in {(d["tract"], d["patch"]) for d in found}
    butler.close()


@pytest.mark.postgres
def test_register_and_query_on_postgresql(tmp_path: Path, postgres_url, demo_skymap) -> None:
    Butler.makeRepo(tmp_path / "pg", config={"registry": {"db": postgres_url}})
    butler = Butler(tmp_path / "pg", writeable=True)
    try:
        assert demo_skymap.register("demo", butler).inserted
        assert not demo_skymap.register("demo", butler).inserted
        found = butler.query_data_ids(["tract", "patch"], where="patch.region OVERLAPS POINT(152.0, 2.2)",
                                      skymap="demo")
        assert (1, demo_skymap[1].findPatch((152.0, 2.2)).sequential_index) in {(d["tract"], d["patch"])
                                                                               for d in found}
        assert butler.get("skyMap", skymap="demo", collections="skymaps") == demo_skymap
    finally:
        butler.close()
