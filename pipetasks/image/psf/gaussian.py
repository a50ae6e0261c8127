"""`GaussianPsf`: a circular Gaussian PSF of fixed kernel size (LSST ``afw.detection.GaussianPsf``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..archive import register
from ..geometry import Extent2I, Point2D
from ..table.shapes import Quadrupole
from .base import Psf

__all__ = ["GaussianPsf"]


@register
class GaussianPsf(Psf):
    """A round Gaussian of standard deviation ``sigma`` pixels on a ``width`` x ``height`` kernel.

    The kernel samples the Gaussian at pixel centres and is normalised to sum 1;
    `computeImage` evaluates the Gaussian at the sub-pixel offset directly (no resampling).

    Parameters
    ----------
    width, height : `int`
        Odd kernel dimensions (pixels).
    sigma : `float`
        Standard deviation (pixels).

    Examples
    --------
    >>> psf = GaussianPsf(21, 21, 2.0)
    >>> psf.computeShape().getDeterminantRadius()
    2.0
    >>> round(psf.computeKernelImage().array.sum(), 12)
    1.0
    """

    def __init__(self, width: int, height: int | None = None, sigma: float | None = None):
        if isinstance(width, Extent2I):
            width, height, sigma = width.x, width.y, height
        if height is None or sigma is None:
            raise TypeError("GaussianPsf needs width, height and sigma (or Extent2I and sigma)")
        if width % 2 == 0 or height % 2 == 0 or width <= 0 or height <= 0:
            raise ValueError(f"GaussianPsf dimensions must be positive and odd, got {width} x {height}")
        if not sigma > 0:
            raise ValueError(f"GaussianPsf sigma must be > 0 pixels, got {sigma}")
        self._width, self._height, self._sigma = int(width), int(height), float(sigma)

    def getSigma(self, position: Any = None) -> float:
        return self._sigma

    def getDimensions(self) -> Extent2I:
        return Extent2I(self._width, self._height)

    def clone(self) -> GaussianPsf:
        return GaussianPsf(self._width, self._height, self._sigma)

    def resized(self, width: int, height: int) -> GaussianPsf:
        return GaussianPsf(width, height, self._sigma)

    def _gaussian(self, dx: float, dy: float) -> np.ndarray:
        xs = np.arange(self._width, dtype=float) - self._width // 2 - dx
        ys = np.arange(self._height, dtype=float) - self._height // 2 - dy
        gx = np.exp(-0.5 * (xs / self._sigma) ** 2)
        gy = np.exp(-0.5 * (ys / self._sigma) ** 2)
        array = np.outer(gy, gx)
        return array / array.sum()

    def _kernel_array(self, position: Point2D) -> np.ndarray:
        return self._gaussian(0.0, 0.0)

    def _shifted_array(self, position: Point2D, dx: float, dy: float) -> np.ndarray:
        return self._gaussian(dx, dy)

    def computeShape(self, position: Any = None) -> Quadrupole:
        """Exact moments ``(sigma**2, sigma**2, 0)``."""
        return Quadrupole(self._sigma**2, self._sigma**2, 0.0)

    def computeApertureFlux(self, radius: float, position: Any = None) -> float:
        """``1 - exp(-r**2 / (2 sigma**2))`` (the untruncated Gaussian)."""
        return 1.0 - math.exp(-0.5 * (radius / self._sigma) ** 2)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GaussianPsf):
            return NotImplemented
        return (self._width, self._height, self._sigma) == (other._width, other._height, other._sigma)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"GaussianPsf({self._width}, {self._height}, sigma={self._sigma})"

    def to_dict(self) -> dict[str, Any]:
        return {"width": self._width, "height": self._height, "sigma": self._sigma}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GaussianPsf:
        return cls(int(data["width"]), int(data["height"]), float(data["sigma"]))
