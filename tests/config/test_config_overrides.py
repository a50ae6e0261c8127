"""``-c key=value`` overrides: values are read according to the type of the field they set."""

import math

import pytest

import pipetasks.config as pexConfig
from pipetasks.config import ConfigOverrideError, FieldValidationError, apply_override, apply_overrides


class DetectConfig(pexConfig.Config):
    thresholdValue = pexConfig.Field(doc="Threshold.", dtype=float, default=5.0)
    nSigma = pexConfig.RangeField(doc="Sigma.", dtype=int, default=3, min=1)


class DetectTask:
    ConfigClass = DetectConfig

    def __init__(self, config, **kwargs):
        self.config = config


class AltConfig(pexConfig.Config):
    order = pexConfig.Field(doc="Order.", dtype=int, default=1)


class AltTask:
    ConfigClass = AltConfig

    def __init__(self, config, **kwargs):
        self.config = config


fitters = pexConfig.makeRegistry("Fitters for override tests.")
fitters.register("detect", DetectTask)
fitters.register("alt", AltTask)


class OverrideConfig(pexConfig.Config):
    doWrite = pexConfig.Field(doc="Write outputs.", dtype=bool, default=True)
    count = pexConfig.Field(doc="Count.", dtype=int, default=1)
    scale = pexConfig.Field(doc="Scale.", dtype=float, default=1.0)
    label = pexConfig.Field(doc="Label.", dtype=str, default="x", optional=True)
    phase = pexConfig.Field(doc="Phase.", dtype=complex, default=0j)
    method = pexConfig.ChoiceField(doc="Method.", dtype=str, default="a", allowed={"a": "A", "b": "B"})
    planes = pexConfig.ListField(doc="Planes.", dtype=str, default=["BAD"])
    radii = pexConfig.ListField(doc="Radii.", dtype=float, default=[1.0])
    weights = pexConfig.DictField(doc="Weights.", keytype=str, itemtype=float, default={})
    detection = pexConfig.ConfigurableField(doc="Detection.", target=DetectTask)
    fitter = fitters.makeField("Fitter.", default="detect")
    several = fitters.makeField("Several fitters.", multi=True, optional=True)
    choice = pexConfig.ConfigChoiceField(doc="Choice.", typemap={"d": DetectConfig, "a": AltConfig},
                                         default="d")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("False", False), ("false", False), ("no", False), ("0", False),
     ("True", True), ("yes", True), ("1", True)],
)
def test_bool_fields_read_common_spellings(text, expected):
    config = OverrideConfig()
    apply_overrides(config, [f"doWrite={text}"])
    assert config.doWrite is expected


def test_numbers_are_read_as_the_field_type():
    config = OverrideConfig()
    apply_overrides(config, ["count=7", "scale=3", "phase=1+2j", "detection.thresholdValue=2.5e1"])
    assert config.count == 7 and config.scale == 3.0 and type(config.scale) is float
    assert config.phase == 1 + 2j and config.detection.thresholdValue == 25.0
    apply_overrides(config, ["scale=nan"])
    assert math.isnan(config.scale)
    apply_overrides(config, ["scale=-inf"])
    assert config.scale == -math.inf


def test_strings_may_be_bare_or_quoted_and_none_clears_optional_fields():
    config = OverrideConfig()
    apply_overrides(config, ["label=hello world"])
    assert config.label == "hello world"
    apply_overrides(config, ["label='123'"])
    assert config.label == "123"
    apply_overrides(config, ["label=123"])
    assert config.label == "123", "digits given to a str field stay text"
    apply_overrides(config, ["label=None"])
    assert config.label is None
    apply_overrides(config, ["method=b"])
    assert config.method == "b"


def test_lists_accept_python_literals_and_comma_separated_text():
    config = OverrideConfig()
    apply_overrides(config, ["planes=[BAD,SAT]"])
    assert config.planes == ["BAD", "SAT"]
    apply_overrides(config, ["planes=['CR', 'EDGE']"])
    assert config.planes == ["CR", "EDGE"]
    apply_overrides(config, ["planes=NO_DATA,SUSPECT"])
    assert config.planes == ["NO_DATA", "SUSPECT"]
    apply_overrides(config, ["radii=[1,2.5]", "planes=[]"])
    assert config.radii == [1.0, 2.5] and config.planes == []


def test_dicts_accept_python_literals():
    config = OverrideConfig()
    apply_overrides(config, ["weights={'g': 1, 'r': 0.5}"])
    assert config.weights == {"g": 1.0, "r": 0.5}


def test_registry_and_choice_fields_are_selected_by_name():
    config = OverrideConfig()
    apply_overrides(config, ["fitter=alt", "fitter['alt'].order=3", "choice=a", "several=[detect,alt]"])
    assert config.fitter.name == "alt" and config.fitter.active.order == 3
    assert config.choice.name == "a"
    assert set(config.several.names) == {"detect", "alt"}
    apply_overrides(config, ["fitter.name=detect", "several.names=alt", "choice['d'].nSigma=2"])
    assert config.fitter.name == "detect" and list(config.several.names) == ["alt"]
    assert config.choice["d"].nSigma == 2
    with pytest.raises(FieldValidationError, match="unknown choice 'nope'"):
        apply_overrides(config, ["fitter.name=nope"])


def test_typed_values_from_yaml_are_applied_as_they_are():
    config = OverrideConfig()
    apply_override(config, "count", 9)
    apply_override(config, "planes", ["A", "B"])
    apply_override(config, "detection.nSigma", 4)
    assert (config.count, config.planes, config.detection.nSigma) == (9, ["A", "B"], 4)


def test_unknown_keys_are_refused_with_suggestions_and_nothing_changes():
    config = OverrideConfig()
    with pytest.raises(
        ConfigOverrideError,
        match=r"override 'detection.treshold': DetectConfig in 'detection' has no field 'treshold'",
    ):
        apply_overrides(config, ["detection.treshold=3"])
    with pytest.raises(ConfigOverrideError, match=r"has no field 'doWrit' \(did you mean 'doWrite'\?\)"):
        apply_overrides(config, ["doWrit=False"])
    with pytest.raises(ConfigOverrideError, match="'count' holds a Field, not a config"):
        apply_overrides(config, ["count.x=1"])
    assert config == OverrideConfig()


def test_text_that_is_not_the_field_type_is_refused_with_the_field_named():
    config = OverrideConfig()
    with pytest.raises(ConfigOverrideError, match=r"override doWrite='maybe': 'maybe' is not a boolean"):
        apply_overrides(config, ["doWrite=maybe"])
    with pytest.raises(ConfigOverrideError, match="'many' is not a valid int"):
        apply_overrides(config, ["count=many"])
    with pytest.raises(
        FieldValidationError,
        match="Field 'count' failed validation: value 2.5 has type float; expected int",
    ):
        apply_overrides(config, ["count=2.5"])
    with pytest.raises(
        FieldValidationError,
        match="RangeField 'detection.nSigma' failed validation: value 0 is outside",
    ):
        apply_overrides(config, ["detection.nSigma=0"])
    with pytest.raises(ConfigOverrideError, match="cannot be given as text"):
        apply_overrides(config, ["detection=x"])
    with pytest.raises(ConfigOverrideError, match="not of the form key=value"):
        apply_overrides(config, ["count"])
    assert config == OverrideConfig()


def test_overrides_apply_in_order_and_a_failure_stops_the_rest():
    config = OverrideConfig()
    with pytest.raises(ConfigOverrideError):
        apply_overrides(config, ["count=2", "count=oops", "scale=9"])
    assert config.count == 2 and config.scale == 1.0


def test_split_override_keeps_equals_signs_in_values():
    assert pexConfig.split_override(" label = a=b ") == ("label", "a=b")
