"""`PatchInfo`: one rectangle of a tract's patch grid."""

from __future__ import annotations

__all__ = ["PatchInfo"]

import numpy as np
from astropy.wcs import WCS

from butler.spatial import ConvexPolygon
from pipetasks.image.geometry import Box2D, Box2I

from .index2d import Index2D
from .sky_polygons import polygons_from_boxes


class PatchInfo:
    """A patch: its grid index, inner and outer pixel boxes and the tract WCS.

    Parameters
    ----------
    index : `Index2D`
        Column and row of the patch in the tract's grid.
    innerBBox : `~pipetasks.image.geometry.Box2I`
        The patch's share of the tract: inner boxes tile the tract exactly.
    outerBBox : `~pipetasks.image.geometry.Box2I`
        The inner box grown by the patch border and clipped to the tract:
        neighbouring patches overlap by twice the border.
    sequentialIndex : `int`
        ``y * nx + x``: the patch's ``id`` in the registry.
    tractWcs : `astropy.wcs.WCS`
        The WCS of the tract (shared by all its patches).

    Raises
    ------
    ValueError
        If the outer box does not contain the inner one.
    """

    def __init__(self, index: Index2D, innerBBox: Box2I, outerBBox: Box2I, sequentialIndex: int,
                 tractWcs: WCS):
        if not outerBBox.contains(innerBBox):
            raise ValueError(
                f"Patch {tuple(index)}: outer box {outerBBox} does not contain inner box {innerBBox}.")
        self._index = Index2D(*index)
        self._inner = innerBBox
        self._outer = outerBBox
        self._sequential_index = int(sequentialIndex)
        self._wcs = tractWcs

    @property
    def index(self) -> Index2D:
        """Column and row of the patch in its tract."""
        return self._index

    def getIndex(self) -> Index2D:  # noqa: N802
        """`index`, as LSST names it."""
        return self._index

    @property
    def sequential_index(self) -> int:
        """``y * nx + x``: the patch's ``id`` in the registry."""
        return self._sequential_index

    def getSequentialIndex(self) -> int:  # noqa: N802
        """`sequential_index`, as LSST names it."""
        return self._sequential_index

    @property
    def inner_bbox(self) -> Box2I:
        """Pixels of the tract that belong to this patch alone."""
        return Box2I(self._inner)

    def getInnerBBox(self) -> Box2I:  # noqa: N802
        """`inner_bbox`, as LSST names it."""
        return Box2I(self._inner)

    @property
    def outer_bbox(self) -> Box2I:
        """The inner box grown by the border, clipped to the tract: the pixels a coadd patch holds."""
        return Box2I(self._outer)

    def getOuterBBox(self) -> Box2I:  # noqa: N802
        """`outer_bbox`, as LSST names it."""
        return Box2I(self._outer)

    @property
    def wcs(self) -> WCS:
        """The tract's WCS (shared by every patch of the tract; do not modify it)."""
        return self._wcs

    def getWcs(self) -> WCS:  # noqa: N802
        """`wcs`, as LSST names it."""
        return self._wcs

    def getInnerSkyPolygon(self, tractWcs: WCS | None = None) -> ConvexPolygon:  # noqa: N802
        """The sky polygon of the inner box's pixel edges (through ``tractWcs`` if given)."""
        return _sky_polygon(self._inner, tractWcs or self._wcs)

    @property
    def inner_sky_polygon(self) -> ConvexPolygon:
        """The sky polygon of the inner box."""
        return self.getInnerSkyPolygon()

    def getOuterSkyPolygon(self, tractWcs: WCS | None = None) -> ConvexPolygon:  # noqa: N802
        """The sky polygon of the outer box's pixel edges: the patch's region in the registry."""
        return _sky_polygon(self._outer, tractWcs or self._wcs)

    @property
    def outer_sky_polygon(self) -> ConvexPolygon:
        """The sky polygon of the outer box."""
        return self.getOuterSkyPolygon()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PatchInfo):
            return NotImplemented
        return (self._index == other._index and self._inner == other._inner and self._outer == other._outer
                and self._sequential_index == other._sequential_index)

    def __hash__(self) -> int:
        return hash((self._index, self._sequential_index))

    def __repr__(self) -> str:
        return f"PatchInfo(index={tuple(self._index)}, sequential_index={self._sequential_index}, " \
               f"inner={self._inner}, outer={self._outer})"


def _sky_polygon(bbox: Box2I, wcs: WCS) -> ConvexPolygon:
    edges = Box2D(bbox)
    box = np.array([[edges.getMinX(), edges.getMinY(), edges.getMaxX(), edges.getMaxY()]])
    return polygons_from_boxes(wcs, box)[0]
