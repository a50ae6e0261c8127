"""World coordinates: `astropy.wcs.WCS` is the WCS type; these helpers give it LSST's conventions.

An in-memory WCS maps PARENT pixel coordinates (0-based, pixel centres at integers, ``xy0``
included) to the sky, so ``wcs.pixel_to_world(x, y)`` takes the same ``(x, y)`` as catalogs and
``Box2I``. On disk an image HDU starts at FITS pixel 1 for its first array pixel, so
`wcs_to_header` shifts ``CRPIX`` by ``-xy0`` and records ``xy0`` (``LTV1/LTV2`` and the ``A``
alternate WCS, as LSST does); `wcs_from_header` undoes it.
"""

from __future__ import annotations

import math
from typing import Any

import astropy.units as u
import numpy as np
from astropy.coordinates import Angle, SkyCoord
from astropy.io import fits
from astropy.wcs import WCS

from .archive import register_codec
from .geometry import Point2D, Point2I

__all__ = [
    "SkyWcs",
    "makeSkyWcs",
    "makeCdMatrix",
    "pixelToSky",
    "skyToPixel",
    "getPixelScale",
    "wcs_to_header",
    "wcs_from_header",
    "xy0_from_header",
    "wcs_equal",
]

SkyWcs = WCS
"""LSST's name for the WCS type; it is `astropy.wcs.WCS` here."""


def makeCdMatrix(scale: Angle | u.Quantity | float, orientation: Any = 0.0, flipX: bool = False) -> np.ndarray:
    """CD matrix (degrees/pixel) for a pixel scale and the position angle of +y from North through East.

    Parameters
    ----------
    scale : `Angle`, `Quantity` or `float`
        Pixel scale (a bare float is arcsec/pixel).
    orientation : `Angle` or `float`
        Degrees; 0 puts North along +y.
    flipX : `bool`
        If true East is along +x (not the usual sky-on-the-sky parity with East along -x).
    """
    s = scale.to_value(u.deg) if hasattr(scale, "to_value") else float(scale) / 3600.0
    theta = math.radians(orientation.to_value(u.deg) if hasattr(orientation, "to_value") else float(orientation))
    xsign = 1.0 if flipX else -1.0  # +x points West (East to the left) unless flipped
    c, si = math.cos(theta), math.sin(theta)
    return s * np.array([[xsign * c, si], [-xsign * si, c]])


def makeSkyWcs(
    crpix: Point2D | tuple[float, float],
    crval: SkyCoord,
    cdMatrix: Any,
    projection: str = "TAN",
) -> WCS:
    """A celestial WCS whose reference pixel ``crpix`` (PARENT, 0-based) maps to ``crval``."""
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = [f"RA---{projection}", f"DEC--{projection}"]
    wcs.wcs.crpix = [float(crpix[0]) + 1.0, float(crpix[1]) + 1.0]
    icrs = crval.icrs
    wcs.wcs.crval = [float(icrs.ra.deg), float(icrs.dec.deg)]
    wcs.wcs.cd = np.asarray(cdMatrix, dtype=float)
    wcs.wcs.radesys = "ICRS"
    wcs.wcs.set()
    return wcs


def pixelToSky(wcs: WCS, x: Any, y: Any = None) -> SkyCoord:
    """Sky position(s) of PARENT pixel position(s) (a point, or x and y scalars/arrays)."""
    if y is None:
        x, y = x[0], x[1]
    return wcs.pixel_to_world(x, y)


def skyToPixel(wcs: WCS, coord: SkyCoord) -> Any:
    """PARENT pixel position of a sky coordinate: a `Point2D`, or ``(x, y)`` arrays for many."""
    x, y = wcs.world_to_pixel(coord)
    if np.ndim(x) == 0:
        return Point2D(float(x), float(y))
    return np.asarray(x), np.asarray(y)


def getPixelScale(wcs: WCS, position: Point2D | None = None) -> Angle:
    """Square root of the pixel area on the sky at ``position`` (the WCS reference pixel by default)."""
    if position is None:
        position = Point2D(wcs.wcs.crpix[0] - 1.0, wcs.wcs.crpix[1] - 1.0)
    x, y = position[0], position[1]
    centre = wcs.pixel_to_world(x, y)
    dx = wcs.pixel_to_world(x + 0.5, y).separation(wcs.pixel_to_world(x - 0.5, y))
    dy = wcs.pixel_to_world(x, y + 0.5).separation(wcs.pixel_to_world(x, y - 0.5))
    pa_x = centre.position_angle(wcs.pixel_to_world(x + 0.5, y))
    pa_y = centre.position_angle(wcs.pixel_to_world(x, y + 0.5))
    area = dx.to_value(u.arcsec) * dy.to_value(u.arcsec) * abs(math.sin((pa_y - pa_x).to_value(u.rad)))
    return Angle(math.sqrt(area), u.arcsec)


def wcs_to_header(wcs: WCS, xy0: Point2I | tuple[int, int] = (0, 0)) -> fits.Header:
    """FITS cards of ``wcs`` for an HDU whose first pixel is PARENT ``xy0``."""
    shifted = wcs.deepcopy()
    shifted.wcs.crpix = [wcs.wcs.crpix[0] - xy0[0], wcs.wcs.crpix[1] - xy0[1]]
    if shifted.sip is not None:
        shifted.sip = type(shifted.sip)(
            shifted.sip.a, shifted.sip.b, shifted.sip.ap, shifted.sip.bp, list(shifted.wcs.crpix)
        )
    header = shifted.to_header(relax=True)
    header.extend(xy0_cards(xy0), update=True)
    return header


def xy0_cards(xy0: Point2I | tuple[int, int]) -> fits.Header:
    """Cards recording ``xy0``: IRAF ``LTV1/LTV2`` and LSST's ``A`` (PIXEL0) alternate WCS."""
    header = fits.Header()
    header["LTV1"] = (-int(xy0[0]), "minus the PARENT x of the first pixel")
    header["LTV2"] = (-int(xy0[1]), "minus the PARENT y of the first pixel")
    header["CRPIX1A"] = 1.0
    header["CRPIX2A"] = 1.0
    header["CRVAL1A"] = (int(xy0[0]), "PARENT x of the first pixel")
    header["CRVAL2A"] = (int(xy0[1]), "PARENT y of the first pixel")
    header["CTYPE1A"] = "LINEAR"
    header["CTYPE2A"] = "LINEAR"
    header["CUNIT1A"] = "PIXEL"
    header["CUNIT2A"] = "PIXEL"
    header["WCSNAMEA"] = "PIXEL0"
    return header


def xy0_from_header(header: fits.Header) -> Point2I:
    """``xy0`` recorded by `xy0_cards` (``CRVAL1A``/``CRVAL2A``, else ``-LTV1``/``-LTV2``, else 0)."""
    if header.get("WCSNAMEA") == "PIXEL0" or "CRVAL1A" in header:
        return Point2I(int(round(header.get("CRVAL1A", 0))), int(round(header.get("CRVAL2A", 0))))
    return Point2I(-int(round(header.get("LTV1", 0))), -int(round(header.get("LTV2", 0))))


def wcs_from_header(header: fits.Header, xy0: Point2I | None = None) -> WCS | None:
    """The celestial WCS of an HDU header in PARENT coordinates, or `None` if it has none."""
    ctype = str(header.get("CTYPE1", ""))
    if not (ctype.startswith("RA") or ctype.startswith("GLON") or ctype.startswith("ELON")):
        return None
    if xy0 is None:
        xy0 = xy0_from_header(header)
    import warnings

    from astropy.wcs import FITSFixedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FITSFixedWarning)
        wcs = WCS(header, naxis=2, relax=True)
    if xy0[0] or xy0[1]:
        wcs.wcs.crpix = [wcs.wcs.crpix[0] + xy0[0], wcs.wcs.crpix[1] + xy0[1]]
        if wcs.sip is not None:
            wcs.sip = type(wcs.sip)(wcs.sip.a, wcs.sip.b, wcs.sip.ap, wcs.sip.bp, list(wcs.wcs.crpix))
    return wcs


def wcs_equal(a: WCS | None, b: WCS | None, rtol: float = 1e-12) -> bool:
    """Whether two WCSs have the same cards (numbers to ``rtol``)."""
    if a is None or b is None:
        return a is b
    ha, hb = a.to_header(relax=True), b.to_header(relax=True)
    keys = {k for k in ha if k not in ("DATE-OBS", "MJD-OBS", "COMMENT", "HISTORY")}
    if keys != {k for k in hb if k not in ("DATE-OBS", "MJD-OBS", "COMMENT", "HISTORY")}:
        return False
    for key in keys:
        va, vb = ha[key], hb[key]
        if isinstance(va, float) or isinstance(vb, float):
            if not math.isclose(float(va), float(vb), rel_tol=rtol, abs_tol=1e-14):
                return False
        elif va != vb:
            return False
    return True


def _wcs_to_dict(wcs: WCS) -> dict[str, Any]:
    return {"header": wcs.to_header(relax=True).tostring(sep="\n")}


def _wcs_from_dict(data: dict[str, Any]) -> WCS:
    wcs = wcs_from_header(fits.Header.fromstring(data["header"], sep="\n"), Point2I(0, 0))
    if wcs is None:
        raise ValueError("archived WCS header has no celestial axes")
    return wcs


register_codec(WCS, _wcs_to_dict, _wcs_from_dict, name="SkyWcs")
