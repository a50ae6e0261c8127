"""Sets of pixel indices held as sorted half-open ranges."""

from __future__ import annotations

__all__ = ["RangeSet"]

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np


class RangeSet:
    """A set of non-negative integers, stored as sorted disjoint ``[begin, end)`` ranges.

    Parameters
    ----------
    ranges : iterable of ``(begin, end)``, optional
        Half-open ranges, in any order, possibly overlapping.
    """

    __slots__ = ("_begins", "_ends")

    def __init__(self, ranges: Iterable[tuple[int, int]] = ()):
        pairs = np.array([(int(b), int(e)) for b, e in ranges if int(e) > int(b)], dtype=np.int64)
        self._begins, self._ends = _merge(pairs.reshape(-1, 2))

    @classmethod
    def from_indices(cls, indices: Any) -> RangeSet:
        """The set of the given integers."""
        values = np.unique(np.asarray(indices, dtype=np.int64).ravel())
        result = cls.__new__(cls)
        if len(values) == 0:
            result._begins = result._ends = np.zeros(0, dtype=np.int64)
            return result
        breaks = np.flatnonzero(np.diff(values) != 1) + 1
        result._begins = values[np.concatenate([[0], breaks])]
        result._ends = values[np.concatenate([breaks - 1, [len(values) - 1]])] + 1
        return result

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return zip(self._begins.tolist(), self._ends.tolist())

    def __len__(self) -> int:
        """The number of ranges (`cardinality` is the number of integers)."""
        return len(self._begins)

    def __bool__(self) -> bool:
        return len(self._begins) > 0

    def cardinality(self) -> int:
        """The number of integers in the set."""
        return int((self._ends - self._begins).sum())

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, (int, np.integer)):
            return False
        i = int(np.searchsorted(self._ends, value, side="right"))
        return i < len(self._begins) and self._begins[i] <= value

    def indices(self) -> np.ndarray:
        """Every integer in the set, sorted."""
        if not len(self._begins):
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([np.arange(b, e, dtype=np.int64) for b, e in self])

    def union(self, other: RangeSet) -> RangeSet:
        """The integers in either set."""
        return RangeSet(list(self) + list(other))

    def scaled(self, factor: int) -> RangeSet:
        """The set with every integer ``i`` replaced by ``[i·factor, (i+1)·factor)``
        (the descendants at a finer level of a hierarchical pixelization)."""
        return RangeSet((b * factor, e * factor) for b, e in self)

    def simplify(self, max_ranges: int) -> RangeSet:
        """A superset with at most ``max_ranges`` ranges, merging across the smallest gaps."""
        if len(self) <= max_ranges or max_ranges < 1:
            return self
        gaps = self._begins[1:] - self._ends[:-1]
        keep = np.sort(np.argsort(gaps, kind="stable")[len(self) - max_ranges:])
        begins = np.concatenate([self._begins[:1], self._begins[1:][keep]])
        ends = np.concatenate([self._ends[:-1][keep], self._ends[-1:]])
        return RangeSet(zip(begins.tolist(), ends.tolist()))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RangeSet):
            return NotImplemented
        return np.array_equal(self._begins, other._begins) and np.array_equal(self._ends, other._ends)

    def __repr__(self) -> str:
        shown = ", ".join(f"[{b}, {e})" for b, e in list(self)[:8])
        more = f", ... ({len(self)} ranges)" if len(self) > 8 else ""
        return f"RangeSet({shown}{more})"


def _merge(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(pairs) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy()
    pairs = pairs[np.argsort(pairs[:, 0], kind="stable")]
    ends_so_far = np.maximum.accumulate(pairs[:, 1])
    starts_new = np.concatenate([[True], pairs[1:, 0] > ends_so_far[:-1]])
    group = np.cumsum(starts_new) - 1
    begins = pairs[starts_new, 0]
    ends = np.zeros(len(begins), dtype=np.int64)
    np.maximum.at(ends, group, pairs[:, 1])
    return begins, ends
