"""`Field`: one typed, documented, checked value of a config.

Fields are descriptors declared as class attributes of a `Config`.  On the
class they are the `Field` objects (for inspection); on an instance they are
the values.  Every assignment is validated before anything is stored, so a
refused value leaves the config unchanged, and is recorded in the config's
history with the assigning code's location.

Subclasses customize a small protocol: ``_validate_value`` (reject a value
with `TypeError`/`ValueError` whose message says why) or, for values that are
more than a checked scalar, ``_assign`` (store an assigned value; frozen
configs are refused before it is called), ``validate`` (checks run by
`Config.validate`), ``save`` (override-file lines), ``freeze``, ``rename``,
``toDict``, ``_copy_storage``, ``_collect_imports`` and ``_compare``.
"""

from __future__ import annotations

__all__ = ("Field", "SCALAR_TYPES", "coerce_scalar", "format_scalar")

import math
import numbers
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TextIO, TypeVar

from .callstack import StackFrame, caller_frame, capture_stack
from .comparison import compare_scalars, comparison_name
from .errors import FieldValidationError
from .history import HistoryEntry
from .naming import join_name, type_string

if TYPE_CHECKING:
    from .config import Config

T = TypeVar("T")

SCALAR_TYPES: frozenset[type] = frozenset({str, bool, float, int, complex})


def coerce_scalar(value: Any, dtype: type) -> Any:
    """Return ``value`` as ``dtype`` where that loses nothing, else ``value`` unchanged.

    ints become floats for float fields and numpy scalars become Python
    scalars; `bool` is never taken as a number (``True`` for a float field is
    a mistake, not ``1.0``).
    """
    if isinstance(value, bool) or type(value) is dtype:
        return value
    if dtype is float and isinstance(value, numbers.Real):
        return float(value)
    if dtype is int and isinstance(value, numbers.Integral):
        return int(value)
    if dtype is complex and isinstance(value, numbers.Complex):
        return complex(value)
    if dtype is bool and type(value).__name__ == "bool_":  # numpy.bool_
        return bool(value)
    if dtype is str and isinstance(value, str):
        return str(value)
    return value


def check_scalar_type(value: Any, dtype: type) -> None:
    """Raise `TypeError` unless ``value`` is a ``dtype`` (after `coerce_scalar`)."""
    if not isinstance(value, dtype) or (isinstance(value, bool) and dtype is not bool):
        raise TypeError(f"value {value!r} has type {type_string(value)}; expected {type_string(dtype)}")


def format_scalar(value: Any) -> str:
    """Python source for a scalar (or container of scalars), non-finite floats included."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float('{value!r}')"
    if isinstance(value, list):
        return "[" + ", ".join(format_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{format_scalar(k)}: {format_scalar(v)}" for k, v in value.items()) + "}"
    return repr(value)


def write_doc(outfile: TextIO, doc: str) -> None:
    """Write a field's doc string as ``#`` comment lines."""
    outfile.write("# " + str(doc).replace("\n", "\n# ") + "\n")


class _TypedFieldFactory:
    """What ``Field[int]`` returns: calling it builds the field with ``dtype=int``."""

    def __init__(self, field_class: type[Field], params: tuple[Any, ...]):
        self.field_class = field_class
        self.params = params

    def __call__(self, *args: Any, **kwargs: Any) -> Field:
        return self.field_class(*args, **self.field_class._type_arguments(self.params, kwargs))

    def __repr__(self) -> str:
        names = ", ".join(getattr(p, "__name__", str(p)) for p in self.params)
        return f"{self.field_class.__name__}[{names}]"


class Field(Generic[T]):
    """A config field holding an `int`, `float`, `complex`, `bool` or `str`.

    Parameters
    ----------
    doc : `str`
        What the field means, for users (required, non-empty).
    dtype : `type`
        The value type; may also be given as ``Field[int](doc=...)``.
    default : `object`, optional
        Default value (validated when a config is built).
    check : `~collections.abc.Callable`, optional
        ``check(value) -> bool``; a `False` result refuses the value.
    optional : `bool`, optional
        If `False` (default), `Config.validate` refuses `None`.
    deprecated : `str`, optional
        Why the field is going away; assignments warn (`FutureWarning`) and
        it is left out of saved files while it holds its default.

    Examples
    --------
    >>> import pipetasks.config as pexConfig
    >>> class ExampleConfig(pexConfig.Config):
    ...     nSigma = pexConfig.Field(doc="Detection threshold (sigma).", dtype=float, default=5.0)
    >>> config = ExampleConfig()
    >>> config.nSigma = 4
    >>> config.nSigma
    4.0
    """

    supportedTypes = SCALAR_TYPES
    name: str

    @classmethod
    def _type_arguments(cls, params: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        if len(params) != 1:
            raise ValueError(f"{cls.__name__}[...] takes exactly one type, got {len(params)}")
        if "dtype" in kwargs and kwargs["dtype"] is not params[0]:
            raise ValueError(f"{cls.__name__}[{params[0]!r}] conflicts with dtype={kwargs['dtype']!r}")
        return {**kwargs, "dtype": params[0]}

    def __class_getitem__(cls, params: Any) -> _TypedFieldFactory:
        return _TypedFieldFactory(cls, params if isinstance(params, tuple) else (params,))

    def __init__(
        self,
        doc: str,
        dtype: type | None = None,
        default: Any = None,
        check: Callable[[Any], bool] | None = None,
        optional: bool = False,
        deprecated: str | None = None,
    ):
        if dtype is None:
            raise ValueError("Field needs a dtype: Field(doc, dtype=int, ...) or Field[int](doc, ...)")
        if dtype not in self.supportedTypes:
            raise ValueError(
                f"Unsupported Field dtype {type_string(dtype)}; supported: "
                f"{', '.join(sorted(t.__name__ for t in self.supportedTypes))}"
            )
        self._setup(doc, dtype, default, check, optional, caller_frame(), deprecated)

    def _setup(
        self,
        doc: str,
        dtype: Any,
        default: Any,
        check: Callable[[Any], bool] | None,
        optional: bool,
        source: StackFrame,
        deprecated: str | None,
    ) -> None:
        if not doc:
            raise ValueError("a config field needs a non-empty doc string")
        if check is not None and not callable(check):
            raise ValueError(f"check must be callable, not {check!r}")
        self.dtype = dtype
        self.doc = doc if deprecated is None else f"{doc} Deprecated: {deprecated}"
        self.deprecated = deprecated
        self.default = default
        self.check = check
        self.optional = optional
        self.source = source
        dtype_name = getattr(dtype, "__name__", str(dtype))
        self.__doc__ = f"{self.doc} (`{dtype_name}`" + (
            f", default ``{default!r}``)" if optional or default is not None else ")"
        )

    def __set_name__(self, owner: type, name: str) -> None:
        if not hasattr(self, "name"):  # a field reused under another name is copied by ConfigMeta
            self.name = name

    # -- descriptor protocol ------------------------------------------------

    def __get__(self, instance: Config | None, owner: Any = None) -> Any:
        if instance is None:
            return self
        try:
            return instance._storage[self.name]
        except AttributeError:
            return self  # the descriptor looked up on something that is not a built Config

    def __set__(
        self,
        instance: Config,
        value: Any,
        at: tuple[StackFrame, ...] | None = None,
        label: str = "assignment",
    ) -> None:
        self._refuse_if_frozen(instance)
        self._assign(instance, value, capture_stack() if at is None else at, label)

    def __delete__(self, instance: Config) -> None:
        self.__set__(instance, None, at=capture_stack(), label="deletion")

    # -- protocol for subclasses -----------------------------------------------

    def _set_default(self, instance: Config, at: tuple[StackFrame, ...]) -> None:
        """Give a new config this field's default value."""
        self.__set__(instance, self.default, at=at, label="default")

    def _assign(self, instance: Config, value: Any, at: tuple[StackFrame, ...], label: str) -> None:
        """Check ``value`` and store it in ``instance`` (not frozen), recording it in the history."""
        if value is not None:
            value = self._coerce(value)
            try:
                self._validate_value(value)
            except (TypeError, ValueError) as err:
                raise FieldValidationError(self, instance, str(err)) from None
        instance._storage[self.name] = value
        self._record(instance, value, at, label)

    def _coerce(self, value: Any) -> Any:
        return coerce_scalar(value, self.dtype)

    def _validate_value(self, value: Any) -> None:
        """Raise `TypeError`/`ValueError` saying why ``value`` (not `None`) is refused."""
        check_scalar_type(value, self.dtype)
        if self.check is not None and not self.check(value):
            raise ValueError(f"value {value!r} is refused by the field's check {_callable_name(self.check)}")

    def validate(self, instance: Config) -> None:
        """Check the field's value as `Config.validate` does (non-optional fields may not be `None`)."""
        if not self.optional and self.__get__(instance) is None:
            raise FieldValidationError(self, instance, "required value cannot be None")

    def freeze(self, instance: Config) -> None:
        """Make any config held by this field read-only (plain values need nothing)."""

    def rename(self, instance: Config) -> None:
        """Tell configs held by this field their new dotted name (plain values need nothing)."""

    def save(self, outfile: TextIO, instance: Config, prefix: str, reference: Config | None) -> None:
        """Write the override-file lines reproducing this field's value.

        ``prefix`` is the dotted path of ``instance`` in the file
        (``config.calibrate``); ``reference`` is the same config freshly built
        with defaults, or `None` where the structure differs.
        """
        value = self.toDict(instance)
        if self.deprecated is not None and value == self._default_as_data():
            return
        write_doc(outfile, self.doc)
        outfile.write(f"{join_name(prefix, self.name)} = {format_scalar(value)}\n\n")

    def toDict(self, instance: Config) -> Any:
        """Return the value as plain Python data."""
        return self.__get__(instance)

    def _default_as_data(self) -> Any:
        """The default as `toDict` would return it (what a deprecated field is not saved at)."""
        return self.default

    def _copy_storage(self, old: Config, new: Config) -> Any:
        return old._storage[self.name]

    def _collect_imports(self, instance: Config, imports: set[str]) -> None:
        """Add the modules an override file needs to rebuild this field's value."""

    def _compare(
        self,
        instance1: Config,
        instance2: Config,
        shortcut: bool,
        rtol: float,
        atol: float,
        output: Callable[[str], Any] | None,
    ) -> bool:
        return compare_scalars(
            self._compared_name(instance1, instance2), self.__get__(instance1), self.__get__(instance2),
            dtype=self.dtype, rtol=rtol, atol=atol, output=output,
        )

    # -- helpers ------------------------------------------------------------

    def _compared_name(self, instance1: Config, instance2: Config) -> str:
        """This field's name in difference reports comparing ``instance1`` with ``instance2``."""
        return comparison_name(join_name(instance1._name, self.name), join_name(instance2._name, self.name))

    def _refuse_if_frozen(self, instance: Config) -> None:
        if instance._frozen:
            raise FieldValidationError(
                self, instance, "cannot modify a frozen config (copy it with .copy() to change values)"
            )

    def _record(self, instance: Config, value: Any, at: tuple[StackFrame, ...] | None, label: str) -> None:
        instance._history.setdefault(self.name, []).append(
            HistoryEntry(value, capture_stack() if at is None else at, label)
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {getattr(self, 'name', '?')!r}: {self.doc!r}>"


def _callable_name(check: Callable) -> str:
    name = getattr(check, "__qualname__", None) or repr(check)
    return name if name != "<lambda>" else "(a lambda)"
