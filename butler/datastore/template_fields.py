"""The fields of a file template: parsing a template string into literal text and fields
(with their alternates, format spec and the ``?`` and ``/`` flags), making an expanded value
safe inside a relative path, what ``{skypix}`` stands for, and the error raised for a
malformed template.
"""

from __future__ import annotations

__all__ = ["FileTemplateValidationError"]

import string
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import ButlerError

if TYPE_CHECKING:
    from ..dimensions import DimensionGroup


class FileTemplateValidationError(ButlerError, ValueError):
    """A file template is malformed or cannot give unique paths for a dataset type."""


# Characters that cause trouble in file names, shells or URLs (LSST's set,
# plus '#', which starts a URL fragment, and control characters).
_UNSAFE = str.maketrans({c: "_" for c in ' <>:"\\|?*#' + "".join(map(chr, range(32))) + "\x7f"})


def _only_dots(text: str) -> bool:
    return text[:1] == "." and not text.strip(".")


def _safe_value(text: str, keep_slash: bool) -> str:
    """Make one expanded value safe to use inside a relative path."""
    if text.isalnum():
        return text
    text = text.translate(_UNSAFE)
    if not keep_slash:
        text = text.replace("/", "_")
        return "_" * len(text) if _only_dots(text) else text
    segments = [s for s in text.split("/") if s]
    return "/".join("_" * len(s) if _only_dots(s) else s for s in segments)


@dataclass(frozen=True, slots=True)
class _Field:
    """One alternative of a template field: ``name`` or ``primary.attribute``."""

    name: str
    primary: str
    attribute: str | None


@dataclass(frozen=True, slots=True)
class _Part:
    """A literal and the field that follows it (``alternates`` empty at the end)."""

    literal: str
    alternates: tuple[_Field, ...]
    spec: str
    conversion: str | None
    optional: bool
    keep_slash: bool
    simple: str | None = None
    """The field name when there is one alternate and no record attribute."""


def _parse(template: str) -> tuple[_Part, ...]:
    parts = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as err:
        raise FileTemplateValidationError(f"Template {template!r} is not a valid format string: {err}") from err
    for literal, field_name, spec, conversion in parsed:
        if field_name is None:
            parts.append(_Part(literal, (), "", None, False, False))
            continue
        if not field_name:
            raise FileTemplateValidationError(f"Template {template!r} has an unnamed field; all fields need names.")
        spec = spec or ""
        alternates = []
        for name in field_name.split("|"):
            primary, _, attribute = name.partition(".")
            if not primary or "." in attribute or "[" in name:
                raise FileTemplateValidationError(f"Template {template!r} has a malformed field {name!r}.")
            alternates.append(_Field(name, primary, attribute or None))
        simple = alternates[0].name if len(alternates) == 1 and alternates[0].attribute is None else None
        parts.append(_Part(literal, tuple(alternates), spec.replace("?", "").replace("/", ""), conversion,
                           "?" in spec, "/" in spec, simple))
    return tuple(parts)


_SKYPIX_ALIASES: dict[DimensionGroup, str | None] = {}


def _skypix_alias(dimensions: DimensionGroup | None) -> str | None:
    """The single sky pixelization dimension of a group, which ``{skypix}`` stands for."""
    if dimensions is None:
        return None
    try:
        return _SKYPIX_ALIASES[dimensions]
    except KeyError:
        pass
    from ..dimensions.elements import SkyPixDimension

    universe = dimensions.universe
    found = [name for name in dimensions.names if isinstance(universe[name], SkyPixDimension)]
    alias = found[0] if len(found) == 1 else None
    _SKYPIX_ALIASES[dimensions] = alias
    return alias
