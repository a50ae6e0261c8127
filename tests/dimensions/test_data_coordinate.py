"""DataCoordinate: standardizing user data IDs, equality, subsets and unions.

These need no registry.  Expansion (implied values and records from the
database, alternate keys such as ``detector.full_name``, values without
records) is specified in ``tests/registry/test_registry.py::TestExpandDataId``.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from butler import (
    DataCoordinate,
    DataIdValueError,
    DimensionNameError,
    DimensionUniverse,
    InconsistentDataIdError,
)


@pytest.fixture(scope="module")
def universe() -> DimensionUniverse:
    return DimensionUniverse.default()


@pytest.fixture
def std(universe):
    """``DataCoordinate.standardize`` with the default universe."""

    def standardize(mapping=None, **kwargs):
        return DataCoordinate.standardize(mapping, universe=universe, **kwargs)

    return standardize


VISIT_FULL = {"instrument": "Cam", "visit": 5, "physical_filter": "Cam-r", "band": "r", "day_obs": 20240101}


class TestStandardize:
    def test_dimensions_are_inferred_from_the_keys(self, std, universe):
        data_id = std({"instrument": "Cam", "visit": 5})
        assert data_id.dimensions == universe.conform(["visit"])
        assert data_id["visit"] == 5 and not data_id.hasFull()

    def test_keys_that_are_not_dimensions_are_ignored_when_inferring(self, std):
        data_id = std({"instrument": "Cam", "visit": 5, "exposure_time": 3.0})
        assert data_id == {"instrument": "Cam", "visit": 5}

    def test_given_dimensions_select_the_values_needed(self, std, universe):
        data_id = std({"instrument": "Cam", "visit": 5, "detector": 2}, dimensions=["visit"])
        assert data_id.dimensions == universe.conform(["visit"])
        assert "detector" not in data_id

    def test_missing_required_value_is_a_dimension_name_error_naming_it(self, std):
        with pytest.raises(DimensionNameError, match="detector") as info:
            std({"instrument": "Cam", "visit": 5}, dimensions=["visit", "detector"])
        assert isinstance(info.value, KeyError)

    def test_missing_governor_is_a_dimension_name_error(self, std):
        with pytest.raises(DimensionNameError, match="instrument"):
            std(visit=5)

    def test_kwargs_add_values(self, std):
        assert std({"instrument": "Cam"}, visit=5) == {"instrument": "Cam", "visit": 5}
        assert std(instrument="Cam", visit=5) == {"instrument": "Cam", "visit": 5}

    def test_a_kwarg_disagreeing_with_the_mapping_is_inconsistent(self, std):
        with pytest.raises(InconsistentDataIdError, match="visit"):
            std({"instrument": "Cam", "visit": 5}, visit=6)

    def test_a_kwarg_repeating_the_mapping_is_fine(self, std):
        assert std({"instrument": "Cam", "visit": 5}, visit=5)["visit"] == 5

    def test_integer_values_are_normalized_to_int(self, std):
        data_id = std(instrument="Cam", visit=np.int64(5), detector="3")
        assert type(data_id["visit"]) is int and data_id["visit"] == 5
        assert type(data_id["detector"]) is int and data_id["detector"] == 3
        assert std(instrument="Cam", visit=5.0)["visit"] == 5

    @pytest.mark.parametrize("bad", ["five", 5.5])
    def test_values_that_are_not_integers_are_a_data_id_value_error(self, std, bad):
        with pytest.raises(DataIdValueError, match="visit"):
            std(instrument="Cam", visit=bad)

    def test_defaults_fill_missing_values_only(self, std):
        defaults = std(instrument="Cam", detector=1)
        assert std(visit=5, defaults=defaults) == {"instrument": "Cam", "visit": 5}
        data_id = std(instrument="Other", visit=5, detector=2, defaults=defaults)
        assert data_id["instrument"] == "Other" and data_id["detector"] == 2

    def test_a_data_coordinate_is_returned_as_is(self, std):
        data_id = std(instrument="Cam", visit=5)
        assert DataCoordinate.standardize(data_id) is data_id
        assert DataCoordinate.standardize(data_id, detector=1) == std(instrument="Cam", visit=5, detector=1)

    def test_a_universe_is_needed_for_a_plain_mapping(self):
        with pytest.raises(TypeError):
            DataCoordinate.standardize({"instrument": "Cam"})

    def test_all_implied_values_make_a_full_data_id(self, std):
        data_id = std(VISIT_FULL)
        assert data_id.hasFull() and not data_id.hasRecords()
        assert data_id["band"] == "r"


class TestEquality:
    def test_a_full_data_id_equals_and_hashes_like_the_minimal_one(self, std):
        full, minimal = std(VISIT_FULL), std(instrument="Cam", visit=5)
        assert full == minimal and hash(full) == hash(minimal)
        assert len({full, minimal}) == 1

    def test_equal_to_a_plain_dict_of_the_required_or_all_values(self, std):
        assert std(instrument="Cam", visit=5) == {"instrument": "Cam", "visit": 5}
        assert std(VISIT_FULL) == VISIT_FULL
        assert std(VISIT_FULL) == {"instrument": "Cam", "visit": 5}

    def test_different_values_or_dimensions_are_not_equal(self, std):
        assert std(instrument="Cam", visit=5) != std(instrument="Cam", visit=6)
        assert std(instrument="Cam", visit=5) != std(instrument="Cam", exposure=5)

    def test_order_of_keys_does_not_matter(self, std):
        assert std({"visit": 5, "instrument": "Cam"}) == std({"instrument": "Cam", "visit": 5})

    def test_sorting_by_values(self, std):
        ids = [std(instrument="Cam", visit=v) for v in (3, 1, 2)]
        assert [d["visit"] for d in sorted(ids)] == [1, 2, 3]


class TestMapping:
    def test_minimal_data_id_iterates_over_required_dimensions(self, std):
        data_id = std(instrument="Cam", visit=5)
        assert list(data_id) == ["instrument", "visit"] and len(data_id) == 2
        assert dict(data_id) == {"instrument": "Cam", "visit": 5}
        assert dict(data_id.required) == {"instrument": "Cam", "visit": 5}

    def test_full_data_id_has_the_implied_values_too(self, std):
        data_id = std(VISIT_FULL)
        assert set(data_id) == set(VISIT_FULL) and len(data_id) == 5
        assert dict(data_id.mapping) == VISIT_FULL
        assert data_id.full_values[:2] == data_id.required_values == ("Cam", 5)

    def test_an_implied_value_of_a_minimal_data_id_is_a_key_error(self, std):
        data_id = std(instrument="Cam", visit=5)
        assert "band" not in data_id
        with pytest.raises(KeyError, match="band"):
            data_id["band"]
        with pytest.raises(KeyError):
            data_id.full_values

    def test_a_dimension_not_in_the_data_id_is_a_dimension_name_error(self, std):
        with pytest.raises(DimensionNameError, match="detector"):
            std(instrument="Cam", visit=5)["detector"]

    def test_records_are_only_there_after_expansion(self, std):
        data_id = std(VISIT_FULL)
        assert not data_id.hasRecords()
        with pytest.raises(AttributeError, match="expand"):
            data_id.records

    def test_repr(self, std):
        assert repr(std(instrument="Cam", visit=5)) == "{instrument: 'Cam', visit: 5}"

    def test_pickle(self, std):
        for data_id in (std(instrument="Cam", visit=5), std(VISIT_FULL)):
            copy = pickle.loads(pickle.dumps(data_id))
            assert copy == data_id and copy.hasFull() == data_id.hasFull()


class TestConstruction:
    def test_empty(self, universe):
        empty = DataCoordinate.make_empty(universe)
        assert len(empty) == 0 and empty == {} and empty.hasFull() and empty.hasRecords()

    def test_from_required_values(self, universe):
        group = universe.conform(["visit"])
        assert DataCoordinate.from_required_values(group, ("Cam", 5)) == {"instrument": "Cam", "visit": 5}
        with pytest.raises(ValueError):
            DataCoordinate.from_required_values(group, ("Cam",))

    def test_from_full_values_in_data_coordinate_key_order(self, universe):
        group = universe.conform(["visit"])
        values = tuple(VISIT_FULL[k] for k in group.data_coordinate_keys)
        data_id = DataCoordinate.from_full_values(group, values)
        assert data_id.hasFull() and dict(data_id.mapping) == VISIT_FULL
        with pytest.raises(ValueError):
            DataCoordinate.from_full_values(group, ("Cam", 5))


class TestSubsetAndUnion:
    def test_subset_to_required_dimensions(self, std, universe):
        data_id = std(instrument="Cam", visit=5, detector=2)
        assert data_id.subset(["detector"]) == {"instrument": "Cam", "detector": 2}
        assert data_id.subset(universe.conform(["instrument"])) == {"instrument": "Cam"}

    def test_subset_to_the_same_dimensions_is_the_data_id(self, std, universe):
        data_id = std(instrument="Cam", visit=5)
        assert data_id.subset(universe.conform(["visit"])) is data_id

    def test_subset_to_implied_dimensions_needs_a_full_data_id(self, std):
        subset = std(VISIT_FULL).subset(["physical_filter"])
        assert subset == {"instrument": "Cam", "physical_filter": "Cam-r"}
        assert std(VISIT_FULL).subset(["physical_filter"]).hasFull()
        with pytest.raises(KeyError):
            std(instrument="Cam", visit=5).subset(["physical_filter"])

    def test_union_combines_the_dimensions_and_values(self, std, universe):
        union = std(VISIT_FULL).union(std(instrument="Cam", detector=3))
        assert union.dimensions == universe.conform(["visit", "detector"])
        assert union == {"instrument": "Cam", "visit": 5, "detector": 3}
        assert union.hasFull() and union["band"] == "r"

    def test_union_with_a_disagreeing_value_is_inconsistent(self, std):
        with pytest.raises(InconsistentDataIdError, match="instrument"):
            std(instrument="Cam", visit=5).union(std(instrument="Other", detector=3))

    def test_union_with_empty(self, std, universe):
        data_id = std(instrument="Cam", visit=5)
        assert data_id.union(DataCoordinate.make_empty(universe)) == data_id
