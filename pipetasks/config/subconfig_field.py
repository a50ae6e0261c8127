"""What the fields whose values hold configs share.

`ConfigField`, `ConfigurableField`, `ConfigDictField` and `ConfigChoiceField`
hold configs under keys: `None` for the single config of the first two
(named ``parent.field``), the entry or choice name for the others (named
``parent.field['key']``).  Freezing, renaming and collecting the imports an
override file needs go through all of them alike.
"""

from __future__ import annotations

__all__ = ("SubconfigField", "copy_values")

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .callstack import StackFrame
from .field import Field
from .naming import join_name

if TYPE_CHECKING:
    from .config import Config


def copy_values(target: Config, source: Config, at: tuple[StackFrame, ...], label: str) -> None:
    """Set every field of ``target`` from the same field of ``source`` (same config class or a subclass)."""
    for name, field in target._fields.items():
        if name in source._storage:
            field.__set__(target, source._storage[name], at=at, label=label)


class SubconfigField(Field):
    """Base of the fields whose values hold configs; subclasses say which in `_subconfigs`."""

    def _subconfigs(self, instance: Config) -> Mapping[Any, Config]:
        """The configs this field holds in ``instance``, by key (`None` for the field's only config)."""
        raise NotImplementedError

    def freeze(self, instance: Config) -> None:
        for config in self._subconfigs(instance).values():
            config.freeze()

    def rename(self, instance: Config) -> None:
        for key, config in self._subconfigs(instance).items():
            config._rename(join_name(instance._name, self.name, key))

    def _collect_imports(self, instance: Config, imports: set[str]) -> None:
        for config in self._subconfigs(instance).values():
            imports |= config._collectImports()

    def _value_in(self, reference: Config | None) -> Any:
        """This field's value in ``reference`` (the freshly built config `save` is given), or `None`."""
        return reference._storage.get(self.name) if reference is not None else None
