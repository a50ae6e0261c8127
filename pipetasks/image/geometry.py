"""Integer and floating-point points, extents and boxes with LSST ``geom`` conventions.

Pixel ``(x, y)`` is column ``x``, row ``y``; pixel centres sit at integer coordinates. A `Box2I`
covers the pixels ``minX <= x <= maxX`` and ``minY <= y <= maxY`` (both ends inclusive);
``getEndX() = maxX + 1`` is the exclusive end, so its numpy slice is ``[minY:endY, minX:endX]`` after
subtracting the array origin. A `Box2D` is the continuous region; the `Box2D` of a `Box2I` runs from
``min - 0.5`` to ``max + 0.5`` (pixel edges). The points and extents are defined in
`pipetasks.image.points` and re-exported here.
"""

from __future__ import annotations

import math
from typing import Any, overload

import numpy as np

from .points import Extent2D, Extent2I, Point2D, Point2I

__all__ = ["Point2I", "Extent2I", "Box2I", "Point2D", "Extent2D", "Box2D"]


class Box2I:
    """An integer pixel box, min and max both inclusive (LSST ``geom::Box2I``).

    Construct with ``Box2I()`` (empty), ``Box2I(minPoint, maxPoint)`` (inclusive corners; swapped
    corners are reordered), ``Box2I(minPoint, Extent2I)`` or ``Box2I.from_xywh(x0, y0, w, h)``.
    A box with zero or negative width or height is empty; every empty box compares equal.

    Examples
    --------
    >>> box = Box2I(Point2I(10, 20), Extent2I(5, 3))
    >>> box.getMaxX(), box.getEndX(), box.slices()
    (14, 15, (slice(20, 23, None), slice(10, 15, None)))
    """

    __slots__ = ("_x0", "_y0", "_w", "_h")

    @overload
    def __init__(self) -> None: ...
    @overload
    def __init__(self, minimum: Point2I, second: Point2I | Extent2I, invert: bool = True) -> None: ...

    def __init__(self, minimum: Any = None, second: Any = None, invert: bool = True):
        if minimum is None:
            self._x0 = self._y0 = 0
            self._w = self._h = 0
            return
        if isinstance(minimum, Box2I):
            self._x0, self._y0, self._w, self._h = minimum._x0, minimum._y0, minimum._w, minimum._h
            return
        if isinstance(minimum, Box2D):
            raise TypeError("Box2I from a Box2D is ambiguous; use Box2I.from_box2d(box, ...) instead")
        p0 = Point2I(minimum)
        if isinstance(second, Extent2I):
            w, h = second.x, second.y
            if w <= 0 or h <= 0:
                w, h = 0, 0
            self._x0, self._y0, self._w, self._h = p0.x, p0.y, w, h
            return
        p1 = Point2I(second)
        if not invert and (p1.x < p0.x or p1.y < p0.y):
            self._x0 = self._y0 = self._w = self._h = 0
            return
        x0, x1 = sorted((p0.x, p1.x))
        y0, y1 = sorted((p0.y, p1.y))
        self._x0, self._y0, self._w, self._h = x0, y0, x1 - x0 + 1, y1 - y0 + 1

    @classmethod
    def from_xywh(cls, x0: int, y0: int, width: int, height: int) -> Box2I:
        """A box from its corner and size (the ``{x0, y0, width, height}`` convention)."""
        return cls(Point2I(x0, y0), Extent2I(width, height))

    @classmethod
    def from_slices(cls, slices: tuple[slice, slice], origin: Point2I | None = None) -> Box2I:
        """The box selected by numpy ``(rows, cols)`` slices of an array whose [0, 0] is ``origin``."""
        ox, oy = (origin.x, origin.y) if origin is not None else (0, 0)
        ys, xs = slices
        return cls.from_xywh(xs.start + ox, ys.start + oy, xs.stop - xs.start, ys.stop - ys.start)

    @classmethod
    def from_box2d(cls, box: Box2D, edge: str = "EXPAND") -> Box2I:
        """The pixels a `Box2D` touches (``EXPAND``) or fully contains (``SHRINK``)."""
        if box.isEmpty():
            return cls()
        if edge == "EXPAND":
            lo = (math.floor(box.getMinX() + 0.5), math.floor(box.getMinY() + 0.5))
            hi = (math.ceil(box.getMaxX() - 0.5), math.ceil(box.getMaxY() - 0.5))
        elif edge == "SHRINK":
            lo = (math.ceil(box.getMinX() + 0.5), math.ceil(box.getMinY() + 0.5))
            hi = (math.floor(box.getMaxX() - 0.5), math.floor(box.getMaxY() - 0.5))
        else:
            raise ValueError(f"edge must be 'EXPAND' or 'SHRINK', not {edge!r}")
        return cls(Point2I(*lo), Point2I(*hi), invert=False)

    @classmethod
    def makeCenteredBox(cls, center: Point2D, size: Extent2I) -> Box2I:
        """The box of ``size`` whose centre is as close as possible to ``center``."""
        x0 = math.floor(center[0] - (size[0] - 1) / 2.0 + 0.5)
        y0 = math.floor(center[1] - (size[1] - 1) / 2.0 + 0.5)
        return cls(Point2I(x0, y0), Extent2I(size))

    # --- accessors (LSST names) ---
    def getMinX(self) -> int:
        return self._x0

    def getMinY(self) -> int:
        return self._y0

    def getMaxX(self) -> int:
        return self._x0 + self._w - 1

    def getMaxY(self) -> int:
        return self._y0 + self._h - 1

    def getBeginX(self) -> int:
        return self._x0

    def getBeginY(self) -> int:
        return self._y0

    def getEndX(self) -> int:
        return self._x0 + self._w

    def getEndY(self) -> int:
        return self._y0 + self._h

    def getWidth(self) -> int:
        return self._w

    def getHeight(self) -> int:
        return self._h

    def getArea(self) -> int:
        return self._w * self._h

    def getMin(self) -> Point2I:
        return Point2I(self._x0, self._y0)

    def getMax(self) -> Point2I:
        return Point2I(self.getMaxX(), self.getMaxY())

    def getBegin(self) -> Point2I:
        return self.getMin()

    def getEnd(self) -> Point2I:
        return Point2I(self.getEndX(), self.getEndY())

    def getDimensions(self) -> Extent2I:
        return Extent2I(self._w, self._h)

    def getCenter(self) -> Point2D:
        return Point2D(self._x0 + (self._w - 1) / 2.0, self._y0 + (self._h - 1) / 2.0)

    def getCenterX(self) -> float:
        return self._x0 + (self._w - 1) / 2.0

    def getCenterY(self) -> float:
        return self._y0 + (self._h - 1) / 2.0

    def getCorners(self) -> list[Point2I]:
        """The four corner pixels, counter-clockwise from the minimum."""
        x0, y0, x1, y1 = self._x0, self._y0, self.getMaxX(), self.getMaxY()
        return [Point2I(x0, y0), Point2I(x1, y0), Point2I(x1, y1), Point2I(x0, y1)]

    minX = property(getMinX)
    minY = property(getMinY)
    maxX = property(getMaxX)
    maxY = property(getMaxY)
    beginX = property(getBeginX)
    beginY = property(getBeginY)
    endX = property(getEndX)
    endY = property(getEndY)
    width = property(getWidth)
    height = property(getHeight)
    area = property(getArea)
    dimensions = property(getDimensions)

    def isEmpty(self) -> bool:
        return self._w <= 0 or self._h <= 0

    def __bool__(self) -> bool:
        return not self.isEmpty()

    # --- predicates ---
    def contains(self, other: Any, y: Any = None) -> Any:
        """Whether a point, a box, or (vectorised) arrays of ``x`` and ``y`` lie inside the box."""
        if y is not None:
            x = np.asarray(other)
            y = np.asarray(y)
            return (x >= self._x0) & (x < self.getEndX()) & (y >= self._y0) & (y < self.getEndY())
        if isinstance(other, Box2I):
            if other.isEmpty():
                return True
            return (
                other._x0 >= self._x0
                and other._y0 >= self._y0
                and other.getEndX() <= self.getEndX()
                and other.getEndY() <= self.getEndY()
            )
        px, py = other[0], other[1]
        if isinstance(px, float) or isinstance(py, float):
            px, py = math.floor(px + 0.5), math.floor(py + 0.5)
        return self._x0 <= px < self.getEndX() and self._y0 <= py < self.getEndY()

    def overlaps(self, other: Box2I) -> bool:
        return not self.clippedTo(other).isEmpty()

    # --- new boxes ---
    def clippedTo(self, other: Box2I) -> Box2I:
        """The intersection of two boxes (empty if they do not overlap)."""
        if self.isEmpty() or other.isEmpty():
            return Box2I()
        x0, y0 = max(self._x0, other._x0), max(self._y0, other._y0)
        x1, y1 = min(self.getEndX(), other.getEndX()), min(self.getEndY(), other.getEndY())
        return Box2I(Point2I(x0, y0), Extent2I(x1 - x0, y1 - y0))

    def expandedTo(self, other: Box2I | Point2I) -> Box2I:
        """The smallest box holding this box and a point or box."""
        if isinstance(other, Box2I):
            if other.isEmpty():
                return Box2I(self)
            if self.isEmpty():
                return Box2I(other)
            return Box2I(
                Point2I(min(self._x0, other._x0), min(self._y0, other._y0)),
                Point2I(max(self.getMaxX(), other.getMaxX()), max(self.getMaxY(), other.getMaxY())),
            )
        p = Point2I(other)
        if self.isEmpty():
            return Box2I(p, Extent2I(1, 1))
        return Box2I(
            Point2I(min(self._x0, p.x), min(self._y0, p.y)),
            Point2I(max(self.getMaxX(), p.x), max(self.getMaxY(), p.y)),
        )

    def dilatedBy(self, buffer: int | Extent2I) -> Box2I:
        """A copy grown by ``buffer`` pixels on every side (negative shrinks)."""
        bx, by = (buffer, buffer) if isinstance(buffer, (int, np.integer)) else (buffer[0], buffer[1])
        if self.isEmpty():
            return Box2I()
        return Box2I(Point2I(self._x0 - bx, self._y0 - by), Extent2I(self._w + 2 * bx, self._h + 2 * by))

    def erodedBy(self, buffer: int | Extent2I) -> Box2I:
        """A copy shrunk by ``buffer`` pixels on every side."""
        bx, by = (buffer, buffer) if isinstance(buffer, (int, np.integer)) else (buffer[0], buffer[1])
        return self.dilatedBy(Extent2I(-bx, -by))

    def shiftedBy(self, offset: Extent2I) -> Box2I:
        return Box2I(Point2I(self._x0 + offset[0], self._y0 + offset[1]), self.getDimensions())

    # --- in-place (LSST mutating API) ---
    def grow(self, buffer: int | Extent2I) -> None:
        """Grow in place by ``buffer`` pixels on every side."""
        grown = self.dilatedBy(buffer)
        self._x0, self._y0, self._w, self._h = grown._x0, grown._y0, grown._w, grown._h

    def clip(self, other: Box2I) -> None:
        """Shrink in place to the intersection with ``other``."""
        c = self.clippedTo(other)
        self._x0, self._y0, self._w, self._h = c._x0, c._y0, c._w, c._h

    def include(self, other: Box2I | Point2I) -> None:
        """Expand in place to hold ``other``."""
        e = self.expandedTo(other)
        self._x0, self._y0, self._w, self._h = e._x0, e._y0, e._w, e._h

    def shift(self, offset: Extent2I) -> None:
        self._x0 += offset[0]
        self._y0 += offset[1]

    # --- numpy ---
    def slices(self, origin: Point2I | tuple[int, int] | None = None) -> tuple[slice, slice]:
        """``(row_slice, col_slice)`` selecting this box in an array whose [0, 0] pixel is ``origin``."""
        ox, oy = (origin[0], origin[1]) if origin is not None else (0, 0)
        return (
            slice(self._y0 - oy, self._y0 - oy + self._h),
            slice(self._x0 - ox, self._x0 - ox + self._w),
        )

    def getSlices(self) -> tuple[slice, slice]:
        """LSST spelling of ``slices()`` relative to (0, 0)."""
        return self.slices()

    def to_xywh(self) -> dict[str, int]:
        """``{"x0", "y0", "width", "height"}`` (what `from_xywh` reads)."""
        return {"x0": self._x0, "y0": self._y0, "width": self._w, "height": self._h}

    # --- value semantics ---
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Box2I):
            return NotImplemented
        if self.isEmpty() and other.isEmpty():
            return True
        return (self._x0, self._y0, self._w, self._h) == (other._x0, other._y0, other._w, other._h)

    def __hash__(self) -> int:
        if self.isEmpty():
            return hash(("Box2I", "empty"))
        return hash(("Box2I", self._x0, self._y0, self._w, self._h))

    def __repr__(self) -> str:
        if self.isEmpty():
            return "Box2I()"
        return f"Box2I(minimum={self.getMin()!r}, dimensions={self.getDimensions()!r})"

    def __str__(self) -> str:
        if self.isEmpty():
            return "Box2I(empty)"
        return f"Box2I(({self._x0}, {self._y0}) - ({self.getMaxX()}, {self.getMaxY()}))"

    def __reduce__(self) -> Any:
        return (Box2I.from_xywh, (self._x0, self._y0, self._w, self._h))


class Box2D:
    """A floating-point box ``[minX, maxX) x [minY, maxY)``.

    ``Box2D(Box2I)`` covers the pixel edges of an integer box: ``minX - 0.5`` to ``maxX + 0.5``.
    """

    __slots__ = ("_x0", "_y0", "_x1", "_y1")

    def __init__(self, minimum: Any = None, second: Any = None, invert: bool = True):
        if minimum is None:
            self._x0 = self._y0 = math.nan
            self._x1 = self._y1 = math.nan
            return
        if isinstance(minimum, Box2I):
            if minimum.isEmpty():
                self.__init__()
                return
            self._x0, self._y0 = minimum.getMinX() - 0.5, minimum.getMinY() - 0.5
            self._x1, self._y1 = minimum.getMaxX() + 0.5, minimum.getMaxY() + 0.5
            return
        if isinstance(minimum, Box2D):
            self._x0, self._y0, self._x1, self._y1 = minimum._x0, minimum._y0, minimum._x1, minimum._y1
            return
        p0 = Point2D(minimum)
        if isinstance(second, (Extent2D, Extent2I)):
            x1, y1 = p0.x + second[0], p0.y + second[1]
        else:
            p1 = Point2D(second)
            x1, y1 = p1.x, p1.y
        x0, y0 = p0.x, p0.y
        if invert:
            x0, x1 = min(x0, x1), max(x0, x1)
            y0, y1 = min(y0, y1), max(y0, y1)
        if x1 <= x0 or y1 <= y0:
            self.__init__()
            return
        self._x0, self._y0, self._x1, self._y1 = x0, y0, x1, y1

    def isEmpty(self) -> bool:
        return math.isnan(self._x0)

    def getMinX(self) -> float:
        return self._x0

    def getMinY(self) -> float:
        return self._y0

    def getMaxX(self) -> float:
        return self._x1

    def getMaxY(self) -> float:
        return self._y1

    def getMin(self) -> Point2D:
        return Point2D(self._x0, self._y0)

    def getMax(self) -> Point2D:
        return Point2D(self._x1, self._y1)

    def getWidth(self) -> float:
        return 0.0 if self.isEmpty() else self._x1 - self._x0

    def getHeight(self) -> float:
        return 0.0 if self.isEmpty() else self._y1 - self._y0

    def getArea(self) -> float:
        return self.getWidth() * self.getHeight()

    def getDimensions(self) -> Extent2D:
        return Extent2D(self.getWidth(), self.getHeight())

    def getCenter(self) -> Point2D:
        return Point2D(0.5 * (self._x0 + self._x1), 0.5 * (self._y0 + self._y1))

    def getCorners(self) -> list[Point2D]:
        return [
            Point2D(self._x0, self._y0),
            Point2D(self._x1, self._y0),
            Point2D(self._x1, self._y1),
            Point2D(self._x0, self._y1),
        ]

    def contains(self, other: Any, y: Any = None) -> Any:
        """Whether a point, a box or (vectorised) ``x``, ``y`` arrays lie inside (min in, max out)."""
        if y is not None:
            x = np.asarray(other)
            y = np.asarray(y)
            return (x >= self._x0) & (x < self._x1) & (y >= self._y0) & (y < self._y1)
        if isinstance(other, Box2D):
            return other.isEmpty() or (
                other._x0 >= self._x0 and other._y0 >= self._y0 and other._x1 <= self._x1 and other._y1 <= self._y1
            )
        return self._x0 <= other[0] < self._x1 and self._y0 <= other[1] < self._y1

    def clippedTo(self, other: Box2D) -> Box2D:
        if self.isEmpty() or other.isEmpty():
            return Box2D()
        return Box2D(
            Point2D(max(self._x0, other._x0), max(self._y0, other._y0)),
            Point2D(min(self._x1, other._x1), min(self._y1, other._y1)),
            invert=False,
        )

    def dilatedBy(self, buffer: float) -> Box2D:
        if self.isEmpty():
            return Box2D()
        return Box2D(
            Point2D(self._x0 - buffer, self._y0 - buffer), Point2D(self._x1 + buffer, self._y1 + buffer), False
        )

    def include(self, point: Point2D) -> None:
        """Expand in place to hold ``point``."""
        if self.isEmpty():
            self._x0 = self._x1 = float(point[0])
            self._y0 = self._y1 = float(point[1])
            return
        self._x0, self._x1 = min(self._x0, point[0]), max(self._x1, point[0])
        self._y0, self._y1 = min(self._y0, point[1]), max(self._y1, point[1])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Box2D):
            return NotImplemented
        if self.isEmpty() and other.isEmpty():
            return True
        return (self._x0, self._y0, self._x1, self._y1) == (other._x0, other._y0, other._x1, other._y1)

    def __hash__(self) -> int:
        return hash(("Box2D", "empty") if self.isEmpty() else ("Box2D", self._x0, self._y0, self._x1, self._y1))

    def __repr__(self) -> str:
        if self.isEmpty():
            return "Box2D()"
        return f"Box2D(minimum={self.getMin()!r}, maximum={self.getMax()!r})"
