"""The Hierarchical Triangular Mesh, numbered as in LSST sphgeom and the SDSS HTM.

The sky is split into 8 spherical triangles (ids 8–15: S0–S3 below the
equator, N0–N3 above); each triangle ``(v0, v1, v2)`` has 4 children, with
edge midpoints ``w0 = mid(v1, v2)``, ``w1 = mid(v0, v2)``, ``w2 = mid(v0, v1)``:
``4·id + 0 = (v0, w2, w1)``, ``+1 = (v1, w0, w2)``, ``+2 = (v2, w1, w0)``,
``+3 = (w0, w1, w2)``.  A level-L index is therefore ``(8..15)·4^L + ...``,
so reference catalogs sharded by ``htm7`` use the same numbers as LSST.
"""

from __future__ import annotations

__all__ = ["HtmPixelization"]

import functools
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from .circle import Circle
from .polygon import ConvexPolygon
from .ranges import RangeSet
from .region import Region
from .pixelization import Pixelization
from .vectors import cross

_AXES = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0], [-1, 0, 0], [0, -1, 0], [0, 0, -1]], dtype=float)
# Vertices of the root triangles S0, S1, S2, S3, N0, N1, N2, N3 (ids 8..15), counter-clockwise.
_ROOTS = _AXES[np.array([[1, 5, 2], [2, 5, 3], [3, 5, 4], [4, 5, 1],
                         [1, 0, 4], [4, 0, 3], [3, 0, 2], [2, 0, 1]])]


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _children(triangles: np.ndarray) -> np.ndarray:
    """The 4 children of each triangle, shape ``(4·K, 3, 3)``, in index order per parent."""
    v0, v1, v2 = triangles[:, 0], triangles[:, 1], triangles[:, 2]
    w0, w1, w2 = _unit(v1 + v2), _unit(v0 + v2), _unit(v0 + v1)
    children = np.stack([
        np.stack([v0, w2, w1], axis=1),
        np.stack([v1, w0, w2], axis=1),
        np.stack([v2, w1, w0], axis=1),
        np.stack([w0, w1, w2], axis=1),
    ], axis=1)
    return children.reshape(-1, 3, 3)


# Rounding error bound of a triple product of unit vectors; below it the sign is recomputed exactly.
_AMBIGUOUS = 1e-14


def _orientation(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Sign of ``det(a, b, c)`` per row, exact even when the float result is within rounding of 0
    (points on pixel edges then land in the same pixel as with LSST sphgeom's exact predicates)."""
    det = np.einsum("ij,ij->i", cross(a, b), c)
    sign = np.sign(det)
    for i in np.flatnonzero(np.abs(det) < _AMBIGUOUS):
        sign[i] = _exact_orientation(a[i], b[i], c[i])
    return sign


def _exact_orientation(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> int:
    (ax, ay, az), (bx, by, bz), (cx, cy, cz) = (map(Fraction, v.tolist()) for v in (a, b, c))
    det = ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx)
    return (det > 0) - (det < 0)


def _root_triangles() -> tuple[np.ndarray, np.ndarray]:
    return _ROOTS.copy(), np.arange(8, 16, dtype=np.int64)


def _bounding_circles(triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    centers = _unit(triangles.sum(axis=1))
    cos = np.einsum("kvj,kj->kv", triangles, centers).min(axis=1)
    # Pad for rounding: a vertex must stay inside its triangle's circle.
    return centers, np.arccos(np.clip(cos, -1.0, 1.0)) + 1e-12


class HtmPixelization(Pixelization):
    """HTM pixels at one level (0 to 24).

    Parameters
    ----------
    level : `int`
        Subdivision level; level L has ``8·4^L`` triangles.
    """

    system = "htm"
    MAX_LEVEL = 24

    def index_bounds(self) -> tuple[int, int]:
        return 8 * 4**self.level, 16 * 4**self.level

    def index_vectors(self, vectors: np.ndarray) -> np.ndarray:
        p = np.asarray(vectors, dtype=float)
        x, y, z = p[:, 0], p[:, 1], p[:, 2]
        # The root is the octant; points on its boundary planes go where LSST sphgeom puts them.
        north = z >= 0
        quadrant = np.where((x > 0) & (y >= 0), 0,
                            np.where((x <= 0) & (y > 0), 1,
                                     np.where((x < 0) & (y <= 0), 2,
                                              np.where((x >= 0) & (y < 0), 3, 0))))
        root = np.where(north, 7 - quadrant, quadrant)
        triangles = _ROOTS[root]
        index = root.astype(np.int64) + 8
        for _ in range(self.level):
            v0, v1, v2 = triangles[:, 0], triangles[:, 1], triangles[:, 2]
            w0, w1, w2 = _unit(v1 + v2), _unit(v0 + v2), _unit(v0 + v1)
            in0 = _orientation(w2, w1, p) >= 0
            in1 = _orientation(w0, w2, p) >= 0
            in2 = _orientation(w1, w0, p) >= 0
            child = np.where(in0, 0, np.where(in1, 1, np.where(in2, 2, 3)))
            corners = np.stack([
                np.stack([v0, w2, w1], axis=1),
                np.stack([v1, w0, w2], axis=1),
                np.stack([v2, w1, w0], axis=1),
                np.stack([w0, w1, w2], axis=1),
            ], axis=1)
            triangles = corners[np.arange(len(p)), child]
            index = index * 4 + child
        return index

    def triangle(self, index: int) -> np.ndarray:
        """The ``(3, 3)`` vertices of a pixel, counter-clockwise."""
        first, end = self.index_bounds()
        if not first <= index < end:
            raise ValueError(f"{index} is not an htm{self.level} index (valid: [{first}, {end})).")
        digits = []
        value = int(index)
        for _ in range(self.level):
            digits.append(value & 3)
            value >>= 2
        triangle = _ROOTS[value - 8][np.newaxis]
        for digit in reversed(digits):
            triangle = _children(triangle)[digit:digit + 1]
        return triangle[0]

    def pixel(self, index: int) -> ConvexPolygon:
        return ConvexPolygon._from_vertices_unchecked(self.triangle(index))

    def envelope(self, region: Region) -> RangeSet:
        """Pixels whose bounding circles overlap ``region``: a superset of the pixels it touches.

        The search starts from a cached table of level-5 triangles (pruned with
        the region's bounding circle), subdivides the survivors, and tests the
        last two levels against the region itself; triangles wholly inside a
        convex region are taken with all their descendants at once.
        """
        if region.is_empty():
            return RangeSet()
        bound = region.bounding_circle
        bound_center, bound_radius = bound.center_vector, bound.radius_radians
        start = min(self.level, _TABLE_LEVEL)
        triangles, ids, centers, radii = _candidates(start, bound_center, bound_radius)
        convex = _is_convex(region)
        whole: list[tuple[int, int]] = []
        for level in range(start, self.level + 1):
            if level > start:
                centers, radii = _bounding_circles(triangles)
            if level == self.level or bound_radius >= np.pi / 2:
                keep = region.overlaps_circles(centers, radii)
            else:
                # Coarse levels only prune; the exact test at the end decides.
                keep = _near(centers, radii, bound_center, bound_radius)
            triangles, ids = triangles[keep], ids[keep]
            if level == self.level or not len(ids):
                break
            if convex:
                inside = region.contains_vectors(triangles.reshape(-1, 3)).reshape(-1, 3).all(axis=1)
                if inside.any():
                    scale = 4 ** (self.level - level)
                    whole.extend(zip((ids[inside] * scale).tolist(), ((ids[inside] + 1) * scale).tolist()))
                    triangles, ids = triangles[~inside], ids[~inside]
            triangles = _children(triangles)
            ids = (ids[:, np.newaxis] * 4 + np.arange(4)).ravel()
        return RangeSet(whole).union(RangeSet.from_indices(ids))

    def envelope_pairs(self, regions: Sequence[Region]) -> tuple[np.ndarray, np.ndarray]:
        """`envelope` of many regions as ``(position, pixel index)`` arrays, identical to one by one.

        Convex polygons smaller than a hemisphere (the regions of visits,
        detectors, tracts and patches) are processed together, grouped by
        vertex count: the same descent as `envelope`, over arrays of
        (polygon, triangle) pairs -- about ten times faster per polygon.
        """
        groups: dict[int, list[int]] = {}
        others: list[int] = []
        for position, region in enumerate(regions):
            if isinstance(region, ConvexPolygon) and self.level > _COARSE_LEVEL:
                groups.setdefault(len(region.vertices), []).append(position)
            else:
                others.append(position)
        owners: list[np.ndarray] = []
        indices: list[np.ndarray] = []
        for positions in groups.values():
            # Slices bound the memory of the (polygon, triangle) pair arrays (~40 kB per polygon).
            for first in range(0, len(positions), _POLYGONS_PER_PASS):
                chosen = np.asarray(positions[first:first + _POLYGONS_PER_PASS])
                group_owner, group_index, too_large = _polygon_envelopes(self.level,
                                                                         [regions[i] for i in chosen])
                owners.append(chosen[group_owner])
                indices.append(group_index)
                others.extend(chosen[too_large].tolist())
        rest_owner, rest_index = super().envelope_pairs([regions[i] for i in others])
        owners.append(np.asarray(others, dtype=np.int64)[rest_owner])
        indices.append(rest_index)
        owner = np.concatenate(owners)
        index = np.concatenate(indices)
        order = np.lexsort((index, owner))
        return owner[order], index[order]


_TABLE_LEVEL = 5
_COARSE_LEVEL = 2
_POLYGONS_PER_PASS = 2000


def _polygon_envelopes(level: int, polygons: Sequence[ConvexPolygon]
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`HtmPixelization.envelope` of polygons with one vertex count, vectorized over the polygons.

    Returns ``(owner, index)`` pairs, and the positions of polygons too large
    for this path (bounding radius of a quarter turn or more), left out.
    """
    vertices = np.stack([p.vertices for p in polygons])
    normals = np.stack([p.edge_normals for p in polygons])
    # ConvexPolygon.bounding_circle, vectorized (the same padding, through degrees).
    centers = _unit(vertices.sum(axis=1))
    largest = _angles(vertices, centers[:, np.newaxis, :]).max(axis=1)
    radii = np.radians(np.degrees(largest) * (1 + 1e-12) + 1e-14)
    too_large = np.flatnonzero(radii >= np.pi / 2)
    small = radii < np.pi / 2
    start = min(level, _TABLE_LEVEL)
    triangles, ids, tri_centers, tri_radii = _level_table(start)
    coarse = _level_table(_COARSE_LEVEL)
    near = coarse[2] @ centers.T >= np.cos(np.minimum(coarse[3][:, np.newaxis] + radii[np.newaxis, :], np.pi))
    near &= small[np.newaxis, :]
    coarse_rows, owner = np.nonzero(near)
    factor = 4 ** (start - _COARSE_LEVEL)
    rows = (coarse_rows[:, np.newaxis] * factor + np.arange(factor)).ravel()
    owner = np.repeat(owner, factor)
    tri, tid, cen, rad = triangles[rows], ids[rows], tri_centers[rows], tri_radii[rows]
    whole_owner: list[np.ndarray] = []
    whole_index: list[np.ndarray] = []
    for current in range(start, level + 1):
        if current > start:
            cen, rad = _bounding_circles(tri)
        if current == level:
            inside = np.all(np.einsum("pj,pkj->pk", cen, normals[owner]) >= 0, axis=1)
            ends = np.roll(vertices, -1, axis=1)
            distance = _point_arc_distances_paired(cen, vertices[owner], ends[owner]).min(axis=1)
            keep = inside | (distance <= rad + 1e-15)
        else:
            reach = np.cos(np.minimum(rad + radii[owner], np.pi))
            keep = np.einsum("pj,pj->p", cen, centers[owner]) >= reach
        tri, tid, owner = tri[keep], tid[keep], owner[keep]
        if current == level or not len(tid):
            break
        whole = np.all(np.einsum("pvj,pkj->pvk", tri, normals[owner]) >= 0, axis=(1, 2))
        if whole.any():
            scale = 4 ** (level - current)
            first = tid[whole] * scale
            whole_owner.append(np.repeat(owner[whole], scale))
            whole_index.append((first[:, np.newaxis] + np.arange(scale)).ravel())
            tri, tid, owner = tri[~whole], tid[~whole], owner[~whole]
        tri = _children(tri)
        tid = (tid[:, np.newaxis] * 4 + np.arange(4)).ravel()
        owner = np.repeat(owner, 4)
    pairs = np.stack([np.concatenate([owner, *whole_owner]), np.concatenate([tid, *whole_index])], axis=1)
    pairs = np.unique(pairs, axis=0)
    return pairs[:, 0], pairs[:, 1], too_large


def _angles(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    c = cross(a, b)
    return np.arctan2(np.sqrt(np.sum(c * c, axis=-1)), np.sum(a * b, axis=-1))


def _point_arc_distances_paired(points: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """`arcs.point_arc_distances` of each point ``p`` to its own arcs ``starts[p, e] -> ends[p, e]``."""
    n = cross(starts, ends)
    n_len = np.linalg.norm(n, axis=-1)
    n_unit = n / np.where(n_len > 0, n_len, 1.0)[..., np.newaxis]
    p = np.broadcast_to(points[:, np.newaxis, :], n.shape)
    inside_a = np.sum(p * cross(n, starts), axis=-1) >= 0
    inside_b = np.sum(p * cross(ends, n), axis=-1) >= 0
    to_circle = np.abs(np.arcsin(np.clip(np.sum(p * n_unit, axis=-1), -1.0, 1.0)))
    to_ends = np.minimum(_angles(p, starts), _angles(p, ends))
    return np.where(inside_a & inside_b & (n_len > 0), to_circle, to_ends)


def _near(centers: np.ndarray, radii: np.ndarray, center: np.ndarray, radius: float) -> np.ndarray:
    return centers @ center >= np.cos(np.minimum(radii + radius, np.pi))


def _candidates(level: int, center: np.ndarray, radius: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The triangles of ``level`` whose bounding circles may meet a circle: a coarse table
    first, then the contiguous runs of its survivors' descendants in the finer table."""
    triangles, ids, centers, radii = _level_table(level)
    if level <= _COARSE_LEVEL or radius >= np.pi / 2:
        return triangles, ids, centers, radii
    coarse = _level_table(_COARSE_LEVEL)
    survivors = np.flatnonzero(_near(coarse[2], coarse[3], center, radius))
    factor = 4 ** (level - _COARSE_LEVEL)
    rows = (survivors[:, np.newaxis] * factor + np.arange(factor)).ravel()
    return triangles[rows], ids[rows], centers[rows], radii[rows]


@functools.cache
def _level_table(level: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every triangle of a level, its id and bounding circle (computed once)."""
    triangles, ids = _root_triangles()
    for _ in range(level):
        triangles = _children(triangles)
        ids = (ids[:, np.newaxis] * 4 + np.arange(4)).ravel()
    centers, radii = _bounding_circles(triangles)
    return triangles, ids, centers, radii


def _is_convex(region: Region) -> bool:
    """Whether a region that holds a triangle's vertices holds the whole triangle."""
    if isinstance(region, ConvexPolygon):
        return True
    return isinstance(region, Circle) and region.radius_radians <= np.pi / 2
