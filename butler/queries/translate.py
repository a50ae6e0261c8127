"""Translate a parsed ``where`` expression into a SQLAlchemy boolean expression.

The translator knows nothing about registries: every identifier is handed to
a `ColumnResolver`, which returns the SQL column (or pair of columns, for a
timespan) and its logical type.  Typical use by a query builder::

    tree = parse_where(where)
    for name in referenced_identifiers(tree):
        ...  # join whatever tables provide ``name``
    clause = ExpressionTranslator(resolver, bind).translate(tree, source=where)

Times are compared in the database as integer TAI nanoseconds since
1970-01-01T00:00:00 TAI; timespans are half-open ``[begin, end)`` pairs of
such integers.
"""

from __future__ import annotations

__all__ = ["ExpressionTranslator"]

import operator
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy
from sqlalchemy.sql import ColumnElement

from .columns import ColumnResolver, ResolvedColumn
from .errors import InvalidQueryError, describe_location
from .expression_tree import (
    BinaryOp,
    BindName,
    FloatLiteral,
    GlobNode,
    Identifier,
    IntLiteral,
    IsIn,
    Node,
    NodeVisitor,
    NullLiteral,
    RangeLiteral,
    SpatialNode,
    StringLiteral,
    TimeLiteral,
    UnaryOp,
    UuidLiteral,
)
from .glob_match import GlobMatch
from .operands import _bind_operand, _Operand
from .parser import parse_where
from .translate_time import _cmp, _TimeTranslation

_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
}
_NUMERIC = frozenset({"int", "float"})
_POINT_TIMES = frozenset({"timestamp", "time", "datetime"})
_EXPECTED = {
    "int": "an integer",
    "float": "a number",
    "string": "a string",
    "bool": "a boolean",
    "timestamp": "a time such as T'2020-01-01T00:00:00'",
    "datetime": "a time such as T'2020-01-01T00:00:00'",
    "uuid": "a UUID such as UUID('...')",
    "timespan": "a timespan or a time",
    "region": "a region",
}


class ExpressionTranslator:
    """Translate expression trees into SQLAlchemy boolean expressions.

    Parameters
    ----------
    resolver : `ColumnResolver`
        Supplies the column for each identifier.  If it also has a
        ``spatial_constraint`` method (see `SpatialColumnResolver`), region
        overlaps are delegated to it; otherwise they are rejected.
    bind : `~collections.abc.Mapping` [ `str`, `object` ], optional
        Values of ``:name`` bind parameters.  A list, tuple or set value
        expands into the items of an ``IN (...)`` list.

    Notes
    -----
    Each identifier is resolved at most once per translator.
    """

    def __init__(self, resolver: ColumnResolver, bind: Mapping[str, Any] | None = None):
        self._resolver = resolver
        self._bind: Mapping[str, Any] = bind if bind is not None else {}
        self._resolved: dict[str, ResolvedColumn] = {}

    def translate(self, where: Node | str | None, *, source: str | None = None) -> ColumnElement[bool]:
        """Translate an expression.

        Parameters
        ----------
        where : `Node`, `str` or `None`
            A parsed tree, or expression text to parse first.  `None` and
            blank text mean "no constraint".
        source : `str`, optional
            The text ``where`` was parsed from, so errors can quote it; not
            needed when ``where`` is a string.

        Returns
        -------
        clause : `sqlalchemy.sql.ColumnElement` [ `bool` ]
            The constraint; ``true()`` for an empty expression.

        Raises
        ------
        ExpressionSyntaxError
            Raised if ``where`` is text that does not parse.
        InvalidQueryError
            Raised for type mismatches, missing bind parameters, unsupported
            constructs, or by the resolver for unknown identifiers.
        """
        if isinstance(where, str):
            source = where
            where = parse_where(where)
        if where is None:
            return sqlalchemy.true()
        translation = _Translation(self._resolver, self._bind, self._resolved, source)
        try:
            return translation.condition(where)
        except RecursionError:
            raise InvalidQueryError("where expression is nested too deeply") from None


class _Translation(_TimeTranslation, NodeVisitor[_Operand]):
    """The state of translating one expression; ``visit`` returns `_Operand`."""

    def __init__(
        self,
        resolver: ColumnResolver,
        bind: Mapping[str, Any],
        resolved: dict[str, ResolvedColumn],
        source: str | None,
    ):
        self._resolver = resolver
        self._bind = bind
        self._resolved = resolved
        self._source = source

    def condition(self, node: Node) -> ColumnElement[bool]:
        result = self.visit(node)
        if result.type != "bool":
            raise self._error(
                node, f"the expression must be a condition (true or false), not {result.describe()}"
            )
        return self._sql(result)

    # -- helpers ----------------------------------------------------------

    def _error(self, node: Node, message: str) -> InvalidQueryError:
        if self._source is None:
            return InvalidQueryError(f"{message} (at column {node.column})")
        where, excerpt = describe_location(self._source, node.start)
        return InvalidQueryError(f"Invalid where expression at {where}: {message}\n{excerpt}")

    def _sql(self, operand: _Operand) -> Any:
        """Return a SQL expression for a scalar operand."""
        if operand.sql is not None:
            return operand.sql
        if operand.type == "bool":
            return sqlalchemy.true() if operand.value else sqlalchemy.false()
        if operand.type == "time":
            return sqlalchemy.literal(self._tai_nsec(operand))
        return sqlalchemy.literal(operand.value)

    def _bool(self, node: Node) -> Any:
        operand = self.visit(node)
        if operand.type != "bool":
            raise self._error(node, f"expected a condition (true or false), got {operand.describe()}")
        return self._sql(operand)

    def _condition(self, node: Node, sql: Any) -> _Operand:
        return _Operand("bool", node, "expression", sql=sql)

    def _type_mismatch(self, node: Node, a: _Operand, b: _Operand, context: str) -> InvalidQueryError:
        expecting, offending = (b, a) if b.origin == "column" and a.origin != "column" else (a, b)
        expected = _EXPECTED.get(expecting.type, f"a {expecting.type} value")
        return self._error(
            offending.node,
            f"{expecting.describe()} cannot be {context} {offending.describe()}; expected {expected}",
        )

    # -- leaves -----------------------------------------------------------

    def visit_IntLiteral(self, node: IntLiteral) -> _Operand:
        return _Operand("int", node, "literal", value=node.value)

    def visit_FloatLiteral(self, node: FloatLiteral) -> _Operand:
        return _Operand("float", node, "literal", value=node.value)

    def visit_StringLiteral(self, node: StringLiteral) -> _Operand:
        return _Operand("string", node, "literal", value=node.value)

    def visit_TimeLiteral(self, node: TimeLiteral) -> _Operand:
        return _Operand("time", node, "literal", value=node.value)

    def visit_UuidLiteral(self, node: UuidLiteral) -> _Operand:
        return _Operand("uuid", node, "literal", value=node.value)

    def visit_NullLiteral(self, node: NullLiteral) -> _Operand:
        return _Operand("null", node, "literal")

    def visit_RangeLiteral(self, node: RangeLiteral) -> _Operand:
        raise self._error(node, f"range {node} is only allowed inside IN (...)")

    def visit_Identifier(self, node: Identifier) -> _Operand:
        resolved = self._resolved.get(node.name)
        if resolved is None:
            resolved = self._resolver.resolve_identifier(node.name, node)
            self._resolved[node.name] = resolved
        if resolved.type == "timespan":
            return _Operand(
                "timespan",
                node,
                "column",
                begin=resolved.timespan_begin,
                end=resolved.timespan_end,
                resolved=resolved,
            )
        return _Operand(resolved.type, node, "column", sql=resolved.column, resolved=resolved)

    def visit_BindName(self, node: BindName) -> _Operand:
        try:
            value = self._bind[node.name]
        except KeyError:
            given = ", ".join(sorted(f":{name}" for name in self._bind)) or "none"
            raise self._error(
                node, f"bind parameter :{node.name} has no value; bind values were given for: {given}"
            ) from None
        return _bind_operand(node, value)

    # -- operators --------------------------------------------------------

    def visit_UnaryOp(self, node: UnaryOp) -> _Operand:
        if node.op == "NOT":
            return self._condition(node, sqlalchemy.not_(self._bool(node.operand)))
        operand = self.visit(node.operand)
        if operand.type not in _NUMERIC:
            raise self._error(node, f"unary {node.op!r} needs a number, not {operand.describe()}")
        if node.op == "+":
            return operand
        if operand.is_python:
            return _Operand(operand.type, node, "expression", value=-operand.value)
        return _Operand(operand.type, node, "expression", sql=-operand.sql)

    def visit_BinaryOp(self, node: BinaryOp) -> _Operand:
        if node.op in ("AND", "OR"):
            return self._logical(node)
        if node.op == "OVERLAPS":
            return self._overlaps(node)
        lhs = self.visit(node.lhs)
        rhs = self.visit(node.rhs)
        if node.op in _ARITHMETIC:
            return self._arithmetic(node, lhs, rhs)
        return self._compare(node, node.op, lhs, rhs)

    def _logical(self, node: BinaryOp) -> _Operand:
        # Flatten chains iteratively: generated "a OR b OR ..." strings can
        # be far deeper than Python's recursion limit.
        terms: list[Node] = []
        stack: list[Node] = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, BinaryOp) and current.op == node.op:
                stack.extend((current.rhs, current.lhs))
            else:
                terms.append(current)
        clauses = [self._bool(term) for term in terms]
        combine = sqlalchemy.and_ if node.op == "AND" else sqlalchemy.or_
        return self._condition(node, combine(*clauses))

    def _arithmetic(self, node: BinaryOp, lhs: _Operand, rhs: _Operand) -> _Operand:
        # PostgreSQL has no floating-point "%"; SQLite would truncate to integers.
        allowed, wanted = (("int",), "integers") if node.op == "%" else (_NUMERIC, "numbers")
        for operand in (lhs, rhs):
            if operand.type not in allowed:
                raise self._error(
                    operand.node, f"operator {node.op!r} needs {wanted}, not {operand.describe()}"
                )
        result_type = "int" if lhs.type == rhs.type == "int" and node.op != "/" else "float"
        left: Any = lhs.sql if lhs.sql is not None else lhs.value
        right: Any = rhs.sql if rhs.sql is not None else rhs.value
        if node.op in ("/", "%"):
            if rhs.is_python and rhs.value == 0:
                raise self._error(rhs.node, "division by zero")
            if not rhs.is_python:
                # A zero divisor then gives NULL (no match) on every database
                # instead of aborting the whole query on PostgreSQL.
                right = sqlalchemy.func.nullif(right, 0)
        if lhs.is_python and rhs.is_python:
            left = sqlalchemy.literal(left)
        return _Operand(result_type, node, "expression", sql=_ARITHMETIC[node.op](left, right))

    def _compare(self, node: Node, op: str, lhs: _Operand, rhs: _Operand) -> _Operand:
        if lhs.type == "null" or rhs.type == "null":
            return self._compare_null(node, op, lhs, rhs)
        if lhs.type == "timespan" or rhs.type == "timespan":
            return self._compare_timespan(node, op, lhs, rhs)
        for operand in (lhs, rhs):
            if operand.type in ("region", "spatial", "sequence", "object"):
                raise self._error(operand.node, f"{operand.describe()} cannot be compared with {op!r}")
        left, right = self._coerce_pair(node, lhs, rhs, "compared with")
        if not isinstance(left, ColumnElement) and not isinstance(right, ColumnElement):
            left = sqlalchemy.literal(left)
        return self._condition(node, _COMPARISONS[op](left, right))

    def _coerce_pair(self, node: Node, lhs: _Operand, rhs: _Operand, context: str) -> tuple[Any, Any]:
        """Check two scalar operands are comparable and return their SQL/Python values."""
        if lhs.type in _POINT_TIMES and rhs.type in _POINT_TIMES:
            return self._time_value(lhs, rhs), self._time_value(rhs, lhs)
        compatible = lhs.type == rhs.type or (lhs.type in _NUMERIC and rhs.type in _NUMERIC)
        if not compatible:
            raise self._type_mismatch(node, lhs, rhs, context)
        return (
            lhs.sql if lhs.sql is not None else lhs.value,
            rhs.sql if rhs.sql is not None else rhs.value,
        )

    def _compare_null(self, node: Node, op: str, lhs: _Operand, rhs: _Operand) -> _Operand:
        other = rhs if lhs.type == "null" else lhs
        if op not in ("=", "!="):
            raise self._error(node, f"NULL can only be compared with '=' or '!=', not {op!r}")
        if other.type == "null":
            raise self._error(node, "comparing NULL with NULL is always undefined")
        if other.type == "timespan":
            # Both bounds absent is the only way to store "no timespan".
            parts = [b for b in (other.begin, other.end) if isinstance(b, ColumnElement)]
            if not parts:
                raise self._error(other.node, f"{other.describe()} is never NULL")
            clause: Any = sqlalchemy.and_(*(p.is_(None) for p in parts))
        elif other.type in ("spatial", "sequence", "object"):
            raise self._error(other.node, f"{other.describe()} cannot be compared with NULL")
        else:
            clause = self._sql(other).is_(None)
        return self._condition(node, sqlalchemy.not_(clause) if op == "!=" else clause)

    # -- OVERLAPS and regions ---------------------------------------------

    def _overlaps(self, node: BinaryOp) -> _Operand:
        lhs = self.visit(node.lhs)
        rhs = self.visit(node.rhs)
        spatial = ("region", "spatial", "object")
        if lhs.type in spatial or rhs.type in spatial:
            return self._spatial_overlaps(node, lhs, rhs)
        temporal = ("timespan", "time", "timestamp")
        for operand in (lhs, rhs):
            if operand.type not in temporal:
                raise self._error(
                    operand.node,
                    f"OVERLAPS needs timespans, times or regions on both sides, not {operand.describe()}",
                )
        begin1, end1 = self._interval(lhs)
        begin2, end2 = self._interval(rhs)
        return self._condition(
            node, sqlalchemy.and_(_cmp(operator.lt, begin1, end2), _cmp(operator.lt, begin2, end1))
        )

    def _spatial_overlaps(self, node: BinaryOp, lhs: _Operand, rhs: _Operand) -> _Operand:
        column, region = (lhs, rhs) if lhs.type == "region" else (rhs, lhs)
        bound_text = region.type == "string" and isinstance(region.node, BindName)  # e.g. an IVOA POS string
        if column.type != "region" or (region.type not in ("region", "spatial", "object") and not bound_text):
            raise self._error(
                node, f"OVERLAPS between {lhs.describe()} and {rhs.describe()} is not a region overlap"
            )
        spatial_constraint = getattr(self._resolver, "spatial_constraint", None)
        if spatial_constraint is None:
            raise InvalidQueryError("spatial constraints are not supported by this query yet")
        assert column.resolved is not None
        return self._condition(node, spatial_constraint(column.resolved, region.node, self._bind))

    def _visit_spatial(self, node: SpatialNode) -> _Operand:
        return _Operand("spatial", node, "literal")

    visit_PointNode = visit_CircleNode = visit_BoxNode = visit_PolygonNode = visit_RegionNode = _visit_spatial

    # -- IN and GLOB ------------------------------------------------------

    def visit_IsIn(self, node: IsIn) -> _Operand:
        lhs = self.visit(node.lhs)
        if lhs.type in ("timespan", "time", "timestamp"):
            clause = self._time_containment(node, lhs)
        else:
            clause = self._membership(node, lhs)
        return self._condition(node, sqlalchemy.not_(clause) if node.negated else clause)

    def _membership(self, node: IsIn, lhs: _Operand) -> Any:
        if lhs.type in ("null", "region", "spatial", "sequence", "object", "datetime"):
            raise self._error(node.lhs, f"{lhs.describe()} cannot be tested with IN")
        target = self._sql(lhs)
        values: list[Any] = []
        clauses: list[Any] = []
        for item_node in node.items:
            if isinstance(item_node, RangeLiteral):
                if lhs.type != "int":
                    raise self._error(item_node, f"a range needs an integer, not {lhs.describe()}")
                clauses.append(_in_range(target, item_node))
                continue
            item = self.visit(item_node)
            members = item.value if item.type == "sequence" else [item]
            for member in members:
                if member.type == "null":
                    clauses.append(target.is_(None))
                    continue
                _, value = self._coerce_pair(node, lhs, member, "compared with")
                # SQLAlchemy types an expanded IN list from the column, or from
                # its first value: 2.5 in an integer list would become 2 or 3.
                if isinstance(value, ColumnElement) or lhs.is_python or member.type != lhs.type:
                    clauses.append(target == value)
                else:
                    values.append(value)
        if values:
            clauses.insert(0, target.in_(values))
        if not clauses:  # an empty bound collection
            return sqlalchemy.false()
        return clauses[0] if len(clauses) == 1 else sqlalchemy.or_(*clauses)

    def visit_GlobNode(self, node: GlobNode) -> _Operand:
        expression = self.visit(node.expression)
        if expression.type != "string":
            raise self._error(node.expression, f"GLOB needs a string column, not {expression.describe()}")
        if isinstance(node.pattern, Identifier):
            raise self._error(node.pattern, f"GLOB pattern must be a string or a bind parameter; "
                                            f"{node.pattern.name!r} is not in bind")
        pattern = self.visit(node.pattern)
        if pattern.type != "string":
            raise self._error(node.pattern, f"GLOB pattern must be a string, not {pattern.describe()}")
        return self._condition(node, GlobMatch(self._sql(expression), pattern.value))

    def generic_visit(self, node: Node) -> _Operand:
        raise self._error(node, f"{type(node).__name__} is not supported here")


def _in_range(target: Any, node: RangeLiteral) -> Any:
    start, stop, stride = node.start_value, node.stop_value, node.stride
    if stop < start:
        return sqlalchemy.false()
    if start == stop:
        return target == start
    clause = sqlalchemy.and_(target >= start, target <= stop)
    if stride > 1:
        clause = sqlalchemy.and_(clause, (target - start) % stride == 0)
    return clause
