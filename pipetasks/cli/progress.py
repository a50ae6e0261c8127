"""A progress bar for quanta as they finish (rich, on stderr, only when progress is enabled)."""

from __future__ import annotations

__all__ = ["QuantumProgress"]

import time
from typing import Any

from butler.cli.interaction import progress_enabled


class QuantumProgress:
    """Counts finished quanta on a bar; a context manager.

    The bar is redrawn by the thread that reports results (no refresh
    thread), so forking replacement workers never happens while another
    thread holds the terminal's locks.
    """

    def __init__(self, description: str = "Running quanta"):
        self._description = description
        self._bar: Any = None
        self._task: Any = None
        self._failed = 0
        self._last_draw = 0.0

    def __enter__(self) -> QuantumProgress:
        if progress_enabled():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
            self._bar = Progress(*columns, console=Console(stderr=True), transient=True, auto_refresh=False)
            self._bar.__enter__()
        return self

    def start(self, driver: Any) -> None:
        """Size the bar to the graph (``on_start`` of `execute_graph`)."""
        if self._bar is not None:
            self._task = self._bar.add_task(self._description, total=len(driver))
            self._bar.refresh()

    def advance(self, result: Any) -> None:
        """Count one finished quantum (``on_result`` of `execute_graph`)."""
        if self._bar is None or self._task is None:
            return
        if result.status.is_failure:
            self._failed += 1
            self._bar.update(self._task, description=f"{self._description} ({self._failed} failed)")
        self._bar.advance(self._task)
        now = time.monotonic()
        if now - self._last_draw > 0.1:
            self._last_draw = now
            self._bar.refresh()

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
