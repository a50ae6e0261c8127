"""Second moments and aperture sums of PSF images (pixel centres at integer coordinates)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["adaptive_moments", "unweighted_moments", "aperture_sum"]


def unweighted_moments(array: np.ndarray, x0: float, y0: float) -> tuple[float, float, float]:
    """``(Ixx, Iyy, Ixy)`` of ``array`` about ``(x0, y0)`` in array index coordinates."""
    yy, xx = np.indices(array.shape, dtype=float)
    dx, dy = xx - x0, yy - y0
    total = array.sum()
    return (
        float((array * dx * dx).sum() / total),
        float((array * dy * dy).sum() / total),
        float((array * dx * dy).sum() / total),
    )


def adaptive_moments(
    array: np.ndarray, x0: float, y0: float, max_iter: int = 100, tolerance: float = 1e-7
) -> tuple[float, float, float]:
    """Gaussian-weighted (adaptive) moments ``(Ixx, Iyy, Ixy)``, centre fixed at ``(x0, y0)``.

    The weight is an elliptical Gaussian of moments ``W``; each iteration sets ``W`` to twice the
    weighted moments, whose fixed point is the true moments for a Gaussian profile (the
    SDSS/HSM convention). Falls back to unweighted moments if the iteration diverges.
    """
    yy, xx = np.indices(array.shape, dtype=float)
    dx, dy = xx - x0, yy - y0
    ixx, iyy, ixy = unweighted_moments(np.clip(array, 0, None), x0, y0)
    if not (ixx > 0 and iyy > 0):
        ixx = iyy = 1.0
        ixy = 0.0
    for _ in range(max_iter):
        det = ixx * iyy - ixy * ixy
        if det <= 0:
            break
        exponent = (iyy * dx * dx - 2 * ixy * dx * dy + ixx * dy * dy) / det
        weight = np.exp(-0.5 * exponent) * array
        total = weight.sum()
        if total <= 0:
            break
        qxx = (weight * dx * dx).sum() / total
        qyy = (weight * dy * dy).sum() / total
        qxy = (weight * dx * dy).sum() / total
        nxx, nyy, nxy = 2 * qxx, 2 * qyy, 2 * qxy
        change = abs(nxx - ixx) + abs(nyy - iyy) + abs(nxy - ixy)
        ixx, iyy, ixy = nxx, nyy, nxy
        if change < tolerance * (ixx + iyy):
            return float(ixx), float(iyy), float(ixy)
    if ixx > 0 and iyy > 0 and ixx * iyy > ixy * ixy and math.isfinite(ixx + iyy + ixy):
        return float(ixx), float(iyy), float(ixy)
    return unweighted_moments(array, x0, y0)


def aperture_sum(array: np.ndarray, x0: float, y0: float, radius: float, subsample: int = 9) -> float:
    """Sum of ``array`` inside a circle, with boundary pixels split into ``subsample**2`` sub-pixels."""
    yy, xx = np.indices(array.shape, dtype=float)
    dist = np.hypot(xx - x0, yy - y0)
    inside = dist <= radius - 0.7072
    edge = (dist > radius - 0.7072) & (dist < radius + 0.7072)
    total = float(array[inside].sum())
    if edge.any():
        offsets = (np.arange(subsample) + 0.5) / subsample - 0.5
        sx, sy = np.meshgrid(offsets, offsets)
        ex, ey = xx[edge][:, None] + sx.ravel()[None, :], yy[edge][:, None] + sy.ravel()[None, :]
        fraction = (np.hypot(ex - x0, ey - y0) <= radius).mean(axis=1)
        total += float((array[edge] * fraction).sum())
    return total
