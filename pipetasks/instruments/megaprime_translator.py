"""Header translation for CFHT MegaPrime (MegaCam) raw files.

CFHT writes every exposure keyword into every CCD extension (``INHERIT = F``), so one
extension header is enough.  The keywords used: ``INSTRUME``, ``TELESCOP``, ``EXPNUM``,
``OBSTYPE``, ``FILTER``, ``EXPTIME``, ``EXPREQ``, ``DARKTIME``, ``DATE-OBS``/``UTC-OBS`` (or
``MJD-OBS``), ``DATEEND``/``UTCEND`` (or ``MJDEND``), ``RA_DEG``/``DEC_DEG``, ``AIRMASS``,
``TELALT``/``TELAZ``, ``ROTANGLE``, ``RUNID``, ``OBJECT``, ``EXTNAME``/``DETNAME``,
``CCDNAME``, ``TEMPERAT``, ``PRESSURE``, ``RELHUMID`` (or LSST's ``AIRTEMP``, ``AIRPRESS``,
``HUMIDITY`` in processed files), ``LATITUDE``/``LONGITUD`` and
``SIMULATE`` (set by `pipetasks.sim`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import astropy.units as u
from astropy.coordinates import AltAz, EarthLocation, SkyCoord
from astropy.time import Time, TimeDelta

from .errors import HeaderTranslationError, NotThisInstrumentError
from .observation_info import ObservationInfo
from .translator import MetadataTranslator

__all__ = ["MegaPrimeTranslator", "MEGAPRIME_DETECTOR_COUNT"]

MEGAPRIME_DETECTOR_COUNT = 36
"""CCDs in the mosaic; ``detector_exposure_id = exposure_id * 36 + detector``."""

_CFHT_HEIGHT_M = 4204.0
_CFHT_LATITUDE, _CFHT_LONGITUDE = 19.825252, -155.468876
_CCD_NAME = re.compile(r"^ccd(\d{2})$", re.IGNORECASE)
_OBSERVATION_TYPES = {"object": "science"}
_SKY_TYPES = {"science": True, "focus": True, "bias": False, "dark": False}


class MegaPrimeTranslator(MetadataTranslator):
    """Reads MegaPrime raw (and Elixir/LSST-processed) extension headers.

    Examples
    --------
    >>> from astropy.io import fits
    >>> header = fits.Header.fromtextfile("megaprime_raw_1038843o_ccd02.header.txt")  # doctest: +SKIP
    >>> MegaPrimeTranslator(header).to_observation_info().detector_exposure_id      # doctest: +SKIP
    37398350
    """

    name = "MegaPrime"

    @classmethod
    def can_translate(cls, header: Mapping[str, Any]) -> bool:
        instrument = header.get("INSTRUME")
        return isinstance(instrument, str) and instrument.strip() == "MegaPrime"

    def to_observation_info(self) -> ObservationInfo:
        if not self.can_translate(self.header):
            found = self.header.get("INSTRUME")
            raise NotThisInstrumentError(
                f"{self._where()}not a MegaPrime file: INSTRUME is "
                f"{'missing' if found is None else repr(found)}, expected 'MegaPrime'"
            )
        self.require("EXPNUM", "OBSTYPE", "FILTER", "EXPTIME")
        exposure_id = self.get_int("EXPNUM")
        detector = self._detector_num()
        begin = self._begin()
        exposure_time = self.get_float("EXPTIME")
        end = self._end(begin, exposure_time)
        obstype = self.get_str("OBSTYPE").lower()
        observation_type = _OBSERVATION_TYPES.get(obstype, obstype)
        return ObservationInfo(
            instrument=self.name,
            telescope=self.get("TELESCOP"),
            exposure_id=exposure_id,
            visit_id=exposure_id,
            observation_id=str(exposure_id),
            observation_counter=exposure_id,
            exposure_group=str(exposure_id),
            group_counter_start=exposure_id,
            group_counter_end=exposure_id,
            observation_type=observation_type,
            observation_reason=observation_type,
            physical_filter=self.get_str("FILTER"),
            datetime_begin=begin,
            datetime_end=end,
            exposure_time=exposure_time,
            exposure_time_requested=self.get_float("EXPREQ", required=False),
            dark_time=self.get_float("DARKTIME", exposure_time),
            observing_day=int(begin.utc.strftime("%Y%m%d")),
            observing_day_offset=0,
            detector_num=detector,
            detector_name=f"ccd{detector:02d}",
            detector_unique_name=f"ccd{detector:02d}",
            detector_serial=self.get("CCDNAME"),
            detector_exposure_id=exposure_id * MEGAPRIME_DETECTOR_COUNT + detector,
            object=self.get("OBJECT"),
            science_program=self.get("RUNID"),
            tracking_radec=self._tracking(),
            altaz_begin=self._altaz(),
            boresight_airmass=self.get_float("AIRMASS", required=False),
            boresight_rotation_angle=self.get_float("ROTANGLE", 0.0, required=False),
            boresight_rotation_coord="sky",
            temperature=self._first_float("TEMPERAT", "AIRTEMP"),
            pressure=self._pressure(),
            relative_humidity=self._first_float("RELHUMID", "HUMIDITY"),
            location=self._location(),
            has_simulated_content=bool(self.get("SIMULATE", False)),
            can_see_sky=_SKY_TYPES.get(observation_type),
        )

    # -- pieces ----------------------------------------------------------------------

    def _detector_num(self) -> int:
        """The CCD: ``EXTNAME = 'ccdNN'`` in raw files, ``DETNAME`` in LSST-processed ones."""
        for key in ("EXTNAME", "DETNAME"):
            match = _CCD_NAME.match(str(self.get(key, "")))
            if match:
                return int(match.group(1))
        raise HeaderTranslationError(
            f"{self._where()}cannot tell which MegaPrime CCD this header is for: EXTNAME is "
            f"{self.get('EXTNAME')!r} and DETNAME is {self.get('DETNAME')!r}; one should be 'ccdNN' (00-35)"
        )

    def _time(self, date_key: str, time_key: str, mjd_key: str) -> Time | None:
        date = self.get(date_key)
        try:
            if date and "T" in str(date):
                return Time(str(date), scale="utc")
            clock = self.get(time_key)
            if date and clock:
                return Time(f"{date}T{clock}", scale="utc")
            mjd = self.get(mjd_key)
            if mjd is not None:
                return Time(float(mjd), format="mjd", scale="utc")
        except ValueError as err:
            raise HeaderTranslationError(
                f"{self._where()}MegaPrime header time {date_key}/{time_key}/{mjd_key} is unreadable: {err}"
            ) from None
        return None

    def _begin(self) -> Time:
        begin = self._time("DATE-OBS", "UTC-OBS", "MJD-OBS")
        if begin is None:
            raise HeaderTranslationError(
                f"{self._where()}MegaPrime header gives no start time: it needs DATE-OBS with UTC-OBS, or MJD-OBS"
            )
        return begin

    def _end(self, begin: Time, exposure_time: float) -> Time:
        end = self._time("DATEEND", "UTCEND", "MJDEND")
        if end is None or end < begin:
            end = begin + TimeDelta(exposure_time, format="sec")
        return end

    def _first_float(self, cfht_key: str, lsst_key: str) -> float | None:
        """A CFHT weather keyword, or the one LSST writes into processed headers."""
        value = self.get_float(cfht_key, required=False)
        return value if value is not None else self.get_float(lsst_key, required=False)

    def _pressure(self) -> float | None:
        """hPa: CFHT's PRESSURE is in hPa (mb), LSST's AIRPRESS in Pa."""
        value = self.get_float("PRESSURE", required=False)
        if value is None and (pascal := self.get_float("AIRPRESS", required=False)) is not None:
            value = pascal / 100.0
        return value

    def _tracking(self) -> SkyCoord | None:
        ra, dec = self.get_float("RA_DEG", required=False), self.get_float("DEC_DEG", required=False)
        if ra is None or dec is None:
            return None
        return SkyCoord(ra * u.deg, dec * u.deg, frame="icrs")

    def _location(self) -> EarthLocation:
        lat = self.get_float("LATITUDE", _CFHT_LATITUDE, required=False)
        lon = self.get_float("LONGITUD", _CFHT_LONGITUDE, required=False)
        return EarthLocation.from_geodetic(lon * u.deg, lat * u.deg, _CFHT_HEIGHT_M * u.m)

    def _altaz(self) -> SkyCoord | None:
        alt, az = self.get_float("TELALT", required=False), self.get_float("TELAZ", required=False)
        if alt is None or az is None:
            return None
        return SkyCoord(AltAz(az=az * u.deg, alt=alt * u.deg))
