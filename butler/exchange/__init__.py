"""Moving repository contents to and from LSST in its YAML export format (``butler export``/``import``).

* `yaml_format` — the document and LSST's YAML tags;
* `contents` — the entries of a file, read and checked, as plain structures;
* `universe_compat` — records of older LSST dimension universes (0-7) made
  to fit ours (8);
* `importer` — ``Butler.import_``: one transaction, all or nothing;
* `exporter` — ``Butler.export`` and `RepoExportContext`.

See ``docs/exchange.md`` for the format as read and written here.
"""

from __future__ import annotations

__all__ = [
    "ExportContents",
    "ExportFormatError",
    "ImportSummary",
    "IncompatibleVersionError",
    "InconsistentUniverseError",
    "RepoExportContext",
    "export_context",
    "import_file",
    "read_export",
]

from typing import IO, Any

from .contents import ExportContents, read_contents
from .errors import ExportFormatError, IncompatibleVersionError, InconsistentUniverseError
from .exporter import RepoExportContext, export_context
from .importer import ImportSummary, import_file
from .yaml_format import load_document


def read_export(source: str | IO[str], name: str | None = None) -> ExportContents:
    """Read and check an export file (a path or URL, or an open text stream) without importing it.

    Raises
    ------
    ExportFormatError
        If it is not a well-formed export.
    IncompatibleVersionError
        If its format version cannot be read here.
    """
    if hasattr(source, "read"):
        document = load_document(source, source=name or "the export stream")  # type: ignore[arg-type]
        return read_contents(document)
    import fsspec

    path: Any = source
    with fsspec.open(path, "r") as stream:
        return read_contents(load_document(stream, source=name or str(path)))
