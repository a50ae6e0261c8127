"""Regions: construction, containment, exact overlaps (against brute force), encoding."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from butler.spatial import (
    Box,
    Circle,
    ConvexPolygon,
    LonLat,
    UnionRegion,
    are_convex_ccw,
    decode,
    region_from_ivoa_pos,
)


def _square(ra: float, dec: float, half: float) -> ConvexPolygon:
    return ConvexPolygon.from_radec(
        [ra - half, ra + half, ra + half, ra - half], [dec - half, dec - half, dec + half, dec + half]
    )


def test_polygon_from_points_is_convex_hull_counter_clockwise() -> None:
    # Clockwise input, with an interior point: the hull drops it and turns counter-clockwise.
    polygon = ConvexPolygon([LonLat(0, 0), LonLat(0, 1), LonLat(0.5, 0.5), LonLat(1, 1), LonLat(1, 0)])
    assert len(polygon.vertices) == 4
    assert polygon.contains(LonLat(0.5, 0.5))
    assert polygon.contains_lonlat(0.0, 0.0)  # boundary included
    assert not polygon.contains(LonLat(1.01, 0.5))
    normals = polygon.edge_normals
    assert (polygon.vertices @ normals.T >= -1e-15).all()


def test_polygon_rejects_bad_vertices() -> None:
    with pytest.raises(ValueError):
        ConvexPolygon.from_radec([0, 1], [0, 1])
    with pytest.raises(ValueError):
        ConvexPolygon.from_radec([0, 120, 240], [0, 0, 0])  # not within an open hemisphere



def test_polygons_from_vertex_arrays_equal_those_made_one_at_a_time() -> None:
    squares = [_square(10.0 * i, 5.0 * i - 20.0, 0.5 + 0.1 * i) for i in range(6)]
    vertices = np.stack([square.vertices for square in squares])
    assert are_convex_ccw(vertices).all()
    batch = ConvexPolygon.from_vertex_arrays(vertices)
    assert batch == squares
    assert [p.encode() for p in batch] == [p.encode() for p in squares]


def test_vertex_arrays_that_are_not_convex_and_counter_clockwise_are_refused_by_index() -> None:
    good = _square(0.0, 0.0, 1.0).vertices
    clockwise = good[::-1]
    bowtie = good[[0, 2, 1, 3]]
    with_nan = good.copy()
    with_nan[1] = np.nan
    vertices = np.stack([good, clockwise, bowtie, with_nan])
    assert are_convex_ccw(vertices).tolist() == [True, False, False, False]
    with pytest.raises(ValueError, match="Polygon 1 of 2"):
        ConvexPolygon.from_vertex_arrays(vertices[:2])

def test_circle_and_box_contain() -> None:
    circle = Circle.from_degrees(150.0, 2.0, 1.0)
    assert circle.contains(LonLat(150.5, 2.5)) and not circle.contains(LonLat(151.0, 3.0))
    assert Circle.from_degrees(10, 10, 0).contains(LonLat(10, 10))
    assert Circle.from_degrees(0, 0, -1).is_empty()
    box = Box((350.0, 10.0), (-5.0, 5.0))
    assert box.contains(LonLat(355, 0)) and box.contains(LonLat(5, -5)) and not box.contains(LonLat(20, 0))
    assert Box((0, 360), (80, 90)).contains(LonLat(123, 90))
    assert Box.from_center(10, 20, 2, 4).dec_range == pytest.approx((18, 22))
    assert list(circle.contains_lonlat(np.array([150, 160]), np.array([2, 2]))) == [True, False]


def _brute_force_overlap(a, b, rng, n=6000) -> bool:
    """Whether points sampled in ``a``'s bounding cap fall in both (misses only slivers)."""
    circle = a.bounding_circle
    center = circle.center_vector
    u = rng.normal(size=(n, 3))
    u -= np.outer(u @ center, center)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    t = circle.radius_radians * np.sqrt(rng.uniform(0, 1, n))
    points = np.cos(t)[:, None] * center + np.sin(t)[:, None] * u
    return bool((a.contains_vectors(points) & b.contains_vectors(points)).any())


def _random_region(rng):
    ra, dec = rng.uniform(0, 360), rng.uniform(-70, 70)
    kind = rng.integers(0, 3)
    size = rng.uniform(0.2, 2.0)
    if kind == 0:
        angles = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(3, 8)))
        return ConvexPolygon.from_radec(
            ra + size * np.cos(angles) / np.cos(np.radians(dec)), dec + size * np.sin(angles)
        )
    if kind == 1:
        return Circle.from_degrees(ra, dec, size)
    return Box.from_center(ra, dec, 2 * size, size)


def test_overlaps_agree_with_brute_force() -> None:
    rng = np.random.default_rng(42)
    checked = overlapping = 0
    for _ in range(150):
        a = _random_region(rng)
        # A partner near a, so that about half the pairs overlap.
        center = a.bounding_circle.center
        b = _random_region(rng)
        shift = rng.uniform(0, 3)
        b_moved = _moved(b, center, shift, rng)
        expected = _brute_force_overlap(a, b_moved, rng) or _brute_force_overlap(b_moved, a, rng)
        got = a.overlaps(b_moved)
        assert got == b_moved.overlaps(a)
        if got != expected:
            # Sampling can miss a sliver; it cannot invent an overlap.
            assert got and not expected, (a, b_moved)
            continue
        checked += 1
        overlapping += got
    assert checked > 140 and 30 < overlapping < 130


def _moved(region, center: LonLat, shift: float, rng):
    ra, dec = center.lon + shift * rng.uniform(-1, 1), float(
        np.clip(center.lat + shift * rng.uniform(-1, 1), -80, 80)
    )
    if isinstance(region, Circle):
        return Circle.from_degrees(ra, dec, region.radius)
    if isinstance(region, Box):
        (a, b), (c, d) = region.ra_range, region.dec_range
        return Box.from_center(ra, dec, (b - a) % 360, d - c)
    lon = np.array([v.lon for v in region.vertices_lonlat])
    lat = np.array([v.lat for v in region.vertices_lonlat])
    lon = (lon - lon[0] + 180) % 360 - 180
    return ConvexPolygon.from_radec(ra + lon - lon.mean(), np.clip(dec + lat - lat.mean(), -89, 89))


def test_box_polygon_overlap_is_exact_where_sphgeom_is_conservative() -> None:
    # A box south of the polygon's southern edge: sphgeom's relate() cannot tell
    # (it answers "maybe"); the exact test says disjoint.
    polygon = ConvexPolygon.from_radec(
        [260.94977, 268.81953, 270.73614, 269.71126, 250.82484],
        [-42.008335, -38.797476, -37.784518, -30.40358, -35.183215],
    )
    box = Box((264.9092212, 265.050963), (-41.95481357, -41.9247847))
    assert not polygon.overlaps(box) and not box.overlaps(polygon)
    assert not _brute_force_overlap(box, polygon, np.random.default_rng(1))
    # An edge that crosses the box's parallel edges without any corner inside either.
    thin = ConvexPolygon.from_radec([10.0, 10.2, 10.2, 10.0], [-5.0, -5.0, 5.0, 5.0])
    assert thin.overlaps(Box((9.0, 11.0), (-1.0, 1.0)))


def test_touching_and_nested() -> None:
    a = _square(10, 10, 1)
    assert a.overlaps(_square(12, 10, 1 - 1e-9)) is False
    assert a.overlaps(_square(10, 10, 0.1)) and _square(10, 10, 0.1).overlaps(a)
    assert a.overlaps(Circle.from_degrees(10, 10, 0)) and not a.overlaps(Circle.from_degrees(12, 10, 0.5))
    assert a.overlaps(Circle.from_degrees(11.5, 10, 0.6))
    assert Circle.from_degrees(0, 0, 1).overlaps(Circle.from_degrees(1.9, 0, 1))
    assert not Circle.from_degrees(0, 0, 1).overlaps(Circle.from_degrees(2.1, 0, 1))
    assert Box((350, 10), (0, 1)).overlaps(Box((5, 20), (0.5, 2)))
    assert not Box((350, 10), (0, 1)).overlaps(Box((11, 349), (0, 1)))
    union = UnionRegion(a, Circle.from_degrees(50, 50, 1))
    assert union.overlaps(Circle.from_degrees(50, 50.5, 0.1)) and union.contains(LonLat(10, 10))
    assert not UnionRegion().overlaps(a)


def test_bounding_circles_contain_regions() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        region = _random_region(rng)
        circle = region.bounding_circle
        if isinstance(region, ConvexPolygon):
            assert circle.contains_vectors(region.vertices).all()
        if isinstance(region, Box):
            assert circle.contains_vectors(region.corner_vectors()).all()


@pytest.mark.parametrize(
    "region",
    [
        _square(150, 2, 0.3),
        Circle.from_degrees(320, -45, 3),
        Box((350, 5), (-3, 2)),
        UnionRegion(Circle.from_degrees(1, 2, 3), Box((10, 20), (30, 40))),
    ],
    ids=repr,
)
def test_encode_decode_round_trip(region) -> None:
    data = region.encode()
    again = decode(data)
    assert type(again) is type(region) and again == region and again.encode() == data
    assert pickle.loads(pickle.dumps(region)) == region
    assert region == data  # a stored region compares equal to its bytes


def test_decode_rejects_garbage() -> None:
    for data in (b"", b"z123", b"p" + b"\0" * 10, b"c" + b"\0" * 8):
        with pytest.raises(ValueError):
            decode(data)


def test_ivoa_pos() -> None:
    assert region_from_ivoa_pos("CIRCLE 10 20 1.5") == Circle.from_degrees(10, 20, 1.5)
    box = region_from_ivoa_pos("RANGE 10 20 -Inf 5")
    assert box.dec_range == pytest.approx((-90, 5)) and box.ra_range == pytest.approx((10, 20))
    assert region_from_ivoa_pos("RANGE -Inf +Inf 0 1").is_full_lon()
    polygon = region_from_ivoa_pos("POLYGON 0 0 1 0 1 1")
    assert len(polygon.vertices) == 3
    for bad in ("", "ELLIPSE 1 2 3", "CIRCLE 1 2", "POLYGON 1 2 3 4", "CIRCLE a b c"):
        with pytest.raises(ValueError):
            region_from_ivoa_pos(bad)


def test_polygons_sharing_an_edge_or_a_vertex_overlap_as_in_sphgeom():
    from butler.spatial import ConvexPolygon

    right = ConvexPolygon.from_radec([150, 150.5, 150.5, 150], [1.5, 1.5, 2, 2])
    left = ConvexPolygon.from_radec([149, 150, 150, 149], [1, 1, 2, 2])
    corner = ConvexPolygon.from_radec([150, 151, 151, 150], [2, 2, 3, 3])
    apart = ConvexPolygon.from_radec([150.001, 150.5, 150.5, 150.001], [1.5, 1.5, 2, 2])
    assert right.overlaps(left) and left.overlaps(right)
    assert left.overlaps(corner) and corner.overlaps(left)
    assert not apart.overlaps(left)
