"""LSST sphgeom's region bytes decode to the same regions (literal encodings and a real export)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

import butler.spatial  # noqa: F401  (registers the decoder)
from butler import spatial_hooks
from butler.spatial import (
    Box,
    Circle,
    ConvexPolygon,
    Ellipse,
    IntersectionRegion,
    LonLat,
    UnionRegion,
    decode,
)
from butler.spatial import decode_text

EXPORT = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "lsst_export" / "hsc-rc2-subset.yaml"
)

# Written by lsst.sphgeom 30.2026.4000 (hex of Region.encode()).
SPHGEOM_CIRCLE = (
    "6361b46c3a039ded3f3b46fac0f2e2c43ff50b8a74a8e3d53f8d56ec052275463fd6eb7bf3e9ce9a3f"  # (10, 20), 1.5°
)
SPHGEOM_BOX = (
    "628744e74a1857c63f65732d3852c1e03f8744e74a1857d63f8744e74a1857e63f"  # Box.fromDegrees(10, 20, 30, 40)
)
SPHGEOM_POLYGON = (
    "70000000000000f03f000000000000000000000000000000008aaff597c0feef3f1edd892b0bdf913f000000000000"
    "0000b4825f3c81fdef3f27dcf7c958de913f1edd892b0bdf913f"
)  # (0, 0), (1, 0), (1, 1)
SPHGEOM_UNION = "75" + "2900000000000000" + SPHGEOM_CIRCLE + "2100000000000000" + SPHGEOM_BOX
SPHGEOM_ELLIPSE = (  # centre (10, 20), alpha 2°, beta 1°, orientation 30°
    "65478baa9fb539d8bf6b5df099d838dc3f1b995e6fa10aea3fe8e4a57c0376923f86f29a1bf73dec3f1a2d5242f611de"
    "bf61b46c3a039ded3f3b46fac0f2e2c43ff50b8a74a8e3d53f2e98311f0193f8bfa3e2ba397edaf8bf0e9d944203f59e"
    "3f4318c27ee1a23c40499a74761da54c40"
)
ELLIPSE_POINTS = [
    (11.83, 19.6913),
    (11.8476, 21.7936),
    (10.092, 18.4131),
    (8.7148, 18.9187),
    (7.3236, 21.7993),
    (9.3002, 20.0424),
    (9.4508, 20.0383),
    (7.2717, 18.4172),
    (7.2925, 17.0872),
    (12.9951, 22.5993),
    (10.9142, 17.515),
    (8.4071, 22.0696),
    (9.6097, 19.2073),
    (12.8451, 22.7061),
    (12.3861, 19.3966),
    (12.0654, 22.6187),
    (9.3544, 20.337),
    (9.9581, 18.4408),
    (11.0601, 21.4485),
    (7.3648, 21.0463),
    (10.3336, 21.1052),
    (8.6287, 19.7829),
    (12.2779, 18.3313),
    (7.3853, 20.8456),
    (11.0751, 17.6425),
    (12.2205, 21.1533),
    (8.3639, 20.8123),
    (12.3727, 19.2591),
]
# sphgeom's Ellipse.contains for those points.
ELLIPSE_INSIDE = [
    False,
    False,
    False,
    True,
    False,
    True,
    True,
    False,
    False,
    False,
    False,
    False,
    True,
    False,
    False,
    False,
    True,
    False,
    True,
    False,
    True,
    False,
    False,
    False,
    False,
    False,
    False,
    False,
]


def test_sphgeom_circle_box_polygon() -> None:
    circle = decode(bytes.fromhex(SPHGEOM_CIRCLE))
    assert isinstance(circle, Circle)
    assert circle.center.lon == pytest.approx(10) and circle.center.lat == pytest.approx(20)
    assert circle.radius == pytest.approx(1.5)
    assert circle == Circle.from_degrees(10, 20, 1.5)
    box = decode(bytes.fromhex(SPHGEOM_BOX))
    assert isinstance(box, Box)
    assert box.ra_range == pytest.approx((10, 30)) and box.dec_range == pytest.approx((20, 40))
    assert box.encode().hex() == SPHGEOM_BOX
    assert Box((10, 30), (20, 40)).encode().hex() == SPHGEOM_BOX
    polygon = decode(bytes.fromhex(SPHGEOM_POLYGON))
    assert isinstance(polygon, ConvexPolygon)
    assert [(round(v.lon, 9), round(v.lat, 9)) for v in polygon.vertices_lonlat] == [(0, 0), (1, 0), (1, 1)]
    assert polygon.encode().hex() == SPHGEOM_POLYGON
    assert ConvexPolygon.from_radec([0, 1, 1], [0, 0, 1]).encode().hex() == SPHGEOM_POLYGON


def test_sphgeom_compound_regions() -> None:
    union = decode(bytes.fromhex(SPHGEOM_UNION))
    assert isinstance(union, UnionRegion) and len(union) == 2
    assert (
        union.contains(LonLat(10, 20)) and union.contains(LonLat(25, 35)) and not union.contains(LonLat(0, 0))
    )
    assert union.encode().hex() == SPHGEOM_UNION
    intersection = decode(bytes.fromhex("69" + SPHGEOM_UNION[2:]))
    assert isinstance(intersection, IntersectionRegion)
    assert not intersection.contains(LonLat(9.5, 19.5))  # in the circle, not in the box
    assert intersection.contains(LonLat(10.5, 20.5))


def test_sphgeom_ellipse() -> None:
    ellipse = decode(bytes.fromhex(SPHGEOM_ELLIPSE))
    assert isinstance(ellipse, Ellipse)
    assert ellipse.alpha == pytest.approx(2) and ellipse.beta == pytest.approx(1)
    assert ellipse.encode().hex() == SPHGEOM_ELLIPSE
    ra, dec = np.array(ELLIPSE_POINTS).T
    assert ellipse.contains_lonlat(ra, dec).tolist() == ELLIPSE_INSIDE
    assert ellipse.overlaps(Circle.from_degrees(10, 20, 0.01))
    assert not ellipse.overlaps(Circle.from_degrees(10, 25, 1))
    assert ellipse.bounding_circle.radius == pytest.approx(2, rel=1e-6)


def test_text_forms() -> None:
    import base64

    assert decode_text(SPHGEOM_CIRCLE) == decode(bytes.fromhex(SPHGEOM_CIRCLE))
    assert decode_text(base64.b64encode(bytes.fromhex(SPHGEOM_BOX)).decode()) == Box((10, 30), (20, 40))
    with pytest.raises(ValueError):
        decode_text("not a region")


def test_registry_hook_is_registered() -> None:
    assert spatial_hooks.decode(bytes.fromhex(SPHGEOM_CIRCLE)) == Circle.from_degrees(10, 20, 1.5)


def _export_records() -> dict[str, list[dict]]:
    if not EXPORT.exists():
        pytest.skip(f"LSST export file not found at {EXPORT}")

    class Loader(yaml.SafeLoader):
        pass

    def tagged(loader, suffix, node):
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node)
        return loader.construct_scalar(node)

    Loader.add_multi_constructor("!", tagged)
    Loader.add_multi_constructor("lsst.", tagged)
    with open(EXPORT) as stream:
        data = yaml.load(stream, Loader=Loader)
    return {item["element"]: item["records"] for item in data["data"] if item.get("type") == "dimension"}


@pytest.fixture(scope="module")
def export_records() -> dict[str, list[dict]]:
    return _export_records()


def test_export_regions_decode_byte_identically(export_records) -> None:
    count = 0
    for element in ("tract", "patch", "visit", "visit_detector_region"):
        for record in export_records[element]:
            hex_text = record["region"]["encoded"]
            region = decode_text(hex_text)
            assert isinstance(region, ConvexPolygon)
            assert region.encode().hex() == hex_text
            count += 1
    assert count > 1000


def test_export_regions_are_consistent(export_records) -> None:
    tracts = {r["id"]: decode_text(r["region"]["encoded"]) for r in export_records["tract"]}
    for patch in export_records["patch"]:
        region = decode_text(patch["region"]["encoded"])
        tract = tracts[patch["tract"]]
        assert tract.contains_vectors(region.vertices).all() or tract.overlaps(region)
        other = tracts[next(t for t in tracts if t != patch["tract"])]
        assert not other.contains_vectors(region.vertices).all()
    visits = {r["id"]: decode_text(r["region"]["encoded"]) for r in export_records["visit"]}
    detectors = export_records["visit_detector_region"]
    for record in detectors:
        assert visits[record["visit"]].overlaps(decode_text(record["region"]["encoded"]))
    # HSC visits are ~1.5 degrees across.
    radius = max(v.bounding_circle.radius for v in visits.values())
    assert 0.5 < radius < 1.5
    assert math.isfinite(radius)
