"""Unit vectors on the sphere: conversions and the few primitives every region uses.

Points are 3-vectors ``(x, y, z)`` of unit length, with ``x`` towards
``(ra, dec) = (0, 0)``, ``z`` towards the north pole; arrays of points have
shape ``(N, 3)``.  Angles in the public API are degrees; radians stay inside.
"""

from __future__ import annotations

__all__ = [
    "LonLat", "angle_between", "as_vectors", "cross", "lonlat_to_vectors", "normalize", "vector_of",
    "vectors_to_lonlat",
]

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np


def lonlat_to_vectors(lon: Any, lat: Any) -> np.ndarray:
    """Unit vectors of longitudes and latitudes in degrees (scalars give shape ``(3,)``)."""
    lon = np.radians(np.asarray(lon, dtype=float))
    lat = np.radians(np.asarray(lat, dtype=float))
    cos_lat = np.cos(lat)
    return np.stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)], axis=-1)


def vectors_to_lonlat(vectors: Any) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes in ``[0, 360)`` and latitudes of (not necessarily unit) vectors, degrees."""
    v = np.asarray(vectors, dtype=float)
    lon = np.degrees(np.arctan2(v[..., 1], v[..., 0])) % 360.0
    lat = np.degrees(np.arctan2(v[..., 2], np.hypot(v[..., 0], v[..., 1])))
    return lon, lat


def normalize(vectors: Any) -> np.ndarray:
    """Vectors scaled to unit length."""
    v = np.asarray(vectors, dtype=float)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross products along the last axis, broadcasting (``numpy.cross`` is slow on small arrays)."""
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)


def angle_between(a: Any, b: Any) -> np.ndarray:
    """Angle in radians between vectors, accurate for tiny and near-π angles."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    c = cross(a, b)
    return np.arctan2(np.sqrt(np.sum(c * c, axis=-1)), np.sum(a * b, axis=-1))


@dataclasses.dataclass(frozen=True, slots=True)
class LonLat:
    """A point on the sky: longitude (RA) and latitude (Dec) in degrees.

    Parameters
    ----------
    lon : `float`
        Longitude, degrees; stored as given.
    lat : `float`
        Latitude, degrees, in ``[-90, 90]``.
    """

    lon: float
    lat: float

    def __post_init__(self) -> None:
        if not -90.0 <= self.lat <= 90.0:
            raise ValueError(f"Latitude {self.lat} is outside [-90, 90] degrees.")

    @property
    def ra(self) -> float:
        """Right ascension (the longitude), degrees."""
        return self.lon

    @property
    def dec(self) -> float:
        """Declination (the latitude), degrees."""
        return self.lat

    def vector(self) -> np.ndarray:
        """The unit vector of this point."""
        return lonlat_to_vectors(self.lon, self.lat)

    @classmethod
    def from_vector(cls, vector: Any) -> LonLat:
        """The point a (not necessarily unit) vector points to."""
        lon, lat = vectors_to_lonlat(vector)
        return cls(float(lon), float(lat))

    def __str__(self) -> str:
        return f"({self.lon:.8g}, {self.lat:.8g})"


def as_vectors(points: Any) -> np.ndarray:
    """Unit vectors, shape ``(N, 3)``, from `LonLat` points, 3-vectors or an ``(N, 3)`` array."""
    if isinstance(points, LonLat):
        return points.vector()[np.newaxis]
    if isinstance(points, np.ndarray) and points.ndim == 2 and points.shape[1] == 3:
        return normalize(points)
    if isinstance(points, Sequence) or isinstance(points, np.ndarray):
        items = list(points)
        if items and all(isinstance(p, LonLat) for p in items):
            return lonlat_to_vectors([p.lon for p in items], [p.lat for p in items])
        array = np.asarray(items, dtype=float)
        if array.ndim == 1 and array.shape[0] == 3:
            array = array[np.newaxis]
        if array.ndim == 2 and array.shape[1] == 3:
            return normalize(array)
    raise TypeError(f"Cannot interpret {points!r} as points on the sphere (LonLat or 3-vectors).")


def vector_of(point: Any) -> np.ndarray:
    """One unit vector from a `LonLat` or a 3-vector."""
    if isinstance(point, LonLat):
        return point.vector()
    v = np.asarray(point, dtype=float)
    if v.shape != (3,):
        raise TypeError(f"Cannot interpret {point!r} as a point on the sphere (LonLat or 3-vector).")
    norm = math.sqrt(float(v @ v))
    if norm == 0.0:
        raise ValueError("The zero vector is not a point on the sphere.")
    return v / norm
