"""Conversions between the tables of the Arrow family.

The family is `pyarrow.Table`, `astropy.table.Table`, structured
`numpy.ndarray`, `dict` of column arrays and (if importable)
`pandas.DataFrame`.  Every conversion goes through `pyarrow.Table`, whose
schema metadata carries what the other types need to round-trip:

``table_meta_yaml``
    astropy's serialized header (units, descriptions, formats, column and
    table ``meta``, mixin columns such as `~astropy.time.Time`), under the
    key astropy's own Parquet reader uses.
``skybutler:numpy``
    JSON ``{column: [numpy dtype str, cell shape, Arrow type]}``, restoring
    string widths, byte order and multidimensional cells exactly (ignored
    for a column whose Arrow type has changed since).

Null values become masked arrays / `astropy.table.MaskedColumn` (and masks
become nulls).  The ``to_*`` functions are the converters named in
``storageClasses.yaml`` (through `butler.formatters.arrow`).
"""

from __future__ import annotations

__all__ = (
    "ASTROPY_META_KEY",
    "NUMPY_META_KEY",
    "is_astropy_table_type",
    "to_arrow_table",
    "to_astropy",
    "to_numpy",
    "to_numpy_dict",
    "to_pandas",
)

import json
import math
import sys
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    import astropy.table
    import pandas

ASTROPY_META_KEY = b"table_meta_yaml"
NUMPY_META_KEY = b"skybutler:numpy"


# -- type tests that never import an optional package -------------------------


def _is_astropy_table(obj: Any) -> bool:
    module = sys.modules.get("astropy.table")
    return module is not None and isinstance(obj, module.Table)


def is_astropy_table_type(pytype: type) -> bool:
    """Return `True` if ``pytype`` is `astropy.table.Table` or a subclass."""
    module = sys.modules.get("astropy.table")
    return module is not None and isinstance(pytype, type) and issubclass(pytype, module.Table)


def _is_dataframe(obj: Any) -> bool:
    module = sys.modules.get("pandas")
    return module is not None and isinstance(obj, module.DataFrame)


# -- single columns -----------------------------------------------------------


def _numpy_column_to_arrow(values: np.ndarray, mask: np.ndarray | None) -> tuple[pa.Array, list[Any]]:
    """Return an Arrow array and the ``[dtype, cell shape, arrow type]`` to restore it."""
    dtype_str = values.dtype.base.str
    if not values.dtype.isnative:
        values = values.astype(values.dtype.newbyteorder("="))
    if mask is not None and not mask.any():
        mask = None
    if values.ndim == 1:
        array = pa.array(values, mask=mask)
    else:
        flat = np.ascontiguousarray(values).reshape(-1)
        flat_mask = None if mask is None else np.ascontiguousarray(mask).reshape(-1)
        array = pa.FixedSizeListArray.from_arrays(pa.array(flat, mask=flat_mask), math.prod(values.shape[1:]))
    return array, [dtype_str, list(values.shape[1:]), _type_key(array.type)]


def _type_key(arrow_type: pa.DataType) -> str:
    """Describe an Arrow type, ignoring names that Parquet may change."""
    if pa.types.is_fixed_size_list(arrow_type):
        return f"{arrow_type.value_type}[{arrow_type.list_size}]"
    return str(arrow_type)


def _fill_value(arrow_type: pa.DataType) -> Any:
    if pa.types.is_integer(arrow_type):
        return 0
    if pa.types.is_boolean(arrow_type):
        return False
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return ""
    if pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type):
        return b""
    return None


def _flat_to_numpy(array: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray | None]:
    arrow_type = array.type
    mask = None
    if array.null_count:
        mask = array.is_null().to_numpy(zero_copy_only=False)
        fill = _fill_value(arrow_type)
        if fill is not None:
            array = pc.fill_null(array, pa.scalar(fill, arrow_type))
    data = array.to_numpy(zero_copy_only=False)
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        data = data.astype(str)
    elif pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type):
        data = data.astype(bytes)
    return data, mask


def _arrow_column_to_numpy(
    column: pa.ChunkedArray, info: list[Any] | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Return the column's values and its mask (`None` if nothing is null)."""
    if info and info[2] != _type_key(column.type):
        # The table was changed since the dtype was recorded.
        info = None
    if pa.types.is_fixed_size_list(column.type):
        combined = column.combine_chunks()
        n_rows = len(combined)
        cell_shape = tuple(info[1]) if info else (column.type.list_size,)
        size = column.type.list_size
        values = combined.values.slice(combined.offset * size, n_rows * size)
        data, mask = _flat_to_numpy(values)
        data = data.reshape((n_rows,) + cell_shape)
        if mask is not None:
            mask = mask.reshape(data.shape)
        if combined.null_count:
            row_nulls = combined.is_null().to_numpy(zero_copy_only=False)
            row_mask = np.broadcast_to(row_nulls.reshape((n_rows,) + (1,) * len(cell_shape)), data.shape)
            mask = row_mask.copy() if mask is None else (mask | row_mask)
    else:
        data, mask = _flat_to_numpy(column)
    if info:
        dtype = np.dtype(info[0])
        if data.dtype != dtype:
            data = data.astype(dtype)
    return data, mask


def _numpy_info(metadata: Mapping[bytes, bytes] | None) -> dict[str, list[Any]]:
    if not metadata or NUMPY_META_KEY not in metadata:
        return {}
    return json.loads(metadata[NUMPY_META_KEY])


def _arrays_to_arrow(
    columns: Iterable[tuple[str, np.ndarray, np.ndarray | None]], extra_metadata: Mapping[bytes, bytes]
) -> pa.Table:
    names, arrays, infos = [], [], {}
    metadata = dict(extra_metadata)
    for name, values, mask in columns:
        array, info = _numpy_column_to_arrow(values, mask)
        names.append(name)
        arrays.append(array)
        infos[name] = info
        if values.dtype.kind in "US":
            # astropy's own Parquet reader looks for string widths here.
            width = values.dtype.itemsize // (4 if values.dtype.kind == "U" else 1)
            metadata[f"table::len::{name}".encode()] = str(width).encode()
    metadata[NUMPY_META_KEY] = json.dumps(infos).encode()
    return pa.Table.from_arrays(arrays, names=names, metadata=metadata)


# -- astropy -------------------------------------------------------------------


def _astropy_to_arrow(table: astropy.table.Table) -> pa.Table:
    from astropy.table import meta, serialize

    # Outside any serialization context astropy keeps masked columns as
    # MaskedColumn (stored as Arrow nulls below) rather than a data column
    # plus a separate mask column.
    encoded = serialize.represent_mixins_as_columns(table)
    header = "\n".join(meta.get_yaml_from_table(encoded))

    def columns() -> Iterable[tuple[str, np.ndarray, np.ndarray | None]]:
        for name, column in encoded.columns.items():
            if isinstance(column, np.ma.MaskedArray):
                yield name, np.asarray(column.data), np.ma.getmaskarray(column)
            else:
                yield name, np.asarray(column), None

    return _arrays_to_arrow(columns(), {ASTROPY_META_KEY: header.encode()})


def _astropy_header(metadata: Mapping[bytes, bytes] | None) -> dict[str, Any] | None:
    if not metadata or ASTROPY_META_KEY not in metadata:
        return None
    from astropy.table import meta

    return meta.get_header_from_yaml(metadata[ASTROPY_META_KEY].decode().split("\n"))


def _serialized_names(entry: Mapping[str, Any]) -> list[str]:
    """Return the stored column names of one serialized mixin column."""
    names = []
    for key, value in entry.items():
        if isinstance(value, Mapping):
            names.extend(_serialized_names(value))
        elif key == "name" and isinstance(value, str):
            names.append(value)
    return names


def _arrow_to_astropy(table: pa.Table, cls: type | None = None) -> astropy.table.Table:
    from astropy.table import Column, MaskedColumn, Table, serialize

    header = _astropy_header(table.schema.metadata)
    infos = _numpy_info(table.schema.metadata)
    table_meta = dict(header.get("meta", {})) if header else {}
    column_headers = {c["name"]: c for c in header["datatype"]} if header else {}
    columns = []
    for name, arrow_column in zip(table.column_names, table.columns, strict=True):
        data, mask = _arrow_column_to_numpy(arrow_column, infos.get(name))
        column = (
            Column(data, name=name, copy=False) if mask is None else MaskedColumn(data, name=name, mask=mask)
        )
        column_header = column_headers.get(name, {})
        for attribute in ("unit", "description", "format", "meta"):
            if attribute in column_header:
                setattr(column, attribute, column_header[attribute])
        columns.append(column)
    serialized = table_meta.get("__serialized_columns__")
    if serialized is not None:
        # Forget mixins whose stored columns were not all read.
        present = set(table.column_names)
        kept = {k: v for k, v in serialized.items() if set(_serialized_names(v)) <= present}
        if kept:
            table_meta["__serialized_columns__"] = kept
        else:
            del table_meta["__serialized_columns__"]
    result = Table(columns, meta=table_meta, copy=False)
    if "__serialized_columns__" in table_meta:
        result = serialize._construct_mixins_from_columns(result)
    if cls is not None and type(result) is not cls:
        result = cls(result, copy=False)
    return result


# -- numpy ---------------------------------------------------------------------


def _numpy_to_arrow(array: np.ndarray) -> pa.Table:
    if array.dtype.names is None or array.ndim != 1:
        raise TypeError(
            "Only one-dimensional structured arrays are tables; "
            f"got dtype {array.dtype} with shape {array.shape}"
        )
    data = np.ma.getdata(array)
    mask = np.ma.getmaskarray(array) if isinstance(array, np.ma.MaskedArray) else None
    return _arrays_to_arrow(
        ((name, data[name], None if mask is None else mask[name]) for name in array.dtype.names), {}
    )


def _numpy_dict_to_arrow(columns: Mapping[str, Any]) -> pa.Table:
    def items() -> Iterable[tuple[str, np.ndarray, np.ndarray | None]]:
        for name, values in columns.items():
            if isinstance(values, np.ma.MaskedArray):
                yield str(name), np.asarray(values.data), np.ma.getmaskarray(values)
            else:
                values = np.asarray(values)
                if values.ndim == 0:
                    raise TypeError(f"Column {name!r} of a dict table must be an array, not a scalar")
                yield str(name), values, None

    return _arrays_to_arrow(items(), {})


def _arrow_to_numpy_columns(table: pa.Table) -> list[tuple[str, np.ndarray, np.ndarray | None]]:
    infos = _numpy_info(table.schema.metadata)
    return [
        (name, *_arrow_column_to_numpy(column, infos.get(name)))
        for name, column in zip(table.column_names, table.columns, strict=True)
    ]


def _arrow_to_numpy(table: pa.Table) -> np.ndarray:
    columns = _arrow_to_numpy_columns(table)
    dtype = np.dtype([(name, data.dtype, data.shape[1:]) for name, data, _ in columns])
    result = np.empty(table.num_rows, dtype=dtype)
    for name, data, _ in columns:
        result[name] = data
    if not any(mask is not None for _, _, mask in columns):
        return result
    mask = np.ma.make_mask_none(table.num_rows, dtype)
    for name, _, column_mask in columns:
        if column_mask is not None:
            mask[name] = column_mask
    return np.ma.MaskedArray(result, mask=mask)


def _arrow_to_numpy_dict(table: pa.Table) -> dict[str, np.ndarray]:
    return {
        name: data if mask is None else np.ma.MaskedArray(data, mask=mask)
        for name, data, mask in _arrow_to_numpy_columns(table)
    }


# -- public converters -------------------------------------------------------


def to_arrow_table(obj: Any) -> pa.Table:
    """Convert any table of the Arrow family to a `pyarrow.Table`.

    Parameters
    ----------
    obj : `pyarrow.Table`, `astropy.table.Table`, `numpy.ndarray`, `dict` or `pandas.DataFrame`
        The table; a `numpy.ndarray` must be one-dimensional and structured
        and a `dict` must map column names to equal-length arrays.

    Returns
    -------
    table : `pyarrow.Table`
        The table, with metadata for a faithful conversion back.

    Raises
    ------
    TypeError
        Raised for anything else.
    """
    if isinstance(obj, pa.Table):
        return obj
    if _is_astropy_table(obj):
        return _astropy_to_arrow(obj)
    if isinstance(obj, np.ndarray):
        return _numpy_to_arrow(obj)
    if isinstance(obj, Mapping):
        return _numpy_dict_to_arrow(obj)
    if _is_dataframe(obj):
        return pa.Table.from_pandas(obj)
    raise TypeError(f"Cannot convert a {type(obj).__name__} to an Arrow table")


def to_astropy(obj: Any) -> astropy.table.Table:
    """Convert any table of the Arrow family to an `astropy.table.Table`."""
    if _is_astropy_table(obj):
        return obj
    return _arrow_to_astropy(to_arrow_table(obj))


def to_numpy(obj: Any) -> np.ndarray:
    """Convert any table of the Arrow family to a structured `numpy.ndarray`.

    Columns with nulls make the result a `numpy.ma.MaskedArray`.
    """
    if isinstance(obj, np.ndarray):
        return obj
    return _arrow_to_numpy(to_arrow_table(obj))


def to_numpy_dict(obj: Any) -> dict[str, np.ndarray]:
    """Convert any table of the Arrow family to a `dict` of column arrays.

    Columns with nulls become `numpy.ma.MaskedArray`.
    """
    if isinstance(obj, dict):
        return obj
    return _arrow_to_numpy_dict(to_arrow_table(obj))


def to_pandas(obj: Any) -> pandas.DataFrame:
    """Convert any table of the Arrow family to a `pandas.DataFrame`.

    Raises
    ------
    ImportError
        Raised if pandas is not installed.
    """
    if _is_dataframe(obj):
        return obj
    return to_arrow_table(obj).to_pandas()
