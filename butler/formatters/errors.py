"""Exceptions raised by formatters."""

from __future__ import annotations

__all__ = ("FormatterNotFoundError", "FormatterReadError")

from ..storage_class import _MessageKeyError


class FormatterReadError(ValueError):
    """Raised when a file's content cannot be read as the expected dataset.

    The file exists and could be opened, but it is corrupt, truncated, or
    holds something other than the storage class expects.  It derives from
    `ValueError` because the problem is the file's *value*; I/O failures
    such as a missing file keep their own `OSError` types
    (`FileNotFoundError`, `PermissionError`) so callers can tell the two
    apart.

    Parameters
    ----------
    path : `str`
        The file that could not be read.
    reason : `str`
        What was wrong with it.
    formatter : `str`, optional
        Name of the formatter that tried to read it.
    """

    def __init__(self, path: str, reason: str, formatter: str | None = None):
        self.path = path
        self.reason = reason
        self.formatter = formatter
        by = f" with {formatter}" if formatter else ""
        super().__init__(f"Cannot read {path!r}{by}: {reason}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.path, self.reason, self.formatter))


class FormatterNotFoundError(_MessageKeyError):
    """Raised when no formatter is configured for a storage class or extension."""
