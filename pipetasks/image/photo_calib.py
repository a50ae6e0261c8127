"""`PhotoCalib`: instrumental flux (counts) to nanojansky and AB magnitude (LSST ``afw.image.PhotoCalib``).

``calibration`` is nJy per count: ``flux_nJy = instFlux * calibration(x, y)``; magnitudes are AB,
``mag = -2.5 log10(flux_nJy) + 31.4`` (1 nJy is AB 31.4).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from . import archive
from .archive import register
from .bounded_field import BoundedField, ConstantBoundedField

__all__ = ["PhotoCalib", "Measurement", "REFERENCE_FLUX_NJY", "makePhotoCalibFromCalibZeroPoint"]

REFERENCE_FLUX_NJY = 10 ** (31.4 / 2.5)
"""The flux (nJy) of an AB magnitude 0 source (3631 Jy)."""

_MAG_PER_LN = 2.5 / math.log(10.0)


class Measurement(NamedTuple):
    """A value and its 1-sigma error (LSST ``afw.image.Measurement``)."""

    value: Any
    error: Any


@register
class PhotoCalib:
    """Photometric calibration of an image.

    Parameters
    ----------
    calibrationMean : `float` or `BoundedField`
        nJy per count (constant), or a spatially varying field of it.
    calibrationErr : `float`
        1-sigma error of the mean calibration.
    bbox : `Box2I`, optional
        Domain, when a constant calibration should still report one.

    Examples
    --------
    >>> calib = PhotoCalib(2.0)
    >>> calib.instFluxToNanojansky(10.0)
    20.0
    >>> round(calib.instFluxToMagnitude(10.0), 6)
    28.147425
    """

    def __init__(self, calibrationMean: float | BoundedField = 1.0, calibrationErr: float = 0.0, bbox: Any = None):
        if isinstance(calibrationMean, BoundedField):
            self._field: BoundedField | None = calibrationMean
            self._mean = float(calibrationMean.mean())
            self._constant = isinstance(calibrationMean, ConstantBoundedField)
        else:
            if calibrationMean < 0:
                raise ValueError(f"calibrationMean must be >= 0 nJy/count, got {calibrationMean}")
            self._field = None
            self._mean = float(calibrationMean)
            self._constant = True
        self._err = float(calibrationErr)
        self._bbox = bbox

    # -- LSST getters ---------------------------------------------------------

    def getCalibrationMean(self) -> float:
        return self._mean

    def getCalibrationErr(self) -> float:
        return self._err

    def isConstant(self) -> bool:
        return self._constant

    def getInstFluxAtZeroMagnitude(self) -> float:
        return REFERENCE_FLUX_NJY / self._mean

    def computeScaledCalibration(self) -> BoundedField | None:
        """The spatial field divided by its mean (`None` for a constant calibration)."""
        return None if self._field is None else self._field * (1.0 / self._mean)

    def getLocalCalibration(self, point: Any) -> float:
        return float(self._evaluate(point[0], point[1]))

    def _evaluate(self, x: Any = None, y: Any = None) -> Any:
        if self._field is None or x is None:
            return self._mean
        return self._field.evaluate(x, y)

    @staticmethod
    def _xy(point: Any) -> tuple[Any, Any]:
        if point is None:
            return None, None
        if isinstance(point, tuple) and len(point) == 2 and np.ndim(point[0]) > 0:
            return point
        return point[0], point[1]

    # -- conversions -------------------------------------------------------------

    def instFluxToNanojansky(self, instFlux: Any, instFluxErr: Any = None, point: Any = None) -> Any:
        """Flux in nJy; with ``instFluxErr`` a `Measurement` (error includes ``calibrationErr``).

        ``point`` may be a `Point2D`, an ``(x, y)`` pair or a pair of arrays (one per flux).
        A `Point2D` passed as the second positional argument is taken as ``point``.
        """
        if point is None and instFluxErr is not None and hasattr(instFluxErr, "getX"):
            point, instFluxErr = instFluxErr, None
        calib = self._evaluate(*self._xy(point))
        flux = np.asarray(instFlux, dtype=float) * calib
        if instFluxErr is None:
            return _scalar(flux)
        relative = np.hypot(np.asarray(instFluxErr, dtype=float) / np.asarray(instFlux, dtype=float), self._err / self._mean)
        return Measurement(_scalar(flux), _scalar(np.abs(flux) * relative))

    def instFluxToMagnitude(self, instFlux: Any, instFluxErr: Any = None, point: Any = None) -> Any:
        """AB magnitude; with ``instFluxErr`` a `Measurement`."""
        if point is None and instFluxErr is not None and hasattr(instFluxErr, "getX"):
            point, instFluxErr = instFluxErr, None
        calib = self._evaluate(*self._xy(point))
        with np.errstate(divide="ignore", invalid="ignore"):
            mag = -2.5 * np.log10(np.asarray(instFlux, dtype=float) * calib) + 31.4
            if instFluxErr is None:
                return _scalar(mag)
            relative = np.hypot(
                np.asarray(instFluxErr, dtype=float) / np.asarray(instFlux, dtype=float), self._err / self._mean
            )
        return Measurement(_scalar(mag), _scalar(_MAG_PER_LN * relative))

    def magnitudeToInstFlux(self, magnitude: Any, point: Any = None) -> Any:
        calib = self._evaluate(*self._xy(point))
        return _scalar(10 ** ((31.4 - np.asarray(magnitude, dtype=float)) / 2.5) / calib)

    def nanojanskyToInstFlux(self, nanojansky: Any, point: Any = None) -> Any:
        calib = self._evaluate(*self._xy(point))
        return _scalar(np.asarray(nanojansky, dtype=float) / calib)

    def _scale_for(self, maskedImage: Any) -> Any:
        if self._field is None:
            return self._mean
        scale = type(maskedImage.image)(maskedImage.getBBox())
        self._field.fillImage(scale)
        return scale.array

    def calibrateImage(self, maskedImage: Any) -> Any:
        """A new masked image in nJy: pixels times the calibration, variance times its square."""
        scale = self._scale_for(maskedImage)
        result = maskedImage.clone()
        result.image.array[...] *= scale
        result.variance.array[...] *= np.square(scale)
        return result

    def uncalibrateImage(self, maskedImage: Any) -> Any:
        """Inverse of `calibrateImage`: nJy back to counts."""
        scale = self._scale_for(maskedImage)
        result = maskedImage.clone()
        result.image.array[...] /= scale
        result.variance.array[...] /= np.square(scale)
        return result

    # -- value semantics and persistence ---------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PhotoCalib):
            return NotImplemented
        return (self._mean, self._err, self._field) == (other._mean, other._err, other._field)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        kind = "constant" if self._field is None else "spatially varying"
        return f"PhotoCalib({kind}, mean={self._mean:g}, err={self._err:g} nJy/count)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "calibrationMean": self._mean,
            "calibrationErr": self._err,
            "isConstant": self._constant,
            "field": archive.dump(self._field) if self._field is not None else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PhotoCalib:
        field = data.get("field")
        if field:
            calib = cls(archive.load(field), data.get("calibrationErr", 0.0))
            calib._mean = float(data.get("calibrationMean", calib._mean))
            return calib
        return cls(float(data["calibrationMean"]), float(data.get("calibrationErr", 0.0)))


def makePhotoCalibFromCalibZeroPoint(instFluxMag0: float, instFluxMag0Err: float = 0.0) -> PhotoCalib:
    """A constant `PhotoCalib` from the instrumental flux of a magnitude-0 source (old ``Calib``)."""
    mean = REFERENCE_FLUX_NJY / instFluxMag0
    err = REFERENCE_FLUX_NJY * instFluxMag0Err / instFluxMag0**2
    return PhotoCalib(mean, err)


def _scalar(value: Any) -> Any:
    return float(value) if np.ndim(value) == 0 else value
