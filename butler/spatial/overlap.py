"""Exact overlap tests between pairs of regions.

Two closed regions overlap when one holds a point of the other's boundary
or the boundaries cross; for polygons and boxes that means: a vertex (or
corner) of one is inside the other, or an edge of one crosses an edge of
the other.  Compound regions and ellipses reduce to these cases.
"""

from __future__ import annotations

__all__ = ["overlaps"]

import math

import numpy as np

from .arcs import arcs_cross, arcs_cross_parallel
from .box import Box
from .circle import Circle
from .compound import IntersectionRegion, UnionRegion
from .ellipse import Ellipse
from .polygon import ConvexPolygon
from .region import Region


def overlaps(a: Region, b: Region) -> bool:
    """Whether regions ``a`` and ``b`` have a point in common.

    Exact for circles, convex polygons, boxes and unions of them; see
    `Ellipse` and `IntersectionRegion` for their approximations.
    """
    if isinstance(a, UnionRegion):
        return any(overlaps(r, b) for r in a.regions)
    if isinstance(b, UnionRegion):
        return any(overlaps(a, r) for r in b.regions)
    if isinstance(a, IntersectionRegion):
        return not a.is_empty() and all(overlaps(r, b) for r in a.regions)
    if isinstance(b, IntersectionRegion):
        return not b.is_empty() and all(overlaps(a, r) for r in b.regions)
    if a.is_empty() or b.is_empty():
        return False
    if not _circles_overlap(a.bounding_circle, b.bounding_circle):
        return False
    if isinstance(a, Ellipse):
        return _ellipse_overlaps(a, b)
    if isinstance(b, Ellipse):
        return _ellipse_overlaps(b, a)
    if isinstance(a, Circle):
        return _circle_overlaps(a, b)
    if isinstance(b, Circle):
        return _circle_overlaps(b, a)
    if isinstance(a, ConvexPolygon) and isinstance(b, ConvexPolygon):
        return _polygons_overlap(a, b)
    if isinstance(a, Box) and isinstance(b, Box):
        return _boxes_overlap(a, b)
    if isinstance(a, Box) and isinstance(b, ConvexPolygon):
        return _box_polygon_overlap(a, b)
    if isinstance(a, ConvexPolygon) and isinstance(b, Box):
        return _box_polygon_overlap(b, a)
    raise TypeError(f"Cannot test overlap of {type(a).__name__} and {type(b).__name__}.")


def _circles_overlap(a: Circle, b: Circle) -> bool:
    if a.radius_radians + b.radius_radians >= math.pi:
        return True
    # Plain floats: numpy's per-call overhead dominates for one pair.
    (x1, y1, z1), (x2, y2, z2) = a._center.tolist(), b._center.tolist()
    cx, cy, cz = y1 * z2 - z1 * y2, z1 * x2 - x1 * z2, x1 * y2 - y1 * x2
    gap = math.atan2(math.sqrt(cx * cx + cy * cy + cz * cz), x1 * x2 + y1 * y2 + z1 * z2)
    return gap <= a.radius_radians + b.radius_radians


def _circle_overlaps(circle: Circle, other: Region) -> bool:
    if isinstance(other, Circle):
        return _circles_overlap(circle, other)
    if other.contains_vectors(circle._center[np.newaxis])[0]:
        return True
    centers = circle.center_vector[np.newaxis]
    return bool(other.overlaps_circles(centers, np.array([circle.radius_radians]))[0])


# Polygons are closed sets, as in sphgeom (whose predicates are exact): two polygons that
# share an edge or a vertex overlap. A vertex lying on the other polygon's edge computes
# to within rounding of it, so containment of vertices allows that much.
_BOUNDARY_TOLERANCE = 1e-14


def _contains_closed(polygon: ConvexPolygon, vectors: np.ndarray) -> np.ndarray:
    normals = polygon.edge_normals
    scale = np.linalg.norm(normals, axis=-1) * np.linalg.norm(vectors, axis=-1)[:, np.newaxis]
    return np.all(vectors @ normals.T >= -_BOUNDARY_TOLERANCE * scale, axis=-1)


def _polygons_overlap(a: ConvexPolygon, b: ConvexPolygon) -> bool:
    va, vb = a.vertices, b.vertices
    if _contains_closed(a, vb).any() or _contains_closed(b, va).any():
        return True
    return arcs_cross(va, np.roll(va, -1, axis=0), vb, np.roll(vb, -1, axis=0))


def _boxes_overlap(a: Box, b: Box) -> bool:
    (lat_a0, lat_a1), (lat_b0, lat_b1) = np.radians(a.dec_range), np.radians(b.dec_range)
    if lat_a0 > lat_b1 or lat_b0 > lat_a1:
        return False
    if a.is_full_lon() or b.is_full_lon():
        return True
    start_a, start_b = math.radians(a.ra_range[0]), math.radians(b.ra_range[0])
    two_pi = 2 * math.pi
    return ((start_b - start_a) % two_pi <= a.lon_width) or ((start_a - start_b) % two_pi <= b.lon_width)


def _box_polygon_overlap(box: Box, polygon: ConvexPolygon) -> bool:
    vertices = polygon.vertices
    if box.contains_vectors(vertices).any() or polygon.contains_vectors(box.corner_vectors()).any():
        return True
    ends = np.roll(vertices, -1, axis=0)
    for start, end in box.meridian_arcs():
        if arcs_cross(vertices, ends, start[np.newaxis], end[np.newaxis]):
            return True
    for lat in np.radians(box.dec_range):
        if abs(lat) < math.pi / 2 and arcs_cross_parallel(vertices, ends, float(lat), box.lon_contains):
            return True
    return False


def _ellipse_overlaps(ellipse: Ellipse, other: Region) -> bool:
    if other.contains(ellipse.center_vector):
        return True
    if overlaps(ellipse.inner_polygon(), other):
        return True
    return overlaps(ellipse.outer_polygon(), other)
