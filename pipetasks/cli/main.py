"""The ``pipetask`` click group: LSST's global logging options and the one-line error policy.

Expected errors (a bad pipeline, a missing collection, an empty graph...)
print ``Error: <message>`` on stderr and exit with status 1, as the
``butler`` command does; ``--log-level DEBUG`` shows the traceback instead.
"""

from __future__ import annotations

__all__ = ["cli"]

import click

from butler.cli.logging_setup import OneLineErrors, configure_logging, global_options
from butler.errors import ButlerError


def _expected_errors() -> tuple[type[BaseException], ...]:
    from pipetasks.graph import QuantumGraphBuilderError
    from pipetasks.pipeline.errors import PipelineError, PipelineGraphError

    return (ButlerError, PipelineError, PipelineGraphError, QuantumGraphBuilderError, ValueError, TypeError,
            LookupError, OSError, ImportError, AttributeError)


class _PipetaskGroup(OneLineErrors):
    """Turns expected errors into one clear line."""

    def expected_errors(self) -> tuple[type[BaseException], ...]:
        return _expected_errors()


@click.group(name="pipetask", cls=_PipetaskGroup, context_settings={"help_option_names": ["-h", "--help"]})
@global_options(example_logger="pipetasks.execution")
@click.version_option(package_name="skybutler")
@click.pass_context
def cli(ctx: click.Context, log_level: dict[str, int], long_log: bool, log_file: tuple[str, ...],
        log_tty: bool, log_label: tuple[str, ...], progress: bool | None) -> None:
    """Build and run pipelines: pipelines, quantum graphs, execution, reports.

    Run `pipetask COMMAND --help` for each command's options.
    """
    # Quanta open their task loggers to INFO while capturing <label>_log; the terminal keeps its threshold.
    configure_logging(ctx, log_level, long_log, log_file, log_tty, log_label, progress, handler_floor=True)


def _register_commands() -> None:
    from .commands import COMMANDS

    for command in COMMANDS:
        cli.add_command(command)


_register_commands()
