"""One-dimensional interpolation of bin values to pixel positions, with LSST's end rules.

Inside the range of the bin centres the interpolant is the requested style (constant = nearest bin,
linear, natural cubic spline, Akima spline; the splines are scipy's). Outside it, as in LSST's
``afw.math.Interpolate``, values are extrapolated with the interpolant's Taylor expansion to second
order at the end point (linear for ``LINEAR``, flat for ``CONSTANT``).
"""

from __future__ import annotations

__all__ = ["interpolate_1d"]

import numpy as np
from scipy.interpolate import Akima1DInterpolator, CubicSpline

from .styles import Interpolate, lookupMinInterpPoints


class InterpolationError(ValueError):
    """Too few points for an interpolation style (LSST's ``THROW_EXCEPTION`` undersample style)."""


def interpolate_1d(x: np.ndarray, y: np.ndarray, x_new: np.ndarray, style: Interpolate | str) -> np.ndarray:
    """Interpolate ``y(x)`` (``y`` may have trailing dimensions) at ``x_new``.

    Parameters
    ----------
    x : `numpy.ndarray`
        Strictly increasing sample positions, shape (n,).
    y : `numpy.ndarray`
        Values, shape (n,) or (n, m): each column is interpolated independently.
    x_new : `numpy.ndarray`
        Positions to evaluate, shape (k,).
    style : `Interpolate`
        Interpolation style.

    Returns
    -------
    values : `numpy.ndarray`
        Shape (k,) or (k, m).

    Raises
    ------
    InterpolationError
        Raised if ``n`` is below the style's minimum number of points.
    """
    style = Interpolate(style)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    x_new = np.asarray(x_new, dtype=np.float64)
    if len(x) < lookupMinInterpPoints(style):
        raise InterpolationError(
            f"{len(x)} points are too few for {style.value} interpolation "
            f"(needs {lookupMinInterpPoints(style)})"
        )
    if style is Interpolate.CONSTANT:
        return _nearest(x, y, x_new)
    if style is Interpolate.LINEAR:
        return _linear(x, y, x_new)
    if style in (Interpolate.NATURAL_SPLINE, Interpolate.CUBIC_SPLINE):
        spline = CubicSpline(x, y, axis=0, bc_type="natural", extrapolate=False)
    else:
        spline = Akima1DInterpolator(x, y, axis=0)
    return _with_extrapolation(spline, x, y, x_new)


def _nearest(x: np.ndarray, y: np.ndarray, x_new: np.ndarray) -> np.ndarray:
    if len(x) == 1:
        return np.broadcast_to(y[0], (len(x_new), *y.shape[1:])).copy()
    midpoints = 0.5 * (x[1:] + x[:-1])
    return y[np.searchsorted(midpoints, x_new, side="right")]


def _linear(x: np.ndarray, y: np.ndarray, x_new: np.ndarray) -> np.ndarray:
    index = np.clip(np.searchsorted(x, x_new, side="right") - 1, 0, len(x) - 2)
    x0, x1 = x[index], x[index + 1]
    weight = (x_new - x0) / (x1 - x0)
    if y.ndim > 1:
        weight = weight.reshape(-1, *([1] * (y.ndim - 1)))
    return y[index] * (1 - weight) + y[index + 1] * weight


def _with_extrapolation(spline: object, x: np.ndarray, y: np.ndarray, x_new: np.ndarray) -> np.ndarray:
    inside = (x_new >= x[0]) & (x_new <= x[-1])
    out = np.empty((len(x_new), *y.shape[1:]), dtype=np.float64)
    out[inside] = spline(x_new[inside])  # type: ignore[operator]
    for end, mask in ((x[0], x_new < x[0]), (x[-1], x_new > x[-1])):
        if not mask.any():
            continue
        value = spline(end)  # type: ignore[operator]
        slope = spline.derivative(1)(end)  # type: ignore[attr-defined]
        curvature = spline.derivative(2)(end)  # type: ignore[attr-defined]
        dx = (x_new[mask] - end).reshape(-1, *([1] * (y.ndim - 1)))
        out[mask] = value + dx * slope + 0.5 * dx**2 * curvature
    return out
