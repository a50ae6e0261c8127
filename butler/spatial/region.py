"""The base class of sky regions."""

from __future__ import annotations

__all__ = ["Region"]

import abc
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .vectors import LonLat, lonlat_to_vectors, vector_of

if TYPE_CHECKING:
    from .circle import Circle


class Region(abc.ABC):
    """A region of the sky.

    Every region can say whether it contains points, whether it overlaps
    another region (exactly, unless a subclass documents otherwise), give a
    circle that bounds it, and encode itself as bytes (see
    `butler.spatial.encoding`).  Regions are immutable; two regions are equal
    when their encodings are.
    """

    TYPE_CODE: ClassVar[int]
    """The first byte of the encoding (as in LSST sphgeom)."""

    # Containment -----------------------------------------------------------

    @abc.abstractmethod
    def contains_vectors(self, vectors: np.ndarray) -> np.ndarray:
        """Whether each unit vector of an ``(N, 3)`` array lies in the region (boundary included)."""

    def contains(self, point: LonLat | Any) -> bool:
        """Whether the region contains a point (a `LonLat` or a 3-vector)."""
        return bool(self.contains_vectors(vector_of(point)[np.newaxis])[0])

    def contains_lonlat(self, lon: Any, lat: Any) -> Any:
        """Whether the region contains points given in degrees (scalars or arrays)."""
        vectors = lonlat_to_vectors(lon, lat)
        result = self.contains_vectors(vectors.reshape(-1, 3)).reshape(vectors.shape[:-1])
        return bool(result) if result.ndim == 0 else result

    def __contains__(self, point: Any) -> bool:
        return self.contains(point)

    # Overlaps --------------------------------------------------------------

    def overlaps(self, other: Region) -> bool:
        """Whether this region and ``other`` have at least one point in common."""
        from .overlap import overlaps

        return overlaps(self, other)

    @abc.abstractmethod
    def overlaps_circles(self, centers: np.ndarray, radii: np.ndarray) -> np.ndarray:
        """Whether the region may overlap each of many circles (vectorized, for pixel envelopes).

        Parameters
        ----------
        centers : `numpy.ndarray`, shape ``(N, 3)``
            Circle centres, unit vectors.
        radii : `numpy.ndarray`, shape ``(N,)``
            Opening angles, radians.

        Returns
        -------
        overlaps : `numpy.ndarray` [`bool`]
            Never false where the circle overlaps the region; exact for
            circles, polygons and boxes, conservative for others.
        """

    @property
    @abc.abstractmethod
    def bounding_circle(self) -> Circle:
        """A circle that contains the region."""

    @abc.abstractmethod
    def is_empty(self) -> bool:
        """Whether the region has no points."""

    # Encoding --------------------------------------------------------------

    @abc.abstractmethod
    def encode(self) -> bytes:
        """The region's bytes (see `butler.spatial.encoding`)."""

    @staticmethod
    def decode(data: bytes) -> Region:
        """The region encoded in ``data`` (ours or LSST sphgeom's encoding)."""
        from .encoding import decode

        return decode(data)

    # LSST sphgeom spellings, for code written against it.
    def getBoundingCircle(self) -> Circle:  # noqa: N802
        """`bounding_circle`, as LSST sphgeom names it."""
        return self.bounding_circle

    def isEmpty(self) -> bool:  # noqa: N802
        """`is_empty`, as LSST sphgeom names it."""
        return self.is_empty()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Region):
            return type(self) is type(other) and self.encode() == other.encode()
        if isinstance(other, bytes):
            return self.encode() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.encode())

    def __reduce__(self) -> tuple[Any, ...]:
        from .encoding import decode

        return (decode, (self.encode(),))
