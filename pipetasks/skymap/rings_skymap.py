"""`RingsSkyMap`: the whole sky in rings of declination, each cut into tracts along RA.

The sphere is divided into ``numRings`` rings of equal height in Dec plus two
polar caps, which together count as one more ring:
``ringSize = 180° / (numRings + 1)``.  Ring ``i`` (from the south) holds
``int(360° cos(dec) / ringSize) + 1`` tracts, ``dec`` being its edge nearer
the equator, so tracts are never narrower than they are tall.  Tract 0 is
the south cap, then the tracts of ring 0 from ``raStart`` eastwards, ring 1,
...; the north cap is the last tract.  Each tract's *inner* region is its RA
by Dec cell; the inner regions tile the sky.  This is LSST's numbering
(``version=1``, after DM-14809).
"""

from __future__ import annotations

__all__ = ["RingsSkyMap", "RingsSkyMapConfig"]

import math
import struct
from collections.abc import Iterator
from typing import Any

import numpy as np

import pipetasks.config as pexConfig
from butler.spatial import Box

from .base_skymap import BaseSkyMap, BaseSkyMapConfig
from .coords import as_radec
from .tract_info import TractInfo


class RingsSkyMapConfig(BaseSkyMapConfig):
    """Configuration of a `RingsSkyMap`."""

    numRings = pexConfig.Field(
        doc="Number of rings of declination (not counting the polar caps).",
        dtype=int,
        default=120,
        check=lambda n: n > 0,
    )
    raStart = pexConfig.Field(
        doc="RA of the centre of the first tract of each ring (deg, in [0, 360)).",
        dtype=float,
        default=0.0,
        check=lambda x: 0.0 <= x < 360.0,
    )


class RingsSkyMap(BaseSkyMap):
    """Rings sky map: tracts in rings of declination, covering the whole sky.

    Parameters
    ----------
    config : `RingsSkyMapConfig`, optional
        The definition (the defaults if not given).

    Examples
    --------
    >>> skymap = RingsSkyMap(RingsSkyMapConfig(numRings=4))
    >>> len(skymap), skymap.findTract((10.0, 0.0)).tract_id
    (42, 21)
    """

    ConfigClass = RingsSkyMapConfig

    def __init__(self, config: RingsSkyMapConfig | None = None):
        config = config if config is not None else RingsSkyMapConfig()
        if not isinstance(config, RingsSkyMapConfig):
            raise TypeError(f"RingsSkyMap needs a RingsSkyMapConfig, not a {type(config).__name__}.")
        num_rings = config.numRings
        # In radians, as LSST computes it, so that ring sizes round the same way.
        ring_size = math.pi / (num_rings + 1)
        counts = []
        for ring in range(num_rings):
            start = ring_size * (ring + 0.5) - 0.5 * math.pi
            nearest_equator = min(abs(start), abs(start + ring_size))
            counts.append(int(2 * math.pi * math.cos(nearest_equator) / ring_size) + 1)
        self._ring_nums = np.array(counts, dtype=np.int64)
        self._ring_size = math.degrees(ring_size)
        self._ring_first = np.concatenate([[1], 1 + np.cumsum(self._ring_nums)[:-1]])
        super().__init__(config)

    def _count_tracts(self) -> int:
        return int(self._ring_nums.sum()) + 2

    # -- ring arithmetic ------------------------------------------------------------

    def getRingIndices(self, index: int) -> tuple[int, int]:  # noqa: N802
        """Ring number and position in the ring of a tract ID.

        The south cap is ring -1 and the north cap ring ``numRings`` (both
        position 0).

        Raises
        ------
        IndexError
            If there is no tract of that ID.
        """
        if not 0 <= index < len(self):
            raise IndexError(f"RingsSkyMap has tracts 0..{len(self) - 1}, not {index}.")
        if index == 0:
            return -1, 0
        if index == len(self) - 1:
            return self.config.numRings, 0
        ring = int(np.searchsorted(self._ring_first, index, side="right")) - 1
        return ring, int(index - self._ring_first[ring])

    def getRaDecRange(self, index: int) -> tuple[float, float, float, float]:  # noqa: N802
        """``(raMin, raMax, decMin, decMax)`` of a tract's inner region, degrees.

        ``raMin > raMax`` when the range wraps through 0; the polar caps
        span 0 to 360.
        """
        ring, position = self.getRingIndices(index)
        size = self._ring_size
        if ring == -1:
            return 0.0, 360.0, -90.0, -90.0 + 0.5 * size
        if ring == self.config.numRings:
            return 0.0, 360.0, -90.0 + (ring + 0.5) * size, 90.0
        width = 360.0 / self._ring_nums[ring]
        ra_min = (self.config.raStart + (position - 0.5) * width) % 360.0
        ra_max = (self.config.raStart + (position + 0.5) * width) % 360.0
        return float(ra_min), float(ra_max), -90.0 + (ring + 0.5) * size, -90.0 + (ring + 1.5) * size

    def _tract_centre(self, index: int) -> tuple[float, float]:
        ring, position = self.getRingIndices(index)
        if ring == -1:
            return 0.0, -90.0
        if ring == self.config.numRings:
            return 0.0, 90.0
        ring_size = math.radians(self._ring_size)
        step = 2 * math.pi / int(self._ring_nums[ring])
        ra = (step * position + math.radians(self.config.raStart)) % (2 * math.pi)
        return math.degrees(ra), math.degrees(ring_size * (ring + 1) - 0.5 * math.pi)

    def _generate_tract(self, tract_id: int) -> TractInfo:
        ra_min, ra_max, dec_min, dec_max = self.getRaDecRange(tract_id)
        return self._make_tract(tract_id, self._tract_centre(tract_id), 0.5 * self._ring_size,
                                inner_region=Box((ra_min, ra_max), (dec_min, dec_max)))

    def _tract_centres(self) -> tuple[np.ndarray, np.ndarray]:
        centres = np.array([self._tract_centre(i) for i in range(len(self))])
        return centres[:, 0], centres[:, 1]

    # -- lookups --------------------------------------------------------------------

    def _ring_numbers(self, dec: np.ndarray) -> np.ndarray:
        """Ring of each declination (degrees): -1 for the south cap, ``numRings`` for the north."""
        first_edge = 0.5 * self._ring_size - 90.0
        rings = np.floor((dec - first_edge) / self._ring_size).astype(np.int64)
        rings = np.where(dec < first_edge, -1, rings)
        return np.where(dec > -first_edge, self.config.numRings, np.minimum(rings, self.config.numRings - 1))

    def _positions_in_rings(self, ra: np.ndarray, rings: np.ndarray) -> np.ndarray:
        """Position of each RA (degrees) in its ring, for rings in ``[0, numRings)``."""
        counts = self._ring_nums[rings]
        offset = (ra - self.config.raStart) % 360.0
        positions = np.floor(offset / (360.0 / counts) + 0.5).astype(np.int64)
        return np.where(positions == counts, 0, positions)

    def findTractIdArray(self, ra: Any, dec: Any, degrees: bool = False) -> np.ndarray:  # noqa: N802
        """IDs of the tracts whose inner regions hold many positions (radians unless ``degrees``)."""
        ra, dec = np.atleast_1d(ra).astype(float), np.atleast_1d(dec).astype(float)
        if not degrees:
            ra, dec = np.degrees(ra), np.degrees(dec)
        rings = self._ring_numbers(dec)
        ids = np.zeros(len(ra), dtype=np.int64)
        ids[rings == self.config.numRings] = len(self) - 1
        in_ring = (rings >= 0) & (rings < self.config.numRings)
        ring_of = rings[in_ring]
        ids[in_ring] = self._ring_first[ring_of] + self._positions_in_rings(ra[in_ring], ring_of)
        return ids

    def findAllTracts(self, coord: Any) -> list[TractInfo]:  # noqa: N802
        """Every tract whose pixel box holds a sky position (the nearest tract's neighbours and the caps)."""
        return [tract for tract in self._neighbourhood(*as_radec(coord)) if tract.contains(coord)]

    def _neighbourhood(self, ra: np.ndarray, dec: np.ndarray) -> Iterator[TractInfo]:
        """The tracts within one ring and one position of each position's own, and the two caps."""
        num_rings = self.config.numRings
        seen: set[int] = set()
        for ring in set(self._ring_numbers(dec).tolist()):
            for near in (ring - 1, ring, ring + 1):
                if not 0 <= near < num_rings:
                    continue
                centre = self._positions_in_rings(ra, np.full(len(ra), near))
                for position in set(centre.tolist()):
                    for step in (-1, 0, 1):
                        seen.add(int(self._ring_first[near] + (position + step) % self._ring_nums[near]))
        seen.update((0, len(self) - 1))
        for tract_id in sorted(seen):
            yield self[tract_id]

    def _candidate_tracts(self, coordList: Any) -> Iterator[TractInfo]:
        return self._neighbourhood(*as_radec(coordList))

    def updateSha1(self, sha1: Any) -> None:  # noqa: N802
        """Add ``numRings`` and ``raStart`` (LSST's packing)."""
        sha1.update(struct.pack("<id", self.config.numRings, self.config.raStart))

    @property
    def ring_size(self) -> float:
        """Height of each ring in declination, degrees."""
        return self._ring_size

    @property
    def ring_tract_counts(self) -> tuple[int, ...]:
        """Number of tracts in each ring, from the south."""
        return tuple(int(n) for n in self._ring_nums)
