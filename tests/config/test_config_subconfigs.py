"""Nested configs: ConfigField, ConfigurableField, ConfigChoiceField, RegistryField, ConfigDictField."""

import pytest

import pipetasks.config as pexConfig
from pipetasks.config import FieldValidationError, UnexpectedProxyUsageError


class InnerConfig(pexConfig.Config):
    level = pexConfig.Field(doc="A level.", dtype=int, default=1)
    scale = pexConfig.RangeField(doc="A scale.", dtype=float, default=1.0, min=0.0)


class OtherConfig(pexConfig.Config):
    name = pexConfig.Field(doc="A name.", dtype=str, default="other")


class Worker:
    ConfigClass = InnerConfig

    def __init__(self, *args, config, **kwargs):
        self.args, self.config, self.kwargs = args, config, kwargs


class BetterWorker(Worker):
    pass


class OtherWorker:
    ConfigClass = OtherConfig

    def __init__(self, config, **kwargs):
        self.config, self.kwargs = config, kwargs


registry = pexConfig.makeRegistry("Workers for tests.")
registry.register("plain", Worker)
registry.register("better", BetterWorker)
registry.register("other", OtherWorker)


class OuterConfig(pexConfig.Config):
    inner = pexConfig.ConfigField(doc="Nested.", dtype=InnerConfig)
    preset = pexConfig.ConfigField(doc="Nested with defaults.", dtype=InnerConfig,
                                   default=InnerConfig(level=7))
    worker = pexConfig.ConfigurableField(doc="A retargetable worker.", target=Worker)
    choice = pexConfig.ConfigChoiceField(
        doc="One of two configs.", typemap={"inner": InnerConfig, "other": OtherConfig}, default="inner"
    )
    several = pexConfig.ConfigChoiceField(
        doc="Several configs.", typemap={"inner": InnerConfig, "other": OtherConfig}, multi=True,
        default=["inner"],
    )
    pick = registry.makeField("A registry choice.", default="plain")
    picks = registry.makeField("Several registry choices.", multi=True, optional=True)
    table = pexConfig.ConfigDictField(doc="Configs by key.", keytype=str, itemtype=InnerConfig, default={})


# -- ConfigField ------------------------------------------------------------------


def test_config_field_holds_a_named_subconfig_with_its_defaults():
    config = OuterConfig()
    assert isinstance(config.inner, InnerConfig) and config.inner.level == 1
    assert config.preset.level == 7
    config.inner.level = 5
    assert config.toDict()["inner"] == {"level": 5, "scale": 1.0}


def test_errors_in_subconfigs_name_the_full_dotted_field():
    config = OuterConfig()
    with pytest.raises(FieldValidationError) as info:
        config.inner.scale = -1.0
    assert info.value.fullname == "inner.scale"
    assert str(info.value).startswith("RangeField 'inner.scale' failed validation: value -1.0 is outside")
    with pytest.raises(FieldValidationError, match="RangeField 'worker.scale' failed validation"):
        config.worker.scale = -2.0
    with pytest.raises(FieldValidationError, match=r"Field 'choice\['inner'\].level' failed validation"):
        config.choice["inner"].level = "x"
    with pytest.raises(FieldValidationError, match=r"Field 'table\['a'\].level' failed validation"):
        config.table["a"] = InnerConfig()
        config.table["a"].level = "bad"


def test_assigning_a_config_copies_its_values_and_assigning_the_class_resets():
    config = OuterConfig()
    held = config.inner
    config.inner = InnerConfig(level=9)
    assert config.inner is held and config.inner.level == 9
    config.inner = InnerConfig
    assert config.inner.level == 1
    with pytest.raises(
        FieldValidationError,
        match="expected a tests.config.test_config_subconfigs.InnerConfig instance",
    ):
        config.inner = OtherConfig()


def test_freeze_and_validate_recurse_into_every_subconfig():
    config = OuterConfig()
    config.freeze()
    for change in (
        lambda: setattr(config.inner, "level", 2),
        lambda: setattr(config.worker, "level", 2),
        lambda: config.worker.retarget(BetterWorker),
        lambda: setattr(config.choice, "name", "other"),
        lambda: setattr(config.choice["other"], "name", "x"),
        lambda: config.several.names.add("other"),
        lambda: setattr(config.pick, "name", "better"),
    ):
        with pytest.raises(FieldValidationError, match="cannot modify a frozen config"):
            change()


# -- ConfigurableField -------------------------------------------------------------


def test_configurable_field_reads_and_writes_the_target_config():
    config = OuterConfig()
    assert config.worker.target is Worker and config.worker.ConfigClass is InnerConfig
    config.worker.level = 4
    assert config.worker.level == 4 and config.worker.value is not None
    assert isinstance(config.worker, pexConfig.ConfigurableInstance)
    assert isinstance(OuterConfig.worker, pexConfig.ConfigurableField)


def test_apply_builds_the_target_with_its_config():
    config = OuterConfig()
    config.worker.level = 3
    built = config.worker.apply("positional", name="w")
    assert isinstance(built, Worker) and built.config.level == 3
    assert built.args == ("positional",) and built.kwargs == {"name": "w"}


def test_retarget_keeps_values_for_the_same_config_class_and_resets_for_another():
    config = OuterConfig()
    config.worker.level = 3
    config.worker.retarget(BetterWorker)
    assert config.worker.target is BetterWorker and config.worker.level == 3
    config.worker.retarget(OtherWorker)
    assert config.worker.ConfigClass is OtherConfig and config.worker.name == "other"
    assert isinstance(config.worker.apply(), OtherWorker)
    config.worker.retarget(Worker, ConfigClass=InnerConfig)
    assert config.worker.level == 1


def test_retarget_to_something_unusable_is_refused_with_the_reason():
    config = OuterConfig()
    with pytest.raises(FieldValidationError, match="has no ConfigClass attribute"):
        config.worker.retarget(dict)
    with pytest.raises(FieldValidationError, match="is not a subclass of Config"):
        config.worker.retarget(Worker, ConfigClass=int)
    assert config.worker.target is Worker


def test_assigning_to_a_configurable_field_copies_values_but_not_foreign_types():
    config = OuterConfig()
    config.worker = InnerConfig(level=8)
    assert config.worker.level == 8
    other = OuterConfig()
    other.worker.retarget(BetterWorker)
    other.worker.level = 11
    config.worker = other.worker
    assert config.worker.target is BetterWorker and config.worker.level == 11
    with pytest.raises(FieldValidationError, match="use .retarget"):
        config.worker = OtherConfig()


def test_a_subtask_slot_cannot_be_pickled_but_its_config_can():
    import pickle

    config = OuterConfig()
    with pytest.raises(UnexpectedProxyUsageError, match="pickle its config"):
        pickle.dumps(config.worker)
    assert pickle.loads(pickle.dumps(config.worker.value)).level == 1


# -- ConfigChoiceField -------------------------------------------------------------


def test_choice_field_keeps_a_config_per_choice_and_a_selection():
    config = OuterConfig()
    assert config.choice.name == "inner" and config.choice.active.level == 1
    config.choice["other"].name = "configured"
    config.choice = "other"
    assert config.choice.active.name == "configured"
    config.choice.name = "inner"
    assert config.choice["other"].name == "configured", "unselected choices keep their values"
    assert set(config.choice) == {"inner", "other"} and len(config.choice) == 2


def test_choice_field_refuses_unknown_names_with_suggestions():
    config = OuterConfig()
    with pytest.raises(
        FieldValidationError,
        match=r"unknown choice 'innr'; known choices: inner, other \(did you mean 'inner'\?\)",
    ):
        config.choice = "innr"
    with pytest.raises(KeyError):
        config.choice["nope"]  # noqa: B018
    with pytest.raises(
        FieldValidationError,
        match="expected a tests.config.test_config_subconfigs.OtherConfig",
    ):
        config.choice["other"] = InnerConfig()
    with pytest.raises(AttributeError, match="has .name, not .names"):
        config.choice.names  # noqa: B018


def test_multi_choice_selects_several_and_validates_each():
    config = OuterConfig()
    config.several.names.add("other")
    assert set(config.several.names) == {"inner", "other"}
    assert [type(c) for c in config.several.active] == [InnerConfig, OtherConfig]
    config.several.names = ["other"]
    assert list(config.several.names) == ["other"]
    with pytest.raises(FieldValidationError, match="unknown choice 'x'"):
        config.several.names.add("x")
    config.several.names.discard("other")
    with pytest.raises(
        FieldValidationError,
        match="ConfigChoiceField 'several' failed validation: required field has no selection",
    ):
        config.validate()


def test_choice_field_validate_checks_only_the_active_choice():
    config = OuterConfig()
    config.choice["other"].name = None  # invalid, but not selected
    config.validate()
    config.choice = "other"
    with pytest.raises(
        FieldValidationError,
        match=r"Field 'choice\['other'\].name' failed validation: required value",
    ):
        config.validate()


# -- RegistryField -----------------------------------------------------------------


def test_registry_field_retargets_by_name_and_applies_the_selection():
    config = OuterConfig()
    assert config.pick.name == "plain" and config.pick.target is Worker
    config.pick["better"].level = 6
    config.pick.name = "better"
    built = config.pick.apply(name="x")
    assert isinstance(built, BetterWorker) and built.config.level == 6 and built.kwargs == {"name": "x"}
    assert config.pick.apply_with("other").config.name == "other"


def test_registry_multi_selection_applies_every_selected_target():
    config = OuterConfig()
    config.picks.names = ["plain", "other"]
    built = config.picks.apply()
    assert sorted(type(b).__name__ for b in built) == ["OtherWorker", "Worker"]
    assert [t.__name__ for t in config.picks.targets] == ["other", "plain"] or len(config.picks.targets) == 2


def test_registry_without_selection_explains_the_options():
    config = OuterConfig()
    config.pick.name = None
    with pytest.raises(
        FieldValidationError,
        match="no selection has been made; options: plain, better, other",
    ):
        config.pick.apply()


def test_registry_refuses_duplicate_names_and_foreign_config_classes():
    local = pexConfig.makeRegistry("Only InnerConfig.", InnerConfig)
    local.register("a", Worker)
    with pytest.raises(RuntimeError, match="'a' already exists"):
        local.register("a", BetterWorker)
    with pytest.raises(TypeError, match="does not derive from"):
        local.register("b", OtherWorker)
    assert "Only InnerConfig." in type(local).__doc__


def test_register_decorators_add_entries_seen_by_existing_fields():
    @pexConfig.registerConfigurable("late", registry)
    class LateWorker(Worker):
        pass

    @pexConfig.registerConfig("late-config", registry, OtherWorker)
    class LateConfig(OtherConfig):
        pass

    config = OuterConfig()
    config.pick.name = "late"
    assert isinstance(config.pick.apply(), LateWorker)
    config.pick.name = "late-config"
    assert isinstance(config.pick.active, LateConfig)
    assert isinstance(config.pick.apply(), OtherWorker)


# -- ConfigDictField ----------------------------------------------------------------


def test_config_dict_field_holds_named_copies_of_configs():
    config = OuterConfig()
    source = InnerConfig(level=2)
    config.table["a"] = source
    config.table["a"].level = 3
    assert source.level == 2 and config.table["a"].level == 3
    assert config.toDict()["table"] == {"a": {"level": 3, "scale": 1.0}}
    with pytest.raises(
        FieldValidationError,
        match="value .* at key 'b' has type .*OtherConfig; expected a .*InnerConfig",
    ):
        config.table["b"] = OtherConfig()
    with pytest.raises(FieldValidationError, match="key 1 has type int; expected str"):
        config.table[1] = InnerConfig()
    config.table["a"].scale = 2.0
    config.validate()


def test_copies_do_not_share_any_subconfig():
    config = OuterConfig()
    config.table["a"] = InnerConfig()
    copy = config.copy()
    copy.inner.level = 100
    copy.worker.level = 100
    copy.choice["inner"].level = 100
    copy.pick["plain"].level = 100
    copy.table["a"].level = 100
    assert config.inner.level == config.worker.level == config.choice["inner"].level == 1
    assert config.pick["plain"].level == config.table["a"].level == 1
    assert copy != config


def test_compare_reports_differences_inside_subconfigs():
    a, b = OuterConfig(), OuterConfig()
    assert a == b and a.compare(b)
    b.worker.level = 2
    b.choice["inner"].level = 5
    b.choice["other"].name = "ignored because unselected"
    messages = []
    assert not a.compare(b, shortcut=False, output=messages.append)
    assert messages == ["Inequality in worker.level: 1 != 2", "Inequality in choice['inner'].level: 1 != 5"]
    b = OuterConfig()
    b.worker.retarget(BetterWorker)
    messages = []
    assert not a.compare(b, output=messages.append)
    assert "Targets differ for worker" in messages[0]
