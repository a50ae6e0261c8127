"""`ConfigurableField`: the config of a subtask (or any configurable), retargetable to another class."""

from __future__ import annotations

__all__ = ("ConfigurableField", "ConfigurableInstance")

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from .callstack import StackFrame, caller_frame, capture_stack
from .comparison import compare_configs
from .errors import FieldValidationError, UnexpectedProxyUsageError
from .field import write_doc
from .naming import join_name, type_string
from .subconfig_field import SubconfigField, copy_values

if TYPE_CHECKING:
    from .config import Config

_OWN_ATTRIBUTES = frozenset({"_owner", "_field", "_target", "_ConfigClass", "_value", "__doc__"})


class ConfigurableInstance:
    """The value of a `ConfigurableField`: a target class plus its config.

    Attribute access reads and writes the config's fields
    (``config.detection.thresholdValue = 4``); `target`, `ConfigClass`,
    `value`, `apply` and `retarget` belong to the slot itself.
    """

    def __init__(self, owner: Config, field: ConfigurableField, at: tuple[StackFrame, ...], label: str):
        object.__setattr__(self, "_owner", owner)
        object.__setattr__(self, "_field", field)
        object.__setattr__(self, "__doc__", field.doc)
        object.__setattr__(self, "_target", field.target)
        object.__setattr__(self, "_ConfigClass", field.ConfigClass)
        object.__setattr__(self, "_value", None)
        self._new_value(at, label)
        if isinstance(field.default, field.ConfigClass):
            copy_values(self._value, field.default, at, label)

    def _copy_for(self, owner: Config) -> ConfigurableInstance:
        """A copy for ``owner`` (a copy of this slot's owner): the same target, a copy of the config."""
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__, _owner=owner, _value=self._value.copy())
        return copy

    def _new_value(self, at: tuple[StackFrame, ...], label: str) -> None:
        name = join_name(self._owner._name, self._field.name)
        object.__setattr__(self, "_value", self._ConfigClass._create(name=name, at=at, label=label))

    @property
    def target(self) -> Any:
        """The class (usually a `Task`) this config configures."""
        return self._target

    @property
    def ConfigClass(self) -> type[Config]:
        """The config class of the current target."""
        return self._ConfigClass

    @property
    def value(self) -> Config:
        """The config itself (an instance of `ConfigClass`)."""
        return self._value

    def apply(self, *args: Any, **kwargs: Any) -> Any:
        """Call the target with ``config=self.value`` added: ``slot.apply(name="sub", parentTask=self)``."""
        return self._target(*args, config=self._value, **kwargs)

    def retarget(self, target: Any, ConfigClass: type[Config] | None = None,
                 at: tuple[StackFrame, ...] | None = None, label: str = "retarget") -> None:
        """Point this slot at another target class.

        Parameters
        ----------
        target : `type`
            The new configurable (callable with ``config=``).
        ConfigClass : `type`, optional
            Its config class; defaults to ``target.ConfigClass``.  If it
            differs from the current one the values are reset to its
            defaults, otherwise they are kept.
        """
        self._field._refuse_if_frozen(self._owner)
        try:
            ConfigClass = self._field.validateTarget(target, ConfigClass)
        except (AttributeError, TypeError, ValueError) as err:
            raise FieldValidationError(self._field, self._owner, str(err)) from None
        at = capture_stack() if at is None else at
        object.__setattr__(self, "_target", target)
        if ConfigClass is not self._ConfigClass:
            object.__setattr__(self, "_ConfigClass", ConfigClass)
            self._new_value(at, label)
        message = f"retarget(target={type_string(target)}, ConfigClass={type_string(ConfigClass)})"
        self._field._record(self._owner, message, at, label)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in _OWN_ATTRIBUTES:
            raise AttributeError(name)
        return getattr(self._value, name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._field._refuse_if_frozen(self._owner)
        if name in _OWN_ATTRIBUTES:
            object.__setattr__(self, name, value)
        else:
            self._value.__setattr__(name, value, at=capture_stack())

    def __delattr__(self, name: str) -> None:
        self._field._refuse_if_frozen(self._owner)
        delattr(self._value, name)

    def __dir__(self) -> list[str]:
        return sorted(set(dir(type(self))) | set(self._value._fields))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConfigurableInstance):
            return NotImplemented
        return self._target is other._target and self._value == other._value

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ConfigurableInstance(target={type_string(self._target)}, value={self._value!r})"

    def __reduce__(self) -> Any:
        raise UnexpectedProxyUsageError(
            f"the subtask slot {self._field.name!r} cannot be pickled; pickle its config (.value) instead"
        )


class ConfigurableField(SubconfigField):
    """A field holding the config of a configurable target, usually a subtask.

    Parameters
    ----------
    doc : `str`
        What the subtask does.
    target : `type`
        The configurable: a class callable as ``target(..., config=...)``
        with a ``ConfigClass`` attribute (a `Task` subclass).
    ConfigClass : `type`, optional
        Config class of ``target`` (default ``target.ConfigClass``).
    default : `Config`, optional
        An instance of ``ConfigClass`` whose values become the defaults.
    check : `~collections.abc.Callable`, optional
        ``check(slot) -> bool`` applied by `Config.validate`.
    deprecated : `str`, optional
        Why the field is going away.
    """

    @staticmethod
    def validateTarget(target: Any, ConfigClass: type[Config] | None) -> type[Config]:
        """Return the config class for ``target``, or raise saying why the target is unusable."""
        from .config import Config

        if ConfigClass is None:
            ConfigClass = getattr(target, "ConfigClass", None)
            if ConfigClass is None:
                raise AttributeError(f"target {target!r} has no ConfigClass attribute; pass ConfigClass=...")
        if not (isinstance(ConfigClass, type) and issubclass(ConfigClass, Config)):
            raise TypeError(f"ConfigClass {ConfigClass!r} is not a subclass of Config")
        if not callable(target):
            raise ValueError(f"target {target!r} is not callable")
        if not hasattr(target, "__module__") or not hasattr(target, "__qualname__"):
            raise ValueError(
                f"target {target!r} must be defined statically (a class or function in a module)"
            )
        return ConfigClass

    @classmethod
    def _type_arguments(cls, params: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        return kwargs

    def __init__(
        self,
        doc: str,
        target: Any,
        ConfigClass: type[Config] | None = None,
        default: Config | None = None,
        check: Callable[[Any], bool] | None = None,
        deprecated: str | None = None,
    ):
        ConfigClass = self.validateTarget(target, ConfigClass)
        if default is not None and default is not ConfigClass and type(default) is not ConfigClass:
            raise TypeError(f"default {default!r} is not a {type_string(ConfigClass)}")
        self.target = target
        self.ConfigClass = ConfigClass
        default = ConfigClass if default is None else default
        self._setup(doc, ConfigurableInstance, default, check, False, caller_frame(), deprecated)

    def _set_default(self, instance: Config, at: tuple[StackFrame, ...]) -> None:
        instance._storage[self.name] = ConfigurableInstance(instance, self, at, "default")
        self._record(instance, "Targeted and initialized from defaults", at, "default")

    def _assign(self, instance: Config, value: Any, at: tuple[StackFrame, ...], label: str) -> None:
        current: ConfigurableInstance = instance._storage[self.name]
        if isinstance(value, ConfigurableInstance):
            current.retarget(value.target, value.ConfigClass, at, label)
            copy_values(current.value, value.value, at, label)
        elif value is current.ConfigClass:
            copy_values(current.value, current.ConfigClass(), at, label)
        elif type(value) is current.ConfigClass:
            copy_values(current.value, value, at, label)
        else:
            raise FieldValidationError(
                self, instance,
                f"value {value!r} has type {type_string(value)}; "
                f"expected a {type_string(current.ConfigClass)} "
                "instance (use .retarget(Target) to change the subtask class)",
            )

    def __delete__(self, instance: Config) -> None:
        raise FieldValidationError(self, instance, "a subtask config cannot be deleted")

    def validate(self, instance: Config) -> None:
        slot = self.__get__(instance)
        slot.value.validate()
        if self.check is not None and not self.check(slot):
            raise FieldValidationError(self, instance, f"{slot!r} is refused by the field's check")

    def _subconfigs(self, instance: Config) -> dict[None, Config]:
        return {None: self.__get__(instance).value}

    def save(self, outfile: TextIO, instance: Config, prefix: str, reference: Config | None) -> None:
        slot: ConfigurableInstance = self.__get__(instance)
        path = join_name(prefix, self.name)
        ref_slot = self._value_in(reference)
        if ref_slot is not None:
            default_target = (ref_slot.target, ref_slot.ConfigClass)
        else:
            default_target = (self.target, self.ConfigClass)
        if (slot.target, slot.ConfigClass) != default_target:
            write_doc(outfile, self.doc)
            outfile.write(
                f"{path}.retarget(target={type_string(slot.target)}, "
                f"ConfigClass={type_string(slot.ConfigClass)})\n\n"
            )
        same_class = ref_slot is not None and ref_slot.ConfigClass is slot.ConfigClass
        slot.value._save(outfile, path, ref_slot.value if same_class else None)

    def toDict(self, instance: Config) -> dict[str, Any]:
        return self.__get__(instance).value.toDict()

    def _copy_storage(self, old: Config, new: Config) -> Any:
        return old._storage[self.name]._copy_for(new)

    def _collect_imports(self, instance: Config, imports: set[str]) -> None:
        super()._collect_imports(instance, imports)
        slot = self.__get__(instance)
        imports.add(slot.target.__module__)
        imports.add(slot.ConfigClass.__module__)

    def _compare(self, instance1: Config, instance2: Config, shortcut: bool, rtol: float, atol: float,
                 output: Callable[[str], Any] | None) -> bool:
        s1, s2 = self.__get__(instance1), self.__get__(instance2)
        name = self._compared_name(instance1, instance2)
        if s1.target is not s2.target:
            if output is not None:
                output(f"Targets differ for {name}: {type_string(s1.target)} != {type_string(s2.target)}")
            return False
        return compare_configs(
            name, s1.value, s2.value, shortcut=shortcut, rtol=rtol, atol=atol, output=output
        )
