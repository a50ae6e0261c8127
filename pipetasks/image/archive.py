"""Turn non-pixel objects (PSFs, WCS, PhotoCalib, ApCorrMap, VisitInfo, Detector, ...) into JSON dicts.

``dump(obj)`` returns a JSON-serialisable dict with a ``"type"`` key naming the registered class;
``load(d)`` rebuilds the object. Each class implements ``to_dict()`` (without the ``"type"`` key) and
the classmethod ``from_dict(d)``, and registers itself with `register`; types that cannot carry those
methods (astropy's WCS) register a pair of functions instead. Arrays go through `encode_array` /
`decode_array` (base64 of little-endian bytes, with dtype and shape).

The FITS exposure format and `ExposureCatalog` both persist components through this module, so a
registered name is a file-format promise: never rename one.

Examples
--------
>>> from pipetasks.image.filter_label import FilterLabel
>>> d = dump(FilterLabel(band="r", physical="r.MP9601"))
>>> d["type"], load(d) == FilterLabel(band="r", physical="r.MP9601")
('FilterLabel', True)
"""

from __future__ import annotations

import base64
import importlib
import json
from typing import Any, Callable

import numpy as np

from .errors import ArchiveError

__all__ = ["register", "register_codec", "dump", "load", "dumps", "loads", "encode_array", "decode_array",
           "registered_types"]

_BY_NAME: dict[str, tuple[type, Callable[[Any], dict], Callable[[dict], Any]]] = {}
_BY_TYPE: dict[type, str] = {}

# Modules whose import registers the built-in persistable types; imported on the first miss.
_BUILTIN_MODULES = (
    "pipetasks.image.filter_label",
    "pipetasks.image.bounded_field",
    "pipetasks.image.photo_calib",
    "pipetasks.image.ap_corr",
    "pipetasks.image.visit_info",
    "pipetasks.image.detector",
    "pipetasks.image.camera",
    "pipetasks.image.wcs",
    "pipetasks.image.summary_stats",
    "pipetasks.image.psf",
)
_builtins_loaded = False


def register(cls: type | None = None, *, name: str | None = None) -> Any:
    """Class decorator registering a type that has ``to_dict()`` and ``from_dict(d)``.

    Parameters
    ----------
    cls : `type`
        The class (when used as ``@register``).
    name : `str`, optional
        Name stored under ``"type"``; the class's ``__name__`` by default.
    """

    def decorate(klass: type) -> type:
        register_codec(klass, klass.to_dict, klass.from_dict, name=name or klass.__name__)  # type: ignore[attr-defined]
        return klass

    return decorate(cls) if cls is not None else decorate


def register_codec(
    cls: type, to_dict: Callable[[Any], dict], from_dict: Callable[[dict], Any], *, name: str | None = None
) -> None:
    """Register conversion functions for a type that cannot implement them itself.

    Parameters
    ----------
    cls : `type`
        The Python type; subclasses without their own registration use it too.
    to_dict, from_dict : callables
        ``obj -> dict`` (JSON-serialisable, no ``"type"`` key) and ``dict -> obj``.
    name : `str`, optional
        Name stored under ``"type"``; ``cls.__name__`` by default.
    """
    key = name or cls.__name__
    existing = _BY_NAME.get(key)
    if existing is not None and existing[0] is not cls and existing[0].__qualname__ != cls.__qualname__:
        raise ArchiveError(f"archive type name {key!r} is already registered for {existing[0]!r}")
    _BY_NAME[key] = (cls, to_dict, from_dict)
    _BY_TYPE[cls] = key


def _ensure_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    _builtins_loaded = True
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)


def _name_for(obj: Any) -> str:
    for klass in type(obj).__mro__:
        if klass in _BY_TYPE:
            return _BY_TYPE[klass]
    return ""


def registered_types() -> dict[str, type]:
    """Every registered ``"type"`` name and its class."""
    _ensure_builtins()
    return {name: entry[0] for name, entry in _BY_NAME.items()}


def dump(obj: Any) -> dict[str, Any]:
    """A JSON-serialisable dict describing ``obj``, with a ``"type"`` key.

    Raises
    ------
    ArchiveError
        If the object's type is not registered.
    """
    name = _name_for(obj)
    if not name:
        _ensure_builtins()
        name = _name_for(obj)
    if not name:
        known = ", ".join(sorted(_BY_NAME))
        raise ArchiveError(f"cannot archive a {type(obj).__name__}: it is not registered (registered: {known})")
    _, to_dict, _ = _BY_NAME[name]
    data = dict(to_dict(obj))
    data["type"] = name
    return data


def load(data: dict[str, Any]) -> Any:
    """Rebuild an object from a dict made by `dump`.

    Raises
    ------
    ArchiveError
        If ``data`` has no ``"type"`` key, names an unknown type, or lacks a field the type needs.
    """
    if not isinstance(data, dict) or "type" not in data:
        raise ArchiveError(f"an archived object must be a dict with a 'type' key, got {str(data)[:80]!r}")
    name = data["type"]
    if name not in _BY_NAME:
        _ensure_builtins()
    if name not in _BY_NAME:
        known = ", ".join(sorted(_BY_NAME))
        raise ArchiveError(f"unknown archived type {name!r}; registered types are: {known}")
    _, _, from_dict = _BY_NAME[name]
    fields = {k: v for k, v in data.items() if k != "type"}
    try:
        return from_dict(fields)
    except KeyError as err:
        raise ArchiveError(f"archived {name} lacks the field {err.args[0]!r}") from None


def dumps(obj: Any) -> str:
    """`dump` as a compact JSON string (`None` becomes ``"null"``)."""
    return "null" if obj is None else json.dumps(dump(obj), separators=(",", ":"), allow_nan=True)


def loads(text: str | bytes) -> Any:
    """Inverse of `dumps`."""
    data = json.loads(text)
    return None if data is None else load(data)


def encode_array(array: Any) -> dict[str, Any]:
    """``{"dtype", "shape", "data"}`` with ``data`` the base64 of the little-endian C-order bytes."""
    arr = np.asarray(array)
    little = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
    return {
        "dtype": little.dtype.str,
        "shape": list(arr.shape),
        "data": base64.b64encode(np.ascontiguousarray(little).tobytes()).decode("ascii"),
    }


def decode_array(data: dict[str, Any]) -> np.ndarray:
    """Inverse of `encode_array` (also accepts a plain list, read as float64)."""
    if isinstance(data, list):
        return np.asarray(data, dtype=float)
    raw = base64.b64decode(data["data"])
    array = np.frombuffer(raw, dtype=np.dtype(data["dtype"])).reshape(data["shape"])
    return array.astype(array.dtype.newbyteorder("="), copy=True)
