"""In-memory tables of the Arrow family: schemas, delegate and converters.

The family is `pyarrow.Table`, `astropy.table.Table`, structured
`numpy.ndarray`, `dict` of column arrays and (if importable)
`pandas.DataFrame`.  This module is the one ``storageClasses.yaml`` names:
the schema classes and `ArrowTableDelegate` serve the ``columns``,
``rowcount`` and ``schema`` components and the ``columns`` parameter, and
it re-exports the ``to_*`` converters (from `.arrow_conversion`) and the
column-selection functions (from `.arrow_columns`).
"""

from __future__ import annotations

__all__ = (
    "ArrowAstropySchema",
    "ArrowNumpySchema",
    "ArrowTableDelegate",
    "arrow_columns_for",
    "column_names_from_schema",
    "is_astropy_table_type",
    "select_columns",
    "to_arrow_table",
    "to_astropy",
    "to_numpy",
    "to_numpy_dict",
    "to_pandas",
)

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ..storage_class import StorageClassDelegate
from .arrow_columns import (
    _column_names,
    _row_count,
    arrow_columns_for,
    column_names_from_schema,
    select_columns,
)
from .arrow_conversion import (
    _arrow_to_astropy,
    _arrow_to_numpy,
    _astropy_to_arrow,
    _is_astropy_table,
    _numpy_to_arrow,
    is_astropy_table_type,
    to_arrow_table,
    to_astropy,
    to_numpy,
    to_numpy_dict,
    to_pandas,
)

if TYPE_CHECKING:
    import astropy.table


# -- schemas ---------------------------------------------------------------------


class ArrowAstropySchema:
    """The schema of an astropy table: its columns with units and metadata.

    Parameters
    ----------
    table : `astropy.table.Table`
        A table whose columns define the schema; only a zero-length copy is
        kept.
    """

    def __init__(self, table: astropy.table.Table):
        self.schema = table[:0].copy()

    @classmethod
    def from_arrow(cls, schema: pa.Schema) -> ArrowAstropySchema:
        """Build from a `pyarrow.Schema` (with its stored metadata)."""
        return cls(_arrow_to_astropy(schema.empty_table()))

    @classmethod
    def from_numpy_schema(cls, schema: ArrowNumpySchema) -> ArrowAstropySchema:
        """Build from an `ArrowNumpySchema`."""
        return cls(_arrow_to_astropy(schema.to_arrow_schema().empty_table()))

    def to_arrow_schema(self) -> pa.Schema:
        """Return the equivalent `pyarrow.Schema`."""
        return _astropy_to_arrow(self.schema).schema

    @property
    def colnames(self) -> list[str]:
        """Column names."""
        return list(self.schema.colnames)

    def _signature(self) -> list[tuple[Any, ...]]:
        return [
            (c.info.name, c.info.dtype, c.shape[1:], str(c.info.unit), c.info.description, c.info.format)
            for c in self.schema.itercols()
        ]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ArrowAstropySchema):
            return NotImplemented
        return self._signature() == other._signature()

    def __repr__(self) -> str:
        return f"ArrowAstropySchema({self._signature()})"


class ArrowNumpySchema:
    """The schema of a structured numpy array: its dtype.

    Parameters
    ----------
    dtype : `numpy.dtype`
        Structured dtype.
    """

    def __init__(self, dtype: np.dtype | Any):
        self.schema = np.dtype(dtype)

    @classmethod
    def from_arrow(cls, schema: pa.Schema) -> ArrowNumpySchema:
        """Build from a `pyarrow.Schema` (with its stored metadata)."""
        return cls(_arrow_to_numpy(schema.empty_table()).dtype)

    @classmethod
    def from_astropy_schema(cls, schema: ArrowAstropySchema) -> ArrowNumpySchema:
        """Build from an `ArrowAstropySchema`."""
        return cls.from_arrow(schema.to_arrow_schema())

    def to_arrow_schema(self) -> pa.Schema:
        """Return the equivalent `pyarrow.Schema`."""
        return _numpy_to_arrow(np.zeros(0, dtype=self.schema)).schema

    @property
    def colnames(self) -> list[str]:
        """Column names."""
        return list(self.schema.names or ())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ArrowNumpySchema):
            return NotImplemented
        return self.schema == other.schema

    def __hash__(self) -> int:
        return hash(self.schema)

    def __repr__(self) -> str:
        return f"ArrowNumpySchema({self.schema})"


# -- delegate ------------------------------------------------------------------------


class ArrowTableDelegate(StorageClassDelegate):
    """Components and the ``columns`` parameter for in-memory Arrow-family tables."""

    def getComponent(self, obj: Any, name: str) -> Any:
        if name == "columns":
            return _column_names(obj)
        if name == "rowcount":
            return _row_count(obj)
        if name == "schema":
            if _is_astropy_table(obj):
                schema: Any = ArrowAstropySchema(obj)
            elif isinstance(obj, np.ndarray):
                schema = ArrowNumpySchema(obj.dtype)
            else:
                schema = to_arrow_table(_empty_like(obj)).schema
            target = self.storage_class.derivedComponents.get("schema")
            return target.coerce_type(schema) if target is not None else schema
        return super().getComponent(obj, name)

    def handleParameters(self, obj: Any, parameters: Mapping[str, Any] | None) -> Any:
        if not parameters:
            return obj
        parameters = dict(parameters)
        columns = parameters.pop("columns", None)
        if parameters:
            return super().handleParameters(obj, parameters)
        return obj if columns is None else select_columns(obj, columns)


def _empty_like(obj: Any) -> Any:
    if isinstance(obj, pa.Table):
        return obj.slice(0, 0)
    if isinstance(obj, Mapping):
        return {name: np.asarray(values)[:0] for name, values in obj.items()}
    return obj.iloc[:0]
