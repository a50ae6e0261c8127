"""`ExposureSummaryStats`: per-detector summary numbers (PSF size, sky, zero point, ...), LSST field names."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from .archive import register

__all__ = ["ExposureSummaryStats"]


def _nan_corners() -> list[float]:
    return [math.nan] * 4


@register
@dataclasses.dataclass
class ExposureSummaryStats:
    """Summary statistics of one processed detector image (LSST ``afw.image.ExposureSummaryStats``).

    Every float defaults to NaN ("not measured"); ``raCorners``/``decCorners`` are the four
    corners in degrees, counter-clockwise from the bbox minimum.
    """

    version: int = 0
    psfSigma: float = math.nan
    """PSF determinant radius (pixels)."""
    psfArea: float = math.nan
    """PSF effective area (pixels**2)."""
    psfIxx: float = math.nan
    psfIyy: float = math.nan
    psfIxy: float = math.nan
    ra: float = math.nan
    """Bounding-box centre right ascension (degrees)."""
    dec: float = math.nan
    """Bounding-box centre declination (degrees)."""
    pixelScale: float = math.nan
    """Mean pixel scale (arcsec/pixel)."""
    zenithDistance: float = math.nan
    """Zenith distance of the centre (degrees)."""
    expTime: float = math.nan
    zeroPoint: float = math.nan
    """Mean zero point (magnitudes for 1 count/s... as LSST: instrumental flux of 1 -> mag)."""
    skyBg: float = math.nan
    """Average sky background (counts)."""
    skyNoise: float = math.nan
    """Average sky noise (counts)."""
    meanVar: float = math.nan
    """Mean variance of the weight plane (counts**2)."""
    raCorners: list[float] = dataclasses.field(default_factory=_nan_corners)
    decCorners: list[float] = dataclasses.field(default_factory=_nan_corners)
    astromOffsetMean: float = math.nan
    """Mean astrometric offset of matched reference stars (arcsec)."""
    astromOffsetStd: float = math.nan
    nPsfStar: int = 0
    psfStarDeltaE1Median: float = math.nan
    psfStarDeltaE2Median: float = math.nan
    psfStarDeltaE1Scatter: float = math.nan
    psfStarDeltaE2Scatter: float = math.nan
    psfStarDeltaSizeMedian: float = math.nan
    psfStarDeltaSizeScatter: float = math.nan
    psfStarScaledDeltaSizeScatter: float = math.nan
    psfTraceRadiusDelta: float = math.nan
    psfApFluxDelta: float = math.nan
    psfApCorrSigmaScaledDelta: float = math.nan
    maxDistToNearestPsf: float = math.nan
    starEMedian: float = math.nan
    starUnNormalizedEMedian: float = math.nan
    starComa1Median: float = math.nan
    starComa2Median: float = math.nan
    starTrefoil1Median: float = math.nan
    starTrefoil2Median: float = math.nan
    starKurtosisMedian: float = math.nan
    starE41Median: float = math.nan
    starE42Median: float = math.nan
    effTime: float = math.nan
    """Effective exposure time (seconds) from PSF size, sky and zero point."""
    effTimePsfSigmaScale: float = math.nan
    effTimeSkyBgScale: float = math.nan
    effTimeZeroPointScale: float = math.nan
    magLim: float = math.nan
    """Magnitude limit at 5 sigma for a point source."""

    @classmethod
    def field_types(cls) -> dict[str, str]:
        """``{name: "float" | "int" | "list"}`` for every field (for building table columns)."""
        kinds = {}
        for f in dataclasses.fields(cls):
            t = str(f.type)
            kinds[f.name] = "list" if t.startswith("list") else ("int" if t == "int" else "float")
        return kinds

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["raCorners"] = [float(v) for v in self.raCorners]
        data["decCorners"] = [float(v) for v in self.decCorners]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExposureSummaryStats:
        """Build from a dict; unknown keys are ignored and ``decl`` is read as ``dec`` (old LSST name)."""
        known = cls.field_types()
        values: dict[str, Any] = {}
        for key, value in data.items():
            key = "dec" if key == "decl" else key
            if key not in known:
                continue
            kind = known[key]
            if kind == "list":
                values[key] = [float(v) for v in value]
            elif kind == "int":
                values[key] = int(value)
            else:
                values[key] = math.nan if value is None else float(value)
        return cls(**values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ExposureSummaryStats):
            return NotImplemented

        def same(a: Any, b: Any) -> bool:
            if isinstance(a, list):
                return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
            if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
                return True
            return a == b

        return all(same(getattr(self, f.name), getattr(other, f.name)) for f in dataclasses.fields(self))
