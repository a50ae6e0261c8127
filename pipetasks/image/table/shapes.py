"""Second moments of a source's light: `Quadrupole` (LSST's ``afw.geom.ellipses.Quadrupole``)."""

from __future__ import annotations

__all__ = ["Quadrupole"]

import math
from typing import Any

import numpy as np


class Quadrupole:
    """Second-moment ellipse ``(Ixx, Iyy, Ixy)`` in pixels squared.

    Parameters
    ----------
    ixx, iyy, ixy : `float`
        Moments; ``Quadrupole()`` is the unit circle ``(1, 1, 0)`` as in LSST.

    Notes
    -----
    ``getDeterminantRadius() = (Ixx Iyy - Ixy^2)^(1/4)`` is the Gaussian sigma of a round source;
    ``getTraceRadius() = sqrt((Ixx + Iyy) / 2)``.
    """

    __slots__ = ("ixx", "iyy", "ixy")

    def __init__(self, ixx: float = 1.0, iyy: float = 1.0, ixy: float = 0.0):
        self.ixx = float(ixx)
        self.iyy = float(iyy)
        self.ixy = float(ixy)

    def getIxx(self) -> float:
        return self.ixx

    def getIyy(self) -> float:
        return self.iyy

    def getIxy(self) -> float:
        return self.ixy

    def setIxx(self, value: float) -> None:
        self.ixx = float(value)

    def setIyy(self, value: float) -> None:
        self.iyy = float(value)

    def setIxy(self, value: float) -> None:
        self.ixy = float(value)

    def getParameterVector(self) -> np.ndarray:
        return np.array([self.ixx, self.iyy, self.ixy])

    def getMatrix(self) -> np.ndarray:
        return np.array([[self.ixx, self.ixy], [self.ixy, self.iyy]])

    def getDeterminant(self) -> float:
        return self.ixx * self.iyy - self.ixy**2

    def getDeterminantRadius(self) -> float:
        det = self.getDeterminant()
        return det**0.25 if det >= 0 else math.nan

    def getTraceRadius(self) -> float:
        trace = self.ixx + self.iyy
        return math.sqrt(trace / 2) if trace >= 0 else math.nan

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quadrupole):
            return NotImplemented
        return (self.ixx, self.iyy, self.ixy) == (other.ixx, other.iyy, other.ixy)

    def __hash__(self) -> int:
        return hash((self.ixx, self.iyy, self.ixy))

    def __repr__(self) -> str:
        return f"Quadrupole(ixx={self.ixx!r}, iyy={self.iyy!r}, ixy={self.ixy!r})"

    def __reduce__(self) -> Any:
        return (Quadrupole, (self.ixx, self.iyy, self.ixy))
