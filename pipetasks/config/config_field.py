"""`ConfigField`: a nested config of a fixed type."""

from __future__ import annotations

__all__ = ("ConfigField",)

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from .callstack import StackFrame, caller_frame
from .comparison import compare_configs
from .errors import FieldValidationError
from .naming import join_name, type_string
from .subconfig_field import SubconfigField, copy_values

if TYPE_CHECKING:
    from .config import Config


class ConfigField(SubconfigField):
    """A field holding a sub-config (an instance of ``dtype``).

    Assigning a config instance copies its values into the held config;
    assigning the class itself resets the held config to its defaults.

    Parameters
    ----------
    doc : `str`
        What the sub-config configures.
    dtype : `type`
        A `Config` subclass.
    default : `Config`, optional
        An instance of ``dtype`` whose values become the defaults.
    check : `~collections.abc.Callable`, optional
        ``check(subconfig) -> bool`` applied by `Config.validate`.
    deprecated : `str`, optional
        Why the field is going away.
    """

    def __init__(
        self,
        doc: str,
        dtype: type | None = None,
        default: Config | None = None,
        check: Callable[[Any], bool] | None = None,
        deprecated: str | None = None,
    ):
        from .config import Config

        if not (isinstance(dtype, type) and issubclass(dtype, Config)):
            raise ValueError(f"ConfigField dtype={dtype!r} is not a subclass of Config")
        if default is None:
            default = dtype
        self._setup(doc, dtype, default, check, False, caller_frame(), deprecated)

    def _set_default(self, instance: Config, at: tuple[StackFrame, ...]) -> None:
        sub = self.dtype._create(name=join_name(instance._name, self.name), at=at)
        if isinstance(self.default, self.dtype):
            copy_values(sub, self.default, at, "default")
        instance._storage[self.name] = sub
        self._record(instance, "Initialized from defaults", at, "default")

    def _assign(self, instance: Config, value: Any, at: tuple[StackFrame, ...], label: str) -> None:
        if value is self.dtype:
            value = self.dtype()
        elif not isinstance(value, self.dtype):
            raise FieldValidationError(
                self, instance,
                f"value {value!r} has type {type_string(value)}; "
                f"expected a {type_string(self.dtype)} instance",
            )
        copy_values(instance._storage[self.name], value, at, label)
        self._record(instance, value, at, label)

    def __delete__(self, instance: Config) -> None:
        raise FieldValidationError(
            self, instance, "a sub-config cannot be deleted; assign its class to reset it"
        )

    def validate(self, instance: Config) -> None:
        value = self.__get__(instance)
        value.validate()
        if self.check is not None and not self.check(value):
            raise FieldValidationError(
                self, instance, f"sub-config {value!r} is refused by the field's check"
            )

    def _subconfigs(self, instance: Config) -> dict[None, Config]:
        return {None: self.__get__(instance)}

    def save(self, outfile: TextIO, instance: Config, prefix: str, reference: Config | None) -> None:
        self.__get__(instance)._save(outfile, join_name(prefix, self.name), self._value_in(reference))

    def toDict(self, instance: Config) -> dict[str, Any]:
        return self.__get__(instance).toDict()

    def _copy_storage(self, old: Config, new: Config) -> Any:
        return old._storage[self.name].copy()

    def _compare(self, instance1: Config, instance2: Config, shortcut: bool, rtol: float, atol: float,
                 output: Callable[[str], Any] | None) -> bool:
        return compare_configs(
            self._compared_name(instance1, instance2), self.__get__(instance1), self.__get__(instance2),
            shortcut=shortcut, rtol=rtol, atol=atol, output=output,
        )
