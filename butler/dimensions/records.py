"""Dimension records: one row of a dimension element's table."""

from __future__ import annotations

__all__ = ["DimensionRecord", "make_record_class"]

from typing import TYPE_CHECKING, Any, ClassVar

from ..timespan import Timespan
from .elements import Dimension, FieldSpec

if TYPE_CHECKING:
    from .data_coordinate import DataCoordinate
    from .elements import DimensionElement


class DimensionRecord:
    """Base class of the per-element record classes.

    Each element has its own subclass (``universe["visit"].RecordClass``) with
    one attribute per field: the required dimensions' values (the element's
    own primary key under its key name, e.g. ``id``), alternate keys, implied
    dimensions, metadata, then ``region`` and ``timespan`` where the element
    has them.

    Examples
    --------
    >>> Visit = universe["visit"].RecordClass
    >>> Visit(instrument="HSC", id=903334, name="903334", physical_filter="HSC-R", day_obs=20130617)
    """

    __slots__ = ()
    definition: ClassVar[DimensionElement]
    fields: ClassVar[tuple[FieldSpec, ...]]
    field_names: ClassVar[tuple[str, ...]]
    _required_fields: ClassVar[tuple[str, ...]]
    _dimension_fields: ClassVar[tuple[tuple[str, str], ...]]  # (dimension name, field name)

    def __init__(self, **kwargs: Any):
        element = self.definition
        if isinstance(element, Dimension) and element.name in kwargs and element.name not in self.field_names:
            # As in LSST, a record accepts its dimension's name for its key: detector=3 for id=3.
            alias = kwargs.pop(element.name)
            key = element.primary_key.name
            if kwargs.get(key) is None:
                kwargs[key] = alias
            elif alias is not None and alias != kwargs[key]:
                raise ValueError(
                    f"Inconsistent values for the key of a {element.name} record: "
                    f"{key}={kwargs[key]!r} but {element.name}={alias!r}."
                )
        for spec in self.fields:
            value = kwargs.pop(spec.name, None)
            if value is None and spec.name in self._required_fields:
                dimension = dict((f, d) for d, f in self._dimension_fields).get(spec.name, spec.name)
                raise TypeError(
                    f"A {self.definition.name} record needs a value for {spec.name!r}"
                    f" (the {dimension} dimension)."
                )
            if value is not None:
                value = _coerce(spec, value)
            object.__setattr__(self, spec.name, value)
        if kwargs:
            raise TypeError(
                f"Unknown field(s) {sorted(kwargs)} for a {self.definition.name} record; "
                f"valid fields are {list(self.field_names)}."
            )

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def toDict(self, splitTimespan: bool = False) -> dict[str, Any]:
        """The fields as a dict (``timespan`` split into begin/end if asked)."""
        result = {name: getattr(self, name) for name in self.field_names}
        if splitTimespan and "timespan" in result:
            ts = result.pop("timespan")
            result["timespan_begin"] = ts.begin if ts is not None else None
            result["timespan_end"] = ts.end if ts is not None else None
        return result

    @property
    def dataId(self) -> DataCoordinate:
        """The data ID this record is for."""
        from .data_coordinate import DataCoordinate

        element = self.definition
        values = tuple(getattr(self, f) for _, f in self._dimension_fields[: len(element.required)])
        return DataCoordinate.from_required_values(element.minimal_group, values)

    @property
    def dimension_values(self) -> dict[str, Any]:
        """Values of the required and implied dimensions, by dimension name."""
        return {d: getattr(self, f) for d, f in self._dimension_fields}

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.field_names)

    def __hash__(self) -> int:
        return hash((self.definition.name, *(getattr(self, f) for _, f in self._dimension_fields)))

    def __repr__(self) -> str:
        body = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.field_names if getattr(self, n) is not None)
        return f"{self.definition.name}.RecordClass({body})"

    def __reduce__(self) -> tuple:
        return (_rebuild_record, (self.definition.universe, self.definition.name, self.toDict()))


def _rebuild_record(universe: Any, element: str, values: dict[str, Any]) -> DimensionRecord:
    return universe[element].RecordClass(**values)


def _coerce(spec: FieldSpec, value: Any) -> Any:
    if spec.type == "timespan":
        if isinstance(value, Timespan):
            return value
        if isinstance(value, (tuple, list)) and len(value) == 2:
            return Timespan(*value)
        raise TypeError(f"Field {spec.name!r} needs a Timespan, not {value!r}.")
    pytype = spec.pytype
    if pytype is None or isinstance(value, pytype) and not isinstance(value, bool) or pytype is bool:
        return bool(value) if pytype is bool else value
    try:
        if pytype is bytes and isinstance(value, str):
            return bytes.fromhex(value)
        return pytype(value)
    except (TypeError, ValueError):
        raise TypeError(f"Field {spec.name!r} needs a value of type {spec.type}, not {value!r}.") from None


def make_record_class(element: DimensionElement) -> type[DimensionRecord]:
    """Build the record class of one element."""
    fields: list[FieldSpec] = []
    dimension_fields: list[tuple[str, str]] = []
    for dim in element.required:
        if dim is element:
            key = element.primary_key  # type: ignore[attr-defined]
            fields.append(key)
            dimension_fields.append((dim.name, key.name))
        else:
            fields.append(FieldSpec(dim.name, dim.primary_key.type, length=dim.primary_key.length, nullable=False))
            dimension_fields.append((dim.name, dim.name))
    required_fields = tuple(f.name for f in fields)
    if isinstance(element, Dimension):
        fields.extend(element.alternate_keys)
    for dim in element.implied:
        # As in LSST, a record must say which value it implies (a visit's day_obs).
        fields.append(FieldSpec(dim.name, dim.primary_key.type, length=dim.primary_key.length, nullable=False))
        dimension_fields.append((dim.name, dim.name))
    fields.extend(element.metadata)
    if element.spatial:
        fields.append(FieldSpec("region", "region", doc="Region on the sky."))
    if element.temporal:
        fields.append(FieldSpec("timespan", "timespan", doc="Interval of time covered."))
    names = tuple(f.name for f in fields)
    return type(
        f"{element.name}_record",
        (DimensionRecord,),
        {
            "__slots__": names,
            "definition": element,
            "fields": tuple(fields),
            "field_names": names,
            "_required_fields": required_fields,
            "_dimension_fields": tuple(dimension_fields),
        },
    )
