"""Opening catalog FITS files and reading their tables with typed errors for damaged files."""

from __future__ import annotations

__all__ = ["extension", "open_fits", "source_name", "table_data"]

import io
import os
import warnings
from typing import Any

from astropy.io import fits

from ..errors import ImageFormatError


def source_name(source: Any, name: str | None) -> str:
    if name is not None:
        return name
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return getattr(source, "name", "<stream>")


def open_fits(source: Any, name: str) -> fits.HDUList:
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fits.open(source, memmap=False, lazy_load_hdus=True)
    except FileNotFoundError:
        raise
    except Exception as exc:
        raise ImageFormatError(name, f"not a FITS file ({exc})") from None


def extension(hdus: fits.HDUList, extname: str, name: str) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return hdus[extname]
    except (KeyError, IndexError):
        raise ImageFormatError(
            name, f"HDU {extname!r} is missing (the file is truncated or was not written as a catalog)"
        ) from None
    except Exception as exc:
        raise ImageFormatError(
            name, f"HDU {extname!r} cannot be read ({exc}); the file may be truncated"
        ) from None


def table_data(hdu: Any, extname: str, name: str) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = hdu.data
    except Exception as exc:
        raise ImageFormatError(
            name, f"the data of HDU {extname!r} cannot be read ({exc}); the file is truncated"
        ) from None
    expected = hdu.header.get("NAXIS2", 0)
    rows = 0 if data is None else len(data)
    if rows != expected:
        raise ImageFormatError(
            name, f"HDU {extname!r} has {rows} rows but its header says {expected}; the file is truncated"
        )
    return data
