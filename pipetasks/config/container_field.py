"""Container values that record their changes, and the fields holding them.

The value of a `ListField`, `DictField` or `ConfigDictField` belongs to one
field of one config.  Changing it in place checks the new items, refuses to
change a frozen config, and records the whole new content in the config's
history, just as assigning to the field does.  It compares equal to, pickles
as and deep-copies as the plain `list` or `dict` it stands for.
"""

from __future__ import annotations

__all__ = ("ContainerField", "RecordingContainer")

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .callstack import StackFrame, capture_stack
from .errors import FieldValidationError
from .field import Field
from .naming import type_string

if TYPE_CHECKING:
    from .config import Config


class RecordingContainer:
    """Base of the container values (`List`, `Dict`): the items, the config and field they belong to.

    Subclasses set ``_plain`` (the builtin container stood for) and
    ``_comparable`` (the types compared by content), check items in
    ``_checked_content``, and call `_refuse_if_frozen` before and `_record`
    after every change.
    """

    _plain: type
    _comparable: tuple[type, ...]

    def __init__(self, config: Config, field: ContainerField, items: Any):
        self._config = config
        self._field = field
        self._items = items

    @classmethod
    def _from_value(cls, config: Config, field: ContainerField, value: Any) -> RecordingContainer:
        """A container for ``field`` of ``config`` holding the checked items of ``value``."""
        container = cls(config, field, cls._plain())
        container._items = container._checked_content(value)
        return container

    def _checked_content(self, value: Any) -> Any:
        """Return ``value``'s items as a ``_plain`` container, each checked; raise `FieldValidationError`."""
        raise NotImplementedError

    def _refuse_if_frozen(self) -> None:
        self._field._refuse_if_frozen(self._config)

    def _snapshot(self) -> Any:
        """The content as plain data: what the history records and `Config.toDict` returns."""
        return self._plain(self._items)

    def _record(self) -> None:
        self._field._record(self._config, self._snapshot(), capture_stack(), "assignment")

    def _copy_for(self, config: Config) -> RecordingContainer:
        """A copy belonging to ``config`` (a copy of this container's config)."""
        return type(self)(config, self._field, self._plain(self._items))

    def __getitem__(self, index: Any) -> Any:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __contains__(self, item: object) -> bool:
        return item in self._items

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RecordingContainer):
            other = other._items
        if isinstance(other, self._comparable):
            return self._items == self._plain(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._items)

    def __str__(self) -> str:
        return str(self._items)

    def __reduce__(self) -> tuple[Any, ...]:
        return (self._plain, (self._plain(self._items),))


class ContainerField(Field):
    """Base of the fields whose value is a `RecordingContainer` (or `None`).

    Subclasses set ``containerClass`` and ``_expected_value`` (how a refused
    value's error names what was expected), and say in ``_accepts`` which
    values may become a container.
    """

    containerClass: type[RecordingContainer]
    _expected_value: str

    def _accepts(self, value: Any) -> bool:
        """Whether ``value`` (not `None`) is a collection this field can hold."""
        raise NotImplementedError

    def _assign(self, instance: Config, value: Any, at: tuple[StackFrame, ...], label: str) -> None:
        if value is None:
            stored = None
        else:
            if not self._accepts(value):
                raise FieldValidationError(
                    self, instance,
                    f"value {value!r} has type {type_string(value)}; expected {self._expected_value}",
                )
            stored = self.containerClass._from_value(instance, self, value)
        instance._storage[self.name] = stored
        self._record(instance, None if stored is None else stored._snapshot(), at, label)

    def toDict(self, instance: Config) -> Any:
        value = self.__get__(instance)
        return None if value is None else value._snapshot()

    def _default_as_data(self) -> Any:
        return None if self.default is None else self.containerClass._plain(self.default)

    def _copy_storage(self, old: Config, new: Config) -> Any:
        value = old._storage[self.name]
        return None if value is None else value._copy_for(new)
