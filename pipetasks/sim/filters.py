"""MegaPrime broad-band filters and the photometric numbers the simulator uses for each.

Every number here is an approximate, documented choice (docs/simulator.md gives the sources):

* ``zero_point``: AB magnitude of a source giving 1 electron per second in the detector at
  airmass 1 (the Elixir convention ``m = -2.5 log10(rate) + ZP - k (X - 1)``, in electrons).
* ``sky``: dark-sky surface brightness at the zenith, AB mag per square arcsecond.
* ``extinction``: ``k``, magnitudes per unit airmass.
* ``filter_id``: the ``FILTERID`` header card (filter holder id).
"""

from __future__ import annotations

import dataclasses
import math

from .errors import UnknownFilterError

__all__ = ["MegaPrimeFilter", "MEGAPRIME_FILTERS", "BANDS", "get_filter"]

BANDS: tuple[str, ...] = ("u", "g", "r", "i", "z")
"""The abstract bands, blue to red."""


@dataclasses.dataclass(frozen=True)
class MegaPrimeFilter:
    """One physical filter and its photometry.

    Attributes
    ----------
    name : `str`
        Physical filter name as in the ``FILTER`` header card, e.g. ``"r.MP9601"``.
    band : `str`
        Abstract band (``u g r i z``).
    zero_point : `float`
        AB magnitude giving 1 e-/s at airmass 1.
    sky : `float`
        Dark zenith sky, AB mag/arcsec^2.
    extinction : `float`
        Magnitudes per airmass.
    filter_id : `int`
        ``FILTERID`` card value.
    """

    name: str
    band: str
    zero_point: float
    sky: float
    extinction: float
    filter_id: int

    def source_rate(self, mag: float, airmass: float = 1.0) -> float:
        """Electrons per second from a source of AB magnitude ``mag`` seen at ``airmass``."""
        return 10.0 ** (-0.4 * (mag - self.zero_point + self.extinction * (airmass - 1.0)))

    def sky_rate(self, pixel_scale: float, airmass: float = 1.0, sky: float | None = None) -> float:
        """Sky electrons per second in a pixel of ``pixel_scale`` arcsec (``sky`` overrides the table)."""
        brightness = self.sky if sky is None else sky
        # Sky brightens with airmass roughly as the path length; extinction dims it a little.
        return self.source_rate(brightness, airmass) * pixel_scale**2 * airmass


def _filter(name: str, band: str, zp_adu: float, sky: float, extinction: float, filter_id: int) -> MegaPrimeFilter:
    # Zero points are tabulated in ADU/s at the typical MegaCam gain of 1.62 e-/ADU.
    return MegaPrimeFilter(name, band, round(zp_adu + 2.5 * math.log10(1.62), 3), sky, extinction, filter_id)


_SKY = {"u": 22.8, "g": 22.0, "r": 21.2, "i": 20.4, "z": 19.5}
_K = {"u": 0.35, "g": 0.15, "r": 0.10, "i": 0.04, "z": 0.03}

MEGAPRIME_FILTERS: dict[str, MegaPrimeFilter] = {
    f.name: f
    for f in (
        _filter("u.MP9301", "u", 25.25, _SKY["u"], _K["u"], 1301),
        _filter("u.MP9302", "u", 25.60, _SKY["u"], _K["u"], 1320),
        _filter("g.MP9401", "g", 26.45, _SKY["g"], _K["g"], 1302),
        _filter("g.MP9402", "g", 26.55, _SKY["g"], _K["g"], 1321),
        _filter("r.MP9601", "r", 25.98, _SKY["r"], _K["r"], 1305),
        _filter("r.MP9602", "r", 26.20, _SKY["r"], _K["r"], 1322),
        _filter("i.MP9701", "i", 25.75, _SKY["i"], _K["i"], 1306),
        _filter("i.MP9702", "i", 25.80, _SKY["i"], _K["i"], 1314),
        _filter("i.MP9703", "i", 25.90, _SKY["i"], _K["i"], 1323),
        _filter("z.MP9801", "z", 24.80, _SKY["z"], _K["z"], 1307),
        _filter("z.MP9901", "z", 25.10, _SKY["z"], _K["z"], 1324),
    )
}
"""MegaPrime's broad-band filters by physical name."""


def get_filter(name: str) -> MegaPrimeFilter:
    """The `MegaPrimeFilter` called ``name``.

    Raises
    ------
    UnknownFilterError
        If MegaPrime has no such broad-band filter.
    """
    try:
        return MEGAPRIME_FILTERS[name]
    except KeyError:
        known = ", ".join(MEGAPRIME_FILTERS)
        raise UnknownFilterError(f"{name!r} is not a MegaPrime broad-band filter; use one of: {known}") from None
