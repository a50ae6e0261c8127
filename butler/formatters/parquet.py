"""Parquet files for the Arrow family of tables.

One file format serves every storage class of the family (``ArrowTable``,
``ArrowAstropy``, ``ArrowNumpy``, ``ArrowNumpyDict``, ``DataFrame``): the
formatter reads a `pyarrow.Table` and converts it with the storage class's
converter from `pyarrow.Table`.  So a file written as ``ArrowAstropy`` is
read as ``ArrowNumpy`` most cheaply by a ``ParquetFormatter`` built for
``ArrowNumpy`` (no astropy table is ever made); any storage class with a
``pyarrow.Table`` converter can use this formatter.

The ``columns`` parameter reads only the named columns, and the derived
components ``columns``, ``rowcount`` and ``schema`` come from the file's
footer without reading any data.
"""

from __future__ import annotations

__all__ = ("ParquetFormatter",)

import contextlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from .arrow import arrow_columns_for, column_names_from_schema, is_astropy_table_type, to_arrow_table
from .base import Formatter, local_path

if TYPE_CHECKING:
    import fsspec


class ParquetFormatter(Formatter):
    """Read and write Arrow-family tables as Parquet.

    Notes
    -----
    Write parameter ``compression`` is passed to `pyarrow.parquet.write_table`
    (e.g. ``"zstd"``; pyarrow's default otherwise).
    """

    default_extension = ".parq"
    supported_extensions = frozenset({".parq", ".parquet"})
    supported_write_parameters = frozenset({"compression"})
    supported_read_parameters = frozenset({"columns"})
    readable_components = frozenset({"columns", "rowcount", "schema"})

    @contextlib.contextmanager
    def _decoding(self, path: str) -> Iterator[None]:
        """Turn errors decoding the file's content into a read error."""
        try:
            yield
        except (pa.ArrowException, ValueError, OSError) as exc:
            # pyarrow reports some corruption (e.g. an undecodable footer) as
            # a plain OSError; OSError subclasses are real I/O failures.
            if (
                isinstance(exc, OSError)
                and not isinstance(exc, pa.ArrowException)
                and type(exc) is not OSError
            ):
                raise
            raise self.read_error(path, f"not a valid Parquet file: {exc}") from exc

    def _open(
        self, stack: contextlib.ExitStack, fs: fsspec.AbstractFileSystem | None, path: str
    ) -> pq.ParquetFile:
        local = local_path(fs, path)
        if local is not None:
            source: Any = local
        else:
            assert fs is not None
            source = stack.enter_context(fs.open(path, "rb"))
        with self._decoding(path):
            return stack.enter_context(pq.ParquetFile(source, memory_map=local is not None))

    def _read(self, fs: fsspec.AbstractFileSystem | None, path: str, parameters: Mapping[str, Any]) -> Any:
        columns = parameters.get("columns")
        with contextlib.ExitStack() as stack:
            parquet_file = self._open(stack, fs, path)
            names = None
            if columns is not None:
                names = arrow_columns_for(parquet_file.schema_arrow, columns)
            with self._decoding(path):
                # Returned as is; the base class converts it to the storage
                # class's type with its pyarrow.Table converter.
                return parquet_file.read(columns=names, use_pandas_metadata=True)

    def _read_component(
        self, fs: fsspec.AbstractFileSystem | None, path: str, component: str, parameters: Mapping[str, Any]
    ) -> Any:
        with contextlib.ExitStack() as stack:
            parquet_file = self._open(stack, fs, path)
            if component == "rowcount":
                return parquet_file.metadata.num_rows
            schema = parquet_file.schema_arrow
        if component == "columns":
            # astropy tables show a mixin column (e.g. a Time) as one column;
            # the other table types show its stored parts.
            merge = is_astropy_table_type(self.storage_class.pytype)
            return column_names_from_schema(schema, merge_mixins=merge)
        # The base class converts the schema to the component's storage class.
        return schema

    def _write(self, obj: Any, fs: fsspec.AbstractFileSystem | None, path: str) -> None:
        table = to_arrow_table(obj)
        options = {}
        if "compression" in self.write_parameters:
            options["compression"] = self.write_parameters["compression"]
        local = local_path(fs, path)
        if local is not None:
            pq.write_table(table, local, **options)
            return
        assert fs is not None
        with fs.open(path, "wb") as stream:
            pq.write_table(table, stream, **options)
