"""The ``where`` expression language: parsing, syntax tree and SQL translation.

Only the exceptions are imported eagerly; everything else loads on first use,
so ``import butler.errors`` does not pull in lark, astropy and SQLAlchemy.
"""

import importlib
from typing import TYPE_CHECKING, Any

from .errors import ExpressionSyntaxError, InvalidQueryError

_LAZY = {
    "expression_tree": (
        "BinaryOp BindName BoxNode CircleNode FloatLiteral GlobNode Identifier IntLiteral IsIn Node "
        "NodeVisitor NullLiteral PointNode PolygonNode RangeLiteral RegionNode SpatialNode StringLiteral "
        "TimeLiteral TupleNode UnaryOp UuidLiteral walk"
    ),
    "parser": "parse_time_literal parse_where",
    "columns": "ColumnResolver ColumnType ResolvedColumn SpatialColumnResolver referenced_identifiers",
    "translate": "ExpressionTranslator",
}
_MODULE_OF = {name: module for module, names in _LAZY.items() for name in names.split()}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from .columns import (
        ColumnResolver,
        ColumnType,
        ResolvedColumn,
        SpatialColumnResolver,
        referenced_identifiers,
    )
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
        NodeVisitor,
        NullLiteral,
        PointNode,
        PolygonNode,
        RangeLiteral,
        RegionNode,
        SpatialNode,
        StringLiteral,
        TimeLiteral,
        TupleNode,
        UnaryOp,
        UuidLiteral,
        walk,
    )
    from .parser import parse_time_literal, parse_where
    from .translate import ExpressionTranslator

__all__ = [
    "BinaryOp",
    "BindName",
    "BoxNode",
    "CircleNode",
    "ColumnResolver",
    "ColumnType",
    "ExpressionSyntaxError",
    "ExpressionTranslator",
    "FloatLiteral",
    "GlobNode",
    "Identifier",
    "IntLiteral",
    "InvalidQueryError",
    "IsIn",
    "Node",
    "NodeVisitor",
    "NullLiteral",
    "PointNode",
    "PolygonNode",
    "RangeLiteral",
    "RegionNode",
    "ResolvedColumn",
    "SpatialColumnResolver",
    "SpatialNode",
    "StringLiteral",
    "TimeLiteral",
    "TupleNode",
    "UnaryOp",
    "UuidLiteral",
    "parse_time_literal",
    "parse_where",
    "referenced_identifiers",
    "walk",
]
