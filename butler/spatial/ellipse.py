"""Spherical ellipses, decoded from LSST sphgeom (no butler element stores them)."""

from __future__ import annotations

__all__ = ["Ellipse"]

import math
import struct
from typing import ClassVar

import numpy as np

from .circle import Circle
from .polygon import ConvexPolygon
from .region import Region

_SIDES = 128


class Ellipse(Region):
    """An ellipse on the sphere: an elliptical cone about a centre.

    Built from LSST sphgeom's parameters (`decode`); ``contains`` is exact.
    ``overlaps`` is exact unless the other region passes within about
    ``3e-4 × alpha`` of the boundary, where it answers `True` (it compares
    with the inscribed and circumscribed 128-gons).

    Parameters
    ----------
    matrix : `numpy.ndarray`, shape ``(3, 3)``
        Rotation to the ellipse's frame; its last row is the centre.
    alpha, beta : `float`
        Semi-axis angles along the frame's x and y, radians, at most π/2.
    gamma : `float`
        sphgeom's orientation parameter, kept for re-encoding.
    """

    TYPE_CODE: ClassVar[int] = ord("e")

    def __init__(self, matrix: np.ndarray, alpha: float, beta: float, gamma: float):
        if not (0 <= alpha <= math.pi / 2 and 0 <= beta <= math.pi / 2):
            raise NotImplementedError("Ellipses with semi-axes beyond 90 degrees are not supported.")
        self._matrix = np.asarray(matrix, dtype=float).reshape(3, 3)
        self._alpha = alpha
        self._beta = beta
        self._gamma = gamma
        self._stored = (alpha - math.pi / 2, beta - math.pi / 2,
                        1 / math.tan(alpha) if alpha > 0 else math.inf,
                        1 / math.tan(beta) if beta > 0 else math.inf)

    @property
    def center_vector(self) -> np.ndarray:
        """The centre, a unit vector."""
        return self._matrix[2].copy()

    @property
    def alpha(self) -> float:
        """Semi-major axis angle, degrees."""
        return math.degrees(self._alpha)

    @property
    def beta(self) -> float:
        """Semi-minor axis angle, degrees."""
        return math.degrees(self._beta)

    def is_empty(self) -> bool:
        return False

    def contains_vectors(self, vectors: np.ndarray) -> np.ndarray:
        local = vectors @ self._matrix.T
        x = local[:, 0] / math.tan(self._alpha) if self._alpha > 0 else np.where(local[:, 0] == 0, 0, np.inf)
        y = local[:, 1] / math.tan(self._beta) if self._beta > 0 else np.where(local[:, 1] == 0, 0, np.inf)
        return (local[:, 2] >= 0) & (x * x + y * y <= local[:, 2] ** 2)

    def _polygon(self, scale: float) -> ConvexPolygon:
        # In the gnomonic projection about the centre the ellipse is a planar
        # ellipse with semi-axes tan(alpha), tan(beta); an affine image of a
        # regular polygon around the unit circle circumscribes it.
        t = np.arange(_SIDES) * (2 * math.pi / _SIDES)
        tan_a = max(math.tan(self._alpha), 1e-300)
        tan_b = max(math.tan(self._beta), 1e-300)
        local = np.stack([scale * tan_a * np.cos(t), scale * tan_b * np.sin(t), np.ones_like(t)], axis=1)
        local /= np.linalg.norm(local, axis=1, keepdims=True)
        return ConvexPolygon._from_vertices_unchecked(local @ self._matrix)

    def inner_polygon(self) -> ConvexPolygon:
        """A polygon inside the ellipse."""
        return self._polygon(1.0)

    def outer_polygon(self) -> ConvexPolygon:
        """A polygon containing the ellipse."""
        return self._polygon(1.0 / math.cos(math.pi / _SIDES))

    def overlaps_circles(self, centers: np.ndarray, radii: np.ndarray) -> np.ndarray:
        return self.outer_polygon().overlaps_circles(centers, radii)

    @property
    def bounding_circle(self) -> Circle:
        return Circle(self._matrix[2], math.degrees(max(self._alpha, self._beta)) * (1 + 1e-12) + 1e-14)

    def encode(self) -> bytes:
        a, b, cot_a, cot_b = self._stored
        return bytes([self.TYPE_CODE]) + struct.pack("<14d", *self._matrix.ravel(), a, b, self._gamma,
                                                     cot_a, cot_b)

    @classmethod
    def _decode(cls, data: bytes) -> Ellipse:
        values = struct.unpack("<14d", data[1:])
        matrix = np.array(values[:9])
        ellipse = cls(matrix, values[9] + math.pi / 2, values[10] + math.pi / 2, values[11])
        # Keep sphgeom's own values so that re-encoding gives the same bytes.
        ellipse._stored = (values[9], values[10], values[12], values[13])
        return ellipse

    def __repr__(self) -> str:
        from .vectors import LonLat

        center = LonLat.from_vector(self._matrix[2])
        return f"Ellipse(center={center}, alpha={self.alpha:.8g}, beta={self.beta:.8g})"
