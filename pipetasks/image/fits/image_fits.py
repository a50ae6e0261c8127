"""Single-plane files: an `Image` or a `Mask` in the primary HDU (LSST's layout), and `Camera` files.

An uncompressed image or mask is the primary HDU's data. A compressed one cannot be (FITS tile
compression lives in extensions), so it is written as an empty primary plus an ``IMAGE`` or
``MASK`` extension; readers accept both, and also read the IMAGE/MASK plane of an exposure file.
"""

from __future__ import annotations

from typing import Any

from astropy.io import fits
from astropy.wcs import WCS

from ..camera import Camera
from ..geometry import Box2I
from ..image import Image
from ..mask import Mask
from .exposure_fits import FORMAT_KEY, FORMAT_VERSION_KEY, STRUCTURAL_KEYS, _write
from .image_hdus import image_hdu, mask_hdu, read_pixels, read_wcs, resolve_compression
from .reader import FitsReader, HduInfo
from .tables import camera_to_tables, tables_to_detectors

__all__ = ["write_image", "read_image", "write_mask", "read_mask", "read_image_wcs", "write_camera", "read_camera"]


def _single_plane_hdus(obj: Any, kind: str, wcs: WCS | None, metadata: fits.Header | None, compression: Any) -> fits.HDUList:
    plane = "mask" if kind == "MASK" else "image"
    settings = resolve_compression(compression)[plane]
    extra = fits.Header()
    for card in (metadata.cards if metadata is not None else []):
        if card.keyword not in STRUCTURAL_KEYS:
            extra.append(card)
    make = mask_hdu if kind == "MASK" else image_hdu
    if settings is None:
        hdu = make(obj, None, wcs, primary=True)
        hdu.header.extend(extra, update=True)
        hdu.header[FORMAT_KEY] = kind
        hdu.header[FORMAT_VERSION_KEY] = 1
        return fits.HDUList([hdu])
    primary = fits.PrimaryHDU(header=extra)
    primary.header[FORMAT_KEY] = kind
    primary.header[FORMAT_VERSION_KEY] = 1
    return fits.HDUList([primary, make(obj, kind, wcs, compression=settings)])


def write_image(image: Image, destination: Any, wcs: WCS | None = None, metadata: fits.Header | None = None,
                compression: Any = None, fs: Any = None) -> None:
    """Write an image (primary HDU, or an IMAGE extension when compressed)."""
    _write(_single_plane_hdus(image, "IMAGE", wcs, metadata, compression), destination, fs)


def write_mask(mask: Mask, destination: Any, metadata: fits.Header | None = None, compression: Any = None,
               fs: Any = None) -> None:
    """Write a mask with its ``MP_<NAME>`` plane cards."""
    _write(_single_plane_hdus(mask, "MASK", None, metadata, compression), destination, fs)


def _plane_hdu(reader: FitsReader, extname: str) -> HduInfo:
    info = reader.hdu(extname, required=False)
    if info is not None:
        return info
    primary = reader.hdu(0)
    assert primary is not None
    if int(primary.header.get("NAXIS", 0)) == 2:
        return primary
    raise reader.error(f"no {extname} HDU and no 2-d image in the primary HDU")


def read_image(source: Any, bbox: Box2I | None = None, dtype: Any = None, fs: Any = None) -> Image:
    """Read an image file (or the IMAGE plane of an exposure file), optionally a PARENT ``bbox``."""
    with FitsReader(source, fs=fs) as reader:
        return read_pixels(reader, _plane_hdu(reader, "IMAGE"), bbox, "image", dtype)  # type: ignore[return-value]


def read_image_wcs(source: Any, fs: Any = None) -> WCS | None:
    """The WCS of an image file's pixel HDU."""
    with FitsReader(source, fs=fs) as reader:
        return read_wcs(_plane_hdu(reader, "IMAGE"))


def read_mask(source: Any, bbox: Box2I | None = None, fs: Any = None) -> Mask:
    """Read a mask file (or the MASK plane of an exposure file); bits are conformed to the default planes."""
    with FitsReader(source, fs=fs) as reader:
        return read_pixels(reader, _plane_hdu(reader, "MASK"), bbox, "mask")  # type: ignore[return-value]


def write_camera(camera: Camera, destination: Any, fs: Any = None) -> None:
    """PRIMARY (CAMNAME, PLATESCL, RADC<i>) plus the DETECTORS and AMPLIFIERS tables."""
    primary = fits.PrimaryHDU()
    primary.header[FORMAT_KEY] = "CAMERA"
    primary.header[FORMAT_VERSION_KEY] = 1
    primary.header["CAMNAME"] = camera.getName()
    primary.header["PLATESCL"] = (camera.getPlateScale(), "arcsec per mm")
    coeffs = camera.getRadialCoeffs()
    primary.header["NRADC"] = (len(coeffs), "radial field-angle -> focal-plane coefficients")
    for i, value in enumerate(coeffs):
        primary.header[f"RADC{i}"] = value
    _write(fits.HDUList([primary, *camera_to_tables(list(camera))]), destination, fs)


def read_camera(source: Any, fs: Any = None) -> Camera:
    """Inverse of `write_camera`."""
    with FitsReader(source, fs=fs) as reader:
        header = reader.hdu(0).header
        if header.get(FORMAT_KEY) != "CAMERA":
            raise reader.error(f"not a camera file ({FORMAT_KEY} = {header.get(FORMAT_KEY)!r}, expected 'CAMERA')")
        coeffs = [float(header[f"RADC{i}"]) for i in range(int(header.get("NRADC", 0)))]
        detectors = tables_to_detectors(reader.read_table("DETECTORS"), reader.read_table("AMPLIFIERS"), reader.name)
        return Camera(str(header["CAMNAME"]), detectors, float(header.get("PLATESCL", float("nan"))), coeffs or None)
