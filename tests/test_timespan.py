"""Timespan: half-open [begin, end) intervals of TAI nanoseconds.

Semantics follow LSST's ``Timespan``: an unbounded side is `None`, a span whose
begin is after its end is empty, and a span whose begin equals its end is one
nanosecond long unless ``padInstantaneous=False``.
"""

from __future__ import annotations

import pickle

import astropy.time
import pytest
from astropy.time import TimeDelta
from hypothesis import given, settings
from hypothesis import strategies as st

from butler import Timespan
from butler.timespan import NSEC_MAX, NSEC_MIN, nsec_to_time, time_to_nsec


def T(text: str) -> astropy.time.Time:
    return astropy.time.Time(text, scale="tai")


def span(begin: str | None, end: str | None) -> Timespan:
    return Timespan(None if begin is None else T(begin), None if end is None else T(end))


NS = TimeDelta(1e-9, format="sec")
DAY = span("2024-01-01", "2024-01-02")


class TestBounds:
    def test_begin_is_inside_and_end_is_outside(self):
        assert DAY.contains(T("2024-01-01"))
        assert DAY.contains(T("2024-01-01T23:59:59.999999999"))
        assert not DAY.contains(T("2024-01-02"))
        assert not DAY.contains(T("2023-12-31T23:59:59.999999999"))

    def test_bounds_round_trip(self):
        assert DAY.begin == T("2024-01-01") and DAY.end == T("2024-01-02")
        assert DAY.begin.scale == "tai"

    def test_unbounded_sides_are_none(self):
        assert span(None, "2024-01-02").begin is None
        assert span("2024-01-01", None).end is None
        everything = Timespan(None, None)
        assert everything.begin is None and everything.end is None
        assert everything.contains(T("1970-01-01")) and everything.contains(T("2200-01-01"))
        assert everything.nsec == (NSEC_MIN, NSEC_MAX)

    def test_times_beyond_the_representable_range_are_clamped_not_unbounded(self):
        far = span("2024-01-01", "2300-01-01")
        assert far.end is not None and not far.isEmpty()
        assert not span("2300-01-01", None).isEmpty()
        assert span("2024-01-01", None).contains(T("2300-01-01"))
        assert span(None, "2024-01-01").contains(T("1700-01-01"))

    def test_utc_bounds_are_converted_to_tai(self):
        utc = Timespan(astropy.time.Time("2024-01-01T00:00:00", scale="utc"), None)
        assert utc.nsec[0] - span("2024-01-01T00:00:00", None).nsec[0] == 37 * 10**9  # TAI - UTC in 2024
        assert utc.begin.scale == "tai"


class TestEmptyAndInstantaneous:
    def test_begin_after_end_is_empty(self):
        empty = span("2024-01-02", "2024-01-01")
        assert empty.isEmpty()
        assert empty == Timespan.makeEmpty()
        assert empty.begin is None and empty.end is None
        assert str(empty) == "(empty)"

    def test_equal_bounds_make_a_one_nanosecond_span(self):
        instant = Timespan(T("2024-01-01"), T("2024-01-01"))
        assert not instant.isEmpty()
        assert instant.nsec[1] - instant.nsec[0] == 1
        assert instant == Timespan.fromInstant(T("2024-01-01"))
        assert instant.contains(T("2024-01-01")) and not instant.contains(T("2024-01-01") + NS)

    def test_equal_bounds_without_padding_are_empty(self):
        assert Timespan(T("2024-01-01"), T("2024-01-01"), padInstantaneous=False).isEmpty()

    def test_empty_overlaps_nothing_not_even_itself(self):
        empty = Timespan.makeEmpty()
        assert not empty.overlaps(empty)
        assert not empty.overlaps(Timespan(None, None))
        assert not Timespan(None, None).overlaps(empty)
        assert not empty.contains(T("2024-01-01"))

    def test_empty_is_contained_by_everything(self):
        assert DAY.contains(Timespan.makeEmpty())
        assert Timespan.makeEmpty().contains(Timespan.makeEmpty())


class TestRelations:
    @pytest.mark.parametrize("other, expected", [
        (span("2024-01-01T12:00", "2024-01-03"), True),
        (span("2023-12-31", "2024-01-01T00:00:00.000000001"), True),
        (span("2024-01-02", "2024-01-03"), False),  # adjacent after: end is exclusive
        (span("2023-12-31", "2024-01-01"), False),  # adjacent before
        (span(None, None), True),
        (span(None, "2024-01-01T06:00"), True),
        (span("2024-01-05", None), False),
    ])
    def test_overlaps_is_symmetric_and_half_open(self, other, expected):
        assert DAY.overlaps(other) is expected
        assert other.overlaps(DAY) is expected

    def test_overlaps_a_time_means_contains_it(self):
        assert DAY.overlaps(T("2024-01-01T05:00"))
        assert not DAY.overlaps(T("2024-01-02"))

    def test_contains_a_timespan_when_it_lies_entirely_within(self):
        assert DAY.contains(DAY)
        assert DAY.contains(span("2024-01-01T01:00", "2024-01-01T02:00"))
        assert not DAY.contains(span("2024-01-01T01:00", "2024-01-02T00:00:00.000000001"))
        assert Timespan(None, None).contains(DAY)
        assert not DAY.contains(Timespan(None, None))

    def test_intersection(self):
        assert DAY.intersection(span("2024-01-01T12:00", None)) == span("2024-01-01T12:00", "2024-01-02")
        assert DAY.intersection(span(None, "2024-01-01T06:00"), span("2024-01-01T03:00", None)) == \
            span("2024-01-01T03:00", "2024-01-01T06:00")
        assert DAY.intersection(span("2024-01-02", "2024-01-03")).isEmpty()
        assert DAY.intersection() == DAY

    @pytest.mark.parametrize("other, expected", [
        (span("2024-01-01T06:00", "2024-01-01T12:00"),
         [span("2024-01-01", "2024-01-01T06:00"), span("2024-01-01T12:00", "2024-01-02")]),
        (span("2024-01-01T12:00", None), [span("2024-01-01", "2024-01-01T12:00")]),
        (span(None, "2024-01-01T12:00"), [span("2024-01-01T12:00", "2024-01-02")]),
        (span("2024-01-03", None), [DAY]),
        (span(None, None), []),
        (DAY, []),
    ])
    def test_difference_yields_the_parts_outside_the_other(self, other, expected):
        assert list(DAY.difference(other)) == expected

    def test_from_day_obs_is_24_hours_from_tai_midnight_plus_offset(self):
        assert Timespan.from_day_obs(20240229) == span("2024-02-29", "2024-03-01")
        assert Timespan.from_day_obs(20240229, 12 * 3600) == span("2024-02-29T12:00", "2024-03-01T12:00")
        with pytest.raises(ValueError):
            Timespan.from_day_obs(240229)


class TestValueSemantics:
    def test_equality_and_hash(self):
        assert span("2024-01-01", "2024-01-02") == DAY
        assert hash(span("2024-01-01", "2024-01-02")) == hash(DAY)
        assert DAY != span("2024-01-01", "2024-01-03")
        assert len({DAY, span("2024-01-01", "2024-01-02"), Timespan.makeEmpty()}) == 2

    def test_ordering_by_begin(self):
        later = span("2024-01-05", "2024-01-06")
        assert sorted([later, DAY]) == [DAY, later]

    def test_pickle(self):
        for ts in (DAY, span(None, "2024-01-01"), Timespan.makeEmpty()):
            assert pickle.loads(pickle.dumps(ts)) == ts

    def test_from_nsec_round_trips(self):
        assert Timespan.from_nsec(*DAY.nsec) == DAY

    def test_str_shows_the_half_open_interval(self):
        text = str(DAY)
        assert text.startswith("[2024-01-01T00:00:00") and text.endswith(")")
        assert "2024-01-02T00:00:00" in text
        assert str(span(None, None)).endswith("∞)")


class TestNanoseconds:
    def test_nanoseconds_survive_conversion(self):
        t = T("2024-03-05T12:34:56.123456789")
        nsec = time_to_nsec(t)
        assert nsec % 10**9 == 123456789
        assert time_to_nsec(nsec_to_time(nsec)) == nsec
        assert time_to_nsec(t + NS) == nsec + 1

    @settings(max_examples=300, deadline=None)
    @given(st.integers(min_value=0, max_value=4 * 10**18))
    def test_every_nanosecond_round_trips_through_astropy(self, nsec):
        assert time_to_nsec(nsec_to_time(nsec)) == nsec

    def test_epoch_is_1970_tai(self):
        assert time_to_nsec(T("1970-01-01T00:00:00")) == 0


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def registry(request, tmp_path):
    from butler.registry import Database, Registry

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/r.sqlite3"
    else:
        url = request.getfixturevalue("postgres_url")
    db = Database(url)
    yield Registry.create(db)
    db.close()


def test_nanosecond_timespans_round_trip_through_the_database(registry):
    begin = T("2024-03-05T12:34:56.123456789")
    stored = [
        Timespan(begin, begin + NS * 7),
        Timespan.fromInstant(begin + NS * 3),
        Timespan(begin, None),
        Timespan(None, begin),
    ]
    registry.insertDimensionData("instrument", {"name": "Cam"})
    registry.insertDimensionData("day_obs", *[{"instrument": "Cam", "id": 20240301 + i, "timespan": ts}
                                              for i, ts in enumerate(stored)])
    registry.insertDimensionData("day_obs", {"instrument": "Cam", "id": 20240401})  # no timespan
    registry.dimension_records.clear_cache()
    read = {r.id: r.timespan for r in registry.queryDimensionRecords("day_obs")}
    assert [read[20240301 + i] for i in range(len(stored))] == stored
    assert [read[20240301 + i].nsec for i in range(len(stored))] == [ts.nsec for ts in stored]
    assert read[20240401] is None
    assert registry.expandDataId(instrument="Cam", day_obs=20240302).timespan.nsec[1] - \
        registry.expandDataId(instrument="Cam", day_obs=20240302).timespan.nsec[0] == 1
