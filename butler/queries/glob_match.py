"""Case-sensitive GLOB matching in SQL, the same on SQLite and PostgreSQL."""

from __future__ import annotations

__all__ = ["GlobMatch", "glob_to_like"]

from typing import Any, ClassVar

import sqlalchemy
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

_LIKE_ESCAPE = "/"


def glob_to_like(pattern: str) -> str:
    """Convert a GLOB pattern to a LIKE pattern escaped with ``/``.

    Parameters
    ----------
    pattern : `str`
        ``*`` matches any run of characters, ``?`` any one character, and
        everything else matches itself.

    Returns
    -------
    like : `str`
        Equivalent pattern for ``LIKE ... ESCAPE '/'``.
    """
    out = []
    for char in pattern:
        if char == "*":
            out.append("%")
        elif char == "?":
            out.append("_")
        elif char in ("%", "_", _LIKE_ESCAPE):
            out.append(_LIKE_ESCAPE + char)
        else:
            out.append(char)
    return "".join(out)


class GlobMatch(ColumnElement[bool]):
    """Case-sensitive whole-string match of ``expression`` against a GLOB pattern.

    Renders as ``LIKE ... ESCAPE '/'`` (case-sensitive on PostgreSQL), but as
    SQLite's native ``GLOB`` on SQLite, whose ``LIKE`` ignores ASCII case.

    Parameters
    ----------
    expression : `sqlalchemy.sql.ColumnElement`
        String-valued expression to test.
    pattern : `str`
        The GLOB pattern.
    """

    __visit_name__ = "butler_glob_match"
    inherit_cache = True
    type = sqlalchemy.Boolean()
    # Render bare (not "... = 1") inside AND/OR on databases without booleans.
    _is_implicitly_boolean = True
    _traverse_internals: ClassVar = (
        ("target", InternalTraversal.dp_clauseelement),
        ("like_pattern", InternalTraversal.dp_clauseelement),
        ("glob_pattern", InternalTraversal.dp_clauseelement),
    )

    def __init__(self, expression: ColumnElement[Any], pattern: str):
        self.target = expression
        self.like_pattern = sqlalchemy.literal(glob_to_like(pattern), sqlalchemy.String())
        # In SQLite's GLOB only "[" needs escaping once * and ? are wildcards.
        self.glob_pattern = sqlalchemy.literal(pattern.replace("[", "[[]"), sqlalchemy.String())


@compiles(GlobMatch)
def _compile_glob_as_like(element: GlobMatch, compiler: Any, **kw: Any) -> str:
    # Parenthesised so that a NOT or AND around it cannot regroup it.
    like = element.target.like(element.like_pattern, escape=_LIKE_ESCAPE)
    return f"({compiler.process(like, **kw)})"


@compiles(GlobMatch, "sqlite")
def _compile_glob_sqlite(element: GlobMatch, compiler: Any, **kw: Any) -> str:
    glob = element.target.op("GLOB", is_comparison=True)(element.glob_pattern)
    return f"({compiler.process(glob, **kw)})"
