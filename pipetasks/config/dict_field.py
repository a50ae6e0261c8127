"""`DictField`: a dict of scalars, keys and values validated as they are set."""

from __future__ import annotations

__all__ = ("Dict", "DictField")

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, TextIO

from .callstack import StackFrame, caller_frame, capture_stack
from .comparison import compare_scalars, comparison_name
from .errors import FieldValidationError
from .field import SCALAR_TYPES, Field, check_scalar_type, coerce_scalar, format_scalar, write_doc
from .naming import join_name, type_string

if TYPE_CHECKING:
    from .config import Config

KEY_TYPES = frozenset({str, int, bool, float})


class Dict(MutableMapping):
    """The value of a `DictField`: a dict that validates entries and records changes in the config's history.

    Compares equal to a plain `dict`; pickles and deep-copies as a plain `dict`.
    """

    def __init__(self, config: Config, field: DictField, items: dict[Any, Any]):
        self._config = config
        self._field = field
        self._items = items

    def _checked(self, key: Any, value: Any) -> tuple[Any, Any]:
        try:
            return self._field._check_entry(key, value)
        except (TypeError, ValueError) as err:
            raise FieldValidationError(self._field, self._config, f"key {key!r}: {err}") from None

    def _record(self) -> None:
        self._field._record(self._config, dict(self._items), capture_stack(), "assignment")

    def __getitem__(self, key: Any) -> Any:
        return self._items[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._field._refuse_if_frozen(self._config)
        key, value = self._checked(key, value)
        self._items[key] = value
        self._record()

    def __delitem__(self, key: Any) -> None:
        self._field._refuse_if_frozen(self._config)
        del self._items[key]
        self._record()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Dict):
            return self._items == other._items
        if isinstance(other, Mapping):
            return self._items == dict(other)
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
        return (dict, (dict(self._items),))


class DictField(Field):
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

    def __set__(
        self,
        instance: Config,
        value: Any,
        at: tuple[StackFrame, ...] | None = None,
        label: str = "assignment",
    ) -> None:
        self._refuse_if_frozen(instance)
        if value is None:
            stored = None
        else:
            if not isinstance(value, Mapping):
                raise FieldValidationError(
                    self, instance, f"value {value!r} has type {type_string(value)}; expected a dict"
                )
            stored = Dict(instance, self, {})
            stored._items = dict(stored._checked(k, v) for k, v in value.items())
        instance._storage[self.name] = stored
        self._record(instance, None if stored is None else dict(stored), at, label)

    def validate(self, instance: Config) -> None:
        super().validate(instance)
        value = self.__get__(instance)
        if value is not None and self.dictCheck is not None and not self.dictCheck(dict(value)):
            raise FieldValidationError(self, instance, f"dict {dict(value)!r} is refused by the dict check")

    def save(self, outfile: TextIO, instance: Config, prefix: str, reference: Config | None) -> None:
        value = self.toDict(instance)
        if self.deprecated is not None and value == self.default:
            return
        write_doc(outfile, self.doc)
        outfile.write(f"{join_name(prefix, self.name)} = {format_scalar(value)}\n\n")

    def toDict(self, instance: Config) -> dict[Any, Any] | None:
        value = self.__get__(instance)
        return None if value is None else dict(value)

    def _copy_storage(self, old: Config, new: Config) -> Any:
        value = old._storage[self.name]
        return None if value is None else Dict(new, self, dict(value))

    def _compare(self, instance1: Config, instance2: Config, shortcut: bool, rtol: float, atol: float,
                 output: Callable[[str], Any] | None) -> bool:
        d1, d2 = self.__get__(instance1), self.__get__(instance2)
        name = comparison_name(join_name(instance1._name, self.name), join_name(instance2._name, self.name))
        if d1 is None or d2 is None:
            return compare_scalars(name, d1, d2, output=output)
        if set(d1) != set(d2):
            if output is not None:
                output(f"Keys differ for {name}: {sorted(map(repr, d1))} != {sorted(map(repr, d2))}")
            return False
        equal = True
        for key in d1:
            same = compare_scalars(f"{name}[{key!r}]", d1[key], d2[key], dtype=self.itemtype, rtol=rtol,
                                   atol=atol, output=output)
            if not same and shortcut:
                return False
            equal = equal and same
        return equal
