"""DatasetType and DatasetRef: names, components, equality and dataset IDs.

Deterministic IDs must be the ones LSST computes, so that the same dataset
gets the same UUID in both systems: UUID5 in the namespace
``uuid5(NAMESPACE_DNS, "lsst.org")`` of ``"dataset_type=<name>[,run=<run>],<dim>=<value>,..."``
with the required dimensions sorted by name.
"""

from __future__ import annotations

import pickle
import time
import uuid

import pytest

from butler import (
    DataCoordinate,
    DatasetIdGenEnum,
    DatasetRef,
    DatasetType,
    DimensionUniverse,
    UnknownComponentError,
)

U = DimensionUniverse.default()
VD = ("instrument", "visit", "detector")


def dataset_type(name="d", dimensions=VD, sc="StructuredDataDict", **kwargs) -> DatasetType:
    return DatasetType(name, dimensions, sc, universe=U, **kwargs)


def ref(data_id=None, run="r1", **kwargs) -> DatasetRef:
    data_id = {"instrument": "Cam", "visit": 1, "detector": 2} if data_id is None else data_id
    return DatasetRef(dataset_type(), data_id, run, **kwargs)


class TestDatasetTypeNames:
    @pytest.mark.parametrize("name", ["d", "calexp", "deep_Coadd", "_private", "src2", "calexp.wcs"])
    def test_valid_names(self, name):
        assert dataset_type(name).name == name

    @pytest.mark.parametrize("name", ["1bad", "", "a-b", "a b", "a..b", "a.", ".a", "a/b"])
    def test_invalid_names_are_a_value_error_naming_them(self, name):
        with pytest.raises(ValueError) as info:
            dataset_type(name)
        assert repr(name) in str(info.value)


class TestDatasetTypeDefinition:
    def test_dimensions_include_implied_ones(self):
        assert set(dataset_type().dimensions.names) == {"instrument", "visit", "detector", "band",
                                                        "physical_filter", "day_obs"}

    def test_dimensions_may_be_given_as_a_group(self):
        group = U.conform(VD)
        assert dataset_type(dimensions=group).dimensions is group

    def test_unknown_dimension_is_a_key_error_naming_it(self):
        with pytest.raises(KeyError, match="nodim"):
            dataset_type(dimensions=("instrument", "nodim"))

    def test_storage_class_is_resolved_lazily(self):
        unknown = dataset_type(sc="NoSuchStorageClass")
        assert unknown.storageClass_name == "NoSuchStorageClass"

    def test_calibration_flag(self):
        assert dataset_type(isCalibration=True).isCalibration()
        assert not dataset_type().isCalibration()

    def test_equality_covers_name_dimensions_storage_class_and_calibration(self):
        assert dataset_type() == dataset_type() and hash(dataset_type()) == hash(dataset_type())
        assert dataset_type() != dataset_type("e")
        assert dataset_type() != dataset_type(dimensions=("instrument", "detector"))
        assert dataset_type() != dataset_type(sc="NumpyArray")
        assert dataset_type() != dataset_type(isCalibration=True)

    def test_repr_as_lsst(self):
        assert repr(dataset_type(dimensions=("instrument", "detector"))) == \
            "DatasetType('d', {instrument, detector}, StructuredDataDict)"
        assert repr(dataset_type(dimensions=("instrument",), isCalibration=True)) == \
            "DatasetType('d', {instrument}, StructuredDataDict, isCalibration=True)"

    def test_pickle(self):
        for dt in (dataset_type(), dataset_type(isCalibration=True), dataset_type("t", sc="ArrowTable")):
            assert pickle.loads(pickle.dumps(dt)) == dt

    def test_compatibility_needs_the_same_name_and_dimensions(self):
        assert dataset_type().is_compatible_with(dataset_type())
        assert not dataset_type().is_compatible_with(dataset_type("e"))
        assert not dataset_type().is_compatible_with(dataset_type(dimensions=("instrument",)))


class TestComponents:
    def test_component_names(self):
        component = dataset_type("calexp.wcs")
        assert component.isComponent()
        assert component.component() == "wcs"
        assert component.nameAndComponent() == ("calexp", "wcs")
        assert not dataset_type("calexp").isComponent() and dataset_type("calexp").component() is None
        assert DatasetType.splitDatasetTypeName("a.b") == ("a", "b")
        assert DatasetType.nameWithComponent("a", "b") == "a.b"

    def test_make_component_and_composite(self):
        parent = dataset_type("t", sc="ArrowTable")
        component = parent.makeComponentDatasetType("rowcount")
        assert component.name == "t.rowcount" and component.storageClass_name == "int"
        assert component.dimensions == parent.dimensions
        assert component.parentStorageClass.name == "ArrowTable"
        assert component.makeCompositeDatasetType() == parent

    def test_unknown_component_is_an_unknown_component_error(self):
        with pytest.raises(UnknownComponentError, match="nosuch"):
            dataset_type("t", sc="ArrowTable").makeComponentDatasetType("nosuch")


class TestDeterministicIds:
    def test_the_namespace_is_lsst_s(self):
        # LSST's DatasetIdFactory.NS_UUID.
        assert uuid.uuid5(uuid.NAMESPACE_DNS, "lsst.org") == uuid.UUID("840b31d9-05cd-5161-b2c8-00d32b280d0f")

    def test_dataid_type_run_gives_the_id_lsst_gives(self):
        # Measured on lsst-daf-butler (docs/lsst_api_notes.md): type d, run r3,
        # data ID {instrument: Cam, visit: 0, detector: 1}.
        r = ref({"instrument": "Cam", "visit": 0, "detector": 1}, run="r3",
                id_generation_mode=DatasetIdGenEnum.DATAID_TYPE_RUN)
        assert r.id == uuid.UUID("ced5a6bb-cc74-580a-ac41-d644481e31d3")

    @pytest.mark.parametrize("mode, with_run", [
        (DatasetIdGenEnum.DATAID_TYPE, False),
        (DatasetIdGenEnum.DATAID_TYPE_RUN, True),
    ])
    def test_the_uuid5_name_is_type_run_and_sorted_required_values(self, mode, with_run):
        namespace = uuid.UUID("840b31d9-05cd-5161-b2c8-00d32b280d0f")
        name = "dataset_type=d," + ("run=r1," if with_run else "") + "detector=2,instrument=Cam,visit=1"
        assert ref(id_generation_mode=mode).id == uuid.uuid5(namespace, name)

    def test_dataid_type_ids_do_not_depend_on_the_run(self):
        a = ref(run="r1", id_generation_mode=DatasetIdGenEnum.DATAID_TYPE)
        b = ref(run="r2", id_generation_mode=DatasetIdGenEnum.DATAID_TYPE)
        assert a.id == b.id and a.id.version == 5

    def test_dataid_type_run_ids_depend_on_the_run(self):
        a = ref(run="r1", id_generation_mode=DatasetIdGenEnum.DATAID_TYPE_RUN)
        b = ref(run="r2", id_generation_mode=DatasetIdGenEnum.DATAID_TYPE_RUN)
        assert a.id != b.id

    def test_deterministic_ids_depend_on_required_values_only(self):
        full = DataCoordinate.standardize({"instrument": "Cam", "visit": 1, "detector": 2, "band": "r",
                                           "physical_filter": "Cam-r", "day_obs": 20240101},
                                          dimensions=dataset_type().dimensions)
        assert full.hasFull()
        assert ref(full, id_generation_mode=DatasetIdGenEnum.DATAID_TYPE).id == \
            ref(id_generation_mode=DatasetIdGenEnum.DATAID_TYPE).id


class TestUniqueIds:
    def test_unique_ids_are_uuid7(self):
        r = ref()
        assert r.id.version == 7 and r.id.variant == uuid.RFC_4122

    def test_unique_ids_differ(self):
        assert len({ref().id for _ in range(100)}) == 100

    def test_unique_ids_are_ordered_by_creation_time(self):
        first = ref().id
        time.sleep(0.002)
        second = ref().id
        assert first < second
        assert abs((first.int >> 80) - time.time_ns() // 1_000_000) < 60_000  # 48-bit Unix milliseconds


class TestDatasetRef:
    def test_a_plain_dict_data_id_is_standardized(self):
        r = ref()
        assert isinstance(r.dataId, DataCoordinate)
        assert r.dataId.dimensions == dataset_type().dimensions

    def test_a_missing_dimension_is_a_key_error(self):
        with pytest.raises(KeyError, match="detector"):
            ref({"instrument": "Cam", "visit": 1})

    @pytest.mark.parametrize("run", [None, ""])
    def test_a_run_is_needed(self, run):
        with pytest.raises(ValueError):
            ref(run=run)

    def test_an_id_given_as_a_string_becomes_a_uuid(self):
        given = uuid.uuid4()
        assert ref(id=str(given)).id == given

    def test_equality_is_type_data_id_and_id_not_run(self):
        given = uuid.uuid4()
        a, b = ref(id=given, run="r1"), ref(id=given, run="r2")
        assert a == b and hash(a) == hash(b)
        assert ref(id=given) != ref(id=uuid.uuid4())
        assert ref(id=given) != ref({"instrument": "Cam", "visit": 1, "detector": 3}, id=given)

    def test_str_and_repr_as_lsst(self):
        given = uuid.UUID("01a1ffbb-0000-7000-8000-000000000000")
        r = ref(id=given)
        assert str(r) == ("d@{instrument: 'Cam', detector: 2, visit: 1} [sc=StructuredDataDict] "
                          f"(run=r1 id={given})")
        assert repr(r) == (f"DatasetRef({dataset_type()!r}, {{instrument: 'Cam', detector: 2, visit: 1}}, "
                           f"run='r1', id={given})")

    def test_pickle_keeps_everything(self):
        r = ref()
        copy = pickle.loads(pickle.dumps(r))
        assert copy == r and copy.run == r.run and copy.datasetType == r.datasetType

    def test_replace(self):
        r = ref()
        moved = r.replace(run="r9")
        assert moved.run == "r9" and moved.id == r.id
        new_id = uuid.uuid4()
        assert r.replace(id=new_id).id == new_id

    def test_component_ref_shares_the_id(self):
        parent = DatasetRef(dataset_type("t", ("instrument",), "ArrowTable"), {"instrument": "Cam"}, "r1")
        component = parent.makeComponentRef("rowcount")
        assert component.id == parent.id and component.datasetType.name == "t.rowcount"
        assert component.makeCompositeRef() == parent

    def test_to_simple(self):
        r = ref()
        simple = r.to_simple()
        assert simple["id"] == str(r.id) and simple["run"] == "r1"
        assert simple["dataId"] == {"instrument": "Cam", "detector": 2, "visit": 1}
        assert simple["datasetType"]["name"] == "d"
