"""Exceptions raised by instruments, header translation, raw ingest and visit definition."""

from __future__ import annotations

from butler.errors import ButlerError

__all__ = [
    "InstrumentError",
    "UnknownInstrumentError",
    "HeaderTranslationError",
    "NotThisInstrumentError",
    "RawIngestError",
    "VisitDefinitionError",
]


class InstrumentError(ButlerError):
    """Base class of the errors of `pipetasks.instruments` (a `ButlerError`, so the ``butler``
    command reports them as one line)."""


class UnknownInstrumentError(InstrumentError, LookupError):
    """An instrument name or class path that names no known instrument."""


class HeaderTranslationError(InstrumentError, ValueError):
    """A header lacks a keyword the translator needs, or holds a value it cannot read."""


class NotThisInstrumentError(HeaderTranslationError):
    """The header is not from the instrument whose translator was asked to read it."""


class RawIngestError(InstrumentError):
    """A raw file could not be ingested (raised only when ingest is told to stop at the first failure)."""


class VisitDefinitionError(InstrumentError, ValueError):
    """Visits cannot be defined from the exposures asked for."""
