"""Tests for storage classes, their registry and its entry-point plug-ins."""

from __future__ import annotations

import collections
import importlib
import pickle
import sys
import textwrap
from pathlib import Path

import astropy.table
import numpy as np
import pyarrow as pa
import pytest

from butler.formatters import FormatterFactory
from butler.storage_class import (
    ENTRY_POINT_GROUP,
    StorageClass,
    StorageClassConflictError,
    StorageClassDelegate,
    StorageClassFactory,
    StorageClassNotFoundError,
    UnknownParameterError,
    get_storage_class_factory,
    import_dotted,
)


@pytest.fixture
def factory() -> StorageClassFactory:
    return StorageClassFactory()


def test_import_dotted() -> None:
    assert import_dotted("dict") is dict
    assert import_dotted("numpy.ndarray") is np.ndarray
    assert import_dotted("astropy.table.Table.as_array") is astropy.table.Table.as_array
    with pytest.raises(ImportError, match="no_such_builtin"):
        import_dotted("no_such_builtin")
    with pytest.raises(ImportError):
        import_dotted("numpy.NoSuchThing")
    with pytest.raises(ImportError):
        import_dotted("no_such_package_xyz.Thing")


def test_builtin_storage_classes(factory: StorageClassFactory) -> None:
    expected = {
        "int": int,
        "StructuredDataDict": dict,
        "StructuredDataList": list,
        "NumpyArray": np.ndarray,
        "AstropyTable": astropy.table.Table,
        "ArrowAstropy": astropy.table.Table,
        "ArrowTable": pa.Table,
        "ArrowNumpy": np.ndarray,
        "ArrowNumpyDict": dict,
    }
    for name, pytype in expected.items():
        assert name in factory
        assert factory.getStorageClass(name).pytype is pytype
    assert "DataFrame" in factory
    assert factory.plugin_errors == {}
    assert set(factory.keys()) >= set(expected)
    assert len(factory) == len(factory.keys())


def test_process_wide_factory_is_shared() -> None:
    assert get_storage_class_factory() is get_storage_class_factory()
    assert StorageClassFactory() is not StorageClassFactory()


def test_unknown_storage_class_suggests_close_matches(factory: StorageClassFactory) -> None:
    with pytest.raises(StorageClassNotFoundError) as info:
        factory.getStorageClass("ArrowAstropi")
    assert isinstance(info.value, KeyError)
    assert "'ArrowAstropy'" in str(info.value)
    assert "ArrowAstropi" in str(info.value)


def test_arrow_components_and_parameters(factory: StorageClassFactory) -> None:
    arrow_astropy = factory.getStorageClass("ArrowAstropy")
    assert arrow_astropy.components == {}
    assert set(arrow_astropy.derivedComponents) == {"columns", "rowcount", "schema"}
    assert arrow_astropy.allComponents()["rowcount"] is factory.getStorageClass("int")
    assert arrow_astropy.allComponents()["schema"].name == "ArrowAstropySchema"
    assert arrow_astropy.parameters == frozenset({"columns"})
    assert not arrow_astropy.isComposite()
    arrow_astropy.validate_parameters({"columns": ["a"]})
    arrow_astropy.validate_parameters(None)
    with pytest.raises(UnknownParameterError) as info:
        arrow_astropy.validate_parameters({"columns": ["a"], "bbox": None})
    assert isinstance(info.value, KeyError)
    assert "bbox" in str(info.value) and "valid: columns" in str(info.value)


def test_is_type_can_convert_and_coerce(factory: StorageClassFactory) -> None:
    arrow_table = factory.getStorageClass("ArrowTable")
    arrow_astropy = factory.getStorageClass("ArrowAstropy")
    arrow_numpy = factory.getStorageClass("ArrowNumpy")
    numpy_array = factory.getStorageClass("NumpyArray")
    structured = factory.getStorageClass("StructuredDataDict")
    table = astropy.table.Table({"a": [1, 2, 3]})

    assert arrow_astropy.is_type(table)
    assert not arrow_table.is_type(table)
    assert arrow_table.can_convert(arrow_astropy)
    assert arrow_astropy.can_convert(arrow_table)
    assert arrow_numpy.can_convert(arrow_astropy)
    assert arrow_numpy.can_convert(numpy_array)  # same Python type
    assert not numpy_array.can_convert(arrow_astropy)
    assert not structured.can_convert(numpy_array)

    converted = arrow_table.coerce_type(table)
    assert isinstance(converted, pa.Table)
    assert converted.column("a").to_pylist() == [1, 2, 3]
    assert arrow_astropy.coerce_type(table) is table
    with pytest.raises(TypeError, match="Cannot convert a list to storage class ArrowTable"):
        arrow_table.coerce_type([1, 2, 3])


def test_pydantic_model_can_be_read_as_dict(factory: StorageClassFactory) -> None:
    import pydantic

    class Point(pydantic.BaseModel):
        x: int
        y: int

    assert factory.getStorageClass("StructuredDataDict").coerce_type(Point(x=1, y=2)) == {"x": 1, "y": 2}


def test_missing_optional_type_gives_clear_error() -> None:
    storage_class = StorageClass("Missing", pytype="no_such_package_xyz.Frame")
    with pytest.raises(ImportError, match="Storage class Missing needs Python type"):
        _ = storage_class.pytype
    assert not storage_class.can_convert(StorageClass("int", pytype=int))


def test_equality_hash_and_pickle() -> None:
    int_class = StorageClass("int", pytype=int)
    first = StorageClass(
        "Thing", pytype="builtins.dict", derivedComponents={"n": int_class}, parameters=["p"]
    )
    second = StorageClass(
        "Thing", pytype="builtins.dict", derivedComponents={"n": int_class}, parameters={"p"}
    )
    third = StorageClass("Thing", pytype="builtins.dict", parameters=["p"])
    assert first == second and hash(first) == hash(second)
    assert first != third
    assert StorageClass("d", pytype=dict) == StorageClass("d", pytype="dict")
    assert pickle.loads(pickle.dumps(first)) == first
    assert repr(first) == "StorageClass('Thing', pytype='builtins.dict')"


def test_storage_class_rejects_bad_definitions() -> None:
    int_class = StorageClass("int", pytype=int)
    with pytest.raises(ValueError, match="both read and derived"):
        StorageClass("X", components={"a": int_class}, derivedComponents={"a": int_class})
    with pytest.raises(TypeError, match="must be a StorageClass"):
        StorageClass("X", components={"a": "int"})  # type: ignore[dict-item]
    with pytest.raises(ValueError):
        StorageClass("")


def test_add_from_config_with_inheritance(factory: StorageClassFactory) -> None:
    factory.addFromConfig(
        {
            "storageClasses": {
                # The child comes first: definitions may refer forwards.
                "OrderedThing": {"inheritsFrom": "Thing", "pytype": "collections.OrderedDict"},
                "Thing": {
                    "pytype": "dict",
                    "parameters": ["subset"],
                    "components": {"header": "StructuredDataDict"},
                    "derivedComponents": {"size": "int"},
                    "delegate": "butler.storage_class.StorageClassDelegate",
                },
            },
            "formatters": {"Thing": "butler.formatters.yaml.YamlFormatter"},
        }
    )
    child = factory.getStorageClass("OrderedThing")
    assert child.pytype is collections.OrderedDict
    assert child.inheritsFrom == "Thing"
    assert child.parameters == {"subset"}
    assert set(child.allComponents()) == {"header", "size"}
    assert child.isComposite()
    assert child.delegate == "butler.storage_class.StorageClassDelegate"
    # The child has no formatter of its own and uses its parent's.
    formatter_class = FormatterFactory(factory).get_formatter_class("OrderedThing")
    assert formatter_class.__name__ == "YamlFormatter"
    # Re-adding an identical definition is harmless; a different one is not.
    factory.addFromConfig({"storageClasses": {"Thing2": {"pytype": "dict"}}})
    factory.addFromConfig({"storageClasses": {"Thing2": {"pytype": "dict"}}})
    with pytest.raises(StorageClassConflictError, match="Thing2"):
        factory.addFromConfig({"storageClasses": {"Thing2": {"pytype": "list"}}})
    factory.registerStorageClass(StorageClass("Thing2", pytype=list), replace=True)
    assert factory.getStorageClass("Thing2").pytype is list


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"storageClass": {}}, "Unknown top-level key"),
        ({"storageClasses": {"X": {"pytyp": "dict"}}}, "Unknown key.*pytyp"),
        ({"storageClasses": {"X": {"components": {"a": "NoSuchClass"}}}}, "NoSuchClass"),
        ({"storageClasses": {"A": {"inheritsFrom": "B"}, "B": {"inheritsFrom": "A"}}}, "circular"),
        ({"formatters": {"X": 3}}, "dotted class name"),
        ({"storageClasses": ["X"]}, "mapping"),
    ],
)
def test_add_from_config_errors(factory: StorageClassFactory, config: dict, message: str) -> None:
    with pytest.raises((ValueError, KeyError), match=message):
        factory.addFromConfig(config)


def test_add_from_yaml_file(factory: StorageClassFactory, tmp_path: Path) -> None:
    path = tmp_path / "classes.yaml"
    path.write_text(
        textwrap.dedent(
            """
            storageClasses:
              Counts:
                pytype: collections.Counter
            formatters:
              Counts:
                formatter: butler.formatters.json.JsonFormatter
              extensions:
                .counts: butler.formatters.json.JsonFormatter
            """
        )
    )
    factory.addFromConfig(path)
    assert factory.getStorageClass("Counts").pytype is collections.Counter
    assert factory.formatter_specs["Counts"].formatter == "butler.formatters.json.JsonFormatter"
    assert factory.extension_formatters[".counts"] == "butler.formatters.json.JsonFormatter"


def test_find_storage_class(factory: StorageClassFactory) -> None:
    assert factory.findStorageClass(dict).name == "StructuredDataDict"
    with pytest.raises(StorageClassNotFoundError):
        factory.findStorageClass(complex)


def test_default_delegate() -> None:
    class Thing:
        size = 3

        def getArea(self) -> int:
            return 9

    delegate = StorageClassDelegate(StorageClass("Thing", pytype=Thing))
    assert delegate.getComponent(Thing(), "size") == 3
    assert delegate.getComponent(Thing(), "area") == 9
    assert delegate.getComponent({"size": 4}, "size") == 4
    with pytest.raises(AttributeError, match="missing"):
        delegate.getComponent(Thing(), "missing")
    assert delegate.handleParameters(Thing, None) is Thing
    with pytest.raises(NotImplementedError, match="bbox"):
        delegate.handleParameters(Thing(), {"bbox": 1})


# -- entry points -----------------------------------------------------------

_TOY_MODULE = '''
"""A toy third-party plug-in adding a storage class and its formatter."""

from pathlib import Path

from butler.formatters.base import Formatter, read_bytes, write_bytes


class Greeting:
    def __init__(self, text):
        self.text = text


class GreetingFormatter(Formatter):
    default_extension = ".greeting"
    supported_extensions = frozenset({".greeting"})
    readable_components = frozenset({"length"})

    def _read(self, fs, path, parameters):
        data = read_bytes(fs, path)
        if not data.startswith(b"HELLO "):
            raise self.read_error(path, "no HELLO header")
        return Greeting(data[6:].decode())

    def _read_component(self, fs, path, component, parameters):
        return len(read_bytes(fs, path)) - 6

    def _write(self, obj, fs, path):
        write_bytes(fs, path, b"HELLO " + obj.text.encode())


CONFIG_PATH = Path(__file__).with_name("toy_classes.yaml")


def shout_config():
    return {
        "storageClasses": {"Shout": {"inheritsFrom": "Greeting", "parameters": ["volume"]}},
    }


def broken_config():
    raise RuntimeError("this plug-in is broken")
'''

_TOY_YAML = """
storageClasses:
  Greeting:
    pytype: toy_butler_plugin.Greeting
    derivedComponents:
      length: int
formatters:
  Greeting: toy_butler_plugin.GreetingFormatter
  extensions:
    .greeting: toy_butler_plugin.GreetingFormatter
"""


@pytest.fixture
def toy_plugin(tmp_path: Path):
    """Install a toy distribution with entry points on `sys.path`."""
    (tmp_path / "toy_butler_plugin.py").write_text(_TOY_MODULE)
    (tmp_path / "toy_classes.yaml").write_text(_TOY_YAML)
    dist_info = tmp_path / "toy_butler_plugin-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-butler-plugin\nVersion: 0.1\n")
    # "a-shout" sorts first yet depends on "greeting": loading must cope.
    (dist_info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\n"
        "a-shout = toy_butler_plugin:shout_config\n"
        "greeting = toy_butler_plugin:CONFIG_PATH\n"
        "z-broken = toy_butler_plugin:broken_config\n"
    )
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("toy_butler_plugin", None)
        importlib.invalidate_caches()


def test_entry_point_plugins(toy_plugin: Path, caplog: pytest.LogCaptureFixture) -> None:
    factory = StorageClassFactory()
    greeting_class = factory.getStorageClass("Greeting")
    assert greeting_class.pytype.__module__ == "toy_butler_plugin"
    shout = factory.getStorageClass("Shout")
    assert shout.pytype is greeting_class.pytype
    assert shout.parameters == {"volume"}
    assert set(factory.plugin_errors) == {"z-broken = toy_butler_plugin:broken_config"}
    assert "this plug-in is broken" in factory.plugin_errors["z-broken = toy_butler_plugin:broken_config"]
    assert "broken" in caplog.text
    # The failed plug-in is mentioned when a name is not found.
    with pytest.raises(StorageClassNotFoundError, match="z-broken"):
        factory.getStorageClass("Whisper")

    formatters = FormatterFactory(factory)
    formatter = formatters.get_formatter("Greeting")
    assert type(formatter).__name__ == "GreetingFormatter"
    assert formatters.formatter_for_extension(".greeting") is type(formatter)
    # Inherited formatter for the storage class from the other entry point.
    assert formatters.get_formatter_class("Shout") is type(formatter)

    path = str(toy_plugin / "hi.greeting")
    formatter.write(greeting_class.pytype("world"), None, path)
    assert formatter.read(None, path).text == "world"
    assert formatter.read(None, path, component="length") == 5
    with pytest.raises(TypeError, match="toy_butler_plugin.Greeting"):
        formatter.write("not a greeting", None, path)


def test_entry_points_are_not_seen_without_the_distribution() -> None:
    assert "Greeting" not in StorageClassFactory()
