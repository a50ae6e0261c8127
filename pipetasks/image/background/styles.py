"""Names of the background settings, as LSST's ``afw.math`` enums spell them.

Each enum's value is its LSST name, which is also what background files store, so
``Interpolate.AKIMA_SPLINE``, ``"AKIMA_SPLINE"`` and ``Interpolate("AKIMA_SPLINE")`` are interchangeable.
"""

from __future__ import annotations

__all__ = [
    "ApproximateStyle",
    "Interpolate",
    "Statistic",
    "UndersampleStyle",
    "lookupMaxInterpStyle",
    "lookupMinInterpPoints",
]

import enum


class Interpolate(enum.StrEnum):
    """How bin values are interpolated to pixels (LSST's ``Interpolate.Style``)."""

    CONSTANT = "CONSTANT"
    LINEAR = "LINEAR"
    NATURAL_SPLINE = "NATURAL_SPLINE"
    CUBIC_SPLINE = "CUBIC_SPLINE"
    AKIMA_SPLINE = "AKIMA_SPLINE"
    UNKNOWN = "UNKNOWN"


class UndersampleStyle(enum.StrEnum):
    """What to do when there are too few bins for the interpolation style."""

    THROW_EXCEPTION = "THROW_EXCEPTION"
    REDUCE_INTERP_ORDER = "REDUCE_INTERP_ORDER"
    INCREASE_NXNYSAMPLE = "INCREASE_NXNYSAMPLE"


class ApproximateStyle(enum.StrEnum):
    """Whether the background is a fitted approximation (LSST's ``ApproximateControl.Style``)."""

    UNKNOWN = "UNKNOWN"
    CHEBYSHEV = "CHEBYSHEV"


class Statistic(enum.StrEnum):
    """Statistic of the pixels of a bin (LSST's ``afw.math.Property`` names)."""

    MEAN = "MEAN"
    MEDIAN = "MEDIAN"
    MEANCLIP = "MEANCLIP"


_MIN_POINTS = {
    Interpolate.CONSTANT: 1,
    Interpolate.LINEAR: 2,
    Interpolate.NATURAL_SPLINE: 3,
    Interpolate.CUBIC_SPLINE: 3,
    Interpolate.AKIMA_SPLINE: 5,
}


def lookupMinInterpPoints(style: Interpolate | str) -> int:
    """Fewest points the interpolation style needs."""
    style = Interpolate(style)
    if style not in _MIN_POINTS:
        raise ValueError(f"Interpolation style {style.value} has no minimum number of points")
    return _MIN_POINTS[style]


def lookupMaxInterpStyle(n: int) -> Interpolate:
    """Highest-order interpolation style possible with ``n`` points (LSST's choice)."""
    if n < 1:
        raise ValueError(f"Cannot interpolate {n} points; need at least 1")
    if n == 1:
        return Interpolate.CONSTANT
    if n == 2:
        return Interpolate.LINEAR
    if n <= 4:
        return Interpolate.CUBIC_SPLINE
    return Interpolate.AKIMA_SPLINE
