"""``with butler.query() as query``: composable constraints, lazy results, explanations."""

import pytest

from butler import Butler
from butler.quickstart import run as make_demo_repo


@pytest.fixture(scope="module")
def butler(tmp_path_factory):
    repo = tmp_path_factory.mktemp("query_api") / "repo"
    make_demo_repo(repo, n_visits=6, n_detectors=4)
    with Butler(repo, collections="demo") as reader:
        yield reader


def test_where_calls_combine_with_and_and_data_ids_are_full(butler):
    with butler.query() as query:
        query = query.where("band = 'r'", instrument="DemoCam").where("visit > 2")
        data_ids = list(query.data_ids(["visit"]).order_by("visit"))
    assert [d["visit"] for d in data_ids] == [3, 5]
    assert all(d.hasFull() and d["band"] == "r" for d in data_ids)


def test_order_by_descending_and_limit(butler):
    with butler.query() as query:
        results = query.where(instrument="DemoCam").data_ids(["visit", "detector"]).order_by("-visit", "detector")
        first = list(results.limit(3))
    assert [(d["visit"], d["detector"]) for d in first] == [(6, 0), (6, 1), (6, 2)]


def test_datasets_count_any_and_result_where(butler):
    with butler.query() as query:
        refs = query.where(instrument="DemoCam").datasets("visitSummary")
        assert refs.count() == 24
        assert refs.any()
        assert {r.dataId["detector"] for r in refs.where("detector = 1")} == {1}
        assert refs.where("visit = :v", bind={"v": 4}).count() == 4


def test_results_are_lazy_and_immutable(butler):
    with butler.query() as query:
        base = query.where(instrument="DemoCam")
        narrowed = base.where("detector = 0")
        assert base.data_ids(["detector"]).count() == 4
        assert narrowed.data_ids(["detector"]).count() == 1


def test_dimension_records_with_record_field_constraint(butler):
    with butler.query() as query:
        records = list(query.where("visit.exposure_time > 34", instrument="DemoCam")
                       .dimension_records("visit").order_by("visit"))
    assert [r.id for r in records] == [5, 6]
    assert records[0].exposure_time == 35.0


def test_join_dataset_search_restricts_data_ids_to_those_with_datasets(butler):
    with butler.query() as query:
        visits = query.where(instrument="DemoCam").join_dataset_search("sourceTable", "demo").data_ids(["visit"])
        assert visits.count() == 6


def test_with_dimension_records_expands_data_ids(butler):
    with butler.query() as query:
        (data_id,) = query.where(instrument="DemoCam", visit=3).data_ids(["visit"]).with_dimension_records()
    assert data_id.hasRecords() and data_id.records["visit"].name == "v3"


def test_explain_no_results_names_a_value_without_a_record(butler):
    with butler.query() as query:
        results = query.where("visit = 999 AND detector = 1", instrument="DemoCam").datasets("visitSummary")
        assert results.count() == 0
        (reason,) = results.explain_no_results()
    assert "visit" in reason and "999" in reason


def test_explain_no_results_names_an_unknown_governor_value(butler):
    with butler.query() as query:
        reasons = query.where(instrument="NoSuchCam").datasets("visitSummary").explain_no_results()
    assert any("NoSuchCam" in r for r in reasons)


def test_explain_no_results_when_the_collection_lacks_the_dataset_type(butler, tmp_path):
    with butler.query() as query:
        reasons = query.datasets("visitSummary", collections="demo/run1").where("visit = 2 AND band = 'r'",
                                                                                instrument="DemoCam")
        assert reasons.explain_no_results()  # visit 2 is g band: an impossible constraint
    with butler.query() as query:
        assert query.where(instrument="DemoCam").datasets("visitSummary").explain_no_results() == []


def test_count_is_done_by_the_database_and_respects_limit(butler):
    with butler.query() as query:
        query = query.where(instrument="DemoCam")
        assert query.datasets("visitSummary").count() == len(list(query.datasets("visitSummary")))
        assert query.datasets("visitSummary").limit(5).count() == 5
        assert query.data_ids(["visit", "detector"]).where("band = 'g'").count() == 12
        assert query.dimension_records("detector").count() == 4
