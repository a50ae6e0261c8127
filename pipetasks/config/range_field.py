"""`RangeField`: an int or float field limited to an interval."""

from __future__ import annotations

__all__ = ("RangeField",)

from collections.abc import Callable
from typing import Any

from .callstack import caller_frame
from .field import Field, check_scalar_type
from .naming import type_string


class RangeField(Field):
    """A numeric field whose value must lie in ``[min, max)`` (bounds configurable).

    Parameters
    ----------
    doc : `str`
        What the field means.
    dtype : `type`
        `int` or `float`.
    default : `int` or `float`, optional
        Default value.
    optional : `bool`, optional
        Whether `None` is acceptable at validation.
    min, max : `int` or `float`, optional
        Bounds; `None` leaves that side open (not both).
    inclusiveMin : `bool`, optional
        Whether ``min`` itself is allowed (default `True`).
    inclusiveMax : `bool`, optional
        Whether ``max`` itself is allowed (default `False`).
    deprecated : `str`, optional
        Why the field is going away.

    Examples
    --------
    >>> import pipetasks.config as pexConfig
    >>> class C(pexConfig.Config):
    ...     fraction = pexConfig.RangeField(doc="A fraction.", dtype=float, default=0.5, min=0, max=1,
    ...                                     inclusiveMax=True)
    >>> C().fraction = 1.5
    Traceback (most recent call last):
    ...
    pipetasks.config.errors.FieldValidationError: RangeField 'fraction' failed validation: value 1.5 is ...
      (field defined at ...)
    """

    supportedTypes = frozenset({int, float})

    def __init__(
        self,
        doc: str,
        dtype: type | None = None,
        default: Any = None,
        optional: bool = False,
        min: float | None = None,
        max: float | None = None,
        inclusiveMin: bool = True,
        inclusiveMax: bool = False,
        deprecated: str | None = None,
        check: Callable[[Any], bool] | None = None,
    ):
        if dtype not in self.supportedTypes:
            raise ValueError(f"Unsupported RangeField dtype {type_string(dtype)}; use int or float")
        if min is None and max is None:
            raise ValueError("RangeField needs min, max or both (a field without bounds is a plain Field)")
        if min is not None and max is not None:
            if min > max:
                raise ValueError(f"RangeField min = {min} > {max} = max")
            if min == max and not (inclusiveMin and inclusiveMax):
                raise ValueError(f"RangeField min = max = {min} but the bounds are not both inclusive")
        self.min = min
        self.max = max
        self.inclusiveMin = inclusiveMin
        self.inclusiveMax = inclusiveMax
        self.rangeString = (
            ("[" if inclusiveMin else "(")
            + ("-inf" if min is None else str(min))
            + ", "
            + ("inf" if max is None else str(max))
            + ("]" if inclusiveMax else ")")
        )
        self._setup(doc, dtype, default, check, optional, caller_frame(), deprecated)
        self.__doc__ += f" range {self.rangeString}"

    def _validate_value(self, value: Any) -> None:
        check_scalar_type(value, self.dtype)
        too_low = self.min is not None and (value < self.min if self.inclusiveMin else value <= self.min)
        too_high = self.max is not None and (value > self.max if self.inclusiveMax else value >= self.max)
        if too_low or too_high or value != value:  # NaN is in no range
            raise ValueError(f"value {value!r} is outside the allowed range {self.rangeString}")
        super()._validate_value(value)
