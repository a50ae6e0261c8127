"""`Config`: a set of declared fields, validated, historied, frozen, saved as Python.

A config class declares its fields as class attributes; subclasses inherit
and may override them, and compute defaults in `Config.setDefaults`.  An
instance refuses unknown attribute names (with the closest field names as
a suggestion), refuses invalid values at assignment, records who set every
value, and can be frozen, compared, copied, pickled, saved to and loaded
from Python override files (see `pipetasks.config.persistence`).
"""

from __future__ import annotations

__all__ = ("Config", "ConfigMeta")

import copy
import io
import os
import re
import warnings
from collections.abc import Callable, ItemsView, Iterator, KeysView, ValuesView
from typing import IO, Any

from . import persistence
from .callstack import StackFrame, caller_frame, capture_stack
from .comparison import compare_configs, comparison_name
from .errors import UnknownFieldError
from .field import Field
from .history import HistoryEntry, format_history
from .naming import suggest_names, type_string

_INSTANCE_ATTRIBUTES = frozenset({"_name", "_storage", "_history", "_frozen", "_imports"})
_METACLASS_METHODS = frozenset({"__new__", "__init__", "__call__"})


class ConfigMeta(type):
    """Metaclass of `Config`: gathers the `Field` attributes of a class and its bases into ``_fields``.

    Fields are gathered base-first, so a subclass redefining a field
    replaces it, and a subclass may add fields after the class statement
    (``MyConfig.extra = Field(...)``).
    """

    def __init__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]):
        super().__init__(name, bases, namespace)
        fields: dict[str, Field] = {}
        for klass in reversed(cls.__mro__):
            for key, value in vars(klass).items():
                if isinstance(value, Field):
                    fields[key] = value
                elif key in fields:
                    del fields[key]  # a subclass shadowed the field with something else
        for key, value in fields.items():
            if getattr(value, "name", key) != key:  # one Field object reused under another name
                value = copy.copy(value)
                fields[key] = value
                type.__setattr__(cls, key, value)
            value.name = key
        type.__setattr__(cls, "_fields", fields)
        type.__setattr__(cls, "_source", caller_frame(_METACLASS_METHODS))

    def __setattr__(cls, name: str, value: Any) -> None:
        if isinstance(value, Field):
            value.name = name
            cls._fields[name] = value
        type.__setattr__(cls, name, value)


class Config(metaclass=ConfigMeta):
    """Base class of configs: declare `Field` attributes in a subclass.

    Parameters
    ----------
    **kwargs
        Field values to set after the defaults and `setDefaults`.

    Examples
    --------
    >>> import pipetasks.config as pexConfig
    >>> class DetectionConfig(pexConfig.Config):
    ...     thresholdValue = pexConfig.Field(doc="Threshold (sigma).", dtype=float, default=5.0)
    ...     minPixels = pexConfig.RangeField(doc="Minimum footprint size.", dtype=int, default=1, min=0)
    >>> config = DetectionConfig(minPixels=3)
    >>> config.thresholdValue = 10
    >>> config.toDict()
    {'thresholdValue': 10.0, 'minPixels': 3}
    >>> config.thresholdValu = 1
    Traceback (most recent call last):
    ...
    pipetasks.config.errors.UnknownFieldError: DetectionConfig has no field 'thresholdValu' (did you mean ...
    """

    _fields: dict[str, Field]
    _source: StackFrame
    _name: str | None
    _storage: dict[str, Any]
    _history: dict[str, list[HistoryEntry]]
    _frozen: bool
    _imports: set[str]

    def __new__(cls, **kwargs: Any) -> Config:
        return cls._create(name=None, at=capture_stack(), values=kwargs)

    def __init__(self, **kwargs: Any):
        pass  # everything happens in __new__/_create, so subclasses need not call this

    @classmethod
    def _create(
        cls,
        name: str | None,
        at: tuple[StackFrame, ...],
        values: dict[str, Any] | None = None,
        label: str = "default",
    ) -> Config:
        """Build an instance named ``name`` (its dotted path in a parent), defaults then ``values``."""
        self = object.__new__(cls)
        attributes = self.__dict__
        attributes["_name"] = name
        attributes["_storage"] = {}
        attributes["_history"] = {}
        attributes["_frozen"] = False
        attributes["_imports"] = set()
        for field in cls._fields.values():
            self._history[field.name] = []
            field._set_default(self, at + (field.source,))
        self.setDefaults()
        if values:
            self._update(values, at, label if label != "default" else "update")
        return self

    # -- hooks for subclasses ---------------------------------------------------

    def setDefaults(self) -> None:
        """Compute defaults that depend on code (subclasses override and call ``super().setDefaults()``)."""

    def validate(self) -> None:
        """Check every field, recursing into sub-configs; subclasses add cross-field checks after ``super()``.

        Raises
        ------
        FieldValidationError
            A value breaks a rule checked at validation time (a required
            value is `None`, a list is too short, a ``listCheck`` fails...).
        """
        for field in self._fields.values():
            field.validate(self)

    # -- attribute access -------------------------------------------------------

    def __setattr__(self, attr: str, value: Any, at: tuple[StackFrame, ...] | None = None,
                    label: str = "assignment") -> None:
        field = self._fields.get(attr)
        if field is not None:
            if field.deprecated is not None:
                warnings.warn(
                    f"Config field {type_string(type(self))}.{attr} is deprecated: {field.deprecated}",
                    FutureWarning,
                    stacklevel=2,
                )
            field.__set__(self, value, at=capture_stack() if at is None else at, label=label)
        elif hasattr(getattr(type(self), attr, None), "__set__"):
            object.__setattr__(self, attr, value)  # properties and other descriptors
        elif attr in _INSTANCE_ATTRIBUTES:
            self.__dict__[attr] = value
        else:
            raise UnknownFieldError(
                f"{type(self).__name__} has no field {attr!r}{suggest_names(attr, self._fields)}"
            )

    def __getattr__(self, attr: str) -> Any:
        # Only reached when normal lookup fails.
        if attr.startswith("__") or attr in _INSTANCE_ATTRIBUTES:
            raise AttributeError(attr)
        raise UnknownFieldError(
            f"{type(self).__name__} has no field {attr!r}{suggest_names(attr, type(self)._fields)}"
        )

    def __delattr__(self, attr: str) -> None:
        field = self._fields.get(attr)
        if field is None:
            object.__delattr__(self, attr)
        else:
            field.__set__(self, None, at=capture_stack(), label="deletion")

    def update(self, **kwargs: Any) -> None:
        """Set several fields at once: ``config.update(a=1, b="x")``."""
        self._update(kwargs, capture_stack(), "update")

    def _update(self, values: dict[str, Any], at: tuple[StackFrame, ...], label: str) -> None:
        for name, value in values.items():
            field = self._fields.get(name)
            if field is None:
                raise UnknownFieldError(
                    f"{type(self).__name__} has no field {name!r}{suggest_names(name, self._fields)}"
                )
            field.__set__(self, value, at=at, label=label)

    # -- mapping-like view ------------------------------------------------------

    def keys(self) -> KeysView[str]:
        """Field names, in declaration order."""
        return self._storage.keys()

    def values(self) -> ValuesView[Any]:
        """Field values (sub-configs and views for nested fields)."""
        return self._storage.values()

    def items(self) -> ItemsView[str, Any]:
        """``(field name, value)`` pairs."""
        return self._storage.items()

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __contains__(self, name: object) -> bool:
        return name in self._storage

    def toDict(self) -> dict[str, Any]:
        """Plain nested `dict` of the field values (sub-configs as dicts)."""
        return {name: field.toDict(self) for name, field in self._fields.items()}

    def names(self) -> list[str]:
        """Every settable dotted name, recursively (``["detection.thresholdValue", ...]``)."""
        text = self.saveToString(skipImports=True)
        pattern = re.compile(r"^config\.([^=(\s]+)\s*=")
        return [match.group(1) for line in text.splitlines() if (match := pattern.match(line))]

    @property
    def history(self) -> dict[str, list[HistoryEntry]]:
        """Per field, the list of `HistoryEntry` (value, stack, label), oldest first."""
        return self._history

    def formatHistory(self, name: str, **kwargs: Any) -> str:
        """Human-readable history of one field (see `format_history`)."""
        return format_history(self, name, **kwargs)

    # -- freezing, copying, comparing ------------------------------------------

    def freeze(self) -> None:
        """Make this config and every config inside it read-only."""
        self.__dict__["_frozen"] = True
        for field in self._fields.values():
            field.freeze(self)

    @property
    def frozen(self) -> bool:
        """Whether the config refuses changes."""
        return self._frozen

    def copy(self) -> Config:
        """Return an unfrozen deep copy (history lists copied, sub-configs copied)."""
        other = object.__new__(type(self))
        attributes = other.__dict__
        attributes["_name"] = self._name
        attributes["_frozen"] = False
        attributes["_history"] = {k: list(v) for k, v in self._history.items()}
        attributes["_imports"] = set(self._imports)
        attributes["_storage"] = {}
        for name in self._storage:
            other._storage[name] = self._fields[name]._copy_storage(self, other)
        return other

    def __deepcopy__(self, memo: dict[int, Any]) -> Config:
        other = self.copy()
        if self._frozen:
            other.freeze()
        return other

    def _rename(self, name: str | None) -> None:
        self.__dict__["_name"] = name
        for field in self._fields.values():
            field.rename(self)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return False
        return compare_configs("config", self, other, shortcut=True, rtol=0.0, atol=0.0)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def compare(
        self,
        other: Config,
        shortcut: bool = True,
        rtol: float = 1e-8,
        atol: float = 1e-8,
        output: Callable[[str], Any] | None = None,
    ) -> bool:
        """Compare with another config of the same type, floats within tolerance.

        Parameters
        ----------
        other : `Config`
            Config to compare with.
        shortcut : `bool`, optional
            Stop at the first difference.
        rtol, atol : `float`, optional
            Relative and absolute tolerances for floats (NaN equals NaN).
        output : `~collections.abc.Callable`, optional
            Called with a message (``"Inequality in a.b: 1 != 2"``) for each difference.

        Returns
        -------
        equal : `bool`
            Whether the configs are equal; unselected choices are ignored.
        """
        name = comparison_name(self._name or "config", other._name or "config")
        return compare_configs(name, self, other, shortcut=shortcut, rtol=rtol, atol=atol, output=output)

    def __str__(self) -> str:
        return str(self.toDict())

    def __repr__(self) -> str:
        values = ", ".join(f"{k}={v!r}" for k, v in self.toDict().items() if v is not None)
        return f"{type_string(type(self))}({values})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Checks may be lambdas, so configs travel as their override file.
        return (persistence.unreduce_config, (type(self), self.saveToString(), self._frozen))

    # -- saving and loading -----------------------------------------------------

    def save(self, filename: str | os.PathLike[str], root: str = "config") -> None:
        """Write an override file that rebuilds this config (atomically: temporary file then rename)."""
        persistence.write_file(self, os.fspath(filename), root)

    def saveToStream(self, outfile: IO[str], root: str = "config", skipImports: bool = False) -> None:
        """Write the override file to an open text stream (``skipImports`` for human-oriented output)."""
        persistence.write_stream(self, outfile, root, skipImports)

    def saveToString(self, skipImports: bool = False) -> str:
        """Return the override file as a string."""
        buffer = io.StringIO()
        self.saveToStream(buffer, skipImports=skipImports)
        return buffer.getvalue()

    def load(self, filename: str | os.PathLike[str], root: str = "config") -> None:
        """Apply an override file: run it with ``config`` (and ``root``, for old files) bound to this."""
        persistence.load_file(self, os.fspath(filename), root)

    def loadFromStream(self, stream: Any, root: str = "config", filename: str | None = None,
                       extraLocals: dict[str, Any] | None = None) -> None:
        """Apply override code read from a text stream (or given as a string)."""
        if hasattr(stream, "read"):
            filename = filename or getattr(stream, "name", None)
            stream = stream.read()
        self.loadFromString(stream, root=root, filename=filename, extraLocals=extraLocals)

    def loadFromString(self, code: str | bytes, root: str = "config", filename: str | None = None,
                       extraLocals: dict[str, Any] | None = None) -> None:
        """Apply override code given as a string."""
        persistence.execute(self, code, root, filename, extraLocals)

    def _save(self, outfile: IO[str], prefix: str, reference: Config | None) -> None:
        for field in self._fields.values():
            field.save(outfile, self, prefix, reference)

    def _collectImports(self) -> set[str]:
        """Modules an override file of this config must import (this class's, targets', loaded files')."""
        imports = {type(self).__module__} | self._imports
        for field in self._fields.values():
            field._collect_imports(self, imports)
        return imports
