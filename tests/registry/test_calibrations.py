"""CALIBRATION collections: certify, decertify and lookups by validity time.

Every test runs on SQLite and PostgreSQL.  ``bias`` has dimensions
(instrument, detector); see ``conftest.py`` for the standard content.
Validity ranges are half-open [begin, end), like every `Timespan`.
"""

from __future__ import annotations

import astropy.time
import pytest

from butler import (
    CalibrationLookupError,
    CollectionType,
    CollectionTypeError,
    ConflictingDefinitionError,
    DatasetTypeError,
    InvalidQueryError,
    Timespan,
)


def T(text: str) -> astropy.time.Time:
    return astropy.time.Time(text, scale="tai")


def span(begin: str | None, end: str | None) -> Timespan:
    return Timespan(None if begin is None else T(begin), None if end is None else T(end))


DET0 = {"instrument": "Cam", "detector": 0}
DET1 = {"instrument": "Cam", "detector": 1}


@pytest.fixture
def calib(populated):
    """The populated registry with RUNs b1, b2, CALIBRATION calib and TAGGED tag."""
    populated.registerRun("b1")
    populated.registerRun("b2")
    populated.registerCollection("calib", CollectionType.CALIBRATION)
    populated.registerCollection("tag", CollectionType.TAGGED)
    return populated


@pytest.fixture
def b1(calib):
    """Bias datasets for detectors 0 and 1 in RUN b1 (not certified)."""
    return calib.insertDatasets("bias", [DET0, DET1], run="b1")


@pytest.fixture
def b2(calib):
    """A bias dataset for detector 0 in RUN b2 (not certified)."""
    return calib.insertDatasets("bias", [DET0], run="b2")


def find(registry, data_id=DET0, timespan=None, collections="calib", **kwargs):
    return registry.findDataset("bias", data_id, collections=collections, timespan=timespan, **kwargs)


def validity(registry, ref) -> list[Timespan]:
    """The validity ranges of one dataset in ``calib``."""
    record = registry.dataset_types.find("bias")
    collection = registry.collections_manager.find("calib")
    return sorted(ts for id_, ts in registry.datasets.certifications(record, collection) if id_ == ref.id)


class TestCertify:
    def test_certified_dataset_is_found_inside_its_validity_range(self, calib, b1):
        calib.certify("calib", b1, span("2024-01-01", "2024-01-03"))
        assert find(calib, timespan=span("2024-01-02T10:00", "2024-01-02T11:00")) == b1[0]
        assert find(calib, DET1, timespan=span("2024-01-02T10:00", "2024-01-02T11:00")) == b1[1]

    def test_validity_ranges_are_half_open(self, calib, b1):
        calib.certify("calib", b1[:1], span("2024-01-01", "2024-01-03"))
        assert find(calib, timespan=Timespan.fromInstant(T("2024-01-01"))) == b1[0]
        assert find(calib, timespan=Timespan.fromInstant(T("2024-01-03"))) is None
        assert find(calib, timespan=span("2023-12-01", "2024-01-01")) is None

    def test_unbounded_validity(self, calib, b1):
        calib.certify("calib", b1[:1], Timespan(None, None))
        assert find(calib, timespan=span("1999-01-01", "1999-01-02")) == b1[0]
        assert find(calib, timespan=span("2099-01-01", None)) == b1[0]

    def test_overlapping_validity_for_the_same_data_id_is_refused(self, calib, b1, b2):
        calib.certify("calib", b1[:1], span("2024-01-01", "2024-01-03"))
        with pytest.raises(ConflictingDefinitionError, match="bias") as info:
            calib.certify("calib", b2, span("2024-01-02", None))
        assert "calib" in str(info.value)
        assert find(calib, timespan=span("2024-01-05", "2024-01-06")) is None

    def test_recertifying_the_same_dataset_over_an_overlapping_range_is_refused(self, calib, b1):
        calib.certify("calib", b1[:1], span("2024-01-01", "2024-01-03"))
        with pytest.raises(ConflictingDefinitionError):
            calib.certify("calib", b1[:1], span("2024-01-02", "2024-01-04"))

    def test_adjacent_validity_ranges_are_fine(self, calib, b1, b2):
        calib.certify("calib", b1[:1], span("2024-01-01", "2024-01-03"))
        calib.certify("calib", b2, span("2024-01-03", None))
        assert find(calib, timespan=span("2024-01-02", "2024-01-02T01:00")) == b1[0]
        assert find(calib, timespan=span("2024-01-04", "2024-01-04T01:00")) == b2[0]

    def test_overlap_is_per_data_id(self, calib, b1, b2):
        calib.certify("calib", b1[1:], span("2024-01-01", "2024-01-03"))  # detector 1
        calib.certify("calib", b2, span("2024-01-01", "2024-01-03"))  # detector 0
        assert find(calib, timespan=span("2024-01-02", "2024-01-02T01:00")) == b2[0]

    def test_two_datasets_for_one_data_id_in_one_call_are_refused(self, calib, b1, b2):
        with pytest.raises(ConflictingDefinitionError):
            calib.certify("calib", [b1[0], b2[0]], span("2024-01-01", "2024-01-03"))
        assert find(calib, timespan=span("2024-01-02", "2024-01-02T01:00")) is None

    @pytest.mark.parametrize("collection", ["tag", "b1"])
    def test_only_calibration_collections_take_certifications(self, calib, b1, collection):
        with pytest.raises(CollectionTypeError, match=collection):
            calib.certify(collection, b1, span("2024-01-01", None))

    def test_only_calibration_dataset_types_can_be_certified(self, calib):
        refs = calib.insertDatasets("d", [{"instrument": "Cam", "visit": 1, "detector": 0}], run="b1")
        with pytest.raises(DatasetTypeError, match="'d'"):
            calib.certify("calib", refs, span("2024-01-01", None))

    def test_the_calibration_collection_lists_the_dataset_type(self, calib, b1):
        calib.certify("calib", b1, span("2024-01-01", None))
        assert "calib" in calib.queryCollections(datasetType="bias")


class TestDecertify:
    def test_decertify_the_middle_splits_the_range(self, calib, b1):
        calib.certify("calib", b1[:1], span("2024-01-01", "2024-01-10"))
        calib.decertify("calib", "bias", span("2024-01-04", "2024-01-06"))
        assert validity(calib, b1[0]) == [span("2024-01-01", "2024-01-04"), span("2024-01-06", "2024-01-10")]
        assert find(calib, timespan=span("2024-01-05", "2024-01-05T01:00")) is None
        assert find(calib, timespan=span("2024-01-03", "2024-01-03T01:00")) == b1[0]
        assert find(calib, timespan=span("2024-01-07", "2024-01-07T01:00")) == b1[0]

    def test_decertify_trims_a_range_that_extends_past_it(self, calib, b1):
        calib.certify("calib", b1[:1], span("2024-01-01", None))
        calib.decertify("calib", "bias", span("2024-01-05", None))
        assert validity(calib, b1[0]) == [span("2024-01-01", "2024-01-05")]

    def test_decertify_everything(self, calib, b1):
        calib.certify("calib", b1, span("2024-01-01", "2024-01-03"))
        calib.decertify("calib", "bias", Timespan(None, None))
        assert find(calib, timespan=span("2024-01-02", "2024-01-02T01:00")) is None
        assert find(calib, DET1, timespan=span("2024-01-02", "2024-01-02T01:00")) is None

    def test_decertify_only_the_data_ids_given(self, calib, b1):
        calib.certify("calib", b1, span("2024-01-01", "2024-01-03"))
        calib.decertify("calib", "bias", Timespan(None, None), dataIds=[DET0])
        assert find(calib, timespan=span("2024-01-02", "2024-01-02T01:00")) is None
        assert find(calib, DET1, timespan=span("2024-01-02", "2024-01-02T01:00")) == b1[1]

    def test_decertified_time_can_be_certified_for_another_dataset(self, calib, b1, b2):
        calib.certify("calib", b1[:1], span("2024-01-01", None))
        calib.decertify("calib", "bias", span("2024-01-05", None))
        calib.certify("calib", b2, span("2024-01-05", None))
        assert find(calib, timespan=span("2024-01-06", "2024-01-07")) == b2[0]

    def test_decertify_in_a_non_calibration_collection_is_a_collection_type_error(self, calib):
        with pytest.raises(CollectionTypeError):
            calib.decertify("tag", "bias", Timespan(None, None))

    def test_the_datasets_remain_in_their_runs(self, calib, b1):
        calib.certify("calib", b1, span("2024-01-01", None))
        calib.decertify("calib", "bias", Timespan(None, None))
        assert calib.findDataset("bias", DET0, collections="b1") == b1[0]


class TestLookup:
    def test_a_timespan_matching_two_datasets_is_a_calibration_lookup_error(self, calib, b1, b2):
        calib.certify("calib", b1[:1], span("2024-01-01", "2024-01-03"))
        calib.certify("calib", b2, span("2024-01-03", None))
        with pytest.raises(CalibrationLookupError, match="bias") as info:
            find(calib, timespan=span("2024-01-02", "2024-01-04"))
        assert isinstance(info.value, LookupError)

    def test_one_dataset_valid_over_two_ranges_is_not_ambiguous(self, calib, b1):
        calib.certify("calib", b1[:1], span("2024-01-01", "2024-01-10"))
        calib.decertify("calib", "bias", span("2024-01-04", "2024-01-06"))
        assert find(calib, timespan=span("2024-01-02", "2024-01-08")) == b1[0]

    def test_lookup_without_a_time_is_a_calibration_lookup_error(self, calib, b1):
        calib.certify("calib", b1, span("2024-01-01", None))
        with pytest.raises(CalibrationLookupError, match="calib"):
            find(calib)

    def test_a_data_id_with_an_exposure_uses_the_exposure_timespan(self, calib, b1, b2):
        # Exposure n is observed n hours after 2024-01-01T00:00 TAI.
        calib.certify("calib", b1[:1], span("2024-01-01T00:00", "2024-01-01T03:00"))
        calib.certify("calib", b2, span("2024-01-01T03:00", None))
        assert find(calib, {**DET0, "exposure": 2}) == b1[0]
        assert find(calib, {**DET0, "exposure": 4}) == b2[0]
        assert find(calib, DET0, exposure=3) == b2[0]

    def test_a_data_id_with_a_visit_uses_the_visit_timespan(self, calib, b1):
        calib.certify("calib", b1[:1], span("2024-01-01T00:00", "2024-01-01T03:00"))
        assert find(calib, {**DET0, "visit": 2}) == b1[0]
        assert find(calib, {**DET0, "visit": 5}) is None

    def test_an_explicit_timespan_wins_over_the_data_id(self, calib, b1):
        calib.certify("calib", b1[:1], span("2024-01-01T00:00", "2024-01-01T03:00"))
        ts = span("2024-01-01T01:00", "2024-01-01T02:00")
        assert find(calib, {**DET0, "exposure": 5}, timespan=ts) == b1[0]

    def test_a_chain_searches_calibrations_then_runs_in_order(self, calib, b1, b2):
        calib.registerCollection("chain", CollectionType.CHAINED)
        calib.setCollectionChain("chain", ["calib", "b2"])
        calib.certify("calib", b1[:1], span("2024-01-01", "2024-01-03"))
        ts = span("2024-01-02", "2024-01-02T01:00")
        assert find(calib, timespan=ts, collections="chain") == b1[0]
        assert find(calib, timespan=span("2024-02-01", "2024-02-02"), collections="chain") == b2[0]

    def test_query_datasets_lists_certified_datasets_without_find_first(self, calib, b1, b2):
        calib.certify("calib", b1, span("2024-01-01", "2024-01-03"))
        calib.certify("calib", b2, span("2024-01-03", None))
        refs = calib.queryDatasets("bias", collections="calib")
        assert sorted(r.run for r in refs) == ["b1", "b1", "b2"]

    def test_a_find_first_query_through_a_calibration_collection_returns_unambiguous_datasets(self, calib, b1):
        calib.certify("calib", b1, span("2024-01-01", "2024-02-01"))
        calib.certify("calib", b1[:1], span("2024-03-01", None))
        refs = calib.queryDatasets("bias", collections="calib", findFirst=True)
        assert sorted(r.id for r in refs) == sorted(r.id for r in b1)

    def test_a_find_first_query_through_a_calibration_collection_and_a_run_takes_the_first(self, calib, b1, b2):
        calib.certify("calib", b1[:1], span("2024-01-01", "2024-02-01"))
        first_calib = calib.queryDatasets("bias", collections=["calib", "b2"], findFirst=True)
        assert {r.dataId["detector"]: r.run for r in first_calib} == {0: "b1"} | {
            r.dataId["detector"]: "b2" for r in b2 if r.dataId["detector"] != 0}
        first_run = calib.queryDatasets("bias", collections=["b2", "calib"], findFirst=True)
        assert sorted(r.id for r in first_run) == sorted(r.id for r in b2)

    def test_a_find_first_query_is_invalid_where_a_data_id_has_several_calibrations(self, calib, b1, b2):
        calib.certify("calib", b1[:1], span("2024-01-01", "2024-02-01"))
        calib.certify("calib", b2, span("2024-02-01", None))
        with pytest.raises(InvalidQueryError, match="calib"):
            calib.queryDatasets("bias", collections="calib", findFirst=True)
