"""Detections: `Footprint` (pixels + peaks) and `HeavyFootprint` (with their pixel values).

Mirrors LSST's ``afw.detection``: a footprint is a `SpanSet` of the pixels above threshold plus a
list of `PeakRecord` (the local maxima found in it, brightest first after `Footprint.sortPeaks`).
A `HeavyFootprint` also carries the image, mask and variance values of its pixels, flattened in
span order, so a deblended child can be re-inserted into an image.
"""

from __future__ import annotations

__all__ = ["Footprint", "HeavyFootprint", "PeakRecord", "makeHeavyFootprint"]

from typing import Any

import numpy as np

from ..geometry import Box2I, Point2D, Point2I
from .spans import SpanSet, Stencil


class PeakRecord:
    """A local maximum of a footprint: id, float and integer position, peak value.

    Parameters
    ----------
    id : `int`
        Peak id, unique within its footprint.
    fx, fy : `float`
        Sub-pixel position.
    peakValue : `float`
        Image value at the peak.
    ix, iy : `int`, optional
        Integer pixel; defaults to the rounded float position.
    """

    __slots__ = ("id", "fx", "fy", "ix", "iy", "peakValue")

    def __init__(
        self,
        id: int,
        fx: float,
        fy: float,
        peakValue: float = np.nan,  # noqa: A002
        ix: int | None = None,
        iy: int | None = None,
    ):
        self.id = int(id)
        self.fx = float(fx)
        self.fy = float(fy)
        self.ix = int(np.floor(self.fx + 0.5)) if ix is None else int(ix)
        self.iy = int(np.floor(self.fy + 0.5)) if iy is None else int(iy)
        self.peakValue = float(peakValue)

    def getId(self) -> int:
        return self.id

    def getFx(self) -> float:
        return self.fx

    def getFy(self) -> float:
        return self.fy

    def getIx(self) -> int:
        return self.ix

    def getIy(self) -> int:
        return self.iy

    def getF(self) -> Point2D:
        return Point2D(self.fx, self.fy)

    def getI(self) -> Point2I:
        return Point2I(self.ix, self.iy)

    def getCentroid(self, exact: bool = True) -> Any:
        return self.getF() if exact else self.getI()

    def getPeakValue(self) -> float:
        return self.peakValue

    def _key(self) -> tuple:
        return (self.id, self.fx, self.fy, self.ix, self.iy, self.peakValue)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PeakRecord):
            return NotImplemented
        a, b = self._key(), other._key()
        return a[:5] == b[:5] and (a[5] == b[5] or (np.isnan(a[5]) and np.isnan(b[5])))

    def __hash__(self) -> int:
        return hash(self._key()[:5])

    def __repr__(self) -> str:
        return f"PeakRecord(id={self.id}, fx={self.fx}, fy={self.fy}, peakValue={self.peakValue})"

    def __reduce__(self) -> Any:
        return (PeakRecord, (self.id, self.fx, self.fy, self.peakValue, self.ix, self.iy))


class Footprint:
    """A detection: pixels (`SpanSet`) and peaks.

    Parameters
    ----------
    spans : `SpanSet`, optional
        The pixels; empty by default.
    region : `Box2I`, optional
        Bounding box of the image the footprint was detected on (kept, not enforced).
    peaks : iterable of `PeakRecord`, optional
        Initial peaks.
    """

    def __init__(self, spans: SpanSet | None = None, region: Box2I | None = None, peaks: Any = None):
        self._spans = spans if spans is not None else SpanSet()
        self._region = region if region is not None else Box2I()
        self._peaks: list[PeakRecord] = list(peaks or [])

    # -- spans ----------------------------------------------------------------

    def getSpans(self) -> SpanSet:
        return self._spans

    def setSpans(self, spans: SpanSet) -> None:
        self._spans = spans

    spans = property(getSpans, setSpans)

    def getArea(self) -> int:
        return self._spans.getArea()

    def getBBox(self) -> Box2I:
        return self._spans.getBBox()

    def getRegion(self) -> Box2I:
        return self._region

    def setRegion(self, region: Box2I) -> None:
        self._region = region

    def contains(self, point: Any) -> bool:
        return self._spans.contains(point)

    def getCentroid(self) -> Point2D:
        """Unweighted centroid of the pixels."""
        x, y = self._spans.computeCentroid()
        return Point2D(x, y)

    def isHeavy(self) -> bool:
        return False

    def isContiguous(self) -> bool:
        return self._spans.isContiguous()

    def dilate(self, radius: int, stencil: Stencil | str = Stencil.CIRCLE) -> None:
        """Grow the pixels in place by ``radius`` (peaks unchanged)."""
        self._spans = self._spans.dilated(radius, stencil)

    def erode(self, radius: int, stencil: Stencil | str = Stencil.CIRCLE) -> None:
        """Shrink the pixels in place by ``radius``; peaks outside are dropped."""
        self._spans = self._spans.eroded(radius, stencil)
        self._peaks = [p for p in self._peaks if self._spans.contains(p.ix, p.iy)]

    def clipTo(self, box: Box2I) -> None:
        """Keep only the pixels (and peaks) inside ``box``."""
        self._spans = self._spans.clippedTo(box)
        self._peaks = [p for p in self._peaks if box.contains(Point2I(p.ix, p.iy))]

    def shift(self, dx: int, dy: int) -> None:
        """Move pixels and peaks by ``(dx, dy)``."""
        self._spans = self._spans.shiftedBy(dx, dy)
        for peak in self._peaks:
            peak.fx += dx
            peak.fy += dy
            peak.ix += dx
            peak.iy += dy

    # -- peaks ----------------------------------------------------------------

    def getPeaks(self) -> list[PeakRecord]:
        """The peaks (a list; modify through `addPeak`, `sortPeaks`)."""
        return self._peaks

    def addPeak(self, fx: float, fy: float, peakValue: float) -> PeakRecord:
        """Append a peak with the next free id and return it."""
        next_id = max((p.id for p in self._peaks), default=0) + 1
        peak = PeakRecord(next_id, fx, fy, peakValue)
        self._peaks.append(peak)
        return peak

    def sortPeaks(self) -> None:
        """Order peaks by decreasing peak value (NaN last)."""
        self._peaks.sort(
            key=lambda p: (np.isnan(p.peakValue), -p.peakValue if not np.isnan(p.peakValue) else 0)
        )

    def getPeakArray(self) -> np.ndarray:
        """Peaks as a structured array with fields id, f_x, f_y, i_x, i_y, peakValue."""
        dtype = [
            ("id", "i8"),
            ("f_x", "f8"),
            ("f_y", "f8"),
            ("i_x", "i4"),
            ("i_y", "i4"),
            ("peakValue", "f8"),
        ]
        return np.array([(p.id, p.fx, p.fy, p.ix, p.iy, p.peakValue) for p in self._peaks], dtype=dtype)

    # -- pixels ---------------------------------------------------------------

    def extract(self, image: Any) -> np.ndarray:
        """Return ``image``'s values on this footprint's pixels, in span order."""
        return self._spans.flatten(image)

    def copy(self) -> Footprint:
        return Footprint(self._spans, self._region, [PeakRecord(*p.__reduce__()[1]) for p in self._peaks])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Footprint) or isinstance(other, HeavyFootprint) != isinstance(
            self, HeavyFootprint
        ):
            return NotImplemented
        return self._spans == other._spans and self._peaks == other._peaks

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(area={self.getArea()}, bbox={self.getBBox()}, peaks={len(self._peaks)})"
        )


class HeavyFootprint(Footprint):
    """A `Footprint` with the image, mask and variance values of its pixels.

    Parameters
    ----------
    footprint : `Footprint`
        Pixels and peaks (copied by reference).
    image : `numpy.ndarray`
        Image values, one per pixel, in span order (float32).
    mask, variance : `numpy.ndarray`, optional
        Mask (int32) and variance (float32) values in span order; zeros if not given.
    """

    def __init__(
        self,
        footprint: Footprint,
        image: np.ndarray,
        mask: np.ndarray | None = None,
        variance: np.ndarray | None = None,
    ):
        super().__init__(footprint.getSpans(), footprint.getRegion(), footprint.getPeaks())
        area = footprint.getArea()
        self._image = np.asarray(image, dtype=np.float32).ravel()
        self._mask = np.zeros(area, np.int32) if mask is None else np.asarray(mask, dtype=np.int32).ravel()
        self._variance = (
            np.zeros(area, np.float32) if variance is None else np.asarray(variance, np.float32).ravel()
        )
        for name, values in (("image", self._image), ("mask", self._mask), ("variance", self._variance)):
            if len(values) != area:
                raise ValueError(
                    f"HeavyFootprint {name} has {len(values)} values for a footprint of area {area}"
                )

    def isHeavy(self) -> bool:
        return True

    def getImageArray(self) -> np.ndarray:
        return self._image

    def getMaskArray(self) -> np.ndarray:
        return self._mask

    def getVarianceArray(self) -> np.ndarray:
        return self._variance

    def insert(self, target: Any) -> None:
        """Write the pixel values into an image, or image/mask/variance of a masked image."""
        if hasattr(target, "image") and hasattr(target, "variance") and not isinstance(target, np.ndarray):
            self._spans.unflatten(target.image, self._image)
            if getattr(target, "mask", None) is not None:
                self._spans.unflatten(target.mask, self._mask)
            self._spans.unflatten(target.variance, self._variance)
        else:
            self._spans.unflatten(target, self._image)

    def dilate(self, radius: int, stencil: Stencil | str = Stencil.CIRCLE) -> None:
        raise TypeError("A HeavyFootprint cannot change its pixels; dilate a plain Footprint copy instead")

    erode = dilate  # type: ignore[assignment]
    clipTo = dilate  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HeavyFootprint):
            return NotImplemented
        return (
            Footprint.__eq__(self, other) is True
            and np.array_equal(self._image, other._image, equal_nan=True)
            and np.array_equal(self._mask, other._mask)
            and np.array_equal(self._variance, other._variance, equal_nan=True)
        )


def makeHeavyFootprint(footprint: Footprint, maskedImage: Any) -> HeavyFootprint:
    """Return a `HeavyFootprint` with ``maskedImage``'s values on ``footprint``'s pixels.

    Parameters
    ----------
    footprint : `Footprint`
        Pixels and peaks.
    maskedImage : `MaskedImage`, `Image` or `numpy.ndarray`
        Source of the values; an image or array gives image values only (mask and variance zero).
    """
    spans = footprint.getSpans()
    if hasattr(maskedImage, "image") and hasattr(maskedImage, "variance"):
        mask = spans.flatten(maskedImage.mask) if getattr(maskedImage, "mask", None) is not None else None
        return HeavyFootprint(
            footprint, spans.flatten(maskedImage.image), mask, spans.flatten(maskedImage.variance)
        )
    return HeavyFootprint(footprint, spans.flatten(maskedImage))
