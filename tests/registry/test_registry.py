"""Registry specification: dimension records, data ID expansion, the stored
universe, dataset types, datasets and transactions.

Every test runs on SQLite and PostgreSQL (see ``conftest.py`` for the
standard content of ``populated``).  Where LSST lets a raw sqlalchemy
IntegrityError escape, the registry raises a typed error instead
(ConflictingDefinitionError, DataIdValueError, OrphanedRecordError).
"""

from __future__ import annotations

import re
import uuid

import pytest

from butler import (
    CollectionError,
    CollectionType,
    CollectionTypeError,
    ConflictingDefinitionError,
    DataCoordinate,
    DataIdValueError,
    DatasetIdGenEnum,
    DatasetRef,
    DatasetType,
    DimensionNameError,
    DimensionUniverse,
    IncompatibleSchemaError,
    InconsistentDataIdError,
    MissingCollectionError,
    MissingDatasetTypeError,
    OrphanedRecordError,
    UnknownComponentError,
)
from butler.registry import Database, Registry

CAM = {"instrument": "Cam"}


def detector_record(registry: Registry, detector: int):
    """The detector record as stored (bypassing the record cache)."""
    registry.dimension_records.clear_cache()
    return registry.expandDataId(instrument="Cam", detector=detector).records["detector"]


# Dimension records ---------------------------------------------------------------


class TestInsertDimensionData:
    def test_inserted_records_are_read_back_by_expansion(self, populated):
        record = detector_record(populated, 2)
        assert (record.instrument, record.id, record.full_name, record.purpose) == ("Cam", 2, "D2", "SCIENCE")

    def test_record_objects_are_accepted_as_well_as_dicts(self, populated):
        Detector = populated.dimensions["detector"].RecordClass
        populated.insertDimensionData("detector", Detector(instrument="Cam", id=7, full_name="D7"))
        assert detector_record(populated, 7).full_name == "D7"

    def test_identical_duplicate_is_a_conflict(self, populated):
        with pytest.raises(ConflictingDefinitionError, match="detector"):
            populated.insertDimensionData("detector", {"instrument": "Cam", "id": 0, "full_name": "D0",
                                                       "purpose": "SCIENCE"})

    def test_same_key_with_different_values_is_a_conflict_and_keeps_the_stored_record(self, populated):
        with pytest.raises(ConflictingDefinitionError, match="detector"):
            populated.insertDimensionData("detector", {"instrument": "Cam", "id": 0, "full_name": "OTHER"})
        assert detector_record(populated, 0).full_name == "D0"

    def test_reusing_an_alternate_key_is_a_conflict(self, populated):
        with pytest.raises(ConflictingDefinitionError, match="detector"):
            populated.insertDimensionData("detector", {"instrument": "Cam", "id": 9, "full_name": "D0"})

    def test_the_same_record_twice_in_one_call_is_a_conflict(self, populated):
        row = {"instrument": "Cam", "id": 9, "full_name": "D9"}
        with pytest.raises(ConflictingDefinitionError, match="more than once"):
            populated.insertDimensionData("detector", row, row)
        with pytest.raises(DataIdValueError):
            populated.expandDataId(instrument="Cam", detector=9)

    def test_skip_existing_keeps_the_stored_record_and_inserts_the_new_ones(self, populated):
        populated.insertDimensionData(
            "detector",
            {"instrument": "Cam", "id": 0, "full_name": "OTHER"},
            {"instrument": "Cam", "id": 8, "full_name": "D8"},
            skip_existing=True,
        )
        assert detector_record(populated, 0).full_name == "D0"
        assert detector_record(populated, 8).full_name == "D8"

    def test_replace_overwrites_the_stored_record(self, populated):
        populated.insertDimensionData("detector", {"instrument": "Cam", "id": 0, "full_name": "D0x"},
                                      replace=True)
        assert detector_record(populated, 0).full_name == "D0x"

    def test_replace_is_seen_through_the_record_cache(self, populated):
        populated.expandDataId(instrument="Cam", detector=1)  # caches the record
        populated.insertDimensionData("detector", {"instrument": "Cam", "id": 1, "full_name": "D1x"},
                                      replace=True)
        assert populated.expandDataId(instrument="Cam", detector=1).records["detector"].full_name == "D1x"

    def test_missing_parent_record_is_a_data_id_value_error_naming_it(self, populated):
        with pytest.raises(DataIdValueError, match="NoCam"):
            populated.insertDimensionData("detector", {"instrument": "NoCam", "id": 0, "full_name": "D0"})

    def test_implied_value_without_record_is_a_data_id_value_error(self, populated):
        with pytest.raises(DataIdValueError, match="Cam-z"):
            populated.insertDimensionData("visit", {"instrument": "Cam", "id": 50, "name": "v50",
                                                    "physical_filter": "Cam-z", "day_obs": 20240101})

    @pytest.mark.parametrize("missing", ["day_obs", "physical_filter"])
    def test_implied_value_is_mandatory(self, populated, missing):
        row = {"instrument": "Cam", "id": 50, "name": "v50", "physical_filter": "Cam-r", "day_obs": 20240101}
        del row[missing]
        with pytest.raises(DataIdValueError, match=missing):
            populated.insertDimensionData("visit", row)
        with pytest.raises(DataIdValueError):
            populated.expandDataId(instrument="Cam", visit=50)

    def test_unknown_field_is_a_type_error_naming_it(self, populated):
        with pytest.raises(TypeError, match="bogus"):
            populated.insertDimensionData("detector", {"instrument": "Cam", "id": 9, "bogus": 1})

    def test_unknown_element_is_a_key_error(self, populated):
        with pytest.raises(KeyError, match="nosuch"):
            populated.insertDimensionData("nosuch", {"name": "x"})

    def test_physical_filter_records_define_the_bands(self, populated):
        assert sorted(r.name for r in populated.queryDimensionRecords("band")) == ["g", "r"]
        populated.insertDimensionData("physical_filter", {"instrument": "Cam", "name": "Cam-i", "band": "i"})
        assert populated.expandDataId(band="i").records["band"].name == "i"

    def test_a_conflict_inside_a_transaction_leaves_it_usable(self, populated):
        with populated.transaction():
            with pytest.raises(ConflictingDefinitionError):
                populated.insertDimensionData("detector", {"instrument": "Cam", "id": 0, "full_name": "D0"})
            populated.insertDimensionData("detector", {"instrument": "Cam", "id": 8, "full_name": "D8"})
        assert detector_record(populated, 8).full_name == "D8"


class TestSyncDimensionData:
    def test_sync_inserts_a_new_record(self, populated):
        row = {"instrument": "Cam", "id": 5, "full_name": "D5"}
        assert populated.syncDimensionData("detector", row) is True
        assert detector_record(populated, 5).full_name == "D5"

    def test_sync_of_an_identical_record_returns_false(self, populated):
        row = {"instrument": "Cam", "id": 5, "full_name": "D5"}
        populated.syncDimensionData("detector", row)
        assert populated.syncDimensionData("detector", row) is False

    def test_sync_of_a_different_record_is_a_conflict_naming_the_field(self, populated):
        populated.syncDimensionData("detector", {"instrument": "Cam", "id": 5, "full_name": "D5"})
        with pytest.raises(ConflictingDefinitionError, match="full_name"):
            populated.syncDimensionData("detector", {"instrument": "Cam", "id": 5, "full_name": "D5x"})
        assert detector_record(populated, 5).full_name == "D5"

    def test_sync_with_update_replaces_and_returns_the_old_values(self, populated):
        populated.syncDimensionData("detector", {"instrument": "Cam", "id": 5, "full_name": "D5"})
        old = populated.syncDimensionData("detector", {"instrument": "Cam", "id": 5, "full_name": "D5x"},
                                          update=True)
        assert old == {"full_name": "D5"}
        assert detector_record(populated, 5).full_name == "D5x"

    def test_sync_with_missing_parent_is_a_data_id_value_error(self, populated):
        with pytest.raises(DataIdValueError):
            populated.syncDimensionData("detector", {"instrument": "NoCam", "id": 5, "full_name": "D5"})


# Data ID expansion -----------------------------------------------------------------


class TestExpandDataId:
    """Read-only: these run against the shared registry."""

    def test_expansion_fills_implied_values_and_records(self, shared_registry, visit_timespan):
        data_id = shared_registry.expandDataId(instrument="Cam", visit=3, detector=1)
        assert data_id.hasFull() and data_id.hasRecords()
        assert dict(data_id.mapping) == {"instrument": "Cam", "visit": 3, "detector": 1,
                                         "physical_filter": "Cam-r", "band": "r", "day_obs": 20240101}
        assert data_id.records["visit"].exposure_time == 30.0
        assert data_id.records["physical_filter"].band == "r"
        assert data_id.records["band"].name == "r"
        assert data_id.timespan == visit_timespan(3)

    def test_expanded_data_id_equals_the_minimal_one(self, shared_registry):
        minimal = DataCoordinate.standardize(instrument="Cam", visit=3, universe=shared_registry.dimensions)
        expanded = shared_registry.expandDataId(minimal)
        assert expanded == minimal and hash(expanded) == hash(minimal)

    def test_join_element_without_a_row_has_a_none_record(self, shared_registry):
        data_id = shared_registry.expandDataId(instrument="Cam", visit=3, detector=1)
        assert "visit_detector_region" in data_id.records
        assert data_id.records["visit_detector_region"] is None

    def test_expanding_an_expanded_data_id_returns_it(self, shared_registry):
        data_id = shared_registry.expandDataId(instrument="Cam", visit=3)
        assert shared_registry.expandDataId(data_id) is data_id

    def test_dimensions_argument_selects_the_dimensions_and_ignores_other_keys(self, shared_registry):
        data_id = shared_registry.expandDataId({"instrument": "Cam", "visit": 2, "detector": 1},
                                               dimensions=["visit"])
        assert data_id.dimensions == shared_registry.dimensions.conform(["visit"])
        assert data_id["physical_filter"] == "Cam-g"

    @pytest.mark.parametrize("key, value, dimension, expected", [
        ("detector.full_name", "D3", "detector", 3),
        ("visit.name", "v4", "visit", 4),
        ("exposure.obs_id", "e5", "exposure", 5),
    ])
    def test_alternate_keys_identify_the_dimension_value(self, shared_registry, key, value, dimension,
                                                         expected):
        data_id = shared_registry.expandDataId({key: value, "instrument": "Cam"})
        assert data_id[dimension] == expected
        assert data_id.hasRecords()

    def test_alternate_key_without_its_governor_is_resolved_when_unique(self, shared_registry):
        assert shared_registry.expandDataId({"detector.full_name": "D2"})["detector"] == 2

    def test_alternate_key_with_no_record_is_a_data_id_value_error_naming_the_value(self, shared_registry):
        with pytest.raises(DataIdValueError, match="ZZ"):
            shared_registry.expandDataId({"detector.full_name": "ZZ", "instrument": "Cam"})

    def test_alternate_key_disagreeing_with_the_value_given_is_inconsistent(self, shared_registry):
        with pytest.raises(InconsistentDataIdError, match="detector"):
            shared_registry.expandDataId({"detector.full_name": "D3", "detector": 2, "instrument": "Cam"})

    def test_unknown_alternate_key_field_is_a_dimension_name_error(self, shared_registry):
        with pytest.raises(DimensionNameError, match="bogus"):
            shared_registry.expandDataId({"detector.bogus": "D3", "instrument": "Cam"})

    def test_implied_value_agreeing_with_the_records_is_accepted(self, shared_registry):
        data_id = shared_registry.expandDataId(instrument="Cam", visit=1, physical_filter="Cam-r")
        assert data_id["band"] == "r"

    def test_implied_value_disagreeing_with_the_records_is_inconsistent(self, shared_registry):
        with pytest.raises(InconsistentDataIdError, match="physical_filter"):
            shared_registry.expandDataId(instrument="Cam", visit=1, physical_filter="Cam-g")

    def test_implied_value_disagreeing_in_a_full_data_id_is_inconsistent(self, shared_registry):
        with pytest.raises(InconsistentDataIdError, match="day_obs"):
            shared_registry.expandDataId(instrument="Cam", visit=1, physical_filter="Cam-r", band="r",
                                         day_obs=20240102)

    @pytest.mark.parametrize("data_id, named", [
        ({"instrument": "Cam", "visit": 99}, "99"),
        ({"instrument": "NoCam", "visit": 1}, "NoCam"),
        ({"instrument": "Cam", "detector": 42}, "42"),
    ])
    def test_value_without_record_is_a_data_id_value_error_naming_it(self, shared_registry, data_id, named):
        with pytest.raises(DataIdValueError, match=named):
            shared_registry.expandDataId(data_id)

    def test_missing_required_dimension_is_a_dimension_name_error(self, shared_registry):
        with pytest.raises(DimensionNameError, match="instrument"):
            shared_registry.expandDataId(visit=1)

    def test_values_are_normalized_before_lookup(self, shared_registry):
        import numpy as np

        assert shared_registry.expandDataId(instrument="Cam", visit=np.int64(2))["physical_filter"] == "Cam-g"


# The universe stored in the repository -----------------------------------------------


def test_a_registry_is_reopened_with_the_universe_stored_in_it(db_url, open_databases, monkeypatch):
    config = DimensionUniverse.default_config()
    config["elements"]["detector"]["metadata"].append({"name": "serial", "type": "string", "length": 16})
    config["version"] = 99
    custom = DimensionUniverse(config)
    registry = Registry.create(open_databases(db_url), custom)
    registry.insertDimensionData("instrument", CAM)
    registry.insertDimensionData("detector",
                                 {"instrument": "Cam", "id": 1, "full_name": "D1", "serial": "S1"})
    # Forget every universe built in this process, so the reopened registry
    # can only have the custom one from what the database stores.
    monkeypatch.setattr(DimensionUniverse, "_cache", {})
    reopened = Registry.open(open_databases(db_url), "test repo")
    assert reopened.dimensions.version == 99
    assert reopened.dimensions is not DimensionUniverse.default()
    assert "serial" in reopened.dimensions["detector"].RecordClass.field_names
    assert reopened.expandDataId(instrument="Cam", detector=1).records["detector"].serial == "S1"


def test_creating_a_registry_where_one_exists_is_a_conflict(db_url, open_databases):
    registry = Registry.create(open_databases(db_url))
    registry.registerRun("r1")
    with pytest.raises(ConflictingDefinitionError, match="already holds a registry"):
        Registry.create(open_databases(db_url))
    assert Registry.open(open_databases(db_url), "repo").queryCollections() == ["r1"]


def test_opening_an_empty_database_is_an_incompatible_schema_error(db_url, open_databases):
    with pytest.raises(IncompatibleSchemaError, match="no butler schema"):
        Registry.open(open_databases(db_url), "nowhere")


# Dataset types ------------------------------------------------------------------------


def dataset_type(registry, name="d", dimensions=("instrument", "visit", "detector"), sc="StructuredDataDict",
                 **kwargs) -> DatasetType:
    return DatasetType(name, dimensions, sc, universe=registry.dimensions, **kwargs)


class TestDatasetTypes:
    def test_register_returns_true_then_false_for_the_identical_type(self, registry):
        assert registry.registerDatasetType(dataset_type(registry)) is True
        assert registry.registerDatasetType(dataset_type(registry)) is False
        assert registry.getDatasetType("d") == dataset_type(registry)

    @pytest.mark.parametrize("change", [
        {"dimensions": ("instrument", "detector")},
        {"sc": "NumpyArray"},
        {"isCalibration": True},
    ])
    def test_registering_a_different_definition_is_a_conflict_naming_the_type(self, registry, change):
        registry.registerDatasetType(dataset_type(registry))
        with pytest.raises(ConflictingDefinitionError, match="'d'"):
            registry.registerDatasetType(dataset_type(registry, **change))
        assert registry.getDatasetType("d") == dataset_type(registry)

    def test_component_dataset_types_cannot_be_registered(self, registry):
        with pytest.raises(ValueError, match="component"):
            registry.registerDatasetType(dataset_type(registry, "t.rowcount", ("instrument",), "int"))

    def test_unknown_dataset_type_is_missing_and_a_key_error(self, shared_registry):
        with pytest.raises(MissingDatasetTypeError, match="nope") as info:
            shared_registry.getDatasetType("nope")
        assert isinstance(info.value, KeyError)

    def test_missing_dataset_type_message_suggests_close_names(self, shared_registry):
        with pytest.raises(MissingDatasetTypeError, match="bias"):
            shared_registry.getDatasetType("bais")

    def test_component_lookup_gives_the_component_type(self, shared_registry):
        component = shared_registry.getDatasetType("t.rowcount")
        assert component.name == "t.rowcount"
        assert component.isComponent() and component.component() == "rowcount"
        assert component.storageClass_name == "int"
        assert component.dimensions == shared_registry.getDatasetType("t").dimensions
        assert component.makeCompositeDatasetType() == shared_registry.getDatasetType("t")

    def test_unknown_component_is_an_unknown_component_error(self, shared_registry):
        with pytest.raises(UnknownComponentError, match="nosuch"):
            shared_registry.getDatasetType("t.nosuch")

    def test_query_dataset_types_with_globs_regexes_and_lists(self, shared_registry):
        def names(expression):
            return sorted(t.name for t in shared_registry.queryDatasetTypes(expression))

        assert names(...) == ["bias", "d", "t"]
        assert names("b*") == ["bias"]
        assert names(re.compile("[dt]")) == ["d", "t"]
        assert names(["d", "t"]) == ["d", "t"]

    def test_query_dataset_types_reports_missing_names(self, shared_registry):
        missing: list[str] = []
        found = shared_registry.queryDatasetTypes(["d", "zz"], missing=missing)
        assert [t.name for t in found] == ["d"]
        assert missing == ["zz"]

    def test_remove_a_dataset_type_without_datasets(self, populated):
        populated.removeDatasetType("t")
        with pytest.raises(MissingDatasetTypeError):
            populated.getDatasetType("t")
        again = dataset_type(populated, "t", ("instrument",), "ArrowTable")
        assert populated.registerDatasetType(again) is True

    def test_removing_an_unregistered_dataset_type_does_nothing(self, populated):
        populated.removeDatasetType("nosuch")
        populated.removeDatasetType(("nosuch", "t"))
        assert [t.name for t in populated.queryDatasetTypes()] == ["bias", "d"]

    def test_remove_dataset_types_by_glob(self, populated):
        populated.removeDatasetType(("b*", "t"))
        assert [t.name for t in populated.queryDatasetTypes()] == ["d"]

    def test_a_dataset_type_registered_after_a_removal_has_its_own_datasets(self, populated):
        # SQLite reuses the integer key of a removed dataset type.
        populated.registerRun("r1")
        populated.registerDatasetType(dataset_type(populated, "x", ("instrument",)))
        old = populated.insertDatasets("x", [CAM], run="r1")
        assert populated.findDataset("x", CAM, collections="r1") == old[0]
        populated.removeDatasets(old)
        populated.removeDatasetType("x")
        populated.registerDatasetType(dataset_type(populated, "y", ("instrument", "detector")))
        (new,) = populated.insertDatasets("y", [{"instrument": "Cam", "detector": 1}], run="r1")
        assert populated.findDataset("y", instrument="Cam", detector=1, collections="r1") == new
        assert populated.queryCollections(datasetType="y") == ["r1"]

    def test_removing_a_dataset_type_with_datasets_is_an_orphaned_record_error(self, populated):
        populated.registerRun("r1")
        populated.insertDatasets("d", [{"instrument": "Cam", "visit": 1, "detector": 0}], run="r1")
        with pytest.raises(OrphanedRecordError, match="'d'"):
            populated.removeDatasetType("d")
        assert populated.getDatasetType("d").name == "d"


# Datasets ---------------------------------------------------------------------------


def vd(visit: int, detector: int) -> dict:
    return {"instrument": "Cam", "visit": visit, "detector": detector}


@pytest.fixture
def runs(populated):
    """The populated registry with RUNs r1, r2, r3 and TAGGED tag."""
    for run in ("r1", "r2", "r3"):
        populated.registerRun(run)
    populated.registerCollection("tag", CollectionType.TAGGED)
    return populated


class TestInsertDatasets:
    def test_inserted_refs_have_expanded_data_ids_the_run_and_uuid7_ids(self, runs):
        (ref,) = runs.insertDatasets("d", [vd(1, 2)], run="r1")
        assert ref.run == "r1" and ref.datasetType == runs.getDatasetType("d")
        assert ref.dataId.hasRecords() and ref.dataId["physical_filter"] == "Cam-r"
        assert ref.id.version == 7

    def test_insert_accepts_a_dataset_type_object(self, runs):
        (ref,) = runs.insertDatasets(runs.getDatasetType("d"), [vd(1, 2)], run="r1")
        assert ref.datasetType.name == "d"

    def test_the_same_data_id_twice_in_a_run_is_a_conflict(self, runs):
        runs.insertDatasets("d", [vd(1, 0)], run="r1")
        with pytest.raises(ConflictingDefinitionError, match="r1"):
            runs.insertDatasets("d", [vd(1, 0)], run="r1")

    def test_the_same_data_id_twice_in_one_call_is_a_conflict_and_inserts_nothing(self, runs):
        with pytest.raises(ConflictingDefinitionError):
            runs.insertDatasets("d", [vd(1, 1), vd(1, 0), vd(1, 0)], run="r1")
        assert runs.findDataset("d", vd(1, 1), collections="r1") is None

    def test_the_same_data_id_in_two_runs_is_fine(self, runs):
        a = runs.insertDatasets("d", [vd(1, 0)], run="r1")
        b = runs.insertDatasets("d", [vd(1, 0)], run="r2")
        assert a[0].id != b[0].id

    def test_insert_without_a_run_or_default_run_is_a_collection_error(self, runs):
        with pytest.raises(CollectionError, match="run"):
            runs.insertDatasets("d", [vd(1, 0)])

    def test_insert_into_a_tagged_collection_is_a_collection_type_error(self, runs):
        with pytest.raises(CollectionTypeError, match="tag"):
            runs.insertDatasets("d", [vd(1, 0)], run="tag")

    def test_insert_into_a_missing_run_is_a_missing_collection_error(self, runs):
        with pytest.raises(MissingCollectionError, match="nosuch"):
            runs.insertDatasets("d", [vd(1, 0)], run="nosuch")

    def test_insert_of_an_unregistered_dataset_type_is_a_missing_dataset_type_error(self, runs):
        with pytest.raises(MissingDatasetTypeError, match="nope"):
            runs.insertDatasets("nope", [vd(1, 0)], run="r1")

    def test_insert_with_a_data_id_value_without_record_is_a_data_id_value_error(self, runs):
        with pytest.raises(DataIdValueError, match="99"):
            runs.insertDatasets("d", [vd(99, 0)], run="r1")

    def test_insert_with_a_missing_dimension_is_a_dimension_name_error(self, runs):
        with pytest.raises(DimensionNameError, match="detector"):
            runs.insertDatasets("d", [{"instrument": "Cam", "visit": 1}], run="r1")

    def test_dataid_type_run_ids_are_those_a_dataset_ref_computes(self, runs):
        (ref,) = runs.insertDatasets("d", [vd(1, 0)], run="r1",
                                     idGenerationMode=DatasetIdGenEnum.DATAID_TYPE_RUN)
        expected = DatasetRef(runs.getDatasetType("d"), vd(1, 0), "r1",
                              id_generation_mode=DatasetIdGenEnum.DATAID_TYPE_RUN).id
        assert ref.id == expected and ref.id.version == 5

    def test_reinserting_a_deterministic_id_is_a_conflict(self, runs):
        runs.insertDatasets("d", [vd(1, 0)], run="r1", idGenerationMode=DatasetIdGenEnum.DATAID_TYPE_RUN)
        with pytest.raises(ConflictingDefinitionError):
            runs.insertDatasets("d", [vd(1, 0)], run="r1", idGenerationMode=DatasetIdGenEnum.DATAID_TYPE_RUN)

    def test_dataid_type_ids_collide_across_runs(self, runs):
        runs.insertDatasets("d", [vd(1, 0)], run="r1", idGenerationMode=DatasetIdGenEnum.DATAID_TYPE)
        with pytest.raises(ConflictingDefinitionError):
            runs.insertDatasets("d", [vd(1, 0)], run="r2", idGenerationMode=DatasetIdGenEnum.DATAID_TYPE)


class TestBatchExpansion:
    """A batch of plain data IDs is expanded a column at a time; the result must not differ."""

    def test_batch_expansion_equals_one_at_a_time_expansion(self, runs):
        data_ids = [vd(v, d) for v in range(1, 7) for d in range(4)]
        refs = runs.insertDatasets("d", data_ids, run="r1")
        for ref, data_id in zip(refs, data_ids):
            expected = runs.expandDataId(data_id, dimensions=ref.datasetType.dimensions)
            assert ref.dataId == expected
            assert ref.dataId.full_values == expected.full_values
            assert dict(ref.dataId.records) == dict(expected.records)

    def test_values_of_the_wrong_type_are_normalized(self, runs):
        (ref,) = runs.insertDatasets("d", [{"instrument": "Cam", "visit": "3", "detector": 2.0}], run="r1")
        assert ref.dataId["visit"] == 3 and type(ref.dataId["visit"]) is int
        assert ref.dataId["physical_filter"] == "Cam-r"

    def test_a_value_that_cannot_be_normalized_is_a_data_id_value_error(self, runs):
        with pytest.raises(DataIdValueError, match="visit"):
            runs.insertDatasets("d", [vd(1, 0), {"instrument": "Cam", "visit": "one", "detector": 0}], run="r1")

    def test_the_missing_record_is_named_and_nothing_is_inserted(self, runs):
        with pytest.raises(DataIdValueError, match=r"No visit record for visit=77"):
            runs.insertDatasets("d", [vd(1, 0), vd(77, 0), vd(2, 0)], run="r1")
        assert runs.findDataset("d", vd(1, 0), collections="r1") is None

    def test_mixed_batches_with_implied_values_take_the_general_path_and_are_checked(self, runs):
        with pytest.raises(InconsistentDataIdError, match="physical_filter"):
            runs.insertDatasets("d", [vd(1, 0), {**vd(1, 1), "physical_filter": "Cam-g"}], run="r1")
        refs = runs.insertDatasets("d", [vd(1, 0), {**vd(1, 1), "physical_filter": "Cam-r"}], run="r1")
        assert [r.dataId["physical_filter"] for r in refs] == ["Cam-r", "Cam-r"]


class TestBulkInsertThroughCopy:
    """Batches large enough for PostgreSQL's COPY behave exactly as small ones (SQLite: plain INSERT)."""

    @pytest.fixture(autouse=True)
    def copy_every_batch(self, monkeypatch):
        monkeypatch.setattr(Database, "_COPY_FROM_ROWS", 1)

    def test_inserted_datasets_are_found_with_their_data_ids(self, runs):
        refs = runs.insertDatasets("d", [vd(v, d) for v in range(1, 7) for d in range(4)], run="r1")
        assert len(refs) == 24
        found = runs.findDataset("d", vd(5, 3), collections="r1")
        assert found is not None and found.id == refs[4 * 4 + 3].id

    def test_a_conflict_is_a_conflicting_definition_error_and_inserts_nothing(self, runs):
        runs.insertDatasets("d", [vd(1, 0)], run="r1")
        with pytest.raises(ConflictingDefinitionError, match="r1"):
            runs.insertDatasets("d", [vd(2, 0), vd(1, 0)], run="r1")
        assert runs.findDataset("d", vd(2, 0), collections="r1") is None

    def test_a_conflict_inside_a_transaction_leaves_it_usable(self, runs):
        with runs.transaction():
            runs.insertDatasets("d", [vd(1, 0)], run="r1")
            with pytest.raises(ConflictingDefinitionError):
                runs.insertDatasets("d", [vd(1, 0)], run="r1")
            runs.insertDatasets("d", [vd(1, 1)], run="r1")
        assert runs.findDataset("d", vd(1, 1), collections="r1") is not None


class TestGetAndRemoveDatasets:
    def test_get_dataset_by_uuid_or_string(self, runs):
        (ref,) = runs.insertDatasets("d", [vd(1, 2)], run="r1")
        assert runs.getDataset(ref.id) == ref
        assert runs.getDataset(str(ref.id)) == ref
        assert runs.getDataset(ref.id).run == "r1"

    def test_get_unknown_dataset_is_none(self, runs):
        assert runs.getDataset(uuid.uuid4()) is None

    def test_remove_datasets_removes_them_from_every_collection(self, runs):
        refs = runs.insertDatasets("d", [vd(1, 0), vd(1, 1)], run="r1")
        runs.associate("tag", refs)
        runs.removeDatasets(refs[:1])
        assert runs.getDataset(refs[0].id) is None
        assert runs.findDataset("d", vd(1, 0), collections="r1") is None
        assert runs.findDataset("d", vd(1, 0), collections="tag") is None
        assert runs.findDataset("d", vd(1, 1), collections="tag") == refs[1]

    def test_a_removed_data_id_can_be_inserted_again(self, runs):
        refs = runs.insertDatasets("d", [vd(1, 0)], run="r1")
        runs.removeDatasets(refs)
        (new,) = runs.insertDatasets("d", [vd(1, 0)], run="r1")
        assert new.id != refs[0].id


class TestFindDataset:
    def test_find_first_prefers_earlier_run_in_chain(self, runs):
        runs.insertDatasets("d", [vd(1, 0)], run="r1")
        (newer,) = runs.insertDatasets("d", [vd(1, 0)], run="r2")
        runs.registerCollection("chain", CollectionType.CHAINED)
        runs.setCollectionChain("chain", ["r2", "r1"])
        assert runs.findDataset("d", vd(1, 0), collections="chain") == newer

    def test_find_falls_through_to_later_collections(self, runs):
        (older,) = runs.insertDatasets("d", [vd(2, 0)], run="r1")
        runs.insertDatasets("d", [vd(1, 0)], run="r2")
        assert runs.findDataset("d", vd(2, 0), collections=["r2", "r1"]) == older

    def test_find_first_through_nested_chains_follows_depth_first_order(self, runs):
        runs.insertDatasets("d", [vd(1, 0), vd(2, 0), vd(3, 0)], run="r1")
        (r2_v1,) = runs.insertDatasets("d", [vd(1, 0)], run="r2")
        r3 = runs.insertDatasets("d", [vd(1, 0), vd(2, 0)], run="r3")
        runs.registerCollection("inner", CollectionType.CHAINED)
        runs.registerCollection("outer", CollectionType.CHAINED)
        runs.setCollectionChain("inner", ["r2", "r1"])
        runs.setCollectionChain("outer", ["inner", "r3"])
        assert runs.findDataset("d", vd(1, 0), collections="outer") == r2_v1
        assert runs.findDataset("d", vd(2, 0), collections="outer").run == "r1"
        runs.setCollectionChain("outer", ["r3", "inner"])
        assert runs.findDataset("d", vd(1, 0), collections="outer") == r3[0]
        assert runs.findDataset("d", vd(3, 0), collections="outer").run == "r1"

    def test_find_in_a_tagged_collection_returns_the_ref_with_its_run(self, runs):
        (ref,) = runs.insertDatasets("d", [vd(1, 0)], run="r2")
        runs.associate("tag", [ref])
        found = runs.findDataset("d", vd(1, 0), collections="tag")
        assert found == ref and found.run == "r2"

    def test_find_accepts_data_id_kwargs_and_extra_dimensions(self, runs):
        (ref,) = runs.insertDatasets("d", [vd(3, 1)], run="r1")
        assert runs.findDataset("d", instrument="Cam", visit=3, detector=1, collections="r1") == ref
        assert runs.findDataset("d", {"instrument": "Cam", "visit": 3}, detector=1, exposure=3,
                                collections="r1") == ref

    def test_find_of_a_data_id_with_no_dataset_is_none(self, runs):
        runs.insertDatasets("d", [vd(1, 0)], run="r1")
        assert runs.findDataset("d", vd(1, 1), collections="r1") is None

    def test_find_of_a_value_without_record_is_none(self, runs):
        assert runs.findDataset("d", vd(99, 0), collections="r1") is None

    def test_find_with_too_few_dimensions_is_a_dimension_name_error(self, runs):
        with pytest.raises(DimensionNameError, match="detector"):
            runs.findDataset("d", instrument="Cam", visit=1, collections="r1")

    def test_find_in_a_missing_collection_is_a_missing_collection_error(self, runs):
        with pytest.raises(MissingCollectionError, match="nosuch"):
            runs.findDataset("d", vd(1, 0), collections="nosuch")

    def test_find_of_an_unregistered_type_is_a_missing_dataset_type_error(self, runs):
        with pytest.raises(MissingDatasetTypeError):
            runs.findDataset("nope", vd(1, 0), collections="r1")

    def test_find_without_collections_or_defaults_is_a_collection_error(self, runs):
        with pytest.raises(CollectionError):
            runs.findDataset("d", vd(1, 0))

    def test_find_of_a_component_gives_a_component_ref_with_the_parent_id(self, runs):
        (parent,) = runs.insertDatasets("t", [CAM], run="r1")
        component = runs.findDataset("t.rowcount", CAM, collections="r1")
        assert component.id == parent.id
        assert component.datasetType.name == "t.rowcount"


class TestAssociate:
    def test_associate_is_idempotent(self, runs):
        refs = runs.insertDatasets("d", [vd(1, 0), vd(1, 1)], run="r1")
        runs.associate("tag", refs)
        runs.associate("tag", refs)
        assert sorted(r.id for r in runs.queryDatasets("d", collections="tag")) == sorted(r.id for r in refs)

    def test_associating_another_dataset_with_the_same_data_id_is_a_conflict(self, runs):
        (a,) = runs.insertDatasets("d", [vd(1, 0)], run="r1")
        (b,) = runs.insertDatasets("d", [vd(1, 0)], run="r2")
        runs.associate("tag", [a])
        with pytest.raises(ConflictingDefinitionError, match="tag"):
            runs.associate("tag", [b])
        assert runs.findDataset("d", vd(1, 0), collections="tag") == a

    def test_disassociate_then_associate_the_other_dataset(self, runs):
        (a,) = runs.insertDatasets("d", [vd(1, 0)], run="r1")
        (b,) = runs.insertDatasets("d", [vd(1, 0)], run="r2")
        runs.associate("tag", [a])
        runs.disassociate("tag", [a])
        runs.disassociate("tag", [a])  # idempotent too
        runs.associate("tag", [b])
        assert runs.findDataset("d", vd(1, 0), collections="tag") == b
        assert runs.findDataset("d", vd(1, 0), collections="r1") == a  # the run keeps it

    @pytest.mark.parametrize("method", ["associate", "disassociate"])
    def test_only_tagged_collections_take_associations(self, runs, method):
        refs = runs.insertDatasets("d", [vd(1, 0)], run="r1")
        with pytest.raises(CollectionTypeError, match="r2"):
            getattr(runs, method)("r2", refs)

    def test_associate_into_a_missing_collection_is_a_missing_collection_error(self, runs):
        refs = runs.insertDatasets("d", [vd(1, 0)], run="r1")
        with pytest.raises(MissingCollectionError):
            runs.associate("nosuch", refs)


# Transactions -----------------------------------------------------------------------


class Boom(Exception):
    pass


class TestTransactions:
    def test_an_exception_rolls_back_everything_done_in_the_transaction(self, runs):
        (kept,) = runs.insertDatasets("d", [vd(1, 0)], run="r1")
        with pytest.raises(Boom):
            with runs.transaction():
                runs.insertDimensionData("detector", {"instrument": "Cam", "id": 7, "full_name": "D7"})
                runs.expandDataId(instrument="Cam", detector=7)  # now cached
                runs.registerRun("new_run")
                runs.registerCollection("new_chain", CollectionType.CHAINED)
                runs.setCollectionChain("new_chain", ["r1"])
                runs.registerDatasetType(dataset_type(runs, "e", ("instrument", "detector")))
                (ref,) = runs.insertDatasets("d", [vd(2, 0)], run="r1")
                runs.insertDatasets("e", [{"instrument": "Cam", "detector": 7}], run="new_run")
                runs.associate("tag", [kept])
                raise Boom()
        with pytest.raises(DataIdValueError):
            runs.expandDataId(instrument="Cam", detector=7)
        for name in ("new_run", "new_chain"):
            with pytest.raises(MissingCollectionError):
                runs.getCollectionType(name)
        with pytest.raises(MissingDatasetTypeError):
            runs.getDatasetType("e")
        assert runs.getDataset(ref.id) is None
        assert runs.findDataset("d", vd(1, 0), collections="tag") is None
        assert runs.findDataset("d", vd(1, 0), collections="r1") == kept

    def test_after_a_rollback_the_same_things_can_be_made_again(self, runs):
        with pytest.raises(Boom):
            with runs.transaction():
                runs.registerRun("new_run")
                runs.registerDatasetType(dataset_type(runs, "e", ("instrument", "detector")))
                runs.insertDatasets("e", [{"instrument": "Cam", "detector": 1}], run="new_run")
                raise Boom()
        assert runs.registerRun("new_run") is True
        assert runs.registerDatasetType(dataset_type(runs, "e", ("instrument", "detector"))) is True
        (ref,) = runs.insertDatasets("e", [{"instrument": "Cam", "detector": 1}], run="new_run")
        assert runs.findDataset("e", instrument="Cam", detector=1, collections="new_run") == ref
        assert "new_run" in runs.queryCollections(datasetType="e")

    def test_a_failed_savepoint_rolls_back_only_its_own_work(self, runs):
        with runs.transaction():
            runs.registerRun("before")
            with pytest.raises(Boom):
                with runs.transaction(savepoint=True):
                    runs.registerRun("inside")
                    raise Boom()
            runs.registerRun("after")
        assert set(runs.queryCollections("*")) >= {"before", "after"}
        with pytest.raises(MissingCollectionError):
            runs.getCollectionType("inside")

    def test_work_in_a_successful_transaction_is_committed(self, runs):
        with runs.transaction():
            refs = runs.insertDatasets("d", [vd(1, 0)], run="r1")
        runs.refresh()
        assert runs.getDataset(refs[0].id) == refs[0]
