"""Exceptions raised by the config system."""

from __future__ import annotations

__all__ = (
    "ConfigOverrideError",
    "FieldValidationError",
    "UnexpectedProxyUsageError",
    "UnknownFieldError",
)

from typing import TYPE_CHECKING, Any

from .naming import join_name, type_string

if TYPE_CHECKING:
    from .config import Config
    from .field import Field


class FieldValidationError(ValueError):
    """A field's value breaks one of the field's rules, or the config is frozen.

    The signature is pex_config's, so validation code written for LSST
    (``raise pexConfig.FieldValidationError(MyConfig.x, self, "why")``) ports.

    Parameters
    ----------
    field : `Field`
        The field whose value is wrong.
    config : `Config`
        The config holding the field.
    msg : `str`
        The offending value and the rule it breaks.

    Attributes
    ----------
    fieldType : `type`
        Class of the field.
    fieldName : `str`
        Name of the field in its config.
    fullname : `str`
        Dotted name from the root config (``"detection.thresholdValue"``).
    history : `list`
        The field's history in ``config``.
    fieldSource, configSource : `StackFrame`
        Where the field and the config class were defined.
    """

    def __init__(self, field: Field, config: Config, msg: str):
        self.fieldType = type(field)
        self.fieldName = field.name
        self.fullname = join_name(getattr(config, "_name", None), field.name)
        self.history = config._history.setdefault(field.name, []) if hasattr(config, "_history") else []
        self.fieldSource = field.source
        self.configSource = getattr(type(config), "_source", None)
        self.reason = msg
        where = f"\n  (field defined at {field.source.location} in {type_string(type(config))})"
        super().__init__(f"{self.fieldType.__name__} '{self.fullname}' failed validation: {msg}{where}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_error, (type(self), str(self), self.fullname, self.reason))


def _rebuild_error(cls: type, text: str, fullname: str, reason: str) -> FieldValidationError:
    error = ValueError.__new__(cls)
    ValueError.__init__(error, text)
    error.fullname = fullname
    error.reason = reason
    return error


class UnknownFieldError(AttributeError):
    """A config has no field (or attribute) of the given name."""


class UnexpectedProxyUsageError(TypeError):
    """A config's view object (a retargetable subtask slot, a choice dict) was used where a value belongs."""


class ConfigOverrideError(ValueError):
    """A ``key=value`` override cannot be understood or applied."""
