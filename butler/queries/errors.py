"""Exceptions raised while parsing and translating query expressions."""

from __future__ import annotations

__all__ = ["ExpressionSyntaxError", "InvalidQueryError", "format_location"]


class InvalidQueryError(ValueError):
    """A query, or an expression inside it, cannot be executed as given.

    Raised for semantic problems such as comparing columns of incompatible
    types, naming a missing bind parameter or using an unsupported construct.
    """


def format_location(expression: str, position: int) -> tuple[int, int, str]:
    """Locate a character offset in an expression and draw a caret under it.

    Parameters
    ----------
    expression : `str`
        The full expression text.
    position : `int`
        0-based character offset into ``expression``; it may equal
        ``len(expression)`` to point just past the end.

    Returns
    -------
    line : `int`
        1-based line number of ``position``.
    column : `int`
        1-based column of ``position`` within its line.
    excerpt : `str`
        Two indented lines: the source line and a caret under the position.
    """
    position = max(0, min(position, len(expression)))
    line_start = expression.rfind("\n", 0, position) + 1
    line_end = expression.find("\n", position)
    if line_end < 0:
        line_end = len(expression)
    text = expression[line_start:line_end]
    offset = position - line_start
    # Keep tabs so the caret lines up however the terminal renders them.
    padding = "".join(c if c == "\t" else " " for c in text[:offset])
    line = expression.count("\n", 0, position) + 1
    return line, offset + 1, f"    {text}\n    {padding}^"


def describe_location(expression: str, position: int) -> tuple[str, str]:
    """Return ``("line L, column C" or "column C", caret excerpt)``.

    Parameters
    ----------
    expression : `str`
        The full expression text.
    position : `int`
        0-based character offset into ``expression``.

    Returns
    -------
    where : `str`
        Human-readable position; the line is only named for multi-line text.
    excerpt : `str`
        Source line with a caret under ``position``.
    """
    line, column, excerpt = format_location(expression, position)
    where = f"line {line}, column {column}" if "\n" in expression else f"column {column}"
    return where, excerpt


class ExpressionSyntaxError(InvalidQueryError):
    """A ``where`` expression string is not valid in the expression language.

    Parameters
    ----------
    expression : `str`
        The full expression text.
    position : `int`
        0-based character offset of the mistake.
    reason : `str`
        What is wrong, e.g. ``"unexpected 'AND'"``.

    Attributes
    ----------
    expression : `str`
        The full expression text.
    position : `int`
        0-based character offset of the mistake.
    line : `int`
        1-based line of the mistake.
    column : `int`
        1-based column of the mistake within its line.
    reason : `str`
        What is wrong, without the location.
    """

    def __init__(self, expression: str, position: int, reason: str):
        self.expression = expression
        self.position = position
        self.reason = reason
        self.line, self.column, excerpt = format_location(expression, position)
        where, _ = describe_location(expression, position)
        super().__init__(f"Syntax error in where expression at {where}: {reason}\n{excerpt}")

    def __reduce__(self):  # keep pickling (e.g. across processes) working
        return (type(self), (self.expression, self.position, self.reason))
