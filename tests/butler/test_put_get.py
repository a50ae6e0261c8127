"""Putting and getting datasets: round trips, ways of naming a dataset, existence, locations, errors.

Each test runs on a SQLite and on a PostgreSQL registry (the ``butler``
fixture); see ``conftest.py`` for the repository's content.
"""

from __future__ import annotations

import os
import uuid

import numpy as np
import pyarrow as pa
import pytest
from astropy.table import Table

from butler import (
    Butler,
    ConflictingDefinitionError,
    DataCoordinate,
    DataIdValueError,
    DatasetExistence,
    DatasetNotFoundError,
    DatasetRef,
    DatasetType,
    DeferredDatasetHandle,
    DimensionNameError,
    DimensionValueError,
    MissingCollectionError,
    MissingDatasetTypeError,
    NoDefaultCollectionError,
)


def _catalog() -> Table:
    table = Table({"id": [1, 2, 3], "flux": [10.0, 20.0, 30.0], "flag": [True, False, True]})
    table["flux"].unit = "nJy"
    return table


# Round trips ---------------------------------------------------------------------------------------------


def test_put_returns_a_resolved_ref_with_an_expanded_data_id(butler: Butler):
    ref = butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=2)
    assert ref.run == "run1"
    assert isinstance(ref.id, uuid.UUID)
    assert ref.dataId.hasFull() and ref.dataId.hasRecords()
    assert ref.dataId["physical_filter"] == "Cam-r" and ref.dataId["band"] == "r"
    assert ref.dataId.records["detector"].full_name == "D2"


def test_structured_data_dict_round_trips_by_ref_data_id_and_dataset_type_object(butler: Butler):
    value = {"seeing": 0.7, "nested": {"list": [1, 2, 3], "name": "x"}}
    ref = butler.put(value, "summary", {"instrument": "Cam", "visit": 1}, detector=0)
    assert butler.get(ref) == value
    assert butler.get("summary", instrument="Cam", visit=1, detector=0) == value
    assert butler.get("summary", {"instrument": "Cam", "visit": 1, "detector": 0}) == value
    assert butler.get(butler.get_dataset_type("summary"), instrument="Cam", visit=1, detector=0) == value
    data_id = DataCoordinate.standardize(instrument="Cam", visit=1, detector=0, universe=butler.dimensions)
    assert butler.get("summary", data_id) == value


def test_put_by_dataset_type_object_and_by_unstored_ref(local_butler: Butler):
    summary = local_butler.get_dataset_type("summary")
    local_butler.put({"how": "type"}, summary, instrument="Cam", visit=2, detector=0)
    ref = DatasetRef(summary, {"instrument": "Cam", "visit": 3, "detector": 0}, run="run1")
    stored = local_butler.put({"how": "ref"}, ref)
    assert stored.id == ref.id
    assert local_butler.get("summary", instrument="Cam", visit=2, detector=0) == {"how": "type"}
    assert local_butler.get("summary", instrument="Cam", visit=3, detector=0) == {"how": "ref"}


def test_arrow_astropy_round_trips_with_a_column_subset_and_components(local_butler: Butler):
    local_butler.put(_catalog(), "catalog", instrument="Cam", visit=1)
    table = local_butler.get("catalog", instrument="Cam", visit=1)
    assert isinstance(table, Table)
    assert table.colnames == ["id", "flux", "flag"]
    assert list(table["flux"]) == [10.0, 20.0, 30.0] and str(table["flux"].unit) == "nJy"

    subset = local_butler.get("catalog", instrument="Cam", visit=1, parameters={"columns": ["flux"]})
    assert subset.colnames == ["flux"] and len(subset) == 3

    assert local_butler.get("catalog.rowcount", instrument="Cam", visit=1) == 3
    assert list(local_butler.get("catalog.columns", instrument="Cam", visit=1)) == ["id", "flux", "flag"]


def test_get_with_storage_class_converts_arrow_astropy_to_arrow_table(local_butler: Butler):
    local_butler.put(_catalog(), "catalog", instrument="Cam", visit=1)
    as_arrow = local_butler.get("catalog", instrument="Cam", visit=1, storageClass="ArrowTable")
    assert isinstance(as_arrow, pa.Table)
    assert as_arrow.column_names == ["id", "flux", "flag"] and as_arrow.num_rows == 3

    # The same through a DatasetType object with the other storage class, and through a ref.
    arrow_type = DatasetType("catalog", ("instrument", "visit"), "ArrowTable",
                             universe=local_butler.dimensions)
    assert isinstance(local_butler.get(arrow_type, instrument="Cam", visit=1), pa.Table)
    ref = local_butler.find_dataset("catalog", instrument="Cam", visit=1, storage_class="ArrowTable")
    assert ref.datasetType.storageClass_name == "ArrowTable"
    assert isinstance(local_butler.get(ref), pa.Table)
    # The registry's definition is unchanged.
    assert local_butler.get_dataset_type("catalog").storageClass_name == "ArrowAstropy"


def test_numpy_array_round_trips(local_butler: Butler):
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    ref = local_butler.put(array, "array", instrument="Cam", visit=1, detector=0)
    result = local_butler.get(ref)
    assert isinstance(result, np.ndarray) and result.dtype == np.float32
    np.testing.assert_array_equal(result, array)


def test_get_deferred_looks_up_now_and_reads_later(local_butler: Butler):
    local_butler.put(_catalog(), "catalog", instrument="Cam", visit=1)
    handle = local_butler.getDeferred("catalog", instrument="Cam", visit=1, parameters={"columns": ["id"]})
    assert isinstance(handle, DeferredDatasetHandle)
    assert handle.dataId["visit"] == 1
    assert handle.get().colnames == ["id"]
    assert handle.get(parameters={"columns": ["flux"]}).colnames == ["flux"]
    assert handle.get(component="rowcount") == 3
    assert isinstance(local_butler.getDeferred(handle.ref, storageClass="ArrowTable").get(), pa.Table)
    # The registry lookup happens at once.
    with pytest.raises(DatasetNotFoundError, match="catalog"):
        local_butler.getDeferred("catalog", instrument="Cam", visit=2)


# Existence and locations ---------------------------------------------------------------------------------


def test_exists_tells_verified_known_recorded_and_unrecognized_apart(local_butler: Butler):
    ref = local_butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)

    verified = local_butler.exists(ref)
    assert verified == DatasetExistence.VERIFIED and verified
    assert local_butler.exists("summary", instrument="Cam", visit=1, detector=0) == DatasetExistence.VERIFIED
    known = local_butler.exists(ref, full_check=False)
    assert known == DatasetExistence.KNOWN and known

    missing = local_butler.exists("summary", instrument="Cam", visit=2, detector=0)
    assert missing == DatasetExistence.UNRECOGNIZED and not missing
    never_stored = DatasetRef(ref.datasetType, ref.dataId, run="run1")
    assert local_butler.exists(never_stored) == DatasetExistence.UNRECOGNIZED

    # A file deleted behind the local_butler's back: the records remain, the artifact does not.
    os.remove(local_butler.getURI(ref).ospath)
    gone = local_butler.exists(ref)
    assert gone == DatasetExistence.RECORDED | DatasetExistence.DATASTORE
    assert not gone
    assert local_butler.exists(ref, full_check=False)  # not checked, so assumed


def test_exists_never_raises_for_unknown_dataset_types_or_values(local_butler: Butler):
    unrecognized = DatasetExistence.UNRECOGNIZED
    assert local_butler.exists("nosuch", instrument="Cam", visit=1, detector=0) == unrecognized
    assert local_butler.exists("summary", instrument="Cam", visit=99, detector=0) == unrecognized


def test_get_uri_points_at_the_stored_file_and_can_predict(local_butler: Butler):
    ref = local_butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=2)
    uri = local_butler.getURI(ref)
    assert uri.scheme == "file" and os.path.exists(uri.ospath)
    assert uri.ospath.startswith(local_butler._config.root + "/run1/summary/")
    assert "/run1/summary/" in uri and uri.ospath.endswith(".yaml") and "D2" in uri.basename()
    assert uri.geturl().startswith("file://")
    assert local_butler.getURI("summary", instrument="Cam", visit=1, detector=2) == uri
    # A stored dataset's URI is not a prediction even with predict=True.
    assert local_butler.getURI("summary", instrument="Cam", visit=1, detector=2, predict=True) == uri

    predicted = local_butler.getURI("summary", instrument="Cam", visit=2, detector=0, predict=True,
                                    run="other")
    assert predicted.fragment == "predicted"
    assert "/other/summary/" in predicted and not predicted.exists()
    with pytest.raises(DatasetNotFoundError):
        local_butler.getURI("summary", instrument="Cam", visit=2, detector=0)


def test_get_uris_gives_the_primary_file_and_component_files(local_butler: Butler):
    ref = local_butler.put(_catalog(), "catalog", instrument="Cam", visit=1)
    uris = local_butler.getURIs(ref)
    primary, components = uris  # usable as a pair, as in LSST
    assert primary == uris.primaryURI == local_butler.getURI(ref) and components == uris.componentURIs == {}
    assert local_butler.getURIs("catalog", instrument="Cam", visit=1).primaryURI == primary
    predicted = local_butler.getURIs("catalog", instrument="Cam", visit=2, predict=True)
    assert predicted.primaryURI.fragment == "predicted"


def test_find_dataset_returns_none_when_nothing_matches(butler: Butler):
    ref = butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
    assert butler.find_dataset("summary", instrument="Cam", visit=1, detector=0) == ref
    assert butler.find_dataset("summary", {"instrument": "Cam", "visit": 1, "detector": 0},
                               collections="run1") == ref
    assert butler.find_dataset("summary", instrument="Cam", visit=2, detector=0) is None
    # Values that name no dimension record are "no match" too, not an error.
    assert butler.find_dataset("summary", instrument="Cam", visit=99, detector=0) is None
    assert butler.find_dataset("summary", instrument="NoCam", visit=1, detector=0) is None
    found = butler.find_dataset("summary", instrument="Cam", visit=1, detector=0, dimension_records=True)
    assert found.dataId.records["visit"].name == "v1"


def test_default_data_id_values_come_from_the_butler(local_butler: Butler, open_butlers):
    local_butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
    reader = open_butlers(local_butler._config.root, collections="run1", instrument="Cam")
    assert reader.get("summary", visit=1, detector=0) == {"a": 1}
    assert reader.find_dataset("summary", visit=1, detector=0) is not None
    assert [r.dataId["visit"] for r in reader.query_datasets("summary", where="visit = 1")] == [1]
    writer = open_butlers(local_butler._config.root, run="run1", instrument="Cam")
    assert writer.put({"a": 2}, "summary", visit=2, detector=0).dataId["instrument"] == "Cam"


def test_alternate_keys_identify_dimension_values(butler: Butler):
    butler.put({"a": 1}, "summary", {"detector.full_name": "D2", "visit.name": "v3"}, instrument="Cam")
    assert butler.get("summary", instrument="Cam", visit=3, detector=2) == {"a": 1}
    assert butler.get("summary", {"detector.full_name": "D2"}, instrument="Cam", visit=3) == {"a": 1}
    assert butler.get("summary", {"visit.name": "v3", "detector.full_name": "D2"},
                      instrument="Cam") == {"a": 1}
    butler.put({"raw": 4}, "raw", instrument="Cam", exposure=4, detector=1)
    assert butler.get("raw", {"exposure.obs_id": "e4"}, instrument="Cam", detector=1) == {"raw": 4}
    # A data ID may carry extra dimensions and implied values.
    assert butler.get("summary", instrument="Cam", visit=3, detector=2, day_obs=20240101,
                      band="r") == {"a": 1}


def test_record_fields_given_as_keywords_identify_dimension_values(butler: Butler):
    """LSST's usual way to name a raw: day_obs and seq_num (exposure fields), full_name (a detector key)."""
    butler.put({"raw": 3}, "raw", instrument="Cam", exposure=3, detector=1)
    assert butler.get("raw", instrument="Cam", day_obs=20240101, seq_num=3, detector=1) == {"raw": 3}
    assert butler.get("raw", {"exposure.day_obs": 20240101, "exposure.seq_num": 3}, instrument="Cam",
                      detector=1) == {"raw": 3}
    assert butler.get("raw", instrument="Cam", exposure=3, full_name="D1") == {"raw": 3}
    assert butler.find_dataset("raw", instrument="Cam", day_obs=20240101, seq_num=99, detector=1) is None
    with pytest.raises(DatasetNotFoundError, match="seq_num"):
        butler.get("raw", instrument="Cam", day_obs=20240101, seq_num=99, detector=1)


def test_unrecognized_data_id_keys_are_an_error(local_butler: Butler):
    local_butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
    with pytest.raises(DimensionValueError, match="nosuch"):
        local_butler.put({"a": 2}, "summary", instrument="Cam", visit=1, detector=1, nosuch=3)
    with pytest.raises(DimensionValueError, match="nosuch"):
        local_butler.get("summary", instrument="Cam", visit=1, detector=0, nosuch=3)
    with pytest.raises(DimensionValueError, match="nosuch"):
        local_butler.find_dataset("summary", {"instrument": "Cam", "visit": 1, "detector": 0, "nosuch": 3})
    assert local_butler.find_dataset("summary", instrument="Cam", visit=1, detector=1) is None


def test_get_dataset_by_id(butler: Butler):
    ref = butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
    assert butler.get_dataset(ref.id) == ref
    assert butler.get_dataset(str(ref.id)).run == "run1"
    assert butler.get_dataset(uuid.uuid4()) is None
    expanded = butler.get_dataset(ref.id, dimension_records=True)
    assert expanded.dataId.hasRecords() and expanded.dataId.records["detector"].full_name == "D0"


def test_get_dataset_type(local_butler: Butler):
    summary = local_butler.get_dataset_type("summary")
    assert summary.name == "summary" and summary.storageClass_name == "StructuredDataDict"
    assert set(summary.dimensions.required) == {"instrument", "visit", "detector"}
    assert local_butler.get_dataset_type("bias").isCalibration()
    assert local_butler.get_dataset_type("catalog.rowcount").isComponent()
    with pytest.raises(MissingDatasetTypeError, match="nosuch"):
        local_butler.get_dataset_type("nosuch")


# Errors --------------------------------------------------------------------------------------------------


def test_unknown_dataset_type_raises_missing_dataset_type_error(local_butler: Butler):
    with pytest.raises(MissingDatasetTypeError, match="'nosuch'"):
        local_butler.get("nosuch", instrument="Cam", visit=1, detector=0)
    with pytest.raises(MissingDatasetTypeError, match="'nosuch'"):
        local_butler.put({"a": 1}, "nosuch", instrument="Cam", visit=1, detector=0)
    with pytest.raises(MissingDatasetTypeError, match="'nosuch'"):
        local_butler.find_dataset("nosuch", instrument="Cam", visit=1, detector=0)
    with pytest.raises(MissingDatasetTypeError, match="'nosuch'"):
        local_butler.query_datasets("nosuch")
    unregistered = DatasetType("nosuch", ("instrument",), "StructuredDataDict",
                               universe=local_butler.dimensions)
    with pytest.raises(MissingDatasetTypeError, match="'nosuch'"):
        local_butler.put({"a": 1}, unregistered, instrument="Cam")
    # MissingDatasetTypeError is a KeyError, as in LSST, without KeyError's extra quotes.
    with pytest.raises(KeyError) as info:
        local_butler.get_dataset_type("nosuch")
    assert not str(info.value).startswith('"')


def test_missing_dataset_raises_dataset_not_found_naming_type_data_id_and_collections(butler: Butler):
    with pytest.raises(DatasetNotFoundError) as info:
        butler.get("summary", instrument="Cam", visit=2, detector=0)
    message = str(info.value)
    assert "summary" in message and "visit: 2" in message and "run1" in message
    # A value with no dimension record is "not found" for get-like calls (DataIdValueError for put).
    for call in (butler.get, butler.getURI, butler.getDeferred):
        with pytest.raises(DatasetNotFoundError, match="99"):
            call("summary", instrument="Cam", visit=99, detector=0)


def test_unknown_collection_raises_missing_collection_error(butler: Butler):
    butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
    with pytest.raises(MissingCollectionError, match="'nosuch'"):
        butler.get("summary", instrument="Cam", visit=1, detector=0, collections="nosuch")
    with pytest.raises(MissingCollectionError, match="'nosuch'"):
        butler.get("summary", instrument="Cam", visit=1, detector=0, collections=["run1", "nosuch"])
    with pytest.raises(MissingCollectionError, match="'nosuch'"):
        butler.find_dataset("summary", instrument="Cam", visit=1, detector=0, collections="nosuch")
    with pytest.raises(MissingCollectionError, match="'nosuch'"):
        butler.query_datasets("summary", collections="nosuch")
    # put never registers a run.
    with pytest.raises(MissingCollectionError, match="'nosuch'"):
        butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0, run="nosuch")
    assert "nosuch" not in butler.collections.query("*")


def test_put_twice_with_the_same_data_id_conflicts_and_changes_nothing(butler: Butler, row_counts,
                                                                        dataset_files):
    ref = butler.put({"first": True}, "summary", instrument="Cam", visit=1, detector=0)
    rows, files = row_counts(butler), dataset_files(butler)
    with pytest.raises(ConflictingDefinitionError, match="summary"):
        butler.put({"first": False}, "summary", instrument="Cam", visit=1, detector=0)
    assert row_counts(butler) == rows
    assert dataset_files(butler) == files
    assert butler.get("summary", instrument="Cam", visit=1, detector=0) == {"first": True}
    # The same ref again conflicts too.
    with pytest.raises(ConflictingDefinitionError, match=str(ref.id)):
        butler.put({"first": False}, ref)
    assert row_counts(butler) == rows and dataset_files(butler) == files
    assert butler.get(ref) == {"first": True}


def test_put_with_an_unknown_dimension_value_raises_data_id_value_error(butler: Butler, row_counts,
                                                                        dataset_files):
    rows = row_counts(butler)
    with pytest.raises(DataIdValueError, match="99"):
        butler.put({"a": 1}, "summary", instrument="Cam", visit=99, detector=0)
    with pytest.raises(DataIdValueError, match="NoCam"):
        butler.put({"a": 1}, "summary", instrument="NoCam", visit=1, detector=0)
    assert row_counts(butler) == rows and dataset_files(butler) == []


def test_put_missing_a_required_dimension_raises_dimension_name_error(local_butler: Butler):
    with pytest.raises(DimensionNameError, match="detector"):
        local_butler.put({"a": 1}, "summary", instrument="Cam", visit=1)


def test_put_on_a_read_only_butler_raises_type_error(local_butler: Butler, open_butlers, dataset_files):
    reader = open_butlers(local_butler._config.root, collections="run1")
    assert not reader.isWriteable() and local_butler.isWriteable()
    with pytest.raises(TypeError, match="read-only"):
        reader.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0, run="run1")
    assert dataset_files(local_butler) == []


def test_put_of_the_wrong_python_type_raises_type_error_and_leaves_nothing(local_butler: Butler, row_counts,
                                                                           dataset_files):
    rows = row_counts(local_butler)
    with pytest.raises(TypeError, match="list"):
        local_butler.put([1, 2, 3], "summary", instrument="Cam", visit=1, detector=0)
    with pytest.raises(TypeError, match="NumpyArray"):
        local_butler.put("not an array", "array", instrument="Cam", visit=1, detector=0)
    assert row_counts(local_butler) == rows and dataset_files(local_butler) == []
    local_butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)


def test_put_without_a_run_raises(local_butler: Butler, open_butlers):
    no_run = open_butlers(local_butler._config.root, writeable=True)
    assert no_run.run is None
    with pytest.raises(NoDefaultCollectionError, match="run") as info:
        no_run.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
    assert isinstance(info.value, TypeError)
    assert no_run.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0, run="run1").run == "run1"


def test_get_without_collections_raises_naming_the_fix(local_butler: Butler, open_butlers):
    local_butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
    no_defaults = open_butlers(local_butler._config.root)
    with pytest.raises(NoDefaultCollectionError, match="collections"):
        no_defaults.get("summary", instrument="Cam", visit=1, detector=0)
    assert no_defaults.get("summary", instrument="Cam", visit=1, detector=0, collections="run1") == {"a": 1}


def test_get_with_both_a_ref_and_a_data_id_is_refused(local_butler: Butler):
    ref = local_butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
    with pytest.raises(ValueError, match="DatasetRef"):
        local_butler.get(ref, instrument="Cam")


def test_get_of_a_ref_whose_file_is_gone_raises_file_not_found(local_butler: Butler):
    ref = local_butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
    os.remove(local_butler.getURI(ref).ospath)
    with pytest.raises(FileNotFoundError, match="summary"):
        local_butler.get(ref)


def test_default_data_id_values_must_be_known_governor_values(local_butler: Butler, open_butlers):
    root = local_butler._config.root
    with pytest.raises(TypeError, match="colections"):
        open_butlers(root, colections="run1")  # a misspelled keyword is not a silent data ID value
    with pytest.raises(TypeError, match="detector"):
        open_butlers(root, collections="run1", instrument="Cam", detector=0)
    with pytest.raises(DataIdValueError, match="NoCam"):
        open_butlers(root, collections="run1", instrument="NoCam")


# Bulk and convenience methods ------------------------------------------------------------------------------


def test_stored_and_get_many_uris_report_files_in_bulk(local_butler: Butler):
    refs = [local_butler.put({"v": v}, "summary", instrument="Cam", visit=v, detector=0) for v in (1, 2)]
    never = DatasetRef(refs[0].datasetType, refs[0].dataId, run="run1")
    assert local_butler.stored(refs[0]) and not local_butler.stored(never)
    assert local_butler.stored_many(refs + [never]) == {refs[0]: True, refs[1]: True, never: False}

    uris = local_butler.get_many_uris(refs)
    assert {ref: u.primaryURI for ref, u in uris.items()} == {ref: local_butler.getURI(ref) for ref in refs}
    with pytest.raises(FileNotFoundError):
        local_butler.get_many_uris(refs + [never])
    assert set(local_butler.get_many_uris(refs + [never], allow_missing=True)) == set(refs)
    assert local_butler.get_many_uris([never], predict=True)[never].primaryURI.fragment == "predicted"


def test_get_many_datasets_leaves_out_unknown_ids(local_butler: Butler):
    refs = [local_butler.put({"v": v}, "summary", instrument="Cam", visit=v, detector=0) for v in (1, 2)]
    found = local_butler.get_many_datasets([refs[0].id, str(refs[1].id), uuid.uuid4()])
    assert sorted(r.id for r in found) == sorted(r.id for r in refs)


def test_clone_shares_the_repository_with_other_defaults(local_butler: Butler):
    local_butler.put({"v": 1}, "summary", instrument="Cam", visit=1, detector=0)
    same = local_butler.clone()
    assert (same.run, same.collections.defaults, same.isWriteable()) == ("run1", ("run1",), True)
    reader = local_butler.clone(collections="run1", run=None, dataId={"instrument": "Cam"})
    assert reader.run is None and reader.get("summary", visit=1, detector=0) == {"v": 1}
    other_run = local_butler.clone(run="run2")
    assert other_run.collections.defaults == ("run2",)
    assert other_run.put({"v": 2}, "summary", instrument="Cam", visit=1, detector=0).run == "run2"
    assert local_butler.get("summary", instrument="Cam", visit=1, detector=0) == {"v": 1}


def test_datastore_names_and_roots(local_butler: Butler):
    (name,) = local_butler.get_datastore_names()
    roots = local_butler.get_datastore_roots()
    assert list(roots) == [name]
    assert roots[name].rstrip("/") == local_butler._config.root and roots[name].endswith("/")
