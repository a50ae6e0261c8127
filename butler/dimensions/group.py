"""A set of dimensions, closed over what they require and imply."""

from __future__ import annotations

__all__ = ["DimensionGroup"]

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .universe import DimensionUniverse


class DimensionGroup:
    """An immutable, hashable set of dimensions, e.g. the dimensions of a dataset type.

    Obtain one from `DimensionUniverse.conform`; do not construct directly.

    Attributes
    ----------
    required : `tuple` [`str`]
        Dimensions whose values identify a row (``instrument, visit, detector``).
    implied : `tuple` [`str`]
        Dimensions whose values follow from the required ones
        (``physical_filter, band, day_obs`` for a visit).
    names : `tuple` [`str`]
        All of them in the universe's order.
    elements : `tuple` [`str`]
        Every element (dimensions and join elements) relating only these dimensions.
    """

    __slots__ = ("universe", "required", "implied", "names", "elements", "_names_set", "data_coordinate_keys",
                 "_hash")

    def __init__(
        self,
        universe: DimensionUniverse,
        required: tuple[str, ...],
        implied: tuple[str, ...],
        elements: tuple[str, ...],
    ):
        self.universe = universe
        self.required = required
        self.implied = implied
        self._names_set = frozenset(required + implied)
        self.names = tuple(n for n in universe.elements if n in self._names_set)
        self.elements = elements
        self.data_coordinate_keys = required + implied
        self._hash = hash(self._names_set)

    def __contains__(self, name: object) -> bool:
        return name in self._names_set

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DimensionGroup):
            return self._names_set == other._names_set
        if isinstance(other, (set, frozenset)):
            return self._names_set == other
        return NotImplemented

    def __hash__(self) -> int:
        return self._hash

    def issubset(self, other: DimensionGroup) -> bool:
        """Whether every dimension here is also in ``other``."""
        return self._names_set <= other._names_set

    def issuperset(self, other: DimensionGroup) -> bool:
        """Whether every dimension of ``other`` is also here."""
        return self._names_set >= other._names_set

    def isdisjoint(self, other: DimensionGroup) -> bool:
        """Whether no dimension is shared."""
        return self._names_set.isdisjoint(other._names_set)

    def union(self, *others: DimensionGroup | Iterable[str]) -> DimensionGroup:
        """The group of all dimensions in this and the others."""
        names = set(self.names)
        for other in others:
            names.update(other.names if isinstance(other, DimensionGroup) else other)
        return self.universe.conform(names)

    def intersection(self, *others: DimensionGroup) -> DimensionGroup:
        """The group of the dimensions shared by all (closed again)."""
        names = set(self.names)
        for other in others:
            names &= set(other.names)
        return self.universe.conform(names)

    def __or__(self, other: DimensionGroup) -> DimensionGroup:
        return self.union(other)

    def __and__(self, other: DimensionGroup) -> DimensionGroup:
        return self.intersection(other)

    @property
    def spatial(self) -> tuple[str, ...]:
        """Spatial elements in the group (visit, visit_detector_region, tract, patch...)."""
        return tuple(e for e in self.elements if self.universe[e].spatial and self.universe[e].spatial != "skypix")

    @property
    def temporal(self) -> tuple[str, ...]:
        """Temporal elements in the group (exposure, visit, day_obs)."""
        return tuple(e for e in self.elements if self.universe[e].temporal)

    @property
    def governors(self) -> tuple[str, ...]:
        """Governor dimensions in the group."""
        return tuple(n for n in self.names if self.universe[n].is_governor)

    def to_simple(self) -> list[str]:
        """The required dimension names, enough to rebuild the group."""
        return list(self.required)

    def __repr__(self) -> str:
        return "{" + ", ".join(self.names) + "}"

    def __str__(self) -> str:
        return repr(self)

    def __reduce__(self) -> tuple:
        return (_rebuild_group, (self.universe, self.required))


def _rebuild_group(universe: DimensionUniverse, required: tuple[str, ...]) -> DimensionGroup:
    return universe.conform(required)
