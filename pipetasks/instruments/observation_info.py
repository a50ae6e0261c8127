"""`ObservationInfo`: what a raw header says about an observation, in standard names and units.

The field names are those of LSST's ``astro_metadata_translator.ObservationInfo`` so that code
and documentation written for it read the same; values are plain Python and astropy types.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from astropy.coordinates import AltAz, EarthLocation, SkyCoord
from astropy.time import Time

__all__ = ["ObservationInfo"]


@dataclasses.dataclass(frozen=True)
class ObservationInfo:
    """Standardized metadata of one detector of one exposure.

    Times are `astropy.time.Time` (UTC); angles degrees; durations seconds; temperature
    degrees Celsius; pressure hPa; relative humidity percent.  ``None`` means "the header does
    not say".
    """

    instrument: str
    telescope: str | None
    exposure_id: int
    visit_id: int
    observation_id: str
    observation_counter: int
    exposure_group: str
    group_counter_start: int
    group_counter_end: int
    observation_type: str
    observation_reason: str
    physical_filter: str
    datetime_begin: Time
    datetime_end: Time
    exposure_time: float
    exposure_time_requested: float | None
    dark_time: float
    observing_day: int
    observing_day_offset: int
    detector_num: int
    detector_name: str
    detector_unique_name: str
    detector_serial: str | None
    detector_exposure_id: int
    object: str | None = None
    science_program: str | None = None
    tracking_radec: SkyCoord | None = None
    altaz_begin: SkyCoord | None = None
    boresight_airmass: float | None = None
    boresight_rotation_angle: float | None = None
    boresight_rotation_coord: str = "sky"
    temperature: float | None = None
    pressure: float | None = None
    relative_humidity: float | None = None
    location: EarthLocation | None = None
    focus_z: float = 0.0
    has_simulated_content: bool = False
    can_see_sky: bool | None = None

    @property
    def zenith_angle(self) -> float | None:
        """Zenith angle at the start, degrees (90 - altitude)."""
        if self.altaz_begin is None:
            return None
        return 90.0 - float(self.altaz_begin.alt.deg)

    @property
    def azimuth(self) -> float | None:
        """Azimuth at the start, degrees."""
        return None if self.altaz_begin is None else float(self.altaz_begin.az.deg)

    def to_simple(self) -> dict[str, Any]:
        """A JSON-friendly dict (times as ISO UTC strings, coordinates as degree pairs)."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, Time):
                value = value.utc.isot
            elif isinstance(value, SkyCoord):
                value = (
                    [float(value.az.deg), float(value.alt.deg)]
                    if isinstance(value.frame, AltAz)
                    else [float(value.icrs.ra.deg), float(value.icrs.dec.deg)]
                )
            elif isinstance(value, EarthLocation):
                value = [float(value.lon.deg), float(value.lat.deg), float(value.height.to_value("m"))]
            out[field.name] = value
        return out
