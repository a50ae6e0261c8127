"""Immutable syntax tree of a parsed ``where`` expression.

Every node is a frozen, slotted dataclass.  Equality and hashing are
structural: the source span (``start``/``end``) is carried for error messages
but ignored when comparing, so ``a=1`` and ``a = 1`` parse to equal trees.
``str(node)`` renders a node back to expression text.
"""

from __future__ import annotations

__all__ = [
    "BinaryOp",
    "BindName",
    "BoxNode",
    "CircleNode",
    "FloatLiteral",
    "GlobNode",
    "Identifier",
    "IntLiteral",
    "IsIn",
    "Node",
    "NodeVisitor",
    "NullLiteral",
    "PointNode",
    "PolygonNode",
    "RangeLiteral",
    "RegionNode",
    "SpatialNode",
    "StringLiteral",
    "TimeLiteral",
    "TupleNode",
    "UnaryOp",
    "UuidLiteral",
    "walk",
]

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

if TYPE_CHECKING:
    import astropy.time

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Node:
    """Base class of all syntax tree nodes.

    Attributes
    ----------
    start : `int`
        0-based offset of the node's first character in the expression.
    end : `int`
        0-based offset just past the node's last character.
    """

    start: int = field(default=0, compare=False, repr=False, kw_only=True)
    end: int = field(default=0, compare=False, repr=False, kw_only=True)

    @property
    def column(self) -> int:
        """1-based column of the node's start (for one-line expressions)."""
        return self.start + 1

    @property
    def children(self) -> tuple[Node, ...]:
        """Direct sub-nodes, in source order."""
        return ()


@dataclass(frozen=True, slots=True)
class IntLiteral(Node):
    """Integer literal such as ``42``."""

    value: int

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True, slots=True)
class FloatLiteral(Node):
    """Floating-point literal such as ``1.5`` or ``2e-3``."""

    value: float

    def __str__(self) -> str:
        return repr(self.value)


@dataclass(frozen=True, slots=True)
class StringLiteral(Node):
    """Single-quoted string literal; ``''`` inside stands for one quote."""

    value: str

    def __str__(self) -> str:
        return "'" + self.value.replace("'", "''") + "'"


@dataclass(frozen=True, slots=True)
class TimeLiteral(Node):
    """Time literal ``T'...'``.

    Attributes
    ----------
    text : `str`
        The string between the quotes, as written.
    value : `astropy.time.Time`
        The time it denotes (not compared: ``text`` identifies the literal).
    """

    text: str
    value: astropy.time.Time = field(compare=False)

    def __str__(self) -> str:
        return f"T'{self.text}'"


@dataclass(frozen=True, slots=True)
class UuidLiteral(Node):
    """UUID literal written ``UUID('...')``."""

    value: uuid.UUID

    def __str__(self) -> str:
        return f"UUID('{self.value}')"


@dataclass(frozen=True, slots=True)
class NullLiteral(Node):
    """The ``NULL`` keyword."""

    def __str__(self) -> str:
        return "NULL"


@dataclass(frozen=True, slots=True)
class RangeLiteral(Node):
    """Integer range ``start..stop[:stride]``, stop inclusive; only inside ``IN``."""

    start_value: int
    stop_value: int
    stride: int = 1

    def __str__(self) -> str:
        text = f"{self.start_value}..{self.stop_value}"
        return text if self.stride == 1 else f"{text}:{self.stride}"


@dataclass(frozen=True, slots=True)
class Identifier(Node):
    """Possibly dotted name: ``visit``, ``visit.exposure_time``, ``visit.timespan.begin``."""

    name: str

    @property
    def parts(self) -> tuple[str, ...]:
        """The name split at dots."""
        return tuple(self.name.split("."))

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class BindName(Node):
    """Bind parameter ``:name``; ``name`` excludes the colon."""

    name: str

    def __str__(self) -> str:
        return f":{self.name}"


@dataclass(frozen=True, slots=True)
class UnaryOp(Node):
    """Prefix operator: ``NOT``, ``-`` or ``+``."""

    op: str
    operand: Node

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.operand,)

    def __str__(self) -> str:
        return f"NOT {self.operand}" if self.op == "NOT" else f"{self.op}{self.operand}"


@dataclass(frozen=True, slots=True)
class BinaryOp(Node):
    """Infix operator.

    ``op`` is one of ``AND OR = != < <= > >= + - * / % OVERLAPS``.
    """

    op: str
    lhs: Node
    rhs: Node

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.lhs, self.rhs)

    def __str__(self) -> str:
        return f"({self.lhs} {self.op} {self.rhs})"


@dataclass(frozen=True, slots=True)
class IsIn(Node):
    """``lhs IN (items...)`` or, with ``negated``, ``lhs NOT IN (items...)``."""

    lhs: Node
    items: tuple[Node, ...]
    negated: bool = False

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.lhs, *self.items)

    def __str__(self) -> str:
        op = "NOT IN" if self.negated else "IN"
        return f"({self.lhs} {op} ({', '.join(map(str, self.items))}))"


@dataclass(frozen=True, slots=True)
class TupleNode(Node):
    """Parenthesised pair ``(a, b)``, used for time ranges."""

    items: tuple[Node, ...]

    @property
    def children(self) -> tuple[Node, ...]:
        return self.items

    def __str__(self) -> str:
        return f"({', '.join(map(str, self.items))})"


@dataclass(frozen=True, slots=True)
class GlobNode(Node):
    """``GLOB(expression, pattern)``: ``*`` matches any run, ``?`` one character."""

    expression: Node
    pattern: Node

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.expression, self.pattern)

    def __str__(self) -> str:
        return f"GLOB({self.expression}, {self.pattern})"


@dataclass(frozen=True, slots=True)
class SpatialNode(Node):
    """Base of the sky-region constructors; ``function`` is the name as written upper-case."""

    function: ClassVar[str]

    def __str__(self) -> str:
        return f"{self.function}({', '.join(map(str, self.children))})"


@dataclass(frozen=True, slots=True)
class PointNode(SpatialNode):
    """``POINT(ra, dec)``, degrees."""

    function: ClassVar[str] = "POINT"
    ra: Node
    dec: Node

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.ra, self.dec)


@dataclass(frozen=True, slots=True)
class CircleNode(SpatialNode):
    """``CIRCLE(ra, dec, radius)``, degrees."""

    function: ClassVar[str] = "CIRCLE"
    ra: Node
    dec: Node
    radius: Node

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.ra, self.dec, self.radius)


@dataclass(frozen=True, slots=True)
class BoxNode(SpatialNode):
    """``BOX(ra, dec, width, height)``, degrees, centred on ``(ra, dec)``."""

    function: ClassVar[str] = "BOX"
    ra: Node
    dec: Node
    width: Node
    height: Node

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.ra, self.dec, self.width, self.height)


@dataclass(frozen=True, slots=True)
class PolygonNode(SpatialNode):
    """``POLYGON(ra1, dec1, ra2, dec2, ...)``; at least three vertices."""

    function: ClassVar[str] = "POLYGON"
    vertices: tuple[tuple[Node, Node], ...]

    @property
    def children(self) -> tuple[Node, ...]:
        return tuple(coordinate for vertex in self.vertices for coordinate in vertex)


@dataclass(frozen=True, slots=True)
class RegionNode(SpatialNode):
    """``REGION('...')``: a region in IVOA SIAv2 ``POS`` syntax."""

    function: ClassVar[str] = "REGION"
    spec: Node

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.spec,)


def walk(node: Node) -> Iterator[Node]:
    """Yield ``node`` and all its descendants, parents before children.

    Parameters
    ----------
    node : `Node`
        Root of the (sub)tree.

    Yields
    ------
    node : `Node`
        Each node, depth first, in source order.
    """
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


class NodeVisitor(Generic[_T]):
    """Dispatch on node type to ``visit_<ClassName>`` methods.

    Subclasses define e.g. ``visit_Identifier(self, node)``; a node class
    without a method falls back to `generic_visit`, which raises.
    """

    def visit(self, node: Node) -> _T:
        """Visit one node and return what its method returns.

        Parameters
        ----------
        node : `Node`
            The node to visit.

        Returns
        -------
        result
            Whatever the ``visit_<ClassName>`` method returns.
        """
        method: Callable[[Node], _T] = getattr(self, "visit_" + type(node).__name__, self.generic_visit)
        return method(node)

    def generic_visit(self, node: Node) -> _T:
        """Handle a node type that has no dedicated method.

        Parameters
        ----------
        node : `Node`
            The node.

        Raises
        ------
        NotImplementedError
            Always; override to change.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot handle {type(node).__name__} nodes")
