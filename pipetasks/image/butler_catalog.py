"""Storage classes and formatters of the table side (entry point ``pipetasks-catalog``).

Storage classes (LSST's names where LSST has them):

====================  ===========================  ===========================================
storage class         Python type                  file (formatter)
====================  ===========================  ===========================================
SourceCatalog         `SourceCatalog`              FITS (`CatalogFitsFormatter`)
SourceCatalogParquet  `SourceCatalog`              Parquet (`CatalogParquetFormatter`)
SimpleCatalog         `SimpleCatalog`              FITS
ExposureCatalog       `ExposureCatalog`            FITS, attached objects in ``ARCHIVE``
Background            `BackgroundList`             FITS (`BackgroundFitsFormatter`)
BackgroundList        `BackgroundList`             same as Background (alias)
Defects               `Defects`                    FITS, or ECSV by extension (`DefectsFormatter`)
====================  ===========================  ===========================================

Catalog storage classes take the read parameter ``columns`` (names or aliases; only those fields are
read, and footprints/attached objects are skipped) and have derived components read from the file
headers or footer alone, as the Arrow family has: ``columns`` (field names in order), ``rowcount``
and ``schema`` (a `Schema`). The two SourceCatalog storage classes convert into each other, so a
dataset type can be read as the other (``storageClass="SourceCatalogParquet"``).
"""

from __future__ import annotations

__all__ = [
    "BackgroundFitsFormatter",
    "CatalogDelegate",
    "CatalogFitsFormatter",
    "CatalogParquetFormatter",
    "DefectsFormatter",
    "storage_class_config",
]

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from butler.formatters.base import Formatter, local_path, read_bytes, write_bytes
from butler.storage_class import StorageClassDelegate

if TYPE_CHECKING:
    import fsspec

_CATALOG_COMPONENTS = {"columns": "CatalogColumnList", "rowcount": "int", "schema": "CatalogSchema"}
_TABLE = "pipetasks.image.table"


def _source(fs: fsspec.AbstractFileSystem | None, path: str) -> Any:
    """A local path when the file is local (readers open it themselves), else its bytes."""
    local = local_path(fs, path)
    return local if local is not None else read_bytes(fs, path)


def _write_with(
    writer: Any, obj: Any, fs: fsspec.AbstractFileSystem | None, path: str, **options: Any
) -> None:
    local = local_path(fs, path)
    if local is not None:
        writer(obj, local, **options)
        return
    buffer = io.BytesIO()
    writer(obj, buffer, **options)
    write_bytes(fs, path, buffer.getvalue())


def _columns_parameter(parameters: Mapping[str, Any]) -> Any:
    columns = parameters.get("columns")
    if columns is not None and not isinstance(columns, (str, list, tuple, set, frozenset)):
        raise TypeError(f"The 'columns' parameter is a column name or a list of names, not {columns!r}")
    return columns


class CatalogFitsFormatter(Formatter):
    """Source, simple and exposure catalogs as FITS binary tables (``docs/file_formats_catalogs.md``).

    Notes
    -----
    Write parameter ``includeHeavy`` (default true) keeps heavy footprints' pixel values.
    """

    default_extension = ".fits"
    supported_extensions = frozenset({".fits", ".fit"})
    supported_write_parameters = frozenset({"includeHeavy"})
    supported_read_parameters = frozenset({"columns"})
    readable_components = frozenset(_CATALOG_COMPONENTS)

    def _read(self, fs: fsspec.AbstractFileSystem | None, path: str, parameters: Mapping[str, Any]) -> Any:
        from .table.fits_io import read_catalog_fits

        return read_catalog_fits(_source(fs, path), name=path, columns=_columns_parameter(parameters))

    def _read_component(
        self, fs: fsspec.AbstractFileSystem | None, path: str, component: str, parameters: Mapping[str, Any]
    ) -> Any:
        from .table.fits_io import read_catalog_header

        _, schema, rows = read_catalog_header(_source(fs, path), name=path)
        return _component_of(schema, rows, component)

    def _write(self, obj: Any, fs: fsspec.AbstractFileSystem | None, path: str) -> None:
        from .table.fits_io import write_catalog_fits

        include_heavy = bool(self.write_parameters.get("includeHeavy", True))
        _write_with(write_catalog_fits, obj, fs, path, include_heavy=include_heavy)


class CatalogParquetFormatter(Formatter):
    """Catalog columns as Parquet (no footprints); column subsets read only those column chunks.

    Notes
    -----
    Write parameter ``compression`` is passed to `pyarrow.parquet.write_table`.
    """

    default_extension = ".parq"
    supported_extensions = frozenset({".parq", ".parquet"})
    supported_write_parameters = frozenset({"compression"})
    supported_read_parameters = frozenset({"columns"})
    readable_components = frozenset(_CATALOG_COMPONENTS)

    def _read(self, fs: fsspec.AbstractFileSystem | None, path: str, parameters: Mapping[str, Any]) -> Any:
        from .table.parquet_io import read_catalog_parquet

        return read_catalog_parquet(
            _parquet_source(fs, path), name=path, columns=_columns_parameter(parameters)
        )

    def _read_component(
        self, fs: fsspec.AbstractFileSystem | None, path: str, component: str, parameters: Mapping[str, Any]
    ) -> Any:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from .table.parquet_io import schema_from_arrow

        try:
            parquet = pq.ParquetFile(_parquet_source(fs, path))
            schema = schema_from_arrow(parquet.schema_arrow)
            rows = parquet.metadata.num_rows
        except (pa.ArrowException, OSError) as exc:
            if isinstance(exc, FileNotFoundError):
                raise
            raise self.read_error(path, f"not a valid Parquet file ({exc})") from None
        return _component_of(schema, rows, component)

    def _write(self, obj: Any, fs: fsspec.AbstractFileSystem | None, path: str) -> None:
        from .table.parquet_io import write_catalog_parquet

        _write_with(
            write_catalog_parquet, obj, fs, path, compression=self.write_parameters.get("compression")
        )


def _parquet_source(fs: fsspec.AbstractFileSystem | None, path: str) -> Any:
    source = _source(fs, path)
    if isinstance(source, bytes):
        import pyarrow as pa

        return pa.BufferReader(source)
    return source


def _component_of(schema: Any, rows: int, component: str) -> Any:
    if component == "rowcount":
        return rows
    if component == "columns":
        return schema.getOrderedNames()
    return schema


class BackgroundFitsFormatter(Formatter):
    """`BackgroundList` as FITS: one ``BACKGROUND`` binary table of bins per item."""

    default_extension = ".fits"
    supported_extensions = frozenset({".fits", ".fit"})

    def _read(self, fs: fsspec.AbstractFileSystem | None, path: str, parameters: Mapping[str, Any]) -> Any:
        from .background.fits_io import read_background_fits

        return read_background_fits(_source(fs, path), name=path)

    def _write(self, obj: Any, fs: fsspec.AbstractFileSystem | None, path: str) -> None:
        from .background.fits_io import write_background_fits

        _write_with(write_background_fits, obj, fs, path)


class DefectsFormatter(Formatter):
    """`Defects` as a FITS binary table (default) or an ECSV table (``.ecsv`` files, e.g. ingested)."""

    default_extension = ".fits"
    supported_extensions = frozenset({".fits", ".fit", ".ecsv"})

    def _read(self, fs: fsspec.AbstractFileSystem | None, path: str, parameters: Mapping[str, Any]) -> Any:
        from .defects import Defects

        if path.lower().endswith(".ecsv"):
            data = read_bytes(fs, path)
            try:
                text = data.decode()
            except UnicodeDecodeError as exc:
                raise self.read_error(path, f"not a text file ({exc})") from None
            return Defects.readText(text.splitlines(), name=path)
        return Defects.readFits(_source(fs, path), name=path)

    def _write(self, obj: Any, fs: fsspec.AbstractFileSystem | None, path: str) -> None:
        if path.lower().endswith(".ecsv"):
            text = io.StringIO()
            obj.writeText(text)
            write_bytes(fs, path, text.getvalue().encode())
            return
        _write_with(lambda defects, destination: defects.writeFits(destination), obj, fs, path)


class CatalogDelegate(StorageClassDelegate):
    """In-memory ``columns``/``rowcount``/``schema`` components and the ``columns`` parameter."""

    def getComponent(self, obj: Any, name: str) -> Any:
        if name in _CATALOG_COMPONENTS:
            return _component_of(obj.getSchema(), len(obj), name)
        return super().getComponent(obj, name)

    def handleParameters(self, obj: Any, parameters: Mapping[str, Any] | None) -> Any:
        if not parameters:
            return obj
        unknown = set(parameters) - {"columns"}
        if unknown:
            raise NotImplementedError(f"Catalogs take only the 'columns' parameter, not {sorted(unknown)}")
        columns = _columns_parameter(parameters)
        if columns is None:
            return obj
        from .table.fits_io import subset_schema

        schema = subset_schema(obj.getSchema(), columns, "in-memory catalog")
        subset = type(obj)(type(obj).Table(schema, metadata=dict(obj.getMetadata())))
        subset.extend(obj)
        return subset


def _catalog_class(pytype: str, parameters: bool = True) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "pytype": pytype,
        "delegate": "pipetasks.image.butler_catalog.CatalogDelegate",
        "derivedComponents": dict(_CATALOG_COMPONENTS),
    }
    if parameters:
        definition["parameters"] = ["columns"]
    return definition


def storage_class_config() -> dict[str, Any]:
    """The ``butler.storage_classes`` entry-point mapping (see `butler.storage_class`)."""
    source = _catalog_class(f"{_TABLE}.source.SourceCatalog")
    source["converters"] = {
        "astropy.table.Table": f"{_TABLE}.source.SourceCatalog.fromAstropy",
        "pyarrow.Table": f"{_TABLE}.parquet_io.catalog_from_arrow",
    }
    parquet = dict(source)
    background = {"pytype": "pipetasks.image.background.background_list.BackgroundList"}
    return {
        "storageClasses": {
            "SourceCatalog": source,
            "SourceCatalogParquet": parquet,
            "SimpleCatalog": _catalog_class(f"{_TABLE}.source.SimpleCatalog"),
            "ExposureCatalog": _catalog_class(f"{_TABLE}.exposure_catalog.ExposureCatalog"),
            "Background": background,
            "BackgroundList": dict(background),
            "Defects": {
                "pytype": "pipetasks.image.defects.Defects",
                "converters": {"astropy.table.Table": "pipetasks.image.defects.Defects.fromTable"},
            },
            "CatalogSchema": {"pytype": f"{_TABLE}.schema.Schema"},
            "CatalogColumnList": {"pytype": "list"},
        },
        "formatters": {
            "SourceCatalog": f"{__name__}.CatalogFitsFormatter",
            "SourceCatalogParquet": f"{__name__}.CatalogParquetFormatter",
            "SimpleCatalog": f"{__name__}.CatalogFitsFormatter",
            "ExposureCatalog": f"{__name__}.CatalogFitsFormatter",
            "Background": f"{__name__}.BackgroundFitsFormatter",
            "BackgroundList": f"{__name__}.BackgroundFitsFormatter",
            "Defects": f"{__name__}.DefectsFormatter",
        },
    }
