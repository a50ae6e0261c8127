"""Sky positions at the sky map's edges: whatever the caller has, as degrees or unit vectors inside.

Public methods accept an `astropy.coordinates.SkyCoord` (one or many), a
`butler.spatial.LonLat`, an ``(ra, dec)`` pair in degrees, or a sequence of
those; they return `SkyCoord` (ICRS).
"""

from __future__ import annotations

__all__ = ["as_radec", "offset_vectors", "sky_coord"]

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from astropy.coordinates import SkyCoord

from butler.spatial import LonLat


def as_radec(coords: Any) -> tuple[np.ndarray, np.ndarray]:
    """ICRS right ascensions and declinations, degrees, of one or many positions (1-D arrays).

    Parameters
    ----------
    coords : `SkyCoord`, `LonLat`, ``(ra, dec)`` or a sequence of these
        Positions; bare numbers are degrees.

    Raises
    ------
    TypeError
        If ``coords`` is none of the accepted kinds.
    """
    if isinstance(coords, SkyCoord):
        icrs = coords.icrs
        return np.atleast_1d(icrs.ra.deg).astype(float), np.atleast_1d(icrs.dec.deg).astype(float)
    if isinstance(coords, LonLat):
        return np.array([coords.lon]), np.array([coords.lat])
    if _is_pair(coords):
        return np.array([float(coords[0])]), np.array([float(coords[1])])
    if isinstance(coords, (Sequence, np.ndarray)) and not isinstance(coords, str):
        parts = [as_radec(item) for item in coords]
        if not parts:
            return np.empty(0), np.empty(0)
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    raise TypeError(
        f"Cannot read {coords!r} as sky positions; give a SkyCoord, a LonLat, an (ra, dec) pair in "
        "degrees, or a sequence of these."
    )


def sky_coord(ra: Any, dec: Any) -> SkyCoord:
    """An ICRS `SkyCoord` of ``ra`` and ``dec`` in degrees (scalars or arrays)."""
    return SkyCoord(ra, dec, unit="deg", frame="icrs")


def offset_vectors(ra: float, dec: float, bearings: Sequence[float], distance: float) -> np.ndarray:
    """Unit vectors ``distance`` degrees from ``(ra, dec)`` along great circles of the given bearings.

    Bearings are degrees from east towards north (LSST's ``SpherePoint.offset``
    convention); at a pole east is the direction of RA 90°.

    Returns
    -------
    vectors : `numpy.ndarray`, shape ``(len(bearings), 3)``
    """
    a, d = math.radians(ra), math.radians(dec)
    centre = np.array([math.cos(d) * math.cos(a), math.cos(d) * math.sin(a), math.sin(d)])
    east = np.array([-math.sin(a), math.cos(a), 0.0])
    north = np.array([-math.sin(d) * math.cos(a), -math.sin(d) * math.sin(a), math.cos(d)])
    b = np.radians(np.asarray(bearings, dtype=float))[:, np.newaxis]
    direction = np.cos(b) * east + np.sin(b) * north
    s = math.radians(distance)
    return math.cos(s) * centre + math.sin(s) * direction


def _is_pair(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return value.shape == (2,) and np.issubdtype(value.dtype, np.number)
    return (isinstance(value, (tuple, list)) and len(value) == 2
            and all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in value))
