"""`DictField`: a dict of scalars, keys and values validated as they are set."""

from __future__ import annotations

__all__ = ("Dict", "DictField")

from collections.abc import Callable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from .callstack import caller_frame
from .comparison import all_equal, compare_keys, compare_scalars
from .container_field import ContainerField, RecordingContainer
from .errors import FieldValidationError
from .field import SCALAR_TYPES, check_scalar_type, coerce_scalar
from .naming import type_string

if TYPE_CHECKING:
    from .config import Config

KEY_TYPES = frozenset({str, int, bool, float})


class Dict(RecordingContainer, MutableMapping):
    """The value of a `DictField`: a dict that validates entries and records changes in the config's history.

    Compares equal to a plain `dict`; pickles and deep-copies as a plain `dict`.
    """

    _plain = dict
    _comparable = (Mapping,)

    def _checked(self, key: Any, value: Any) -> tuple[Any, Any]:
        try:
            return self._field._check_entry(key, value)
        except (TypeError, ValueError) as err:
            raise FieldValidationError(self._field, self._config, f"key {key!r}: {err}") from None

    def _checked_content(self, value: Mapping[Any, Any]) -> dict[Any, Any]:
        return dict(self._checked(k, v) for k, v in value.items())

    def __setitem__(self, key: Any, value: Any) -> None:
        self._refuse_if_frozen()
        key, value = self._checked(key, value)
        self._items[key] = value
        self._record()

    def __delitem__(self, key: Any) -> None:
        self._refuse_if_frozen()
        del self._items[key]
        self._record()


class DictField(ContainerField):
    """A field holding a dict from scalar keys to scalar values.

    Parameters
    ----------
    doc : `str`
        What the field means.
    keytype : `type`
        Type of the keys: `str`, `int`, `bool` or `float` (also ``DictField[str, float](...)``).
    itemtype : `type`, optional
        Type of the values; `None` accepts any scalar type.  Values may be `None`.
    default : `~collections.abc.Mapping`, optional
        Default entries.
    optional : `bool`, optional
        Whether `None` is acceptable at validation.
    dictCheck : `~collections.abc.Callable`, optional
        ``dictCheck(dict) -> bool``, applied by `Config.validate`.
    keyCheck, itemCheck : `~collections.abc.Callable`, optional
        Applied to every key / value as it is set.
    deprecated : `str`, optional
        Why the field is going away.
    """

    containerClass = Dict
    _expected_value = "a dict"

    @classmethod
    def _type_arguments(cls, params: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        if len(params) != 2:
            raise ValueError("DictField[...] takes two types: DictField[keytype, itemtype]")
        return {**kwargs, "keytype": params[0], "itemtype": params[1]}

    def __init__(
        self,
        doc: str,
        keytype: type | None = None,
        itemtype: type | None = None,
        default: Mapping[Any, Any] | None = None,
        optional: bool = False,
        dictCheck: Callable[[dict[Any, Any]], bool] | None = None,
        keyCheck: Callable[[Any], bool] | None = None,
        itemCheck: Callable[[Any], bool] | None = None,
        deprecated: str | None = None,
    ):
        if keytype is None:
            raise ValueError("DictField needs a keytype: DictField(doc, keytype=str, itemtype=float, ...)")
        if keytype not in KEY_TYPES:
            raise ValueError(f"DictField keytype {type_string(keytype)} is not a supported type")
        if itemtype is not None and itemtype not in SCALAR_TYPES:
            raise ValueError(f"DictField itemtype {type_string(itemtype)} is not a supported type")
        for name, function in (("dictCheck", dictCheck), ("keyCheck", keyCheck), ("itemCheck", itemCheck)):
            if function is not None and not callable(function):
                raise ValueError(f"DictField {name} must be callable")
        self.keytype = keytype
        self.itemtype = itemtype
        self.dictCheck = dictCheck
        self.keyCheck = keyCheck
        self.itemCheck = itemCheck
        self._setup(doc, Dict, default, None, optional, caller_frame(), deprecated)

    def _accepts(self, value: Any) -> bool:
        return isinstance(value, Mapping)

    def _check_entry(self, key: Any, value: Any) -> tuple[Any, Any]:
        if type(key) is not self.keytype:
            raise TypeError(f"key {key!r} has type {type_string(key)}; expected {type_string(self.keytype)}")
        if value is not None:
            if self.itemtype is None:
                if type(value) not in SCALAR_TYPES:
                    raise TypeError(f"value {value!r} has type {type_string(value)}; expected a scalar")
            else:
                value = coerce_scalar(value, self.itemtype)
                check_scalar_type(value, self.itemtype)
        if self.keyCheck is not None and not self.keyCheck(key):
            raise ValueError("the key is refused by the key check")
        if self.itemCheck is not None and not self.itemCheck(value):
            raise ValueError(f"value {value!r} is refused by the item check")
        return key, value

    def validate(self, instance: Config) -> None:
        super().validate(instance)
        value = self.__get__(instance)
        if value is not None and self.dictCheck is not None and not self.dictCheck(dict(value)):
            raise FieldValidationError(self, instance, f"dict {dict(value)!r} is refused by the dict check")

    def _compare(self, instance1: Config, instance2: Config, shortcut: bool, rtol: float, atol: float,
                 output: Callable[[str], Any] | None) -> bool:
        d1, d2 = self.__get__(instance1), self.__get__(instance2)
        name = self._compared_name(instance1, instance2)
        if d1 is None or d2 is None:
            return compare_scalars(name, d1, d2, output=output)
        return compare_keys(name, d1, d2, output) and all_equal(
            (
                compare_scalars(f"{name}[{key!r}]", d1[key], d2[key], dtype=self.itemtype, rtol=rtol,
                                atol=atol, output=output)
                for key in d1
            ),
            shortcut,
        )
