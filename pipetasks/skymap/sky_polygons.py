"""Sky polygons of pixel boxes, many at a time (one WCS call for all corners)."""

from __future__ import annotations

__all__ = ["box_corner_vectors", "polygons_from_boxes"]

import numpy as np
from astropy.wcs import WCS

from butler.spatial import ConvexPolygon, are_convex_ccw
from butler.spatial.vectors import cross, lonlat_to_vectors

from .wcs_factory import pixel_to_sky


def box_corner_vectors(wcs: WCS, boxes: np.ndarray) -> np.ndarray:
    """Unit vectors of the corners of pixel boxes, counter-clockwise seen from outside the sphere.

    Parameters
    ----------
    wcs : `astropy.wcs.WCS`
        Maps 0-based pixel positions to the sky.
    boxes : `numpy.ndarray`, shape ``(N, 4)``
        ``(x_min, y_min, x_max, y_max)`` of each box in pixel coordinates
        (the pixel *edges*: ``Box2D`` values, not ``Box2I`` ones).

    Returns
    -------
    corners : `numpy.ndarray`, shape ``(N, 4, 3)``
    """
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    x = boxes[:, [0, 2, 2, 0]]
    y = boxes[:, [1, 1, 3, 3]]
    ra, dec = pixel_to_sky(wcs, x.ravel(), y.ravel())
    corners = lonlat_to_vectors(ra, dec).reshape(-1, 4, 3)
    # Pixel order (min, min) -> (max, min) -> ... turns left on the sky only if the WCS keeps parity
    # (east along +x); the usual sky images have east along -x, so check and reverse where needed.
    turn = np.einsum("ij,ij->i", cross(corners[:, 0], corners[:, 1]), corners[:, 2])
    clockwise = turn < 0
    corners[clockwise] = corners[clockwise][:, ::-1]
    return corners


def polygons_from_boxes(wcs: WCS, boxes: np.ndarray) -> list[ConvexPolygon]:
    """The `ConvexPolygon` on the sky of each pixel box (see `box_corner_vectors`).

    Raises
    ------
    ValueError
        If a box does not map to a convex quadrilateral (a box beyond what
        the projection can map).
    """
    corners = box_corner_vectors(wcs, boxes)
    try:
        return ConvexPolygon.from_vertex_arrays(corners)
    except ValueError:
        bad = int(np.flatnonzero(~are_convex_ccw(corners))[0])
        box = np.asarray(boxes).reshape(-1, 4)[bad].tolist()
        raise ValueError(f"Pixel box {box} does not map to a convex sky polygon through this WCS.") from None
