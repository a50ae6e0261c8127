"""Half-open time intervals, stored as integer TAI nanoseconds.

A `Timespan` is ``[begin, end)``; either bound may be `None` for an unbounded
side.  In the database each bound is one BIGINT of TAI nanoseconds since
1970-01-01T00:00:00 TAI, so overlap tests are two integer comparisons.
"""

from __future__ import annotations

__all__ = ["Timespan", "time_to_nsec", "nsec_to_time", "NSEC_MIN", "NSEC_MAX"]

from collections.abc import Iterator
from typing import Any

import astropy.time

#: Stored value of an unbounded begin / end.
NSEC_MIN = -(2**62)
NSEC_MAX = 2**62

_UNIX_EPOCH_JD = 2440587.5
_NSEC_PER_DAY = 86_400 * 1_000_000_000


def time_to_nsec(time: astropy.time.Time) -> int:
    """Convert a scalar `astropy.time.Time` to integer TAI nanoseconds since 1970.

    Parameters
    ----------
    time : `astropy.time.Time`
        Any scale; converted to TAI.

    Returns
    -------
    nsec : `int`
        Clamped to ``[NSEC_MIN, NSEC_MAX - 1]`` (about 1824 to 2116), as LSST
        clamps to its own range: a time outside it must not become one of
        the "unbounded" sentinels (or overflow the database column).
    """
    tai = time.tai
    jd1 = float(tai.jd1)
    jd2 = float(tai.jd2)
    whole = round(jd1 - _UNIX_EPOCH_JD)
    frac = (jd1 - _UNIX_EPOCH_JD - whole) + jd2
    nsec = whole * _NSEC_PER_DAY + round(frac * _NSEC_PER_DAY)
    return min(max(nsec, NSEC_MIN), NSEC_MAX - 1)


def nsec_to_time(nsec: int) -> astropy.time.Time:
    """Convert integer TAI nanoseconds since 1970 back to `astropy.time.Time` (TAI)."""
    days, rem = divmod(int(nsec), _NSEC_PER_DAY)
    return astropy.time.Time(_UNIX_EPOCH_JD + days, rem / _NSEC_PER_DAY, format="jd", scale="tai")


def _to_nsec(value: Any, unbounded: int) -> int:
    if value is None:
        return unbounded
    if isinstance(value, astropy.time.Time):
        return time_to_nsec(value)
    if isinstance(value, int):
        return value
    return time_to_nsec(astropy.time.Time(value, scale="tai"))


class Timespan:
    """A half-open interval of time ``[begin, end)``.

    Parameters
    ----------
    begin, end : `astropy.time.Time` or `None`
        Bounds; `None` means unbounded on that side.  ISO strings are accepted
        and read as TAI.  An interval whose begin is after its end is empty.
    padInstantaneous : `bool`, optional
        If ``begin == end``, make the timespan ``[begin, begin + 1 ns)`` (the
        default, as in LSST) rather than empty.

    Examples
    --------
    >>> from astropy.time import Time
    >>> night = Timespan(Time("2024-01-01T00:00:00", scale="tai"),
    ...                  Time("2024-01-02T00:00:00", scale="tai"))
    >>> night.contains(Time("2024-01-01T12:00:00", scale="tai"))
    True
    """

    __slots__ = ("_nsec",)

    def __init__(self, begin: Any, end: Any, padInstantaneous: bool = True,
                 _nsec: tuple[int, int] | None = None):
        if _nsec is None:
            _nsec = (_to_nsec(begin, NSEC_MIN), _to_nsec(end, NSEC_MAX))
            if _nsec[0] == _nsec[1] and padInstantaneous:
                _nsec = (_nsec[0], _nsec[0] + 1)
        if _nsec[0] >= _nsec[1]:
            _nsec = (NSEC_MAX, NSEC_MIN)
        self._nsec = _nsec

    @classmethod
    def from_nsec(cls, begin: int, end: int) -> Timespan:
        """Build from stored integer bounds."""
        return cls(None, None, _nsec=(int(begin), int(end)))

    @classmethod
    def makeEmpty(cls) -> Timespan:
        """Return an empty timespan (overlaps nothing)."""
        return cls(None, None, _nsec=(NSEC_MAX, NSEC_MIN))

    @classmethod
    def fromInstant(cls, time: astropy.time.Time) -> Timespan:
        """Return the shortest timespan that contains ``time`` (one nanosecond)."""
        nsec = time_to_nsec(time)
        return cls(None, None, _nsec=(nsec, nsec + 1))

    @classmethod
    def from_day_obs(cls, day_obs: int, offset: int = 0) -> Timespan:
        """The 24 hours from TAI midnight of ``day_obs`` (``YYYYMMDD``), shifted by ``offset`` seconds."""
        if not 1970_01_01 <= day_obs <= 9999_12_31:
            raise ValueError(f"day_obs must be an integer YYYYMMDD from 1970 on, not {day_obs!r}.")
        text = str(day_obs)
        start = astropy.time.Time(f"{text[:4]}-{text[4:6]}-{text[6:]}T00:00:00", format="isot", scale="tai")
        begin = time_to_nsec(start) + offset * 1_000_000_000
        return cls(None, None, _nsec=(begin, begin + _NSEC_PER_DAY))

    @property
    def nsec(self) -> tuple[int, int]:
        """The stored integer bounds ``(begin, end)``."""
        return self._nsec

    @property
    def begin(self) -> astropy.time.Time | None:
        """Inclusive lower bound, or `None` if unbounded."""
        return None if self._nsec[0] <= NSEC_MIN or self.isEmpty() else nsec_to_time(self._nsec[0])

    @property
    def end(self) -> astropy.time.Time | None:
        """Exclusive upper bound, or `None` if unbounded."""
        return None if self._nsec[1] >= NSEC_MAX or self.isEmpty() else nsec_to_time(self._nsec[1])

    def isEmpty(self) -> bool:
        """Whether the interval contains no time at all."""
        return self._nsec[0] >= self._nsec[1]

    def overlaps(self, other: Timespan | astropy.time.Time) -> bool:
        """Whether the two intervals share any instant (or contain the time)."""
        if isinstance(other, astropy.time.Time):
            return self.contains(other)
        return self._nsec[0] < other._nsec[1] and other._nsec[0] < self._nsec[1]

    def contains(self, other: Timespan | astropy.time.Time) -> bool:
        """Whether ``other`` (a time or a timespan) lies entirely within this one."""
        if isinstance(other, astropy.time.Time):
            nsec = time_to_nsec(other)
            return self._nsec[0] <= nsec < self._nsec[1]
        if other.isEmpty():
            return True
        return self._nsec[0] <= other._nsec[0] and other._nsec[1] <= self._nsec[1]

    def intersection(self, *others: Timespan) -> Timespan:
        """The interval common to this and every other one."""
        begin = max([self._nsec[0], *(o._nsec[0] for o in others)])
        end = min([self._nsec[1], *(o._nsec[1] for o in others)])
        return Timespan.from_nsec(begin, end)

    def difference(self, other: Timespan) -> Iterator[Timespan]:
        """Yield the (zero, one or two) non-empty parts of this timespan outside ``other``."""
        common = self.intersection(other)
        if common.isEmpty():
            if not self.isEmpty():
                yield self
            return
        if common._nsec[0] > self._nsec[0]:
            yield Timespan.from_nsec(self._nsec[0], common._nsec[0])
        if common._nsec[1] < self._nsec[1]:
            yield Timespan.from_nsec(common._nsec[1], self._nsec[1])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Timespan):
            return NotImplemented
        return self._nsec == other._nsec

    def __hash__(self) -> int:
        return hash(self._nsec)

    def __lt__(self, other: Timespan) -> bool:
        return self._nsec < other._nsec

    def __repr__(self) -> str:
        if self.isEmpty():
            return "Timespan.makeEmpty()"
        begin = "None" if self.begin is None else f"'{self.begin.isot}'"
        end = "None" if self.end is None else f"'{self.end.isot}'"
        return f"Timespan(begin={begin}, end={end})"

    def __str__(self) -> str:
        if self.isEmpty():
            return "(empty)"
        begin = "-∞" if self.begin is None else self.begin.isot
        end = "∞" if self.end is None else self.end.isot
        return f"[{begin}, {end})"

    def __reduce__(self) -> tuple:
        return (Timespan.from_nsec, self._nsec)
