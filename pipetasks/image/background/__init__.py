"""Binned background models (LSST's ``afw.math.BackgroundMI`` and ``BackgroundList``)."""

from .background_list import BackgroundList, BackgroundListItem
from .model import DEFAULT_BAD_MASK_PLANES, BackgroundError, BackgroundMI
from .styles import (
    ApproximateStyle,
    Interpolate,
    Statistic,
    UndersampleStyle,
    lookupMaxInterpStyle,
    lookupMinInterpPoints,
)

__all__ = [
    "ApproximateStyle",
    "BackgroundError",
    "BackgroundList",
    "BackgroundListItem",
    "BackgroundMI",
    "DEFAULT_BAD_MASK_PLANES",
    "Interpolate",
    "Statistic",
    "UndersampleStyle",
    "lookupMaxInterpStyle",
    "lookupMinInterpPoints",
]
