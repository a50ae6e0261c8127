"""`ConfigDictField`: a dict from scalar keys to configs of one type."""

from __future__ import annotations

__all__ = ("ConfigDict", "ConfigDictField")

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from .callstack import StackFrame, caller_frame, capture_stack
from .comparison import compare_configs, comparison_name
from .config_field import copy_values
from .dict_field import KEY_TYPES, Dict, DictField
from .errors import FieldValidationError
from .field import write_doc
from .naming import join_name, type_string

if TYPE_CHECKING:
    from .config import Config


class ConfigDict(Dict):
    """The value of a `ConfigDictField`: ``{key: config}``; stored configs are copies named by their key."""

    def _checked(self, key: Any, value: Any) -> tuple[Any, Any]:
        field: ConfigDictField = self._field  # type: ignore[assignment]
        if type(key) is not field.keytype:
            raise FieldValidationError(
                field, self._config,
                f"key {key!r} has type {type_string(key)}; expected {type_string(field.keytype)}",
            )
        if not isinstance(value, field.itemtype):
            raise FieldValidationError(
                field, self._config,
                f"value {value!r} at key {key!r} has type {type_string(value)}; "
                f"expected a {type_string(field.itemtype)}",
            )
        if field.keyCheck is not None and not field.keyCheck(key):
            raise FieldValidationError(field, self._config, f"key {key!r} is refused by the key check")
        if field.itemCheck is not None and not field.itemCheck(value):
            raise FieldValidationError(
                field, self._config, f"value at key {key!r} is refused by the item check"
            )
        stored = type(value)._create(name=join_name(self._config._name, field.name, key), at=capture_stack())
        copy_values(stored, value, capture_stack(), "assignment")
        return key, stored

    def _record(self) -> None:
        self._field._record(self._config, {k: v.toDict() for k, v in self._items.items()}, capture_stack(),
                            "assignment")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._items) == dict(other)
        return NotImplemented

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self._items),))


class ConfigDictField(DictField):
    """A field holding a dict of sub-configs.

    Parameters
    ----------
    doc : `str`
        What the entries configure.
    keytype : `type`
        Type of the keys: `str`, `int`, `bool` or `float`.
    itemtype : `type`
        `Config` subclass of the values (subclasses accepted).
    default : `~collections.abc.Mapping`, optional
        Default entries.
    optional : `bool`, optional
        Whether `None` is acceptable at validation.
    dictCheck, keyCheck, itemCheck : `~collections.abc.Callable`, optional
        As for `DictField`.
    deprecated : `str`, optional
        Why the field is going away.
    """

    def __init__(
        self,
        doc: str,
        keytype: type,
        itemtype: type,
        default: Mapping[Any, Config] | None = None,
        optional: bool = False,
        dictCheck: Callable[[dict[Any, Any]], bool] | None = None,
        keyCheck: Callable[[Any], bool] | None = None,
        itemCheck: Callable[[Any], bool] | None = None,
        deprecated: str | None = None,
    ):
        from .config import Config

        if keytype not in KEY_TYPES:
            raise ValueError(f"ConfigDictField keytype {type_string(keytype)} is not a supported type")
        if not (isinstance(itemtype, type) and issubclass(itemtype, Config)):
            raise ValueError(f"ConfigDictField itemtype {itemtype!r} is not a subclass of Config")
        self.keytype = keytype
        self.itemtype = itemtype
        self.dictCheck = dictCheck
        self.keyCheck = keyCheck
        self.itemCheck = itemCheck
        self._setup(doc, ConfigDict, default, None, optional, caller_frame(), deprecated)

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
                    self, instance,
                    f"value {value!r} has type {type_string(value)}; expected a dict of configs",
                )
            stored = ConfigDict(instance, self, {})
            stored._items = dict(stored._checked(k, v) for k, v in value.items())
        instance._storage[self.name] = stored
        shown = None if stored is None else {k: v.toDict() for k, v in stored.items()}
        self._record(instance, shown, at, label)

    def validate(self, instance: Config) -> None:
        value = self.__get__(instance)
        if value is None:
            if not self.optional:
                raise FieldValidationError(self, instance, "required value cannot be None")
            return
        for config in value.values():
            config.validate()
        if self.dictCheck is not None and not self.dictCheck(dict(value)):
            raise FieldValidationError(self, instance, "the dict is refused by the dict check")

    def freeze(self, instance: Config) -> None:
        value = self.__get__(instance)
        if value is not None:
            for config in value.values():
                config.freeze()

    def rename(self, instance: Config) -> None:
        value = self.__get__(instance)
        if value is not None:
            for key, config in value.items():
                config._rename(join_name(instance._name, self.name, key))

    def save(self, outfile: TextIO, instance: Config, prefix: str, reference: Config | None) -> None:
        value = self.__get__(instance)
        path = join_name(prefix, self.name)
        write_doc(outfile, self.doc)
        if value is None:
            outfile.write(f"{path} = None\n\n")
            return
        outfile.write(f"{path} = {{}}\n")
        for key, config in value.items():
            outfile.write(f"{path}[{key!r}] = {type_string(type(config))}()\n")
            config._save(outfile, join_name(path, None, key), None)
        outfile.write("\n")

    def toDict(self, instance: Config) -> dict[Any, Any] | None:
        value = self.__get__(instance)
        return None if value is None else {key: config.toDict() for key, config in value.items()}

    def _copy_storage(self, old: Config, new: Config) -> Any:
        value = old._storage[self.name]
        if value is None:
            return None
        return ConfigDict(new, self, {key: config.copy() for key, config in value.items()})

    def _collect_imports(self, instance: Config, imports: set[str]) -> None:
        value = self.__get__(instance)
        if value is not None:
            for config in value.values():
                imports |= config._collectImports()

    def _compare(self, instance1: Config, instance2: Config, shortcut: bool, rtol: float, atol: float,
                 output: Callable[[str], Any] | None) -> bool:
        d1, d2 = self.__get__(instance1), self.__get__(instance2)
        name = comparison_name(join_name(instance1._name, self.name), join_name(instance2._name, self.name))
        if d1 is None or d2 is None:
            if d1 is not d2 and output is not None:
                output(f"One side is None for {name}")
            return d1 is d2
        if set(d1) != set(d2):
            if output is not None:
                output(f"Keys differ for {name}: {sorted(map(repr, d1))} != {sorted(map(repr, d2))}")
            return False
        equal = True
        for key in d1:
            same = compare_configs(join_name(name, None, key), d1[key], d2[key], shortcut=shortcut, rtol=rtol,
                                   atol=atol, output=output)
            if not same and shortcut:
                return False
            equal = equal and same
        return equal
