"""Arguments and options shared by the ``butler`` subcommands, spelled as LSST spells them.

Multi-valued options accept both repetition and commas, as LSST's do:
``--collections a,b --collections c`` is ``("a", "b", "c")``.
"""

from __future__ import annotations

__all__ = [
    "repo_argument",
    "collections_option",
    "where_option",
    "format_option",
    "limit_option",
    "order_by_option",
    "find_first_option",
    "confirm_option",
    "transfer_option",
    "split_commas",
    "parse_data_id",
    "open_butler",
]

from collections.abc import Callable, Sequence
from typing import Any

import click

from .output import FORMATS

TRANSFER_MODES = ("auto", "link", "symlink", "hardlink", "copy", "move", "relsymlink", "direct")


def split_commas(_ctx: click.Context | None, _param: click.Parameter | None, values: Any) -> tuple[str, ...]:
    """Click callback: flatten repeated, comma-separated values into one tuple."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    result: list[str] = []
    for value in values:
        result.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(result)


def parse_data_id(_ctx: click.Context | None, _param: click.Parameter | None,
                  values: Sequence[str] | None) -> dict[str, Any]:
    """Click callback: ``--data-id instrument=HSC,visit=903334`` (repeatable) to a dict, ints as ints."""
    data_id: dict[str, Any] = {}
    for item in split_commas(None, None, values or ()):
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not key=value (e.g. instrument=HSC).")
        data_id[key.strip()] = int(value) if value.strip().lstrip("-").isdigit() else value.strip()
    return data_id


def repo_argument() -> Callable:
    """The ``REPO`` positional argument (a path, a URI, or a name from BUTLER_REPOSITORY_INDEX)."""
    return click.argument("repo", metavar="REPO")


def collections_option(required: bool = False, help: str | None = None) -> Callable:
    """``--collections`` (repeatable, comma-separated, globs allowed)."""
    return click.option(
        "--collections", multiple=True, callback=split_commas, required=required, metavar="COLLECTION ...",
        help=help or "Collections to search, in order (names or globs; repeat or separate with commas).",
    )


def where_option(help: str | None = None) -> Callable:
    """``--where`` (a query expression in the ``where`` language)."""
    return click.option(
        "--where", default="", metavar="EXPR",
        help=help or "A query expression, e.g. \"instrument='HSC' AND visit > 100\" (see docs/queries.md).",
    )


def format_option(default: str = "table") -> Callable:
    """``--format table|json|csv|ecsv``."""
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default=default, show_default=True,
                        help="Output format: an aligned table for reading, or json/csv/ecsv for scripts.")


def limit_option() -> Callable:
    """``--limit N``: 0 for all; negative (LSST's default -20000) caps the results and warns when hit."""
    return click.option("--limit", type=int, default=-20_000, show_default=True,
                        help="At most this many results; 0 for all. A negative value is a cap: results "
                             "stop there with a warning that more exist.")


def order_by_option() -> Callable:
    """``--order-by`` (repeatable, comma-separated; ``-`` prefix for descending)."""
    return click.option("--order-by", multiple=True, callback=split_commas, metavar="COLUMN ...",
                        help="Sort by these dimensions or fields (prefix '-' for descending), e.g. -visit.")


def find_first_option() -> Callable:
    """``--find-first`` (only the first match in collection order for each data ID)."""
    return click.option("--find-first", is_flag=True,
                        help="For each data ID, only the dataset in the first collection that has one.")


def confirm_option() -> Callable:
    """``--confirm/--no-confirm`` for destructive verbs."""
    return click.option("--confirm/--no-confirm", default=True, show_default=True,
                        help="Show what would be removed and ask before removing it.")


def transfer_option(default: str = "auto") -> Callable:
    """``--transfer`` / ``-t`` (how files get into the datastore)."""
    return click.option("--transfer", "-t", type=click.Choice(TRANSFER_MODES), default=default,
                        show_default=True, help="How to bring files into the repository.")


def open_butler(repo: str, *, writeable: bool = False, **kwargs: Any):
    """A `Butler` for a command, imported only when needed (keeps ``--help`` fast)."""
    from ..butler import Butler

    return Butler.from_config(repo, writeable=writeable, **kwargs)
