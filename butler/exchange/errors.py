"""Errors of reading and applying export files."""

from __future__ import annotations

__all__ = ["ExportFormatError", "IncompatibleVersionError", "InconsistentUniverseError"]

from ..errors import ButlerError


class ExportFormatError(ButlerError, ValueError):
    """A file is not a repository export, or an entry of it is malformed."""


class IncompatibleVersionError(ExportFormatError):
    """The export file's format version is one this code cannot read (LSST's name for it)."""


class InconsistentUniverseError(ButlerError, ValueError):
    """Exported records or dataset types do not fit this repository's dimension universe.

    Raised for a record of an element the universe does not have, a field
    no conversion accounts for, or a dataset type with an unknown dimension
    (LSST's name for a universe mismatch).
    """
