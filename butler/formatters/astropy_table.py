"""ECSV and FITS files for astropy tables."""

from __future__ import annotations

__all__ = ("AstropyFitsTableFormatter", "AstropyTableFormatter")

import io
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .base import Formatter, read_bytes, write_bytes

if TYPE_CHECKING:
    import fsspec

# Extension -> astropy unified I/O format name.
_FORMATS = {
    ".ecsv": "ascii.ecsv",
    ".fits": "fits",
    ".fit": "fits",
    ".fits.gz": "fits",
}
_WRITE_FORMATS = {"ecsv": ".ecsv", "fits": ".fits"}


def _extension_of(path: str) -> str:
    name = os.path.basename(path).lower()
    for extension in sorted(_FORMATS, key=len, reverse=True):
        if name.endswith(extension):
            return extension
    return os.path.splitext(name)[1]


class AstropyTableFormatter(Formatter):
    """Read and write `astropy.table.Table` as ECSV or FITS.

    The format is chosen from the file's extension (``.ecsv``, ``.fits``,
    ``.fit``, or ``.fits.gz`` for reading).  A path with another extension
    is written in the format named by the ``format`` write parameter
    (``"ecsv"``, the default, or ``"fits"``).

    Notes
    -----
    ECSV keeps units, descriptions, formats, mixin columns and all
    ``meta``.  FITS keeps units, descriptions and `~astropy.time.Time`
    columns, but table ``meta`` only as FITS header cards (upper-case keys,
    scalar values, plus the time keywords astropy adds).
    """

    default_extension = ".ecsv"
    supported_extensions = frozenset(_FORMATS)
    supported_write_parameters = frozenset({"format"})
    _default_write_format = "ecsv"

    def _format_for(self, path: str, *, writing: bool) -> str:
        extension = _extension_of(path)
        if extension in _FORMATS and not (writing and extension == ".fits.gz"):
            return _FORMATS[extension]
        requested = self.write_parameters.get("format")
        if requested is None:
            requested = self._default_write_format if writing else None
        if requested not in _WRITE_FORMATS:
            raise ValueError(
                f"{type(self).__name__} cannot tell the format of {path!r}: use an extension in "
                f"{sorted(_FORMATS)} or a 'format' write parameter in {sorted(_WRITE_FORMATS)}"
            )
        return _FORMATS[_WRITE_FORMATS[requested]]

    def _read(self, fs: fsspec.AbstractFileSystem | None, path: str, parameters: Mapping[str, Any]) -> Any:
        file_format = self._format_for(path, writing=False)
        data = read_bytes(fs, path)
        pytype = self.storage_class.pytype
        reader = getattr(pytype, "read", None)
        if reader is None:
            raise TypeError(f"Storage class {self.storage_class.name} type {pytype} is not an astropy table")
        try:
            # ECSV goes in as a list of lines: a bare string could be taken
            # for a file name.
            source: Any = data.decode().splitlines() if file_format == "ascii.ecsv" else io.BytesIO(data)
            if file_format == "fits":
                # astropy_native rebuilds Time columns from FITS time columns.
                return reader(source, format=file_format, astropy_native=True)
            return reader(source, format=file_format)
        except UnicodeDecodeError as exc:
            raise self.read_error(path, f"not a text file: {exc}") from exc
        except Exception as exc:
            # Only the in-memory content is parsed here, so any failure is
            # a problem with the file (astropy raises many kinds).
            raise self.read_error(path, f"not a valid {file_format} table: {exc}") from exc

    def _write(self, obj: Any, fs: fsspec.AbstractFileSystem | None, path: str) -> None:
        file_format = self._format_for(path, writing=True)
        if file_format == "ascii.ecsv":
            text = io.StringIO()
            obj.write(text, format=file_format)
            write_bytes(fs, path, text.getvalue().encode())
        else:
            binary = io.BytesIO()
            obj.write(binary, format=file_format)
            write_bytes(fs, path, binary.getvalue())


class AstropyFitsTableFormatter(AstropyTableFormatter):
    """`AstropyTableFormatter` whose files default to FITS."""

    default_extension = ".fits"
    _default_write_format = "fits"
