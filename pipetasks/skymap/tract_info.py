"""`TractInfo`: one tract of a sky map -- its WCS, pixel box and grid of patches.

A tract is a square of sky ``2 * (radius + tractOverlap)`` across, centred on
its centre, projected about that centre.  Its pixel box is grown to a whole
number of patch inner boxes (keeping the centre) and shifted so that its
minimum corner is pixel ``(0, 0)``; the WCS is shifted with it (LSST's
``ExplicitTractInfo`` with the ``legacy`` tract builder).
"""

from __future__ import annotations

__all__ = ["TractInfo"]

import math
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np
from astropy.coordinates import Angle, SkyCoord
from astropy.wcs import WCS

from butler.spatial import ConvexPolygon, Region
from butler.spatial.vectors import vectors_to_lonlat
from pipetasks.image.geometry import Box2I, Extent2I, Point2I

from .coords import as_radec, offset_vectors, sky_coord
from .index2d import Index2D
from .patch_info import PatchInfo
from .sky_polygons import box_corner_vectors, polygons_from_boxes
from .wcs_factory import WcsFactory, sky_to_pixel

_VERTEX_INSET = 0.001
"""Pixels by which the vertex list lies inside the tract box (so the vertices are in the tract)."""


class TractInfo:
    """A tract: an ID, a centre, a WCS, a pixel bounding box and a grid of patches.

    Parameters
    ----------
    id : `int`
        Tract ID.
    ctrCoord : ``(ra, dec)``
        Centre of the tract (degrees); the WCS reference point.
    radius : `float`
        Half the side of the tract's inner square, degrees.
    tractOverlap : `float`
        How far the tract extends beyond its inner square on every side,
        degrees.
    wcsFactory : `WcsFactory`
        Projection, pixel scale and rotation shared by all tracts.
    patchInnerDimensions : ``(int, int)``
        Width and height of every patch's inner box, pixels.
    patchBorder : `int`
        Pixels by which a patch's outer box extends beyond its inner box.
    innerRegion : `~butler.spatial.Region`, optional
        The part of the sky this tract alone is responsible for (an RA/Dec
        `~butler.spatial.Box` for rings sky maps); the convex hull of the
        tract's vertices by default.
    """

    def __init__(self, id: int, ctrCoord: tuple[float, float], radius: float, tractOverlap: float,
                 wcsFactory: WcsFactory, patchInnerDimensions: tuple[int, int], patchBorder: int,
                 innerRegion: Region | None = None):
        self._id = int(id)
        self._ctr = (float(ctrCoord[0]) % 360.0, float(ctrCoord[1]))
        self._radius = float(radius)
        self._overlap = float(tractOverlap)
        self._inner_dims = (int(patchInnerDimensions[0]), int(patchInnerDimensions[1]))
        self._border = int(patchBorder)
        self._inner_region = innerRegion
        if min(self._inner_dims) <= 0:
            raise ValueError(f"patchInnerDimensions={self._inner_dims} must both be positive.")
        if self._border < 0:
            raise ValueError(f"patchBorder={self._border} must not be negative.")

        x_min, y_min, width, height = self._grid_box(wcsFactory)
        self._num_patches = Index2D(width // self._inner_dims[0], height // self._inner_dims[1])
        self._bbox = Box2I(Point2I(0, 0), Extent2I(width, height))
        self._wcs = wcsFactory.make_wcs((-x_min, -y_min), self._ctr)

    def _grid_box(self, wcs_factory: WcsFactory) -> tuple[int, int, int, int]:
        """Corner and size of the smallest whole-patch pixel box holding the tract, in the centre's frame."""
        centred = wcs_factory.make_wcs((0.0, 0.0), self._ctr)
        reach = self._radius + self._overlap
        ra, dec = vectors_to_lonlat(offset_vectors(*self._ctr, [0, 90, 180, 270], reach))
        x, y = sky_to_pixel(centred, ra, dec)
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            raise ValueError(f"Tract {self._id}: radius {self._radius}° + overlap {self._overlap}° reaches "
                             f"beyond what projection {wcs_factory.projection} can map; use smaller tracts.")
        corner: list[int] = []
        size: list[int] = []
        for values, inner in ((x, self._inner_dims[0]), (y, self._inner_dims[1])):
            # The pixels the points touch (LSST's Box2I(Box2D, EXPAND)).
            low = math.floor(float(values.min()) + 0.5)
            extent = math.ceil(float(values.max()) - 0.5) - low + 1
            count = -(-extent // inner)
            low -= (count * inner - extent) // 2
            corner.append(low)
            size.append(count * inner)
        return corner[0], corner[1], size[0], size[1]

    # -- identity and geometry ------------------------------------------------

    @property
    def tract_id(self) -> int:
        """The tract ID."""
        return self._id

    def getId(self) -> int:  # noqa: N802
        """`tract_id`, as LSST names it."""
        return self._id

    @property
    def ctr_coord(self) -> SkyCoord:
        """Centre of the tract (ICRS): the WCS reference point."""
        return sky_coord(*self._ctr)

    def getCtrCoord(self) -> SkyCoord:  # noqa: N802
        """`ctr_coord`, as LSST names it."""
        return self.ctr_coord

    @property
    def ctr_radec(self) -> tuple[float, float]:
        """Centre of the tract as ``(ra, dec)``, degrees."""
        return self._ctr

    @property
    def wcs(self) -> WCS:
        """The tract's WCS; pixel ``(0, 0)`` is the minimum corner of `bbox` (do not modify it)."""
        return self._wcs

    def getWcs(self) -> WCS:  # noqa: N802
        """`wcs`, as LSST names it."""
        return self._wcs

    @property
    def bbox(self) -> Box2I:
        """Pixel box of the tract, from ``(0, 0)``; a whole number of patch inner boxes."""
        return Box2I(self._bbox)

    def getBBox(self) -> Box2I:  # noqa: N802
        """`bbox`, as LSST names it."""
        return Box2I(self._bbox)

    @property
    def tract_overlap(self) -> Angle:
        """How far the tract extends beyond its inner square on every side."""
        return Angle(self._overlap, "deg")

    def getTractOverlap(self) -> Angle:  # noqa: N802
        """`tract_overlap`, as LSST names it."""
        return self.tract_overlap

    @property
    def vertex_list(self) -> SkyCoord:
        """The corners of the tract box (inset by a thousandth of a pixel), counter-clockwise on the sky."""
        lon, lat = vectors_to_lonlat(self._vertex_vectors())
        return sky_coord(lon, lat)

    def getVertexList(self) -> SkyCoord:  # noqa: N802
        """`vertex_list`, as LSST names it."""
        return self.vertex_list

    def _vertex_vectors(self) -> np.ndarray:
        edges = self._edge_boxes(self._bbox_array()[np.newaxis], inset=_VERTEX_INSET)
        return box_corner_vectors(self._wcs, edges)[0]

    @property
    def outer_sky_polygon(self) -> ConvexPolygon:
        """The sky polygon of the whole tract box: the tract's region in the registry."""
        return polygons_from_boxes(self._wcs, self._edge_boxes(self._bbox_array()[np.newaxis]))[0]

    def getOuterSkyPolygon(self) -> ConvexPolygon:  # noqa: N802
        """`outer_sky_polygon`, as LSST names it."""
        return self.outer_sky_polygon

    @property
    def inner_sky_polygon(self) -> ConvexPolygon:
        """The convex hull of `vertex_list` (LSST's ``inner_sky_polygon``)."""
        return ConvexPolygon(self._vertex_vectors())

    def getInnerSkyPolygon(self) -> ConvexPolygon:  # noqa: N802
        """`inner_sky_polygon`, as LSST names it."""
        return self.inner_sky_polygon

    @property
    def inner_sky_region(self) -> Region:
        """The sky this tract alone is responsible for.

        For a rings sky map an RA/Dec box: the inner regions of all tracts
        tile the sky.  Otherwise `inner_sky_polygon`.
        """
        return self._inner_region if self._inner_region is not None else self.inner_sky_polygon

    def getInnerSkyRegion(self) -> Region:  # noqa: N802
        """`inner_sky_region`, as LSST names it."""
        return self.inner_sky_region

    def contains(self, coord: Any) -> bool:
        """Whether a sky position falls on a pixel of the tract box."""
        return bool(self._pixel_indices(coord)[2][0])

    # -- patches --------------------------------------------------------------

    @property
    def num_patches(self) -> Index2D:
        """Number of patches along x and y."""
        return self._num_patches

    def getNumPatches(self) -> Index2D:  # noqa: N802
        """`num_patches`, as LSST names it."""
        return self._num_patches

    @property
    def patch_inner_dimensions(self) -> Extent2I:
        """Width and height of every patch's inner box, pixels."""
        return Extent2I(*self._inner_dims)

    def getPatchInnerDimensions(self) -> Extent2I:  # noqa: N802
        """`patch_inner_dimensions`, as LSST names it."""
        return self.patch_inner_dimensions

    @property
    def patch_border(self) -> int:
        """Pixels by which a patch's outer box extends beyond its inner box."""
        return self._border

    def getPatchBorder(self) -> int:  # noqa: N802
        """`patch_border`, as LSST names it."""
        return self._border

    def getSequentialPatchIndex(self, patchInfo: PatchInfo) -> int:  # noqa: N802
        """``y * nx + x`` of a patch of this tract (its ``id`` in the registry)."""
        return self.getSequentialPatchIndexFromPair(patchInfo.index)

    def getSequentialPatchIndexFromPair(self, index: Any) -> int:  # noqa: N802
        """``y * nx + x`` of an ``(x, y)`` patch index.

        Raises
        ------
        IndexError
            If the index is outside the patch grid.
        """
        pair = self._checked_pair(index)
        return pair.y * self._num_patches.x + pair.x

    def getPatchIndexPair(self, sequentialIndex: int) -> Index2D:  # noqa: N802
        """The ``(x, y)`` index of a sequential patch index.

        Raises
        ------
        IndexError
            If the index is outside ``[0, len(tract))``.
        """
        total = len(self)
        if not 0 <= sequentialIndex < total:
            raise IndexError(f"Tract {self._id} has patches 0..{total - 1}, not {sequentialIndex}.")
        y, x = divmod(int(sequentialIndex), self._num_patches.x)
        return Index2D(x, y)

    def getPatchInfo(self, index: Any) -> PatchInfo:  # noqa: N802
        """The patch at an ``(x, y)`` index (`Index2D` or pair) or a sequential index.

        Raises
        ------
        IndexError
            If the index is outside the patch grid.
        """
        if isinstance(index, numbers.Integral):
            pair = self.getPatchIndexPair(int(index))
        else:
            pair = self._checked_pair(index)
        sequential = pair.y * self._num_patches.x + pair.x
        inner, outer = (_box2i(box[0]) for box in self._patch_boxes(np.array([sequential])))
        return PatchInfo(index=pair, innerBBox=inner, outerBBox=outer, sequentialIndex=sequential,
                         tractWcs=self._wcs)

    def __getitem__(self, index: Any) -> PatchInfo:
        return self.getPatchInfo(index)

    def __iter__(self) -> Iterator[PatchInfo]:
        """The patches in sequential-index order (rows of increasing x, from y = 0)."""
        for y in range(self._num_patches.y):
            for x in range(self._num_patches.x):
                yield self.getPatchInfo(Index2D(x, y))

    def __len__(self) -> int:
        return self._num_patches.x * self._num_patches.y

    def patch_sky_polygons(self, outer: bool = True) -> list[ConvexPolygon]:
        """The sky polygon of every patch, in sequential-index order, computed in one pass.

        Parameters
        ----------
        outer : `bool`, optional
            Polygons of the outer boxes (the registry's patch regions) if
            `True`, of the inner boxes otherwise.
        """
        inner, outer_boxes = self._patch_boxes(np.arange(len(self)))
        return polygons_from_boxes(self._wcs, self._edge_boxes(outer_boxes if outer else inner))

    def findPatch(self, coord: Any) -> PatchInfo:  # noqa: N802
        """The patch whose inner box holds a sky position.

        Raises
        ------
        LookupError
            If the position is not on the tract.
        """
        x, y, inside = self._pixel_indices(coord)
        if not inside[0]:
            raise LookupError(f"{_describe(coord)} is not on tract {self._id} (pixel box {self._bbox}).")
        return self.getPatchInfo(Index2D(int(x[0]) // self._inner_dims[0], int(y[0]) // self._inner_dims[1]))

    def findPatchList(self, coordList: Any) -> tuple[PatchInfo, ...]:  # noqa: N802
        """Patches whose outer boxes may hold any of the positions (the pixel box of them all).

        Positions the projection cannot map are skipped; a region larger than
        the tract may give wrong answers (as LSST's).
        """
        ra, dec = as_radec(coordList)
        x, y = sky_to_pixel(self._wcs, ra, dec)
        good = np.isfinite(x) & np.isfinite(y)
        if not good.any():
            return ()
        x_lo, x_hi = math.floor(x[good].min() + 0.5), math.ceil(x[good].max() - 0.5)
        y_lo, y_hi = math.floor(y[good].min() + 0.5), math.ceil(y[good].max() - 0.5)
        x_lo, y_lo = max(x_lo - self._border, 0), max(y_lo - self._border, 0)
        x_hi = min(x_hi + self._border, self._bbox.getMaxX())
        y_hi = min(y_hi + self._border, self._bbox.getMaxY())
        if x_lo > x_hi or y_lo > y_hi:
            return ()
        w, h = self._inner_dims
        return tuple(self.getPatchInfo(Index2D(px, py))
                     for px in range(x_lo // w, x_hi // w + 1)
                     for py in range(y_lo // h, y_hi // h + 1))

    # -- helpers --------------------------------------------------------------

    def _checked_pair(self, index: Any) -> Index2D:
        try:
            pair = Index2D(int(index[0]), int(index[1]))
        except (TypeError, IndexError, ValueError):
            raise TypeError(
                f"A patch index is an (x, y) pair or a sequential index, not {index!r}.") from None
        if not (0 <= pair.x < self._num_patches.x and 0 <= pair.y < self._num_patches.y):
            raise IndexError(f"Patch index {tuple(pair)} is outside tract {self._id}'s grid "
                             f"[0, {self._num_patches.x - 1}] x [0, {self._num_patches.y - 1}].")
        return pair

    def _bbox_array(self) -> np.ndarray:
        return np.array([0, 0, self._bbox.getMaxX(), self._bbox.getMaxY()])

    def _patch_boxes(self, sequential: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Inner and outer ``Box2I`` values ``(x0, y0, x1, y1)`` (inclusive) of patches, shape ``(N, 4)``."""
        w, h = self._inner_dims
        nx = self._num_patches.x
        x0 = (sequential % nx) * w
        y0 = (sequential // nx) * h
        inner = np.stack([x0, y0, x0 + w - 1, y0 + h - 1], axis=1)
        limit = np.array([0, 0, self._bbox.getMaxX(), self._bbox.getMaxY()])
        grown = inner + np.array([-1, -1, 1, 1]) * self._border
        outer = np.concatenate([np.maximum(grown[:, :2], limit[:2]), np.minimum(grown[:, 2:], limit[2:])],
                               axis=1)
        return inner, outer

    @staticmethod
    def _edge_boxes(boxes: np.ndarray, inset: float = 0.0) -> np.ndarray:
        """Pixel-edge boxes of inclusive integer boxes (LSST's ``Box2D(Box2I)``), shrunk by ``inset``."""
        return np.asarray(boxes, dtype=float) + np.array([-0.5, -0.5, 0.5, 0.5]) * (1 - 2 * inset)

    def _pixel_indices(self, coord: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nearest integer pixels of positions and whether each is on the tract box."""
        ra, dec = as_radec(coord)
        x, y = sky_to_pixel(self._wcs, ra, dec)
        finite = np.isfinite(x) & np.isfinite(y)
        ix = np.where(finite, np.floor(np.where(finite, x, 0) + 0.5), -1).astype(np.int64)
        iy = np.where(finite, np.floor(np.where(finite, y, 0) + 0.5), -1).astype(np.int64)
        inside = finite & (ix >= 0) & (iy >= 0) & (ix <= self._bbox.getMaxX()) & (iy <= self._bbox.getMaxY())
        return ix, iy, inside

    def __repr__(self) -> str:
        return (f"TractInfo(id={self._id}, ctr=({self._ctr[0]:.6f}, {self._ctr[1]:.6f}), "
                f"patches={self._num_patches.x}x{self._num_patches.y})")


def _box2i(values: np.ndarray) -> Box2I:
    """A ``Box2I`` from inclusive ``(x0, y0, x1, y1)``."""
    return Box2I(Point2I(int(values[0]), int(values[1])), Point2I(int(values[2]), int(values[3])))


def _describe(coord: Any) -> str:
    ra, dec = as_radec(coord)
    return f"(ra, dec) = ({ra[0]:.6f}, {dec[0]:.6f})"
