"""Registries of named configurables and the `RegistryField` that selects among them.

A registry maps names to configurables (usually `Task` subclasses, or
plug-in classes) with their config classes; plug-in modules register
themselves on import.  A `RegistryField` keeps a config per registered
name and selects one (or several); changing the selection by name
retargets the field::

    psfDeterminerRegistry = pexConfig.makeRegistry("PSF determiners")

    @pexConfig.registerConfigurable("psfex", psfDeterminerRegistry)
    class PsfexDeterminerTask(Task): ...

    class MeasurePsfConfig(pexConfig.Config):
        psfDeterminer = psfDeterminerRegistry.makeField("PSF determiner", default="psfex")

    config.psfDeterminer.name = "piff"          # retarget by name
    config.psfDeterminer["piff"].spatialOrder = 2
    determiner = config.psfDeterminer.apply()   # build the selected one
"""

from __future__ import annotations

__all__ = ("Registry", "RegistryField", "makeRegistry", "registerConfig", "registerConfigurable")

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .config_choice_field import ConfigChoiceField, ConfigInstanceDict
from .errors import FieldValidationError
from .naming import type_string

if TYPE_CHECKING:
    from .config import Config


class ConfigurableWrapper:
    """A registered target paired with the config class it was registered with."""

    def __init__(self, target: Any, ConfigClass: type[Config]):
        self.ConfigClass = ConfigClass
        self._target = target

    @property
    def target(self) -> Any:
        """The wrapped configurable."""
        return self._target

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._target(*args, **kwargs)

    def __repr__(self) -> str:
        return f"ConfigurableWrapper({type_string(self._target)}, {type_string(self.ConfigClass)})"


class Registry(Mapping):
    """Names mapped to configurables sharing a call signature and a config base class.

    Parameters
    ----------
    configBaseType : `type`, optional
        Every registered config class must derive from it.
    """

    def __init__(self, configBaseType: type[Config] | None = None):
        from .config import Config

        configBaseType = Config if configBaseType is None else configBaseType
        if not (isinstance(configBaseType, type) and issubclass(configBaseType, Config)):
            raise TypeError(f"configBaseType={configBaseType!r} must be a subclass of Config")
        self._configBaseType = configBaseType
        self._dict: dict[str, Any] = {}

    def register(self, name: str, target: Any, ConfigClass: type[Config] | None = None) -> None:
        """Add ``target`` under ``name``.

        Parameters
        ----------
        name : `str`
            The name users select (``config.field.name = name``).
        target : `type`
            Callable as ``target(*args, config=..., **kwargs)``.
        ConfigClass : `type`, optional
            Its config class; defaults to ``target.ConfigClass``.

        Raises
        ------
        RuntimeError
            ``name`` is already registered.
        TypeError
            The config class does not derive from the registry's base.
        """
        if name in self._dict:
            raise RuntimeError(f"An item with name {name!r} already exists in the registry")
        if ConfigClass is None:
            ConfigClass = getattr(target, "ConfigClass", None)
            if ConfigClass is None:
                raise TypeError(f"target {target!r} has no ConfigClass; pass ConfigClass=...")
            wrapper = target
        else:
            wrapper = ConfigurableWrapper(target, ConfigClass)
        if not (isinstance(ConfigClass, type) and issubclass(ConfigClass, self._configBaseType)):
            raise TypeError(
                f"ConfigClass={type_string(ConfigClass)} does not derive from "
                f"{type_string(self._configBaseType)}"
            )
        self._dict[name] = wrapper

    def __getitem__(self, key: str) -> Any:
        return self._dict[key]

    def __len__(self) -> int:
        return len(self._dict)

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __contains__(self, key: object) -> bool:
        return key in self._dict

    def makeField(self, doc: str, default: str | list[str] | None = None, optional: bool = False,
                  multi: bool = False, on_none: Callable[..., Any] | None = None) -> RegistryField:
        """Return a `RegistryField` selecting among this registry's entries."""
        return RegistryField(doc, self, default, optional, multi, on_none=on_none)


class _RegistryTypemap(Mapping):
    """A registry seen as ``{name: ConfigClass}`` (live: later registrations appear)."""

    def __init__(self, registry: Registry):
        self.registry = registry

    def __getitem__(self, key: str) -> type[Config]:
        return self.registry[key].ConfigClass

    def __iter__(self) -> Iterator[str]:
        return iter(self.registry)

    def __len__(self) -> int:
        return len(self.registry)

    def __contains__(self, key: object) -> bool:
        return key in self.registry


class RegistryInstanceDict(ConfigInstanceDict):
    """The value of a `RegistryField`: configs per registered name, the selection, and `apply`."""

    @property
    def registry(self) -> Registry:
        """The registry behind the field."""
        return self._field.registry

    @property
    def target(self) -> Any:
        """The selected configurable (single-selection fields)."""
        if self._field.multi:
            raise AttributeError(f"multi-selection field {self._field.name!r} has .targets, not .target")
        return None if self._selection is None else self.registry[self._selection]  # type: ignore[index]

    @property
    def targets(self) -> list[Any]:
        """The selected configurables (multi-selection fields)."""
        if not self._field.multi:
            raise AttributeError(f"single-selection field {self._field.name!r} has .target, not .targets")
        return [self.registry[name] for name in self._selected_names()]

    def apply(self, *args: Any, **kwargs: Any) -> Any:
        """Call the selected target(s) with ``config=`` their config added; a list for multi-selection."""
        if self._selection is None:
            if self._field._on_none is not None:
                return self._field._on_none(self, *args, **kwargs)
            raise FieldValidationError(
                self._field, self._owner, f"no selection has been made; options: {', '.join(self.registry)}"
            )
        return self.apply_with(self._selection, *args, **kwargs)

    def apply_with(self, selection: Any, *args: Any, **kwargs: Any) -> Any:
        """Call the named target(s) (not necessarily the selected ones) with their configs."""
        if self._field.multi:
            return [self.registry[name](*args, config=self[name], **kwargs) for name in selection]
        return self.registry[selection](*args, config=self[selection], **kwargs)


class RegistryField(ConfigChoiceField):
    """A `ConfigChoiceField` whose choices are the entries of a `Registry`.

    Parameters
    ----------
    doc : `str`
        What the choice is about.
    registry : `Registry`
        Where the choices come from.
    default : `str` or `list` [`str`], optional
        Initially selected name(s).
    optional : `bool`, optional
        Whether having no selection passes validation.
    multi : `bool`, optional
        Whether several entries may be selected.
    on_none : `~collections.abc.Callable`, optional
        Called by ``apply()`` instead of failing when nothing is selected.
    """

    instanceDictClass = RegistryInstanceDict

    def __init__(self, doc: str, registry: Registry, default: Any = None, optional: bool = False,
                 multi: bool = False, on_none: Callable[..., Any] | None = None):
        super().__init__(doc, _RegistryTypemap(registry), default, optional, multi)
        self.registry = registry
        self._on_none = on_none

    def _collect_imports(self, instance: Config, imports: set[str]) -> None:
        super()._collect_imports(instance, imports)
        choices: RegistryInstanceDict = self.__get__(instance)
        for name in choices._saved_keys():
            entry = self.registry[name]
            imports.add((entry.target if isinstance(entry, ConfigurableWrapper) else entry).__module__)


def makeRegistry(doc: str, configBaseType: type[Config] | None = None) -> Registry:
    """Create a `Registry` documented by ``doc``."""
    registry_class = type("Registry", (Registry,), {"__doc__": doc})
    return registry_class(configBaseType)


def registerConfigurable(name: str, registry: Registry, ConfigClass: type[Config] | None = None
                         ) -> Callable[[type], type]:
    """Class decorator registering a configurable: ``@registerConfigurable("psfex", registry)``."""

    def decorate(cls: type) -> type:
        registry.register(name, target=cls, ConfigClass=ConfigClass)
        return cls

    return decorate


def registerConfig(name: str, registry: Registry, target: Any) -> Callable[[type], type]:
    """Class decorator registering a config class for ``target``: ``@registerConfig("x", reg, XTask)``."""

    def decorate(cls: type) -> type:
        registry.register(name, target=target, ConfigClass=cls)
        return cls

    return decorate
