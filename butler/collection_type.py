"""Kinds of collection."""

from __future__ import annotations

__all__ = ["CollectionType", "CollectionInfo"]

import dataclasses
import enum
from collections.abc import Iterable


class CollectionType(enum.IntEnum):
    """The kind of a collection.

    ``RUN`` owns its datasets (each dataset is in exactly one); ``TAGGED``
    lists datasets owned by runs; ``CHAINED`` is an ordered search path of
    other collections; ``CALIBRATION`` associates datasets with validity
    timespans.
    """

    RUN = 1
    TAGGED = 2
    CHAINED = 3
    CALIBRATION = 4

    @classmethod
    def all(cls) -> frozenset[CollectionType]:
        """Every type."""
        return frozenset(cls)

    @classmethod
    def from_name(cls, name: str) -> CollectionType:
        """Look a type up by (case-insensitive) name."""
        try:
            return cls[name.upper()]
        except KeyError:
            raise ValueError(f"Unknown collection type {name!r}; use one of {[t.name for t in cls]}.") from None

    @classmethod
    def coerce(cls, value: CollectionType | str | Iterable[CollectionType | str] | None) -> frozenset[CollectionType]:
        """A set of types from one type, a name, or an iterable of either (`None`: all)."""
        if value is None:
            return cls.all()
        if isinstance(value, (CollectionType, str)):
            value = [value]
        return frozenset(v if isinstance(v, CollectionType) else cls.from_name(v) for v in value)


@dataclasses.dataclass(frozen=True)
class CollectionInfo:
    """What is known about one collection (as ``butler.collections.get_info`` returns)."""

    name: str
    type: CollectionType
    doc: str = ""
    children: tuple[str, ...] = ()
    parents: frozenset[str] | None = None
    dataset_types: frozenset[str] | None = None
