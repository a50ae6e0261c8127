"""Data IDs: normalized, hashable mappings from dimension name to value."""

from __future__ import annotations

__all__ = ["DataCoordinate", "DataId"]

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Union

from ..errors import DimensionNameError, InconsistentDataIdError
from .group import DimensionGroup

if TYPE_CHECKING:
    from .records import DimensionRecord
    from .universe import DimensionUniverse

DataId = Union["DataCoordinate", Mapping[str, Any]]


class DataCoordinate(Mapping[str, Any]):
    """A data ID: the values of a `DimensionGroup`'s dimensions.

    Holds the required values, optionally the implied ones too ("full"), and
    optionally the dimension records ("expanded").  Equality and hashing use
    the dimensions and the required values only, so a full or expanded data ID
    equals the minimal one it extends.

    Build one with `standardize` (from user input), `from_required_values` or
    `from_full_values`; a registry's ``expandDataId`` fills implied values and
    records.
    """

    __slots__ = ("_dimensions", "_values", "_records", "_hash")

    def __init__(
        self,
        dimensions: DimensionGroup,
        values: tuple[Any, ...],
        records: Mapping[str, DimensionRecord | None] | None = None,
    ):
        self._dimensions = dimensions
        self._values = values
        self._records = records
        self._hash: int | None = None

    # Construction ----------------------------------------------------------

    @classmethod
    def make_empty(cls, universe: DimensionUniverse) -> DataCoordinate:
        """The data ID of no dimensions."""
        return cls(universe.empty, (), {})

    @classmethod
    def from_required_values(cls, dimensions: DimensionGroup, values: tuple[Any, ...]) -> DataCoordinate:
        """Build from values in the order of ``dimensions.required``."""
        if len(values) != len(dimensions.required):
            raise ValueError(f"Expected {len(dimensions.required)} values for {dimensions.required}, got {values}.")
        return cls(dimensions, tuple(values))

    @classmethod
    def from_full_values(cls, dimensions: DimensionGroup, values: tuple[Any, ...]) -> DataCoordinate:
        """Build from values in the order of ``dimensions.data_coordinate_keys``."""
        if len(values) != len(dimensions.data_coordinate_keys):
            raise ValueError(
                f"Expected {len(dimensions.data_coordinate_keys)} values for "
                f"{dimensions.data_coordinate_keys}, got {values}."
            )
        return cls(dimensions, tuple(values))

    @classmethod
    def standardize(
        cls,
        mapping: DataId | None = None,
        *,
        dimensions: DimensionGroup | list[str] | tuple[str, ...] | None = None,
        universe: DimensionUniverse | None = None,
        defaults: DataCoordinate | None = None,
        **kwargs: Any,
    ) -> DataCoordinate:
        """Normalize user input into a `DataCoordinate`.

        Parameters
        ----------
        mapping : `DataCoordinate` or `~collections.abc.Mapping`, optional
            Dimension values by name.
        dimensions : `DimensionGroup` or iterable of `str`, optional
            The dimensions the result must have; inferred from the keys if not
            given (keys that are not dimension names are then ignored).
        universe : `DimensionUniverse`, optional
            Needed unless ``mapping`` is a `DataCoordinate` or ``dimensions``
            is a `DimensionGroup`.
        defaults : `DataCoordinate`, optional
            Values used for dimensions not given otherwise.
        **kwargs
            More dimension values, overriding ``mapping``.

        Raises
        ------
        DimensionNameError
            If a required dimension has no value.
        InconsistentDataIdError
            If two values given for the same dimension differ.
        """
        if isinstance(mapping, DataCoordinate) and not kwargs and (
            dimensions is None or mapping._dimensions == dimensions
        ):
            return mapping
        if universe is None:
            if isinstance(dimensions, DimensionGroup):
                universe = dimensions.universe
            elif isinstance(mapping, DataCoordinate):
                universe = mapping.universe
            elif defaults is not None:
                universe = defaults.universe
            else:
                raise TypeError("DataCoordinate.standardize needs a universe, a DimensionGroup or a DataCoordinate.")
        values: dict[str, Any] = {}
        records: dict[str, DimensionRecord | None] = {}
        if isinstance(mapping, DataCoordinate):
            values.update(mapping.mapping)
            if mapping._records is not None:
                records.update(mapping._records)
        elif mapping is not None:
            values.update(mapping)
        for key, value in kwargs.items():
            if key in values and values[key] != value:
                raise InconsistentDataIdError(
                    f"Conflicting values for {key!r} in data ID: {values[key]!r} and {value!r}."
                )
            values[key] = value
        if dimensions is None:
            dimension_names = [k for k in values if k in universe and _is_dimension(universe, k)]
            group = universe.conform(dimension_names)
        else:
            group = universe.conform(dimensions)
        if defaults is not None:
            for key, value in defaults.mapping.items():
                if key in group and key not in values:
                    values[key] = value
        try:
            required = tuple(normalize_value(universe, k, values[k]) for k in group.required)
        except KeyError as err:
            missing = [k for k in group.required if k not in values]
            raise DimensionNameError(
                f"Data ID {dict(values)!r} has no value for required dimension(s) {missing} "
                f"of {group}."
            ) from err
        if group.implied and all(k in values for k in group.implied):
            full = required + tuple(normalize_value(universe, k, values[k]) for k in group.implied)
            use_records = records if records and all(e in records for e in group.elements) else None
            return cls(group, full, use_records)
        return cls(group, required)

    # Introspection ---------------------------------------------------------

    @property
    def dimensions(self) -> DimensionGroup:
        """The dimensions identified."""
        return self._dimensions

    @property
    def universe(self) -> DimensionUniverse:
        """The universe of the dimensions."""
        return self._dimensions.universe

    def hasFull(self) -> bool:
        """Whether implied dimension values are known too."""
        return len(self._values) == len(self._dimensions.data_coordinate_keys)

    def hasRecords(self) -> bool:
        """Whether the dimension records are attached."""
        return self._records is not None

    @property
    def required(self) -> Mapping[str, Any]:
        """The required values by dimension name."""
        return dict(zip(self._dimensions.required, self._values))

    @property
    def required_values(self) -> tuple[Any, ...]:
        """The required values in the order of ``dimensions.required``."""
        return self._values[: len(self._dimensions.required)]

    @property
    def full_values(self) -> tuple[Any, ...]:
        """Required then implied values; raises if the data ID is not full."""
        if not self.hasFull():
            raise KeyError(f"Data ID {self} does not have values for implied dimensions.")
        return self._values

    @property
    def mapping(self) -> Mapping[str, Any]:
        """All known values (required, plus implied if full) by dimension name."""
        return dict(zip(self._dimensions.data_coordinate_keys, self._values))

    full = mapping

    @property
    def records(self) -> Mapping[str, DimensionRecord | None]:
        """Records by element name; raises if the data ID is not expanded."""
        if self._records is None:
            raise AttributeError(f"Data ID {self} has no records; expand it with registry.expandDataId first.")
        return self._records

    @property
    def region(self) -> Any:
        """The region of the most specific spatial element, if expanded."""
        for name in reversed(self._dimensions.spatial):
            record = self.records.get(name)
            if record is not None and getattr(record, "region", None) is not None:
                return record.region
        return None

    @property
    def timespan(self) -> Any:
        """The intersection of the timespans of the temporal elements, if expanded."""
        spans = [
            r.timespan
            for e in self._dimensions.temporal
            if (r := self.records.get(e)) is not None and getattr(r, "timespan", None) is not None
        ]
        if not spans:
            return None
        return spans[0].intersection(*spans[1:]) if len(spans) > 1 else spans[0]

    # Transformations ---------------------------------------------------------

    def subset(self, dimensions: DimensionGroup | list[str] | tuple[str, ...]) -> DataCoordinate:
        """The data ID of a subset of the dimensions."""
        group = self.universe.conform(dimensions)
        if group == self._dimensions:
            return self
        known = self.mapping
        if not all(k in known for k in group.required):
            raise KeyError(f"Cannot take {group} from data ID {self}: not all required values are known.")
        required = tuple(known[k] for k in group.required)
        if all(k in known for k in group.implied):
            records = None
            if self._records is not None:
                records = {e: self._records.get(e) for e in group.elements}
            return DataCoordinate(group, required + tuple(known[k] for k in group.implied), records)
        return DataCoordinate(group, required)

    def expanded(self, records: Mapping[str, DimensionRecord | None]) -> DataCoordinate:
        """A copy with records attached (the data ID must be full)."""
        if not self.hasFull():
            raise ValueError(f"Data ID {self} must have implied values before records are attached.")
        return DataCoordinate(self._dimensions, self._values, dict(records))

    def union(self, other: DataCoordinate) -> DataCoordinate:
        """A data ID with the dimensions and values of both."""
        values = dict(self.mapping)
        for key, value in other.mapping.items():
            if key in values and values[key] != value:
                raise InconsistentDataIdError(f"Data IDs {self} and {other} disagree on {key!r}.")
            values[key] = value
        return DataCoordinate.standardize(values, universe=self.universe)

    # Mapping interface -------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        keys = self._dimensions.data_coordinate_keys
        try:
            index = keys.index(getattr(key, "name", key))
        except ValueError:
            raise DimensionNameError(f"Dimension {key!r} is not in data ID {self}.") from None
        if index >= len(self._values):
            raise KeyError(f"Implied dimension {key!r} is not known in data ID {self}; expand it first.")
        return self._values[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dimensions.data_coordinate_keys[: len(self._values)])

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, key: object) -> bool:
        return key in self._dimensions.data_coordinate_keys[: len(self._values)]

    def keys(self):  # type: ignore[override]
        return self.mapping.keys()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DataCoordinate):
            return self._dimensions == other._dimensions and self.required_values == other.required_values
        if isinstance(other, Mapping):
            return dict(self.mapping) == dict(other) or dict(self.required) == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash((self._dimensions.required, self.required_values))
        return self._hash

    def __lt__(self, other: DataCoordinate) -> bool:
        return self.required_values < other.required_values

    def __repr__(self) -> str:
        body = ", ".join(f"{k}: {v!r}" for k, v in self.mapping.items())
        return "{" + body + "}"

    def __str__(self) -> str:
        return repr(self)

    def __reduce__(self) -> tuple:
        return (DataCoordinate, (self._dimensions, self._values, self._records))

    def to_simple(self) -> dict[str, Any]:
        """JSON-friendly form: the known values by dimension name."""
        return dict(self.mapping)


def _is_dimension(universe: DimensionUniverse, name: str) -> bool:
    from .elements import Dimension

    return isinstance(universe[name], Dimension)


def normalize_value(universe: DimensionUniverse, name: str, value: Any) -> Any:
    """A data ID value converted to the type of the dimension's key (``DataIdValueError`` if it cannot be)."""
    pytype = universe[name].primary_key.pytype  # type: ignore[attr-defined]
    if value is None or type(value) is pytype:
        return value
    try:
        if pytype is int and isinstance(value, float) and not value.is_integer():
            raise ValueError
        return pytype(value)
    except (TypeError, ValueError):
        from ..errors import DataIdValueError

        raise DataIdValueError(
            f"Value {value!r} for dimension {name!r} is not a valid {universe[name].primary_key.type}."
        ) from None
