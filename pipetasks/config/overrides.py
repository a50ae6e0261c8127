"""``key=value`` overrides (``pipetask -c``, pipeline YAML ``config:`` blocks), parsed by field type.

A value is read the way the field needs it: ``-c doWrite=false`` is a bool,
``-c thresholdValue=5`` a float, ``-c badMaskPlanes=[BAD,SAT]`` or
``badMaskPlanes=BAD,SAT`` a list of str, ``-c psfDeterminer=piff`` selects
a registry entry, ``-c name=None`` clears an optional field.  Text that is a
Python literal of the right type is taken as that literal; for `str` fields
bare text is the string itself.
"""

from __future__ import annotations

__all__ = ("apply_override", "apply_overrides", "parse_override_value", "split_override")

import ast
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .callstack import capture_stack
from .choice_field import ChoiceField
from .config_choice_field import ConfigChoiceField, ConfigInstanceDict
from .config_dict_field import ConfigDictField
from .config_field import ConfigField
from .configurable_field import ConfigurableField, ConfigurableInstance
from .dict_field import DictField
from .errors import ConfigOverrideError, FieldValidationError
from .field import Field
from .list_field import ListField
from .naming import suggest_names

if TYPE_CHECKING:
    from .config import Config

_TRUE = {"true", "yes", "on", "1", "t", "y"}
_FALSE = {"false", "no", "off", "0", "f", "n"}
_SPECIAL_FLOATS = {"nan": float("nan"), "inf": float("inf"), "+inf": float("inf"), "-inf": float("-inf")}


def split_override(text: str) -> tuple[str, str]:
    """Split ``"a.b=3"`` into ``("a.b", "3")``; whitespace around the key and value is dropped."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigOverrideError(f"override {text!r} is not of the form key=value (e.g. -c doWrite=False)")
    return key.strip(), value.strip()


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _NOT_A_LITERAL


_NOT_A_LITERAL = object()


def _scalar(text: str, dtype: type | None) -> Any:
    if text == "None":
        return None
    if dtype is bool:
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError(f"{text!r} is not a boolean (use True/False, yes/no or 1/0)")
    if dtype is str:
        value = _literal(text)
        return value if isinstance(value, str) else text
    if dtype is float and text.lower() in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text.lower()]
    value = _literal(text)
    if value is _NOT_A_LITERAL:
        if dtype is None:
            return text
        raise ValueError(f"{text!r} is not a valid {dtype.__name__}")
    return value


def _sequence(text: str, dtype: type) -> list[Any] | None:
    if text == "None":
        return None
    value = _literal(text)
    if isinstance(value, (list, tuple)) and (dtype is not str or all(isinstance(v, str) for v in value)):
        return list(value)
    inner = text[1:-1] if text.startswith(("[", "(")) and text.endswith(("]", ")")) else text
    if not inner.strip():
        return []
    return [_scalar(item.strip(), dtype) for item in inner.split(",")]


def parse_override_value(field: Field, text: str) -> Any:
    """Convert override text into a value suitable for ``field``.

    Raises
    ------
    ValueError
        The text cannot be read as the field's type.
    """
    if isinstance(field, ListField):
        return _sequence(text, field.dtype)
    if isinstance(field, ConfigChoiceField):
        if text == "None":
            return None
        if field.multi:
            return _sequence(text, str)
        return _scalar(text, str)
    if isinstance(field, (ConfigDictField, ConfigField, ConfigurableField)):
        raise ValueError(
            f"{type(field).__name__} values cannot be given as text; set its fields (e.g. {field.name}.x=1)"
        )
    if isinstance(field, DictField):
        if text == "None":
            return None
        value = _literal(text)
        if not isinstance(value, dict):
            raise ValueError(f"{text!r} is not a dict literal (e.g. {{'a': 1}})")
        return value
    if isinstance(field, ChoiceField):
        return _scalar(text, field.dtype)
    return _scalar(text, field.dtype)


_PART = re.compile(r"^(?P<name>[A-Za-z_]\w*)(?P<index>\[[^\]]+\])?$")


def _split_key(key: str) -> list[str]:
    """Split a dotted key on the dots outside brackets: ``a.b['x.y'].c`` -> ``["a", "b['x.y']", "c"]``."""
    parts, depth, current = [], 0, []
    for char in key:
        if char == "." and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        depth += {"[": 1, "]": -1}.get(char, 0)
        current.append(char)
    parts.append("".join(current))
    return parts


def _resolve(config: Config, key: str) -> tuple[Any, Field, str]:
    """Find the config holding the last component of ``key``, and that field.

    Components may index choice and config-dict fields: ``plugins['base_SdssShape'].doMeasure``.
    """
    parts = _split_key(key)
    holder: Any = config
    for depth, part in enumerate(parts):
        target = holder.value if isinstance(holder, ConfigurableInstance) else holder
        fields = type(target)._fields
        match = _PART.match(part.strip())
        name = match.group("name") if match else part
        field = fields.get(name)
        if field is None:
            done = ".".join(parts[:depth])
            where = f" in {done!r}" if done else ""
            raise ConfigOverrideError(
                f"override {key!r}: {type(target).__name__}{where} has no field {name!r}"
                f"{suggest_names(name, fields)}"
            )
        index = match.group("index") if match else None
        if depth == len(parts) - 1 and index is None:
            return holder, field, name
        holder = getattr(target, name)
        if index is not None:
            item = _literal(index[1:-1])
            try:
                holder = holder[index[1:-1] if item is _NOT_A_LITERAL else item]
            except (KeyError, TypeError) as err:
                raise ConfigOverrideError(f"override {key!r}: {part!r} cannot be looked up: {err}") from None
            if depth == len(parts) - 1:
                raise ConfigOverrideError(f"override {key!r}: set a field of {part!r}, not the whole entry")
        if (
            isinstance(holder, ConfigInstanceDict)
            and depth == len(parts) - 2
            and parts[-1] == ("names" if field.multi else "name")
        ):
            return holder, field, parts[-1]
        if not hasattr(type(holder.value if isinstance(holder, ConfigurableInstance) else holder), "_fields"):
            raise ConfigOverrideError(
                f"override {key!r}: {name!r} holds a {type(field).__name__}, not a config"
            )
    raise AssertionError("unreachable")


def apply_override(config: Config, key: str, value: Any, label: str = "override") -> None:
    """Set the dotted field ``key`` of ``config``; a `str` value is parsed for the field's type.

    Parameters
    ----------
    config : `Config`
        Config to change.
    key : `str`
        Dotted field name (``"detection.thresholdValue"``).
    value : `object`
        Text to parse (``"5"``), or an already-typed value (from YAML).
    label : `str`, optional
        Label of the history entry.

    Raises
    ------
    ConfigOverrideError
        No such field, or the text cannot be read as the field's type.
    FieldValidationError
        The value breaks the field's rules.
    """
    holder, field, name = _resolve(config, key)
    target = holder.value if isinstance(holder, ConfigurableInstance) else holder
    if isinstance(value, str):
        try:
            value = parse_override_value(field, value)
        except ValueError as err:
            raise ConfigOverrideError(f"override {key}={value!r}: {err}") from None
    try:
        if isinstance(holder, ConfigInstanceDict):
            holder._set_selection(value, capture_stack(), label)
        else:
            target.__setattr__(name, value, at=capture_stack(), label=label)
    except FieldValidationError:
        raise
    except (TypeError, ValueError, AttributeError) as err:
        raise ConfigOverrideError(f"override {key}={value!r}: {err}") from None


def apply_overrides(config: Config, overrides: Iterable[str], label: str = "override") -> None:
    """Apply ``"key=value"`` strings in order: ``apply_overrides(config, ["a.b=3", "c=[1,2]"])``.

    A failing override raises before later ones are applied; earlier ones stay applied.
    """
    for text in overrides:
        key, value = split_override(text)
        apply_override(config, key, value, label=label)
