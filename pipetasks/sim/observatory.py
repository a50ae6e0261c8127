"""Where and when: the CFHT site, sidereal time, altitude/azimuth, airmass and header time strings.

Everything is computed with closed formulas (mean sidereal time from UTC, no polar motion,
precession or refraction) so no IERS table is needed; the result is good to a few tenths of a
degree, ample for header values and the airmass of a simulated exposure.
"""

from __future__ import annotations

import datetime
import math

from astropy.time import Time

__all__ = [
    "CFHT_LATITUDE",
    "CFHT_LONGITUDE",
    "CFHT_HEIGHT",
    "local_sidereal_time",
    "alt_az",
    "airmass_from_altitude",
    "zenith_radec",
    "format_hours",
    "format_degrees",
    "utc_date_and_time",
    "hst_string",
    "camera_run_id",
]

CFHT_LATITUDE = 19.825252  # degrees north (the LATITUDE card of real MegaPrime headers)
CFHT_LONGITUDE = -155.468876  # degrees east (LONGITUD)
CFHT_HEIGHT = 4204.0  # metres


def local_sidereal_time(time: Time, longitude: float = CFHT_LONGITUDE) -> float:
    """Local mean sidereal time in degrees [0, 360) at ``time`` (UT1 taken equal to UTC)."""
    utc = time.utc
    days = (utc.jd1 - 2451545.0) + utc.jd2
    return float((280.46061837 + 360.98564736629 * days + longitude) % 360.0)


def alt_az(ra: float, dec: float, time: Time, latitude: float = CFHT_LATITUDE) -> tuple[float, float]:
    """Altitude and azimuth (degrees; azimuth from North through East) of ``(ra, dec)`` at ``time``."""
    hour_angle = math.radians(local_sidereal_time(time) - ra)
    phi, delta = math.radians(latitude), math.radians(dec)
    sin_alt = math.sin(phi) * math.sin(delta) + math.cos(phi) * math.cos(delta) * math.cos(hour_angle)
    alt = math.asin(max(-1.0, min(1.0, sin_alt)))
    az = math.atan2(
        -math.cos(delta) * math.sin(hour_angle),
        math.sin(delta) * math.cos(phi) - math.cos(delta) * math.sin(phi) * math.cos(hour_angle),
    )
    return math.degrees(alt), math.degrees(az) % 360.0


def airmass_from_altitude(altitude: float) -> float:
    """Relative air mass at ``altitude`` degrees (Kasten & Young 1989); the horizon value below 0."""
    alt = max(altitude, 0.0)
    return 1.0 / (math.sin(math.radians(alt)) + 0.50572 * (alt + 6.07995) ** -1.6364)


def zenith_radec(time: Time, latitude: float = CFHT_LATITUDE) -> tuple[float, float]:
    """The RA and Dec (degrees) at the zenith at ``time``: where calibration frames 'point'."""
    return local_sidereal_time(time), latitude


def _sexagesimal(value: float, decimals: int) -> str:
    sign = "-" if value < 0 else ""
    scale = 10**decimals
    total = round(abs(value) * 3600.0 * scale)
    whole, fraction = divmod(total, scale)
    hours, rest = divmod(whole, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}{hours}:{minutes:02d}:{seconds:02d}"
    return f"{text}.{fraction:0{decimals}d}" if decimals else text


def format_hours(degrees: float, decimals: int = 2) -> str:
    """``degrees`` of right ascension or hour angle as CFHT writes it: ``'9:01:38.26'``."""
    return _sexagesimal(degrees / 15.0, decimals)


def format_degrees(degrees: float, decimals: int = 1) -> str:
    """A declination as CFHT writes it: ``'-2:24:00.0'`` (no sign when positive)."""
    return _sexagesimal(degrees, decimals)


def utc_date_and_time(time: Time) -> tuple[str, str]:
    """``('YYYY-MM-DD', 'hh:mm:ss.ss')`` of ``time`` in UTC (the DATE-OBS / UTC-OBS pair)."""
    stamp = Time(time.utc, precision=2).isot
    date, clock = stamp.split("T")
    return date, clock


def hst_string(time: Time) -> str:
    """The HSTTIME card: Hawaii local time, e.g. ``'Sat Nov 01 04:43:53 HST 2008'``."""
    local = time.utc.to_datetime() - datetime.timedelta(hours=10)
    return local.strftime("%a %b %d %H:%M:%S HST %Y")


def camera_run_id(time: Time) -> str:
    """A CFHT camera run id (CRUNID) for ``time``: semester A is February-July, B August-January."""
    moment = time.utc.to_datetime()
    year, month = moment.year, moment.month
    if month == 1:
        year -= 1
    semester = "A" if 2 <= month <= 7 else "B"
    return f"{year % 100:02d}{semester}m{(month - (2 if semester == 'A' else 8)) % 12 + 1:02d}"
