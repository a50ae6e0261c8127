"""Unions and intersections of regions (LSST sphgeom's compound regions)."""

from __future__ import annotations

__all__ = ["IntersectionRegion", "UnionRegion"]

import struct
from typing import ClassVar

import numpy as np

from .circle import Circle
from .region import Region


class _CompoundRegion(Region):
    def __init__(self, *regions: Region):
        self._regions = tuple(regions)

    @property
    def regions(self) -> tuple[Region, ...]:
        """The operands."""
        return self._regions

    def getRegions(self) -> list[Region]:  # noqa: N802
        """The operands, as LSST sphgeom names them."""
        return list(self._regions)

    def __len__(self) -> int:
        return len(self._regions)

    def encode(self) -> bytes:
        parts = [bytes([self.TYPE_CODE])]
        for region in self._regions:
            encoded = region.encode()
            parts.append(struct.pack("<Q", len(encoded)))
            parts.append(encoded)
        return b"".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self._regions))})"


class UnionRegion(_CompoundRegion):
    """Every point in any of the operands (no operands: empty)."""

    TYPE_CODE: ClassVar[int] = ord("u")

    def is_empty(self) -> bool:
        return all(r.is_empty() for r in self._regions)

    def contains_vectors(self, vectors: np.ndarray) -> np.ndarray:
        result = np.zeros(len(vectors), dtype=bool)
        for region in self._regions:
            result |= region.contains_vectors(vectors)
        return result

    def overlaps_circles(self, centers: np.ndarray, radii: np.ndarray) -> np.ndarray:
        result = np.zeros(len(centers), dtype=bool)
        for region in self._regions:
            result |= region.overlaps_circles(centers, radii)
        return result

    @property
    def bounding_circle(self) -> Circle:
        circles = [r.bounding_circle for r in self._regions if not r.is_empty()]
        if not circles:
            return Circle([0.0, 0.0, 1.0], -1.0)
        from .vectors import angle_between, normalize

        center = normalize(sum(c.center_vector for c in circles))
        radius = max(float(angle_between(c.center_vector, center)) + c.radius_radians for c in circles)
        return Circle(center, np.degrees(radius) * (1 + 1e-12) + 1e-14)


class IntersectionRegion(_CompoundRegion):
    """Every point in all of the operands (no operands: the whole sky).

    ``overlaps`` is conservative: it answers `True` when every operand
    overlaps the other region, even if their common part does not.
    """

    TYPE_CODE: ClassVar[int] = ord("i")

    def is_empty(self) -> bool:
        return any(r.is_empty() for r in self._regions)

    def contains_vectors(self, vectors: np.ndarray) -> np.ndarray:
        result = np.ones(len(vectors), dtype=bool)
        for region in self._regions:
            result &= region.contains_vectors(vectors)
        return result

    def overlaps_circles(self, centers: np.ndarray, radii: np.ndarray) -> np.ndarray:
        result = np.ones(len(centers), dtype=bool)
        for region in self._regions:
            result &= region.overlaps_circles(centers, radii)
        return result

    @property
    def bounding_circle(self) -> Circle:
        circles = [r.bounding_circle for r in self._regions]
        if not circles:
            return Circle([0.0, 0.0, 1.0], 180.0)
        return min(circles, key=lambda c: c.radius_radians)
