"""`Psf`: the point-spread-function interface (LSST ``afw.detection.Psf``) and `FixedKernel`.

Conventions, as in LSST:

* ``computeKernelImage(position)`` is the PSF centred on pixel (0, 0): odd dimensions, ``xy0 =
  (-(w // 2), -(h // 2))``, normalised to sum 1.
* ``computeImage(position)`` is the PSF as it would appear at ``position`` (PARENT pixels): its
  ``xy0`` puts the centre pixel on ``round(position)`` and the light is shifted by the
  sub-pixel remainder.
* ``computeShape(position)`` gives the adaptive second moments as a ``Quadrupole``.
"""

from __future__ import annotations

import abc
import math
from typing import Any

import numpy as np
from scipy import ndimage

from ..geometry import Box2I, Extent2I, Point2D, Point2I
from ..image import ImageD
from ..table.shapes import Quadrupole
from .moments import adaptive_moments, aperture_sum

__all__ = ["Psf", "FixedKernel", "kernel_image_from_array"]


def _point(position: Any) -> Point2D:
    return Point2D(position) if position is not None else Point2D(math.nan, math.nan)


def kernel_image_from_array(array: np.ndarray) -> ImageD:
    """An `ImageD` of an odd-sized kernel array with ``xy0`` putting its centre at (0, 0)."""
    height, width = array.shape
    if width % 2 == 0 or height % 2 == 0:
        raise ValueError(f"a kernel image needs odd dimensions, got {width} x {height}")
    return ImageD(np.asarray(array, dtype=np.float64), xy0=Point2I(-(width // 2), -(height // 2)))


class FixedKernel:
    """A kernel image with its centre pixel (LSST ``afw.math.FixedKernel``).

    Parameters
    ----------
    image : `ImageD`
        Odd-sized kernel; its centre pixel is the kernel centre.
    """

    def __init__(self, image: ImageD):
        self._array = np.array(image.array, dtype=np.float64)
        if self._array.shape[0] % 2 == 0 or self._array.shape[1] % 2 == 0:
            raise ValueError(f"a FixedKernel needs odd dimensions, got shape {self._array.shape}")

    def getWidth(self) -> int:
        return self._array.shape[1]

    def getHeight(self) -> int:
        return self._array.shape[0]

    def getDimensions(self) -> Extent2I:
        return Extent2I(self.getWidth(), self.getHeight())

    def getCtr(self) -> Point2I:
        return Point2I(self.getWidth() // 2, self.getHeight() // 2)

    def getSum(self) -> float:
        return float(self._array.sum())

    def getArray(self) -> np.ndarray:
        return self._array.copy()

    def computeImage(self, image: ImageD | None = None, doNormalize: bool = True) -> Any:
        """Fill ``image`` (or a new kernel image) and return ``(image, sum)`` as LSST does."""
        total = self.getSum()
        values = self._array / total if doNormalize and total != 0 else self._array
        if image is None:
            return kernel_image_from_array(values.copy()), total
        image.array[...] = values
        return image, total


class Psf(abc.ABC):
    """Base class of PSF models; subclasses implement `_kernel_array` and persistence.

    Subclasses may override `_shifted_array` (exact sub-pixel evaluation), `computeShape` and
    `computeApertureFlux` when they know them analytically.
    """

    # -- what a subclass provides ---------------------------------------------

    @abc.abstractmethod
    def _kernel_array(self, position: Point2D) -> np.ndarray:
        """The normalised, odd-sized kernel at ``position``, centred on the middle pixel."""

    @abc.abstractmethod
    def clone(self) -> Psf: ...

    def getAveragePosition(self) -> Point2D:
        """The position used when none is given (LSST: the centre of the fitted region)."""
        return Point2D(0.0, 0.0)

    def _resolve(self, position: Any) -> Point2D:
        if position is None:
            return self.getAveragePosition()
        point = _point(position)
        if math.isnan(point.x) or math.isnan(point.y):
            return self.getAveragePosition()
        return point

    def _shifted_array(self, position: Point2D, dx: float, dy: float) -> np.ndarray:
        """The kernel moved by ``(dx, dy)`` pixels (|d| <= 0.5): cubic-spline resampling."""
        kernel = self._kernel_array(position)
        if dx == 0.0 and dy == 0.0:
            return kernel
        shifted = ndimage.shift(kernel, (dy, dx), order=3, mode="constant", cval=0.0, prefilter=True)
        total = shifted.sum()
        return shifted / total if total != 0 else shifted

    # -- LSST interface -------------------------------------------------------

    def computeKernelImage(self, position: Any = None) -> ImageD:
        """The PSF centred on (0, 0), odd-sized, sum 1 (see the module docstring)."""
        return kernel_image_from_array(self._kernel_array(self._resolve(position)))

    def computeImage(self, position: Any = None) -> ImageD:
        """The PSF at ``position`` (PARENT pixels), with ``xy0`` placing its centre there."""
        point = self._resolve(position)
        cx, cy = math.floor(point.x + 0.5), math.floor(point.y + 0.5)
        array = self._shifted_array(point, point.x - cx, point.y - cy)
        height, width = array.shape
        return ImageD(array, xy0=Point2I(cx - width // 2, cy - height // 2))

    def computeBBox(self, position: Any = None) -> Box2I:
        """The bbox of `computeKernelImage` (centred on 0, 0)."""
        return self.computeKernelImage(position).getBBox()

    def computeImageBBox(self, position: Any = None) -> Box2I:
        """The bbox of `computeImage` at ``position``."""
        return self.computeImage(position).getBBox()

    def computeShape(self, position: Any = None) -> Quadrupole:
        """Adaptive second moments of the kernel image at ``position``."""
        kernel = self._kernel_array(self._resolve(position))
        height, width = kernel.shape
        return Quadrupole(*adaptive_moments(kernel, width // 2, height // 2))

    def computeApertureFlux(self, radius: float, position: Any = None) -> float:
        """Fraction of the PSF's light within a circle of ``radius`` pixels around its centre."""
        kernel = self._kernel_array(self._resolve(position))
        height, width = kernel.shape
        return aperture_sum(kernel, width // 2, height // 2, radius)

    def computePeak(self, position: Any = None) -> float:
        """The kernel's value at its centre pixel (LSST ``computePeak``)."""
        kernel = self._kernel_array(self._resolve(position))
        height, width = kernel.shape
        return float(kernel[height // 2, width // 2])

    def getLocalKernel(self, position: Any = None) -> FixedKernel:
        """The kernel at ``position`` as a `FixedKernel`."""
        return FixedKernel(self.computeKernelImage(position))

    def getSigma(self, position: Any = None) -> float:
        """Determinant radius of `computeShape` (the Gaussian sigma for a round Gaussian PSF)."""
        return self.computeShape(position).getDeterminantRadius()

    def __repr__(self) -> str:
        try:
            sigma = f"{self.getSigma():.3f}"
        except Exception:  # noqa: BLE001 - repr must not raise
            sigma = "?"
        return f"{type(self).__name__}(sigma={sigma} px at {self.getAveragePosition()})"
