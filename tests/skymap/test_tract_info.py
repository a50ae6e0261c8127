"""TractInfo and PatchInfo: the patch grid tiles the tract, borders, lookups, WCS and sky polygons."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.coordinates import SkyCoord

from butler.spatial import ConvexPolygon, LonLat
from pipetasks.image.geometry import Box2I, Point2I
from pipetasks.skymap import Index2D


@pytest.fixture(scope="module")
def tract(small_rings):
    return small_rings[40]


def _random_points_near(tract, n: int, seed: int, spread: float = 1.2) -> tuple[np.ndarray, np.ndarray]:
    """Points spread around the tract centre, some beyond its edges."""
    rng = np.random.default_rng(seed)
    half = spread * tract.bbox.getWidth() / 2
    x = tract.bbox.getCenterX() + rng.uniform(-half, half, n)
    y = tract.bbox.getCenterY() + rng.uniform(-half, half, n)
    sky = tract.wcs.pixel_to_world(x, y)
    return sky.ra.deg, sky.dec.deg


def _holds(polygon: ConvexPolygon, points: np.ndarray) -> bool:
    """Containment up to rounding: edges shared at the tract boundary may fall either side."""
    inside = polygon.contains_vectors(points)
    return bool(np.all(inside | (polygon.edge_distances(points) < 1e-12)))


def test_patch_inner_boxes_tile_the_tract_box(tract) -> None:
    nx, ny = tract.num_patches
    assert len(tract) == nx * ny == len(list(tract))
    bbox = tract.bbox
    assert bbox.getMin() == Point2I(0, 0)
    assert bbox.getWidth() == nx * tract.patch_inner_dimensions.x
    assert bbox.getHeight() == ny * tract.patch_inner_dimensions.y
    covered = np.zeros((bbox.getHeight() // 50, bbox.getWidth() // 50), dtype=int)
    for patch in tract:
        inner = patch.getInnerBBox()
        assert bbox.contains(inner)
        assert inner.getDimensions() == tract.patch_inner_dimensions
        rows = slice(inner.getMinY() // 50, (inner.getMaxY() + 1) // 50)
        columns = slice(inner.getMinX() // 50, (inner.getMaxX() + 1) // 50)
        covered[rows, columns] += 1
    assert np.all(covered == 1)


def test_outer_box_is_inner_grown_by_border_and_clipped_to_the_tract(tract) -> None:
    border = tract.patch_border
    assert border == 50
    for patch in tract:
        expected = patch.getInnerBBox().dilatedBy(border).clippedTo(tract.bbox)
        assert patch.getOuterBBox() == expected
    corner = tract.getPatchInfo((0, 0))
    assert corner.getOuterBBox().getMin() == Point2I(0, 0)
    assert corner.getOuterBBox().getMaxX() == corner.getInnerBBox().getMaxX() + border


def test_sequential_index_is_row_major(tract) -> None:
    nx, ny = tract.num_patches
    for patch in tract:
        x, y = patch.index
        assert patch.sequential_index == y * nx + x == tract.getSequentialPatchIndex(patch)
        assert tract.getPatchIndexPair(patch.sequential_index) == Index2D(x, y)
        assert tract.getPatchInfo(patch.sequential_index) == patch
        assert tract[Index2D(x, y)] == patch
    with pytest.raises(IndexError, match="outside tract"):
        tract.getPatchInfo((nx, 0))
    with pytest.raises(IndexError, match="has patches"):
        tract.getPatchInfo(nx * ny)


def test_find_patch_agrees_with_inner_box_and_inner_polygon(tract) -> None:
    ra, dec = _random_points_near(tract, 400, seed=5, spread=0.98)
    x, y = tract.wcs.world_to_pixel(SkyCoord(ra, dec, unit="deg"))
    for r, d, px, py in zip(ra, dec, x, y):
        patch = tract.findPatch((r, d))
        assert patch.getInnerBBox().contains(Point2I(int(np.floor(px + 0.5)), int(np.floor(py + 0.5))))
        # TAN maps straight pixel edges to great circles: the inner polygon holds the point too.
        assert patch.inner_sky_polygon.contains_lonlat(r, d)
        assert patch.outer_sky_polygon.contains_lonlat(r, d)


def test_find_patch_and_contains_refuse_points_off_the_tract(tract) -> None:
    ra, dec = _random_points_near(tract, 400, seed=6, spread=1.5)
    x, y = tract.wcs.world_to_pixel(SkyCoord(ra, dec, unit="deg"))
    ix, iy = np.floor(x + 0.5), np.floor(y + 0.5)
    on = (ix >= 0) & (iy >= 0) & (ix <= tract.bbox.getMaxX()) & (iy <= tract.bbox.getMaxY())
    assert on.any() and (~on).any()
    for r, d, expected in zip(ra, dec, on):
        assert tract.contains((r, d)) == expected
        assert tract.outer_sky_polygon.contains_lonlat(r, d) == expected  # the same pixel edges
    off = int(np.flatnonzero(~on)[0])
    with pytest.raises(LookupError, match="is not on tract"):
        tract.findPatch((ra[off], dec[off]))
    antipode = ((tract.ctr_coord.ra.deg + 180) % 360, -tract.ctr_coord.dec.deg)
    assert not tract.contains(antipode)


def test_find_patch_list_returns_patches_whose_outer_boxes_hold_the_points(tract) -> None:
    patch = tract.getPatchInfo((3, 4))
    inner = patch.getInnerBBox()
    near_corner = tract.wcs.pixel_to_world(inner.getMaxX() - 10, inner.getMaxY() - 10)
    found = tract.findPatchList([near_corner])
    # Within the border of the (4, 5) neighbours: all four patches around that corner.
    assert {tuple(p.index) for p in found} == {(3, 4), (4, 4), (3, 5), (4, 5)}
    assert tract.findPatchList([(tract.ctr_coord.ra.deg + 180, -tract.ctr_coord.dec.deg)]) == ()


def test_wcs_is_centred_on_the_tract_and_round_trips(tract) -> None:
    centre = tract.ctr_coord
    assert tuple(tract.wcs.wcs.crval) == pytest.approx((centre.ra.deg, centre.dec.deg))
    assert tract.wcs.wcs.ctype[0] == "RA---TAN"
    x0, y0 = tract.wcs.world_to_pixel(centre)
    assert abs(x0 - tract.bbox.getCenterX()) < tract.patch_inner_dimensions.x
    assert abs(y0 - tract.bbox.getCenterY()) < tract.patch_inner_dimensions.y
    rng = np.random.default_rng(7)
    x = rng.uniform(0, tract.bbox.getMaxX(), 100)
    y = rng.uniform(0, tract.bbox.getMaxY(), 100)
    back = tract.wcs.world_to_pixel(tract.wcs.pixel_to_world(x, y))
    assert np.allclose(back[0], x, atol=1e-6) and np.allclose(back[1], y, atol=1e-6)
    scale = np.sqrt(abs(np.linalg.det(tract.wcs.wcs.cd))) * 3600
    assert scale == pytest.approx(4.0)
    assert tract.getPatchInfo(0).getWcs() is tract.getWcs()


def test_tract_box_holds_the_inner_region_plus_overlap(small_rings, tract) -> None:
    reach = small_rings.ring_size / 2 + tract.tract_overlap.deg
    ra0, dec0 = tract.ctr_coord.ra.deg, tract.ctr_coord.dec.deg
    for direction in (-1, 1):
        assert tract.contains((ra0, dec0 + direction * (reach - 1e-3)))
    ra_lo, ra_hi = tract.inner_sky_region.ra_range
    dec_lo, dec_hi = tract.inner_sky_region.dec_range
    rng = np.random.default_rng(8)
    ra = (ra_lo + rng.uniform(0, 1, 200) * ((ra_hi - ra_lo) % 360)) % 360
    dec = rng.uniform(dec_lo, dec_hi, 200)
    assert all(tract.contains((r, d)) for r, d in zip(ra, dec))
    vertices = tract.vertex_list
    assert len(vertices) == 4
    assert all(tract.contains(v) for v in vertices)
    assert tract.inner_sky_polygon.contains_lonlat(ra0, dec0)


def test_patch_polygons_in_bulk_equal_one_by_one(tract) -> None:
    bulk = tract.patch_sky_polygons()
    inner = tract.patch_sky_polygons(outer=False)
    for patch, outer_polygon, inner_polygon in zip(tract, bulk, inner):
        assert isinstance(outer_polygon, ConvexPolygon)
        assert outer_polygon == patch.outer_sky_polygon
        assert inner_polygon == patch.inner_sky_polygon
        assert _holds(outer_polygon, inner_polygon.vertices)
        assert _holds(tract.outer_sky_polygon, outer_polygon.vertices)


def test_positions_may_be_skycoord_lonlat_or_pairs(tract) -> None:
    ra, dec = tract.ctr_coord.ra.deg, tract.ctr_coord.dec.deg
    expected = tract.findPatch((ra, dec))
    assert tract.findPatch(LonLat(ra, dec)) == expected
    assert tract.findPatch(SkyCoord(ra, dec, unit="deg")) == expected
    assert tract.findPatch(np.array([ra, dec])) == expected
    with pytest.raises(TypeError, match="Cannot read"):
        tract.findPatch("north")


def test_patch_info_refuses_an_outer_box_not_holding_the_inner_one(tract) -> None:
    from pipetasks.skymap import PatchInfo

    with pytest.raises(ValueError, match="does not contain inner box"):
        PatchInfo(Index2D(0, 0), Box2I.from_xywh(0, 0, 10, 10), Box2I.from_xywh(5, 5, 10, 10), 0, tract.wcs)
