"""HEALPix in the nested scheme, through hpgeom (as LSST sphgeom does).

Level L has ``nside = 2^L`` and ``12·4^L`` pixels numbered ``0 .. 12·4^L - 1``;
a pixel's children at level L+1 are ``4·i .. 4·i + 3``.
"""

from __future__ import annotations

__all__ = ["HealpixPixelization"]

import math

import hpgeom
import numpy as np

from .box import Box
from .circle import Circle
from .pixelization import Pixelization
from .polygon import ConvexPolygon
from .ranges import RangeSet
from .region import Region
from .vectors import lonlat_to_vectors, vectors_to_lonlat

# Pixel overlap is tested at this many times the resolution (a power of 2).
_OVERSAMPLING = 8


class HealpixPixelization(Pixelization):
    """Nested HEALPix pixels at one level (0 to 17).

    Parameters
    ----------
    level : `int`
        ``nside = 2**level``.
    """

    system = "healpix"
    MAX_LEVEL = 17

    @property
    def nside(self) -> int:
        """The HEALPix ``nside`` parameter."""
        return 2**self.level

    def index_bounds(self) -> tuple[int, int]:
        return 0, 12 * 4**self.level

    def index_vectors(self, vectors: np.ndarray) -> np.ndarray:
        v = np.asarray(vectors, dtype=float)
        return np.asarray(hpgeom.vector_to_pixel(self.nside, v[:, 0], v[:, 1], v[:, 2], nest=True),
                          dtype=np.int64)

    def pixel(self, index: int) -> ConvexPolygon:
        """An approximation of a pixel: the polygon through 4 points on each side.

        HEALPix pixel edges are not great circles, so this polygon is not
        exactly the pixel.
        """
        first, end = self.index_bounds()
        if not first <= index < end:
            raise ValueError(f"{index} is not a healpix{self.level} index (valid: [{first}, {end})).")
        lon, lat = hpgeom.boundaries(self.nside, int(index), step=4, nest=True)
        return ConvexPolygon._from_vertices_unchecked(lonlat_to_vectors(np.ravel(lon), np.ravel(lat)))

    def envelope(self, region: Region) -> RangeSet:
        """Pixels covering ``region``: hpgeom's inclusive queries, plus the pixels of the
        region's own vertices (a guard for regions smaller than a pixel)."""
        if region.is_empty():
            return RangeSet()
        nside = self.nside
        guard: np.ndarray
        if isinstance(region, ConvexPolygon):
            guard = region.vertices
            try:
                vertices = np.ascontiguousarray(region.vertices)
                pixels = hpgeom.query_polygon_vec(nside, vertices, inclusive=True, fact=_OVERSAMPLING,
                                                  nest=True)
            except (RuntimeError, ValueError):
                # hpgeom refuses nearly degenerate corners; its circle never fails.
                return self.envelope(region.bounding_circle)
        elif isinstance(region, Box) and region.lon_width < 2 * math.pi and not region.is_full_lon():
            guard = region.corner_vectors()
            (ra_a, ra_b), (dec_a, dec_b) = region.ra_range, region.dec_range
            pixels = hpgeom.query_box(nside, ra_a, ra_b if ra_b > ra_a else ra_b + 360.0, dec_a, dec_b,
                                      inclusive=True, fact=_OVERSAMPLING, nest=True)
        else:
            circle = region if isinstance(region, Circle) else region.bounding_circle
            guard = circle.center_vector[np.newaxis]
            if circle.radius_radians <= 0:
                pixels = np.zeros(0, dtype=np.int64)
            elif circle.is_full():
                return self.universe()
            else:
                lon, lat = vectors_to_lonlat(circle.center_vector)
                pixels = hpgeom.query_circle(nside, float(lon), float(lat), circle.radius, inclusive=True,
                                             fact=_OVERSAMPLING, nest=True)
        pixels = np.concatenate([np.asarray(pixels, dtype=np.int64), self.index_vectors(guard)])
        return RangeSet.from_indices(pixels)
