"""Scalar, range, choice, list and dict fields: defaults, coercion, validation errors, freezing."""

import math
import warnings

import pytest

import pipetasks.config as pexConfig
from pipetasks.config import FieldValidationError, UnknownFieldError


class ScalarConfig(pexConfig.Config):
    count = pexConfig.Field(doc="A count.", dtype=int, default=3)
    threshold = pexConfig.Field(doc="A threshold.", dtype=float, default=5.0)
    label = pexConfig.Field(doc="A label.", dtype=str, default="x")
    enabled = pexConfig.Field(doc="A switch.", dtype=bool, default=True)
    phase = pexConfig.Field(doc="A complex number.", dtype=complex, default=1j)
    required = pexConfig.Field(doc="Must be set.", dtype=int, default=None)
    maybe = pexConfig.Field(doc="May stay unset.", dtype=str, default=None, optional=True)
    even = pexConfig.Field(doc="An even number.", dtype=int, default=2, check=lambda v: v % 2 == 0)


class RangeConfig(pexConfig.Config):
    fraction = pexConfig.RangeField(doc="A fraction.", dtype=float, default=0.5, min=0.0, max=1.0)
    closed = pexConfig.RangeField(doc="Closed range.", dtype=int, default=1, min=1, max=3, inclusiveMax=True)
    open_low = pexConfig.RangeField(doc="Open low end.", dtype=float, default=1.0, min=0.0,
                                    inclusiveMin=False)


class ChoiceConfig(pexConfig.Config):
    method = pexConfig.ChoiceField(
        doc="Interpolation method.", dtype=str, default="linear",
        allowed={"linear": "straight lines", "spline": "a cubic spline"},
    )
    order = pexConfig.ChoiceField(doc="An order.", dtype=int, default=1, allowed={1: "first", 2: "second"},
                                  optional=False)


class ContainerConfig(pexConfig.Config):
    planes = pexConfig.ListField(doc="Mask planes.", dtype=str, default=["BAD", "SAT"])
    radii = pexConfig.ListField(doc="Radii.", dtype=float, default=[1, 2.5], itemCheck=lambda r: r > 0)
    pair = pexConfig.ListField(doc="Exactly two.", dtype=int, default=[1, 2], length=2)
    some = pexConfig.ListField(doc="One to three.", dtype=int, default=[1], minLength=1, maxLength=3)
    sorted_values = pexConfig.ListField(doc="Sorted.", dtype=int, default=[1, 2],
                                        listCheck=lambda values: values == sorted(values))
    weights = pexConfig.DictField(doc="Weights by band.", keytype=str, itemtype=float, default={"g": 1.0})
    anything = pexConfig.DictField(doc="Any scalars.", keytype=int, itemtype=None, default={})
    positive = pexConfig.DictField(doc="Positive values.", keytype=str, itemtype=int, default={},
                                   itemCheck=lambda v: v > 0, dictCheck=lambda d: len(d) < 3)


# -- scalar Field ---------------------------------------------------------------


def test_defaults_are_set_and_values_read_as_attributes():
    config = ScalarConfig()
    assert (config.count, config.threshold, config.label, config.enabled) == (3, 5.0, "x", True)
    assert config.phase == 1j
    assert config.required is None and config.maybe is None


def test_int_assigned_to_float_field_becomes_float():
    config = ScalarConfig()
    config.threshold = 4
    assert config.threshold == 4.0 and type(config.threshold) is float


def test_numpy_scalars_are_converted_to_python_scalars():
    np = pytest.importorskip("numpy")
    config = ScalarConfig()
    config.count = np.int64(7)
    config.threshold = np.float32(2.5)
    assert type(config.count) is int and type(config.threshold) is float


def test_wrong_type_is_refused_at_assignment_naming_field_value_and_rule():
    config = ScalarConfig()
    with pytest.raises(FieldValidationError) as info:
        config.count = "three"
    message = str(info.value)
    assert message.startswith("Field 'count' failed validation: value 'three' has type str; expected int")
    assert "test_config_fields.py" in message  # where the field is defined
    assert info.value.fullname == "count" and info.value.fieldType is pexConfig.Field
    assert config.count == 3, "a refused value leaves the config unchanged"


def test_bool_is_not_taken_as_a_number_and_float_not_as_int():
    config = ScalarConfig()
    with pytest.raises(FieldValidationError, match="value True has type bool; expected float"):
        config.threshold = True
    with pytest.raises(FieldValidationError, match="value 2.5 has type float; expected int"):
        config.count = 2.5


def test_check_callable_refuses_values_at_assignment():
    config = ScalarConfig()
    with pytest.raises(FieldValidationError, match=r"value 3 is refused by the field's check"):
        config.even = 3
    config.even = 4
    assert config.even == 4


def test_required_none_fails_validation_but_optional_none_passes():
    config = ScalarConfig()
    with pytest.raises(
        FieldValidationError,
        match="Field 'required' failed validation: required value cannot be None",
    ):
        config.validate()
    config.required = 1
    config.validate()


def test_unknown_field_name_is_refused_with_close_names_suggested():
    config = ScalarConfig()
    with pytest.raises(
        UnknownFieldError,
        match=r"ScalarConfig has no field 'treshold' \(did you mean 'threshold'\?\)",
    ):
        config.treshold = 4.0
    with pytest.raises(AttributeError, match="did you mean 'count'"):
        config.cont  # noqa: B018
    assert isinstance(UnknownFieldError("x"), AttributeError)


def test_constructor_keywords_and_update_set_fields():
    config = ScalarConfig(count=10, label="y")
    config.update(threshold=1.5, enabled=False)
    assert (config.count, config.label, config.threshold, config.enabled) == (10, "y", 1.5, False)
    with pytest.raises(UnknownFieldError, match="no field 'nope'"):
        config.update(nope=1)


def test_typed_field_syntax_supplies_dtype():
    class Typed(pexConfig.Config):
        n = pexConfig.Field[int](doc="n", default=1)
        names = pexConfig.ListField[str](doc="names", default=["a"])
        weights = pexConfig.DictField[str, float](doc="weights", default={"a": 1})

    config = Typed()
    assert config.n == 1 and Typed.n.dtype is int
    assert Typed.names.dtype is str
    assert (Typed.weights.keytype, Typed.weights.itemtype) == (str, float) and config.weights == {"a": 1.0}


def test_field_definition_errors_are_raised_when_the_class_is_written():
    with pytest.raises(ValueError, match="Unsupported Field dtype"):
        pexConfig.Field(doc="x", dtype=list)
    with pytest.raises(ValueError, match="needs a dtype"):
        pexConfig.Field(doc="x")
    with pytest.raises(ValueError, match="non-empty doc"):
        pexConfig.Field(doc="", dtype=int)
    with pytest.raises(ValueError, match="min = 3 > 1 = max"):
        pexConfig.RangeField(doc="x", dtype=int, min=3, max=1)
    with pytest.raises(ValueError, match="at least one allowed value"):
        pexConfig.ChoiceField(doc="x", dtype=str, allowed={})
    with pytest.raises(ValueError, match="length"):
        pexConfig.ListField(doc="x", dtype=int, length=0)
    with pytest.raises(ValueError, match="keytype"):
        pexConfig.DictField(doc="x", keytype=list, itemtype=int)


def test_deprecated_field_warns_on_assignment_and_documents_why():
    class Old(pexConfig.Config):
        legacy = pexConfig.Field(doc="Old knob.", dtype=int, default=0, deprecated="Removed after v2.")

    config = Old()
    with pytest.warns(FutureWarning, match="legacy is deprecated: Removed after v2"):
        config.legacy = 1
    assert "Deprecated: Removed after v2." in Old.legacy.doc
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Old()  # building with defaults does not warn


def test_deleting_a_field_sets_it_to_none():
    config = ScalarConfig()
    del config.label
    assert config.label is None


# -- RangeField and ChoiceField ------------------------------------------------


def test_range_field_bounds_are_inclusive_low_exclusive_high_by_default():
    config = RangeConfig()
    config.fraction = 0.0
    with pytest.raises(FieldValidationError, match=r"value 1.0 is outside the allowed range \[0.0, 1.0\)"):
        config.fraction = 1.0
    config.closed = 3
    with pytest.raises(FieldValidationError, match=r"outside the allowed range \[1, 3\]"):
        config.closed = 4
    with pytest.raises(FieldValidationError, match=r"value 0.0 is outside the allowed range \(0.0, inf\)"):
        config.open_low = 0.0
    with pytest.raises(FieldValidationError, match="outside the allowed range"):
        config.fraction = math.nan


def test_choice_field_refuses_values_not_allowed_and_suggests_close_ones():
    config = ChoiceConfig()
    config.method = "spline"
    with pytest.raises(FieldValidationError) as info:
        config.method = "splin"
    expected = "value 'splin' is not allowed; allowed values: 'linear', 'spline' (did you mean 'spline'?)"
    assert expected in str(info.value)
    config.method = None  # ChoiceField is optional by default, as in pex_config
    with pytest.raises(FieldValidationError, match="value 3 is not allowed"):
        config.order = 3
    config.order = None
    with pytest.raises(FieldValidationError, match="required value cannot be None"):
        config.validate()


# -- ListField ------------------------------------------------------------------


def test_list_field_items_are_validated_as_the_list_changes():
    config = ContainerConfig()
    config.planes.append("CR")
    config.planes[0] = "NO_DATA"
    config.planes.extend(["EDGE"])
    assert config.planes == ["NO_DATA", "SAT", "CR", "EDGE"]
    with pytest.raises(
        FieldValidationError,
        match=r"ListField 'planes' failed validation: item 4: value 5 has type int; expected str",
    ):
        config.planes.append(5)
    with pytest.raises(FieldValidationError, match="item 1: value -1.0 is refused by the item check"):
        config.radii = [1.0, -1.0]
    assert config.radii == [1.0, 2.5], "the refused list left the old value"
    assert config.planes == ["NO_DATA", "SAT", "CR", "EDGE"]


def test_list_field_converts_items_and_accepts_any_iterable():
    config = ContainerConfig()
    config.radii = (1, 2)
    assert config.radii == [1.0, 2.0] and all(type(r) is float for r in config.radii)
    with pytest.raises(FieldValidationError, match="has type str; expected a list"):
        config.planes = "BAD"


def test_list_lengths_and_list_check_are_applied_by_validate():
    config = ContainerConfig()
    config.pair.append(3)  # allowed while building the list
    with pytest.raises(FieldValidationError, match="required list length=2, got length=3"):
        config.validate()
    config.pair = [1, 2]
    config.some = []
    with pytest.raises(FieldValidationError, match="minimum allowed list length=1, got length=0"):
        config.validate()
    config.some = [1, 2, 3, 4]
    with pytest.raises(FieldValidationError, match="maximum allowed list length=3, got length=4"):
        config.validate()
    config.some = [1]
    config.sorted_values = [2, 1]
    with pytest.raises(FieldValidationError, match=r"list \[2, 1\] is refused by the list check"):
        config.validate()


def test_list_value_behaves_like_a_list_and_pickles_as_one():
    import copy
    import pickle

    config = ContainerConfig()
    assert len(config.planes) == 2 and "BAD" in config.planes and config.planes[-1] == "SAT"
    assert config.planes + ["X"] == ["BAD", "SAT", "X"]
    assert pickle.loads(pickle.dumps(config.planes)) == ["BAD", "SAT"]
    plain = copy.deepcopy(config.planes)
    assert type(plain) is list
    del config.planes[0]
    assert config.planes == ["SAT"]


# -- DictField ------------------------------------------------------------------


def test_dict_field_keys_and_values_are_validated():
    config = ContainerConfig()
    config.weights["r"] = 2
    assert config.weights == {"g": 1.0, "r": 2.0} and type(config.weights["r"]) is float
    with pytest.raises(FieldValidationError, match="key 3: key 3 has type int; expected str"):
        config.weights[3] = 1.0
    with pytest.raises(FieldValidationError, match="key 'i': value 'x' has type str; expected float"):
        config.weights["i"] = "x"
    with pytest.raises(FieldValidationError, match="value -1 is refused by the item check"):
        config.positive["a"] = -1
    config.anything[1] = "text"
    config.anything[2] = 2.5
    with pytest.raises(FieldValidationError, match="expected a scalar"):
        config.anything[3] = [1]
    with pytest.raises(FieldValidationError, match="expected a dict"):
        config.weights = ["g"]


def test_dict_check_is_applied_by_validate():
    config = ContainerConfig()
    config.positive = {"a": 1, "b": 2, "c": 3}
    with pytest.raises(
        FieldValidationError,
        match="DictField 'positive' failed validation: dict .* is refused by the dict check",
    ):
        config.validate()


# -- freezing, inheritance, mapping view, comparison -----------------------------


def test_frozen_config_refuses_every_kind_of_change():
    config = ContainerConfig()
    config.freeze()
    assert config.frozen
    for change in (
        lambda: setattr(config, "planes", ["X"]),
        lambda: config.planes.append("X"),
        lambda: config.weights.__setitem__("z", 1.0),
        lambda: config.weights.pop("g"),
    ):
        with pytest.raises(FieldValidationError, match="cannot modify a frozen config"):
            change()
    assert config.planes == ["BAD", "SAT"] and config.weights == {"g": 1.0}


def test_subclass_inherits_and_overrides_fields_and_set_defaults():
    class Base(pexConfig.Config):
        a = pexConfig.Field(doc="a", dtype=int, default=1)
        b = pexConfig.Field(doc="b", dtype=int, default=2)

        def setDefaults(self):
            super().setDefaults()
            self.b = 20

    class Derived(Base):
        b = pexConfig.Field(doc="b, as a string now", dtype=str, default="two")
        c = pexConfig.Field(doc="c", dtype=float, default=3.0)

        def setDefaults(self):
            super().setDefaults()
            self.a = 10

    with pytest.raises(FieldValidationError, match="value 20 has type int; expected str"):
        Derived()  # Base.setDefaults assigns an int to what Derived made a str field

    class Fine(Base):
        c = pexConfig.Field(doc="c", dtype=float, default=3.0)

        def setDefaults(self):
            super().setDefaults()
            self.a = 10

    config = Fine()
    assert list(config.keys()) == ["a", "b", "c"]
    assert (config.a, config.b, config.c) == (10, 20, 3.0)
    assert set(Fine._fields) == {"a", "b", "c"} and Base().a == 1


def test_a_field_reused_under_another_name_keeps_both_names():
    class Original(pexConfig.Config):
        a = pexConfig.Field(doc="a", dtype=int, default=1)

    class Alias(Original):
        b = Original.a

    assert Original.a.name == "a" and Alias.b.name == "b"
    with pytest.raises(FieldValidationError, match="Field 'b' failed"):
        Alias().b = "x"


def test_fields_can_be_added_to_a_class_after_it_is_written():
    class Late(pexConfig.Config):
        a = pexConfig.Field(doc="a", dtype=int, default=1)

    Late.extra = pexConfig.Field(doc="extra", dtype=str, default="e")
    assert Late().extra == "e" and "extra" in Late._fields


def test_mapping_view_lists_fields_in_declaration_order():
    config = ScalarConfig()
    assert list(config) == ["count", "threshold", "label", "enabled", "phase", "required", "maybe", "even"]
    assert dict(config.items())["label"] == "x"
    assert "count" in config and "nothing" not in config
    assert config.toDict()["threshold"] == 5.0


def test_equality_and_compare_report_differences_with_tolerances():
    a, b = ScalarConfig(), ScalarConfig()
    assert a == b
    b.threshold = 5.0 + 1e-12
    assert a != b
    assert a.compare(b)  # within the default tolerance
    b.count = 4
    messages = []
    assert not a.compare(b, shortcut=False, output=messages.append)
    assert messages == ["Inequality in count: 3 != 4"]
    a.threshold = b.threshold = math.nan
    b.count = 3
    assert a == b, "NaN equals NaN in config comparison"


def test_copy_is_deep_and_unfrozen():
    config = ContainerConfig()
    config.freeze()
    other = config.copy()
    assert not other.frozen and other == config
    other.planes.append("NEW")
    assert config.planes == ["BAD", "SAT"]


def test_deepcopy_keeps_values_and_frozen_state():
    import copy

    config = ContainerConfig()
    config.planes = ["X"]
    config.freeze()
    duplicate = copy.deepcopy(config)
    assert duplicate == config and duplicate.frozen and duplicate.planes is not config.planes


def test_errors_say_where_the_config_class_is_defined():
    with pytest.raises(FieldValidationError) as info:
        ScalarConfig().count = "x"
    assert info.value.configSource.filename == __file__
    assert info.value.configSource.function == "<module>"
