"""Writing simulated raws as CFHT does: a multi-extension FITS file, one ``ccdNN`` HDU per CCD.

Compressed files (``.fits.fz``) hold RICE-compressed image HDUs tiled one row at a time
(``ZTILE1 = 2112, ZTILE2 = 1``), like MegaPrime's archive files. Files are written under a
temporary name and renamed, so a reader never sees a half-written raw.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import Table

__all__ = ["raw_filename", "truth_filename", "write_mef", "write_truth"]


def raw_filename(exposure_id: int, compress: bool) -> str:
    """``<exposure_id>o.fits.fz`` (compressed) or ``<exposure_id>o.fits``."""
    return f"{exposure_id}o.fits.fz" if compress else f"{exposure_id}o.fits"


def truth_filename(exposure_id: int) -> str:
    """``<exposure_id>o_truth.ecsv``."""
    return f"{exposure_id}o_truth.ecsv"


def _image_hdu(pixels: np.ndarray, header: fits.Header, compress: bool) -> fits.ImageHDU | fits.CompImageHDU:
    if compress:
        return fits.CompImageHDU(pixels, header=header, compression_type="RICE_1", tile_shape=(1, pixels.shape[1]))
    return fits.ImageHDU(pixels, header=header)


def write_mef(
    path: Path, primary: fits.Header, extensions: Iterable[tuple[np.ndarray, fits.Header]], compress: bool
) -> None:
    """Write a primary HDU and one image extension per ``(uint16 pixels, header)``, atomically.

    Extensions are produced and appended one at a time, so a full mosaic never sits in memory.
    """
    temporary = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        fits.PrimaryHDU(header=primary).writeto(temporary, overwrite=True)
        for pixels, header in extensions:
            with fits.open(temporary, mode="append") as hdus:
                hdus.append(_image_hdu(pixels, header, compress))
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def write_truth(path: Path, table: Table) -> None:
    """Write the truth catalog as ECSV (atomically)."""
    temporary = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        table.write(temporary, format="ascii.ecsv", overwrite=True)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
