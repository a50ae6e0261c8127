"""The interface of hierarchical sky pixelizations, and lookup by dimension name."""

from __future__ import annotations

__all__ = ["Pixelization", "pixelization_from_name"]

import abc
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from .polygon import ConvexPolygon
from .ranges import RangeSet
from .region import Region
from .vectors import LonLat, lonlat_to_vectors


class Pixelization(abc.ABC):
    """A hierarchical division of the sky into numbered pixels at one level.

    Parameters
    ----------
    level : `int`
        The subdivision level; each pixel has 4 children at ``level + 1``.
    """

    system: str
    MAX_LEVEL: int

    def __init__(self, level: int):
        if not 0 <= level <= self.MAX_LEVEL:
            raise ValueError(f"{self.system} level must be in [0, {self.MAX_LEVEL}], not {level}.")
        self.level = level

    @property
    def name(self) -> str:
        """The skypix dimension name, e.g. ``htm7``."""
        return f"{self.system}{self.level}"

    @abc.abstractmethod
    def index_vectors(self, vectors: np.ndarray) -> np.ndarray:
        """The pixel index of each unit vector of an ``(N, 3)`` array."""

    def index(self, ra: Any, dec: Any | None = None) -> Any:
        """The pixel containing a point: ``index(ra, dec)`` in degrees (scalars or arrays),
        ``index(LonLat)`` or ``index(vector)``."""
        if dec is None:
            vectors = ra.vector() if isinstance(ra, LonLat) else np.asarray(ra, dtype=float)
        else:
            vectors = lonlat_to_vectors(ra, dec)
        result = self.index_vectors(vectors.reshape(-1, 3)).reshape(vectors.shape[:-1])
        return int(result) if result.ndim == 0 else result

    @abc.abstractmethod
    def pixel(self, index: int) -> ConvexPolygon:
        """The region of one pixel."""

    @abc.abstractmethod
    def envelope(self, region: Region) -> RangeSet:
        """Pixels that together cover ``region`` (a superset of those overlapping it)."""

    def envelope_pairs(self, regions: Sequence[Region]) -> tuple[np.ndarray, np.ndarray]:
        """The `envelope` of many regions at once, as ``(position in regions, pixel index)`` arrays.

        Subclasses vectorize this for the regions they can; this default loops.
        """
        owners: list[int] = []
        indices: list[int] = []
        for position, region in enumerate(regions):
            for begin, end in self.envelope(region):
                owners.extend([position] * (end - begin))
                indices.extend(range(begin, end))
        return np.asarray(owners, dtype=np.int64), np.asarray(indices, dtype=np.int64)

    def universe(self) -> RangeSet:
        """Every valid index at this level."""
        first, end = self.index_bounds()
        return RangeSet([(first, end)])

    @abc.abstractmethod
    def index_bounds(self) -> tuple[int, int]:
        """``(first, end)``: the half-open range of valid indices."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.level == self.level  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.system, self.level))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.level})"


def pixelization_from_name(name: str) -> Pixelization:
    """The pixelization of a skypix dimension name such as ``htm7`` or ``healpix10``."""
    from .healpix import HealpixPixelization
    from .htm import HtmPixelization

    match = re.fullmatch(r"(htm|healpix)(\d+)", name)
    if match is None:
        raise ValueError(f"{name!r} is not a skypix dimension name (htmN or healpixN).")
    cls = HtmPixelization if match.group(1) == "htm" else HealpixPixelization
    return cls(int(match.group(2)))
