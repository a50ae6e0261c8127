"""What a sub-expression of a ``where`` expression translates to, and how a bind value becomes one.

`_Operand` is what the translator (`~butler.queries.translate`) returns for
every node it visits: SQL computed in the database, a Python literal or bind
value, or the two bounds of a timespan, each with its logical type.
`_bind_operand` classifies a Python bind value as such an operand.
"""

from __future__ import annotations

__all__: list[str] = []

import datetime
import numbers
import uuid
from collections.abc import Set
from dataclasses import dataclass
from typing import Any

import astropy.time

from ..timespan import Timespan
from .columns import ResolvedColumn
from .errors import InvalidQueryError
from .expression_tree import BindName, Node

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


@dataclass(slots=True)
class _Operand:
    """A translated sub-expression.

    Exactly one representation is used: ``sql`` for anything computed in the
    database, ``value`` for a Python literal or bind value (kept as Python so
    SQLAlchemy binds it with the partner column's type), or ``begin``/``end``
    for timespans (each SQL or an `int` of TAI ns; unbounded sides hold
    `~butler.timespan.NSEC_MIN` / `~butler.timespan.NSEC_MAX`, as stored).
    ``type`` extends `ColumnType` with ``time`` (a Python point in time),
    ``null``, ``sequence`` (a bound collection), ``spatial`` (an AST region)
    and ``object`` (any other bound value).
    """

    type: str
    node: Node
    origin: str  # "column", "literal", "bind" or "expression", for messages
    sql: Any = None
    value: Any = None
    begin: Any = None
    end: Any = None
    resolved: ResolvedColumn | None = None

    @property
    def is_python(self) -> bool:
        return self.sql is None and self.type not in ("timespan", "null")

    def describe(self) -> str:
        if self.origin == "column":
            return f"{self.type} column '{self.node}'"
        if self.origin == "bind":
            return f"bind parameter {self.node} = {self.value!r}"
        if self.origin == "literal":
            return f"{self.type} literal {self.node}"
        return f"{self.type} expression '{self.node}'"


def _bind_operand(node: BindName, value: Any) -> _Operand:
    """Classify a bind value."""
    if value is None:
        return _Operand("null", node, "bind", value=None)
    if isinstance(value, bool):
        return _Operand("bool", node, "bind", value=value)
    if isinstance(value, numbers.Integral):
        if not _INT64_MIN <= int(value) <= _INT64_MAX:
            raise InvalidQueryError(f"bind parameter {node} = {value} does not fit in a 64-bit integer")
        return _Operand("int", node, "bind", value=int(value))
    if isinstance(value, numbers.Real):
        return _Operand("float", node, "bind", value=float(value))
    if isinstance(value, str):
        return _Operand("string", node, "bind", value=value)
    if isinstance(value, uuid.UUID):
        return _Operand("uuid", node, "bind", value=value)
    if isinstance(value, astropy.time.Time) and value.isscalar:
        return _Operand("time", node, "bind", value=value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return _Operand("time", node, "bind", value=astropy.time.Time(value, scale="utc"))
    if isinstance(value, Timespan):
        begin, end = value.nsec
        return _Operand("timespan", node, "bind", value=value, begin=begin, end=end)
    if isinstance(value, list | tuple | Set | range) or type(value).__name__ == "ndarray":
        members = [_bind_operand(node, item) for item in value]
        return _Operand("sequence", node, "bind", value=members)
    return _Operand("object", node, "bind", value=value)
