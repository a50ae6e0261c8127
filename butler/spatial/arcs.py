"""Vectorized primitives on great-circle arcs, the building blocks of overlap tests.

An arc is the shorter great-circle segment between two unit vectors ``a``
and ``b`` (never antipodal).  Functions take arrays of arcs, shape ``(E, 3)``
for each end, and broadcast over points or other arcs.
"""

from __future__ import annotations

__all__ = ["arcs_cross", "point_arc_distances", "arcs_cross_parallel"]

import numpy as np

from .vectors import cross


def point_arc_distances(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angular distance (radians) from each point to each arc, shape ``(K, E)``.

    Parameters
    ----------
    points : `numpy.ndarray`, shape ``(K, 3)``
        Unit vectors.
    a, b : `numpy.ndarray`, shape ``(E, 3)``
        Ends of the arcs.
    """
    n = cross(a, b)
    n_len = np.linalg.norm(n, axis=-1)
    n_unit = n / np.where(n_len > 0, n_len, 1.0)[:, np.newaxis]
    # The point's projection on the great circle lies within the arc iff the
    # point is on the inner side of the planes through the normal and each end.
    inside_a = points @ cross(n, a).T >= 0
    inside_b = points @ cross(b, n).T >= 0
    to_circle = np.abs(np.arcsin(np.clip(points @ n_unit.T, -1.0, 1.0)))
    to_a = _angles(points, a)
    to_b = _angles(points, b)
    return np.where(inside_a & inside_b & (n_len > 0), to_circle, np.minimum(to_a, to_b))


def _angles(points: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Angles between each point and each end, shape ``(K, E)``."""
    sines = cross(points[:, np.newaxis, :], ends[np.newaxis, :, :])
    return np.arctan2(np.sqrt(np.sum(sines * sines, axis=-1)), points @ ends.T)


def arcs_cross(a1: np.ndarray, a2: np.ndarray, b1: np.ndarray, b2: np.ndarray) -> bool:
    """Whether any arc ``a1[i]→a2[i]`` properly crosses any arc ``b1[j]→b2[j]``.

    Touching (an end on the other arc) is not a crossing; callers find those
    cases with containment tests of the ends.
    """
    na = cross(a1, a2)
    nb = cross(b1, b2)
    s1 = na @ b1.T  # side of b1 relative to arc a: shape (n, m)
    s2 = na @ b2.T
    s3 = (nb @ a1.T).T
    s4 = (nb @ a2.T).T
    # Opposite sides both ways, and the same one of the two antipodal
    # intersection points of the great circles (s2 and s3 agree in sign).
    crossing = (s1 * s2 < 0) & (s3 * s4 < 0) & (s2 * s3 > 0)
    return bool(crossing.any())


def arcs_cross_parallel(a: np.ndarray, b: np.ndarray, lat: float, lon_test) -> bool:
    """Whether any arc ``a[i]→b[i]`` meets the parallel at latitude ``lat`` (radians)
    at a longitude accepted by ``lon_test`` (a vectorized predicate on radians)."""
    n = cross(a, b)
    n_len = np.linalg.norm(n, axis=-1)
    keep = n_len > 0
    if not keep.any():
        return False
    a, b, n = a[keep], b[keep], n[keep] / n_len[keep][:, np.newaxis]
    # Orthonormal basis (u, w) of each arc's plane, u = a.
    u = a
    w = cross(n, u)
    z = np.sin(lat)
    amplitude = np.hypot(u[:, 2], w[:, 2])
    reachable = amplitude >= abs(z)
    if not reachable.any():
        return False
    u, w, n, b, amplitude = u[reachable], w[reachable], n[reachable], b[reachable], amplitude[reachable]
    phase = np.arctan2(w[:, 2], u[:, 2])
    delta = np.arccos(np.clip(z / amplitude, -1.0, 1.0))
    arc_length = np.arctan2(np.linalg.norm(cross(u, b), axis=-1), np.sum(u * b, axis=-1))
    for t in (phase + delta, phase - delta):
        t = np.mod(t, 2 * np.pi)
        on_arc = t <= arc_length
        if not on_arc.any():
            continue
        points = np.cos(t)[:, np.newaxis] * u + np.sin(t)[:, np.newaxis] * w
        lon = np.arctan2(points[:, 1], points[:, 0])
        if np.any(on_arc & lon_test(lon)):
            return True
    return False
