"""`MetadataTranslator`: reads one instrument's raw FITS headers into an `ObservationInfo`.

A subclass knows its instrument's keywords; the base class gives typed, named access to a
header with errors that say which keyword of which file was missing or unreadable.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any, ClassVar

from .errors import HeaderTranslationError
from .observation_info import ObservationInfo

__all__ = ["MetadataTranslator"]


class MetadataTranslator(abc.ABC):
    """Translate the header of one detector of one raw exposure.

    Parameters
    ----------
    header : `~collections.abc.Mapping`
        The FITS header (``astropy.io.fits.Header`` or any mapping of keyword to value).  For
        multi-extension files give the extension's header merged over the primary one.
    filename : `str`, optional
        Named in error messages.
    """

    name: ClassVar[str]
    """The instrument name this translator produces (``ObservationInfo.instrument``)."""

    def __init__(self, header: Mapping[str, Any], filename: str | None = None):
        self.header = header
        self.filename = filename

    @classmethod
    @abc.abstractmethod
    def can_translate(cls, header: Mapping[str, Any]) -> bool:
        """Whether ``header`` comes from this translator's instrument."""

    @abc.abstractmethod
    def to_observation_info(self) -> ObservationInfo:
        """Read the header.

        Raises
        ------
        HeaderTranslationError
            If a needed keyword is missing or unreadable.
        """

    # -- typed access ---------------------------------------------------------------

    def _where(self) -> str:
        return f"{self.filename}: " if self.filename else ""

    def require(self, *keys: str) -> None:
        """Raise `HeaderTranslationError` naming every one of ``keys`` the header lacks."""
        missing = [key for key in keys if key not in self.header]
        if missing:
            raise HeaderTranslationError(
                f"{self._where()}{self.name} header lacks required keyword(s) {', '.join(missing)}"
            )

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key`` (strings stripped of FITS padding), or ``default``."""
        value = self.header.get(key, default)
        return value.strip() if isinstance(value, str) else value

    def get_str(self, key: str) -> str:
        """A required string value."""
        self.require(key)
        return str(self.get(key))

    def get_float(self, key: str, default: float | None = None, *, required: bool = True) -> float | None:
        """A float value; missing is an error when ``required`` and no ``default`` is given."""
        if key not in self.header:
            if required and default is None:
                self.require(key)
            return default
        value = self.get(key)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise HeaderTranslationError(
                f"{self._where()}{self.name} header keyword {key}={value!r} is not a number"
            ) from None

    def get_int(self, key: str) -> int:
        """A required integer value."""
        self.require(key)
        value = self.get(key)
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise HeaderTranslationError(
                f"{self._where()}{self.name} header keyword {key}={value!r} is not an integer"
            ) from None
        if number != value and not isinstance(value, str):
            raise HeaderTranslationError(
                f"{self._where()}{self.name} header keyword {key}={value!r} is not an integer"
            )
        return number
