"""``butler.collections``, the four collection types seen through get/find, and the ``query_*`` methods.

Collection management and calibration lookups use a fresh ``butler`` (on
SQLite and PostgreSQL); the query tests share one read-only repository per
backend (``shared_butler``, see ``conftest.py``).
"""

from __future__ import annotations

import logging

import pytest
from astropy.time import TimeDelta

from butler import (
    Butler,
    CalibrationLookupError,
    CollectionCycleError,
    CollectionInfo,
    CollectionType,
    CollectionTypeError,
    ConflictingDefinitionError,
    DatasetNotFoundError,
    EmptyQueryResultError,
    ExpressionSyntaxError,
    InvalidQueryError,
    MissingCollectionError,
    MissingDatasetTypeError,
    ReadOnlyDatabaseError,
    Timespan,
)

# Collection management -----------------------------------------------------------------------------------


def test_register_creates_once_and_reports_whether_it_did(butler: Butler):
    assert butler.collections.register("run2") is True
    assert butler.collections.register("run2") is False
    assert butler.collections.register("tag", CollectionType.TAGGED, doc="hand-picked") is True
    assert butler.collections.get_info("run2").type is CollectionType.RUN
    assert butler.collections.get_info("tag").doc == "hand-picked"
    assert butler.registry.getCollectionType("tag") is CollectionType.TAGGED


def test_query_matches_names_globs_and_types(butler: Butler):
    for name, kind in [("u/a/run", CollectionType.RUN), ("u/a/tag", CollectionType.TAGGED),
                       ("u/a/chain", CollectionType.CHAINED), ("calib", CollectionType.CALIBRATION)]:
        butler.collections.register(name, kind)
    assert set(butler.collections.query("*")) == {"run1", "u/a/run", "u/a/tag", "u/a/chain", "calib"}
    assert set(butler.collections.query("u/a/*")) == {"u/a/run", "u/a/tag", "u/a/chain"}
    assert butler.collections.query("u/a/*", collection_types=CollectionType.TAGGED) == ["u/a/tag"]
    assert set(butler.collections.query("*", collection_types={CollectionType.RUN})) == {"run1", "u/a/run"}
    assert list(butler.collections.query(["run1", "calib"])) == ["run1", "calib"]
    assert butler.collections.query("zz*") == []
    with pytest.raises(MissingCollectionError, match="'nosuch'"):
        butler.collections.query("nosuch")


def test_get_info_describes_children_parents_and_contents(butler: Butler):
    butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
    butler.collections.register("run2")
    butler.collections.register("chain", CollectionType.CHAINED, doc="both runs")
    butler.collections.extend_chain("chain", ["run2", "run1"])
    info = butler.collections.get_info("chain", include_parents=True, include_summary=True)
    assert isinstance(info, CollectionInfo)
    assert (info.name, info.type, info.doc, info.children) == ("chain", CollectionType.CHAINED, "both runs",
                                                               ("run2", "run1"))
    assert info.parents == frozenset() and info.dataset_types == frozenset({"summary"})
    assert butler.collections.get_info("run1", include_parents=True).parents == frozenset({"chain"})
    assert butler.collections.get_info("run1").children == ()
    assert [i.name for i in butler.collections.query_info("run*")] == ["run1", "run2"]
    with pytest.raises(MissingCollectionError, match="'nosuch'"):
        butler.collections.get_info("nosuch")


def test_chain_edits_move_existing_children_and_ignore_absent_ones(butler: Butler):
    collections = butler.collections
    for name in ("a", "b", "c"):
        collections.register(name)
    collections.register("chain", CollectionType.CHAINED)

    def children() -> tuple[str, ...]:
        return collections.get_info("chain").children

    collections.extend_chain("chain", ["a", "b"])
    assert children() == ("a", "b")
    collections.extend_chain("chain", "a")  # moved to the end
    assert children() == ("b", "a")
    collections.prepend_chain("chain", ["c", "a"])  # new first, existing moved to the front
    assert children() == ("c", "a", "b")
    collections.remove_from_chain("chain", ["a", "not-a-member"])
    assert children() == ("c", "b")
    collections.redefine_chain("chain", ["b"])
    assert children() == ("b",)
    assert butler.registry.getCollectionChain("chain") == ("b",)


def test_chain_edit_errors_name_the_collection(butler: Butler):
    collections = butler.collections
    collections.register("chain", CollectionType.CHAINED)
    with pytest.raises(MissingCollectionError, match="'nosuch'"):
        collections.extend_chain("nosuch", "run1")
    with pytest.raises(MissingCollectionError, match="'nochild'"):
        collections.extend_chain("chain", "nochild")
    with pytest.raises(CollectionTypeError, match="'run1'"):
        collections.extend_chain("run1", "chain")
    collections.register("outer", CollectionType.CHAINED)
    collections.extend_chain("outer", "chain")
    with pytest.raises(CollectionCycleError, match="outer"):
        collections.extend_chain("chain", "outer")
    assert collections.get_info("chain").children == ()


def test_find_first_through_a_chain_lets_a_prepended_run_shadow_an_earlier_one(butler: Butler):
    for visit in (1, 2):
        butler.put({"visit": visit, "run": "run1"}, "summary", instrument="Cam", visit=visit, detector=0)
    butler.collections.register("chain", CollectionType.CHAINED)
    butler.collections.extend_chain("chain", "run1")
    assert butler.get("summary", instrument="Cam", visit=1, detector=0, collections="chain")["run"] == "run1"

    butler.collections.register("run2")
    butler.put({"visit": 1, "run": "run2"}, "summary", instrument="Cam", visit=1, detector=0, run="run2")
    butler.collections.prepend_chain("chain", "run2")
    assert butler.get("summary", instrument="Cam", visit=1, detector=0, collections="chain")["run"] == "run2"
    # Visit 2 exists only in run1: still found through the chain.
    assert butler.get("summary", instrument="Cam", visit=2, detector=0, collections="chain")["run"] == "run1"
    # A list of collections is searched in order, like a chain.
    assert butler.get("summary", instrument="Cam", visit=1, detector=0,
                      collections=["run1", "run2"])["run"] == "run1"

    refs = butler.query_datasets("summary", collections="chain", instrument="Cam")
    assert sorted((r.dataId["visit"], r.run) for r in refs) == [(1, "run2"), (2, "run1")]
    everything = butler.query_datasets("summary", collections="chain", instrument="Cam", find_first=False)
    assert sorted((r.dataId["visit"], r.run) for r in everything) == [(1, "run1"), (1, "run2"), (2, "run1")]


def test_tagged_collection_holds_datasets_associated_from_runs(butler: Butler):
    refs = [butler.put({"visit": v}, "summary", instrument="Cam", visit=v, detector=0) for v in (1, 2, 3)]
    butler.collections.register("best", CollectionType.TAGGED)
    butler.registry.associate("best", refs[:2])
    assert butler.get("summary", instrument="Cam", visit=2, detector=0, collections="best") == {"visit": 2}
    with pytest.raises(DatasetNotFoundError):
        butler.get("summary", instrument="Cam", visit=3, detector=0, collections="best")
    assert {r.id for r in butler.query_datasets("summary", collections="best")} == {r.id for r in refs[:2]}

    # A TAGGED collection holds one dataset per type and data ID.
    butler.collections.register("run2")
    other = butler.put({"visit": 1, "run": 2}, "summary", instrument="Cam", visit=1, detector=0, run="run2")
    with pytest.raises(ConflictingDefinitionError, match="best"):
        butler.registry.associate("best", [other])
    with pytest.raises(CollectionTypeError, match="run2"):
        butler.registry.associate("run2", refs)
    butler.registry.disassociate("best", [refs[0]])
    butler.registry.associate("best", [other])
    assert butler.get("summary", instrument="Cam", visit=1, detector=0, collections="best") == {"visit": 1,
                                                                                               "run": 2}


def test_a_chain_redefined_by_another_butler_is_seen_at_once(butler: Butler, open_butlers):
    butler.put({"run": "run1"}, "summary", instrument="Cam", visit=1, detector=0)
    butler.collections.register("chain", CollectionType.CHAINED)
    butler.collections.extend_chain("chain", "run1")
    reader = open_butlers(butler._config.root, collections="chain")
    assert reader.get("summary", instrument="Cam", visit=1, detector=0) == {"run": "run1"}

    butler.collections.register("run2")
    butler.put({"run": "run2"}, "summary", instrument="Cam", visit=1, detector=0, run="run2")
    butler.collections.prepend_chain("chain", "run2")
    assert reader.collections.get_info("chain").children == ("run2", "run1")
    assert reader.get("summary", instrument="Cam", visit=1, detector=0) == {"run": "run2"}


def _certify_biases_and_flats(butler: Butler, visit_timespan) -> None:
    """bias v1 valid until half past hour 2, bias v2 from then on; one flat per filter, always valid."""
    butler.collections.register("calib", CollectionType.CALIBRATION)
    butler.collections.register("calib/run1")
    butler.collections.register("calib/run2")
    old = butler.put({"bias": "old"}, "bias", instrument="Cam", detector=0, run="calib/run1")
    new = butler.put({"bias": "new"}, "bias", instrument="Cam", detector=0, run="calib/run2")
    switch = visit_timespan(2).begin + TimeDelta(1800, format="sec")
    butler.registry.certify("calib", [old], Timespan(None, switch))
    butler.registry.certify("calib", [new], Timespan(switch, None))
    flats = [butler.put({"flat": f}, "flat", instrument="Cam", detector=0, physical_filter=f,
                        run="calib/run1") for f in ("Cam-r", "Cam-g")]
    butler.registry.certify("calib", flats, Timespan(None, None))


def test_get_by_data_id_uses_exposure_timespan_for_calibrations(butler: Butler, visit_timespan):
    _certify_biases_and_flats(butler, visit_timespan)
    got = {n: butler.get("bias", instrument="Cam", detector=0, exposure=n, collections="calib")["bias"]
           for n in (1, 2, 3, 4)}
    assert got == {1: "old", 2: "old", 3: "new", 4: "new"}
    # A visit's timespan works the same way, and so do exposure fields naming the exposure.
    assert butler.get("bias", instrument="Cam", detector=0, visit=3, collections="calib")["bias"] == "new"
    assert butler.get("bias", {"exposure.obs_id": "e1"}, instrument="Cam", detector=0,
                      collections="calib")["bias"] == "old"
    # The flat's physical_filter comes from the exposure record.
    for exposure, physical_filter in [(1, "Cam-r"), (2, "Cam-g")]:
        flat = butler.get("flat", instrument="Cam", detector=0, exposure=exposure, collections="calib")
        assert flat == {"flat": physical_filter}
    ref = butler.find_dataset("bias", instrument="Cam", detector=0, exposure=4, collections="calib")
    assert ref.run == "calib/run2"


def test_calibration_lookup_with_an_explicit_timespan(butler: Butler, visit_timespan):
    _certify_biases_and_flats(butler, visit_timespan)
    assert butler.get("bias", instrument="Cam", detector=0, collections="calib",
                      timespan=visit_timespan(1))["bias"] == "old"
    assert butler.get("bias", instrument="Cam", detector=0, collections="calib",
                      timespan=visit_timespan(4))["bias"] == "new"
    ref = butler.find_dataset("bias", instrument="Cam", detector=0, collections="calib",
                              timespan=visit_timespan(3))
    assert ref.run == "calib/run2"
    # A timespan over both validity ranges is ambiguous; none at all is an error naming the fix.
    with pytest.raises(CalibrationLookupError):
        butler.get("bias", instrument="Cam", detector=0, collections="calib", timespan=Timespan(None, None))
    with pytest.raises(CalibrationLookupError, match="timespan"):
        butler.get("bias", instrument="Cam", detector=0, collections="calib")


def test_certify_refuses_overlapping_validity_ranges(butler: Butler, visit_timespan):
    _certify_biases_and_flats(butler, visit_timespan)
    again = butler.put({"bias": "again"}, "bias", instrument="Cam", detector=0, run="run1")
    with pytest.raises(ConflictingDefinitionError, match="calib"):
        butler.registry.certify("calib", [again], visit_timespan(1))
    # A chain through the calibration collection finds calibrations the same way.
    butler.collections.register("everything", CollectionType.CHAINED)
    butler.collections.extend_chain("everything", ["calib", "run1"])
    bias = butler.get("bias", instrument="Cam", detector=0, exposure=1, collections="everything")
    assert bias == {"bias": "old"}


def test_find_first_queries_through_a_chain_that_includes_calibrations(local_butler: Butler, visit_timespan):
    local_butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
    local_butler.collections.register("calib", CollectionType.CALIBRATION)
    bias = local_butler.put({"bias": 1}, "bias", instrument="Cam", detector=0)
    local_butler.registry.certify("calib", [bias], Timespan(None, None))
    local_butler.collections.register("defaults", CollectionType.CHAINED)
    local_butler.collections.extend_chain("defaults", ["calib", "run1"])
    assert len(local_butler.query_datasets("summary", collections="defaults", instrument="Cam")) == 1
    assert [r.id for r in local_butler.query_datasets("bias", collections="calib")] == [bias.id]


def test_find_first_query_refuses_a_calibration_certified_twice_for_one_data_id(local_butler: Butler,
                                                                                  visit_timespan):
    local_butler.collections.register("calib", CollectionType.CALIBRATION)
    first = local_butler.put({"bias": 1}, "bias", instrument="Cam", detector=0)
    local_butler.collections.register("run2")
    second = local_butler.put({"bias": 2}, "bias", instrument="Cam", detector=0, run="run2")
    local_butler.registry.certify("calib", [first], visit_timespan(1))
    local_butler.registry.certify("calib", [second], visit_timespan(2))
    with pytest.raises(InvalidQueryError, match="ambiguous"):
        local_butler.query_datasets("bias", collections="calib")
    assert len(local_butler.query_datasets("bias", collections="calib", find_first=False)) == 2


def test_query_data_ids_constrained_by_datasets_in_a_calibration_collection(local_butler: Butler):
    local_butler.collections.register("calib", CollectionType.CALIBRATION)
    bias = local_butler.put({"bias": 1}, "bias", instrument="Cam", detector=2)
    local_butler.registry.certify("calib", [bias], Timespan(None, None))
    data_ids = local_butler.registry.queryDataIds(["detector"], datasets="bias", collections="calib",
                                                  instrument="Cam")
    assert [d["detector"] for d in data_ids] == [2]


def test_query_dataset_associations_lists_validity_ranges(local_butler: Butler, visit_timespan):
    local_butler.collections.register("calib", CollectionType.CALIBRATION)
    bias = local_butler.put({"bias": 1}, "bias", instrument="Cam", detector=0)
    local_butler.registry.certify("calib", [bias], visit_timespan(1))
    (association,) = local_butler.registry.queryDatasetAssociations("bias", collections="calib")
    assert (association.ref, association.collection) == (bias, "calib")
    assert association.timespan == visit_timespan(1)


# Queries (read-only, shared repository) -------------------------------------------------------------------


def _visits_detectors(refs) -> list[tuple[int, int]]:
    return [(r.dataId["visit"], r.dataId["detector"]) for r in refs]


def test_query_datasets_with_where_bind_and_order_by(shared_butler: Butler):
    refs = shared_butler.query_datasets("summary", where="band = 'r' AND detector IN (1, 2)",
                                        order_by=["visit", "-detector"])
    assert _visits_detectors(refs) == [(1, 2), (1, 1), (3, 2), (3, 1)]
    assert all(r.dataId["band"] == "r" and r.dataId.hasFull() for r in refs)

    bound = shared_butler.query_datasets("summary", where="visit = v AND detector > d", bind={"v": 2, "d": 1},
                                         order_by="detector")
    assert _visits_detectors(bound) == [(2, 2), (2, 3)]
    by_record = shared_butler.query_datasets("summary", where="visit.exposure_time > 25 AND detector = 0",
                                             order_by="-visit")
    assert _visits_detectors(by_record) == [(4, 0), (3, 0)]
    by_data_id = shared_butler.query_datasets("summary", data_id={"visit": 4}, detector=3)
    assert _visits_detectors(by_data_id) == [(4, 3)]


def test_query_datasets_is_find_first_through_the_collections_by_default(shared_butler: Butler):
    first = shared_butler.query_datasets("summary", where="detector = 0", order_by="visit")
    assert [(r.dataId["visit"], r.run) for r in first] == [(1, "run2"), (2, "run2"), (3, "run1"), (4, "run1")]
    every = shared_butler.query_datasets("summary", where="detector = 0", find_first=False)
    assert len(every) == 6
    assert len(shared_butler.query_datasets("summary", collections="run1")) == 16
    assert len(shared_butler.query_datasets("summary", collections=["run1", "run2"])) == 16
    assert len(shared_butler.query_datasets("summary", collections="run*", find_first=False)) == 18


def test_query_datasets_refuses_collection_wildcards_when_find_first(shared_butler: Butler):
    with pytest.raises(InvalidQueryError, match="wildcard"):
        shared_butler.query_datasets("summary", collections="run*")
    with pytest.raises(InvalidQueryError, match="wildcard"):
        shared_butler.query_datasets("summary", collections=["run1", "r*"], find_first=True)


def test_query_limits_cut_results_and_a_negative_limit_warns(shared_butler: Butler, caplog):
    assert len(shared_butler.query_datasets("summary", limit=3, order_by=["visit", "detector"])) == 3
    assert len(shared_butler.query_datasets("summary", limit=None)) == 16
    with caplog.at_level(logging.WARNING):
        refs = shared_butler.query_datasets("summary", limit=-5)
    assert len(refs) == 5
    assert any("limit of 5" in record.getMessage() for record in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert len(shared_butler.query_datasets("summary", limit=-16)) == 16
        assert len(shared_butler.query_dimension_records("detector", limit=-4)) == 4
    assert not caplog.records


def test_malformed_where_raises_naming_the_position(shared_butler: Butler):
    with pytest.raises(InvalidQueryError) as info:
        shared_butler.query_datasets("summary", where="visit >> 3 AND")
    assert isinstance(info.value, ExpressionSyntaxError)
    assert "visit >> 3 AND" in str(info.value) and "column" in str(info.value)


def test_where_with_unknown_names_raises_naming_them(shared_butler: Butler):
    with pytest.raises(InvalidQueryError, match="nosuch"):
        shared_butler.query_datasets("summary", where="nosuch = 3")
    with pytest.raises(InvalidQueryError, match="nosuch"):
        shared_butler.query_datasets("summary", where="visit.nosuch > 3")
    with pytest.raises(InvalidQueryError, match="visit"):
        shared_butler.query_datasets("summary", where="visit = 'three'")
    with pytest.raises(InvalidQueryError, match="nosuch"):
        shared_butler.query_data_ids(["visit"], where="nosuch = 1")


def test_empty_results_raise_with_reasons_unless_explain_is_false(shared_butler: Butler):
    with pytest.raises(EmptyQueryResultError) as info:
        shared_butler.query_datasets("summary", where="visit = 4 AND detector = 4")
    assert info.value.reasons and "summary" in str(info.value)
    assert shared_butler.query_datasets("summary", where="visit = 4 AND detector = 4", explain=False) == []
    with pytest.raises(EmptyQueryResultError):
        shared_butler.query_datasets("bias", collections="run1")
    with pytest.raises(EmptyQueryResultError):
        shared_butler.query_data_ids(["visit"], where="visit > 10")
    assert shared_butler.query_data_ids(["visit"], where="visit > 10", explain=False) == []
    with pytest.raises(EmptyQueryResultError):
        shared_butler.query_dimension_records("detector", where="detector > 10")
    assert shared_butler.query_dimension_records("detector", where="detector > 10", explain=False) == []


def test_query_data_ids_returns_full_data_ids(shared_butler: Butler):
    data_ids = shared_butler.query_data_ids(["visit", "detector"], where="band = 'g' AND detector = 3",
                                            order_by="visit")
    assert [(d["visit"], d["detector"]) for d in data_ids] == [(2, 3), (4, 3)]
    assert all(d.hasFull() and d["physical_filter"] == "Cam-g" for d in data_ids)
    visits = shared_butler.query_data_ids("visit", order_by="-visit", with_dimension_records=True)
    assert [d["visit"] for d in visits] == [4, 3, 2, 1]
    assert visits[0].records["visit"].exposure_time == 40.0
    assert len(shared_butler.query_data_ids("exposure", where="exposure.seq_num >= 2")) == 3


def test_query_dimension_records(shared_butler: Butler, visit_timespan):
    detectors = shared_butler.query_dimension_records("detector", limit=None)
    assert sorted(r.full_name for r in detectors) == ["D0", "D1", "D2", "D3"]
    visits = shared_butler.query_dimension_records("visit", where="visit.exposure_time > t", bind={"t": 25.0},
                                                   order_by="visit")
    assert [(v.id, v.name) for v in visits] == [(3, "v3"), (4, "v4")]
    assert visits[0].timespan == visit_timespan(3)
    overlapping = shared_butler.query_dimension_records("exposure", where="exposure.timespan OVERLAPS ts",
                                                        bind={"ts": visit_timespan(2)})
    assert [r.obs_id for r in overlapping] == ["e2"]
    names = shared_butler.query_dimension_records("physical_filter", order_by="-physical_filter.name")
    assert [r.name for r in names] == ["Cam-r", "Cam-g"]


def test_query_all_datasets_covers_every_dataset_type_in_the_collections(shared_butler: Butler, caplog):
    refs = shared_butler.query_all_datasets(where="detector = 0")
    assert sorted((r.datasetType.name, r.dataId["visit"], r.run) for r in refs) == [
        ("summary", 1, "run2"), ("summary", 2, "run2"), ("summary", 3, "run1"), ("summary", 4, "run1")]
    assert len(shared_butler.query_all_datasets("run*", find_first=False, name="sum*")) == 18
    assert shared_butler.query_all_datasets("run2", where="detector = 3") == []
    with caplog.at_level(logging.WARNING):
        assert len(shared_butler.query_all_datasets(limit=-3)) == 3
    assert any("limit of 3" in r.getMessage() for r in caplog.records)
    with pytest.raises(MissingDatasetTypeError, match="zz"):
        shared_butler.query_all_datasets(name="zz*")
    with pytest.raises(InvalidQueryError, match="wildcard"):
        shared_butler.query_all_datasets("run*")


def test_query_datasets_with_dimension_records(shared_butler: Butler):
    refs = shared_butler.query_datasets("summary", where="visit = 1", with_dimension_records=True)
    assert refs and all(r.dataId.hasRecords() for r in refs)
    assert {r.dataId.records["detector"].full_name for r in refs} == {"D0", "D1", "D2", "D3"}


def test_registry_query_datasets_searches_all_collections_with_ellipsis(shared_butler: Butler):
    refs = list(shared_butler.registry.queryDatasets("summary", collections=..., where="detector = 0"))
    assert len(refs) == 6


# Read-only butlers ---------------------------------------------------------------------------------------


def test_a_read_only_butler_cannot_change_collections(local_butler: Butler, open_butlers):
    local_butler.collections.register("chain", CollectionType.CHAINED)
    reader = open_butlers(local_butler._config.root, collections="run1")
    with pytest.raises(ReadOnlyDatabaseError, match="read-only"):
        reader.collections.register("new")
    for edit in (reader.collections.extend_chain, reader.collections.prepend_chain,
                 reader.collections.redefine_chain, reader.collections.remove_from_chain):
        with pytest.raises(ReadOnlyDatabaseError, match="read-only"):
            edit("chain", "run1")
    with pytest.raises(ReadOnlyDatabaseError, match="read-only"):
        reader.collections.x_remove("chain")
    assert set(local_butler.collections.query("*")) == {"run1", "chain"}
    assert local_butler.collections.get_info("chain").children == ()
    # Reading is fine.
    assert reader.collections.get_info("chain").type is CollectionType.CHAINED


def test_a_read_only_butler_registry_refuses_writes(local_butler: Butler, open_butlers):
    reader = open_butlers(local_butler._config.root, collections="run1")
    with pytest.raises(ReadOnlyDatabaseError, match="read-only"):
        reader.registry.registerRun("new")
    with pytest.raises(ReadOnlyDatabaseError, match="read-only"):
        reader.registry.insertDimensionData("detector", {"instrument": "Cam", "id": 9, "full_name": "D9"})
    assert "new" not in local_butler.collections.query("*")


def test_order_by_a_record_field_of_a_table_named_only_in_order_by(shared_butler: Butler):
    refs = shared_butler.query_datasets("summary", collections="run1", where="visit = 1",
                                        order_by="-detector.full_name", instrument="Cam")
    assert [r.dataId["detector"] for r in refs] == [3, 2, 1, 0]


def test_order_by_the_run_of_datasets(shared_butler: Butler):
    refs = shared_butler.query_datasets("summary", collections=["run1", "run2"], find_first=False,
                                        where="visit = 1 AND detector = 0", order_by=["-summary.run"],
                                        instrument="Cam")
    assert [r.run for r in refs] == ["run2", "run1"]


def test_data_ids_and_records_ordered_by_a_field_outside_the_result(shared_butler: Butler):
    data_ids = shared_butler.query_data_ids(["visit"], order_by="-visit.exposure_time", instrument="Cam")
    assert [d["visit"] for d in data_ids] == sorted((d["visit"] for d in data_ids), reverse=True)
    records = shared_butler.query_dimension_records("detector", order_by="-detector.full_name", instrument="Cam")
    assert [r.full_name for r in records] == ["D3", "D2", "D1", "D0"]


def test_a_bad_order_by_name_says_it_is_in_order_by(shared_butler: Butler):
    with pytest.raises(InvalidQueryError, match="order by 'detector.nosuch'"):
        shared_butler.query_datasets("summary", collections="run1", order_by="detector.nosuch", instrument="Cam")
