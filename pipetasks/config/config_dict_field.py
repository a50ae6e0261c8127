"""`ConfigDictField`: a dict from scalar keys to configs of one type."""

from __future__ import annotations

__all__ = ("ConfigDict", "ConfigDictField")

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from .callstack import caller_frame, capture_stack
from .comparison import compare_config_entries, compare_keys
from .dict_field import KEY_TYPES, Dict, DictField
from .errors import FieldValidationError
from .field import write_doc
from .naming import join_name, type_string
from .subconfig_field import SubconfigField, copy_values

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

    def _snapshot(self) -> dict[Any, Any]:
        return {key: config.toDict() for key, config in self._items.items()}

    def _copy_for(self, config: Config) -> ConfigDict:
        return type(self)(config, self._field, {key: value.copy() for key, value in self._items.items()})


class ConfigDictField(SubconfigField, DictField):
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

    containerClass = ConfigDict
    _expected_value = "a dict of configs"

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

    def _subconfigs(self, instance: Config) -> Mapping[Any, Config]:
        value = self.__get__(instance)
        return {} if value is None else value

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

    def _compare(self, instance1: Config, instance2: Config, shortcut: bool, rtol: float, atol: float,
                 output: Callable[[str], Any] | None) -> bool:
        d1, d2 = self.__get__(instance1), self.__get__(instance2)
        name = self._compared_name(instance1, instance2)
        if d1 is None or d2 is None:
            if d1 is not d2 and output is not None:
                output(f"One side is None for {name}")
            return d1 is d2
        return compare_keys(name, d1, d2, output) and compare_config_entries(
            name, d1, d1, d2, shortcut=shortcut, rtol=rtol, atol=atol, output=output
        )
