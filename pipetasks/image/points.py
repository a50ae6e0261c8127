"""Integer and floating-point points and extents with LSST ``geom`` conventions.

`Point2I`, `Extent2I`, `Point2D` and `Extent2D`: a point is a position ``(x, y)`` (column ``x``, row
``y``; pixel centres at integer coordinates) and an extent a size or displacement; their arithmetic
keeps the two apart (point - point = extent, point + extent = point). All four share `_Pair`: element
access, equality with tuples, hashing and numpy conversion. The boxes built from them are in
`pipetasks.image.geometry`, which re-exports these names.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["Extent2D", "Extent2I", "Point2D", "Point2I"]


class _Pair:
    """Two numbers ``x``, ``y`` with element access, equality, hashing and numpy conversion."""

    __slots__ = ("x", "y")
    _cast: Any = float

    def __init__(self, x: Any = 0, y: Any = None):
        if y is None:
            if isinstance(x, _Pair):
                x, y = x.x, x.y
            elif isinstance(x, (tuple, list, np.ndarray)):
                x, y = x
            else:
                y = x
        self.x = self._cast(x)
        self.y = self._cast(y)

    def getX(self) -> Any:
        return self.x

    def getY(self) -> Any:
        return self.y

    def setX(self, value: Any) -> None:
        self.x = self._cast(value)

    def setY(self, value: Any) -> None:
        self.y = self._cast(value)

    def __getitem__(self, index: int) -> Any:
        return (self.x, self.y)[index]

    def __iter__(self) -> Iterator[Any]:
        yield self.x
        yield self.y

    def __len__(self) -> int:
        return 2

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Pair):
            return self.x == other.x and self.y == other.y
        if isinstance(other, (tuple, list)) and len(other) == 2:
            return self.x == other[0] and self.y == other[1]
        return NotImplemented

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.x, self.y))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.array([self.x, self.y], dtype=dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.x!r}, {self.y!r})"

    def toTuple(self) -> tuple:
        return (self.x, self.y)


class Extent2I(_Pair):
    """An integer size or displacement ``(x, y)``."""

    __slots__ = ()
    _cast = int

    def __add__(self, other: Any) -> Any:
        if isinstance(other, Point2I):
            return Point2I(self.x + other.x, self.y + other.y)
        if isinstance(other, Extent2I):
            return Extent2I(self.x + other.x, self.y + other.y)
        return NotImplemented

    def __sub__(self, other: Any) -> Any:
        if isinstance(other, Extent2I):
            return Extent2I(self.x - other.x, self.y - other.y)
        return NotImplemented

    def __neg__(self) -> Extent2I:
        return Extent2I(-self.x, -self.y)

    def __mul__(self, scale: int) -> Extent2I:
        return Extent2I(self.x * scale, self.y * scale)

    def computeSquaredNorm(self) -> int:
        return self.x * self.x + self.y * self.y


class Point2I(_Pair):
    """An integer pixel position ``(x, y)``."""

    __slots__ = ()
    _cast = int

    def __add__(self, other: Any) -> Any:
        if isinstance(other, Extent2I):
            return Point2I(self.x + other.x, self.y + other.y)
        return NotImplemented

    def __sub__(self, other: Any) -> Any:
        if isinstance(other, Point2I):
            return Extent2I(self.x - other.x, self.y - other.y)
        if isinstance(other, Extent2I):
            return Point2I(self.x - other.x, self.y - other.y)
        return NotImplemented


class Extent2D(_Pair):
    """A floating-point size or displacement ``(x, y)``."""

    __slots__ = ()
    _cast = float

    def __add__(self, other: Any) -> Any:
        if isinstance(other, Point2D):
            return Point2D(self.x + other.x, self.y + other.y)
        if isinstance(other, Extent2D):
            return Extent2D(self.x + other.x, self.y + other.y)
        return NotImplemented

    def __sub__(self, other: Any) -> Any:
        if isinstance(other, Extent2D):
            return Extent2D(self.x - other.x, self.y - other.y)
        return NotImplemented

    def __neg__(self) -> Extent2D:
        return Extent2D(-self.x, -self.y)

    def __mul__(self, scale: float) -> Extent2D:
        return Extent2D(self.x * scale, self.y * scale)

    def __truediv__(self, scale: float) -> Extent2D:
        return Extent2D(self.x / scale, self.y / scale)

    def computeNorm(self) -> float:
        return math.hypot(self.x, self.y)


class Point2D(_Pair):
    """A floating-point position ``(x, y)`` (pixel centres at integers)."""

    __slots__ = ()
    _cast = float

    def __add__(self, other: Any) -> Any:
        if isinstance(other, (Extent2D, Extent2I)):
            return Point2D(self.x + other.x, self.y + other.y)
        return NotImplemented

    def __sub__(self, other: Any) -> Any:
        if isinstance(other, (Point2D, Point2I)):
            return Extent2D(self.x - other.x, self.y - other.y)
        if isinstance(other, (Extent2D, Extent2I)):
            return Point2D(self.x - other.x, self.y - other.y)
        return NotImplemented

    def distanceSquared(self, other: Point2D) -> float:
        return (self.x - other.x) ** 2 + (self.y - other.y) ** 2
