"""`Exposure`: a `MaskedImage` plus its `ExposureInfo` (LSST ``afw.image.Exposure``).

Flavours `ExposureF` (float32), `ExposureD`, `ExposureI`, `ExposureU` fix the image pixel type.
``exposure[bbox]`` is a view: pixels are shared and so are the component objects (a new
`ExposureInfo` container with the same WCS, PSF, ...). ``clone()`` copies everything.

Examples
--------
>>> exp = ExposureF(Box2I(Point2I(0, 0), Extent2I(100, 50)))
>>> cut = exp[Box2I(Point2I(10, 10), Extent2I(5, 5))]
>>> cut.getXY0(), cut.getDimensions()
(Point2I(10, 10), Extent2I(5, 5))
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from .exposure_info import ExposureInfo
from .geometry import Box2I, Extent2I, Point2I
from .image import PARENT, Image, ImageOrigin
from .mask import Mask
from .masked_image import (
    MaskedImage,
    MaskedImageD,
    MaskedImageF,
    MaskedImageI,
    MaskedImageU,
    masked_image_type_for,
)

__all__ = ["Exposure", "ExposureF", "ExposureD", "ExposureI", "ExposureU", "exposure_type_for"]


class Exposure:
    """Pixels (image, mask, variance) and components.

    Parameters
    ----------
    *args
        ``width, height``; ``Extent2I``; ``Box2I``; a `MaskedImage` (shared, not copied);
        or another `Exposure` optionally followed by a ``Box2I`` (and `ImageOrigin`) for a
        sub-exposure.
    exposureInfo : `ExposureInfo`, optional
        Components (shared). For ``Exposure(maskedImage, wcs)`` LSST style, a WCS may be given
        as the second positional argument.
    deep : `bool`
        Copy pixels (and components) when built from another exposure or masked image.
    """

    masked_image_type: ClassVar[type[MaskedImage]] = MaskedImageF

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is Exposure and args and isinstance(args[0], (MaskedImage, Exposure)):
            source = args[0].maskedImage if isinstance(args[0], Exposure) else args[0]
            return object.__new__(exposure_type_for(source.image.array.dtype))
        return object.__new__(cls)

    def __init__(self, *args: Any, exposureInfo: ExposureInfo | None = None, deep: bool = False):
        first = args[0] if args else None
        if isinstance(first, Exposure):
            self._maskedImage = type(first._maskedImage)(first._maskedImage, *args[1:], deep=deep)
            info = first._info.deepcopy() if deep else first._info.copy()
            self._info = exposureInfo if exposureInfo is not None else info
            return
        if isinstance(first, MaskedImage):
            self._maskedImage = first.clone() if deep else first
            if len(args) > 1 and isinstance(args[1], WCS):
                exposureInfo = exposureInfo or ExposureInfo()
                exposureInfo.setWcs(args[1])
        else:
            self._maskedImage = type(self).masked_image_type(*args)
        self._info = exposureInfo if exposureInfo is not None else ExposureInfo()

    # -- pixels ------------------------------------------------------------------

    def getMaskedImage(self) -> MaskedImage:
        return self._maskedImage

    def setMaskedImage(self, maskedImage: MaskedImage) -> None:
        self._maskedImage = maskedImage

    maskedImage = property(getMaskedImage, setMaskedImage)

    @property
    def image(self) -> Image:
        return self._maskedImage.image

    @image.setter
    def image(self, value: Any) -> None:
        self._maskedImage.image = value

    @property
    def mask(self) -> Mask:
        return self._maskedImage.mask

    @mask.setter
    def mask(self, value: Any) -> None:
        self._maskedImage.mask = value

    @property
    def variance(self) -> Image:
        return self._maskedImage.variance

    @variance.setter
    def variance(self, value: Any) -> None:
        self._maskedImage.variance = value

    # -- geometry ------------------------------------------------------------------

    def getBBox(self, origin: ImageOrigin = PARENT) -> Box2I:
        return self._maskedImage.getBBox(origin)

    def getXY0(self) -> Point2I:
        return self._maskedImage.getXY0()

    def setXY0(self, x: Any, y: Any = None) -> None:
        self._maskedImage.setXY0(x, y)

    def getX0(self) -> int:
        return self._maskedImage.getX0()

    def getY0(self) -> int:
        return self._maskedImage.getY0()

    def getDimensions(self) -> Extent2I:
        return self._maskedImage.getDimensions()

    def getWidth(self) -> int:
        return self._maskedImage.getWidth()

    def getHeight(self) -> int:
        return self._maskedImage.getHeight()

    width = property(getWidth)
    height = property(getHeight)

    # -- components ------------------------------------------------------------------

    def getInfo(self) -> ExposureInfo:
        return self._info

    def setInfo(self, info: ExposureInfo) -> None:
        self._info = info

    info = property(getInfo, setInfo)

    def getWcs(self) -> WCS | None:
        return self._info.getWcs()

    def setWcs(self, wcs: WCS | None) -> None:
        self._info.setWcs(wcs)

    def hasWcs(self) -> bool:
        return self._info.hasWcs()

    def getPsf(self) -> Any:
        return self._info.getPsf()

    def setPsf(self, psf: Any) -> None:
        self._info.setPsf(psf)

    def hasPsf(self) -> bool:
        return self._info.hasPsf()

    def getPhotoCalib(self) -> Any:
        return self._info.getPhotoCalib()

    def setPhotoCalib(self, photoCalib: Any) -> None:
        self._info.setPhotoCalib(photoCalib)

    def getApCorrMap(self) -> Any:
        return self._info.getApCorrMap()

    def setApCorrMap(self, apCorrMap: Any) -> None:
        self._info.setApCorrMap(apCorrMap)

    def getVisitInfo(self) -> Any:
        return self._info.getVisitInfo()

    def setVisitInfo(self, visitInfo: Any) -> None:
        self._info.setVisitInfo(visitInfo)

    def getDetector(self) -> Any:
        return self._info.getDetector()

    def setDetector(self, detector: Any) -> None:
        self._info.setDetector(detector)

    def getFilter(self) -> Any:
        return self._info.getFilter()

    def setFilter(self, filterLabel: Any) -> None:
        self._info.setFilter(filterLabel)

    def getSummaryStats(self) -> Any:
        return self._info.getSummaryStats()

    def setSummaryStats(self, summaryStats: Any) -> None:
        self._info.setSummaryStats(summaryStats)

    def getMetadata(self) -> fits.Header:
        return self._info.getMetadata()

    def setMetadata(self, metadata: Any) -> None:
        self._info.setMetadata(metadata)

    def getId(self) -> int | None:
        return self._info.getId()

    wcs = property(getWcs, setWcs)
    psf = property(getPsf, setPsf)
    photoCalib = property(getPhotoCalib, setPhotoCalib)
    apCorrMap = property(getApCorrMap, setApCorrMap)
    visitInfo = property(getVisitInfo, setVisitInfo)
    detector = property(getDetector, setDetector)
    filter = property(getFilter, setFilter)
    summaryStats = property(getSummaryStats, setSummaryStats)
    metadata = property(getMetadata, setMetadata)

    # -- views and copies ------------------------------------------------------------

    def subset(self, bbox: Box2I, origin: ImageOrigin = PARENT) -> Exposure:
        """A view of ``bbox``: shared pixels and shared component objects."""
        new = object.__new__(type(self))
        new._maskedImage = self._maskedImage.subset(bbox, origin)
        new._info = self._info.copy()
        return new

    def __getitem__(self, key: Any) -> Any:
        """``exposure[bbox]`` -> sub-exposure view; other keys index the masked image."""
        if isinstance(key, Box2I) or (isinstance(key, tuple) and key and isinstance(key[0], (Box2I, slice))):
            box = self._maskedImage.image._key_to_bbox(key)
            assert box is not None
            return self.subset(*box)
        return self._maskedImage[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._maskedImage[key] = value.maskedImage if isinstance(value, Exposure) else value

    def clone(self) -> Exposure:
        """A deep copy of pixels and components."""
        new = object.__new__(type(self))
        new._maskedImage = self._maskedImage.clone()
        new._info = self._info.deepcopy()
        return new

    def __deepcopy__(self, memo: Any) -> Exposure:
        return self.clone()

    # -- files -------------------------------------------------------------------------

    def writeFits(self, path: Any, compression: Any = None) -> None:
        """Write the exposure file (docs/file_formats.md); ``compression`` ``"lossless"``/``"lossy"``."""
        from .fits import write_exposure

        write_exposure(self, path, compression=compression)

    @classmethod
    def readFits(cls, path: Any, bbox: Box2I | None = None) -> Exposure:
        """Read an exposure file (optionally a PARENT ``bbox``), as this class's pixel type."""
        from .fits import ExposureFitsReader

        dtype = cls.masked_image_type.image_type.dtype if cls is not Exposure else None
        with ExposureFitsReader(path) as reader:
            return reader.read(bbox, dtype)

    # -- display -----------------------------------------------------------------------

    def __repr__(self) -> str:
        from .display import text_summary

        return text_summary(self)

    def _repr_html_(self) -> str:
        from .display import html_summary

        return html_summary(self)

    def plot(self, **kwargs: Any) -> Any:
        """Show the image with matplotlib (mask overlay, sources); see `pipetasks.image.display.display`."""
        from .display import display

        return display(self, **kwargs)


class ExposureF(Exposure):
    """Exposure with a float32 image."""

    masked_image_type = MaskedImageF


class ExposureD(Exposure):
    """Exposure with a float64 image."""

    masked_image_type = MaskedImageD


class ExposureI(Exposure):
    """Exposure with an int32 image."""

    masked_image_type = MaskedImageI


class ExposureU(Exposure):
    """Exposure with a uint16 image (raw data)."""

    masked_image_type = MaskedImageU


_EXPOSURE_TYPES: dict[np.dtype, type[Exposure]] = {
    flavour.masked_image_type.image_type.dtype: flavour  # type: ignore[misc]
    for flavour in (ExposureF, ExposureD, ExposureI, ExposureU)
}


def exposure_type_for(dtype: Any) -> type[Exposure]:
    """The `Exposure` flavour whose image holds ``dtype`` pixels."""
    masked_image_type_for(dtype)  # same supported set; raises TypeError otherwise
    return _EXPOSURE_TYPES[np.dtype(dtype)]
