"""Storage classes: what Python type a dataset is, and how to get at its parts.

A `StorageClass` names a Python type (imported lazily from a dotted string),
the components that can be read out of a dataset of that type, the read
parameters it accepts and the converters that turn other types into it.  A
`StorageClassDelegate` reads components out of, and applies parameters to,
objects in memory.

Storage classes are registered, from the built-in configuration and from
plug-ins, by the `~butler.storage_class_factory.StorageClassFactory` of
`butler.storage_class_factory`; its names are also importable from here.
"""

from __future__ import annotations

__all__ = (
    "ENTRY_POINT_GROUP",
    "FormatterSpec",
    "StorageClass",
    "StorageClassConflictError",
    "StorageClassDelegate",
    "StorageClassFactory",
    "StorageClassNotFoundError",
    "UnknownComponentError",
    "UnknownParameterError",
    "get_storage_class_factory",
    "import_dotted",
    "normalize_extension",
)

import builtins
import importlib
import logging
import types
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .storage_class_factory import (
        ENTRY_POINT_GROUP,
        FormatterSpec,
        StorageClassFactory,
        get_storage_class_factory,
        normalize_extension,
    )

_LOG = logging.getLogger(__name__)

# Names that moved to storage_class_factory, still importable from here.  They
# are looked up on first use because that module imports this one.
_FACTORY_NAMES = frozenset(
    {
        "ENTRY_POINT_GROUP",
        "FormatterSpec",
        "StorageClassFactory",
        "get_storage_class_factory",
        "normalize_extension",
    }
)


def __getattr__(name: str) -> Any:
    if name in _FACTORY_NAMES:
        from . import storage_class_factory

        return getattr(storage_class_factory, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _MessageKeyError(KeyError):
    """A `KeyError` whose `str` is its message, not the quoted repr of it."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class StorageClassNotFoundError(_MessageKeyError):
    """Raised when a storage class name is not registered."""


class UnknownParameterError(_MessageKeyError):
    """Raised when a read parameter is not supported by a storage class."""


class UnknownComponentError(_MessageKeyError):
    """Raised when a component is not defined by a storage class."""


class StorageClassConflictError(ValueError):
    """Raised when a storage class name is registered with two definitions."""


def import_dotted(name: str) -> Any:
    """Import an object from its dotted name.

    Parameters
    ----------
    name : `str`
        ``package.module.Attribute[.attribute...]``, or a bare builtin name
        such as ``dict``.

    Returns
    -------
    obj : `object`
        The imported object.

    Raises
    ------
    ImportError
        Raised if no prefix of ``name`` is an importable module or an
        attribute is missing.
    """
    if "." not in name:
        try:
            return getattr(builtins, name)
        except AttributeError:
            raise ImportError(f"{name!r} is neither a builtin nor a dotted name") from None
    parts = name.split(".")
    obj: Any = importlib.import_module(parts[0])
    # Walk attribute by attribute, importing submodules only when needed:
    # a failed import attempt costs filesystem look-ups, a getattr does not.
    for n_parts in range(2, len(parts) + 1):
        attribute = parts[n_parts - 1]
        try:
            obj = getattr(obj, attribute)
            continue
        except AttributeError:
            pass
        if isinstance(obj, types.ModuleType):
            module_name = ".".join(parts[:n_parts])
            try:
                obj = importlib.import_module(module_name)
                continue
            except ModuleNotFoundError as exc:
                # A missing dependency inside the module must surface as is.
                if exc.name != module_name:
                    raise
        raise ImportError(
            f"Cannot import {name!r}: {'.'.join(parts[: n_parts - 1])} has no attribute {attribute!r}"
        )
    return obj


def _type_name(pytype: type) -> str:
    if pytype.__module__ == "builtins":
        return pytype.__qualname__
    return f"{pytype.__module__}.{pytype.__qualname__}"


class StorageClassDelegate:
    """Extract components from, and apply parameters to, in-memory objects.

    A storage class names its delegate by dotted class name; the delegate is
    used when a formatter cannot read a component or apply a parameter
    directly from the file.  This base class handles components that are
    attributes, mapping items, or ``get<Name>()`` methods, and refuses all
    parameters.

    Parameters
    ----------
    storage_class : `StorageClass`
        The storage class this delegate works for.
    """

    def __init__(self, storage_class: StorageClass):
        self.storage_class = storage_class

    def getComponent(self, obj: Any, name: str) -> Any:
        """Return one component of an in-memory object.

        Parameters
        ----------
        obj : `object`
            An instance of the storage class's Python type.
        name : `str`
            Component name.

        Returns
        -------
        component : `object`
            The component.

        Raises
        ------
        AttributeError
            Raised if the component cannot be found on ``obj``.
        """
        if isinstance(obj, Mapping) and name in obj:
            return obj[name]
        getter = getattr(obj, "get" + name[:1].upper() + name[1:], None)
        if callable(getter):
            return getter()
        try:
            return getattr(obj, name)
        except AttributeError:
            raise AttributeError(
                f"Cannot get component {name!r} of a {type(obj).__name__} "
                f"(storage class {self.storage_class.name})"
            ) from None

    def handleParameters(self, obj: Any, parameters: Mapping[str, Any] | None) -> Any:
        """Apply read parameters to an in-memory object.

        Parameters
        ----------
        obj : `object`
            An instance of the storage class's Python type.
        parameters : `~collections.abc.Mapping` or `None`
            Parameters to apply; they have already been validated.

        Returns
        -------
        result : `object`
            ``obj`` with the parameters applied (possibly a new object).

        Raises
        ------
        NotImplementedError
            Raised by this base class if any parameter is given.
        """
        if parameters:
            raise NotImplementedError(
                f"Storage class {self.storage_class.name} has no delegate able to apply "
                f"parameters {sorted(parameters)}"
            )
        return obj


class StorageClass:
    """The name and definition of a type of in-memory dataset.

    Parameters
    ----------
    name : `str`
        Unique name of the storage class.
    pytype : `type` or `str`, optional
        The Python type, or its dotted name (builtins may be bare names such
        as ``dict``), imported on first use.  Defaults to the parent's when
        ``inheritsFrom`` is a `StorageClass`, else to `object`.
    components : `~collections.abc.Mapping` [`str`, `StorageClass`], optional
        Read components, each stored inside the parent's file.
    derivedComponents : `~collections.abc.Mapping` [`str`, `StorageClass`], optional
        Components computed from the parent (e.g. a row count).
    parameters : `~collections.abc.Collection` [`str`], optional
        Names of the read parameters this storage class accepts.
    delegate : `str`, optional
        Dotted name of a `StorageClassDelegate` subclass.
    converters : `~collections.abc.Mapping` [`str`, `str`], optional
        Dotted name of a source type to dotted name of a function turning an
        instance of that type into an instance of ``pytype``.
    inheritsFrom : `StorageClass` or `str`, optional
        Parent storage class.  If a `StorageClass` is given, its components,
        parameters, delegate and converters are inherited unless overridden
        here; a name is only recorded.

    Notes
    -----
    Instances are immutable.  Two storage classes are equal if their names
    and definitions are; components are compared by storage class name.
    """

    __slots__ = (
        "_name",
        "_pytype_name",
        "_pytype",
        "_components",
        "_derived_components",
        "_parameters",
        "_delegate_name",
        "_converters",
        "_inherits_from",
        "_converter_functions",
        "_key",
    )

    def __init__(
        self,
        name: str,
        pytype: type | str | None = None,
        components: Mapping[str, StorageClass] | None = None,
        derivedComponents: Mapping[str, StorageClass] | None = None,
        parameters: Collection[str] | None = None,
        delegate: str | None = None,
        converters: Mapping[str, str] | None = None,
        inheritsFrom: StorageClass | str | None = None,
    ):
        if not name or not isinstance(name, str):
            raise ValueError(f"Storage class name must be a non-empty string, not {name!r}")
        parent = inheritsFrom if isinstance(inheritsFrom, StorageClass) else None
        self._name = name
        self._pytype: type | None = None
        if pytype is None:
            if parent is not None:
                self._pytype_name = parent._pytype_name
                self._pytype = parent._pytype
            else:
                self._pytype_name = "object"
                self._pytype = object
        elif isinstance(pytype, str):
            self._pytype_name = pytype
        elif isinstance(pytype, type):
            self._pytype_name = _type_name(pytype)
            self._pytype = pytype
        else:
            raise TypeError(f"pytype of storage class {name} must be a type or a dotted name, not {pytype!r}")

        def merged(own: Mapping[str, Any] | None, inherited: Mapping[str, Any]) -> dict[str, Any]:
            result = dict(inherited)
            result.update(own or {})
            return result

        self._components: dict[str, StorageClass] = merged(components, parent._components if parent else {})
        self._derived_components: dict[str, StorageClass] = merged(
            derivedComponents, parent._derived_components if parent else {}
        )
        for component_name, component in self.allComponents().items():
            if not isinstance(component, StorageClass):
                raise TypeError(
                    f"Component {component_name!r} of storage class {name} must be a StorageClass, "
                    f"not {component!r}"
                )
        overlap = self._components.keys() & self._derived_components.keys()
        if overlap:
            raise ValueError(
                f"Storage class {name} defines {sorted(overlap)} as both read and derived components"
            )
        if isinstance(parameters, str):
            parameters = [parameters]
        self._parameters = frozenset(parameters or ()) | (parent._parameters if parent else frozenset())
        self._delegate_name = (
            delegate if delegate is not None else (parent._delegate_name if parent else None)
        )
        self._converters: dict[str, str] = merged(converters, parent._converters if parent else {})
        if isinstance(inheritsFrom, StorageClass):
            self._inherits_from: str | None = inheritsFrom.name
        else:
            self._inherits_from = inheritsFrom
        self._converter_functions: list[tuple[type, Callable[[Any], Any]]] | None = None
        self._key = (
            self._name,
            self._pytype_name,
            tuple(sorted((k, v.name) for k, v in self._components.items())),
            tuple(sorted((k, v.name) for k, v in self._derived_components.items())),
            tuple(sorted(self._parameters)),
            self._delegate_name,
            tuple(self._converters.items()),
            self._inherits_from,
        )

    @property
    def name(self) -> str:
        """Name of this storage class (`str`)."""
        return self._name

    @property
    def pytype_name(self) -> str:
        """Dotted name of the Python type (`str`)."""
        return self._pytype_name

    @property
    def pytype(self) -> type:
        """The Python type, imported on first access (`type`).

        Raises
        ------
        ImportError
            Raised if the type cannot be imported (for example ``pandas`` is
            not installed for ``DataFrame``).
        """
        if self._pytype is None:
            try:
                pytype = import_dotted(self._pytype_name)
            except ImportError as exc:
                raise ImportError(
                    f"Storage class {self._name} needs Python type {self._pytype_name!r}, "
                    f"which cannot be imported: {exc}"
                ) from exc
            if not isinstance(pytype, type):
                raise ImportError(f"pytype {self._pytype_name!r} of storage class {self._name} is not a type")
            self._pytype = pytype
        return self._pytype

    @property
    def components(self) -> dict[str, StorageClass]:
        """Read components, each stored inside the parent's file."""
        return dict(self._components)

    @property
    def derivedComponents(self) -> dict[str, StorageClass]:
        """Components computed from the parent dataset."""
        return dict(self._derived_components)

    @property
    def parameters(self) -> frozenset[str]:
        """Names of the supported read parameters."""
        return self._parameters

    @property
    def converters(self) -> dict[str, str]:
        """Source type dotted name to converter function dotted name."""
        return dict(self._converters)

    @property
    def delegate(self) -> str | None:
        """Dotted name of the delegate class, or `None` for the default."""
        return self._delegate_name

    @property
    def inheritsFrom(self) -> str | None:
        """Name of the parent storage class, if any."""
        return self._inherits_from

    def allComponents(self) -> dict[str, StorageClass]:
        """Return read and derived components together.

        Returns
        -------
        components : `dict` [`str`, `StorageClass`]
            Component name to storage class.
        """
        result = dict(self._components)
        result.update(self._derived_components)
        return result

    def isComposite(self) -> bool:
        """Return `True` if this storage class has read components."""
        return bool(self._components)

    def get_delegate(self) -> StorageClassDelegate:
        """Return a delegate instance for in-memory component/parameter work.

        Returns
        -------
        delegate : `StorageClassDelegate`
            An instance of the configured delegate class, or of the base
            class if none is configured.
        """
        if self._delegate_name is None:
            return StorageClassDelegate(self)
        delegate_class = import_dotted(self._delegate_name)
        if not (isinstance(delegate_class, type) and issubclass(delegate_class, StorageClassDelegate)):
            raise TypeError(
                f"Delegate {self._delegate_name!r} of storage class {self._name} "
                "is not a StorageClassDelegate subclass"
            )
        return delegate_class(self)

    def is_type(self, obj: Any) -> bool:
        """Return `True` if ``obj`` is an instance of this storage class's type.

        Parameters
        ----------
        obj : `object`
            Object to test.
        """
        return isinstance(obj, self.pytype)

    def _converter_table(self) -> list[tuple[type, Callable[[Any], Any]]]:
        if self._converter_functions is None:
            table = []
            for source_name, function_name in self._converters.items():
                # Converters whose types cannot be imported (an optional
                # dependency is missing) simply cannot apply.
                try:
                    source_type = import_dotted(source_name)
                except ImportError as exc:
                    _LOG.debug("Skipping converter from %s for %s: %s", source_name, self._name, exc)
                    continue
                try:
                    function = import_dotted(function_name)
                except ImportError as exc:
                    _LOG.warning(
                        "Converter %s from %s to storage class %s cannot be imported: %s",
                        function_name,
                        source_name,
                        self._name,
                        exc,
                    )
                    continue
                table.append((source_type, function))
            self._converter_functions = table
        return self._converter_functions

    def can_convert(self, other: StorageClass) -> bool:
        """Return `True` if objects of ``other`` can be coerced to this class.

        Parameters
        ----------
        other : `StorageClass`
            Storage class whose instances would be converted.

        Returns
        -------
        can : `bool`
            `True` if the storage classes are the same, the other's type is
            a subclass of this type, or a converter from it is registered.
        """
        if other.name == self._name:
            return True
        try:
            other_type = other.pytype
            self_type = self.pytype
        except ImportError:
            return False
        if issubclass(other_type, self_type):
            return True
        return any(issubclass(other_type, source) for source, _ in self._converter_table())

    def coerce_type(self, obj: Any) -> Any:
        """Return ``obj`` as an instance of this storage class's type.

        Parameters
        ----------
        obj : `object`
            Object to convert.

        Returns
        -------
        converted : `object`
            ``obj`` itself if already of the right type, else the result of
            the first registered converter whose source type matches.

        Raises
        ------
        TypeError
            Raised if no converter applies or the converter fails.
        """
        if isinstance(obj, self.pytype):
            return obj
        for source, function in self._converter_table():
            if isinstance(obj, source):
                try:
                    return function(obj)
                except Exception as exc:
                    raise TypeError(
                        f"Converting a {type(obj).__name__} to storage class {self._name} "
                        f"({self._pytype_name}) failed: {exc}"
                    ) from exc
        raise TypeError(
            f"Cannot convert a {_type_name(type(obj))} to storage class {self._name} "
            f"({self._pytype_name}); convertible types: {sorted(self._converters) or 'none'}"
        )

    def validate_parameters(self, parameters: Collection[str] | Mapping[str, Any] | None) -> None:
        """Check that every parameter is supported.

        Parameters
        ----------
        parameters : `~collections.abc.Collection` or `~collections.abc.Mapping`
            Parameter names (or a mapping keyed by them).

        Raises
        ------
        UnknownParameterError
            Raised for any parameter not declared by this storage class.
        """
        if not parameters:
            return
        unknown = set(parameters) - self._parameters
        if unknown:
            valid = ", ".join(sorted(self._parameters)) or "none"
            raise UnknownParameterError(
                f"Storage class {self._name} does not accept parameter(s) {sorted(unknown)}; valid: {valid}"
            )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StorageClass):
            return NotImplemented
        return self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"StorageClass({self._name!r}, pytype={self._pytype_name!r})"

    def __str__(self) -> str:
        return self._name

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle by definition; the cached type and converters are rebuilt.
        return (
            StorageClass,
            (
                self._name,
                self._pytype_name,
                self._components,
                self._derived_components,
                self._parameters,
                self._delegate_name,
                self._converters,
                self._inherits_from,
            ),
        )
