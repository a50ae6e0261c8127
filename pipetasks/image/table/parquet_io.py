"""Catalog columns as Parquet (storage class ``SourceCatalogParquet``).

Every field is an Arrow column (``Flag`` -> bool, ``Angle`` -> float64 radians, ``String`` -> string,
``Array*`` -> fixed-size list) whose field metadata holds ``doc``, ``units``, ``type`` and ``size``;
the schema metadata key ``skybutler.catalog`` holds JSON with the catalog class, format version,
aliases and table metadata. Footprints and attached objects are not stored (use FITS for them), as
in LSST's Parquet tables. Reading a subset of columns reads only those column chunks.
"""

from __future__ import annotations

__all__ = [
    "catalog_from_arrow",
    "catalog_to_arrow",
    "read_catalog_parquet",
    "schema_from_arrow",
    "write_catalog_parquet",
]

import json
import os
from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import ImageFormatError
from .base import BaseCatalog
from .fits_io import CATALOG_CLASSES, catalog_class_name, subset_schema
from .schema import Field, Schema, type_code_for

METADATA_KEY = b"skybutler.catalog"
FORMAT_VERSION = 1


def _arrow_column(field: Field, values: np.ndarray) -> pa.Array:
    if field.type == "String":
        return pa.array(values.astype(str), type=pa.string())
    if field.type.startswith("Array"):
        flat = pa.array(np.ascontiguousarray(values).reshape(-1))
        return pa.FixedSizeListArray.from_arrays(flat, field.size)
    return pa.array(values)


def catalog_to_arrow(catalog: BaseCatalog) -> pa.Table:
    """Return the catalog's columns as a `pyarrow.Table` with field docs/units/types in metadata."""
    if catalog._objects and type(catalog).__name__ == "ExposureCatalog":
        raise TypeError("ExposureCatalog cannot be written as Parquet (its attached objects need FITS)")
    schema = catalog.getSchema()
    size = len(catalog)
    arrays, fields = [], []
    for field in schema.fields():
        array = _arrow_column(field, catalog._data[field.name][:size])
        meta = {
            b"doc": field.doc.encode(),
            b"units": field.units.encode(),
            b"type": field.type.encode(),
            b"size": str(field.size).encode(),
        }
        arrays.append(array)
        fields.append(pa.field(field.name, array.type, metadata=meta))
    info = {
        "class": catalog_class_name(catalog),
        "version": FORMAT_VERSION,
        "aliases": schema.getAliasMap().toDict(),
        "metadata": catalog.getMetadata(),
    }
    arrow_schema = pa.schema(fields, metadata={METADATA_KEY: json.dumps(info, default=str).encode()})
    return pa.Table.from_arrays(arrays, schema=arrow_schema)


def _info(arrow_schema: pa.Schema) -> dict[str, Any]:
    raw = (arrow_schema.metadata or {}).get(METADATA_KEY)
    if raw is None:
        return {}
    return json.loads(raw)


def schema_from_arrow(arrow_schema: pa.Schema) -> Schema:
    """Return the catalog `Schema` stored in (or inferred from) an Arrow schema."""
    schema = Schema()
    for arrow_field in arrow_schema:
        meta = arrow_field.metadata or {}
        if b"type" in meta:
            field = Field(
                arrow_field.name,
                meta[b"type"].decode(),
                meta.get(b"doc", b"").decode(),
                meta.get(b"units", b"").decode(),
                int(meta.get(b"size", b"0")),
            )
        else:
            field = _inferred_field(arrow_field)
        schema.addField(field, parse_strict="silent")
    for alias, target in _info(arrow_schema).get("aliases", {}).items():
        schema.getAliasMap().set(alias, target)
    return schema


def _inferred_field(arrow_field: pa.Field) -> Field:
    kind = arrow_field.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return Field(arrow_field.name, "String", size=64)
    if pa.types.is_fixed_size_list(kind):
        code = type_code_for(kind.value_type.to_pandas_dtype())
        return Field(arrow_field.name, f"Array{code}", size=kind.list_size)
    return Field(arrow_field.name, type_code_for(kind.to_pandas_dtype()))


def catalog_from_arrow(table: pa.Table, cls: type[BaseCatalog] | None = None) -> BaseCatalog:
    """Build a catalog from a `pyarrow.Table` (as written by `catalog_to_arrow`, or any flat table)."""
    info = _info(table.schema)
    if cls is None:
        cls = CATALOG_CLASSES.get(info.get("class", "SourceCatalog"), CATALOG_CLASSES["SourceCatalog"])
    schema = schema_from_arrow(table.schema)
    catalog = cls(cls.Table(schema, metadata=info.get("metadata") or {}))
    size = table.num_rows
    catalog.reserve(size)
    catalog._size = size
    for field in schema.fields():
        column = table.column(field.name)
        if field.type == "String":
            values = column.to_numpy().astype(field.dtype) if size else np.zeros(0, field.dtype)
        elif field.type.startswith("Array"):
            flat = column.combine_chunks().flatten() if size else pa.array([], type=column.type.value_type)
            values = np.asarray(flat.to_numpy(zero_copy_only=False)).reshape(size, field.size)
        else:
            values = column.to_numpy()
        catalog._data[field.name][:size] = values
    if "id" in catalog._data and size:
        try:
            catalog.getTable().getIdFactory().notify(int(catalog._data["id"][:size].max()))
        except ValueError:
            pass
    return catalog


def write_catalog_parquet(catalog: BaseCatalog, destination: Any, compression: str | None = None) -> None:
    """Write ``catalog``'s columns to a Parquet path or binary stream."""
    options = {"compression": compression} if compression else {}
    pq.write_table(catalog_to_arrow(catalog), destination, **options)


def read_catalog_parquet(
    source: Any, *, name: str | None = None, columns: Iterable[str] | None = None
) -> BaseCatalog:
    """Read a catalog (or only ``columns``, names or aliases) from a Parquet path or stream.

    Raises
    ------
    ImageFormatError
        Raised if the file is not valid Parquet.
    ValueError
        Raised if a requested column does not exist.
    """
    name = name or (os.fspath(source) if isinstance(source, (str, os.PathLike)) else "<stream>")
    try:
        parquet = pq.ParquetFile(source)
        arrow_schema = parquet.schema_arrow
    except (pa.ArrowException, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ImageFormatError(name, f"not a valid Parquet file ({exc})") from None
    names = None
    if columns is not None:
        wanted = subset_schema(schema_from_arrow(arrow_schema), columns, name).getNames()
        names = [n for n in arrow_schema.names if n in wanted]
    try:
        table = parquet.read(columns=names)
    except (pa.ArrowException, OSError) as exc:
        raise ImageFormatError(
            name, f"Parquet data cannot be read ({exc}); the file may be truncated"
        ) from None
    return catalog_from_arrow(table)
