"""Exposure and MaskedImage files: a multi-extension FITS layout (see docs/file_formats.md).

::

    HDU 0  PRIMARY       metadata header (no data); SKYBFMT = 'EXPOSURE', SKYBVER, EXPID, PIXTYPE
    HDU 1  IMAGE         image pixels; xy0 and WCS cards
    HDU 2  MASK          int32 mask; MP_<NAME> = bit cards; xy0 and WCS cards
    HDU 3  VARIANCE      variance pixels; xy0 and WCS cards
    then one BINTABLE per present component: PSF, PHOTOCALIB, APCORR, VISITINFO, DETECTOR,
    FILTER, SUMMARYSTATS

`ExposureFitsReader` reads any part on its own (LSST's class of that name): components and the
WCS without touching pixels, and pixel planes cut to a bbox by reading only the rows it covers.
"""

from __future__ import annotations

import io
import os
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from ..errors import ImageFormatError
from ..exposure import Exposure, exposure_type_for
from ..exposure_info import COMPONENT_NAMES, ExposureInfo
from ..geometry import Box2I, Extent2I, Point2I
from ..image import Image
from ..mask import Mask
from ..masked_image import MaskedImage, masked_image_type_for
from .image_hdus import image_hdu, mask_hdu, pixel_bbox, read_pixels, read_wcs, resolve_compression
from .bintable import parse_bintable
from .reader import FitsReader, HduInfo
from .tables import COMPONENT_EXTNAMES, component_to_table, table_to_component

__all__ = [
    "ExposureFitsReader",
    "read_exposure",
    "read_masked_image",
    "write_exposure",
    "write_masked_image",
    "exposure_to_hdulist",
    "FORMAT_KEY",
    "FORMAT_VERSION_KEY",
    "STRUCTURAL_KEYS",
]

FORMAT_KEY = "SKYBFMT"
FORMAT_VERSION_KEY = "SKYBVER"
_FORMAT_VERSION = 1
STRUCTURAL_KEYS = frozenset(
    {"SIMPLE", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "EXTEND", "XTENSION", "PCOUNT", "GCOUNT", "EXTNAME",
     "BZERO", "BSCALE", "CHECKSUM", "DATASUM", FORMAT_KEY, FORMAT_VERSION_KEY, "EXPID", "PIXTYPE"}
)
"""Primary-header cards the format owns; they are not part of the exposure's metadata."""


def _primary(metadata: fits.Header | None, kind: str, pixel_type: str, exposure_id: int | None) -> fits.PrimaryHDU:
    header = fits.Header()
    if metadata is not None:
        for card in metadata.cards:
            if card.keyword not in STRUCTURAL_KEYS:
                header.append(card)
    header[FORMAT_KEY] = (kind, "pipetasks.image file layout")
    header[FORMAT_VERSION_KEY] = (_FORMAT_VERSION, "layout version")
    header["PIXTYPE"] = (pixel_type, "numpy dtype of the IMAGE pixels")
    if exposure_id is not None:
        header["EXPID"] = (int(exposure_id), "exposure id")
    return fits.PrimaryHDU(header=header)


def _plane_hdus(mi: MaskedImage, wcs: WCS | None, compression: Any) -> list[Any]:
    settings = resolve_compression(compression)
    return [
        image_hdu(mi.image, "IMAGE", wcs, compression=settings["image"]),
        mask_hdu(mi.mask, "MASK", wcs, compression=settings["mask"]),
        image_hdu(mi.variance, "VARIANCE", wcs, compression=settings["variance"]),
    ]


def exposure_to_hdulist(exposure: Exposure, compression: Any = None) -> fits.HDUList:
    """The HDUs of an exposure file (see the module docstring)."""
    info = exposure.getInfo()
    hdus = [_primary(info.getMetadata(), "EXPOSURE", str(exposure.image.array.dtype), info.getId())]
    hdus += _plane_hdus(exposure.maskedImage, info.getWcs(), compression)
    for component in COMPONENT_NAMES:
        value = info.get(component)
        if component == "wcs" or value is None:
            continue
        hdus.append(component_to_table(component, value))
    return fits.HDUList(hdus)


def _write(hdulist: fits.HDUList, destination: Any, fs: Any = None) -> None:
    if fs is not None:
        buffer = io.BytesIO()
        hdulist.writeto(buffer, output_verify="silentfix")
        with fs.open(os.fspath(destination), "wb") as stream:
            stream.write(buffer.getvalue())
        return
    if isinstance(destination, (str, os.PathLike)):
        hdulist.writeto(os.fspath(destination), overwrite=True, output_verify="silentfix")
    else:
        hdulist.writeto(destination, output_verify="silentfix")


def write_exposure(exposure: Exposure, destination: Any, compression: Any = None, fs: Any = None) -> None:
    """Write ``exposure`` to a path (replaced if it exists) or a binary file object.

    Parameters
    ----------
    compression : `str` or `dict`, optional
        ``"lossless"``, ``"lossy"`` or per-plane settings (see
        `pipetasks.image.fits.image_hdus.COMPRESSION_PRESETS`); uncompressed by default.
    fs : `fsspec.AbstractFileSystem`, optional
        Filesystem for a non-local path.
    """
    _write(exposure_to_hdulist(exposure, compression), destination, fs)


def write_masked_image(mi: MaskedImage, destination: Any, metadata: fits.Header | None = None,
                       compression: Any = None, fs: Any = None) -> None:
    """Write a masked image: PRIMARY (metadata), IMAGE, MASK, VARIANCE."""
    hdus = [_primary(metadata, "MASKEDIMAGE", str(mi.image.array.dtype), None)] + _plane_hdus(mi, None, compression)
    _write(fits.HDUList(hdus), destination, fs)


class ExposureFitsReader:
    """Read an exposure (or masked image) file piece by piece.

    Parameters
    ----------
    source : `str`, path-like or binary file object
    fs : `fsspec.AbstractFileSystem`, optional
        For a non-local path.

    Raises
    ------
    ImageFormatError
        When reading a part the file does not have in the expected layout (missing HDU,
        truncated data, unreadable table), naming the file and what is missing.

    Examples
    --------
    >>> with ExposureFitsReader("calexp.fits") as reader:            # doctest: +SKIP
    ...     wcs = reader.readWcs()
    ...     cutout = reader.read(bbox=Box2I.from_xywh(100, 100, 50, 50))
    """

    def __init__(self, source: Any, fs: Any = None, name: str | None = None):
        self._reader = FitsReader(source, fs=fs, name=name)
        self.fileName = self._reader.name

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> ExposureFitsReader:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- layout ----------------------------------------------------------------

    def _plane(self, extname: str) -> HduInfo:
        info = self._reader.hdu(extname, required=False)
        if info is None:
            raise self._reader.error(
                f"no {extname} HDU; an exposure file has PRIMARY, IMAGE, MASK and VARIANCE HDUs "
                "(see docs/file_formats.md)"
            )
        return info

    def readSerializationVersion(self) -> int:
        return int(self._reader.hdu(0).header.get(FORMAT_VERSION_KEY, 0))

    def readBBox(self) -> Box2I:
        """PARENT bbox of the image (reads headers only)."""
        return pixel_bbox(self._reader, self._plane("IMAGE"))

    def readXY0(self) -> Point2I:
        return self.readBBox().getMin()

    def readDimensions(self) -> Extent2I:
        return self.readBBox().getDimensions()

    def readMetadata(self) -> fits.Header:
        """Primary-header cards other than the format's own (`STRUCTURAL_KEYS`)."""
        primary = self._reader.hdu(0).header.astropy
        header = fits.Header()
        for card in primary.cards:
            if card.keyword not in STRUCTURAL_KEYS:
                header.append(card)
        return header

    def readExposureId(self) -> int | None:
        value = self._reader.hdu(0).header.get("EXPID")
        return None if value is None else int(value)

    readId = readExposureId

    def readPixelType(self) -> str:
        return str(self._reader.hdu(0).header.get("PIXTYPE", "float32"))

    # -- components ------------------------------------------------------------

    def readWcs(self) -> WCS | None:
        """The WCS from the IMAGE header (no pixel data is read)."""
        return read_wcs(self._plane("IMAGE"))

    def readComponent(self, component: str) -> Any:
        """One component by its exposure name (``psf``, ``visitInfo``, ...); `None` if absent."""
        if component == "wcs":
            return self.readWcs()
        if component == "metadata":
            return self.readMetadata()
        if component == "bbox":
            return self.readBBox()
        if component == "id":
            return self.readExposureId()
        if component not in COMPONENT_EXTNAMES:
            raise KeyError(f"unknown exposure component {component!r}; known: {', '.join(COMPONENT_NAMES)}")
        info = self._reader.hdu(COMPONENT_EXTNAMES[component], required=False)
        if info is None:
            return None
        return table_to_component(component, self._reader.read_table(info.index), self.fileName)

    def readPsf(self) -> Any:
        return self.readComponent("psf")

    def readPhotoCalib(self) -> Any:
        return self.readComponent("photoCalib")

    def readApCorrMap(self) -> Any:
        return self.readComponent("apCorrMap")

    def readVisitInfo(self) -> Any:
        return self.readComponent("visitInfo")

    def readDetector(self) -> Any:
        return self.readComponent("detector")

    def readFilter(self) -> Any:
        return self.readComponent("filter")

    readFilterLabel = readFilter

    def readSummaryStats(self) -> Any:
        return self.readComponent("summaryStats")

    def readExposureInfo(self, deferred: bool = False) -> ExposureInfo:
        """Every component and the metadata (no pixels).

        With ``deferred=True`` the component tables' bytes are read now but each is decoded on
        first use (`ExposureInfo.set_deferred`); a decoding error is then raised at that use.
        """
        info = ExposureInfo(id=self.readExposureId())
        if not deferred:
            info.setMetadata(self.readMetadata())
            for component in COMPONENT_NAMES:
                info.set(component, self.readComponent(component))
            return info
        info.set_deferred("metadata", self.readMetadata)
        image = self._plane("IMAGE")
        if "CTYPE1" in image.header:
            info.set_deferred("wcs", lambda: read_wcs(image))
        name = self.fileName
        for component, extname in COMPONENT_EXTNAMES.items():
            hdu = self._reader.hdu(extname, required=False)
            if hdu is None:
                continue
            if str(hdu.header.get("XTENSION", "")).strip() != "BINTABLE":
                raise self._reader.error(f"HDU {extname} is not a binary table")
            raw = self._reader.read_data(hdu)
            info.set_deferred(component, _table_loader(component, hdu.header, raw, name))
        return info

    # -- pixels --------------------------------------------------------------------

    def readImage(self, bbox: Box2I | None = None, dtype: Any = None) -> Image:
        return read_pixels(self._reader, self._plane("IMAGE"), bbox, "image", dtype)  # type: ignore[return-value]

    def readMask(self, bbox: Box2I | None = None) -> Mask:
        return read_pixels(self._reader, self._plane("MASK"), bbox, "mask")  # type: ignore[return-value]

    def readVariance(self, bbox: Box2I | None = None) -> Image:
        return read_pixels(self._reader, self._plane("VARIANCE"), bbox, "image")  # type: ignore[return-value]

    def readMaskedImage(self, bbox: Box2I | None = None, dtype: Any = None) -> MaskedImage:
        image = self.readImage(bbox, dtype)
        flavour = masked_image_type_for(image.array.dtype)
        variance = self.readVariance(bbox)
        if image.array.dtype == np.float64 and variance.array.dtype != np.float64:
            variance = variance.convertD()
        return flavour(image, self.readMask(bbox), variance)

    def read(self, bbox: Box2I | None = None, dtype: Any = None) -> Exposure:
        """The whole exposure, or its ``bbox`` cut-out (components are read whole)."""
        mi = self.readMaskedImage(bbox, dtype)
        return exposure_type_for(mi.image.array.dtype)(mi, exposureInfo=self.readExposureInfo(deferred=True))

    def check(self) -> None:
        """Raise `ImageFormatError` unless every HDU of the layout is present and complete."""
        for extname in ("IMAGE", "MASK", "VARIANCE"):
            self._plane(extname)
        self._reader.hdus()


def _table_loader(component: str, header: Any, raw: bytes, name: str) -> Any:
    def load() -> Any:
        try:
            table = parse_bintable(header, raw)
        except (ValueError, KeyError) as err:
            raise ImageFormatError(name, f"component table for {component!r} is unreadable: {err}") from None
        return table_to_component(component, table, name)

    return load


def read_exposure(source: Any, bbox: Box2I | None = None, fs: Any = None) -> Exposure:
    """Read an exposure file (whole, or a PARENT ``bbox``)."""
    with ExposureFitsReader(source, fs=fs) as reader:
        return reader.read(bbox)


def read_masked_image(source: Any, bbox: Box2I | None = None, fs: Any = None) -> MaskedImage:
    """Read the IMAGE, MASK and VARIANCE HDUs of a masked-image or exposure file."""
    with ExposureFitsReader(source, fs=fs) as reader:
        return reader.readMaskedImage(bbox)

