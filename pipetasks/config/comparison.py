"""Comparing configs field by field, with float tolerances and a report of differences."""

from __future__ import annotations

__all__ = (
    "all_equal",
    "compare_config_entries",
    "compare_configs",
    "compare_keys",
    "compare_scalars",
    "comparison_name",
)

import math
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .naming import join_name

if TYPE_CHECKING:
    from .config import Config

Output = Callable[[str], Any] | None


def comparison_name(name1: str, name2: str) -> str:
    """Name used in difference reports: one name, or ``"a / b"`` when they differ."""
    return name1 if name1 == name2 else f"{name1} / {name2}"


def all_equal(results: Iterable[bool], shortcut: bool) -> bool:
    """Whether every comparison in ``results`` succeeded.

    ``results`` is consumed lazily, so with ``shortcut`` the comparisons after
    the first difference are never made (nor reported).
    """
    equal = True
    for result in results:
        if not result and shortcut:
            return False
        equal = equal and result
    return equal


def compare_keys(name: str, d1: Mapping[Any, Any], d2: Mapping[Any, Any], output: Output = None) -> bool:
    """Whether two mappings have the same keys; report a difference to ``output``."""
    if set(d1) == set(d2):
        return True
    if output is not None:
        output(f"Keys differ for {name}: {sorted(map(repr, d1))} != {sorted(map(repr, d2))}")
    return False


def _floats_close(v1: float, v2: float, rtol: float, atol: float) -> bool:
    if math.isnan(v1) or math.isnan(v2):
        return math.isnan(v1) and math.isnan(v2)
    if math.isinf(v1) or math.isinf(v2):
        return v1 == v2
    return abs(v1 - v2) <= atol + rtol * abs(v2)


def compare_scalars(
    name: str,
    v1: Any,
    v2: Any,
    output: Output = None,
    rtol: float = 1e-8,
    atol: float = 1e-8,
    dtype: type | None = None,
) -> bool:
    """Compare two values (floats within tolerance, NaN equal to NaN); report a difference to ``output``."""
    if (dtype is float or isinstance(v1, float)) and isinstance(v1, float) and isinstance(v2, float):
        equal = _floats_close(v1, v2, rtol, atol)
    elif isinstance(v1, complex) and isinstance(v2, complex):
        equal = _floats_close(v1.real, v2.real, rtol, atol) and _floats_close(v1.imag, v2.imag, rtol, atol)
    else:
        equal = v1 == v2
    if not equal and output is not None:
        output(f"Inequality in {name}: {v1!r} != {v2!r}")
    return bool(equal)


def compare_configs(
    name: str,
    c1: Config | None,
    c2: Config | None,
    shortcut: bool = True,
    rtol: float = 1e-8,
    atol: float = 1e-8,
    output: Output = None,
) -> bool:
    """Compare two configs of the same type field by field.

    Unselected choices of `ConfigChoiceField`/`RegistryField` fields do not
    take part.  With ``shortcut`` the first difference ends the comparison.
    """
    if c1 is None or c2 is None:
        if c1 is c2:
            return True
        if output is not None:
            output(f"LHS is None for {name}" if c1 is None else f"RHS is None for {name}")
        return False
    if type(c1) is not type(c2):
        if output is not None:
            output(f"Config types do not match for {name}: {type(c1).__name__} != {type(c2).__name__}")
        return False
    return all_equal(
        (
            field._compare(c1, c2, shortcut=shortcut, rtol=rtol, atol=atol, output=output)
            for field in c1._fields.values()
        ),
        shortcut,
    )


def compare_config_entries(
    name: str,
    keys: Iterable[Any],
    configs1: Mapping[Any, Config],
    configs2: Mapping[Any, Config],
    shortcut: bool,
    rtol: float,
    atol: float,
    output: Output,
) -> bool:
    """Compare ``configs1[key]`` with ``configs2[key]`` for every key, each named ``name[key]``."""
    return all_equal(
        (
            compare_configs(join_name(name, None, key), configs1[key], configs2[key], shortcut=shortcut,
                            rtol=rtol, atol=atol, output=output)
            for key in keys
        ),
        shortcut,
    )
