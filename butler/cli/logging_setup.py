"""What the ``butler`` and ``pipetask`` groups share: LSST's global logging options and the error policy.

* `global_options` adds ``--log-level [COMPONENT=]LEVEL`` (with LSST's
  VERBOSE and TRACE), ``--long-log``, ``--log-file`` (JSON records when the
  name ends in ``.json``), ``--log-tty/--no-log-tty``, ``--log-label`` and
  ``--progress/--no-progress``; `configure_logging` applies them.
* `OneLineErrors` is a click group mix-in: expected errors print
  ``Error: <message>`` and exit 1; at DEBUG the traceback shows instead.
"""

from __future__ import annotations

__all__ = ["OneLineErrors", "configure_logging", "global_options"]

import json
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
EXTRA_LEVELS = {"VERBOSE": 15, "TRACE": 5}


def parse_log_levels(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> dict[str, int]:
    """``--log-level LEVEL`` or ``--log-level COMPONENT=LEVEL`` (repeatable), as LSST's."""
    levels: dict[str, int] = {}
    for value in values:
        component, _, level = value.rpartition("=")
        name = level.upper()
        number = EXTRA_LEVELS.get(name, logging.getLevelName(name))
        if not isinstance(number, int):
            raise click.BadParameter(f"{level!r} is not a level; use one of {', '.join(LOG_LEVELS)}, "
                                     "VERBOSE or TRACE, optionally as COMPONENT=LEVEL.")
        levels["" if component in ("", ".") else component] = number
    return levels


class JsonLogFormatter(logging.Formatter):
    """One JSON object per record, with the ``--log-label`` labels."""

    def __init__(self, labels: dict[str, str]):
        super().__init__()
        self._labels = labels

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps({"time": record.created, "name": record.name, "level": record.levelname,
                           "message": record.getMessage(), **self._labels})


def global_options(example_logger: str) -> Callable[[Callable], Callable]:
    """Decorate a click group with the global options (``example_logger`` appears in the help)."""
    options = [
        click.option("--log-level", multiple=True, callback=parse_log_levels, metavar="[COMPONENT=]LEVEL ...",
                     help="Logging threshold (CRITICAL, ERROR, WARNING (default), INFO, VERBOSE, DEBUG, TRACE), "
                          f"for everything or for one logger (e.g. {example_logger}=DEBUG). DEBUG also shows "
                          "tracebacks of errors."),
        click.option("--long-log", is_flag=True, help="Log messages with their time and logger name."),
        click.option("--log-file", type=click.Path(dir_okay=False), multiple=True,
                     help="Also write the log to this file (appended; JSON records if the name ends in .json)."),
        click.option("--log-tty/--no-log-tty", default=True, show_default=True,
                     help="Log to the terminal (stderr)."),
        click.option("--log-label", multiple=True, metavar="KEY=VALUE ...",
                     help="Labels added to JSON log records."),
        click.option("--progress/--no-progress", default=None,
                     help="Show progress bars (default: only when writing to a terminal)."),
    ]

    def decorate(f: Callable) -> Callable:
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


def configure_logging(ctx: click.Context, log_level: dict[str, int], long_log: bool, log_file: Sequence[str],
                      log_tty: bool, log_label: Sequence[str], progress: bool | None, *,
                      handler_floor: bool = False) -> None:
    """Set up logging (and ``ctx.obj["progress"]``) from the global options.

    With ``handler_floor`` the handlers keep the configured thresholds even
    when code lowers a logger's level later (pipetask does, to capture task
    logs into ``<label>_log`` datasets).
    """
    for name, number in EXTRA_LEVELS.items():
        logging.addLevelName(number, name)
    threshold = log_level.get("", logging.WARNING)
    text_format = ("%(asctime)s %(levelname)s %(name)s: %(message)s" if long_log
                   else "%(levelname)s %(name)s: %(message)s")
    labels = dict(label.partition("=")[::2] for label in log_label)
    handlers: list[logging.Handler] = []
    if log_tty:
        handlers.append(logging.StreamHandler())
        handlers[-1].setFormatter(logging.Formatter(text_format))
    for path in log_file:
        handler = logging.FileHandler(path)
        handler.setFormatter(JsonLogFormatter(labels) if path.endswith(".json") else logging.Formatter(text_format))
        handlers.append(handler)
    if handler_floor:
        for handler in handlers:
            handler.setLevel(min([threshold, *log_level.values()]))
    logging.basicConfig(level=threshold, handlers=handlers or [logging.NullHandler()], force=True)
    for component, number in log_level.items():
        if component:
            logging.getLogger(component).setLevel(number)
    ctx.ensure_object(dict)
    ctx.obj["progress"] = sys.stderr.isatty() if progress is None else progress


class OneLineErrors(click.Group):
    """A click group printing expected errors as one line (`expected_errors`) and exiting with status 1.

    The traceback shows instead when the root logger or one of
    ``debug_loggers`` is at DEBUG.
    """

    debug_loggers: tuple[str, ...] = ()

    def expected_errors(self) -> tuple[type[BaseException], ...]:
        raise NotImplementedError

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except self.expected_errors() as err:
            if any(logging.getLogger(name).isEnabledFor(logging.DEBUG) for name in ("", *self.debug_loggers)):
                raise
            message = err.args[0] if isinstance(err, KeyError) and err.args else err
            click.echo(f"Error: {message}", err=True)
            sys.exit(1)
