"""The times and timespans of a ``where`` expression, as SQL on integer TAI nanoseconds.

`_TimeTranslation` is the part of the translator's visitor
(`~butler.queries.translate`) that deals with time: it turns points in time
into TAI nanoseconds (or UTC date-times, for ``datetime`` columns), builds
timespans from ``(begin, end)`` tuples, and compares and tests containment of
half-open ``[begin, end)`` intervals.  ``_cmp`` compares two bounds, folding
the comparison of two Python integers into a constant.
"""

from __future__ import annotations

__all__: list[str] = []

import datetime
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy
from sqlalchemy.sql import ColumnElement

from ..timespan import NSEC_MAX, NSEC_MIN, time_to_nsec
from .expression_tree import IsIn, Node, TupleNode
from .operands import _INT64_MAX, _INT64_MIN, _Operand

if TYPE_CHECKING:
    from .errors import InvalidQueryError

_MIRRORED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


class _TimeTranslation:
    """The time and timespan methods of `~butler.queries.translate._Translation`, which provides
    ``visit``, ``_error``, ``_condition`` and ``_type_mismatch``."""

    if TYPE_CHECKING:
        def visit(self, node: Node) -> _Operand: ...
        def _error(self, node: Node, message: str) -> InvalidQueryError: ...
        def _condition(self, node: Node, sql: Any) -> _Operand: ...
        def _type_mismatch(self, node: Node, a: _Operand, b: _Operand, context: str) -> InvalidQueryError: ...

    # -- points in time ---------------------------------------------------

    def _tai_nsec(self, operand: _Operand) -> int:
        try:
            nsec = time_to_nsec(operand.value)
        except (ValueError, ArithmeticError):
            nsec = None
        if nsec is None or not _INT64_MIN <= nsec <= _INT64_MAX:
            raise self._error(
                operand.node, f"time {operand.node} is outside the range the database can store"
            )
        return nsec

    def _utc_datetime(self, operand: _Operand) -> datetime.datetime:
        try:
            return operand.value.utc.to_datetime()
        except (ValueError, ArithmeticError):
            raise self._error(
                operand.node, f"time {operand.node} cannot be expressed as a date-time"
            ) from None

    def _time_value(self, operand: _Operand, partner: _Operand) -> Any:
        """Express a point in time in the storage type of its partner."""
        if operand.type != "time":
            if operand.type != partner.type and partner.type != "time":
                raise self._type_mismatch(operand.node, partner, operand, "compared with")
            return operand.sql
        if partner.type == "datetime":
            return self._utc_datetime(operand)
        return self._tai_nsec(operand)

    def _nsec(self, operand: _Operand, unbounded: int | None = None) -> Any:
        """TAI ns of a point in time (SQL or `int`); NULL means ``unbounded`` if given."""
        if operand.type == "null" and unbounded is not None:
            return unbounded
        if operand.type == "time":
            return self._tai_nsec(operand)
        if operand.type == "timestamp":
            return operand.sql
        raise self._error(
            operand.node, f"expected a time such as T'2020-01-01T00:00:00', got {operand.describe()}"
        )

    # -- time intervals ---------------------------------------------------

    def _interval(self, operand: _Operand) -> tuple[Any, Any]:
        """``[begin, end)`` of a timespan, or ``[t, t + 1ns)`` of a time point."""
        if operand.type == "timespan":
            return operand.begin, operand.end
        point = self._nsec(operand)
        return point, point + 1

    def visit_TupleNode(self, node: TupleNode) -> _Operand:
        first, second = (self.visit(item) for item in node.items)
        begin, end = self._nsec(first, NSEC_MIN), self._nsec(second, NSEC_MAX)
        return _Operand("timespan", node, "literal", begin=begin, end=end)

    def _compare_timespan(self, node: Node, op: str, lhs: _Operand, rhs: _Operand) -> _Operand:
        if lhs.type != "timespan":
            return self._compare_timespan(node, _MIRRORED[op], rhs, lhs)
        if rhs.type == "timespan":
            left, right = lhs, rhs

            def same() -> Any:
                return sqlalchemy.and_(
                    _cmp(operator.eq, left.begin, right.begin), _cmp(operator.eq, left.end, right.end)
                )

            conditions = {
                "=": same,
                "!=": lambda: sqlalchemy.not_(same()),
                "<": lambda: _cmp(operator.le, left.end, right.begin),
                ">": lambda: _cmp(operator.ge, left.begin, right.end),
            }
        elif rhs.type in ("time", "timestamp"):
            point = self._nsec(rhs)
            conditions = {
                "<": lambda: _cmp(operator.le, lhs.end, point),
                ">": lambda: _cmp(operator.gt, lhs.begin, point),
            }
        else:
            raise self._type_mismatch(node, lhs, rhs, "compared with")
        build = conditions.get(op)
        if build is None:
            supported = ", ".join(repr(o) for o in conditions)
            raise self._error(
                node, f"{op!r} is not defined between {lhs.describe()} and {rhs.describe()}; use {supported}"
            )
        return self._condition(node, build())

    def _time_containment(self, node: IsIn, lhs: _Operand) -> Any:
        items = [self.visit(item) for item in node.items]  # a range item raises here
        if len(items) == 1 and items[0].type == "sequence":
            items = items[0].value
        if len(items) == 2:
            begin, end = self._nsec(items[0], NSEC_MIN), self._nsec(items[1], NSEC_MAX)
        elif len(items) == 1 and items[0].type == "timespan":
            begin, end = items[0].begin, items[0].end
        else:
            raise self._error(
                node,
                "IN with a time needs a time range: (T'begin', T'end'), (begin_column, end_column) "
                "or (timespan_column)",
            )
        if lhs.type == "timespan":
            inner_begin, inner_end = lhs.begin, lhs.end
        else:
            inner_begin = inner_end = self._nsec(lhs)
            return sqlalchemy.and_(_cmp(operator.ge, inner_begin, begin), _cmp(operator.lt, inner_end, end))
        return sqlalchemy.and_(_cmp(operator.ge, inner_begin, begin), _cmp(operator.le, inner_end, end))


def _cmp(compare: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    """Compare two TAI-ns bounds, each SQL or `int`."""
    if not isinstance(a, ColumnElement) and not isinstance(b, ColumnElement):
        return sqlalchemy.true() if compare(a, b) else sqlalchemy.false()
    return compare(a, b)
