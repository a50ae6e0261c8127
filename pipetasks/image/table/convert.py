"""Conversions between catalogs and astropy tables / pandas data frames."""

from __future__ import annotations

__all__ = ["catalog_from_astropy", "catalog_to_astropy", "catalog_to_pandas"]

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .fields import type_code_for
from .schema import Schema

if TYPE_CHECKING:
    from .base import BaseCatalog


def catalog_to_astropy(catalog: BaseCatalog, copy: bool = True) -> Any:
    """Return ``catalog`` as an `astropy.table.Table` (units, descriptions; aliases in ``meta``)."""
    from astropy.table import Column, Table

    size = len(catalog)
    columns = []
    for field in catalog.getSchema().fields():
        values = catalog._data[field.name][:size]
        columns.append(
            Column(
                values.copy() if copy else values,
                name=field.name,
                unit=field.units or None,
                description=field.doc or None,
                copy=False,
            )
        )
    table = Table(columns, copy=False)
    table.meta.update(catalog.getMetadata())
    aliases = catalog.getSchema().getAliasMap().toDict()
    if aliases:
        table.meta["aliases"] = aliases
    return table


def catalog_to_pandas(catalog: BaseCatalog) -> Any:
    """Return the columns of ``catalog`` as a `pandas.DataFrame` (array fields as lists)."""
    try:
        import pandas
    except ImportError:
        raise ImportError(
            f"{type(catalog).__name__}.to_pandas needs pandas, which is not installed; "
            "`pip install pandas`, or use asAstropy() instead"
        ) from None
    size = len(catalog)
    columns = {}
    for field in catalog.getSchema().fields():
        values = catalog._data[field.name][:size]
        columns[field.name] = list(values) if values.ndim > 1 else values.copy()
    return pandas.DataFrame(columns)


def _field_for_column(column: Any) -> tuple[str, int]:
    if column.dtype.kind in "US":
        chars = column.dtype.itemsize // (4 if column.dtype.kind == "U" else 1)
        return "String", max(int(chars), 1)
    if column.ndim > 1:
        return "Array" + type_code_for(column.dtype), int(column.shape[1])
    type_ = type_code_for(column.dtype)
    if str(column.unit or "") == "rad" and type_ == "D":
        type_ = "Angle"
    return type_, 0


def catalog_from_astropy(cls: type[BaseCatalog], table: Any, schema: Schema | None = None) -> Any:
    """Make a ``cls`` catalog from an astropy table; see `BaseCatalog.fromAstropy`."""
    if schema is None:
        schema = cls.Table.makeMinimalSchema()
        for name in table.colnames:
            if name in schema.getNames():
                continue
            column = table[name]
            type_, size = _field_for_column(column)
            schema.addField(
                name,
                type=type_,
                doc=column.description or "",
                units=str(column.unit or ""),
                size=size,
                parse_strict="silent",
            )
        aliases = table.meta.get("aliases")
        if isinstance(aliases, Mapping):
            for alias, target in aliases.items():
                schema.getAliasMap().set(alias, target)
    catalog = cls(schema)
    catalog.reserve(len(table))
    catalog._size = len(table)
    for name in table.colnames:
        if name in catalog._data:
            catalog._data[name][: len(table)] = np.asarray(table[name])
    return catalog
