"""Longitude/latitude boxes: RA and Dec ranges."""

from __future__ import annotations

__all__ = ["Box"]

import math
import struct
from typing import ClassVar

import numpy as np

from .circle import Circle
from .region import Region
from .vectors import angle_between, lonlat_to_vectors

_TWO_PI = 2 * math.pi


class Box(Region):
    """The points whose longitude and latitude lie in given ranges.

    Parameters
    ----------
    ra : `tuple` [`float`, `float`]
        Longitude range ``(begin, end)`` in degrees, going east from
        ``begin``; ``begin > end`` wraps through 0 (``(350, 10)``), and a
        span of 360 or more is every longitude.
    dec : `tuple` [`float`, `float`]
        Latitude range ``(min, max)`` in degrees; ``min > max`` is empty.

    Notes
    -----
    Edges of constant latitude are small circles, not great circles, so a
    box is not a polygon; overlap tests treat them exactly.
    """

    TYPE_CODE: ClassVar[int] = ord("b")

    def __init__(self, ra: tuple[float, float], dec: tuple[float, float]):
        ra_a, ra_b = (float(x) for x in ra)
        if ra_b - ra_a >= 360.0:
            lon = (0.0, _TWO_PI)
        else:
            lon = (math.radians(ra_a % 360.0), math.radians(ra_b % 360.0))
            if lon[0] == lon[1] and ra_b != ra_a:
                lon = (0.0, _TWO_PI)
        lat_a = math.radians(max(float(dec[0]), -90.0))
        lat_b = math.radians(min(float(dec[1]), 90.0))
        self._lon = lon
        self._lat = (lat_a, lat_b)

    @classmethod
    def from_center(cls, ra: float, dec: float, width: float, height: float) -> Box:
        """The box of full ``width`` (in RA) and ``height`` (in Dec) centred on ``(ra, dec)``, degrees."""
        return cls((ra - width / 2, ra + width / 2), (dec - height / 2, dec + height / 2))

    @classmethod
    def _from_radians(cls, lon_a: float, lon_b: float, lat_a: float, lat_b: float) -> Box:
        box = cls.__new__(cls)
        box._lon = (lon_a, lon_b)
        box._lat = (lat_a, lat_b)
        return box

    @property
    def ra_range(self) -> tuple[float, float]:
        """``(begin, end)`` longitudes, degrees (``begin > end`` wraps through 0)."""
        return math.degrees(self._lon[0]), math.degrees(self._lon[1])

    @property
    def dec_range(self) -> tuple[float, float]:
        """``(min, max)`` latitudes, degrees."""
        return math.degrees(self._lat[0]), math.degrees(self._lat[1])

    def is_empty(self) -> bool:
        return (self._lat[0] > self._lat[1] or math.isnan(self._lon[0]) or math.isnan(self._lon[1])
                or math.isnan(self._lat[0]))

    def is_full_lon(self) -> bool:
        """Whether every longitude is in the box."""
        return self._lon[1] - self._lon[0] >= _TWO_PI

    @property
    def lon_width(self) -> float:
        """Width of the longitude range, radians."""
        a, b = self._lon
        if self.is_full_lon():
            return _TWO_PI
        return (b - a) % _TWO_PI if b != a else 0.0

    def lon_contains(self, lon: np.ndarray) -> np.ndarray:
        """Whether longitudes (radians, any range) are in the box's longitude range."""
        if self.is_full_lon():
            return np.ones(np.shape(lon), dtype=bool)
        offset = np.mod(np.asarray(lon) - self._lon[0], _TWO_PI)
        # A longitude at 2π - ε after rounding is the box's beginning.
        return (offset <= self.lon_width) | (offset >= _TWO_PI - 1e-15)

    def contains_vectors(self, vectors: np.ndarray) -> np.ndarray:
        if self.is_empty():
            return np.zeros(len(vectors), dtype=bool)
        lat = np.arctan2(vectors[:, 2], np.hypot(vectors[:, 0], vectors[:, 1]))
        lon = np.arctan2(vectors[:, 1], vectors[:, 0])
        at_pole = np.hypot(vectors[:, 0], vectors[:, 1]) == 0
        in_lat = (lat >= self._lat[0]) & (lat <= self._lat[1])
        return in_lat & (self.lon_contains(lon) | at_pole)

    # Geometry of the boundary ------------------------------------------------

    def corners(self) -> np.ndarray:
        """The four corners as unit vectors (poles repeat when the box reaches one)."""
        lon_a, lon_b = self._lon
        lat_a, lat_b = self._lat
        return np.degrees(np.array([[lon_a, lat_a], [lon_b, lat_a], [lon_b, lat_b], [lon_a, lat_b]]))

    def corner_vectors(self) -> np.ndarray:
        """The corners as an ``(4, 3)`` array of unit vectors."""
        corners = self.corners()
        return lonlat_to_vectors(corners[:, 0], corners[:, 1])

    def meridian_arcs(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The meridian edges as great-circle arcs shorter than π (none if every longitude is in)."""
        if self.is_full_lon():
            return []
        arcs = []
        lat_a, lat_b = np.degrees(self._lat)
        cuts = [lat_a, lat_b] if lat_b - lat_a < 179.0 else [lat_a, (lat_a + lat_b) / 2, lat_b]
        for lon in np.degrees(self._lon):
            points = lonlat_to_vectors(np.full(len(cuts), lon), np.array(cuts))
            for start, end in zip(points[:-1], points[1:]):
                arcs.append((start, end))
        return arcs

    def distances(self, points: np.ndarray) -> np.ndarray:
        """Angular distance (radians) from each point to the box (0 inside)."""
        if self.is_empty():
            return np.full(len(points), np.inf)
        lat = np.arctan2(points[:, 2], np.hypot(points[:, 0], points[:, 1]))
        lon = np.arctan2(points[:, 1], points[:, 0])
        lat_a, lat_b = self._lat
        best = np.full(len(points), np.inf)
        in_lon = self.lon_contains(lon)
        # Parallels: the nearest point has the smallest longitude difference.
        edge_lons = [np.asarray(self._lon)]
        for lat_edge in (lat_a, lat_b):
            candidates = [np.where(in_lon, lon, np.nan)]
            if not self.is_full_lon():
                candidates += [np.full(len(points), edge) for edge in edge_lons[0]]
            for cand_lon in candidates:
                valid = ~np.isnan(cand_lon)
                target = lonlat_to_vectors(np.degrees(np.where(valid, cand_lon, 0.0)),
                                           np.full(len(points), math.degrees(lat_edge)))
                d = angle_between(points, target)
                best = np.where(valid, np.minimum(best, d), best)
        if not self.is_full_lon():
            for edge in self._lon:
                # Nearest point of the whole meridian half-circle, clamped to the edge.
                dlon = lon - edge
                nearest = np.arctan2(np.sin(lat), np.cos(lat) * np.cos(dlon))
                nearest = np.clip(nearest, lat_a, lat_b)
                target = lonlat_to_vectors(np.full(len(points), math.degrees(edge)), np.degrees(nearest))
                best = np.minimum(best, angle_between(points, target))
        return np.where(self.contains_vectors(points), 0.0, best)

    def overlaps_circles(self, centers: np.ndarray, radii: np.ndarray) -> np.ndarray:
        return self.distances(centers) <= radii + 1e-15

    @property
    def bounding_circle(self) -> Circle:
        if self.is_empty():
            return Circle([0.0, 0.0, 1.0], -1.0)
        lat_mid = 0.5 * (self._lat[0] + self._lat[1])
        lon_mid = self._lon[0] + 0.5 * self.lon_width
        center = lonlat_to_vectors(math.degrees(lon_mid), math.degrees(lat_mid))
        if self.contains_vectors(-center[np.newaxis])[0]:
            return Circle(center, 180.0)
        # Distance from the centre is largest at a corner (monotone along parallels, unimodal
        # along meridians), unless the box holds the antipode.
        radius = float(angle_between(self.corner_vectors(), center).max())
        return Circle(center, math.degrees(radius) * (1 + 1e-12) + 1e-14)

    def encode(self) -> bytes:
        return bytes([self.TYPE_CODE]) + struct.pack("<4d", *self._lon, *self._lat)

    def __repr__(self) -> str:
        (a, b), (c, d) = self.ra_range, self.dec_range
        return f"Box(ra=({a:.10g}, {b:.10g}), dec=({c:.10g}, {d:.10g}))"
