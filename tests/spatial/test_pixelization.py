"""HTM and HEALPix pixelizations: indices pinned to LSST sphgeom's, envelopes that cover."""

from __future__ import annotations

import numpy as np
import pytest

from butler.spatial import (
    Box,
    Circle,
    ConvexPolygon,
    HealpixPixelization,
    HtmPixelization,
    RangeSet,
    pixelization_from_name,
)

# (ra, dec) points and the indices LSST sphgeom's HtmPixelization / HealpixPixelization
# give them (computed once with lsst-sphgeom 30.2026.4000; literal so no LSST import).
POINTS = [
    (150.1, 2.2),
    (320.25, 0.25),
    (0.0, 0.0),
    (0.0, 90.0),
    (45.0, -90.0),
    (359.9999, -0.0001),
    (10.5, 35.264),
    (200.0, -60.0),
    (270.0, 45.0),
    (123.456, -7.89),
]
SPHGEOM_INDICES = {
    "htm0": [14, 12, 15, 15, 8, 11, 15, 10, 13, 9],
    "htm7": [231858, 198672, 253952, 249856, 135168, 188416, 256164, 170803, 227328, 150473],
    "htm13": [
        949692445,
        813763708,
        1040187392,
        1023410176,
        553648128,
        771751936,
        1049250902,
        699609116,
        931135488,
        616340828,
    ],
    "htm20": [
        15559761022814,
        13332704597993,
        17042430230528,
        16767552323584,
        9070970929152,
        12644383719439,
        17190926791732,
        11462395763187,
        15255723835392,
        10098128127597,
    ],
    "htm24": [
        3983298821840495,
        3413172377086312,
        4362862139015168,
        4292493394837504,
        2322168557862912,
        3236962232176447,
        4400877258683526,
        2934373315375892,
        3905465301860352,
        2585120800664974,
    ],
    "healpix0": [6, 4, 4, 0, 8, 4, 0, 10, 3, 5],
    "healpix8": [436132, 305751, 289450, 65535, 524288, 278527, 41552, 667320, 240554, 348216],
    "healpix11": [
        27912462,
        19568126,
        18524842,
        4194303,
        33554432,
        17825791,
        2659387,
        42708482,
        15395498,
        22285854,
    ],
    "healpix17": [
        114329445944,
        80151044334,
        75877755562,
        17179869183,
        137438953472,
        73014444031,
        10892852863,
        174933945897,
        63059962623,
        91282860915,
    ],
}


@pytest.mark.parametrize("name", sorted(SPHGEOM_INDICES))
def test_indices_equal_sphgeom(name: str) -> None:
    pixelization = pixelization_from_name(name)
    assert [pixelization.index(ra, dec) for ra, dec in POINTS] == SPHGEOM_INDICES[name]
    ra, dec = np.array(POINTS).T
    assert pixelization.index(ra, dec).tolist() == SPHGEOM_INDICES[name]


def test_htm7_pixel_of_a_reference_catalog_shard() -> None:
    # sphgeom's HtmPixelization(7).triangle(231232) has these vertices.
    triangle = HtmPixelization(7).pixel(231232)
    expected = [
        (180.0, 33.75),
        (179.08107345353972, 33.897771392893034),
        (179.09595016348334, 33.173460509393166),
    ]
    for vertex, (ra, dec) in zip(triangle.vertices_lonlat, expected):
        assert vertex.lon == pytest.approx(ra, abs=1e-9) and vertex.lat == pytest.approx(dec, abs=1e-9)


def test_sphgeom_htm7_envelope_of_a_circle_is_covered() -> None:
    envelope = HtmPixelization(7).envelope(Circle.from_degrees(150.1, 2.2, 0.5))
    # sphgeom's envelope of the same circle.
    for begin, end in [(231857, 231860), (231869, 231872)]:
        assert all(i in envelope for i in range(begin, end))


@pytest.mark.parametrize(
    "pixelization",
    [
        HtmPixelization(0),
        HtmPixelization(5),
        HtmPixelization(7),
        HealpixPixelization(0),
        HealpixPixelization(6),
    ],
)
def test_pixels_contain_their_points(pixelization) -> None:
    rng = np.random.default_rng(11)
    ra, dec = rng.uniform(0, 360, 300), np.degrees(np.arcsin(rng.uniform(-1, 1, 300)))
    first, end = pixelization.index_bounds()
    indices = pixelization.index(ra, dec)
    assert ((indices >= first) & (indices < end)).all()
    if isinstance(pixelization, HtmPixelization):
        for r, d, i in zip(ra[:50], dec[:50], indices[:50]):
            assert pixelization.pixel(int(i)).contains_lonlat(r, d)


def _sample(region, rng, n=600):
    """Points inside a region, from its bounding cap, plus points on polygon edges."""
    circle = region.bounding_circle
    center = circle.center_vector
    u = rng.normal(size=(n, 3))
    u -= np.outer(u @ center, center)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    t = circle.radius_radians * np.sqrt(rng.uniform(0, 1, n))
    points = np.cos(t)[:, None] * center + np.sin(t)[:, None] * u
    if isinstance(region, ConvexPolygon):
        v = region.vertices
        k = rng.integers(0, len(v), 300)
        s = rng.uniform(0, 1, (300, 1))
        edge = v[k] * (1 - s) + np.roll(v, -1, axis=0)[k] * s
        points = np.concatenate([points, edge / np.linalg.norm(edge, axis=1, keepdims=True)])
    return points[region.contains_vectors(points)]


REGIONS = [
    ConvexPolygon.from_radec([150.0, 150.3, 150.25, 149.95], [2.0, 2.05, 2.4, 2.35]),
    ConvexPolygon.from_radec([359.8, 0.3, 0.1], [-0.2, 0.1, 0.4]),
    ConvexPolygon.from_radec([10, 40, 30], [80, 85, 89.5]),
    Circle.from_degrees(320.0, -45.0, 3.0),
    Circle.from_degrees(12.0, 89.9, 0.5),
    Circle.from_degrees(100.0, 10.0, 0.0),
    Box((350.0, 5.0), (-3.0, 2.0)),
    Box.from_center(200.0, -60.0, 4.0, 1.0),
]


@pytest.mark.parametrize(
    "pixelization",
    [
        HtmPixelization(3),
        HtmPixelization(7),
        HtmPixelization(9),
        HealpixPixelization(4),
        HealpixPixelization(8),
    ],
)
@pytest.mark.parametrize("region", REGIONS, ids=repr)
def test_envelope_covers_region(pixelization, region) -> None:
    envelope = pixelization.envelope(region)
    points = _sample(region, np.random.default_rng(5))
    if isinstance(region, Circle) and region.radius == 0:
        points = region.center_vector[np.newaxis]
    missing = [int(i) for i in pixelization.index_vectors(points) if int(i) not in envelope]
    assert not missing


def test_htm_envelope_is_tight() -> None:
    region = REGIONS[0]
    envelope = HtmPixelization(7).envelope(region)
    touching = [i for i in envelope.indices() if HtmPixelization(7).pixel(int(i)).overlaps(region)]
    assert len(touching) >= 0.6 * envelope.cardinality()


def test_large_region_envelope_uses_ranges() -> None:
    envelope = HtmPixelization(7).envelope(Circle.from_degrees(30.0, 30.0, 20.0))
    assert envelope.cardinality() > 1000
    assert len(envelope) < envelope.cardinality() / 4


def test_range_set() -> None:
    ranges = RangeSet.from_indices([5, 1, 2, 3, 9, 10])
    assert list(ranges) == [(1, 4), (5, 6), (9, 11)]
    assert ranges.cardinality() == 6 and len(ranges) == 3
    assert 10 in ranges and 4 not in ranges
    assert list(ranges.simplify(2)) == [(1, 6), (9, 11)]
    assert list(RangeSet([(3, 5), (1, 4), (8, 9)])) == [(1, 5), (8, 9)]
    assert list(RangeSet([(1, 2)]).scaled(4)) == [(4, 8)]


def test_pixelization_names() -> None:
    assert pixelization_from_name("htm7") == HtmPixelization(7)
    assert pixelization_from_name("healpix10").nside == 1024
    with pytest.raises(ValueError):
        pixelization_from_name("q3c5")
    with pytest.raises(ValueError):
        HtmPixelization(25)
