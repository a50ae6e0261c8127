"""Registry queries: queryDatasets, queryDataIds and queryDimensionRecords with ``where``.

All tests share one read-only registry per backend (``shared_registry``):
datasets of ``d`` for every (visit 1-6, detector 0-3) in RUN r1, for
(visits 1-2, detector 0) again in RUN r2, and CHAINED ``chain`` = (r2, r1).
Odd visits are Cam-r (band r), even ones Cam-g; visit n has exposure_time
10 n s, day_obs 20240101 (n < 5) or 20240102, and is observed for one minute
from n hours after 2024-01-01T00:00:00 TAI; detector 3 is the GUIDE one.
"""

from __future__ import annotations

import pytest

from butler import DimensionNameError, ExpressionSyntaxError, InvalidQueryError, MissingCollectionError


def found(registry, where="", collections="chain", **kwargs) -> list[tuple[int, int, str]]:
    """(visit, detector, run) of the ``d`` datasets a query finds, sorted."""
    refs = registry.queryDatasets("d", collections=collections, where=where, **kwargs)
    return sorted((r.dataId["visit"], r.dataId["detector"], r.run) for r in refs)


def visits(registry, where="", **kwargs) -> list[int]:
    """Visits of the find-first ``d`` datasets of detector 0 matching ``where``."""
    clause = f"({where}) AND detector = 0" if where else "detector = 0"
    return [v for v, _, _ in found(registry, clause, findFirst=True, **kwargs)]


class TestFindFirst:
    def test_without_find_first_every_matching_dataset_is_returned(self, shared_registry):
        result = found(shared_registry)
        assert len(result) == 26
        assert (1, 0, "r1") in result and (1, 0, "r2") in result

    def test_find_first_keeps_one_dataset_per_data_id_from_the_earliest_collection(self, shared_registry):
        result = found(shared_registry, findFirst=True)
        assert len(result) == 24
        assert (1, 0, "r2") in result and (1, 0, "r1") not in result
        assert (3, 0, "r1") in result

    def test_find_first_follows_the_order_given(self, shared_registry):
        result = found(shared_registry, "visit = 1 AND detector = 0", collections=["r1", "r2"],
                       findFirst=True)
        assert result == [(1, 0, "r1")]

    def test_collection_wildcards_are_refused_with_find_first(self, shared_registry):
        with pytest.raises(InvalidQueryError, match="wildcard"):
            found(shared_registry, collections="r*", findFirst=True)

    def test_collection_wildcards_are_fine_without_find_first(self, shared_registry):
        assert len(found(shared_registry, collections="r*")) == 26

    def test_ellipsis_searches_every_collection(self, shared_registry):
        assert found(shared_registry, collections=...) == found(shared_registry, collections=["r1", "r2"])
        with pytest.raises(InvalidQueryError):
            found(shared_registry, collections=..., findFirst=True)

    def test_refs_have_full_data_ids(self, shared_registry):
        refs = shared_registry.queryDatasets("d", collections="r2")
        assert len(refs) == 2
        assert all(r.dataId.hasFull() for r in refs)
        assert {r.dataId["band"] for r in refs} == {"r", "g"}

    def test_an_unregistered_dataset_type_gives_nothing(self, shared_registry):
        assert shared_registry.queryDatasets("nope", collections="chain") == []

    def test_a_dataset_type_without_datasets_gives_nothing(self, shared_registry):
        assert shared_registry.queryDatasets("bias", collections="r1") == []


class TestWhere:
    def test_comparisons(self, shared_registry):
        assert found(shared_registry, "visit > 4 AND detector = 1") == [(5, 1, "r1"), (6, 1, "r1")]
        assert visits(shared_registry, "visit <= 2") == [1, 2]
        assert visits(shared_registry, "visit != 3 AND visit >= 3") == [4, 5, 6]

    def test_in_with_a_range(self, shared_registry):
        assert visits(shared_registry, "visit IN (2..4)") == [2, 3, 4]

    def test_in_with_a_range_and_stride(self, shared_registry):
        assert visits(shared_registry, "visit IN (1..6:2)") == [1, 3, 5]

    def test_in_with_values_and_ranges_mixed(self, shared_registry):
        assert visits(shared_registry, "visit IN (1, 4..5)") == [1, 4, 5]

    def test_not_in(self, shared_registry):
        assert visits(shared_registry, "visit NOT IN (1..5)") == [6]

    def test_and_or_not(self, shared_registry):
        assert visits(shared_registry, "visit = 1 OR visit = 6") == [1, 6]
        assert visits(shared_registry, "NOT (visit > 1 AND visit < 6)") == [1, 6]
        assert visits(shared_registry, "visit = 1 OR visit = 2 AND band = 'r'") == [1]

    def test_string_comparison_on_a_governor(self, shared_registry):
        assert len(found(shared_registry, "instrument = 'Cam' AND visit = 1", findFirst=True)) == 4
        assert found(shared_registry, "instrument = 'Other'") == []

    def test_implied_dimensions(self, shared_registry):
        assert visits(shared_registry, "band = 'g'") == [2, 4, 6]
        assert visits(shared_registry, "physical_filter = 'Cam-r'") == [1, 3, 5]
        assert visits(shared_registry, "day_obs = 20240102") == [5, 6]

    def test_record_field_of_a_dimension(self, shared_registry):
        assert visits(shared_registry, "visit.exposure_time > 45") == [5, 6]

    def test_bare_field_name_when_unambiguous(self, shared_registry):
        assert visits(shared_registry, "exposure_time > 45") == [5, 6]

    def test_bare_field_name_that_several_elements_have_is_refused_naming_them(self, shared_registry):
        with pytest.raises(InvalidQueryError, match="ambiguous") as info:
            found(shared_registry, "name = 'v1'")
        assert "visit" in str(info.value)

    def test_record_field_of_another_dimension(self, shared_registry):
        result = found(shared_registry, "detector.purpose = 'GUIDE'", findFirst=True)
        assert {d for _, d, _ in result} == {3} and len(result) == 6

    def test_primary_key_written_as_a_field(self, shared_registry):
        assert visits(shared_registry, "visit.id = 3") == [3]

    def test_dataset_run(self, shared_registry):
        assert found(shared_registry, "d.run = 'r2'") == [(1, 0, "r2"), (2, 0, "r2")]

    def test_dataset_ingest_date(self, shared_registry):
        assert len(found(shared_registry, "d.ingest_date > T'2020-01-01T00:00:00'")) == 26
        assert found(shared_registry, "d.ingest_date < T'2020-01-01T00:00:00'") == []


class TestTimes:
    def test_timespan_overlaps_a_literal_interval(self, shared_registry):
        where = "visit.timespan OVERLAPS (T'2024-01-01T01:30:00', T'2024-01-01T03:30:00')"
        assert visits(shared_registry, where) == [2, 3]

    def test_overlaps_is_half_open(self, shared_registry):
        # Visit 2 is [02:00:00, 02:01:00), visit 3 starts at 03:00:00.
        where = "visit.timespan OVERLAPS (T'2024-01-01T02:01:00/tai', T'2024-01-01T03:00:00/tai')"
        assert visits(shared_registry, where) == []
        where = "visit.timespan OVERLAPS (T'2024-01-01T02:00:59/tai', T'2024-01-01T03:00:01/tai')"
        assert visits(shared_registry, where) == [2, 3]

    def test_timespan_overlaps_a_bound_timespan(self, shared_registry, visit_timespan):
        when = {"when": visit_timespan(4)}
        assert visits(shared_registry, "visit.timespan OVERLAPS when", bind=when) == [4]

    def test_timespan_bounds(self, shared_registry):
        assert visits(shared_registry, "visit.timespan.begin > T'2024-01-01T04:30:00'") == [5, 6]


class TestBind:
    def test_bare_names_that_are_bind_keys_are_bind_parameters(self, shared_registry):
        assert visits(shared_registry, "visit = my_visit", bind={"my_visit": 2}) == [2]

    def test_bare_bind_names_inside_glob(self, shared_registry):
        assert visits(shared_registry, "GLOB(visit.name, pattern)", bind={"pattern": "v[12]*"}) == []
        assert visits(shared_registry, "GLOB(visit.name, pattern) AND visit < 3", bind={"pattern": "v*"}) == [1, 2]

    def test_colon_bind_parameters(self, shared_registry):
        assert visits(shared_registry, "visit > :low", bind={"low": 4}) == [5, 6]

    def test_a_bound_list_in_in(self, shared_registry):
        result = found(shared_registry, "visit = 3 AND detector IN (dets)", bind={"dets": [1, 2]})
        assert result == [(3, 1, "r1"), (3, 2, "r1")]

    def test_a_bind_value_takes_precedence_over_a_dimension_name(self, shared_registry):
        assert visits(shared_registry, "visit = band", bind={"band": 4}) == [4]

    def test_a_missing_bind_value_is_an_invalid_query_error_naming_it(self, shared_registry):
        with pytest.raises(InvalidQueryError, match="low"):
            found(shared_registry, "visit > :low", bind={"high": 4})


class TestDataIdConstraints:
    def test_kwargs(self, shared_registry):
        result = found(shared_registry, instrument="Cam", visit=3, findFirst=True)
        assert [d for _, d, _ in result] == [0, 1, 2, 3]

    def test_data_id_mapping(self, shared_registry):
        data_id = {"instrument": "Cam", "visit": 3, "detector": 2}
        result = found(shared_registry, dataId=data_id, findFirst=True)
        assert result == [(3, 2, "r1")]

    def test_data_id_and_where_together(self, shared_registry):
        data_id = {"instrument": "Cam", "visit": 3}
        assert found(shared_registry, "detector > 2", dataId=data_id) == [(3, 3, "r1")]

    def test_implied_dimension_kwarg(self, shared_registry):
        assert len(found(shared_registry, band="g", findFirst=True)) == 12

    def test_alternate_key_kwarg(self, shared_registry):
        result = found(shared_registry, "visit = 1", findFirst=True, **{"detector.full_name": "D2"})
        assert result == [(1, 2, "r1")]

    def test_unknown_dimension_in_the_data_id_is_an_invalid_query_error(self, shared_registry):
        with pytest.raises(InvalidQueryError, match="nosuch"):
            found(shared_registry, nosuch=3)


class TestQueryDataIds:
    def test_data_ids_include_implied_values(self, shared_registry):
        result = shared_registry.queryDataIds(["visit"], where="exposure_time > 45", instrument="Cam")
        assert sorted(d["visit"] for d in result) == [5, 6]
        assert all(d.hasFull() for d in result)
        assert {d["day_obs"] for d in result} == {20240102}

    def test_a_single_dimension_name(self, shared_registry):
        result = shared_registry.queryDataIds("detector", where="detector.purpose = 'GUIDE'")
        assert [dict(d.required) for d in result] == [{"instrument": "Cam", "detector": 3}]

    def test_the_product_of_unrelated_dimensions(self, shared_registry):
        assert len(shared_registry.queryDataIds(["visit", "detector"])) == 24

    def test_constrained_by_datasets_in_collections(self, shared_registry):
        result = shared_registry.queryDataIds(["visit", "detector"], datasets="d", collections="r2")
        assert sorted((d["visit"], d["detector"]) for d in result) == [(1, 0), (2, 0)]

    def test_dimensions_without_instrument(self, shared_registry):
        assert sorted(d["band"] for d in shared_registry.queryDataIds(["band"])) == ["g", "r"]

    def test_where_on_an_implied_dimension(self, shared_registry):
        result = shared_registry.queryDataIds(["physical_filter"], where="band = 'g'")
        assert [d["physical_filter"] for d in result] == ["Cam-g"]

    def test_bind(self, shared_registry):
        result = shared_registry.queryDataIds(["visit"], where="visit.exposure_time < limit",
                                              bind={"limit": 25})
        assert sorted(d["visit"] for d in result) == [1, 2]


class TestQueryDimensionRecords:
    def test_records_matching_a_field(self, shared_registry):
        (record,) = shared_registry.queryDimensionRecords("detector", where="detector.full_name = 'D2'")
        assert (record.id, record.full_name, record.purpose) == (2, "D2", "SCIENCE")

    def test_records_overlapping_a_time(self, shared_registry, visit_timespan):
        records = shared_registry.queryDimensionRecords(
            "visit", where="visit.timespan OVERLAPS (T'2024-01-01T01:30:00', T'2024-01-01T03:30:00')")
        assert sorted(r.id for r in records) == [2, 3]
        assert {r.id: r.timespan for r in records}[2] == visit_timespan(2)

    def test_records_constrained_by_kwargs(self, shared_registry):
        records = shared_registry.queryDimensionRecords("visit", day_obs=20240102)
        assert sorted(r.id for r in records) == [5, 6]

    def test_records_with_bind(self, shared_registry):
        records = shared_registry.queryDimensionRecords("visit", where="exposure_time > t", bind={"t": 35.0})
        assert sorted(r.id for r in records) == [4, 5, 6]

    def test_records_with_in_range(self, shared_registry):
        records = shared_registry.queryDimensionRecords("visit", where="visit IN (2..4)")
        assert sorted(r.id for r in records) == [2, 3, 4]

    def test_records_constrained_by_datasets(self, shared_registry):
        records = shared_registry.queryDimensionRecords("visit", datasets="d", collections="r2")
        assert sorted(r.id for r in records) == [1, 2]

    def test_every_record_of_an_element(self, shared_registry):
        assert sorted(r.name for r in shared_registry.queryDimensionRecords("instrument")) == ["Cam", "Other"]
        assert sorted(r.name for r in shared_registry.queryDimensionRecords("band")) == ["g", "r"]

    def test_an_unknown_element_is_a_dimension_name_error(self, shared_registry):
        with pytest.raises(DimensionNameError, match="nosuch"):
            shared_registry.queryDimensionRecords("nosuch")


class TestErrors:
    @pytest.mark.parametrize("where, column", [
        ("visit >> 3 AND", 8), ("visit = 3 AND", 14), ("visit = (3", 11),
    ])
    def test_malformed_where_is_a_syntax_error_with_its_column(self, shared_registry, where, column):
        with pytest.raises(ExpressionSyntaxError) as info:
            found(shared_registry, where)
        assert isinstance(info.value, InvalidQueryError)
        assert info.value.column == column
        assert f"column {column}" in str(info.value)

    def test_an_unknown_identifier_is_named_with_close_suggestions(self, shared_registry):
        with pytest.raises(InvalidQueryError, match="'vist'") as info:
            found(shared_registry, "vist = 3")
        assert "visit" in str(info.value).split("'vist'", 1)[1]

    def test_an_unknown_identifier_without_close_names(self, shared_registry):
        with pytest.raises(InvalidQueryError, match="nosuch"):
            found(shared_registry, "nosuch = 3")

    def test_an_unknown_field_suggests_the_close_field(self, shared_registry):
        with pytest.raises(InvalidQueryError, match="exposure_tim") as info:
            found(shared_registry, "visit.exposure_tim > 3")
        assert "visit.exposure_time" in str(info.value)

    def test_a_type_mismatch_is_an_invalid_query_error(self, shared_registry):
        with pytest.raises(InvalidQueryError, match="visit"):
            found(shared_registry, "visit = 'abc'")

    def test_a_field_of_another_dataset_type_is_refused(self, shared_registry):
        with pytest.raises(InvalidQueryError, match="bias"):
            found(shared_registry, "bias.run = 'r1'")

    def test_an_unknown_collection_is_a_missing_collection_error(self, shared_registry):
        with pytest.raises(MissingCollectionError):
            found(shared_registry, collections="nosuch")

