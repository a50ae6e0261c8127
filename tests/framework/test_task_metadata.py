"""TaskMetadata: nested, dotted, appendable, JSON in LSST's layout."""

import json
import math

import pytest

from pipetasks.framework import TaskMetadata


def test_scalars_lists_and_nested_metadata_are_stored_by_kind():
    md = TaskMetadata()
    md["count"] = 3
    md["name"] = "visit"
    md["values"] = [1.0, 2.0]
    md["nested"] = {"a": 1, "deeper": {"b": "x"}}
    assert md.scalars == {"count": 3, "name": "visit"}
    assert md.arrays == {"values": [1.0, 2.0]}
    assert isinstance(md["nested"], TaskMetadata) and md["nested.deeper.b"] == "x"


def test_dotted_keys_create_and_reach_nested_metadata():
    md = TaskMetadata()
    md["calibrate.photoCal.zeroPoint"] = 27.5
    assert md["calibrate"]["photoCal"]["zeroPoint"] == 27.5
    assert "calibrate.photoCal.zeroPoint" in md and "calibrate.photoCal.other" not in md
    del md["calibrate.photoCal.zeroPoint"]
    assert "calibrate.photoCal.zeroPoint" not in md
    with pytest.raises(KeyError, match="'calibrate.missing' not found"):
        md["calibrate.missing"]  # noqa: B018


def test_add_appends_and_item_access_returns_the_last_value():
    md = TaskMetadata()
    md["n"] = 1
    md.add("n", 2)
    md.add("n", [3, 4])
    md.add("timings.run", 0.5)
    assert md["n"] == 4 and md.getArray("n") == [1, 2, 3, 4] and md.getScalar("n") == 4
    assert md.getArray("timings.run") == [0.5]
    with pytest.raises(ValueError, match="Type mismatch in add"):
        md.add("n", "five")
    with pytest.raises(ValueError, match="since that is a TaskMetadata"):
        md.add("timings", 1)


def test_get_array_wraps_scalars_and_get_has_a_default():
    md = TaskMetadata.from_dict({"a": 1})
    assert md.getArray("a") == [1]
    assert md.get("missing", "default") == "default"
    with pytest.raises(KeyError):
        md.getArray("missing")


def test_values_must_be_primitives_or_lists_of_one_primitive_type():
    np = pytest.importorskip("numpy")
    md = TaskMetadata()
    md["npint"] = np.int64(5)
    md["nparray"] = np.array([1.5, 2.5])
    assert type(md["npint"]) is int and md.getArray("nparray") == [1.5, 2.5]
    with pytest.raises(ValueError, match="must hold one type"):
        md["mixed"] = [1, "a"]
    with pytest.raises(ValueError, match="does not support values of type object"):
        md["thing"] = object()


def test_mapping_view_names_and_param_names():
    md = TaskMetadata.from_dict({"a": 1, "b": [1, 2], "c": {"d": 3}})
    assert set(md.keys()) == {"a", "b", "c"} and len(md) == 3
    assert md.names() == {"a", "b", "c", "c.d"}
    assert md.paramNames(topLevelOnly=True) == {"a", "b"}
    assert md.paramNames(topLevelOnly=False) == {"a", "b", "c.d"}
    assert md.to_dict() == {"a": 1, "b": [1, 2], "c": {"d": 3}}
    assert md.get_dict("c") == {"d": 3} and md.get_dict("a") == {}


def test_setting_a_key_replaces_a_value_of_another_kind():
    md = TaskMetadata()
    md["x"] = [1, 2]
    md["x"] = "now a string"
    md["y.z"] = 1
    md["y"] = 2
    assert md.to_dict() == {"x": "now a string", "y": 2}


def test_json_round_trip_keeps_everything_including_non_finite_floats():
    md = TaskMetadata.from_dict({"a": 1, "nan": math.nan, "inf": [math.inf, 1.0], "flag": True,
                                 "nested": {"s": "text", "l": ["x", "y"]}})
    text = md.to_json()
    back = TaskMetadata.from_json(text)
    assert back.to_dict()["nested"] == {"s": "text", "l": ["x", "y"]}
    assert math.isnan(back["nan"]) and back.getArray("inf") == [math.inf, 1.0] and back["flag"] is True


def test_json_layout_is_lsst_scalars_arrays_metadata():
    md = TaskMetadata.from_dict({"a": 1, "b": [2], "c": {"d": "e"}})
    assert json.loads(md.to_json()) == {
        "scalars": {"a": 1},
        "arrays": {"b": [2]},
        "metadata": {"c": {"scalars": {"d": "e"}, "arrays": {}, "metadata": {}}},
    }
    lsst_written = '{"scalars":{"__version__":1},"arrays":{"runStartCpuTime":[0.1,0.2]},"metadata":{}}'
    assert TaskMetadata.from_json(lsst_written)["runStartCpuTime"] == 0.2


def test_from_metadata_copies_another_metadata():
    original = TaskMetadata.from_dict({"a": 1, "b": [1, 2], "c": {"d": 3}})
    assert TaskMetadata.from_metadata(original) == original
