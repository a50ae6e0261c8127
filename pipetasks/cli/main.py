"""The ``pipetask`` click group: LSST's global logging options and the one-line error policy.

Expected errors (a bad pipeline, a missing collection, an empty graph...)
print ``Error: <message>`` on stderr and exit with status 1, as the
``butler`` command does; ``--log-level DEBUG`` shows the traceback instead.
"""

from __future__ import annotations

__all__ = ["cli"]

import logging
import sys
from typing import Any

import click

from butler.cli.main import _EXTRA_LEVELS, _JsonLogFormatter, _parse_log_levels
from butler.errors import ButlerError


def _expected_errors() -> tuple[type[BaseException], ...]:
    from pipetasks.graph import QuantumGraphBuilderError
    from pipetasks.pipeline.errors import PipelineError, PipelineGraphError

    return (ButlerError, PipelineError, PipelineGraphError, QuantumGraphBuilderError, ValueError, TypeError,
            LookupError, OSError, ImportError, AttributeError)


class _PipetaskGroup(click.Group):
    """Turns expected errors into one clear line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _expected_errors() as err:
            if logging.getLogger().isEnabledFor(logging.DEBUG):
                raise
            message = err.args[0] if isinstance(err, KeyError) and err.args else err
            click.echo(f"Error: {message}", err=True)
            sys.exit(1)


@click.group(name="pipetask", cls=_PipetaskGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--log-level", multiple=True, callback=_parse_log_levels, metavar="[COMPONENT=]LEVEL ...",
              help="Logging threshold (CRITICAL, ERROR, WARNING (default), INFO, VERBOSE, DEBUG, TRACE), for "
                   "everything or for one logger (e.g. pipetasks.execution=INFO). DEBUG also shows tracebacks.")
@click.option("--long-log", is_flag=True, help="Log messages with their time and logger name.")
@click.option("--log-file", type=click.Path(dir_okay=False), multiple=True,
              help="Also write the log to this file (appended; JSON records if the name ends in .json).")
@click.option("--log-tty/--no-log-tty", default=True, show_default=True, help="Log to the terminal (stderr).")
@click.option("--log-label", multiple=True, metavar="KEY=VALUE ...", help="Labels added to JSON log records.")
@click.option("--progress/--no-progress", default=None,
              help="Show progress bars (default: only when writing to a terminal).")
@click.version_option(package_name="skybutler")
@click.pass_context
def cli(ctx: click.Context, log_level: dict[str, int], long_log: bool, log_file: tuple[str, ...],
        log_tty: bool, log_label: tuple[str, ...], progress: bool | None) -> None:
    """Build and run pipelines: pipelines, quantum graphs, execution, reports.

    Run `pipetask COMMAND --help` for each command's options.
    """
    for name, number in _EXTRA_LEVELS.items():
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
        handler.setFormatter(_JsonLogFormatter(labels) if path.endswith(".json") else logging.Formatter(text_format))
        handlers.append(handler)
    for handler in handlers:
        # Quanta open their task loggers to INFO while capturing <label>_log; the terminal keeps its threshold.
        handler.setLevel(min([threshold, *log_level.values()]))
    logging.basicConfig(level=threshold, handlers=handlers or [logging.NullHandler()], force=True)
    for component, number in log_level.items():
        if component:
            logging.getLogger(component).setLevel(number)
    ctx.ensure_object(dict)
    ctx.obj["progress"] = sys.stderr.isatty() if progress is None else progress


def _register_commands() -> None:
    from .commands import COMMANDS

    for command in COMMANDS:
        cli.add_command(command)


_register_commands()
