"""Record id generation: `IdFactory` (LSST's ``afw.table.IdFactory``).

``IdFactory.makeSimple()`` counts 1, 2, 3...; ``IdFactory.makeSource(expId, reserved)`` puts the
exposure id in the high bits and a counter in the low ``reserved`` bits, so every source id of every
exposure is unique across a run and the exposure can be recovered as ``id >> reserved``::

    id = (expId << reserved) | counter,   counter = 1, 2, ... < 2**reserved

Ids are signed 64-bit integers (``L`` fields); zero means "no id" (e.g. ``parent == 0`` for a source
that is not a child of a deblended blend).
"""

from __future__ import annotations

__all__ = ["IdFactory", "IdFactoryError"]

import numpy as np

_MAX_ID = 2**63 - 1


class IdFactoryError(ValueError):
    """An id factory cannot make or accept an id (exposure id too large, counter exhausted, bad id)."""


class IdFactory:
    """Generator of unique record ids.

    Use the class methods `makeSimple` and `makeSource`; calling the factory returns the next id.

    Parameters
    ----------
    upper : `int`
        The fixed high part of every id (``expId << reserved``); 0 for a simple factory.
    reserved : `int`
        Number of low bits for the counter (63 for a simple factory).
    """

    def __init__(self, upper: int = 0, reserved: int = 63):
        self._upper = int(upper)
        self._reserved = int(reserved)
        self._limit = 2**self._reserved
        self._lower = 0

    @classmethod
    def makeSimple(cls) -> IdFactory:
        """Return a factory counting 1, 2, 3, ..."""
        return cls(0, 63)

    @classmethod
    def makeSource(cls, expId: int, reserved: int) -> IdFactory:
        """Return a factory of ids ``(expId << reserved) | n`` for n = 1, 2, ...

        Parameters
        ----------
        expId : `int`
            Exposure (or detector-visit) id, non-negative, fitting in ``63 - reserved`` bits.
        reserved : `int`
            Bits kept for the per-exposure counter (1..63).

        Raises
        ------
        IdFactoryError
            Raised if ``expId`` does not fit above ``reserved`` bits in a signed 64-bit id.
        """
        expId = int(expId)
        reserved = int(reserved)
        if not 0 < reserved <= 63:
            raise IdFactoryError(f"reserved must be between 1 and 63 bits, not {reserved}")
        if expId < 0 or expId >= 2 ** (63 - reserved):
            raise IdFactoryError(
                f"Exposure ID {expId} is too large: with {reserved} reserved bits it must be below "
                f"2**{63 - reserved} = {2 ** (63 - reserved)}"
            )
        return cls(expId << reserved, reserved)

    def getExposureId(self, recordId: int | None = None) -> int:
        """Return the exposure id part of this factory (or of ``recordId``)."""
        if recordId is None:
            return self._upper >> self._reserved
        return int(recordId) >> self._reserved

    @property
    def reserved(self) -> int:
        """Number of low bits holding the counter (`int`)."""
        return self._reserved

    def __call__(self) -> int:
        """Return the next id.

        Raises
        ------
        IdFactoryError
            Raised if the counter would exceed its reserved bits.
        """
        if self._lower + 1 >= self._limit:
            raise IdFactoryError(f"Next ID {self._lower + 1} is too large for {self._reserved} reserved bits")
        self._lower += 1
        return self._upper | self._lower

    def allocate(self, count: int) -> np.ndarray:
        """Return the next ``count`` ids as an int64 array (vectorised `__call__`)."""
        count = int(count)
        if self._lower + count >= self._limit:
            raise IdFactoryError(
                f"Allocating {count} ids would exceed the {self._reserved} reserved bits "
                f"(next counter {self._lower + 1})"
            )
        ids = np.arange(self._lower + 1, self._lower + count + 1, dtype=np.int64) | np.int64(self._upper)
        self._lower += count
        return ids

    def notify(self, id: int) -> None:  # noqa: A002 (LSST's name)
        """Tell the factory an id was set explicitly, so later ids continue after it.

        Raises
        ------
        IdFactoryError
            Raised if ``id`` does not belong to this factory's exposure range.
        """
        lower = int(id) & ~self._upper if self._upper else int(id)
        if lower >= self._limit or lower < 0:
            raise IdFactoryError(
                f"Explicit ID {id} does not have the form (expId << {self._reserved}) | counter "
                f"for exposure id {self.getExposureId()}"
            )
        self._lower = lower

    def clone(self) -> IdFactory:
        """Return an independent copy with the same state."""
        other = IdFactory(self._upper, self._reserved)
        other._lower = self._lower
        return other

    def __repr__(self) -> str:
        if self._upper == 0 and self._reserved == 63:
            return f"IdFactory.makeSimple() (last={self._lower})"
        return f"IdFactory.makeSource({self.getExposureId()}, {self._reserved}) (last={self._lower})"
