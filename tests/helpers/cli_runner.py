"""Running ``butler`` commands in-process for tests (shared by the CLI-testing conftests)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from click.testing import CliRunner, Result

from butler.cli.main import cli


def make_invoker() -> Callable[..., Result]:
    """A ``run(*args, input=None)`` that invokes ``butler ARGS``; unexpected exceptions fail loudly."""
    runner = CliRunner()

    def run(*args: Any, input: str | None = None) -> Result:
        result = runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=True)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"butler {' '.join(map(str, args))} crashed:\n{result.output}") \
                from result.exception
        return result

    return run


def restoring_logging() -> Iterator[None]:
    """Generator for an autouse fixture: the CLI configures logging process-wide; undo it after a test."""
    loggers = [logging.getLogger(), logging.getLogger("butler")]
    saved = [(lg, lg.level, list(lg.handlers)) for lg in loggers]
    yield
    for logger, level, handlers in saved:
        logger.setLevel(level)
        logger.handlers[:] = handlers
