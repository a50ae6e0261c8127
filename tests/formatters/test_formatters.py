"""Round trips, components, parameters and errors of the built-in formatters."""

from __future__ import annotations

import collections
import importlib
import io
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import astropy.table
import astropy.units as u
import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pydantic
import pytest
from astropy.time import Time
from fsspec.implementations.local import LocalFileSystem
from fsspec.implementations.memory import MemoryFileSystem

from butler.formatters import (
    LSST_FORMATTER_ALIASES,
    Formatter,
    FormatterFactory,
    FormatterNotFoundError,
    FormatterReadError,
    get_formatter_factory,
)
from butler.formatters.arrow import ArrowAstropySchema, ArrowNumpySchema
from butler.storage_class import StorageClassFactory, UnknownComponentError, UnknownParameterError


@pytest.fixture(scope="module")
def storage_classes() -> StorageClassFactory:
    return StorageClassFactory()


@pytest.fixture(scope="module")
def formatters(storage_classes: StorageClassFactory) -> FormatterFactory:
    return FormatterFactory(storage_classes)


class Place:
    """Where a test writes: a filesystem (`None` for plain paths) and a directory."""

    def __init__(self, fs: fsspec.AbstractFileSystem | None, root: str):
        self.fs = fs
        self.root = root

    def path(self, name: str) -> str:
        return f"{self.root}/{name}"

    def write_bytes(self, name: str, data: bytes) -> str:
        path = self.path(name)
        if self.fs is None:
            Path(path).write_bytes(data)
        else:
            self.fs.pipe_file(path, data)
        return path


@pytest.fixture(params=["plain", "local", "memory"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Place]:
    if request.param == "plain":
        yield Place(None, str(tmp_path))
    elif request.param == "local":
        yield Place(fsspec.filesystem("file"), str(tmp_path))
    else:
        fs = fsspec.filesystem("memory")
        root = f"/formatter-tests-{uuid.uuid4().hex}"
        fs.mkdir(root)
        yield Place(fs, root)
        fs.rm(root, recursive=True)


def _formatter(formatters: FormatterFactory, storage_class: str, **write_parameters: Any) -> Formatter:
    return formatters.get_formatter(storage_class, write_parameters)


def _round_trip(formatter: Formatter, obj: Any, place: Place, name: str | None = None) -> Any:
    path = place.path(name or "dataset" + formatter.default_extension)
    formatter.write(obj, place.fs, path)
    return formatter.read(place.fs, path)


# -- YAML and JSON -------------------------------------------------------------


NESTED = {"b": 1, "a": [1, 2.5, "three", None, True], "c": {"d": {"e": [{"f": "g"}]}}, "ü": "ñ"}


def test_yaml_round_trip(formatters: FormatterFactory, place: Place) -> None:
    formatter = _formatter(formatters, "StructuredDataDict")
    result = _round_trip(formatter, NESTED, place)
    assert result == NESTED
    assert list(result) == ["b", "a", "c", "ü"]  # key order is kept
    assert _round_trip(_formatter(formatters, "StructuredDataList"), [1, [2, 3], {"x": 4}], place) == [
        1,
        [2, 3],
        {"x": 4},
    ]


def test_yaml_accepts_dict_subclasses_and_numpy_scalars(formatters: FormatterFactory, place: Place) -> None:
    formatter = _formatter(formatters, "StructuredDataDict")
    obj = collections.OrderedDict(x=np.float64(1.5), y=np.int32(3), z=(1, 2))
    assert _round_trip(formatter, obj, place) == {"x": 1.5, "y": 3, "z": [1, 2]}


def test_json_round_trip(formatters: FormatterFactory, place: Place) -> None:
    assert _round_trip(_formatter(formatters, "int"), 42, place) == 42
    formatter = formatters.get_formatter_class_by_name("butler.formatters.json.JsonFormatter")(
        formatters.storage_class_factory.getStorageClass("StructuredDataDict")
    )
    assert _round_trip(formatter, NESTED, place) == NESTED


class Measurement(pydantic.BaseModel):
    """A model stored by a user-registered storage class."""

    name: str
    values: list[float]
    tags: dict[str, int] = {}


@pytest.fixture(scope="module")
def measurement_class(storage_classes: StorageClassFactory) -> str:
    storage_classes.addFromConfig(
        {
            "storageClasses": {"Measurement": {"pytype": Measurement}},
            "formatters": {"Measurement": "butler.formatters.json.JsonFormatter"},
        }
    )
    return "Measurement"


def test_pydantic_model_round_trip(
    formatters: FormatterFactory, place: Place, measurement_class: str
) -> None:
    model = Measurement(name="flux", values=[1.0, 2.5], tags={"a": 1})
    formatter = _formatter(formatters, measurement_class)
    path = place.path("model.json")
    formatter.write(model, place.fs, path)
    assert formatter.read(place.fs, path) == model
    # The file is just the model's JSON.
    assert Measurement.model_validate_json(_read_raw(place, path)) == model

    yaml_class = formatters.get_formatter_class_by_name("lsst.daf.butler.formatters.yaml.YamlFormatter")
    yaml_formatter = yaml_class(formatters.storage_class_factory.getStorageClass(measurement_class))
    assert _round_trip(yaml_formatter, model, place) == model


def _read_raw(place: Place, path: str) -> bytes:
    return Path(path).read_bytes() if place.fs is None else place.fs.cat_file(path)


@pytest.fixture
def importable_model(tmp_path: Path) -> Iterator[type[pydantic.BaseModel]]:
    """A pydantic model in a module importable by name, as real ones are."""
    (tmp_path / "toy_models_for_butler.py").write_text(
        "import pydantic\n\nclass Star(pydantic.BaseModel):\n    name: str\n    mag: float\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("toy_models_for_butler").Star
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("toy_models_for_butler", None)


def test_generic_pydantic_storage_class(
    formatters: FormatterFactory, place: Place, importable_model: type[pydantic.BaseModel]
) -> None:
    formatter = _formatter(formatters, "PydanticModel")
    star = importable_model(name="Vega", mag=0.03)
    result = _round_trip(formatter, star, place)
    assert type(result) is importable_model and result == star

    class LocalModel(pydantic.BaseModel):
        x: int

    with pytest.raises(TypeError, match="importable"):
        formatter.write(LocalModel(x=1), place.fs, place.path("local.json"))
    path = place.write_bytes("not-a-model.json", b'{"model": "collections.OrderedDict", "data": {}}')
    with pytest.raises(FormatterReadError, match="not a pydantic model"):
        formatter.read(place.fs, path)


# -- Parquet -----------------------------------------------------------------------


def make_astropy_table() -> astropy.table.Table:
    table = astropy.table.Table()
    table["id"] = np.arange(5, dtype=np.int64)
    table["flux"] = astropy.table.Column(
        np.linspace(1, 2, 5), unit=u.nJy, description="PSF flux", format=".3f"
    )
    table["flag"] = np.array([True, False, True, False, True])
    table["name"] = astropy.table.Column(["a", "bb", "ccc", "", "eeeee"], description="Names")
    table["coord"] = astropy.table.Column(np.arange(20.0).reshape(5, 2, 2), unit=u.deg)
    table["be"] = np.arange(5, dtype=">i4")
    table["masked"] = astropy.table.MaskedColumn([1.0, 2.0, 3.0, 4.0, 5.0], mask=[0, 1, 0, 0, 1], unit=u.s)
    table["masked_int"] = astropy.table.MaskedColumn([1, 2, 3, 4, 5], mask=[1, 0, 0, 0, 0], dtype=np.int16)
    table.meta["band"] = "r"
    table.meta["nested"] = {"visit": 12, "list": [1, 2]}
    return table


def assert_tables_equal(result: astropy.table.Table, expected: astropy.table.Table) -> None:
    assert result.colnames == expected.colnames
    assert dict(result.meta) == dict(expected.meta)
    for name in expected.colnames:
        got, want = result[name], expected[name]
        assert got.dtype == want.dtype, name
        assert got.shape == want.shape, name
        assert got.unit == want.unit, name
        assert got.description == want.description, name
        assert got.format == want.format, name
        np.testing.assert_array_equal(np.ma.getmaskarray(got), np.ma.getmaskarray(want))
        np.testing.assert_array_equal(np.ma.filled(got), np.ma.filled(want))


def test_parquet_astropy_round_trip(formatters: FormatterFactory, place: Place) -> None:
    table = make_astropy_table()
    result = _round_trip(_formatter(formatters, "ArrowAstropy"), table, place)
    assert isinstance(result, astropy.table.Table)
    assert_tables_equal(result, table)
    assert isinstance(result["masked"], astropy.table.MaskedColumn)
    assert result["be"].dtype == np.dtype(">i4")


def test_parquet_astropy_mixins(formatters: FormatterFactory, place: Place) -> None:
    table = astropy.table.QTable()
    table["t"] = Time([60000.0, 60001.5], format="mjd", scale="tai")
    table["q"] = [1.0, 2.0] * u.m
    table["n"] = [1, 2]
    formatter = _formatter(formatters, "ArrowAstropy")
    path = place.path("mixins.parq")
    formatter.write(table, place.fs, path)
    result = formatter.read(place.fs, path)
    assert isinstance(result["t"], Time) and result["t"].scale == "tai"
    np.testing.assert_array_equal(result["t"].mjd, table["t"].mjd)
    assert result["q"].unit == u.m
    assert formatter.read(place.fs, path, component="columns") == ["t", "q", "n"]
    subset = formatter.read(place.fs, path, parameters={"columns": ["n", "t"]})
    assert subset.colnames == ["n", "t"]  # the order asked for
    assert isinstance(subset["t"], Time)
    # Other table types see a mixin's stored parts.
    numpy_formatter = _formatter(formatters, "ArrowNumpy")
    assert numpy_formatter.read(place.fs, path, component="columns") == ["t.jd1", "t.jd2", "q", "n"]


def test_parquet_numpy_round_trip(formatters: FormatterFactory, place: Place) -> None:
    dtype = np.dtype(
        [("a", "<f4"), ("b", ">i8"), ("s", "U7"), ("by", "S3"), ("v", "<f8", (3,)), ("m", "?", (2, 2))]
    )
    array = np.zeros(4, dtype=dtype)
    array["a"] = [1, 2, 3, 4]
    array["b"] = [5, 6, 7, 8]
    array["s"] = ["x", "yy", "zzzzzzz", ""]
    array["by"] = [b"a", b"bc", b"", b"def"]
    array["v"] = np.arange(12.0).reshape(4, 3)
    array["m"][1, 0, 1] = True
    result = _round_trip(_formatter(formatters, "ArrowNumpy"), array, place)
    assert result.dtype == dtype
    np.testing.assert_array_equal(result, array)

    empty = _round_trip(_formatter(formatters, "ArrowNumpy"), array[:0], place, "empty.parq")
    assert empty.dtype == dtype and empty.shape == (0,)


def test_parquet_masked_numpy_and_dict(formatters: FormatterFactory, place: Place) -> None:
    masked = np.ma.MaskedArray(
        np.array([(1, 2.0), (3, 4.0)], dtype=[("i", "i4"), ("f", "f8")]),
        mask=np.array([(True, False), (False, True)], dtype=[("i", "?"), ("f", "?")]),
    )
    result = _round_trip(_formatter(formatters, "ArrowNumpy"), masked, place)
    assert isinstance(result, np.ma.MaskedArray)
    assert result.dtype == masked.dtype
    assert result.mask.tolist() == masked.mask.tolist()
    assert result["i"][1] == 3 and result["f"][0] == 2.0

    columns = {"x": np.arange(3, dtype=np.uint8), "y": np.ma.MaskedArray([1.0, 2.0, 3.0], mask=[0, 0, 1])}
    result_dict = _round_trip(_formatter(formatters, "ArrowNumpyDict"), columns, place, "dict.parq")
    assert list(result_dict) == ["x", "y"]
    assert result_dict["x"].dtype == np.uint8
    assert result_dict["y"].mask.tolist() == [False, False, True]


def test_parquet_arrow_table_round_trip(formatters: FormatterFactory, place: Place) -> None:
    table = pa.table({"a": [1, None, 3], "b": ["x", "y", None]}, metadata={b"origin": b"test"})
    result = _round_trip(_formatter(formatters, "ArrowTable"), table, place)
    assert result.equals(table)
    assert result.schema.metadata[b"origin"] == b"test"


def test_parquet_columns_parameter(formatters: FormatterFactory, place: Place) -> None:
    table = make_astropy_table()
    formatter = _formatter(formatters, "ArrowAstropy")
    path = place.path("table.parq")
    formatter.write(table, place.fs, path)
    subset = formatter.read(place.fs, path, parameters={"columns": ["flux", "name"]})
    assert_tables_equal(subset, table[["flux", "name"]])
    assert formatter.read(place.fs, path, parameters={"columns": "id"}).colnames == ["id"]
    with pytest.raises(ValueError, match=r"Unknown column\(s\) \['nope'\]; available: \['id'"):
        formatter.read(place.fs, path, parameters={"columns": ["id", "nope"]})
    with pytest.raises(UnknownParameterError, match="valid: columns"):
        formatter.read(place.fs, path, parameters={"filters": []})


def test_parquet_derived_components(formatters: FormatterFactory, place: Place) -> None:
    table = make_astropy_table()
    formatter = _formatter(formatters, "ArrowAstropy")
    path = place.path("table.parq")
    formatter.write(table, place.fs, path)
    for component in ("columns", "rowcount", "schema"):
        assert formatter.can_read_component(component)
    assert formatter.read(place.fs, path, component="columns") == table.colnames
    assert formatter.read(place.fs, path, component="rowcount") == 5
    schema = formatter.read(place.fs, path, component="schema")
    assert isinstance(schema, ArrowAstropySchema)
    assert schema == ArrowAstropySchema(table)
    assert schema.schema["flux"].unit == u.nJy
    assert schema.schema["flux"].description == "PSF flux"
    with pytest.raises(UnknownComponentError, match="valid: columns, rowcount, schema"):
        formatter.read(place.fs, path, component="wcs")

    numpy_schema = _formatter(formatters, "ArrowNumpy").read(place.fs, path, component="schema")
    assert isinstance(numpy_schema, ArrowNumpySchema)
    assert numpy_schema.schema["name"] == np.dtype("U5")
    arrow_schema = _formatter(formatters, "ArrowTable").read(place.fs, path, component="schema")
    assert isinstance(arrow_schema, pa.Schema) and "flux" in arrow_schema.names


class _CountingFile(io.BytesIO):
    def __init__(self, data: bytes, counter: list[int]):
        super().__init__(data)
        self._counter = counter

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self._counter[0] += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        n = super().readinto(buffer)
        self._counter[0] += n
        return n


class CountingMemoryFileSystem(MemoryFileSystem):
    """A memory filesystem that counts the bytes read from its files."""

    protocol = "countingmemory"
    bytes_read = [0]

    def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> Any:
        opened = super()._open(path, mode, **kwargs)
        if mode == "rb":
            return _CountingFile(opened.getvalue(), self.bytes_read)
        return opened


def test_parquet_reads_only_what_is_asked(formatters: FormatterFactory) -> None:
    fs = CountingMemoryFileSystem()
    path = f"/counting-{uuid.uuid4().hex}/big.parq"
    rng = np.random.default_rng(1)
    columns = {"small": np.arange(100_000, dtype=np.int8), "big": rng.random(100_000)}
    _formatter(formatters, "ArrowNumpyDict", compression="none").write(columns, fs, path)
    size = fs.size(path)
    assert size > 800_000
    formatter = _formatter(formatters, "ArrowAstropy")
    try:
        for component, expected in (("rowcount", 100_000), ("columns", ["small", "big"])):
            fs.bytes_read[0] = 0
            assert formatter.read(fs, path, component=component) == expected
            # pyarrow fetches the footer in one 64 KiB read.
            assert fs.bytes_read[0] <= 65_536, component
        fs.bytes_read[0] = 0
        small = formatter.read(fs, path, parameters={"columns": ["small"]})
        assert small.colnames == ["small"] and len(small) == 100_000
        assert fs.bytes_read[0] < 200_000
    finally:
        fs.rm(path)


def test_arrow_astropy_read_as_other_types(
    formatters: FormatterFactory, storage_classes: StorageClassFactory, place: Place
) -> None:
    table = make_astropy_table()
    path = place.path("table.parq")
    _formatter(formatters, "ArrowAstropy").write(table, place.fs, path)

    # Directly: the same file read by formatters for other storage classes.
    arrow = _formatter(formatters, "ArrowTable").read(place.fs, path)
    assert isinstance(arrow, pa.Table) and arrow.column_names == table.colnames
    array = _formatter(formatters, "ArrowNumpy").read(place.fs, path)
    assert array.dtype.names == tuple(table.colnames)
    assert array["coord"].shape == (5, 2, 2)
    assert array["name"].tolist() == ["a", "bb", "ccc", "", "eeeee"]
    assert array.mask["masked"].tolist() == [False, True, False, False, True]
    columns = _formatter(formatters, "ArrowNumpyDict").read(place.fs, path, parameters={"columns": ["id"]})
    assert list(columns) == ["id"] and columns["id"].tolist() == [0, 1, 2, 3, 4]

    # Or by conversion of the object read as its own storage class.
    as_arrow = storage_classes.getStorageClass("ArrowTable").coerce_type(table)
    back = storage_classes.getStorageClass("ArrowAstropy").coerce_type(as_arrow)
    assert_tables_equal(back, table)
    as_numpy = storage_classes.getStorageClass("ArrowNumpy").coerce_type(table)
    assert as_numpy.dtype.names == tuple(table.colnames)
    np.testing.assert_array_equal(as_numpy["flux"], table["flux"])
    from_numpy = storage_classes.getStorageClass("ArrowAstropy").coerce_type(as_numpy)
    assert from_numpy["flux"].unit is None  # a plain array has no units to give
    assert from_numpy.colnames == table.colnames


def test_arrow_delegate_in_memory(storage_classes: StorageClassFactory) -> None:
    table = make_astropy_table()
    for name, obj in (
        ("ArrowAstropy", table),
        ("ArrowTable", storage_classes.getStorageClass("ArrowTable").coerce_type(table)),
        ("ArrowNumpy", storage_classes.getStorageClass("ArrowNumpy").coerce_type(table)),
        ("ArrowNumpyDict", storage_classes.getStorageClass("ArrowNumpyDict").coerce_type(table)),
    ):
        storage_class = storage_classes.getStorageClass(name)
        delegate = storage_class.get_delegate()
        assert delegate.getComponent(obj, "columns") == table.colnames, name
        assert delegate.getComponent(obj, "rowcount") == 5, name
        schema = delegate.getComponent(obj, "schema")
        assert storage_class.derivedComponents["schema"].is_type(schema), name
        subset = delegate.handleParameters(obj, {"columns": ["name", "id"]})
        assert storage_class.is_type(subset), name
        assert delegate.getComponent(subset, "columns") == ["name", "id"], name
        with pytest.raises(ValueError, match="nope"):
            delegate.handleParameters(obj, {"columns": "nope"})


def test_dataframe_storage_class(formatters: FormatterFactory, place: Place) -> None:
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}, index=[10, 20, 30])
    formatter = _formatter(formatters, "DataFrame")
    path = place.path("frame.parq")
    formatter.write(frame, place.fs, path)
    pandas.testing.assert_frame_equal(formatter.read(place.fs, path), frame)
    assert formatter.read(place.fs, path, component="columns") == ["a", "b"]
    pandas.testing.assert_frame_equal(
        formatter.read(place.fs, path, parameters={"columns": ["b"]}), frame[["b"]]
    )

    table = make_astropy_table()
    table_path = place.path("table.parq")
    _formatter(formatters, "ArrowAstropy").write(table, place.fs, table_path)
    from_table = formatter.read(place.fs, table_path)
    assert list(from_table.columns) == table.colnames
    assert from_table["masked"].isna().tolist() == [False, True, False, False, True]
    delegate = formatter.storage_class.get_delegate()
    assert delegate.getComponent(frame, "columns") == ["a", "b"]
    assert delegate.getComponent(frame, "rowcount") == 3
    assert list(delegate.handleParameters(frame, {"columns": ["b"]}).columns) == ["b"]
    assert isinstance(delegate.getComponent(frame, "schema"), pa.Schema)


def test_dataframe_without_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # what an environment without pandas sees
    formatters = FormatterFactory(StorageClassFactory())  # the module's factories may have resolved pandas
    with pytest.raises(ImportError, match="DataFrame needs Python type 'pandas.DataFrame'"):
        formatters.get_formatter("DataFrame").write(object(), None, "unused.parq")


# -- astropy ECSV and FITS -------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Attribute `nested`:astropy.utils.exceptions.AstropyUserWarning")
@pytest.mark.parametrize("extension", [".ecsv", ".fits"])
def test_astropy_table_round_trip(formatters: FormatterFactory, place: Place, extension: str) -> None:
    table = make_astropy_table()
    del table["be"]  # FITS has no big-endian-preserving round trip for astropy
    table["name"][3] = "d"  # ECSV reads an empty string back as masked
    table["when"] = Time([60000.0 + i for i in range(5)], format="mjd")
    formatter = _formatter(formatters, "AstropyTable")
    result = _round_trip(formatter, table, place, "table" + extension)
    assert result.colnames == table.colnames
    assert isinstance(result["when"], Time)
    for name in ("flux", "coord", "masked"):
        assert result[name].unit == table[name].unit
        assert result[name].description == table[name].description
    np.testing.assert_array_equal(result["coord"], table["coord"])
    assert result["masked"].mask.tolist() == table["masked"].mask.tolist()
    if extension == ".ecsv":
        assert_tables_equal(result[table.colnames[:-1]], table[table.colnames[:-1]])
    else:
        assert result.meta["BAND"] == "r"


def test_astropy_table_format_choice(formatters: FormatterFactory, place: Place) -> None:
    table = astropy.table.Table({"a": [1, 2]})
    fits = _formatter(formatters, "AstropyTable", format="fits")
    path = place.path("table.dat")
    fits.write(table, place.fs, path)
    assert _read_raw(place, path).startswith(b"SIMPLE")
    assert fits.read(place.fs, path)["a"].tolist() == [1, 2]
    path = place.path("table.ecsv")
    fits.write(table, place.fs, path)  # the extension wins over the parameter
    assert _read_raw(place, path).startswith(b"# %ECSV")
    with pytest.raises(ValueError, match="cannot tell the format"):
        _formatter(formatters, "AstropyTable").read(place.fs, place.path("table.dat"))
    assert (
        _round_trip(_formatter(formatters, "AstropyQTable"), astropy.table.QTable(table), place)["a"][1] == 2
    )


# -- npy --------------------------------------------------------------------------


def test_npy_round_trip(formatters: FormatterFactory, place: Place) -> None:
    formatter = _formatter(formatters, "NumpyArray")
    for array in (
        np.arange(24, dtype=">u2").reshape(2, 3, 4),
        np.asfortranarray(np.ones((3, 2), dtype=np.complex64)),
        np.zeros(0, dtype="U4"),
        np.array([(1, 2.0)], dtype=[("a", "i1"), ("b", "f4")]),
    ):
        result = _round_trip(formatter, array, place)
        assert result.dtype == array.dtype and result.shape == array.shape
        np.testing.assert_array_equal(result, array)
    with pytest.raises(TypeError, match="object arrays"):
        formatter.write(np.array([{}, []], dtype=object), place.fs, place.path("object.npy"))


def test_npy_memory_map(formatters: FormatterFactory, place: Place) -> None:
    formatter = _formatter(formatters, "NumpyArray")
    array = np.arange(1000.0)
    path = place.path("array.npy")
    formatter.write(array, place.fs, path)
    result = formatter.read(place.fs, path, parameters={"mmap_mode": "r"})
    np.testing.assert_array_equal(result, array)
    is_local = place.fs is None or isinstance(place.fs, LocalFileSystem)
    assert isinstance(result, np.memmap) == is_local
    with pytest.raises(ValueError, match="mmap_mode"):
        formatter.read(place.fs, path, parameters={"mmap_mode": "w+"})


# -- errors ---------------------------------------------------------------------------


def _parquet_bytes() -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table({"a": np.arange(100)}), sink)
    return sink.getvalue().to_pybytes()


@pytest.mark.parametrize(
    ("storage_class", "name", "content", "reason"),
    [
        ("StructuredDataDict", "bad.yaml", b"a: [1, 2\nb: {", "invalid YAML"),
        ("StructuredDataDict", "tagged.yaml", b"a: !!int abc\n", "invalid YAML"),
        ("StructuredDataDict", "list.yaml", b"- 1\n- 2\n", "holds a builtins.list, not the dict"),
        ("StructuredDataDict", "empty.yaml", b"", "holds a builtins.NoneType"),
        ("int", "bad.json", b'{"a": ', "invalid JSON"),
        ("int", "str.json", b'"seven"', "holds a builtins.str, not the int"),
        ("PydanticModel", "bare.json", b'{"x": 1}', 'expected {"model"'),
        ("ArrowAstropy", "garbage.parq", b"this is not parquet at all", "not a valid Parquet file"),
        ("ArrowAstropy", "truncated.parq", None, "not a valid Parquet file"),
        ("NumpyArray", "bad.npy", b"\x93NUMPY\x01\x00garbage", "not a valid .npy file"),
        ("NumpyArray", "empty.npy", b"", "not a valid .npy file"),
        ("AstropyTable", "bad.ecsv", b"# %ECSV 1.0\n# ---\n# datatype: [{\n", "not a valid ascii.ecsv table"),
        ("AstropyTable", "binary.ecsv", b"\xff\xfe\x00\x81", "not a text file"),
        ("AstropyTable", "bad.fits", b"SIMPLE  = T" + b" " * 50, "not a valid fits table"),
    ],
)
@pytest.mark.filterwarnings("ignore::astropy.io.fits.verify.VerifyWarning")
def test_corrupt_files(
    formatters: FormatterFactory,
    place: Place,
    storage_class: str,
    name: str,
    content: bytes | None,
    reason: str,
) -> None:
    if content is None:
        good = _parquet_bytes()
        content = good[: len(good) // 2] + good[-8:]
    path = place.write_bytes(name, content)
    with pytest.raises(FormatterReadError) as info:
        formatters.get_formatter(storage_class).read(place.fs, path)
    assert isinstance(info.value, ValueError)
    assert info.value.path == path
    assert path in str(info.value)
    assert reason in str(info.value)


def test_corrupt_pydantic_file(formatters: FormatterFactory, place: Place, measurement_class: str) -> None:
    path = place.write_bytes("model.json", b'{"name": "x", "values": "not a list"}')
    with pytest.raises(FormatterReadError, match="content does not match Measurement"):
        formatters.get_formatter(measurement_class).read(place.fs, path)


def test_corrupt_parquet_component(formatters: FormatterFactory, place: Place) -> None:
    path = place.write_bytes("garbage.parq", b"PAR1 nonsense")
    with pytest.raises(FormatterReadError, match="not a valid Parquet file"):
        formatters.get_formatter("ArrowTable").read(place.fs, path, component="schema")


@pytest.mark.parametrize(
    "storage_class", ["StructuredDataDict", "ArrowAstropy", "NumpyArray", "AstropyTable"]
)
def test_missing_file_is_not_a_read_error(
    formatters: FormatterFactory, place: Place, storage_class: str
) -> None:
    formatter = formatters.get_formatter(storage_class)
    with pytest.raises(FileNotFoundError):
        formatter.read(place.fs, place.path("missing" + formatter.default_extension))


@pytest.mark.parametrize(
    ("storage_class", "obj", "expected"),
    [
        ("StructuredDataDict", [1, 2], "expects a dict, not a builtins.list"),
        ("ArrowAstropy", np.zeros(3), "expects a astropy.table.Table, not a numpy.ndarray"),
        ("NumpyArray", [1.0], "expects a numpy.ndarray"),
        ("ArrowTable", {"a": [1]}, "expects a pyarrow.Table"),
    ],
)
def test_write_wrong_type(
    formatters: FormatterFactory, place: Place, storage_class: str, obj: Any, expected: str
) -> None:
    with pytest.raises(TypeError, match=expected):
        formatters.get_formatter(storage_class).write(obj, place.fs, place.path("wrong"))


def test_unserializable_values_raise_type_error(formatters: FormatterFactory, place: Place) -> None:
    with pytest.raises(TypeError, match="as YAML"):
        formatters.get_formatter("StructuredDataDict").write({"x": object()}, place.fs, place.path("x.yaml"))
    json_class = formatters.get_formatter_class_by_name("butler.formatters.json.JsonFormatter")
    json_formatter = json_class(formatters.storage_class_factory.getStorageClass("StructuredDataDict"))
    with pytest.raises(TypeError, match="as JSON"):
        json_formatter.write({"x": object()}, place.fs, place.path("x.json"))
    with pytest.raises(TypeError, match="structured"):
        formatters.get_formatter("ArrowNumpy").write(np.zeros(3), place.fs, place.path("x.parq"))


# -- registry ---------------------------------------------------------------------------


def test_formatter_lookup(formatters: FormatterFactory) -> None:
    expected = {
        "StructuredDataDict": "YamlFormatter",
        "StructuredDataList": "YamlFormatter",
        "int": "JsonFormatter",
        "PydanticModel": "JsonFormatter",
        "NumpyArray": "NpyFormatter",
        "AstropyTable": "AstropyTableFormatter",
        "ArrowAstropy": "ParquetFormatter",
        "ArrowTable": "ParquetFormatter",
        "ArrowNumpy": "ParquetFormatter",
        "ArrowNumpyDict": "ParquetFormatter",
        "DataFrame": "ParquetFormatter",
    }
    for storage_class, formatter in expected.items():
        assert formatters.get_formatter_class(storage_class).__name__ == formatter
    with pytest.raises(FormatterNotFoundError, match="ArrowSchema") as info:
        formatters.get_formatter_class("ArrowSchema")
    assert isinstance(info.value, KeyError)


def test_formatter_for_extension(formatters: FormatterFactory) -> None:
    assert formatters.formatter_for_extension(".yaml").__name__ == "YamlFormatter"
    assert formatters.formatter_for_extension("YML").__name__ == "YamlFormatter"
    assert formatters.formatter_for_extension(".parquet").__name__ == "ParquetFormatter"
    assert formatters.formatter_for_extension("/data/cat.FITS.gz").__name__ == "AstropyTableFormatter"
    assert formatters.formatter_for_extension("image.npy").__name__ == "NpyFormatter"
    with pytest.raises(FormatterNotFoundError, match="known extensions"):
        formatters.formatter_for_extension(".xyz")


def test_lsst_formatter_names(formatters: FormatterFactory) -> None:
    for lsst_name, ours in LSST_FORMATTER_ALIASES.items():
        formatter_class = formatters.get_formatter_class_by_name(lsst_name)
        assert formatter_class.dotted_name() == ours
    with pytest.raises(TypeError, match="not a butler.formatters.Formatter"):
        formatters.get_formatter_class_by_name("collections.OrderedDict")
    with pytest.raises(ImportError):
        formatters.get_formatter_class_by_name("butler.formatters.nope.Formatter")


def test_configured_write_parameters(tmp_path: Path) -> None:
    storage_classes = StorageClassFactory()
    storage_classes.addFromConfig(
        {
            "storageClasses": {"CompressedTable": {"inheritsFrom": "ArrowTable"}},
            "formatters": {
                "CompressedTable": {
                    "formatter": "lsst.daf.butler.formatters.parquet.ParquetFormatter",
                    "parameters": {"compression": "zstd"},
                }
            },
        }
    )
    formatters = FormatterFactory(storage_classes)
    assert formatters.get_write_parameters("CompressedTable") == {"compression": "zstd"}
    formatter = formatters.get_formatter("CompressedTable")
    path = str(tmp_path / "t.parq")
    formatter.write(pa.table({"a": np.zeros(1000)}), None, path)
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"
    with pytest.raises(ValueError, match="does not accept write parameter"):
        formatters.get_formatter("CompressedTable", {"level": 3})

    formatters.register_formatter("CompressedTable", "butler.formatters.numpy.NpyFormatter")
    assert formatters.get_formatter_class("CompressedTable").__name__ == "NpyFormatter"


def test_process_wide_formatter_factory() -> None:
    assert get_formatter_factory() is get_formatter_factory()
    assert get_formatter_factory().get_formatter_class("StructuredDataDict").__name__ == "YamlFormatter"


def test_stale_numpy_metadata_is_ignored(formatters: FormatterFactory) -> None:
    array = np.array([(1, "ab")], dtype=[("i", "<i2"), ("s", "U4")])
    as_arrow = formatters.storage_class_factory.getStorageClass("ArrowTable").coerce_type(array)
    # Change a column's type but keep the schema metadata recorded for it.
    changed = as_arrow.set_column(0, "i", pa.array(["one"])).replace_schema_metadata(as_arrow.schema.metadata)
    numpy_class = formatters.storage_class_factory.getStorageClass("ArrowNumpy")
    converted = numpy_class.coerce_type(changed)
    assert converted["i"].tolist() == ["one"] and converted["s"].dtype == np.dtype("U4")


@pytest.mark.parametrize(
    "document",
    [
        "a: 1\nb: [1, 2.5, -3, +4, 0, -0]\nc: {d: e}\n",
        "octal: 010\nhex: 0x1F\nbinary: 0b101\nunderscored: 1_000\nsexagesimal: 1:30\nzero_float: 00.5\n",
        "floats: [1.5, -2.0e+3, 6.8523015e+5, 1e5, .5, 1_0.5, 190:20:30.15]\n",
        "bools: [yes, No, ON, off, true, FALSE]\nnulls: [~, null, '', Null]\n",
        "explicit: [!!str 123, !!float 1, !!int '12', !!bool 'true', !!null '']\n",
        "when: 2001-12-14t21:59:43.10-05:00\nday: 2002-12-14\n",
        "base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n",
        "shared: &s [1, 2]\nagain: *s\n",
        "set: !!set {a, b}\nomap: !!omap [{a: 1}, {b: 2}]\nbinary: !!binary aGVsbG8=\n",
        "unicode: ñandú ✓\n'quoted key': \"text\\twith tab\"\n",
        "- just\n- a\n- list\n",
        "plain scalar\n",
        "",
        "? [complex, key]\n: value\n",
    ],
)
def test_fast_yaml_loading_matches_pyyaml(document: str) -> None:
    import yaml

    from butler.formatters.yaml import load_yaml

    try:
        expected = yaml.load(document, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        with pytest.raises(type(exc)):
            load_yaml(document.encode())
        return
    result = load_yaml(document.encode())
    assert result == expected
    assert repr(result) == repr(expected)  # same types, e.g. 1 vs 1.0 vs True


def test_fast_yaml_loading_special_floats() -> None:
    from butler.formatters.yaml import load_yaml

    result = load_yaml(b"[.inf, -.Inf, .NaN]")
    assert result[:2] == [float("inf"), float("-inf")] and result[2] != result[2]
