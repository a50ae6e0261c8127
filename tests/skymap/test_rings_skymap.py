"""RingsSkyMap: numbering, inner regions tiling the sky, tract lookups; LSST's hsc_rings_v1 as reference."""

from __future__ import annotations

import base64
import functools
from pathlib import Path

import numpy as np
import pytest
import yaml

from butler import spatial
from pipetasks.skymap import RingsSkyMap, RingsSkyMapConfig

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
EXPORT = SHARED / "data" / "lsst_export" / "hsc-rc2-subset.yaml"


def _random_sky(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ra = rng.uniform(0.0, 360.0, n)
    dec = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    # The poles, the first ring edge and RA 0 / raStart, where numbering wraps.
    ra = np.concatenate([ra, [0.0, 10.0, 359.999, 10.0, 123.0]])
    dec = np.concatenate([dec, [90.0, -90.0, 0.5, -79.99, 79.99]])
    return ra, dec


@functools.cache
def _lsst_export() -> dict[str, list[dict]]:
    if not EXPORT.exists():
        pytest.skip(f"LSST export file not found at {EXPORT}")

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor(
        "!", lambda loader, suffix, node: loader.construct_mapping(node) if isinstance(node, yaml.MappingNode)
        else loader.construct_scalar(node))
    Loader.add_multi_constructor("lsst.", lambda loader, suffix, node: loader.construct_mapping(node))
    with open(EXPORT) as stream:
        data = yaml.load(stream, Loader=Loader)
    return {d["element"]: d["records"] for d in data["data"] if d.get("type") == "dimension"}


def _same_vertices(a: np.ndarray, b: np.ndarray, tolerance: float) -> bool:
    if a.shape != b.shape:
        return False
    distances = np.linalg.norm(a[:, np.newaxis, :] - b[np.newaxis, :, :], axis=-1)
    return bool(distances.min(axis=1).max() < tolerance and distances.min(axis=0).max() < tolerance)


@pytest.fixture(scope="module")
def hsc_rings() -> RingsSkyMap:
    """LSST's ``hsc_rings_v1`` definition (obs_subaru): 120 rings, TAN, 1 arcmin overlap, 0.168 arcsec."""
    return RingsSkyMap(RingsSkyMapConfig(numRings=120, pixelScale=0.168))


def test_hash_and_tract_count_equal_lsst_hsc_rings_v1(hsc_rings) -> None:
    (record,) = _lsst_export()["skymap"]
    stored = record["hash"]  # YAML !!binary: already bytes
    assert hsc_rings.getSha1() == (stored if isinstance(stored, bytes) else base64.b64decode(stored))
    assert len(hsc_rings) == record["tract_max"] == 18938
    numbers = {tuple(hsc_rings[t].num_patches) for t in (0, 9615, 9813, 18937)}
    assert numbers == {(record["patch_nx_max"], record["patch_ny_max"])}


@pytest.mark.parametrize("element", ["tract", "patch"])
def test_regions_equal_lsst_hsc_rings_v1_records(hsc_rings, element) -> None:
    records = _lsst_export()[element]
    assert records
    for record in records:
        lsst_region = spatial.decode_text(record["region"]["encoded"])
        if element == "tract":
            ours = hsc_rings[record["id"]].outer_sky_polygon
        else:
            patch = hsc_rings[record["tract"]].getPatchInfo(record["id"])
            assert tuple(patch.index) == (record["cell_x"], record["cell_y"])
            ours = patch.outer_sky_polygon
        assert _same_vertices(ours.vertices, lsst_region.vertices, 1e-12), (element, record)


def test_default_config_is_the_whole_sky_in_120_rings() -> None:
    config = RingsSkyMapConfig()
    assert (config.numRings, config.raStart, config.projection, config.pixelScale) == (120, 0.0, "TAN", 0.2)
    assert list(config.patchInnerDimensions) == [4000, 4000] and config.patchBorder == 100
    assert config.tractOverlap == pytest.approx(1 / 60)
    skymap = RingsSkyMap()
    assert len(skymap) == 18938
    assert tuple(skymap[9000].num_patches) == (7, 7)


def test_tracts_are_numbered_from_the_south_cap_through_the_rings(small_rings) -> None:
    counts = small_rings.ring_tract_counts
    assert len(small_rings) == sum(counts) + 2
    assert small_rings.getRingIndices(0) == (-1, 0)
    assert small_rings.getRingIndices(len(small_rings) - 1) == (8, 0)
    assert small_rings.getRingIndices(1) == (0, 0)
    assert small_rings.getRingIndices(counts[0]) == (0, counts[0] - 1)
    assert small_rings.getRingIndices(counts[0] + 1) == (1, 0)
    assert small_rings[0].ctr_coord.dec.deg == -90.0
    assert small_rings[len(small_rings) - 1].ctr_coord.dec.deg == 90.0
    assert small_rings[1].ctr_coord.ra.deg == pytest.approx(10.0)  # raStart
    with pytest.raises(IndexError, match="has tracts 0"):
        small_rings[len(small_rings)]


def test_ring_counts_keep_tracts_at_least_as_wide_as_tall(small_rings) -> None:
    size = small_rings.ring_size
    for ring, count in enumerate(small_rings.ring_tract_counts):
        edge = min(abs(size * (ring + 0.5) - 90), abs(size * (ring + 1.5) - 90))
        assert 360.0 * np.cos(np.radians(edge)) / count <= size * (1 + 1e-12)


def test_every_sky_point_is_in_exactly_one_tract_inner_region(small_rings) -> None:
    ra, dec = _random_sky(3000, seed=1)
    hits = np.zeros(len(ra), dtype=int)
    owner = np.full(len(ra), -1)
    for tract in small_rings:
        inside = tract.inner_sky_region.contains_lonlat(ra, dec)
        hits += inside
        owner[inside] = tract.tract_id
    assert np.all(hits == 1)
    assert np.array_equal(small_rings.findTractIdArray(ra, dec, degrees=True), owner)


def test_find_tract_returns_the_tract_that_owns_and_contains_the_point(small_rings) -> None:
    ra, dec = _random_sky(300, seed=2)
    for r, d in zip(ra, dec):
        tract = small_rings.findTract((r, d))
        assert tract.inner_sky_region.contains_lonlat(r, d)
        assert tract.contains((r, d))
        assert tract in small_rings.findAllTracts((r, d))


def test_find_tract_id_array_takes_radians_by_default(small_rings) -> None:
    ra, dec = _random_sky(50, seed=3)
    assert np.array_equal(small_rings.findTractIdArray(np.radians(ra), np.radians(dec)),
                          small_rings.findTractIdArray(ra, dec, degrees=True))


def test_find_all_tracts_is_every_tract_containing_the_point(small_rings) -> None:
    ra, dec = _random_sky(40, seed=4)
    for r, d in zip(ra, dec):
        expected = {t.tract_id for t in small_rings if t.contains((r, d))}
        assert {t.tract_id for t in small_rings.findAllTracts((r, d))} == expected


def test_find_tract_patch_list_covers_a_small_region(small_rings) -> None:
    corners = [(40.0, 30.0), (40.5, 30.0), (40.5, 30.5), (40.0, 30.5)]
    found = small_rings.findTractPatchList(corners)
    assert small_rings.findTract(corners[0]).tract_id in {t.tract_id for t, _ in found}
    for tract, patches in found:
        for corner in corners:
            if tract.contains(corner):
                assert tract.findPatch(corner) in patches


def test_ra_start_rotates_the_rings() -> None:
    shifted = RingsSkyMap(RingsSkyMapConfig(numRings=8, raStart=30.0, pixelScale=4.0))
    assert shifted[1].ctr_coord.ra.deg == pytest.approx(30.0)
    assert shifted.findTract((30.0, -70.0)).tract_id == 1
