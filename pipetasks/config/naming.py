"""How configs, fields and types are named in messages and override files."""

from __future__ import annotations

__all__ = ("join_name", "type_string", "suggest_names")

import difflib
from collections.abc import Iterable
from typing import Any


def join_name(prefix: str | None, name: str | None = None, index: Any = None) -> str:
    """Join a config's dotted name, a field name and an optional item key.

    ``join_name("calibrate", "detection")`` is ``"calibrate.detection"``;
    ``join_name(None, "plugins", "base_SdssShape")`` is
    ``"plugins['base_SdssShape']"``.
    """
    if not prefix and not name:
        raise ValueError("a config name needs a prefix or a field name")
    full = f"{prefix}.{name}" if prefix and name else (name or prefix)
    return full if index is None else f"{full}[{index!r}]"


def type_string(obj: Any) -> str:
    """Return the importable dotted name of a class (or of an object's class).

    Builtins are bare (``int``); everything else is ``module.QualName``, the
    spelling override files use to name retarget targets.
    """
    named = isinstance(obj, type) or (hasattr(obj, "__module__") and hasattr(obj, "__qualname__"))
    cls = obj if named else type(obj)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def suggest_names(name: str, candidates: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest candidates, or ``""``."""
    close = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"
