"""Regions from IVOA SIAv2 ``POS`` strings (``REGION('...')`` in where expressions)."""

from __future__ import annotations

__all__ = ["region_from_ivoa_pos"]

import math

from .box import Box
from .circle import Circle
from .polygon import ConvexPolygon
from .region import Region


def region_from_ivoa_pos(pos: str) -> Region:
    """The region of an IVOA SIAv2 ``POS`` value, degrees.

    ``CIRCLE ra dec radius``, ``RANGE ra_min ra_max dec_min dec_max`` (each
    bound may be ``-Inf``/``+Inf``) or ``POLYGON ra1 dec1 ra2 dec2 ra3 dec3 ...``.

    Raises
    ------
    ValueError
        If the string is not one of these.
    """
    words = pos.split()
    if not words:
        raise ValueError("An empty POS string is not a region.")
    shape = words[0].upper()
    try:
        numbers = [float(w) for w in words[1:]]
    except ValueError:
        raise ValueError(f"POS {pos!r}: the values after {words[0]} must be numbers.") from None
    if any(math.isnan(n) for n in numbers):
        raise ValueError(f"POS {pos!r}: NaN is not a coordinate.")
    if shape == "CIRCLE":
        if len(numbers) != 3:
            raise ValueError(f"POS {pos!r}: CIRCLE needs ra, dec and radius.")
        return Circle.from_degrees(*numbers)
    if shape == "RANGE":
        if len(numbers) != 4:
            raise ValueError(f"POS {pos!r}: RANGE needs ra_min ra_max dec_min dec_max.")
        ra_min, ra_max, dec_min, dec_max = numbers
        if math.isinf(ra_min) or math.isinf(ra_max):
            ra_min, ra_max = 0.0, 360.0
        return Box((ra_min, ra_max), (max(dec_min, -90.0), min(dec_max, 90.0)))
    if shape == "POLYGON":
        if len(numbers) < 6 or len(numbers) % 2:
            raise ValueError(f"POS {pos!r}: POLYGON needs 3 or more ra dec pairs.")
        return ConvexPolygon.from_radec(numbers[0::2], numbers[1::2])
    raise ValueError(f"POS {pos!r}: the shape must be CIRCLE, RANGE or POLYGON, not {words[0]!r}.")
