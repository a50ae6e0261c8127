"""`BackgroundList` files: one FITS binary table of bins per background (``docs/file_formats_catalogs.md``).

Primary header: ``BGCLASS = 'BackgroundList'``, ``BGVERS`` (layout version), ``BGCOUNT`` (items).
Then, per item, a ``BACKGROUND`` HDU (``EXTVER`` = 1, 2, ...) with one row per bin, ``iy`` outer::

    ix, iy            bin index (int32)
    x_begin, x_end    pixel range of the bin in x, relative to the image bbox, end exclusive (int32)
    y_begin, y_end    the same in y
    x_center, y_center  bin centre, pixels relative to the bbox origin (float64)
    value             the bin statistic (float64; NaN for an empty bin)
    variance          variance of the bin's pixels (float64)
    npix              pixels used (int64)

and header cards ``BBOX_X0``, ``BBOX_Y0``, ``BBOX_W``, ``BBOX_H`` (image bbox), ``NXBINS``, ``NYBINS``,
``STATISTC``, ``INTERP``, ``UNDERSMP``, ``APPROX``, ``APPRORDX``, ``APPRORDY``, ``APPRWGHT``.
"""

from __future__ import annotations

__all__ = ["background_to_hdulist", "read_background_fits", "write_background_fits"]

import io
import os
import warnings
from typing import Any

import numpy as np
from astropy.io import fits

from ..errors import ImageFormatError
from ..geometry import Box2I, Extent2I, Point2I
from .background_list import BackgroundList, BackgroundListItem
from .model import BackgroundMI

FORMAT_VERSION = 1
_SETTINGS = ("STATISTC", "INTERP", "UNDERSMP", "APPROX", "APPRORDX", "APPRORDY", "APPRWGHT")
_GEOMETRY = ("BBOX_X0", "BBOX_Y0", "BBOX_W", "BBOX_H", "NXBINS", "NYBINS")


def _item_hdu(item: BackgroundListItem, number: int) -> fits.BinTableHDU:
    bg = item.background
    ny, nx = bg.shape
    x_edges, y_edges = bg.binEdges()
    x_centers, y_centers = bg.binCenters()
    iy, ix = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    ix, iy = ix.ravel(), iy.ravel()
    hdu = fits.BinTableHDU.from_columns(
        [
            fits.Column("ix", "J", array=ix),
            fits.Column("iy", "J", array=iy),
            fits.Column("x_begin", "J", unit="pix", array=x_edges[:-1][ix]),
            fits.Column("x_end", "J", unit="pix", array=x_edges[1:][ix]),
            fits.Column("y_begin", "J", unit="pix", array=y_edges[:-1][iy]),
            fits.Column("y_end", "J", unit="pix", array=y_edges[1:][iy]),
            fits.Column("x_center", "D", unit="pix", array=x_centers[ix]),
            fits.Column("y_center", "D", unit="pix", array=y_centers[iy]),
            fits.Column("value", "D", array=bg.getStatsValues().ravel()),
            fits.Column("variance", "D", array=bg.getStatsVariances().ravel()),
            fits.Column("npix", "K", array=bg.getStatsNpix().ravel()),
        ],
        name="BACKGROUND",
    )
    header = hdu.header
    header["EXTVER"] = number
    box = bg.getImageBBox()
    header["BBOX_X0"] = (box.getMinX(), "image bbox minimum x")
    header["BBOX_Y0"] = (box.getMinY(), "image bbox minimum y")
    header["BBOX_W"] = (box.getWidth(), "image bbox width")
    header["BBOX_H"] = (box.getHeight(), "image bbox height")
    header["NXBINS"] = (nx, "bins in x")
    header["NYBINS"] = (ny, "bins in y")
    header["STATISTC"] = (bg.statistic.value, "bin statistic")
    header["INTERP"] = (item.interpStyle.value, "interpolation style")
    header["UNDERSMP"] = (item.undersampleStyle.value, "undersample style")
    header["APPROX"] = (item.approxStyle.value, "approximation style")
    header["APPRORDX"] = (item.approxOrderX, "approximation order in x")
    header["APPRORDY"] = (item.approxOrderY, "approximation order in y")
    header["APPRWGHT"] = (item.approxWeighting, "weight the approximation by npix/variance")
    return hdu


def background_to_hdulist(backgrounds: BackgroundList) -> fits.HDUList:
    """Return the FITS HDUs of a `BackgroundList`."""
    primary = fits.PrimaryHDU()
    primary.header["BGCLASS"] = ("BackgroundList", "skybutler background list")
    primary.header["BGVERS"] = (FORMAT_VERSION, "background FITS layout version")
    primary.header["BGCOUNT"] = (len(backgrounds), "number of BACKGROUND HDUs")
    return fits.HDUList([primary, *(_item_hdu(item, n) for n, item in enumerate(backgrounds, start=1))])


def write_background_fits(backgrounds: BackgroundList, destination: Any) -> None:
    """Write a `BackgroundList` to a path or binary stream."""
    hdus = background_to_hdulist(backgrounds)
    if isinstance(destination, (str, os.PathLike)):
        hdus.writeto(destination, overwrite=True)
    else:
        hdus.writeto(destination)


def read_background_fits(source: Any, *, name: str | None = None) -> BackgroundList:
    """Read a `BackgroundList` from a path, bytes or a binary stream.

    Raises
    ------
    ImageFormatError
        Raised if the file is not a background file, is truncated or inconsistent.
    """
    if name is None:
        name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else "<stream>"
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hdus = fits.open(source, memmap=False, lazy_load_hdus=True)
    except FileNotFoundError:
        raise
    except Exception as exc:
        raise ImageFormatError(name, f"not a FITS file ({exc})") from None
    with hdus:
        header = hdus[0].header
        if header.get("BGCLASS") != "BackgroundList":
            raise ImageFormatError(
                name, f"primary header BGCLASS is {header.get('BGCLASS')!r}, not 'BackgroundList'"
            )
        if header.get("BGVERS") != FORMAT_VERSION:
            raise ImageFormatError(
                name, f"background format version {header.get('BGVERS')!r} is not {FORMAT_VERSION}"
            )
        count = int(header.get("BGCOUNT", -1))
        result = BackgroundList()
        for number in range(1, count + 1):
            result.append(_read_item(hdus, number, name))
    return result


def _read_item(hdus: fits.HDUList, number: int, name: str) -> BackgroundListItem:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hdu = hdus["BACKGROUND", number]
            data = hdu.data
    except (KeyError, IndexError):
        raise ImageFormatError(name, f"BACKGROUND HDU {number} is missing (the file is truncated)") from None
    except Exception as exc:
        raise ImageFormatError(
            name, f"BACKGROUND HDU {number} cannot be read ({exc}); the file is truncated"
        ) from None
    header = hdu.header
    missing = [key for key in (*_GEOMETRY, *_SETTINGS) if key not in header]
    if missing:
        raise ImageFormatError(name, f"BACKGROUND HDU {number} lacks header cards {missing}")
    nx, ny = int(header["NXBINS"]), int(header["NYBINS"])
    rows = 0 if data is None else len(data)
    if rows != nx * ny or rows != header.get("NAXIS2"):
        raise ImageFormatError(
            name, f"BACKGROUND HDU {number} has {rows} bins, expected {nx} x {ny} = {nx * ny}"
        )
    bbox = Box2I(
        Point2I(int(header["BBOX_X0"]), int(header["BBOX_Y0"])),
        Extent2I(int(header["BBOX_W"]), int(header["BBOX_H"])),
    )
    grid = np.zeros((ny, nx), dtype=bool)
    iy, ix = np.asarray(data["iy"]), np.asarray(data["ix"])
    if ix.min(initial=0) < 0 or iy.min(initial=0) < 0 or ix.max(initial=0) >= nx or iy.max(initial=0) >= ny:
        raise ImageFormatError(name, f"BACKGROUND HDU {number} has a bin index outside {nx} x {ny}")
    grid[iy, ix] = True
    if not grid.all():
        raise ImageFormatError(name, f"BACKGROUND HDU {number} does not list every bin once")
    values, variances, npix = (np.zeros((ny, nx), dt) for dt in (np.float64, np.float64, np.int64))
    values[iy, ix] = data["value"]
    variances[iy, ix] = data["variance"]
    npix[iy, ix] = data["npix"]
    try:
        background = BackgroundMI(
            bbox,
            values,
            variances,
            npix,
            statistic=header["STATISTC"],
            interpStyle=header["INTERP"],
            undersampleStyle=header["UNDERSMP"],
            approxStyle=header["APPROX"],
            approxOrderX=int(header["APPRORDX"]),
            approxOrderY=int(header["APPRORDY"]),
            approxWeighting=bool(header["APPRWGHT"]),
        )
    except ValueError as exc:
        raise ImageFormatError(name, f"BACKGROUND HDU {number} has invalid settings ({exc})") from None
    return BackgroundListItem(
        background,
        background.interpStyle,
        background.undersampleStyle,
        background.approxStyle,
        background.approxOrderX,
        background.approxOrderY,
        background.approxWeighting,
    )
