"""Talking to the person at the terminal: progress bars and confirmation of destructive work.

Progress bars show only on a terminal (or with ``--progress``) and go to
stderr, so piped output stays clean.
"""

from __future__ import annotations

__all__ = ["progress", "confirm_removal", "progress_enabled"]

import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

import click

from .output import ResultTable, write_table

T = TypeVar("T")


def progress_enabled() -> bool:
    """Whether the global ``--progress/--no-progress`` (default: stderr is a terminal) asks for bars."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if isinstance(ctx.obj, dict) and "progress" in ctx.obj:
            return bool(ctx.obj["progress"])
        ctx = ctx.parent
    return sys.stderr.isatty()


def progress(items: Iterable[T], *, description: str, total: int | None = None) -> Iterator[T]:
    """Iterate over ``items`` with a rich progress bar on stderr when progress is enabled."""
    if not progress_enabled():
        yield from items
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        for item in items:
            yield item
            bar.advance(task)


def confirm_removal(what: str, table: ResultTable | Sequence[ResultTable], *, confirm: bool,
                    dry_run: bool = False) -> bool:
    """Show what a destructive verb would remove and, if asked to confirm, ask; `True` to go ahead.

    With ``dry_run`` the table is shown and `False` returned. The question
    is read from stdin, so ``yes | butler remove-runs ...`` works; an empty
    stdin answers no.
    """
    shown = write_table(table, "table")
    if shown == 0:
        click.echo(f"Nothing to remove: no {what} matched.")
        return False
    if dry_run:
        click.echo(f"Dry run: the {what} above would be removed; nothing was changed.")
        return False
    if not confirm:
        return True
    return click.confirm(f"Remove these {what}?", default=False)
