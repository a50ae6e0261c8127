"""Parse ``where`` expression strings into `~butler.queries.expression_tree` nodes.

The grammar lives in ``grammar.lark`` and is compiled once, lazily, into a
lark LALR parser whose callbacks build the tree directly (no intermediate
parse tree).  Results are cached per expression text.
"""

from __future__ import annotations

__all__ = ["parse_time_literal", "parse_where"]

import functools
import math
import re
import uuid
import warnings
from collections.abc import Callable, Sequence
from importlib import resources

import astropy.time
import lark
from lark import Token

from .errors import ExpressionSyntaxError
from .expression_tree import (
    BinaryOp,
    BindName,
    BoxNode,
    CircleNode,
    FloatLiteral,
    GlobNode,
    Identifier,
    IntLiteral,
    IsIn,
    Node,
    NullLiteral,
    PointNode,
    PolygonNode,
    RangeLiteral,
    RegionNode,
    StringLiteral,
    TimeLiteral,
    TupleNode,
    UnaryOp,
    UuidLiteral,
)


@functools.lru_cache(maxsize=4096)
def parse_where(text: str) -> Node | None:
    """Parse a ``where`` expression.

    Parameters
    ----------
    text : `str`
        The expression, e.g. ``"visit > 10 AND detector IN (1..5)"``.

    Returns
    -------
    tree : `Node` or `None`
        Root of the syntax tree, or `None` if ``text`` is empty or blank.
        Trees are immutable and shared between calls with the same text.

    Raises
    ------
    ExpressionSyntaxError
        Raised if ``text`` is not a valid expression; the message points at
        the offending column.
    """
    if not text or text.isspace():
        return None
    try:
        return _lark_parser().parse(text)
    except _BuildError as err:
        raise ExpressionSyntaxError(text, err.position, err.reason) from None
    except lark.exceptions.UnexpectedInput as err:
        position, reason = _describe_lark_error(text, err)
        raise ExpressionSyntaxError(text, position, reason) from None
    except RecursionError:
        raise ExpressionSyntaxError(text, 0, "expression is nested too deeply") from None


# Formats whose default scale is not TAI, as in LSST's expression language.
_DEFAULT_SCALES = {"iso": "utc", "isot": "utc", "fits": "utc", "yday": "utc", "unix": "utc", "cxcsec": "tt"}
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_ISO = re.compile(r"\d+-\d+-\d+([ Tt]\d+:\d+(:\d+(\.\d*)?)?)?$")
_FITS = re.compile(r"\+\d+-\d+-\d+(T\d+:\d+:\d+(\.\d*)?)?$")
_YDAY = re.compile(r"\d+:\d+(:\d+:\d+(:\d+(\.\d*)?)?)?$")


def parse_time_literal(text: str) -> astropy.time.Time:
    """Interpret the inside of a ``T'...'`` literal.

    Parameters
    ----------
    text : `str`
        ``[format/]value[/scale]``.  Without a format, a plain number is an
        MJD, ``YYYY-MM-DD[( |T)hh:mm[:ss[.fff]]]`` is ISO, ``+YYYY-...`` is
        FITS and ``YYYY:DDD[:hh:mm[:ss]]`` is year-day.  Without a scale, ISO,
        FITS, year-day and unix times are UTC, cxcsec is TT and everything
        else (MJD, JD, ...) is TAI.

    Returns
    -------
    time : `astropy.time.Time`
        The time.

    Raises
    ------
    ValueError
        Raised if the format, scale or value is not recognised.
    """
    text = text.strip().replace("+00:00", "")
    parts = text.split("/")
    fmt: str | None = None
    scale: str | None = None
    if len(parts) == 3:
        fmt, value, scale = parts
    elif len(parts) == 2:
        if parts[0].lower() in astropy.time.Time.FORMATS:
            fmt, value = parts
        else:
            value, scale = parts
    elif len(parts) == 1:
        value = parts[0]
    else:
        raise ValueError("expected [format/]value[/scale]")
    if fmt is not None:
        fmt = fmt.lower()
        if fmt not in astropy.time.Time.FORMATS:
            raise ValueError(f"unknown time format {fmt!r}")
    if scale is not None:
        scale = scale.lower()
        if scale not in astropy.time.Time.SCALES:
            raise ValueError(
                f"unknown time scale {scale!r}; known scales are {', '.join(astropy.time.Time.SCALES)}"
            )
    parsed_value: str | float = value
    if _NUMBER.match(value):
        parsed_value = float(value)
        fmt = fmt or "mjd"
    elif fmt is None:
        if _ISO.match(value):
            fmt = "isot" if "T" in value.upper() else "iso"
        elif _FITS.match(value):
            fmt = "fits"
        elif _YDAY.match(value):
            fmt = "yday"
        else:
            raise ValueError("cannot tell its format; write e.g. T'2020-01-01T12:00:00' or T'mjd/58938.5'")
    assert fmt is not None
    scale = scale or _DEFAULT_SCALES.get(fmt, "tai")
    with warnings.catch_warnings():
        # Far-future UTC dates make erfa warn about "dubious years".
        warnings.simplefilter("ignore")
        try:
            return astropy.time.Time(parsed_value, format=fmt, scale=scale)
        except (ValueError, TypeError) as err:
            raise ValueError(f"not a valid {fmt!r} time ({err})") from None


class _BuildError(Exception):
    """A construct parsed but is not valid; converted by `parse_where`."""

    def __init__(self, position: int, reason: str):
        super().__init__(reason)
        self.position = position
        self.reason = reason


def _span(first: Node | Token, last: Node | Token) -> dict[str, int]:
    start = first.start_pos if isinstance(first, Token) else first.start
    end = last.end_pos if isinstance(last, Token) else last.end
    return {"start": start, "end": end}


def _token_span(token: Token) -> dict[str, int]:
    return {"start": token.start_pos, "end": token.end_pos}


_KEYWORD_TERMINALS = frozenset({"AND", "OR", "OVERLAPS"})
_RANGE = re.compile(r"(-?\d+)\s*\.\.\s*(-?\d+)(?:\s*:\s*(\d+))?$")


class _TreeBuilder(lark.Transformer):
    """Callbacks invoked by the LALR parser for each reduced grammar rule."""

    def binary(self, children: list) -> Node:
        lhs, op, rhs = children
        name = op.value.upper() if op.type in _KEYWORD_TERMINALS else op.value
        return BinaryOp(name, lhs, rhs, **_span(lhs, rhs))

    def unary(self, children: list) -> Node:
        op, operand = children
        if op.type == "NOT":
            return UnaryOp("NOT", operand, **_span(op, operand))
        if isinstance(operand, IntLiteral | FloatLiteral):
            value = -operand.value if op.value == "-" else operand.value
            return type(operand)(value, **_span(op, operand))
        return UnaryOp(op.value, operand, **_span(op, operand))

    def is_in(self, children: list) -> Node:
        lhs, _, _, items, rparen = children
        return IsIn(lhs, items, negated=False, **_span(lhs, rparen))

    def not_in(self, children: list) -> Node:
        lhs, _, _, _, items, rparen = children
        return IsIn(lhs, items, negated=True, **_span(lhs, rparen))

    def in_items(self, children: list) -> tuple[Node, ...]:
        return tuple(children)

    def group(self, children: list) -> Node:
        return children[1]

    def pair(self, children: list) -> Node:
        lparen, first, second, rparen = children
        return TupleNode((first, second), **_span(lparen, rparen))

    def identifier(self, children: list) -> Node:
        (token,) = children
        return Identifier(token.value, **_token_span(token))

    def bind(self, children: list) -> Node:
        (token,) = children
        return BindName(token.value[1:], **_token_span(token))

    def int_literal(self, children: list) -> Node:
        (token,) = children
        return IntLiteral(_int(token.value, token), **_token_span(token))

    def float_literal(self, children: list) -> Node:
        (token,) = children
        return FloatLiteral(_float(token.value, token), **_token_span(token))

    def signed_int(self, children: list) -> Node:
        sign, token = children
        return IntLiteral(_int(sign.value + token.value, sign), **_span(sign, token))

    def signed_float(self, children: list) -> Node:
        sign, token = children
        return FloatLiteral(_float(sign.value + token.value, sign), **_span(sign, token))

    def string_literal(self, children: list) -> Node:
        (token,) = children
        return StringLiteral(token.value[1:-1].replace("''", "'"), **_token_span(token))

    def time_literal(self, children: list) -> Node:
        (token,) = children
        text = token.value[2:-1]
        try:
            value = parse_time_literal(text)
        except ValueError as err:
            raise _BuildError(token.start_pos, f"invalid time literal {token.value}: {err}") from None
        return TimeLiteral(text, value, **_token_span(token))

    def null(self, children: list) -> Node:
        (token,) = children
        return NullLiteral(**_token_span(token))

    def range_literal(self, children: list) -> Node:
        (token,) = children
        match = _RANGE.match(token.value)
        assert match is not None, "guaranteed by the RANGE terminal"
        start, stop, stride = (_int(text, token) for text in match.groups(default="1"))
        if stride == 0:
            raise _BuildError(token.start_pos, f"range stride must be positive in {token.value}")
        return RangeLiteral(start, stop, stride, **_token_span(token))

    def arguments(self, children: list) -> list[Node]:
        return children

    def call(self, children: list) -> Node:
        name, _, arguments, rparen = children
        function = _FUNCTIONS.get(name.value.upper())
        if function is None:
            known = ", ".join(sorted(_FUNCTIONS))
            raise _BuildError(name.start_pos, f"unknown function {name.value!r}; known functions are {known}")
        return function(name, arguments or [], _span(name, rparen))


# Database integers are 64-bit; larger literals could only fail later, obscurely.
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _int(text: str, token: Token) -> int:
    value = int(text)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise _BuildError(token.start_pos, f"integer {text} does not fit in 64 bits")
    return value


def _float(text: str, token: Token) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _BuildError(token.start_pos, f"number {text} is too large")
    return value


def _require_count(name: Token, args: Sequence[Node], what: str, count: int) -> None:
    if len(args) != count:
        raise _BuildError(
            name.start_pos, f"{name.value.upper()}() takes {count} argument(s) ({what}), got {len(args)}"
        )


_NUMERIC_OPERATORS = frozenset("+-*/%")


def _require_numeric(function: str, role: str, arg: Node) -> None:
    ok = isinstance(arg, IntLiteral | FloatLiteral | BindName | Identifier) or (
        isinstance(arg, UnaryOp | BinaryOp) and arg.op in _NUMERIC_OPERATORS
    )
    if not ok:
        raise _BuildError(arg.start, f"{function}() {role} must be a number, bind parameter or identifier")


def _point(name: Token, args: list[Node], span: dict[str, int]) -> Node:
    _require_count(name, args, "ra, dec", 2)
    for role, arg in zip(("ra", "dec"), args, strict=True):
        _require_numeric("POINT", role, arg)
    return PointNode(*args, **span)


def _circle(name: Token, args: list[Node], span: dict[str, int]) -> Node:
    _require_count(name, args, "ra, dec, radius", 3)
    for role, arg in zip(("ra", "dec", "radius"), args, strict=True):
        _require_numeric("CIRCLE", role, arg)
    return CircleNode(*args, **span)


def _box(name: Token, args: list[Node], span: dict[str, int]) -> Node:
    _require_count(name, args, "ra, dec, width, height", 4)
    for role, arg in zip(("ra", "dec", "width", "height"), args, strict=True):
        _require_numeric("BOX", role, arg)
    return BoxNode(*args, **span)


def _polygon(name: Token, args: list[Node], span: dict[str, int]) -> Node:
    if len(args) < 6 or len(args) % 2:
        raise _BuildError(
            name.start_pos,
            f"POLYGON() takes pairs of (ra, dec) for at least three vertices, got {len(args)} argument(s)",
        )
    for arg in args:
        _require_numeric("POLYGON", "vertex coordinate", arg)
    return PolygonNode(tuple(zip(args[::2], args[1::2], strict=True)), **span)


def _region(name: Token, args: list[Node], span: dict[str, int]) -> Node:
    _require_count(name, args, "IVOA POS string", 1)
    if not isinstance(args[0], StringLiteral | BindName | Identifier):  # a bare name may be a bind
        raise _BuildError(args[0].start, "REGION() argument must be a string or a bind parameter")
    return RegionNode(args[0], **span)


def _glob(name: Token, args: list[Node], span: dict[str, int]) -> Node:
    _require_count(name, args, "expression, pattern", 2)
    expression, pattern = args
    if not isinstance(expression, Identifier):
        raise _BuildError(expression.start, "GLOB() first argument must be an identifier")
    if not isinstance(pattern, StringLiteral | BindName | Identifier):  # a bare name may be a bind
        raise _BuildError(pattern.start, "GLOB() pattern must be a string or a bind parameter")
    return GlobNode(expression, pattern, **span)


def _uuid(name: Token, args: list[Node], span: dict[str, int]) -> Node:
    _require_count(name, args, "UUID string", 1)
    (arg,) = args
    if not isinstance(arg, StringLiteral):
        raise _BuildError(arg.start, "UUID() argument must be a string literal")
    try:
        value = uuid.UUID(arg.value)
    except ValueError:
        raise _BuildError(arg.start, f"{arg} is not a valid UUID") from None
    return UuidLiteral(value, **span)


_FUNCTIONS: dict[str, Callable[[Token, list[Node], dict[str, int]], Node]] = {
    "BOX": _box,
    "CIRCLE": _circle,
    "GLOB": _glob,
    "POINT": _point,
    "POLYGON": _polygon,
    "REGION": _region,
    "UUID": _uuid,
}


@functools.cache
def _lark_parser() -> lark.Lark:
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text(encoding="utf-8")
    # The basic lexer, unlike the contextual one, never lexes a misplaced
    # keyword as an identifier, so "a AND AND b" fails at the second AND.
    # cache=True keeps the analysed LALR tables in the temp directory (keyed by
    # grammar, options and lark version): ~30 ms -> ~2 ms per process start.
    return lark.Lark(grammar, parser="lalr", lexer="basic", transformer=_TreeBuilder(), cache=True)


# How terminals are named in "expected ..." messages.
_TERMINAL_NAMES = {
    "AND": "AND",
    "OR": "OR",
    "NOT": "NOT",
    "IN": "IN",
    "OVERLAPS": "OVERLAPS",
    "NULL": "NULL",
    "RANGE": "a range",
    "INT": "a number",
    "FLOAT": "a number",
    "STRING": "a string",
    "TIME": "a time literal",
    "BIND": "a bind parameter",
    "IDENTIFIER": "an identifier",
    "COMPARE": "a comparison",
    "SIGN": "'+' or '-'",
    "MULTIPLY": "'*', '/' or '%'",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "$END": "end of expression",
}
_OPERAND_STARTS = frozenset(
    {"IDENTIFIER", "INT", "FLOAT", "STRING", "TIME", "BIND", "NULL", "LPAR", "SIGN", "NOT"}
)
_OPERATORS = frozenset({"OR", "AND", "COMPARE", "OVERLAPS", "IN", "NOT", "SIGN", "MULTIPLY"})


def _describe_expected(expected: set[str]) -> str:
    phrases: list[str] = []
    remaining = set(expected)
    if {"IDENTIFIER", "INT"} <= remaining:
        phrases.append("an expression" if "RANGE" not in remaining else "a value or range")
        remaining -= _OPERAND_STARTS | {"RANGE"}
    # LALR reduces before it notices the error, so the set may hold only OR
    # where any binary operator would do.
    if "OR" in remaining:
        phrases.append("an operator")
        # After an identifier "(" would open a function call: true but unhelpful.
        remaining -= _OPERATORS | {"LPAR"}
    names = sorted(
        {_TERMINAL_NAMES.get(name, name) for name in remaining}, key=lambda s: (s.startswith("end"), s)
    )
    phrases.extend(names)
    if not phrases:
        return ""
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " or " + phrases[-1]


def _narrow_expected(text: str, position: int, expected: set[str]) -> set[str]:
    """Drop terminals that LALR's merged lookaheads allow but the context rules out."""
    stack: list[bool] = []  # one entry per open parenthesis: does it open an IN list?
    previous = ""
    try:
        for token in _lark_parser().lex(text[:position]):
            if token.type == "LPAR":
                stack.append(previous == "IN")
            elif token.type == "RPAR" and stack:
                stack.pop()
            previous = token.type
    except lark.exceptions.LarkError:
        return expected
    if not stack:
        return expected - {"RPAR", "COMMA"}
    if stack[-1] and previous not in ("LPAR", "COMMA"):
        return expected & {"RPAR", "COMMA"}
    return expected - {"$END"}


def _hint(previous: str, token: Token, expected: set[str]) -> str:
    if token.value == "=" and previous == "=":
        return "equality is written '=', not '=='"
    if token.value == ">" and previous == "<":
        return "inequality is written '!='"
    if token.type in ("COMPARE", "OVERLAPS") and "OR" in expected:
        return "comparisons cannot be chained; combine them with AND"
    if token.type == "RANGE":
        return "ranges are only allowed inside IN (...)"
    return ""


def _describe_lark_error(text: str, err: lark.exceptions.UnexpectedInput) -> tuple[int, str]:
    if isinstance(err, lark.exceptions.UnexpectedCharacters):
        position = err.pos_in_stream
        char = text[position]
        if char == "'":
            return position, "unterminated string literal"
        if char == '"':
            return position, "unexpected '\"'; strings are written in single quotes ('...')"
        hint = {"&": "; use AND", "|": "; use OR", "!": "; use NOT or !="}.get(char, "")
        return position, f"unexpected character {char!r}{hint}"
    token = getattr(err, "token", None)
    expected = set(getattr(err, "expected", ()) or ())
    if token is None or token.type == "$END":
        position = len(text.rstrip())
        found = "unexpected end of expression"
    else:
        position = token.start_pos
        found = f"unexpected {token.value!r}"
        hint = _hint(text[:position].rstrip()[-1:], token, expected)
        if hint:
            return position, f"{found}; {hint}"
    described = _describe_expected(_narrow_expected(text, position, expected))
    return position, f"{found}; expected {described}" if described else found
