"""`ListField`: a list of scalars, validated item by item as it is changed."""

from __future__ import annotations

__all__ = ("List", "ListField")

from collections.abc import Callable, Iterable, MutableSequence
from typing import TYPE_CHECKING, Any

from .callstack import caller_frame
from .comparison import all_equal, compare_scalars
from .container_field import ContainerField, RecordingContainer
from .errors import FieldValidationError
from .field import SCALAR_TYPES, check_scalar_type, coerce_scalar
from .naming import type_string

if TYPE_CHECKING:
    from .config import Config


class List(RecordingContainer, MutableSequence):
    """The value of a `ListField`: a list that validates items and records changes in the config's history.

    Compares equal to a plain `list` (or `tuple`) with the same items; pickles
    and deep-copies as a plain `list`.
    """

    _plain = list
    _comparable = (list, tuple)

    def _checked(self, items: Iterable[Any], first_index: int = 0) -> list[Any]:
        checked = []
        for offset, item in enumerate(items):
            try:
                checked.append(self._field._check_item(item))
            except (TypeError, ValueError) as err:
                raise FieldValidationError(
                    self._field, self._config, f"item {first_index + offset}: {err}"
                ) from None
        return checked

    def _checked_content(self, value: Iterable[Any]) -> list[Any]:
        return self._checked(value)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._refuse_if_frozen()
        if isinstance(index, slice):
            start = index.indices(len(self._items))[0]
            self._items[index] = self._checked(value, start)
        else:
            position = index if index >= 0 else len(self._items) + index
            self._items[index] = self._checked([value], position)[0]
        self._record()

    def __delitem__(self, index: Any) -> None:
        self._refuse_if_frozen()
        del self._items[index]
        self._record()

    def insert(self, index: int, value: Any) -> None:
        """Insert ``value`` before ``index`` (validated first)."""
        self._refuse_if_frozen()
        self._items.insert(index, self._checked([value], index)[0])
        self._record()

    def __add__(self, other: Iterable[Any]) -> list[Any]:
        return self._items + list(other)

    def __radd__(self, other: Iterable[Any]) -> list[Any]:
        return list(other) + self._items


class ListField(ContainerField):
    """A field holding a list of `int`, `float`, `complex`, `bool` or `str`.

    Parameters
    ----------
    doc : `str`
        What the field means.
    dtype : `type`
        Type of every item (also ``ListField[str](...)``).
    default : `~collections.abc.Iterable`, optional
        Default items.
    optional : `bool`, optional
        Whether `None` is acceptable at validation.
    listCheck : `~collections.abc.Callable`, optional
        ``listCheck(list) -> bool``, applied by `Config.validate`.
    itemCheck : `~collections.abc.Callable`, optional
        ``itemCheck(item) -> bool``, applied to every item as it is set.
    length, minLength, maxLength : `int`, optional
        Exact or bounding lengths, applied by `Config.validate` (so a list
        may be built up item by item).
    deprecated : `str`, optional
        Why the field is going away.
    """

    containerClass = List
    _expected_value = "a list"

    def __init__(
        self,
        doc: str,
        dtype: type | None = None,
        default: Iterable[Any] | None = None,
        optional: bool = False,
        listCheck: Callable[[list[Any]], bool] | None = None,
        itemCheck: Callable[[Any], bool] | None = None,
        length: int | None = None,
        minLength: int | None = None,
        maxLength: int | None = None,
        deprecated: str | None = None,
    ):
        if dtype is None:
            raise ValueError(
                "ListField needs a dtype: ListField(doc, dtype=int, ...) or ListField[int](doc, ...)"
            )
        if dtype not in SCALAR_TYPES:
            raise ValueError(f"Unsupported ListField dtype {type_string(dtype)}")
        if length is not None:
            if length <= 0:
                raise ValueError(f"ListField length ({length}) must be positive")
            minLength = maxLength = None
        else:
            if maxLength is not None and maxLength <= 0:
                raise ValueError(f"ListField maxLength ({maxLength}) must be positive")
            if minLength is not None and maxLength is not None and minLength > maxLength:
                raise ValueError(f"ListField minLength ({minLength}) > maxLength ({maxLength})")
        for name, function in (("listCheck", listCheck), ("itemCheck", itemCheck)):
            if function is not None and not callable(function):
                raise ValueError(f"ListField {name} must be callable")
        self.listCheck = listCheck
        self.itemCheck = itemCheck
        self.itemtype = dtype
        self.length = length
        self.minLength = minLength
        self.maxLength = maxLength
        self._setup(doc, dtype, default, None, optional, caller_frame(), deprecated)

    def _accepts(self, value: Any) -> bool:
        return isinstance(value, Iterable) and not isinstance(value, (str, bytes))

    def _check_item(self, item: Any) -> Any:
        item = coerce_scalar(item, self.dtype)
        check_scalar_type(item, self.dtype)
        if self.itemCheck is not None and not self.itemCheck(item):
            raise ValueError(f"value {item!r} is refused by the item check")
        return item

    def validate(self, instance: Config) -> None:
        super().validate(instance)
        value = self.__get__(instance)
        if value is None:
            return
        size = len(value)
        if self.length is not None and size != self.length:
            raise FieldValidationError(
                self, instance, f"required list length={self.length}, got length={size}"
            )
        if self.minLength is not None and size < self.minLength:
            raise FieldValidationError(
                self, instance, f"minimum allowed list length={self.minLength}, got length={size}"
            )
        if self.maxLength is not None and size > self.maxLength:
            raise FieldValidationError(
                self, instance, f"maximum allowed list length={self.maxLength}, got length={size}"
            )
        if self.listCheck is not None and not self.listCheck(list(value)):
            raise FieldValidationError(self, instance, f"list {list(value)!r} is refused by the list check")

    def _compare(self, instance1: Config, instance2: Config, shortcut: bool, rtol: float, atol: float,
                 output: Callable[[str], Any] | None) -> bool:
        l1, l2 = self.__get__(instance1), self.__get__(instance2)
        name = self._compared_name(instance1, instance2)
        if l1 is None or l2 is None:
            return compare_scalars(name, l1, l2, output=output)
        if len(l1) != len(l2):
            if output is not None:
                output(f"Different lengths for {name}: {len(l1)} != {len(l2)}")
            return False
        return all_equal(
            (
                compare_scalars(
                    f"{name}[{index}]", v1, v2, dtype=self.dtype, rtol=rtol, atol=atol, output=output
                )
                for index, (v1, v2) in enumerate(zip(l1, l2))
            ),
            shortcut,
        )
