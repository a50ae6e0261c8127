"""`ExposureSpec`: what one simulated MegaPrime exposure is (type, filter, time, pointing, seeing)."""

from __future__ import annotations

import dataclasses
import math

from astropy.time import Time, TimeDelta

from .errors import InvalidExposureSpecError, UnknownFilterError
from .filters import MegaPrimeFilter, get_filter
from .observatory import airmass_from_altitude, alt_az, zenith_radec

__all__ = ["ExposureSpec", "OBSTYPES", "MIN_ALTITUDE"]

OBSTYPES: tuple[str, ...] = ("OBJECT", "BIAS", "DARK", "FLAT")
"""The exposure types the simulator makes (the OBSTYPE card)."""

MIN_ALTITUDE = 15.0
"""Degrees: an OBJECT exposure whose airmass is computed must be at least this high (airmass < 3.8)."""


@dataclasses.dataclass(frozen=True)
class ExposureSpec:
    """One exposure to simulate.

    Parameters
    ----------
    exposure_id : `int`
        CFHT odometer number (EXPNUM); the raw file is ``<exposure_id>o.fits[.fz]``.
    obstype : `str`
        ``"OBJECT"``, ``"BIAS"``, ``"DARK"`` or ``"FLAT"`` (case-insensitive).
    physical_filter : `str`
        Filter in the beam, e.g. ``"r.MP9601"`` (written for every type, as CFHT does).
    exptime : `float`
        Seconds; must be 0 for a BIAS.
    date_begin : `astropy.time.Time`
        Shutter open.
    ra, dec : `float`, optional
        Boresight, ICRS degrees. Default: the zenith at ``date_begin`` (for calibration frames).
    rotation : `float`, optional
        Position angle of the focal plane's +y axis, degrees (ROTANGLE).
    object : `str`, optional
        OBJECT card; default the lower-case obstype for calibration frames.
    runid : `str`, optional
        CFHT program (RUNID), e.g. ``"26BQ01"``.
    seeing : `float`, optional
        PSF FWHM at the field centre, arcsec.
    airmass : `float`, optional
        Default: from the altitude of the boresight at ``date_begin`` (an OBJECT exposure must then
        be at least `MIN_ALTITUDE` high).
    darktime : `float`, optional
        Seconds of dark-current accumulation; default ``exptime``.
    sky_brightness : `float`, optional
        Sky, AB mag/arcsec^2 at the zenith; default the filter's dark-sky value.
    """

    exposure_id: int
    obstype: str
    physical_filter: str
    exptime: float
    date_begin: Time
    ra: float | None = None
    dec: float | None = None
    rotation: float = 0.0
    object: str = ""
    runid: str = ""
    seeing: float = 0.8
    airmass: float | None = None
    darktime: float | None = None
    sky_brightness: float | None = None

    def __post_init__(self) -> None:
        obstype = str(self.obstype).upper()
        if obstype not in OBSTYPES:
            raise InvalidExposureSpecError(f"obstype {self.obstype!r} is not one of {', '.join(OBSTYPES)}")
        object.__setattr__(self, "obstype", obstype)
        if isinstance(self.exposure_id, bool) or int(self.exposure_id) != self.exposure_id or self.exposure_id <= 0:
            raise InvalidExposureSpecError(f"exposure_id must be a positive integer (CFHT odometer), not {self.exposure_id!r}")
        object.__setattr__(self, "exposure_id", int(self.exposure_id))
        try:
            get_filter(self.physical_filter)
        except UnknownFilterError as err:
            raise InvalidExposureSpecError(str(err)) from None
        if not isinstance(self.date_begin, Time) or not self.date_begin.isscalar:
            raise InvalidExposureSpecError(f"date_begin must be a scalar astropy.time.Time, not {self.date_begin!r}")
        if not (math.isfinite(self.exptime) and self.exptime >= 0):
            raise InvalidExposureSpecError(f"exptime must be a finite number of seconds >= 0, not {self.exptime!r}")
        if obstype == "BIAS" and self.exptime != 0:
            raise InvalidExposureSpecError(f"a BIAS has exptime 0, not {self.exptime!r}")
        if obstype in ("OBJECT", "FLAT") and self.exptime <= 0:
            raise InvalidExposureSpecError(f"an {obstype} exposure needs exptime > 0, not {self.exptime!r}")
        if self.darktime is not None and not (math.isfinite(self.darktime) and self.darktime >= self.exptime):
            raise InvalidExposureSpecError(f"darktime must be >= exptime ({self.exptime}), not {self.darktime!r}")
        if (self.ra is None) != (self.dec is None):
            raise InvalidExposureSpecError("give both ra and dec, or neither (then the zenith is used)")
        if self.dec is not None and not (-90.0 <= self.dec <= 90.0 and math.isfinite(self.ra)):
            raise InvalidExposureSpecError(f"boresight ({self.ra}, {self.dec}) needs a finite RA and Dec within [-90, 90]")
        if not (math.isfinite(self.seeing) and self.seeing > 0):
            raise InvalidExposureSpecError(f"seeing must be a FWHM in arcsec > 0, not {self.seeing!r}")
        if self.airmass is not None and not (math.isfinite(self.airmass) and self.airmass >= 1.0):
            raise InvalidExposureSpecError(f"airmass must be >= 1, not {self.airmass!r}")
        if obstype == "OBJECT" and self.ra is None:
            raise InvalidExposureSpecError("an OBJECT exposure needs a boresight: give ra and dec")
        if obstype == "OBJECT" and self.airmass is None and self.alt_az[0] < MIN_ALTITUDE:
            raise InvalidExposureSpecError(
                f"({self.ra}, {self.dec}) is at altitude {self.alt_az[0]:.1f} deg from Mauna Kea at "
                f"{self.date_begin.utc.isot} UTC (below {MIN_ALTITUDE} deg); choose a time when the field is "
                "higher, or give the airmass explicitly"
            )

    # -- derived values ------------------------------------------------------------------

    @property
    def filter(self) -> MegaPrimeFilter:
        """The `MegaPrimeFilter` in the beam."""
        return get_filter(self.physical_filter)

    @property
    def band(self) -> str:
        return self.filter.band

    @property
    def dark_time(self) -> float:
        """Seconds of dark current: ``darktime`` if given, else ``exptime``."""
        return float(self.exptime if self.darktime is None else self.darktime)

    @property
    def date_end(self) -> Time:
        """Shutter close: ``date_begin + exptime``."""
        return self.date_begin + TimeDelta(self.exptime, format="sec")

    @property
    def boresight(self) -> tuple[float, float]:
        """``(ra, dec)`` degrees: as given, or the zenith at ``date_begin``."""
        if self.ra is None or self.dec is None:
            return zenith_radec(self.date_begin)
        return float(self.ra), float(self.dec)

    @property
    def alt_az(self) -> tuple[float, float]:
        """Telescope altitude and azimuth (degrees) at ``date_begin``."""
        return alt_az(*self.boresight, self.date_begin)

    @property
    def effective_airmass(self) -> float:
        """``airmass`` if given, else computed from the altitude."""
        if self.airmass is not None:
            return float(self.airmass)
        return airmass_from_altitude(self.alt_az[0])

    @property
    def object_name(self) -> str:
        return self.object or ("" if self.obstype == "OBJECT" else self.obstype.lower())
