"""Pixel regions as runs of pixels: `Span` and `SpanSet` (LSST's ``afw.geom.SpanSet``).

A span ``(y, x0, x1)`` covers the pixels ``x0 <= x <= x1`` (both inclusive, as in LSST) of row ``y``.
A `SpanSet` keeps its spans sorted by ``(y, x0)`` with overlapping and touching spans merged, so two
sets covering the same pixels are equal. Coordinates are parent pixel coordinates (those of an image
whose ``xy0`` is taken into account).
"""

from __future__ import annotations

__all__ = ["Span", "SpanSet", "Stencil"]

import enum
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np
from scipy import ndimage

from ..geometry import Box2I, Extent2I, Point2I


class Stencil(enum.Enum):
    """Shape of a structuring element for `SpanSet.fromShape`, `dilated` and `eroded`."""

    CIRCLE = "CIRCLE"
    BOX = "BOX"
    MANHATTAN = "MANHATTAN"


class Span(NamedTuple):
    """One run of pixels ``x0..x1`` (inclusive) on row ``y``."""

    y: int
    x0: int
    x1: int

    def getY(self) -> int:
        return self.y

    def getX0(self) -> int:
        return self.x0

    def getX1(self) -> int:
        return self.x1

    def getMinX(self) -> int:
        return self.x0

    def getMaxX(self) -> int:
        return self.x1

    def getWidth(self) -> int:
        return self.x1 - self.x0 + 1

    def contains(self, x: int, y: int | None = None) -> bool:
        if y is None:
            return self.x0 <= x <= self.x1
        return y == self.y and self.x0 <= x <= self.x1


def _normalized(spans: np.ndarray) -> np.ndarray:
    """Sort spans by (y, x0) and merge overlapping or touching runs of the same row."""
    if len(spans) == 0:
        return np.zeros((0, 3), dtype=np.int32)
    spans = spans[np.lexsort((spans[:, 1], spans[:, 0]))]
    ys, x0s, x1s = spans[:, 0], spans[:, 1], spans[:, 2]
    # Running maximum of x1 within each row tells whether the next span starts a new run.
    new_row = np.empty(len(spans), dtype=bool)
    new_row[0] = True
    new_row[1:] = ys[1:] != ys[:-1]
    row_id = np.cumsum(new_row) - 1
    big = np.int64(1) << 40
    keyed = row_id.astype(np.int64) * big + (x1s.astype(np.int64) - int(x0s.min()) + 1)
    running = np.maximum.accumulate(keyed) - row_id.astype(np.int64) * big + int(x0s.min()) - 1
    starts = np.empty(len(spans), dtype=bool)
    starts[0] = True
    starts[1:] = new_row[1:] | (x0s[1:] > running[:-1] + 1)
    start_idx = np.flatnonzero(starts)
    end_idx = np.append(start_idx[1:], len(spans)) - 1
    merged = np.column_stack((ys[start_idx], x0s[start_idx], running[end_idx]))
    return merged.astype(np.int32)


class SpanSet:
    """A set of pixels stored as sorted, merged spans.

    Parameters
    ----------
    spans : iterable of `Span` / ``(y, x0, x1)``, `numpy.ndarray` of shape (n, 3), or `Box2I`, optional
        The pixels; a `Box2I` gives one span per row of the box. Empty by default.
    normalize : `bool`, optional
        Sort and merge the spans (skip only for spans known to be normalized).
    """

    __slots__ = ("_spans",)

    def __init__(self, spans: Any = None, normalize: bool = True):
        if not normalize and isinstance(spans, np.ndarray):
            # Trusted, already normalized spans (readers, internal operations): no checks.
            self._spans = spans.astype(np.int32, copy=False).reshape(-1, 3)
            return
        if spans is None:
            array = np.zeros((0, 3), dtype=np.int32)
        elif isinstance(spans, Box2I):
            if spans.isEmpty():
                array = np.zeros((0, 3), dtype=np.int32)
            else:
                ys = np.arange(spans.getMinY(), spans.getMaxY() + 1, dtype=np.int32)
                array = np.column_stack(
                    (ys, np.full_like(ys, spans.getMinX()), np.full_like(ys, spans.getMaxX()))
                )
                normalize = False
        else:
            array = np.asarray(list(spans) if not isinstance(spans, np.ndarray) else spans, dtype=np.int64)
            array = array.reshape(-1, 3)
            if np.any(array[:, 2] < array[:, 1]):
                bad = array[array[:, 2] < array[:, 1]][0]
                raise ValueError(
                    f"Span {tuple(int(v) for v in bad)} has x1 < x0; spans are (y, x0, x1) with x1 >= x0"
                )
        self._spans = _normalized(np.asarray(array)) if normalize else np.asarray(array, dtype=np.int32)

    # -- construction -------------------------------------------------------

    @classmethod
    def fromShape(cls, radius: int, stencil: Stencil | str = Stencil.CIRCLE, offset: Any = (0, 0)) -> SpanSet:
        """Return a disc, square or diamond of ``radius`` pixels centred on ``offset``."""
        structure = _structure(
            int(radius), Stencil(stencil if not isinstance(stencil, Stencil) else stencil.value)
        )
        x0, y0 = int(offset[0]) - int(radius), int(offset[1]) - int(radius)
        return cls.fromArray(structure, xy0=(x0, y0))

    @classmethod
    def fromArray(cls, array: np.ndarray, xy0: Any = (0, 0)) -> SpanSet:
        """Return the pixels where ``array`` is true (``array[y, x]``, origin ``xy0``)."""
        mask = np.asarray(array, dtype=bool)
        if mask.ndim != 2:
            raise ValueError(f"fromArray needs a 2-d array, not one of shape {mask.shape}")
        height, width = mask.shape
        padded = np.zeros((height, width + 2), dtype=np.int8)
        padded[:, 1:-1] = mask
        steps = np.diff(padded, axis=1)
        start_rows, start_cols = np.nonzero(steps == 1)
        _, end_cols = np.nonzero(steps == -1)
        x0, y0 = int(xy0[0]), int(xy0[1])
        spans = np.column_stack((start_rows + y0, start_cols + x0, end_cols - 1 + x0)).astype(np.int32)
        return cls(spans, normalize=False)

    @classmethod
    def fromMask(cls, mask: Any, bitmask: int | None = None) -> SpanSet:
        """Return the pixels of a `Mask` (or array with origin 0) having any bit of ``bitmask`` set."""
        array, xy0 = _array_and_origin(mask)
        selected = array != 0 if bitmask is None else (array & bitmask) != 0
        return cls.fromArray(selected, xy0=xy0)

    # -- properties ---------------------------------------------------------

    def asArray(self) -> np.ndarray:
        """Return a read-only (n, 3) int32 array of ``(y, x0, x1)`` rows."""
        view = self._spans.view()
        view.flags.writeable = False
        return view

    def __len__(self) -> int:
        return len(self._spans)

    def size(self) -> int:
        return len(self._spans)

    def __iter__(self) -> Iterator[Span]:
        for y, x0, x1 in self._spans.tolist():
            yield Span(y, x0, x1)

    def __getitem__(self, index: int) -> Span:
        y, x0, x1 = self._spans[index].tolist()
        return Span(y, x0, x1)

    def isEmpty(self) -> bool:
        return len(self._spans) == 0

    def getArea(self) -> int:
        """Number of pixels."""
        return int(np.sum(self._spans[:, 2].astype(np.int64) - self._spans[:, 1] + 1))

    def getBBox(self) -> Box2I:
        """Smallest `Box2I` holding every pixel (empty for an empty set)."""
        if self.isEmpty():
            return Box2I()
        return Box2I(
            Point2I(int(self._spans[:, 1].min()), int(self._spans[0, 0])),
            Point2I(int(self._spans[:, 2].max()), int(self._spans[-1, 0])),
        )

    def indices(self) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(ys, xs)`` of every pixel, in span order."""
        widths = (self._spans[:, 2] - self._spans[:, 1] + 1).astype(np.int64)
        ys = np.repeat(self._spans[:, 0], widths)
        first = np.repeat(self._spans[:, 1].astype(np.int64) - np.cumsum(widths) + widths, widths)
        xs = first + np.arange(int(widths.sum()))
        return ys.astype(np.int64), xs

    def contains(self, other: Any, y: Any = None) -> bool:
        """Whether a pixel (`Point2I`, ``(x, y)``, ``x, y``) or every pixel of a `SpanSet` is in this set."""
        if isinstance(other, SpanSet):
            return self.intersect(other) == other
        if y is None:
            x, y = (other.getX(), other.getY()) if hasattr(other, "getX") else other
        else:
            x = other
        x, y = (
            int(np.floor(x + 0.5)) if isinstance(x, float) else int(x),
            int(np.floor(y + 0.5)) if isinstance(y, float) else int(y),
        )
        rows = self._spans[:, 0]
        lo, hi = np.searchsorted(rows, y, "left"), np.searchsorted(rows, y, "right")
        row = self._spans[lo:hi]
        return bool(np.any((row[:, 1] <= x) & (x <= row[:, 2])))

    # -- rasterization ------------------------------------------------------

    def asBoolArray(self, bbox: Box2I | None = None) -> np.ndarray:
        """Return a boolean array over ``bbox`` (default `getBBox`) true on this set's pixels."""
        bbox = self.getBBox() if bbox is None else bbox
        out = np.zeros((bbox.getHeight(), bbox.getWidth()), dtype=bool)
        if self.isEmpty() or bbox.isEmpty():
            return out
        clipped = self.clippedTo(bbox)
        ys, xs = clipped.indices()
        out[ys - bbox.getMinY(), xs - bbox.getMinX()] = True
        return out

    def flatten(self, array: Any, xy0: Any = None) -> np.ndarray:
        """Return the values of ``array`` (or an image's) on this set's pixels, in span order."""
        data, origin = _array_and_origin(array, xy0)
        ys, xs = self.indices()
        ys, xs = ys - origin[1], xs - origin[0]
        if len(ys) and (
            ys.min() < 0 or xs.min() < 0 or ys.max() >= data.shape[0] or xs.max() >= data.shape[1]
        ):
            raise IndexError(
                f"SpanSet with bbox {self.getBBox()} is not inside the array of shape {data.shape[:2]} "
                f"at origin {tuple(origin)}"
            )
        return data[ys, xs]

    def unflatten(self, target: Any, values: np.ndarray, xy0: Any = None) -> None:
        """Write ``values`` (in span order) into ``target`` (array or image) on this set's pixels."""
        data, origin = _array_and_origin(target, xy0)
        ys, xs = self.indices()
        data[ys - origin[1], xs - origin[0]] = values

    def setMask(self, mask: Any, bitmask: int) -> None:
        """OR ``bitmask`` into a `Mask` on this set's pixels that fall inside it."""
        data, origin = _array_and_origin(mask)
        box = Box2I(Point2I(origin[0], origin[1]), Extent2I(data.shape[1], data.shape[0]))
        ys, xs = self.clippedTo(box).indices()
        data[ys - origin[1], xs - origin[0]] |= np.asarray(bitmask).astype(data.dtype)

    def clearMask(self, mask: Any, bitmask: int) -> None:
        """Clear ``bitmask`` from a `Mask` on this set's pixels that fall inside it."""
        data, origin = _array_and_origin(mask)
        box = Box2I(Point2I(origin[0], origin[1]), Extent2I(data.shape[1], data.shape[0]))
        ys, xs = self.clippedTo(box).indices()
        data[ys - origin[1], xs - origin[0]] &= ~np.asarray(bitmask).astype(data.dtype)

    def setImage(self, image: Any, value: float) -> None:
        """Set ``image`` to ``value`` on this set's pixels that fall inside it."""
        data, origin = _array_and_origin(image)
        box = Box2I(Point2I(origin[0], origin[1]), Extent2I(data.shape[1], data.shape[0]))
        ys, xs = self.clippedTo(box).indices()
        data[ys - origin[1], xs - origin[0]] = value

    # -- set operations -----------------------------------------------------

    def shiftedBy(self, dx: Any, dy: int | None = None) -> SpanSet:
        if dy is None:
            dx, dy = (dx.getX(), dx.getY()) if hasattr(dx, "getX") else dx
        shifted = self._spans + np.array([int(dy), int(dx), int(dx)], dtype=np.int32)
        return SpanSet(shifted, normalize=False)

    def clippedTo(self, box: Box2I) -> SpanSet:
        """Return the part of this set inside ``box``."""
        if box.isEmpty() or self.isEmpty():
            return SpanSet()
        s = self._spans
        keep = (s[:, 0] >= box.getMinY()) & (s[:, 0] <= box.getMaxY())
        keep &= (s[:, 2] >= box.getMinX()) & (s[:, 1] <= box.getMaxX())
        s = s[keep].copy()
        np.clip(s[:, 1], box.getMinX(), None, out=s[:, 1])
        np.clip(s[:, 2], None, box.getMaxX(), out=s[:, 2])
        return SpanSet(s, normalize=False)

    def _combine(self, other: SpanSet, op: Any) -> SpanSet:
        if self.isEmpty() and other.isEmpty():
            return SpanSet()
        box = other.getBBox() if self.isEmpty() else self.getBBox()
        if not other.isEmpty():
            box = box.expandedTo(other.getBBox())
        combined = op(self.asBoolArray(box), other.asBoolArray(box))
        return SpanSet.fromArray(combined, xy0=(box.getMinX(), box.getMinY()))

    def union(self, other: SpanSet) -> SpanSet:
        return SpanSet(np.concatenate((self._spans, other._spans)))

    def intersect(self, other: SpanSet) -> SpanSet:
        return self._combine(other, np.logical_and)

    def intersectNot(self, other: SpanSet) -> SpanSet:
        """Pixels in this set and not in ``other``."""
        return self._combine(other, lambda a, b: a & ~b)

    def dilated(self, radius: int, stencil: Stencil | str = Stencil.CIRCLE) -> SpanSet:
        """Return this set grown by ``radius`` pixels with the given stencil."""
        radius = int(radius)
        if radius <= 0 or self.isEmpty():
            return SpanSet(self._spans, normalize=False)
        box = self.getBBox().dilatedBy(radius)
        grown = ndimage.binary_dilation(
            self.asBoolArray(box), structure=_structure(radius, Stencil(_stencil_value(stencil)))
        )
        return SpanSet.fromArray(grown, xy0=(box.getMinX(), box.getMinY()))

    def eroded(self, radius: int, stencil: Stencil | str = Stencil.CIRCLE) -> SpanSet:
        """Return this set shrunk by ``radius`` pixels with the given stencil."""
        radius = int(radius)
        if radius <= 0 or self.isEmpty():
            return SpanSet(self._spans, normalize=False)
        box = self.getBBox().dilatedBy(radius)
        shrunk = ndimage.binary_erosion(
            self.asBoolArray(box),
            structure=_structure(radius, Stencil(_stencil_value(stencil))),
            border_value=0,
        )
        return SpanSet.fromArray(shrunk, xy0=(box.getMinX(), box.getMinY()))

    def split(self, connectivity: int = 8) -> list[SpanSet]:
        """Return the connected pieces of this set (8- or 4-connected), ordered by first pixel."""
        if self.isEmpty():
            return []
        box = self.getBBox()
        structure = np.ones((3, 3), bool) if connectivity == 8 else ndimage.generate_binary_structure(2, 1)
        labels, count = ndimage.label(self.asBoolArray(box), structure=structure)
        pieces = []
        for index, slices in enumerate(ndimage.find_objects(labels), start=1):
            sub = labels[slices] == index
            pieces.append(
                SpanSet.fromArray(sub, xy0=(box.getMinX() + slices[1].start, box.getMinY() + slices[0].start))
            )
        pieces.sort(key=lambda s: (int(s._spans[0, 0]), int(s._spans[0, 1])))
        return pieces

    def isContiguous(self) -> bool:
        return len(self.split()) <= 1

    def computeCentroid(self) -> tuple[float, float]:
        """Unweighted mean ``(x, y)`` of the pixels."""
        ys, xs = self.indices()
        return float(xs.mean()), float(ys.mean())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SpanSet):
            return NotImplemented
        return np.array_equal(self._spans, other._spans)

    def __hash__(self) -> int:
        return hash(self._spans.tobytes())

    def __repr__(self) -> str:
        return f"SpanSet({len(self._spans)} spans, area={self.getArea()}, bbox={self.getBBox()})"

    def __reduce__(self) -> Any:
        return (SpanSet, (self._spans, False))


def _stencil_value(stencil: Stencil | str) -> str:
    return stencil.value if isinstance(stencil, Stencil) else str(stencil).upper()


def _structure(radius: int, stencil: Stencil) -> np.ndarray:
    offsets = np.arange(-radius, radius + 1)
    dy, dx = np.meshgrid(offsets, offsets, indexing="ij")
    if stencil is Stencil.BOX:
        return np.ones_like(dx, dtype=bool)
    if stencil is Stencil.MANHATTAN:
        return (np.abs(dx) + np.abs(dy)) <= radius
    return dx**2 + dy**2 <= radius**2


def _array_and_origin(obj: Any, xy0: Any = None) -> tuple[np.ndarray, tuple[int, int]]:
    """Return ``(array, (x0, y0))`` for an image-like object or a bare array."""
    if isinstance(obj, np.ndarray):
        origin = (0, 0) if xy0 is None else (int(xy0[0]), int(xy0[1]))
        return obj, origin
    array = obj.array if hasattr(obj, "array") else obj.getArray()
    if xy0 is None:
        point = obj.getXY0()
        xy0 = (point.getX(), point.getY()) if hasattr(point, "getX") else point
    return array, (int(xy0[0]), int(xy0[1]))
