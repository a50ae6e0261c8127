"""`VisitInfo`: when, where and how an exposure was taken (LSST ``afw.image.VisitInfo``), with astropy types.

Dates are `astropy.time.Time`, sky positions `astropy.coordinates.SkyCoord`, angles
`astropy.coordinates.Angle`, the observatory an `astropy.coordinates.EarthLocation`. Unknown values
are `None` (objects) or NaN (numbers), as LSST's "invalid" values.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from typing import Any

import astropy.units as u
from astropy.coordinates import AltAz, Angle, EarthLocation, SkyCoord
from astropy.time import Time

from .archive import register

__all__ = ["VisitInfo", "Weather", "RotType"]


class RotType(enum.Enum):
    """What the rotator angle is measured against (LSST ``afw.image.RotType``)."""

    UNKNOWN = 0
    SKY = 1
    HORIZON = 2
    MOUNT = 3


@dataclasses.dataclass(frozen=True)
class Weather:
    """Air temperature (deg C), air pressure (Pa) and relative humidity (%) at the telescope."""

    airTemperature: float = math.nan
    airPressure: float = math.nan
    humidity: float = math.nan

    def getAirTemperature(self) -> float:
        return self.airTemperature

    def getAirPressure(self) -> float:
        return self.airPressure

    def getHumidity(self) -> float:
        return self.humidity

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Weather):
            return NotImplemented
        return all(_same(getattr(self, f), getattr(other, f)) for f in ("airTemperature", "airPressure", "humidity"))

    __hash__ = None  # type: ignore[assignment]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return a == b


def _degrees(value: Any) -> float:
    if value is None:
        return math.nan
    if isinstance(value, (Angle, u.Quantity)):
        return float(value.to_value(u.deg))
    return float(value)


@register
class VisitInfo:
    """Observation metadata of one exposure.

    Parameters
    ----------
    exposureTime, darkTime : `float`
        Seconds.
    date : `astropy.time.Time` or `str`, optional
        Middle of the exposure (a string is parsed as ISO TAI, as LSST's ``DateTime``).
    boresightRaDec : `SkyCoord` or (ra, dec) degrees, optional
    boresightAzAlt : `SkyCoord` (AltAz) or (az, alt) degrees, optional
    boresightAirmass : `float`
    boresightRotAngle : `Angle` or degrees
    rotType : `RotType`
    observatory : `EarthLocation`, optional
    weather : `Weather`, optional
    era : `Angle` or degrees (Earth rotation angle)
    instrumentLabel, observationType, scienceProgram, observationReason, object : `str`
    id : `int`
        The exposure or visit id.
    focusZ : `float`
        Defocal distance (mm).
    hasSimulatedContent : `bool`
    """

    _FLOAT_FIELDS = ("exposureTime", "darkTime", "boresightAirmass", "focusZ")
    _STRING_FIELDS = ("instrumentLabel", "observationType", "scienceProgram", "observationReason", "object")

    def __init__(
        self,
        exposureTime: float = math.nan,
        darkTime: float = math.nan,
        date: Time | str | None = None,
        boresightRaDec: Any = None,
        boresightAzAlt: Any = None,
        boresightAirmass: float = math.nan,
        boresightRotAngle: Any = math.nan,
        rotType: RotType = RotType.UNKNOWN,
        observatory: EarthLocation | None = None,
        weather: Weather | None = None,
        era: Any = math.nan,
        instrumentLabel: str = "",
        id: int = 0,
        focusZ: float = math.nan,
        observationType: str = "",
        scienceProgram: str = "",
        observationReason: str = "",
        object: str = "",
        hasSimulatedContent: bool = False,
    ):
        self.exposureTime = float(exposureTime)
        self.darkTime = float(darkTime)
        if isinstance(date, str):
            date = Time(date, scale="tai") if date else None
        self.date: Time | None = date
        self.boresightRaDec = self._radec(boresightRaDec)
        self.boresightAzAlt = self._azalt(boresightAzAlt)
        self.boresightAirmass = float(boresightAirmass)
        self.boresightRotAngle = Angle(_degrees(boresightRotAngle), u.deg)
        self.rotType = RotType(rotType) if not isinstance(rotType, str) else RotType[rotType]
        self.observatory = observatory
        self.weather = weather if weather is not None else Weather()
        self.era = Angle(_degrees(era), u.deg)
        self.instrumentLabel = instrumentLabel
        self.id = int(id)
        self.focusZ = float(focusZ)
        self.observationType = observationType
        self.scienceProgram = scienceProgram
        self.observationReason = observationReason
        self.object = object
        self.hasSimulatedContent = bool(hasSimulatedContent)

    @staticmethod
    def _radec(value: Any) -> SkyCoord | None:
        if value is None or isinstance(value, SkyCoord):
            return value
        ra, dec = value
        if math.isnan(_degrees(ra)) or math.isnan(_degrees(dec)):
            return None
        return SkyCoord(_degrees(ra) * u.deg, _degrees(dec) * u.deg, frame="icrs")

    @staticmethod
    def _azalt(value: Any) -> SkyCoord | None:
        if value is None or isinstance(value, SkyCoord):
            return value
        az, alt = value
        if math.isnan(_degrees(az)) or math.isnan(_degrees(alt)):
            return None
        return SkyCoord(AltAz(az=_degrees(az) * u.deg, alt=_degrees(alt) * u.deg))

    # -- LSST getters ----------------------------------------------------------

    def getExposureTime(self) -> float:
        return self.exposureTime

    def getDarkTime(self) -> float:
        return self.darkTime

    def getDate(self) -> Time | None:
        return self.date

    def getEra(self) -> Angle:
        return self.era

    def getBoresightRaDec(self) -> SkyCoord | None:
        return self.boresightRaDec

    def getBoresightAzAlt(self) -> SkyCoord | None:
        return self.boresightAzAlt

    def getBoresightAirmass(self) -> float:
        return self.boresightAirmass

    def getBoresightRotAngle(self) -> Angle:
        return self.boresightRotAngle

    def getRotType(self) -> RotType:
        return self.rotType

    def getObservatory(self) -> EarthLocation | None:
        return self.observatory

    def getWeather(self) -> Weather:
        return self.weather

    def getInstrumentLabel(self) -> str:
        return self.instrumentLabel

    def getId(self) -> int:
        return self.id

    def getFocusZ(self) -> float:
        return self.focusZ

    def getObservationType(self) -> str:
        return self.observationType

    def getScienceProgram(self) -> str:
        return self.scienceProgram

    def getObservationReason(self) -> str:
        return self.observationReason

    def getObject(self) -> str:
        return self.object

    def getHasSimulatedContent(self) -> bool:
        return self.hasSimulatedContent

    def getBoresightZenithDistance(self) -> Angle | None:
        """90 deg minus the boresight altitude, if known."""
        if self.boresightAzAlt is None:
            return None
        return Angle(90 * u.deg - self.boresightAzAlt.alt)

    def getLocalEra(self) -> Angle:
        """Earth rotation angle plus the observatory's east longitude (LSST ``getLocalEra``)."""
        lon = self.observatory.lon.deg if self.observatory is not None else math.nan
        return Angle((self.era.deg + lon) % 360.0, u.deg)

    def getBoresightHourAngle(self) -> Angle:
        """Local ERA minus the boresight RA, wrapped to [-180, 180) deg (NaN if unknown)."""
        ra = self.boresightRaDec.ra.deg if self.boresightRaDec is not None else math.nan
        return Angle((self.getLocalEra().deg - ra + 180.0) % 360.0 - 180.0, u.deg)

    def getBoresightParAngle(self) -> Angle:
        """Parallactic angle of the boresight from hour angle, declination and latitude."""
        if self.boresightRaDec is None or self.observatory is None:
            return Angle(math.nan, u.deg)
        ha = self.getBoresightHourAngle().rad
        dec = self.boresightRaDec.dec.rad
        lat = self.observatory.lat.rad
        return Angle(math.atan2(math.sin(ha), math.tan(lat) * math.cos(dec) - math.sin(dec) * math.cos(ha)), u.rad).to(u.deg)

    def copyWith(self, **changes: Any) -> VisitInfo:
        """A copy with some fields replaced (LSST ``VisitInfo.copyWith``)."""
        data = self._fields()
        data.update(changes)
        return VisitInfo(**data)

    def _fields(self) -> dict[str, Any]:
        return {
            "exposureTime": self.exposureTime,
            "darkTime": self.darkTime,
            "date": self.date,
            "boresightRaDec": self.boresightRaDec,
            "boresightAzAlt": self.boresightAzAlt,
            "boresightAirmass": self.boresightAirmass,
            "boresightRotAngle": self.boresightRotAngle,
            "rotType": self.rotType,
            "observatory": self.observatory,
            "weather": self.weather,
            "era": self.era,
            "instrumentLabel": self.instrumentLabel,
            "id": self.id,
            "focusZ": self.focusZ,
            "observationType": self.observationType,
            "scienceProgram": self.scienceProgram,
            "observationReason": self.observationReason,
            "object": self.object,
            "hasSimulatedContent": self.hasSimulatedContent,
        }

    # -- persistence -------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Flat scalar fields (angles in degrees, date ISO TAI, elevation in metres)."""
        radec, azalt, obs = self.boresightRaDec, self.boresightAzAlt, self.observatory
        return {
            "exposureTime": self.exposureTime,
            "darkTime": self.darkTime,
            "date": self.date.tai.isot if self.date is not None else "",
            "boresightRa": float(radec.ra.deg) if radec is not None else math.nan,
            "boresightDec": float(radec.dec.deg) if radec is not None else math.nan,
            "boresightAz": float(azalt.az.deg) if azalt is not None else math.nan,
            "boresightAlt": float(azalt.alt.deg) if azalt is not None else math.nan,
            "boresightAirmass": self.boresightAirmass,
            "boresightRotAngle": float(self.boresightRotAngle.deg),
            "rotType": self.rotType.name,
            "era": float(self.era.deg),
            "observatoryLongitude": float(obs.lon.deg) if obs is not None else math.nan,
            "observatoryLatitude": float(obs.lat.deg) if obs is not None else math.nan,
            "observatoryElevation": float(obs.height.to_value(u.m)) if obs is not None else math.nan,
            "airTemperature": self.weather.airTemperature,
            "airPressure": self.weather.airPressure,
            "humidity": self.weather.humidity,
            "instrumentLabel": self.instrumentLabel,
            "id": self.id,
            "focusZ": self.focusZ,
            "observationType": self.observationType,
            "scienceProgram": self.scienceProgram,
            "observationReason": self.observationReason,
            "object": self.object,
            "hasSimulatedContent": self.hasSimulatedContent,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VisitInfo:
        def num(key: str) -> float:
            value = data.get(key)
            return math.nan if value is None else float(value)

        lon, lat, height = num("observatoryLongitude"), num("observatoryLatitude"), num("observatoryElevation")
        observatory = None
        if not (math.isnan(lon) or math.isnan(lat)):
            observatory = EarthLocation.from_geodetic(lon * u.deg, lat * u.deg, (0 if math.isnan(height) else height) * u.m)
        return cls(
            exposureTime=num("exposureTime"),
            darkTime=num("darkTime"),
            date=str(data.get("date") or ""),
            boresightRaDec=(num("boresightRa"), num("boresightDec")),
            boresightAzAlt=(num("boresightAz"), num("boresightAlt")),
            boresightAirmass=num("boresightAirmass"),
            boresightRotAngle=num("boresightRotAngle"),
            rotType=RotType[str(data.get("rotType") or "UNKNOWN")],
            observatory=observatory,
            weather=Weather(num("airTemperature"), num("airPressure"), num("humidity")),
            era=num("era"),
            instrumentLabel=str(data.get("instrumentLabel") or ""),
            id=int(data.get("id") or 0),
            focusZ=num("focusZ"),
            observationType=str(data.get("observationType") or ""),
            scienceProgram=str(data.get("scienceProgram") or ""),
            observationReason=str(data.get("observationReason") or ""),
            object=str(data.get("object") or ""),
            hasSimulatedContent=bool(data.get("hasSimulatedContent", False)),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VisitInfo):
            return NotImplemented
        mine, theirs = self.to_dict(), other.to_dict()
        return all(_close(mine[k], theirs[k]) for k in mine)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        date = self.date.tai.isot if self.date is not None else "None"
        return (
            f"VisitInfo(id={self.id}, instrument={self.instrumentLabel!r}, date={date} TAI, "
            f"exposureTime={self.exposureTime}, airmass={self.boresightAirmass})"
        )


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)
    return a == b
