"""Tract WCSs: one projection, pixel scale and rotation for every tract of a sky map.

Pixel coordinates follow LSST (and `pipetasks.image.wcs`): 0-based, pixel
centres at integers, so pixel ``(0, 0)`` covers ``[-0.5, 0.5)²``.
"""

from __future__ import annotations

__all__ = ["WcsFactory", "pixel_to_sky", "sky_to_pixel"]

import warnings
from typing import Any

import numpy as np
from astropy.wcs import WCS

from pipetasks.image.wcs import makeCdMatrix


class WcsFactory:
    """Make the WCS of each tract: ``projection`` about the tract centre.

    Parameters
    ----------
    pixel_scale : `float`
        Arcseconds per pixel at the reference pixel.
    projection : `str`
        FITS projection code (``TAN``, ``STG``, ...).
    rotation : `float`, optional
        Position angle of +y from north through east, degrees.

    Raises
    ------
    ValueError
        If ``projection`` is not a three-letter code or ``pixel_scale`` is
        not positive.
    """

    def __init__(self, pixel_scale: float, projection: str, rotation: float = 0.0):
        if len(projection) != 3 or not projection.isalpha():
            raise ValueError(
                f"projection={projection!r}: a FITS projection code has three letters, e.g. 'TAN'.")
        if not pixel_scale > 0:
            raise ValueError(f"pixel_scale={pixel_scale!r} arcsec/pixel must be positive.")
        self.projection = projection.upper()
        self.cd_matrix = makeCdMatrix(float(pixel_scale), float(rotation))

    def make_wcs(self, crpix: tuple[float, float], crval: tuple[float, float]) -> WCS:
        """A WCS mapping 0-based pixel ``crpix`` to ``crval`` = ``(ra, dec)`` in degrees.

        Raises
        ------
        ValueError
            If the projection code is unknown to WCSLIB.
        """
        wcs = WCS(naxis=2)
        wcs.wcs.ctype = [f"RA---{self.projection}", f"DEC--{self.projection}"]
        wcs.wcs.crpix = [float(crpix[0]) + 1.0, float(crpix[1]) + 1.0]
        wcs.wcs.crval = [float(crval[0]), float(crval[1])]
        wcs.wcs.cd = self.cd_matrix
        wcs.wcs.radesys = "ICRS"
        try:
            wcs.wcs.set()
        except ValueError as err:  # WCSLIB's WcsError subclasses
            raise ValueError(f"projection {self.projection!r} is not a FITS projection code WCSLIB knows: "
                             f"{err}") from None
        return wcs


def sky_to_pixel(wcs: WCS, ra: Any, dec: Any) -> tuple[np.ndarray, np.ndarray]:
    """0-based pixel positions of sky positions in degrees; NaN where the projection has none."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore")
        x, y = wcs.wcs_world2pix(np.atleast_1d(ra), np.atleast_1d(dec), 0)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def pixel_to_sky(wcs: WCS, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Right ascensions in ``[0, 360)`` and declinations, degrees, of 0-based pixel positions."""
    ra, dec = wcs.wcs_pix2world(np.atleast_1d(x), np.atleast_1d(y), 0)
    return np.asarray(ra, dtype=float) % 360.0, np.asarray(dec, dtype=float)

