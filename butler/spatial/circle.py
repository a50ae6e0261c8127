"""Circles (spherical caps): every point within an angle of a centre."""

from __future__ import annotations

__all__ = ["Circle"]

import math
import struct
from typing import Any, ClassVar

import numpy as np

from .region import Region
from .vectors import LonLat, angle_between, vector_of, vectors_to_lonlat


class Circle(Region):
    """The points within ``radius`` degrees of ``center``.

    Parameters
    ----------
    center : `LonLat` or 3-vector
        The centre.
    radius : `float`, optional
        Opening angle in degrees; 0 (the default) is the centre alone, 180
        or more the whole sky, and a negative value the empty region.
    """

    TYPE_CODE: ClassVar[int] = ord("c")

    def __init__(self, center: LonLat | Any, radius: float = 0.0):
        self._center = vector_of(center)
        radius_rad = math.radians(radius)
        if radius_rad < 0 or math.isnan(radius_rad):
            self._angle, self._chord2 = -1.0, -1.0
        elif radius_rad >= math.pi:
            self._angle, self._chord2 = math.pi, 4.0
        else:
            self._angle = radius_rad
            self._chord2 = 4.0 * math.sin(0.5 * radius_rad) ** 2

    @classmethod
    def from_degrees(cls, ra: float, dec: float, radius: float) -> Circle:
        """The circle of ``radius`` around ``(ra, dec)``, all in degrees."""
        return cls(LonLat(ra, dec), radius)

    @classmethod
    def _from_parts(cls, center: np.ndarray, chord2: float, angle: float) -> Circle:
        circle = cls.__new__(cls)
        circle._center = np.asarray(center, dtype=float)
        circle._chord2 = chord2
        circle._angle = angle
        return circle

    @property
    def center(self) -> LonLat:
        """The centre."""
        return LonLat.from_vector(self._center)

    @property
    def center_vector(self) -> np.ndarray:
        """The centre as a unit vector."""
        return self._center.copy()

    @property
    def radius(self) -> float:
        """The opening angle, degrees (negative for the empty circle)."""
        return math.degrees(self._angle) if self._angle >= 0 else -1.0

    @property
    def radius_radians(self) -> float:
        """The opening angle, radians (negative for the empty circle)."""
        return self._angle

    def is_empty(self) -> bool:
        return self._angle < 0

    def is_full(self) -> bool:
        """Whether the circle is the whole sky."""
        return self._angle >= math.pi

    def contains_vectors(self, vectors: np.ndarray) -> np.ndarray:
        if self.is_empty():
            return np.zeros(len(vectors), dtype=bool)
        # The squared chord is accurate for small radii, where 1 - cos is not.
        chord2 = np.sum((vectors - self._center) ** 2, axis=-1)
        return chord2 <= self._chord2

    def overlaps_circles(self, centers: np.ndarray, radii: np.ndarray) -> np.ndarray:
        if self.is_empty():
            return np.zeros(len(centers), dtype=bool)
        return angle_between(centers, self._center) <= radii + self._angle + 1e-15

    @property
    def bounding_circle(self) -> Circle:
        return self

    def encode(self) -> bytes:
        return bytes([self.TYPE_CODE]) + struct.pack("<5d", *self._center, self._chord2, self._angle)

    def __repr__(self) -> str:
        lon, lat = vectors_to_lonlat(self._center)
        return f"Circle(LonLat({float(lon):.10g}, {float(lat):.10g}), radius={self.radius:.10g})"
