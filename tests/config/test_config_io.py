"""Override files: what save writes, what load accepts, round trips, pickling."""

import io
import math
import os
import pickle
import sys
import textwrap
import uuid

import pytest

import pipetasks.config as pexConfig
from pipetasks.config import FieldValidationError


class LeafConfig(pexConfig.Config):
    level = pexConfig.Field(doc="A level.", dtype=int, default=1)
    note = pexConfig.Field(doc="A note.", dtype=str, default="plain")


class AltConfig(pexConfig.Config):
    sigma = pexConfig.Field(doc="Sigma.", dtype=float, default=1.5)


class LeafTask:
    ConfigClass = LeafConfig

    def __init__(self, config, **kwargs):
        self.config = config


class OtherLeafTask(LeafTask):
    pass


class AltTask:
    ConfigClass = AltConfig

    def __init__(self, config, **kwargs):
        self.config = config


workers = pexConfig.makeRegistry("Workers for I/O tests.")
workers.register("leaf", LeafTask)
workers.register("alt", AltTask)


class EverythingConfig(pexConfig.Config):
    number = pexConfig.Field(doc="A float.\nOn two lines.", dtype=float, default=1.0)
    count = pexConfig.Field(doc="An int.", dtype=int, default=1)
    text = pexConfig.Field(doc="A string.", dtype=str, default="a 'quoted' \"text\"\nwith a newline")
    flag = pexConfig.Field(doc="A bool.", dtype=bool, default=False)
    phase = pexConfig.Field(doc="A complex.", dtype=complex, default=1 + 2j)
    unset = pexConfig.Field(doc="Optional.", dtype=str, default=None, optional=True)
    fraction = pexConfig.RangeField(doc="A fraction.", dtype=float, default=0.5, min=0, max=1)
    mode = pexConfig.ChoiceField(doc="A mode.", dtype=str, default="a", allowed={"a": "A", "b": "B"})
    planes = pexConfig.ListField(doc="A list.", dtype=str, default=["BAD"])
    values = pexConfig.ListField(doc="Floats.", dtype=float, default=[1.0])
    weights = pexConfig.DictField(doc="A dict.", keytype=str, itemtype=float, default={"g": 1.0})
    leaf = pexConfig.ConfigField(doc="A sub-config.", dtype=LeafConfig)
    task = pexConfig.ConfigurableField(doc="A subtask.", target=LeafTask)
    choice = pexConfig.ConfigChoiceField(doc="A choice.", typemap={"leaf": LeafConfig, "alt": AltConfig},
                                         default="leaf")
    multi = pexConfig.ConfigChoiceField(doc="Several.", typemap={"leaf": LeafConfig, "alt": AltConfig},
                                        multi=True, default=["leaf"])
    worker = workers.makeField("A registry choice.", default="leaf")
    table = pexConfig.ConfigDictField(doc="Configs by name.", keytype=str, itemtype=LeafConfig, default={})
    old = pexConfig.Field(doc="Old.", dtype=int, default=0, deprecated="Going away.")


def changed_config():
    config = EverythingConfig()
    config.number = math.nan
    config.values = [math.inf, -math.inf, 2.5]
    config.count = 42
    config.text = "it's\tdone"
    config.flag = True
    config.phase = -1j
    config.unset = "set"
    config.fraction = 0.75
    config.mode = "b"
    config.planes = ["SAT", "CR"]
    config.weights = {"r": 2.0, "i": 0.5}
    config.leaf.level = 7
    config.task.retarget(AltTask)
    config.task.sigma = 3.0
    config.choice["alt"].sigma = 9.0
    config.choice = "alt"
    config.multi.names = ["leaf", "alt"]
    config.multi["leaf"].note = "multi"
    config.worker.name = "alt"
    config.worker["alt"].sigma = 4.0
    config.table["x"] = LeafConfig(level=3)
    return config


def test_configs_of_classes_defined_in_functions_save_without_the_type_check():
    class Local(pexConfig.Config):
        n = pexConfig.Field(doc="n", dtype=int, default=1)

    text = Local(n=2).saveToString()
    assert "cannot be checked" in text and "assert" not in text
    loaded = Local()
    loaded.loadFromString(text)
    assert loaded.n == 2


def test_save_then_load_reproduces_every_kind_of_field(tmp_path):
    original = changed_config()
    path = tmp_path / "config.py"
    original.save(path)
    loaded = EverythingConfig()
    loaded.load(path)
    assert loaded == original
    assert loaded.compare(original, shortcut=False)
    assert math.isnan(loaded.number) and loaded.values == [math.inf, -math.inf, 2.5]
    assert loaded.task.target is AltTask and loaded.task.sigma == 3.0
    assert loaded.choice.name == "alt" and loaded.choice["alt"].sigma == 9.0
    assert set(loaded.multi.names) == {"leaf", "alt"} and loaded.multi["leaf"].note == "multi"
    assert loaded.worker.name == "alt" and isinstance(loaded.worker.apply(), AltTask)
    assert loaded.table["x"].level == 3


def test_saved_file_is_python_assignments_with_docs_imports_and_retargets():
    config = changed_config()
    text = config.saveToString()
    module = __name__
    lines = text.splitlines()
    assert lines[0] == f"import {module}"
    assert lines[1].startswith(f"assert type(config) is {module}.EverythingConfig, ")
    assert "# A float.\n# On two lines.\nconfig.number = float('nan')\n" in text
    assert "config.values = [float('inf'), float('-inf'), 2.5]\n" in text
    assert 'config.text = "it\'s\\tdone"\n' in text
    assert "config.leaf.level = 7\n" in text
    assert f"config.task.retarget(target={module}.AltTask, ConfigClass={module}.AltConfig)\n" in text
    assert "config.task.sigma = 3.0\n" in text
    assert "config.choice['alt'].sigma = 9.0\n" in text and "config.choice.name = 'alt'\n" in text
    assert "config.multi.names = ['alt', 'leaf']\n" in text
    assert "config.worker.name = 'alt'\n" in text
    table = f"config.table = {{}}\nconfig.table['x'] = {module}.LeafConfig()\n# A level.\nconfig.table['x'].level = 3\n"
    assert table in text
    assert "config.old" not in text, "a deprecated field at its default is left out"
    human = config.saveToString(skipImports=True)
    assert "import" not in human and "assert" not in human and "config.count = 42" in human


def test_unchanged_default_subtask_is_saved_without_a_retarget_line():
    text = EverythingConfig().saveToString()
    assert ".retarget(" not in text


class RetargetingConfig(EverythingConfig):
    def setDefaults(self):
        super().setDefaults()
        self.task.retarget(OtherLeafTask)


def test_retarget_back_to_the_field_default_is_saved_when_set_defaults_retargeted():
    config = RetargetingConfig()
    config.task.retarget(LeafTask)
    text = config.saveToString()
    assert f"config.task.retarget(target={__name__}.LeafTask, ConfigClass={__name__}.LeafConfig)" in text
    fresh = RetargetingConfig()
    fresh.loadFromString(text)
    assert fresh.task.target is LeafTask


def test_names_lists_every_settable_dotted_name():
    names = EverythingConfig().names()
    expected = {"number", "leaf.level", "task.note", "choice['leaf'].level", "choice.name", "worker.name"}
    assert expected <= set(names)


def test_old_override_files_using_root_load(tmp_path):
    path = tmp_path / "old.py"
    path.write_text("root.count = 5\nroot.leaf.level = 2\n")
    config = EverythingConfig()
    config.load(path)
    assert (config.count, config.leaf.level) == (5, 2)


def test_override_files_can_load_neighbours_relative_to_their_own_file(tmp_path):
    (tmp_path / "base.py").write_text("config.count = 11\n")
    (tmp_path / "main.py").write_text(
        "import os\nconfig.load(os.path.join(os.path.dirname(__file__), 'base.py'))\nconfig.leaf.load("
        "os.path.join(os.path.dirname(__file__), 'leaf.py'))\n"
    )
    (tmp_path / "leaf.py").write_text("config.level = 12\n")
    config = EverythingConfig()
    config.load(tmp_path / "main.py")
    assert config.count == 11 and config.leaf.level == 12


def test_loading_a_file_saved_from_another_config_class_fails_on_its_type_check(tmp_path):
    path = tmp_path / "leaf.py"
    LeafConfig(level=2).save(path)
    with pytest.raises(AssertionError, match="config is of type .*EverythingConfig instead of .*LeafConfig"):
        EverythingConfig().load(path)


def test_a_bad_value_in_an_override_file_names_the_field_and_the_file_line(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text("config.count = 3\nconfig.leaf.level = 'seven'\n")
    config = EverythingConfig()
    with pytest.raises(
        FieldValidationError,
        match="Field 'leaf.level' failed validation: value 'seven'",
    ) as info:
        config.load(path)
    frames = [line for line in str(info.getrepr()).splitlines() if "bad.py:2" in line]
    assert frames, "the traceback points at the override file's line"
    assert config.leaf.level == 1


def test_stream_and_string_loading_with_extra_locals():
    config = EverythingConfig()
    config.loadFromStream(io.StringIO("config.count = value * 2\n"), extraLocals={"value": 4})
    assert config.count == 8
    config.loadFromString(b"config.text = 'bytes'\n")
    assert config.text == "bytes"
    with pytest.raises(ValueError, match="'config' is the name of the config being loaded"):
        config.loadFromString("", extraLocals={"config": 1})


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "c.py"
    path.write_text("previous content")
    changed_config().save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.py"]
    assert path.read_text().startswith("import ")
    mode = os.stat(path).st_mode & 0o777
    assert mode & 0o600 == 0o600


def test_pickled_configs_keep_values_and_frozen_state():
    config = changed_config()
    config.freeze()
    copy = pickle.loads(pickle.dumps(config))
    assert copy == config and copy.frozen
    with pytest.raises(FieldValidationError, match="frozen"):
        copy.count = 1


@pytest.fixture
def plugin_module(tmp_path, monkeypatch):
    """A user package (importable from a temporary directory) that registers a worker on import."""
    name = f"plugin_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(f"""
        import pipetasks.config as pexConfig
        from {__name__} import workers, LeafConfig

        class PluginConfig(LeafConfig):
            extra = pexConfig.Field(doc="Plug-in knob.", dtype=int, default=0)

        @pexConfig.registerConfigurable("{name}", workers)
        class PluginTask:
            ConfigClass = PluginConfig

            def __init__(self, config, **kwargs):
                self.config = config
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


def test_retarget_to_another_package_writes_its_import(plugin_module, tmp_path):
    override = tmp_path / "override.py"
    override.write_text(
        f"from {plugin_module} import PluginTask\nconfig.task.retarget(PluginTask)\nconfig.task.extra = 3\n"
    )
    config = EverythingConfig()
    config.load(override)
    text = config.saveToString()
    assert f"import {plugin_module}\n" in text
    retarget = f"config.task.retarget(target={plugin_module}.PluginTask, ConfigClass={plugin_module}.PluginConfig)"
    assert retarget in text
    rebuilt = EverythingConfig()
    rebuilt.loadFromString(text)
    assert rebuilt.task.extra == 3 and rebuilt.task.target.__name__ == "PluginTask"


def test_modules_imported_by_loaded_files_are_imported_again_by_saved_files(plugin_module):
    config = EverythingConfig()
    config.loadFromString(f"import {plugin_module}\nconfig.worker.name = '{plugin_module}'\n"
                          f"config.worker['{plugin_module}'].extra = 4\n")
    text = config.saveToString()
    assert f"import {plugin_module}\n" in text
    sys.modules.pop(plugin_module)  # a fresh process would not have it either
    try:
        rebuilt = pickle.loads(pickle.dumps(config))
        assert rebuilt.worker.name == plugin_module and rebuilt.worker.active.extra == 4
    finally:
        workers._dict.pop(plugin_module, None)
