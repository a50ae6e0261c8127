"""`ChoiceField`: a scalar field limited to an enumerated set of documented values."""

from __future__ import annotations

__all__ = ("ChoiceField",)

from collections.abc import Mapping
from typing import Any

from .callstack import caller_frame
from .field import Field, check_scalar_type
from .naming import suggest_names, type_string


class ChoiceField(Field):
    """A field whose value must be one of ``allowed`` (a mapping of value to its meaning).

    Parameters
    ----------
    doc : `str`
        What the field means.
    dtype : `type`
        Type of the values (`str`, `int`, ...).
    allowed : `~collections.abc.Mapping`
        ``{value: doc}`` for every allowed value.
    default : `object`, optional
        Default value (one of ``allowed``).
    optional : `bool`, optional
        Whether `None` is acceptable (then it is allowed besides ``allowed``).
    deprecated : `str`, optional
        Why the field is going away.

    Examples
    --------
    >>> import pipetasks.config as pexConfig
    >>> class C(pexConfig.Config):
    ...     method = pexConfig.ChoiceField(doc="Interpolation.", dtype=str, default="linear",
    ...                                    allowed={"linear": "straight lines", "spline": "cubic spline"})
    >>> C().method = "splin"
    Traceback (most recent call last):
    ...
    pipetasks.config.errors.FieldValidationError: ChoiceField 'method' failed validation: value 'splin' ...
      (field defined at ...)
    """

    def __init__(
        self,
        doc: str,
        dtype: type | None = None,
        allowed: Mapping[Any, str] | None = None,
        default: Any = None,
        optional: bool = True,
        deprecated: str | None = None,
    ):
        if dtype is None:
            raise ValueError("ChoiceField needs a dtype")
        if dtype not in self.supportedTypes:
            raise ValueError(f"Unsupported ChoiceField dtype {type_string(dtype)}")
        if not allowed:
            raise ValueError("ChoiceField needs at least one allowed value: allowed={value: doc, ...}")
        for value in allowed:
            if not isinstance(value, dtype):
                raise ValueError(f"ChoiceField allowed value {value!r} is not a {type_string(dtype)}")
        self.allowed = dict(allowed)
        if optional and None not in self.allowed:
            self.allowed[None] = "Field is optional"
        self._setup(doc, dtype, default, None, optional, caller_frame(), deprecated)
        choices = "\n".join(f"  {value!r}: {meaning}" for value, meaning in self.allowed.items())
        self.__doc__ += f"\nAllowed values:\n{choices}"

    def _validate_value(self, value: Any) -> None:
        check_scalar_type(value, self.dtype)
        if value not in self.allowed:
            names = [v for v in self.allowed if v is not None]
            hint = suggest_names(value, [str(v) for v in names]) if isinstance(value, str) else ""
            raise ValueError(
                f"value {value!r} is not allowed; allowed values: {', '.join(repr(v) for v in names)}{hint}"
            )
