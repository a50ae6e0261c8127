"""What the names in a query's ``where`` and ``order_by`` stand for.

A query refers to dimensions (``visit``), record fields (``visit.exposure_time``,
or a bare ``target_name`` when one element has it) and fields of the dataset
type being queried (``raw.run``).  This
module classifies such an identifier (with close-match suggestions when it is
unknown or ambiguous), grows a query's dimensions to cover the identifiers it
uses and names the elements whose tables must be joined for their fields, and
rewrites bare identifiers that name bind values into bind parameters.  Mapping
a classified identifier to a joined column is the query builder's business.
"""

from __future__ import annotations

__all__ = ["classify_identifier"]

import dataclasses
import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..dataset_type import DatasetType
from ..dimensions import Dimension, DimensionGroup
from ..errors import InvalidQueryError
from ..queries.expression_tree import BindName, Identifier, Node

if TYPE_CHECKING:
    from .registry import Registry

_DATASET_FIELDS = ("run", "collection", "dataset_id", "ingest_date", "id")


def classify_identifier(registry: Registry, name: str, dimensions: DimensionGroup,
                        dataset_type: DatasetType | None) -> tuple[str, ...]:
    """What an identifier names: ``("dimension", d)``, ``("field", element, field)`` or ``("dataset", type, field)``.

    Raises
    ------
    InvalidQueryError
        If the name is unknown or ambiguous, with the closest valid names.
    """
    universe = registry.dimensions
    parts = name.split(".")
    head = parts[0]
    if len(parts) == 1:
        if head in universe and isinstance(universe[head], Dimension):
            return ("dimension", head)
        owners = [e for e in dimensions.elements
                  if universe[e].has_own_table and head in universe[e].RecordClass.field_names
                  and head not in [d for d, _ in universe[e].RecordClass._dimension_fields]]
        if len(owners) == 1:
            return ("field", owners[0], head)
        if len(owners) > 1:
            raise InvalidQueryError(
                f"Field {head!r} is ambiguous: it is a field of {owners}; write e.g. {owners[0]}.{head}.")
        if dataset_type is not None and head == "ingest_date":
            return ("dataset", dataset_type.name, head)
        raise InvalidQueryError(_unknown_identifier(registry, name, dimensions))
    if head in universe:
        element = universe[head]
        field = ".".join(parts[1:])
        if isinstance(element, Dimension) and field == element.primary_key.name:
            return ("dimension", head)
        if element.temporal and field in ("timespan", "timespan.begin", "timespan.end"):
            return ("field", head, field)
        if element.has_own_table and len(parts) == 2 and field in element.RecordClass.field_names:
            dims = dict(element.RecordClass._dimension_fields)
            owner = {v: k for k, v in dims.items()}.get(field)
            if owner is not None and owner != head:
                return ("dimension", owner)
            return ("field", head, field)
        valid = list(element.RecordClass.field_names) if element.has_own_table else []
        close = difflib.get_close_matches(field, valid, n=3)
        hint = f" Did you mean {', '.join(f'{head}.{c}' for c in close)}?" if close else ""
        raise InvalidQueryError(f"{head} has no field {field!r}; its fields are {valid}.{hint}")
    if dataset_type is not None and head == dataset_type.name and len(parts) == 2 and parts[1] in _DATASET_FIELDS:
        return ("dataset", head, parts[1])
    if head in registry.dataset_types.known_names():
        raise InvalidQueryError(
            f"{name!r} refers to dataset type {head!r}, which is not the one being queried"
            + (f" ({dataset_type.name})" if dataset_type else "") + f"; dataset fields are {list(_DATASET_FIELDS[:4])}.")
    raise InvalidQueryError(_unknown_identifier(registry, name, dimensions))


def _unknown_identifier(registry: Registry, name: str, dimensions: DimensionGroup) -> str:
    universe = registry.dimensions
    candidates = [n for n in universe.elements if isinstance(universe[n], Dimension)
                  and not n.startswith(("htm", "healpix"))]
    for element in dimensions.elements:
        if universe[element].has_own_table:
            candidates += [f"{element}.{f}" for f in universe[element].RecordClass.field_names]
    close = difflib.get_close_matches(name, candidates, n=3)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"Unknown name {name!r} in where expression: not a dimension, a record field or a dataset field.{hint}"


def _needed_dimensions(registry: Registry, identifiers: Iterable[str], base: DimensionGroup,
                       dataset_type: DatasetType | None) -> tuple[DimensionGroup, set[str]]:
    """Grow the query's dimensions to cover the identifiers; return the elements whose fields are used."""
    universe = registry.dimensions
    names = set(base.names)
    elements: set[str] = set()
    for ident in identifiers:
        head = ident.split(".")[0]
        if head in universe:
            element = universe[head]
            names.update(d.name for d in element.required)
            if "." in ident:
                elements.add(head)
    group = universe.conform(names)
    for ident in identifiers:
        target = classify_identifier(registry, ident, group, dataset_type)
        if target[0] == "field":
            elements.add(target[1])
    return group, elements


def _bind_identifiers(node: Node, names: frozenset[str]) -> Node:
    """Turn identifiers that name bind values into bind parameters.

    LSST writes bind parameters as bare names (``visit = my_visit`` with
    ``bind={"my_visit": 3}``), and a bind value takes precedence over a
    dimension or field of the same name; ``:my_visit`` works too.
    """
    if isinstance(node, Identifier):
        return BindName(node.name, start=node.start, end=node.end) if node.name in names else node
    changes: dict[str, Any] = {}
    for spec in dataclasses.fields(node):  # type: ignore[arg-type]
        value = getattr(node, spec.name)
        if isinstance(value, Node):
            new = _bind_identifiers(value, names)
        elif isinstance(value, tuple) and any(isinstance(v, Node) for v in value):
            new = tuple(_bind_identifiers(v, names) if isinstance(v, Node) else v for v in value)
            if all(a is b for a, b in zip(new, value)):
                new = value
        else:
            continue
        if new is not value:
            changes[spec.name] = new
    return dataclasses.replace(node, **changes) if changes else node  # type: ignore[type-var]
