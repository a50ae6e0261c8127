"""Column names and column selection for tables of the Arrow family.

A user sees the columns of a stored table differently depending on the type
read back: astropy shows a mixin column (e.g. a `~astropy.time.Time` stored
as ``time.jd1`` and ``time.jd2``) once, numpy and Arrow show the stored
columns, and pandas index columns are never user columns.
"""

from __future__ import annotations

__all__ = (
    "arrow_columns_for",
    "column_names_from_schema",
    "select_columns",
)

import json
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from .arrow_conversion import _astropy_header, _is_astropy_table, _is_dataframe, _serialized_names


def _column_groups(schema: pa.Schema, *, merge_mixins: bool) -> dict[str, list[str]]:
    """Map each user-visible column to the stored columns holding it."""
    stored_to_logical: dict[str, str] = {}
    if merge_mixins:
        header = _astropy_header(schema.metadata)
        if header:
            for logical, entry in header.get("meta", {}).get("__serialized_columns__", {}).items():
                for stored in _serialized_names(entry):
                    stored_to_logical[stored] = logical
    index_columns: set[str] = set()
    if schema.metadata and b"pandas" in schema.metadata:
        pandas_meta = json.loads(schema.metadata[b"pandas"])
        index_columns = {c for c in pandas_meta.get("index_columns", []) if isinstance(c, str)}
    groups: dict[str, list[str]] = {}
    for stored in schema.names:
        if stored not in index_columns:
            groups.setdefault(stored_to_logical.get(stored, stored), []).append(stored)
    return groups


def column_names_from_schema(schema: pa.Schema, *, merge_mixins: bool = False) -> list[str]:
    """Return the column names a user sees for a stored schema.

    Parameters
    ----------
    schema : `pyarrow.Schema`
        Stored schema.
    merge_mixins : `bool`, optional
        If `True`, astropy mixin columns stored as several columns (e.g.
        ``time.jd1`` and ``time.jd2``) count once, as an astropy table shows
        them; otherwise the stored names are returned, as a numpy or Arrow
        table shows them.  pandas index columns are always left out.
    """
    return list(_column_groups(schema, merge_mixins=merge_mixins))


def _normalize_columns(columns: str | Iterable[str]) -> list[str]:
    if isinstance(columns, str):
        return [columns]
    columns = list(columns)
    for name in columns:
        if not isinstance(name, str):
            raise TypeError(f"Column names must be strings, not {name!r}")
    return columns


def _unknown_columns_error(unknown: list[str], available: Iterable[str]) -> ValueError:
    return ValueError(f"Unknown column(s) {unknown}; available: {list(available)}")


def arrow_columns_for(schema: pa.Schema, columns: str | Iterable[str]) -> list[str]:
    """Return the stored columns to read for the requested user columns.

    Parameters
    ----------
    schema : `pyarrow.Schema`
        Stored schema.
    columns : `str` or iterable of `str`
        Requested column names: astropy column names (a mixin column such
        as a `~astropy.time.Time` selects all its stored parts) or stored
        column names.

    Raises
    ------
    ValueError
        Raised if a requested column does not exist.
    """
    groups = _column_groups(schema, merge_mixins=True)
    for stored in schema.names:
        groups.setdefault(stored, [stored])
    requested = _normalize_columns(columns)
    unknown = [name for name in requested if name not in groups]
    if unknown:
        raise _unknown_columns_error(unknown, column_names_from_schema(schema, merge_mixins=True))
    return list(dict.fromkeys(stored for name in requested for stored in groups[name]))


def select_columns(obj: Any, columns: str | Iterable[str]) -> Any:
    """Return a table of the same type holding only ``columns``.

    Parameters
    ----------
    obj : Arrow-family table
        The table.
    columns : `str` or iterable of `str`
        Column names to keep, in the order wanted.

    Raises
    ------
    ValueError
        Raised if a requested column does not exist.
    """
    requested = list(dict.fromkeys(_normalize_columns(columns)))
    available = _column_names(obj)
    unknown = [name for name in requested if name not in available]
    if unknown:
        raise _unknown_columns_error(unknown, available)
    if isinstance(obj, pa.Table):
        return obj.select(requested)
    if isinstance(obj, np.ndarray):
        from numpy.lib import recfunctions

        return recfunctions.repack_fields(obj[requested])
    if isinstance(obj, Mapping):
        return {name: obj[name] for name in requested}
    return obj[requested]


def _column_names(obj: Any) -> list[str]:
    if isinstance(obj, pa.Table):
        return column_names_from_schema(obj.schema)
    if _is_astropy_table(obj):
        return list(obj.colnames)
    if isinstance(obj, np.ndarray):
        return list(obj.dtype.names or ())
    if isinstance(obj, Mapping):
        return [str(name) for name in obj]
    if _is_dataframe(obj):
        return [str(name) for name in obj.columns]
    raise TypeError(f"A {type(obj).__name__} is not an Arrow-family table")


def _row_count(obj: Any) -> int:
    if isinstance(obj, pa.Table):
        return obj.num_rows
    if isinstance(obj, Mapping):
        return len(next(iter(obj.values()))) if obj else 0
    return len(obj)
