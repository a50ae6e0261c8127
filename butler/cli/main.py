"""The ``butler`` command: a click group whose subcommands come from this package and plugins.

Other packages add subcommands through the ``butler.cli`` entry-point group;
each entry point names a `click.Command` (or a callable returning a list of
them).
"""

from __future__ import annotations

__all__ = ["cli"]

import importlib.metadata
import logging
import sys
from typing import Any

import click

from ..errors import ButlerError

_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class _ButlerGroup(click.Group):
    """Loads plugin commands lazily and turns expected errors into one clear line."""

    _plugins_loaded = False

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for entry_point in importlib.metadata.entry_points(group="butler.cli"):
            try:
                loaded = entry_point.load()
            except Exception as err:  # noqa: BLE001 - a broken plugin must not break the CLI
                logging.getLogger(__name__).warning("Cannot load butler plugin %s: %s", entry_point.name, err)
                continue
            commands = loaded() if not isinstance(loaded, click.Command) and callable(loaded) else loaded
            for command in commands if isinstance(commands, (list, tuple)) else [commands]:
                self.add_command(command)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugins()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        self._load_plugins()
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ButlerError, FileExistsError, FileNotFoundError, ValueError, TypeError, KeyError) as err:
            if logging.getLogger().isEnabledFor(logging.DEBUG):
                raise
            message = err.args[0] if isinstance(err, KeyError) and err.args else err
            click.echo(f"Error: {message}", err=True)
            sys.exit(1)


@click.group(cls=_ButlerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--log-level", type=click.Choice(_LOG_LEVELS, case_sensitive=False), default="WARNING",
              show_default=True, help="Logging threshold; DEBUG also shows tracebacks of errors.")
@click.option("--log-file", type=click.Path(dir_okay=False), default=None, help="Also write the log to this file.")
@click.option("--progress/--no-progress", default=None,
              help="Show progress bars (default: only when writing to a terminal).")
@click.version_option(package_name="skybutler")
@click.pass_context
def cli(ctx: click.Context, log_level: str, log_file: str | None, progress: bool | None) -> None:
    """Manage a butler data repository: create it, migrate it, and (with plugins) much more."""
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_file:
        handlers.append(logging.FileHandler(log_file))
    logging.basicConfig(level=log_level.upper(), handlers=handlers, force=True,
                        format="%(levelname)s %(name)s: %(message)s")
    ctx.ensure_object(dict)
    ctx.obj["progress"] = sys.stderr.isatty() if progress is None else progress


_BUILTIN_COMMAND_MODULES = (
    "repo_commands",        # create, migrate
    "config_commands",      # config-dump, config-validate
    "query_commands",       # query-collections, query-dataset-types, query-datasets, query-data-ids, ...
    "registry_commands",    # register-dataset-type, remove-dataset-type, collection-chain, associate, certify
    "ingest_commands",      # ingest-files
    "removal_commands",     # prune-datasets, remove-runs, remove-collections
    "transfer_commands",    # retrieve-artifacts, transfer-datasets
    "exchange_commands",    # export, import
)


def _register_builtin_commands() -> None:
    """Add the ``COMMANDS`` of every built-in command module (imported lazily by their bodies)."""
    for module_name in _BUILTIN_COMMAND_MODULES:
        module = importlib.import_module(f"{__package__}.{module_name}")
        for command in module.COMMANDS:
            cli.add_command(command)


_register_builtin_commands()
