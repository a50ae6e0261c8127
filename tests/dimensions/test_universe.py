"""The dimension universe: its elements, how they relate, groups and record classes.

The default universe follows LSST's daf_butler universe version 8.  (That a
repository keeps and reuses its own universe is specified in
``tests/registry/test_registry.py``.)
"""

from __future__ import annotations

import pickle

import pytest

from butler import (
    Dimension,
    DimensionElement,
    DimensionGroup,
    DimensionNameError,
    DimensionUniverse,
)
from butler.dimensions import SkyPixDimension


@pytest.fixture(scope="module")
def universe() -> DimensionUniverse:
    return DimensionUniverse.default()


LSST_ELEMENTS = {
    "instrument", "band", "physical_filter", "subfilter", "detector", "group", "day_obs", "visit", "exposure",
    "skymap", "tract", "patch", "visit_detector_region", "visit_system", "visit_definition",
    "visit_system_membership",
}
JOIN_ELEMENTS = {"visit_detector_region", "visit_definition", "visit_system_membership"}


class TestElements:
    def test_default_universe_is_version_8_and_a_singleton(self, universe):
        assert universe.version == 8
        assert DimensionUniverse.default() is universe
        assert DimensionUniverse(DimensionUniverse.default_config()) is universe

    def test_has_the_lsst_elements(self, universe):
        assert LSST_ELEMENTS <= set(universe.elements)

    def test_join_elements_are_elements_but_not_dimensions(self, universe):
        for name in JOIN_ELEMENTS:
            assert isinstance(universe[name], DimensionElement)
            assert not isinstance(universe[name], Dimension)
        dimensions = {d.name for d in universe.getStaticDimensions()}
        assert JOIN_ELEMENTS.isdisjoint(dimensions)
        assert LSST_ELEMENTS - JOIN_ELEMENTS <= dimensions

    def test_skypix_dimensions_are_htm0_to_24_and_healpix0_to_17(self, universe):
        skypix = {d.name for d in universe.skypix_dimensions}
        assert skypix == {f"htm{i}" for i in range(25)} | {f"healpix{i}" for i in range(18)}
        assert "htm25" not in universe and "healpix18" not in universe
        htm7 = universe["htm7"]
        assert isinstance(htm7, SkyPixDimension) and (htm7.system, htm7.level) == ("htm", 7)
        assert universe.commonSkyPix.name == "htm7"

    def test_governors_are_instrument_and_skymap(self, universe):
        assert {d.name for d in universe.governor_dimensions} == {"instrument", "skymap"}

    def test_elements_are_in_dependency_order(self, universe):
        order = list(universe.elements)
        for element in universe.getStaticElements():
            for dependency in element.required + element.implied:
                if dependency is not element:
                    assert order.index(dependency.name) < order.index(element.name)

    def test_unknown_element_is_a_dimension_name_error_suggesting_close_names(self, universe):
        with pytest.raises(DimensionNameError, match="vist") as info:
            universe["vist"]
        assert "'visit'" in str(info.value)
        assert isinstance(info.value, KeyError)
        assert "vist" not in universe


@pytest.mark.parametrize("element, required, implied", [
    ("instrument", {"instrument"}, set()),
    ("physical_filter", {"instrument", "physical_filter"}, {"band"}),
    ("band", {"band"}, set()),
    ("subfilter", {"band", "subfilter"}, set()),
    ("detector", {"instrument", "detector"}, set()),
    ("day_obs", {"instrument", "day_obs"}, set()),
    ("exposure", {"instrument", "exposure"}, {"physical_filter", "group", "day_obs"}),
    ("visit", {"instrument", "visit"}, {"physical_filter", "day_obs"}),
    ("tract", {"skymap", "tract"}, set()),
    ("patch", {"skymap", "tract", "patch"}, set()),
    ("visit_detector_region", {"instrument", "visit", "detector"}, set()),
    ("visit_definition", {"instrument", "exposure", "visit"}, set()),
])
def test_element_requires_and_implies(universe, element, required, implied):
    assert {d.name for d in universe[element].required} == required
    assert {d.name for d in universe[element].implied} == implied


class TestConform:
    def test_conform_closes_over_required_and_implied_dimensions(self, universe):
        group = universe.conform(["visit"])
        assert set(group.required) == {"instrument", "visit"}
        assert set(group.implied) == {"physical_filter", "band", "day_obs"}
        assert set(group.names) == {"instrument", "visit", "physical_filter", "band", "day_obs"}

    def test_implied_dimensions_are_closed_transitively(self, universe):
        group = universe.conform(["exposure"])
        assert set(group.implied) == {"physical_filter", "band", "group", "day_obs"}

    def test_patch_requires_skymap_and_tract(self, universe):
        group = universe.conform(["patch"])
        assert set(group.required) == {"skymap", "tract", "patch"} and group.implied == ()

    def test_a_dimension_implied_by_another_in_the_group_is_implied(self, universe):
        group = universe.conform(["physical_filter", "band"])
        assert set(group.required) == {"instrument", "physical_filter"}
        assert group.implied == ("band",)

    def test_a_dimension_alone_is_required(self, universe):
        assert universe.conform(["band"]).required == ("band",)

    def test_required_and_implied_partition_the_names(self, universe):
        group = universe.conform(["visit", "detector", "exposure"])
        assert set(group.required) | set(group.implied) == set(group.names)
        assert not set(group.required) & set(group.implied)

    def test_names_are_in_universe_order(self, universe):
        group = universe.conform(["detector", "visit"])
        order = list(universe.elements)
        assert list(group.names) == sorted(group.names, key=order.index)

    def test_conform_accepts_a_name_a_list_or_a_group(self, universe):
        group = universe.conform(["visit"])
        assert universe.conform("visit") == group
        assert universe.conform(group) is group
        assert universe.conform(("visit", "instrument")) == group

    def test_unknown_dimension_is_a_dimension_name_error_naming_it(self, universe):
        with pytest.raises(DimensionNameError, match="nosuch"):
            universe.conform(["visit", "nosuch"])

    def test_empty_group(self, universe):
        assert universe.conform([]) == universe.empty
        assert len(universe.empty) == 0 and universe.empty.elements == ()


class TestGroups:
    def test_group_elements_include_join_elements_of_their_dimensions(self, universe):
        assert "visit_detector_region" in universe.conform(["visit", "detector"]).elements
        assert "visit_detector_region" not in universe.conform(["visit"]).elements
        assert "visit_definition" in universe.conform(["visit", "exposure"]).elements

    def test_group_elements_include_the_dimensions(self, universe):
        group = universe.conform(["visit", "detector"])
        assert set(group.names) <= set(group.elements)

    def test_set_operations(self, universe):
        visit = universe.conform(["visit"])
        detector = universe.conform(["detector"])
        both = visit | detector
        assert both == universe.conform(["visit", "detector"])
        assert visit.union(["detector"]) == both
        assert both & detector == detector
        assert visit.issubset(both) and both.issuperset(detector)
        assert not visit.isdisjoint(detector)  # both have instrument
        assert universe.conform(["patch"]).isdisjoint(visit)

    def test_equality_and_hash_depend_on_the_names_only(self, universe):
        a = universe.conform(["visit", "detector"])
        b = universe.conform(["detector", "instrument", "visit"])
        assert a == b and hash(a) == hash(b)
        assert a == set(a.names)
        assert a != universe.conform(["visit"])

    def test_spatial_temporal_and_governors(self, universe):
        group = universe.conform(["visit", "detector"])
        assert set(group.spatial) == {"visit", "visit_detector_region"}
        assert set(group.temporal) == {"day_obs", "visit"}
        assert group.governors == ("instrument",)
        assert universe.conform(["patch"]).governors == ("skymap",)

    def test_repr_lists_the_names(self, universe):
        assert repr(universe.conform(["physical_filter"])) == "{instrument, band, physical_filter}"

    def test_groups_pickle_to_equal_groups(self, universe):
        group = universe.conform(["visit", "detector"])
        assert pickle.loads(pickle.dumps(group)) == group
        assert isinstance(pickle.loads(pickle.dumps(group)), DimensionGroup)

    def test_the_default_universe_pickles_by_name_and_others_by_configuration(self):
        default = DimensionUniverse.default()
        assert len(pickle.dumps(default)) < 100
        assert pickle.loads(pickle.dumps(default)) is default
        config = DimensionUniverse.default_config()
        config["namespace"] = "other"
        other = DimensionUniverse(config)
        copy = pickle.loads(pickle.dumps(other))
        assert copy is other and copy.namespace == "other"
        assert len(pickle.dumps(other)) > 1000


class TestRecords:
    def test_record_fields_follow_lsst(self, universe):
        fields = universe["visit"].RecordClass.field_names
        for name in ("instrument", "id", "name", "physical_filter", "day_obs", "exposure_time", "region",
                     "timespan"):
            assert name in fields
        assert universe["detector"].RecordClass.field_names[:3] == ("instrument", "id", "full_name")

    def test_a_record_accepts_its_dimension_name_for_its_key(self, universe):
        Detector = universe["detector"].RecordClass
        assert Detector(instrument="Cam", detector=3, full_name="D3") == Detector(instrument="Cam", id=3,
                                                                                  full_name="D3")
        with pytest.raises(ValueError, match="detector"):
            Detector(instrument="Cam", id=3, detector=4)

    def test_unknown_field_is_a_type_error_naming_it(self, universe):
        with pytest.raises(TypeError, match="bogus"):
            universe["detector"].RecordClass(instrument="Cam", id=3, bogus=1)

    def test_missing_key_is_a_type_error_naming_it(self, universe):
        with pytest.raises(TypeError, match="instrument"):
            universe["detector"].RecordClass(id=3)

    def test_values_are_converted_to_the_field_types(self, universe):
        record = universe["visit"].RecordClass(instrument="Cam", id="7", name="v7", physical_filter="Cam-r",
                                               day_obs=20240101, exposure_time=30)
        assert record.id == 7 and isinstance(record.exposure_time, float)

    def test_records_are_immutable_comparable_and_picklable(self, universe):
        Detector = universe["detector"].RecordClass
        record = Detector(instrument="Cam", id=3, full_name="D3")
        with pytest.raises(AttributeError):
            record.full_name = "x"
        assert record == Detector(instrument="Cam", id=3, full_name="D3")
        assert record != Detector(instrument="Cam", id=3, full_name="D4")
        assert pickle.loads(pickle.dumps(record)) == record

    def test_record_data_id_and_dict(self, universe):
        record = universe["visit"].RecordClass(instrument="Cam", id=7, name="v7", physical_filter="Cam-r",
                                               day_obs=20240101)
        assert record.dataId == {"instrument": "Cam", "visit": 7}
        assert record.toDict()["name"] == "v7"
        assert record.dimension_values == {"instrument": "Cam", "visit": 7, "physical_filter": "Cam-r",
                                           "day_obs": 20240101}


@pytest.fixture(scope="module")
def custom() -> DimensionUniverse:
    """The default universe with an extra detector field, as a new version."""
    config = DimensionUniverse.default_config()
    config["elements"]["detector"]["metadata"].append({"name": "serial", "type": "string", "length": 16})
    config["version"] = 42
    return DimensionUniverse(config)


class TestCustomUniverse:
    def test_a_modified_config_makes_another_universe(self, universe, custom):
        assert custom is not universe and custom.version == 42
        assert "serial" in custom["detector"].RecordClass.field_names
        assert "serial" not in universe["detector"].RecordClass.field_names

    def test_the_same_config_gives_the_same_universe(self, custom):
        assert DimensionUniverse.from_yaml(custom.to_yaml()) is custom

    def test_universes_pickle_to_the_same_universe(self, universe, custom):
        assert pickle.loads(pickle.dumps(universe)) is universe
        assert pickle.loads(pickle.dumps(custom)) is custom

    def test_default_config_is_a_fresh_copy(self):
        config = DimensionUniverse.default_config()
        config["elements"].clear()
        assert DimensionUniverse.default_config()["elements"]
