"""The storage class registry: built-in definitions, configuration and plug-ins.

A `StorageClassFactory` is a registry of storage classes (see
`butler.storage_class`) and of the formatters configured for them.  The
process-wide registry is returned by `get_storage_class_factory`;
constructing `StorageClassFactory()` directly gives an independent registry
(useful in tests).  Each registry loads, on first use, the built-in
definitions from ``butler/configs/storageClasses.yaml`` and then the
configuration offered by every installed entry point in the
``butler.storage_classes`` group.

Entry-point contract
--------------------
The object an entry point names is either a path (`str` or `os.PathLike`)
to a YAML file, or a callable taking no arguments that returns a mapping (or
such a path).  The mapping has the same shape as the built-in YAML file::

    storageClasses:
      MyThing:
        pytype: mypkg.things.MyThing
        parameters: [bbox]
        components: {header: StructuredDataDict}
        derivedComponents: {size: int}
        converters: {builtins-or-dotted.SourceType: mypkg.things.from_source}
        delegate: mypkg.things.MyThingDelegate
    formatters:
      MyThing: mypkg.formatters.MyThingFormatter
      extensions:
        .thing: mypkg.formatters.MyThingFormatter

Storage classes use LSST's camelCase keys so LSST configuration can be
reused.  Under ``formatters`` each key is a storage class name whose value is
a dotted formatter class name or ``{formatter: NAME, parameters: {...}}``
(the parameters become the formatter's write parameters); the reserved key
``extensions`` maps file extensions to formatters for ingesting files whose
formatter is not given.
"""

from __future__ import annotations

__all__ = (
    "ENTRY_POINT_GROUP",
    "FormatterSpec",
    "StorageClassFactory",
    "get_storage_class_factory",
    "normalize_extension",
)

import difflib
import importlib.metadata
import logging
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from .storage_class import StorageClass, StorageClassConflictError, StorageClassNotFoundError, _type_name

# The logger name predates this module; keeping it keeps logging configuration working.
_LOG = logging.getLogger("butler.storage_class")

ENTRY_POINT_GROUP = "butler.storage_classes"
"""Entry-point group scanned for third-party storage class configuration."""

_BUILTIN_CONFIG = Path(__file__).parent / "configs" / "storageClasses.yaml"

_STORAGE_CLASS_KEYS = frozenset(
    {"pytype", "components", "derivedComponents", "parameters", "converters", "delegate", "inheritsFrom"}
)

_EXTENSIONS_KEY = "extensions"


class FormatterSpec(NamedTuple):
    """The formatter configured for a storage class."""

    formatter: str
    """Dotted name of the formatter class."""

    parameters: Mapping[str, Any]
    """Write parameters for the formatter."""


def _load_yaml_file(path: str | os.PathLike[str]) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, "rb") as stream:
        return yaml.load(stream, Loader=loader)


class StorageClassFactory:
    """A registry of storage classes and of the formatters configured for them.

    Parameters
    ----------
    load_defaults : `bool`, optional
        If `True` (default), the built-in definitions and all entry points
        of group ``butler.storage_classes`` are loaded on first use.

    Notes
    -----
    Use `get_storage_class_factory` for the process-wide registry.  Storage
    classes may be looked up with `getStorageClass` or ``name in factory``.
    Entry points that fail to load are logged and listed in `plugin_errors`
    instead of breaking the registry.
    """

    def __init__(self, *, load_defaults: bool = True):
        self._storage_classes: dict[str, StorageClass] = {}
        self._formatters: dict[str, FormatterSpec] = {}
        self._extensions: dict[str, str] = {}
        self._plugin_errors: dict[str, str] = {}
        self._lock = threading.RLock()
        self._loaded = not load_defaults
        self._loading = False

    # -- loading --------------------------------------------------------

    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded or self._loading:
                return
            self._loading = True
            try:
                self.addFromConfig(_BUILTIN_CONFIG)
                self._load_entry_points()
                self._loaded = True
            finally:
                self._loading = False

    def _load_entry_points(self) -> None:
        pending: list[tuple[str, Mapping[str, Any]]] = []
        for entry_point in sorted(
            importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name
        ):
            label = f"{entry_point.name} = {entry_point.value}"
            try:
                pending.append((label, self._config_from_entry_point(entry_point.load())))
            except Exception as exc:
                self._record_plugin_error(label, exc)
        # A plug-in may use storage classes defined by another one, so
        # retry those that failed until no further progress is made.
        while pending:
            failed: list[tuple[str, Mapping[str, Any], Exception]] = []
            for label, config in pending:
                try:
                    self.addFromConfig(config)
                except StorageClassNotFoundError as exc:
                    failed.append((label, config, exc))
                except Exception as exc:
                    self._record_plugin_error(label, exc)
            if len(failed) == len(pending):
                for label, _, exc in failed:
                    self._record_plugin_error(label, exc)
                break
            pending = [(label, config) for label, config, _ in failed]

    def _record_plugin_error(self, label: str, exc: Exception) -> None:
        message = f"{type(exc).__name__}: {exc}"
        self._plugin_errors[label] = message
        _LOG.warning("Storage class entry point %r could not be loaded: %s", label, message)

    @staticmethod
    def _config_from_entry_point(obj: Any) -> Mapping[str, Any]:
        if callable(obj) and not isinstance(obj, (str, os.PathLike)):
            obj = obj()
        if isinstance(obj, (str, os.PathLike)):
            obj = _load_yaml_file(obj)
        if not isinstance(obj, Mapping):
            raise TypeError(
                "a storage class entry point must name a YAML path or a callable returning a mapping, "
                f"got {type(obj).__name__}"
            )
        return obj

    @property
    def plugin_errors(self) -> dict[str, str]:
        """Entry points that failed to load, with the reason."""
        self._ensure_loaded()
        return dict(self._plugin_errors)

    def addFromConfig(self, config: Mapping[str, Any] | str | os.PathLike[str]) -> None:
        """Register storage classes and formatters from configuration.

        Parameters
        ----------
        config : `~collections.abc.Mapping` or path-like
            A mapping with optional ``storageClasses`` and ``formatters``
            keys (see the module documentation), or the path of a YAML file
            holding one.

        Raises
        ------
        StorageClassNotFoundError
            Raised if a definition refers to an unknown storage class.
        StorageClassConflictError
            Raised if a name is already registered with another definition.
        ValueError
            Raised if the configuration is malformed.
        """
        self._ensure_loaded()
        source = ""
        if isinstance(config, (str, os.PathLike)):
            source = f" in {os.fspath(config)}"
            config = _load_yaml_file(config) or {}
        if not isinstance(config, Mapping):
            raise ValueError(
                f"Storage class configuration{source} must be a mapping, not {type(config).__name__}"
            )
        unknown = set(config) - {"storageClasses", "formatters"}
        if unknown:
            raise ValueError(
                f"Unknown top-level key(s) {sorted(unknown)} in storage class configuration{source}; "
                "expected 'storageClasses' and/or 'formatters'"
            )
        with self._lock:
            definitions = config.get("storageClasses") or {}
            if not isinstance(definitions, Mapping):
                raise ValueError(f"'storageClasses'{source} must be a mapping of name to definition")
            new: dict[str, StorageClass] = {}
            for name in definitions:
                self._build(name, definitions, new, (), source)
            formatters, extensions = self._parse_formatters(config.get("formatters") or {}, source)
            for storage_class in new.values():
                self.registerStorageClass(storage_class)
            self._formatters.update(formatters)
            self._extensions.update(extensions)

    def _build(
        self,
        name: str,
        definitions: Mapping[str, Any],
        new: dict[str, StorageClass],
        chain: tuple[str, ...],
        source: str,
    ) -> StorageClass:
        if name in new:
            return new[name]
        if name not in definitions:
            return self.getStorageClass(name)
        if name in chain:
            raise ValueError(
                f"Storage class definitions{source} are circular: {' -> '.join(chain + (name,))}"
            )
        definition = definitions[name] or {}
        if not isinstance(definition, Mapping):
            raise ValueError(f"Definition of storage class {name}{source} must be a mapping")
        unknown = set(definition) - _STORAGE_CLASS_KEYS
        if unknown:
            raise ValueError(
                f"Unknown key(s) {sorted(unknown)} in definition of storage class {name}{source}; "
                f"valid: {sorted(_STORAGE_CLASS_KEYS)}"
            )
        chain = chain + (name,)

        def resolve(key: str) -> dict[str, StorageClass]:
            mapping = definition.get(key) or {}
            if not isinstance(mapping, Mapping):
                raise ValueError(f"'{key}' of storage class {name}{source} must be a mapping")
            return {
                component: self._build(str(target), definitions, new, chain, source)
                for component, target in mapping.items()
            }

        parent = definition.get("inheritsFrom")
        storage_class = StorageClass(
            name,
            pytype=definition.get("pytype"),
            components=resolve("components"),
            derivedComponents=resolve("derivedComponents"),
            parameters=definition.get("parameters"),
            delegate=definition.get("delegate"),
            converters={str(k): str(v) for k, v in (definition.get("converters") or {}).items()},
            inheritsFrom=self._build(str(parent), definitions, new, chain, source) if parent else None,
        )
        new[name] = storage_class
        return storage_class

    @staticmethod
    def _parse_formatters(
        section: Mapping[str, Any], source: str
    ) -> tuple[dict[str, FormatterSpec], dict[str, str]]:
        if not isinstance(section, Mapping):
            raise ValueError(f"'formatters'{source} must be a mapping")
        formatters: dict[str, FormatterSpec] = {}
        extensions: dict[str, str] = {}
        for key, value in section.items():
            if key == _EXTENSIONS_KEY:
                if not isinstance(value, Mapping):
                    raise ValueError(f"'formatters.extensions'{source} must map extensions to formatters")
                for extension, formatter in value.items():
                    extensions[normalize_extension(str(extension))] = str(formatter)
            elif isinstance(value, str):
                formatters[key] = FormatterSpec(value, {})
            elif (
                isinstance(value, Mapping)
                and "formatter" in value
                and set(value) <= {"formatter", "parameters"}
            ):
                formatters[key] = FormatterSpec(str(value["formatter"]), dict(value.get("parameters") or {}))
            else:
                raise ValueError(
                    f"Formatter for storage class {key}{source} must be a dotted class name or "
                    f"{{formatter: NAME, parameters: {{...}}}}, not {value!r}"
                )
        return formatters, extensions

    # -- registry -------------------------------------------------------

    def registerStorageClass(self, storageClass: StorageClass, *, replace: bool = False) -> None:
        """Register one storage class.

        Parameters
        ----------
        storageClass : `StorageClass`
            The storage class to add.
        replace : `bool`, optional
            If `True`, silently replace an existing, different definition.

        Raises
        ------
        StorageClassConflictError
            Raised if the name is registered with a different definition
            and ``replace`` is `False`.
        """
        self._ensure_loaded()
        with self._lock:
            existing = self._storage_classes.get(storageClass.name)
            if existing is not None and existing != storageClass and not replace:
                raise StorageClassConflictError(
                    f"Storage class {storageClass.name} is already registered with a different definition: "
                    f"{existing._key} != {storageClass._key}"
                )
            if existing is None or existing != storageClass:
                self._storage_classes[storageClass.name] = storageClass

    def getStorageClass(self, name: str) -> StorageClass:
        """Return the storage class with this name.

        Parameters
        ----------
        name : `str`
            Storage class name.

        Returns
        -------
        storage_class : `StorageClass`
            The registered storage class.

        Raises
        ------
        StorageClassNotFoundError
            Raised if no storage class has this name; the message suggests
            close matches and mentions entry points that failed to load.
        """
        try:
            return self._storage_classes[name]
        except KeyError:
            pass
        self._ensure_loaded()
        try:
            return self._storage_classes[name]
        except KeyError:
            pass
        message = f"Unknown storage class {name!r}."
        matches = difflib.get_close_matches(str(name), list(self._storage_classes), n=3)
        if matches:
            message += f" Did you mean {' or '.join(repr(m) for m in matches)}?"
        if self._plugin_errors:
            message += " Entry points that failed to load: " + "; ".join(
                f"{label} ({error})" for label, error in self._plugin_errors.items()
            )
        raise StorageClassNotFoundError(message)

    def findStorageClass(self, pytype: type) -> StorageClass:
        """Return the first registered storage class whose type is ``pytype``.

        Parameters
        ----------
        pytype : `type`
            The Python type to look for (matched by dotted name, so no
            storage class type is imported).

        Raises
        ------
        StorageClassNotFoundError
            Raised if no storage class uses exactly this type.
        """
        self._ensure_loaded()
        wanted = _type_name(pytype)
        for storage_class in self._storage_classes.values():
            if storage_class.pytype_name == wanted or storage_class._pytype is pytype:
                return storage_class
        raise StorageClassNotFoundError(f"No storage class has Python type {wanted}")

    @property
    def formatter_specs(self) -> dict[str, FormatterSpec]:
        """Storage class name to configured formatter."""
        self._ensure_loaded()
        return dict(self._formatters)

    @property
    def extension_formatters(self) -> dict[str, str]:
        """File extension (lower case, with leading dot) to formatter name."""
        self._ensure_loaded()
        return dict(self._extensions)

    def keys(self) -> list[str]:
        """Return the names of all registered storage classes."""
        self._ensure_loaded()
        return list(self._storage_classes)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, StorageClass):
            name = name.name
        if name in self._storage_classes:
            return True
        self._ensure_loaded()
        return name in self._storage_classes

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        self._ensure_loaded()
        return len(self._storage_classes)


def normalize_extension(extension: str) -> str:
    """Return a file extension in lower case with one leading dot.

    Parameters
    ----------
    extension : `str`
        ``.FITS``, ``fits`` or ``.fits.gz`` style extension.
    """
    extension = extension.strip().lower()
    return extension if extension.startswith(".") else "." + extension


_default_factory: StorageClassFactory | None = None
_default_factory_lock = threading.Lock()


def get_storage_class_factory() -> StorageClassFactory:
    """Return the process-wide storage class registry.

    Returns
    -------
    factory : `StorageClassFactory`
        The shared registry, created on first call.
    """
    global _default_factory
    if _default_factory is None:
        with _default_factory_lock:
            if _default_factory is None:
                _default_factory = StorageClassFactory()
    return _default_factory


_added_configs: set[str] = set()
# Re-entrant: adding one package's config may load the entry points, whose import adds another's.
_added_configs_lock = threading.RLock()


def add_config_once(name: str, config: Callable[[], Mapping[str, Any]]) -> None:
    """Add a package's storage classes to the process-wide registry, once per process.

    For packages whose storage classes a process may need before it has read
    the ``butler.storage_classes`` entry points (e.g. a worker that unpickles
    a task). Thread-safe; cheap after the first call.

    Parameters
    ----------
    name : `str`
        What is added (e.g. the calling module's ``__name__``); a second call
        with the same name does nothing.
    config : callable
        Returns the configuration, as `StorageClassFactory.addFromConfig` takes it.
    """
    if name in _added_configs:
        return
    with _added_configs_lock:
        if name not in _added_configs:
            get_storage_class_factory().addFromConfig(config())
            _added_configs.add(name)
