"""Convex spherical polygons: the regions of visits, detectors, tracts and patches."""

from __future__ import annotations

__all__ = ["ConvexPolygon", "are_convex_ccw"]

from typing import Any, ClassVar

import numpy as np

from .arcs import point_arc_distances
from .circle import Circle
from .region import Region
from .vectors import LonLat, angle_between, as_vectors, cross, lonlat_to_vectors, normalize, vectors_to_lonlat


class ConvexPolygon(Region):
    """A convex polygon whose edges are great-circle arcs.

    Parameters
    ----------
    vertices : sequence of `LonLat`, or array of 3-vectors
        Three or more points within one hemisphere.  The polygon is their
        convex hull, with vertices in counter-clockwise order seen from
        outside the sphere (as LSST sphgeom keeps them).

    Raises
    ------
    ValueError
        If the points do not span a polygon inside an open hemisphere.
    """

    TYPE_CODE: ClassVar[int] = ord("p")

    def __init__(self, vertices: Any):
        points = as_vectors(vertices)
        if len(points) >= 3 and are_convex_ccw(points[np.newaxis])[0]:
            self._vertices = points
        else:
            self._vertices = _convex_hull(points)
        self._vertices.setflags(write=False)
        self._normals = cross(self._vertices, np.roll(self._vertices, -1, axis=0))

    @classmethod
    def from_radec(cls, ra: Any, dec: Any) -> ConvexPolygon:
        """The convex hull of points given as RA and Dec sequences, degrees."""
        return cls(lonlat_to_vectors(ra, dec))

    @classmethod
    def from_vertex_arrays(cls, vertices: np.ndarray) -> list[ConvexPolygon]:
        """Many polygons with the same number of vertices, checked all at once.

        Parameters
        ----------
        vertices : `numpy.ndarray`, shape ``(N, V, 3)``
            Unit vectors of each polygon's vertices, already convex and
            counter-clockwise seen from outside the sphere (what
            `are_convex_ccw` tests). One vectorized check replaces the
            per-polygon one of the constructor (~100 us each), which matters
            for the ~10^6 patches of a whole-sky map.

        Raises
        ------
        ValueError
            Naming the first polygon whose vertices are not convex and
            counter-clockwise (use the constructor to take a convex hull).
        """
        vertices = np.asarray(vertices, dtype=float)
        good = are_convex_ccw(vertices)
        if not good.all():
            bad = int(np.flatnonzero(~good)[0])
            raise ValueError(f"Polygon {bad} of {len(vertices)}: vertices {vertices[bad].tolist()} are not "
                             "convex and counter-clockwise; ConvexPolygon(vertices) takes their convex hull.")
        return [cls._from_vertices_unchecked(v) for v in vertices]

    @classmethod
    def _from_vertices_unchecked(cls, vertices: np.ndarray) -> ConvexPolygon:
        polygon = cls.__new__(cls)
        polygon._vertices = np.asarray(vertices, dtype=float)
        polygon._vertices.setflags(write=False)
        polygon._normals = cross(polygon._vertices, np.roll(polygon._vertices, -1, axis=0))
        return polygon

    @property
    def vertices(self) -> np.ndarray:
        """The vertices, counter-clockwise, as an ``(N, 3)`` array of unit vectors."""
        return self._vertices

    @property
    def vertices_lonlat(self) -> list[LonLat]:
        """The vertices as `LonLat` points."""
        lon, lat = vectors_to_lonlat(self._vertices)
        return [LonLat(float(a), float(b)) for a, b in zip(lon, lat)]

    def getVertices(self) -> list[np.ndarray]:  # noqa: N802
        """The vertices, as LSST sphgeom names them."""
        return list(self._vertices)

    @property
    def edge_normals(self) -> np.ndarray:
        """``v[i] × v[i+1]`` for each edge, pointing into the polygon (not normalized)."""
        return self._normals

    def is_empty(self) -> bool:
        return False

    def contains_vectors(self, vectors: np.ndarray) -> np.ndarray:
        return np.all(vectors @ self._normals.T >= 0, axis=-1)

    def edge_distances(self, points: np.ndarray) -> np.ndarray:
        """Angular distance (radians) from each point to the nearest edge, shape ``(N,)``."""
        ends = np.roll(self._vertices, -1, axis=0)
        return point_arc_distances(points, self._vertices, ends).min(axis=1)

    def overlaps_circles(self, centers: np.ndarray, radii: np.ndarray) -> np.ndarray:
        inside = self.contains_vectors(centers)
        near = np.zeros(len(centers), dtype=bool)
        if (~inside).any():
            near[~inside] = self.edge_distances(centers[~inside]) <= radii[~inside] + 1e-15
        return inside | near

    @property
    def bounding_circle(self) -> Circle:
        circle = self.__dict__.get("_bounding_circle")
        if circle is None:
            center = normalize(self._vertices.sum(axis=0))
            radius = float(angle_between(self._vertices, center).max())
            # Pad by a few ulps so vertices stay inside after rounding.
            circle = Circle(center, np.degrees(radius) * (1 + 1e-12) + 1e-14)
            self.__dict__["_bounding_circle"] = circle
        return circle

    def encode(self) -> bytes:
        return bytes([self.TYPE_CODE]) + self._vertices.astype("<f8").tobytes()

    def __repr__(self) -> str:
        return f"ConvexPolygon([{', '.join(str(v) for v in self.vertices_lonlat)}])"


def are_convex_ccw(vertices: np.ndarray) -> np.ndarray:
    """Whether each polygon of an ``(N, V, 3)`` array of unit vectors is convex and counter-clockwise.

    True where every vertex is finite and on the inner side of every edge
    (which excludes polygons winding more than once or larger than a
    hemisphere); shape ``(N,)``.
    """
    vertices = np.asarray(vertices, dtype=float)
    following = np.roll(vertices, -1, axis=1)
    after = np.roll(vertices, -2, axis=1)
    normals = cross(vertices, following)
    turns = np.einsum("nij,nij->ni", normals, after)
    sides = np.einsum("nij,nkj->nik", vertices, normals)
    finite = np.all(np.isfinite(vertices), axis=(1, 2))
    with np.errstate(invalid="ignore"):
        return finite & np.all(turns > 0, axis=1) & np.all(sides >= -1e-15, axis=(1, 2))


def _convex_hull(points: np.ndarray) -> np.ndarray:
    """Counter-clockwise convex hull of points in an open hemisphere (gnomonic projection)."""
    if len(points) < 3:
        raise ValueError(f"A polygon needs at least 3 vertices, not {len(points)}.")
    center = points.sum(axis=0)
    if np.linalg.norm(center) < 1e-12:
        raise ValueError("The polygon's vertices do not lie within one hemisphere.")
    center = center / np.linalg.norm(center)
    heights = points @ center
    if np.any(heights <= 1e-12):
        raise ValueError("The polygon's vertices do not lie within one hemisphere.")
    # The gnomonic projection maps great circles to straight lines, so the
    # planar hull of the projected points is the spherical hull.
    helper = np.array([1.0, 0.0, 0.0]) if abs(center[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = normalize(cross(helper, center))
    e2 = cross(center, e1)
    xy = np.stack([(points @ e1) / heights, (points @ e2) / heights], axis=1)
    order = _planar_hull(xy)
    if len(order) < 3:
        raise ValueError("The polygon's vertices are collinear (they span no area).")
    return points[order].copy()


def _planar_hull(xy: np.ndarray) -> list[int]:
    """Indices of the counter-clockwise convex hull of 2-d points (monotone chain)."""
    order = sorted(range(len(xy)), key=lambda i: (xy[i, 0], xy[i, 1]))

    def turn(o: int, a: int, b: int) -> float:
        return float((xy[a, 0] - xy[o, 0]) * (xy[b, 1] - xy[o, 1])
                     - (xy[a, 1] - xy[o, 1]) * (xy[b, 0] - xy[o, 0]))

    lower: list[int] = []
    for i in order:
        while len(lower) >= 2 and turn(lower[-2], lower[-1], i) <= 0:
            lower.pop()
        lower.append(i)
    upper: list[int] = []
    for i in reversed(order):
        while len(upper) >= 2 and turn(upper[-2], upper[-1], i) <= 0:
            upper.pop()
        upper.append(i)
    return lower[:-1] + upper[:-1]
