"""FITS headers of simulated raws, built from a real MegaPrime raw extension header.

The template (``headers/megaprime_raw_1038843o_ccd02.header.txt``, exposure 1038843 of 2008)
gives the keyword set, order and comments. Its structural cards (compression, BZERO...) are
dropped because astropy writes them; cards describing that night's guiding, TCS state and Moon
are dropped because nothing here would make them true; every exposure- and CCD-level keyword
the ingest and ISR read is set for the simulated exposure.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.time import Time, TimeDelta

from ..image.camera import Camera
from ..image.detector import Detector
from ..instruments.focal_plane import Pointing, detector_wcs
from ..instruments.resources import megacam_file
from .config import SimulatorConfig
from .electronics import ADC_MAX
from .observatory import camera_run_id, format_degrees, format_hours, hst_string, local_sidereal_time, utc_date_and_time
from .spec import ExposureSpec

__all__ = ["header_template", "exposure_cards", "primary_header", "detector_header", "RAW_PIXEL_OFFSET"]

RAW_PIXEL_OFFSET = (32.0, 0.0)
"""Raw (x, y) = trimmed (x, y) + this offset, for both amplifiers of every MegaPrime CCD."""

TEMPLATE = "headers/megaprime_raw_1038843o_ccd02.header.txt"

_STRUCTURAL = {
    "XTENSION", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "PCOUNT", "GCOUNT", "TFIELDS", "TTYPE1", "TFORM1",
    "ZIMAGE", "ZBITPIX", "ZNAXIS", "ZNAXIS1", "ZNAXIS2", "ZTILE1", "ZTILE2", "ZCMPTYPE", "ZNAME1", "ZVAL1",
    "BZERO", "BSCALE", "COMMENT",
}
_STALE_PREFIXES = ("GUI", "TCS", "MOON")
_STALE = {"NGUIDER", "NGUISTAR", "XPROBE", "YPROBE", "ZPROBE", "SKYFLUX", "CMMTOBS", "CMMTSEQ", "CCDNICK"}

_DETECTOR_KEYS = {
    "EXTNAME", "EXTVER", "AMPNAME", "AMPLIST", "CCDSIZE", "DETSEC", "DETSECA", "DETSECB", "DATASEC",
    "ASECA", "DSECA", "TSECA", "BSECA", "CSECA", "ASECB", "DSECB", "TSECB", "BSECB", "CSECB", "CCD",
    "CCDNAME", "MAXLIN", "MAXLINA", "MAXLINB", "SATURATE", "GAIN", "GAINA", "GAINB", "RDNOISE",
    "RDNOISEA", "RDNOISEB", "DARKCUR", "QEPOINTS", "CONSWV", "DETSTAT", "DETTEM", "INHERIT", "BIASSEC",
    "CRPIX1", "CRPIX2", "CRVAL1", "CRVAL2", "CTYPE1", "CTYPE2", "CD1_1", "CD1_2", "CD2_1", "CD2_2",
}

# Mosaic (DETSEC) pixel = focal-plane mm / pixel size + these origins; reproduces the real
# headers' DETSEC of ccd02 and ccd14 exactly.
_MOSAIC_ORIGIN = (11610.5, 9678.0)


@functools.cache
def header_template() -> fits.Header:
    """The real raw extension header with structural and stale observation cards removed (a copy each call is yours)."""
    raw = fits.Header.fromtextfile(str(megacam_file(TEMPLATE)))
    header = fits.Header()
    for card in raw.cards:
        key = card.keyword
        if key in _STRUCTURAL or key in _STALE or key.startswith(_STALE_PREFIXES):
            continue
        header.append(card, end=True)
    # RADESYS is the FITS name wcslib reads without a deprecation warning; the value is set per exposure.
    header.rename_keyword("RADECSYS", "RADESYS")
    return header


def _set(header: fits.Header, key: str, value: Any, comment: str | None = None) -> None:
    if key in header:
        header[key] = value if comment is None else (value, comment)
    else:
        header[key] = (value, comment or "")


def exposure_cards(spec: ExposureSpec, weather: dict[str, float]) -> list[tuple[str, Any, str | None]]:
    """The exposure-level keywords (primary and every extension), as ``(key, value, comment)``.

    ``weather`` holds ``temperature`` (C), ``pressure`` (mbar) and ``humidity`` (%).
    """
    ra, dec = spec.boresight
    alt, az = spec.alt_az
    date_obs, utc_obs = utc_date_and_time(spec.date_begin)
    end = spec.date_end
    date_end, utc_end = utc_date_and_time(end)
    written = end + TimeDelta(40.0, format="sec")  # readout and file write
    lst_begin = local_sidereal_time(spec.date_begin)
    lst_end = local_sidereal_time(end)
    filt = spec.filter
    cards: list[tuple[str, Any, str | None]] = [
        ("OBJECT", spec.object_name, None),
        ("RUNID", spec.runid, None),
        ("FILENAME", f"{spec.exposure_id}o", None),
        ("PATHNAME", f"/data/simulated/megacam/{spec.runid or 'sim'}", None),
        ("DATE", Time(written.utc, precision=0).isot, None),
        ("HSTTIME", hst_string(written), None),
        ("OBSTYPE", spec.obstype, None),
        ("EXPTYPE", spec.obstype, None),
        ("EXPNUM", spec.exposure_id, None),
        ("OBSID", spec.exposure_id, None),
        ("EXPTIME", float(spec.exptime), None),
        ("EXPREQ", float(spec.exptime), None),
        ("EXPMEAS", float(spec.exptime), None),
        ("DARKTIME", spec.dark_time, None),
        ("FILTER", spec.physical_filter, None),
        ("FILTERID", filt.filter_id, None),
        ("REL_DATE", Time(spec.date_begin.utc + TimeDelta(365.25, format="jd"), precision=0).isot, None),
        ("DATE-OBS", date_obs, None),
        ("UTIME", utc_obs, None),
        ("UTC-OBS", utc_obs, None),
        ("MJDATE", round(float(spec.date_begin.utc.mjd), 7), None),
        ("MJD-OBS", round(float(spec.date_begin.utc.mjd), 7), None),
        ("SIDTIME", format_hours(lst_begin), None),
        ("LST-OBS", format_hours(lst_begin), None),
        ("DATEEND", date_end, None),
        ("UTCEND", utc_end, None),
        ("MJDEND", round(float(end.utc.mjd), 7), None),
        ("LSTEND", format_hours(lst_end), None),
        ("RADESYS", "ICRS", "Coordinate system of RA/DEC and the WCS"),
        ("RA", format_hours(ra), None),
        ("DEC", format_degrees(dec), None),
        ("HA", format_hours(((lst_begin - ra + 180.0) % 360.0) - 180.0), None),
        ("HAEND", format_hours(((lst_end - ra + 180.0) % 360.0) - 180.0), None),
        ("RA_DEG", round(ra, 6), None),
        ("DEC_DEG", round(dec, 6), None),
        ("OBJNAME", spec.object_name, None),
        ("OBJRADEC", "ICRS", None),
        ("OBJRA", format_hours(ra), None),
        ("OBJDEC", format_degrees(dec), None),
        ("AIRMASS", round(spec.effective_airmass, 4), None),
        ("TELALT", round(alt, 2), None),
        ("TELAZ", round(az, 2), None),
        ("DOMEAZ", round(az, 1), None),
        ("BONANGLE", float(spec.rotation), None),
        ("ROTANGLE", float(spec.rotation), None),
        ("TEMPERAT", weather["temperature"], None),
        ("PRESSURE", weather["pressure"], None),
        ("RELHUMID", weather["humidity"], None),
        ("CRUNID", camera_run_id(spec.date_begin), None),
        ("SIMULATE", True, "simulated content (pipetasks.sim)"),
    ]
    return cards


def primary_header(exposure: list[tuple[str, Any, str | None]], n_extensions: int) -> fits.Header:
    """The primary HDU header: the template's exposure-level cards updated, plus NEXTEND."""
    header = fits.Header()
    for card in header_template().cards:
        if card.keyword not in _DETECTOR_KEYS:
            header.append(card, end=True)
    for key, value, comment in exposure:
        _set(header, key, value, comment)
    header.insert(0, ("NEXTEND", n_extensions, "Number of extensions"))
    return header


def _section(x0: int, x1: int, y0: int, y1: int) -> str:
    return f"[{x0}:{x1},{y0}:{y1}]"


def _mosaic_pixel(detector: Detector, x: float, y: float) -> tuple[int, int]:
    """1-based pixel of the MegaPrime mosaic frame (DETSIZE) holding trimmed pixel ``(x, y)``."""
    fx, fy = detector.getOrientation().pixelToFocalPlane(x, y, detector.getPixelSize())
    size = detector.getPixelSize()
    return (int(math.floor(float(fx) / size.x + _MOSAIC_ORIGIN[0] + 0.5)),
            int(math.floor(float(fy) / size.y + _MOSAIC_ORIGIN[1] + 0.5)))


def _detsec(detector: Detector, x_first: int, x_last: int) -> str:
    """DETSEC-style section (1-based mosaic pixels) of trimmed columns ``x_first..x_last``, all rows."""
    bbox = detector.getBBox()
    x0, y0 = _mosaic_pixel(detector, x_first, bbox.getMinY())
    x1, y1 = _mosaic_pixel(detector, x_last, bbox.getMaxY())
    return _section(x0, x1, y0, y1)


def detector_header(
    exposure: list[tuple[str, Any, str | None]],
    camera: Camera,
    detector: Detector,
    pointing: Pointing,
    config: SimulatorConfig,
) -> fits.Header:
    """One ``ccdNN`` extension header: template + exposure cards + this CCD's cards and WCS."""
    header = header_template().copy()
    for key, value, comment in exposure:
        _set(header, key, value, comment)
    det_id = detector.getId()
    amp_a, amp_b = detector[0], detector[1]
    bbox = detector.getBBox()
    header["EXTNAME"] = f"ccd{det_id:02d}"
    header["EXTVER"] = det_id
    header["CCDNAME"] = detector.getSerial()
    header["AMPNAME"] = f"{det_id:02d}a + {det_id:02d}b"
    header["DETSEC"] = _detsec(detector, bbox.getMinX(), bbox.getMaxX())
    a_box, b_box = amp_a.getBBox(), amp_b.getBBox()
    header["DETSECA"] = _detsec(detector, a_box.getMinX(), a_box.getMaxX())
    # As in the real headers, B's section is written in the order of the B readout.
    header["DETSECB"] = _detsec(detector, b_box.getMaxX(), b_box.getMinX())
    gains = (float(amp_a.getGain()), float(amp_b.getGain()))
    noises = (float(amp_a.getReadNoise()), float(amp_b.getReadNoise()))
    header["GAINA"], header["GAINB"] = gains
    header["GAIN"] = round(sum(gains) / 2, 4)
    header["RDNOISEA"], header["RDNOISEB"] = noises
    header["RDNOISE"] = round(sum(noises) / 2, 3)
    saturation = int(min(amp_a.getSaturation(), amp_b.getSaturation(), ADC_MAX))
    header["SATURATE"] = saturation
    header["MAXLIN"] = header["MAXLINA"] = header["MAXLINB"] = saturation
    header["DARKCUR"] = config.dark_current
    wcs = detector_wcs(camera, detector, pointing, pixel_offset=RAW_PIXEL_OFFSET)
    header["CTYPE1"], header["CTYPE2"] = wcs.wcs.ctype
    header["CRVAL1"], header["CRVAL2"] = (float(v) for v in wcs.wcs.crval)
    header["CRPIX1"], header["CRPIX2"] = (float(v) for v in wcs.wcs.crpix)
    cd = np.asarray(wcs.wcs.cd, dtype=float)
    header["CD1_1"], header["CD1_2"], header["CD2_1"], header["CD2_2"] = (float(v) for v in cd.ravel())
    return header
