"""What an identifier of a ``where`` expression stands for in SQL, and who says so.

The translator (`~butler.queries.translate.ExpressionTranslator`) knows nothing
about registries: a `ColumnResolver` maps each identifier to a `ResolvedColumn`.
"""

from __future__ import annotations

__all__ = ["ColumnResolver", "ColumnType", "ResolvedColumn", "SpatialColumnResolver", "referenced_identifiers"]

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from sqlalchemy.sql import ColumnElement

from .expression_tree import Identifier, Node, walk

ColumnType = Literal["int", "float", "string", "bool", "timestamp", "timespan", "region", "uuid", "datetime"]
"""Logical type of a resolved column.

``timestamp`` is an integer of TAI nanoseconds since 1970-01-01T00:00:00 TAI;
``timespan`` is a ``[begin, end)`` pair of such integers; ``datetime`` is a
SQL date-time column holding UTC.
"""


@dataclass(frozen=True, slots=True)
class ResolvedColumn:
    """What an identifier in an expression stands for in SQL.

    Parameters
    ----------
    column : `sqlalchemy.sql.ColumnElement` or `None`
        The column expression; may be `None` for a timespan.
    type : `ColumnType`
        Logical type of the column.
    timespan_begin, timespan_end : `sqlalchemy.sql.ColumnElement`, optional
        Inclusive begin and exclusive end of a ``timespan``, in TAI
        nanoseconds; required for, and only for, timespans.
    """

    column: ColumnElement[Any] | None
    type: ColumnType
    timespan_begin: ColumnElement[Any] | None = None
    timespan_end: ColumnElement[Any] | None = None

    def __post_init__(self) -> None:
        if self.type == "timespan":
            if self.timespan_begin is None or self.timespan_end is None:
                raise ValueError("a timespan column needs timespan_begin and timespan_end")
        elif self.column is None:
            raise ValueError(f"a {self.type} column needs a column expression")


class ColumnResolver(Protocol):
    """Maps identifiers in an expression to SQL columns."""

    def resolve_identifier(self, name: str, node: Node) -> ResolvedColumn:
        """Return the column an identifier refers to.

        Parameters
        ----------
        name : `str`
            The identifier as written, e.g. ``"visit"`` or
            ``"visit.timespan.begin"``.
        node : `Node`
            The identifier's node, for the position in error messages.

        Returns
        -------
        column : `ResolvedColumn`
            The column and its logical type.

        Raises
        ------
        InvalidQueryError
            Raised if the name is unknown or ambiguous.
        """
        ...


@runtime_checkable
class SpatialColumnResolver(ColumnResolver, Protocol):
    """A resolver that can also turn ``region OVERLAPS <region>`` into SQL."""

    def spatial_constraint(
        self, column: ResolvedColumn, region: Node, bind: Mapping[str, Any]
    ) -> ColumnElement[bool]:
        """Return SQL that is true where ``column`` overlaps ``region``.

        Parameters
        ----------
        column : `ResolvedColumn`
            A column of type ``region``.
        region : `Node`
            A `SpatialNode` (``POINT(...)``, ``CIRCLE(...)``, ...), a
            `BindName` bound to a region object, or an `Identifier` of
            another region column.
        bind : `~collections.abc.Mapping` [ `str`, `object` ]
            Bind values, for `BindName` nodes in or as ``region``.

        Returns
        -------
        clause : `sqlalchemy.sql.ColumnElement` [ `bool` ]
            The constraint.
        """
        ...


def referenced_identifiers(node: Node | None) -> set[str]:
    """Return the names of all identifiers in a tree, without resolving them.

    Parameters
    ----------
    node : `Node` or `None`
        Root of a parsed expression (`None` for an empty one).

    Returns
    -------
    names : `set` [ `str` ]
        Identifier names as written, e.g. ``{"visit", "visit.timespan"}``;
        bind parameters and function names are not included.
    """
    if node is None:
        return set()
    return {n.name for n in walk(node) if isinstance(n, Identifier)}
