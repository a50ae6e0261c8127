"""The ``butler`` command: a click group whose subcommands come from this package and plugins.

Other packages add subcommands through the ``butler.cli`` entry-point group;
each entry point names a `click.Command` (or a callable returning a list of
them).
"""

from __future__ import annotations

__all__ = ["cli"]

import importlib.metadata
import logging

import click

from ..errors import ButlerError
from .logging_setup import OneLineErrors, configure_logging, global_options


class _ButlerGroup(OneLineErrors):
    """Loads plugin commands lazily and turns expected errors into one clear line."""

    debug_loggers = ("butler",)

    _plugins_loaded = False

    def expected_errors(self) -> tuple[type[BaseException], ...]:
        return (ButlerError, FileExistsError, FileNotFoundError, ValueError, TypeError, KeyError)

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for entry_point in importlib.metadata.entry_points(group="butler.cli"):
            try:
                loaded = entry_point.load()
                commands = loaded() if not isinstance(loaded, click.Command) and callable(loaded) else loaded
            except Exception as err:  # noqa: BLE001 - a broken plugin must not break the CLI
                logging.getLogger(__name__).warning("Cannot load butler plugin %s: %s", entry_point.name, err)
                continue
            for command in commands if isinstance(commands, (list, tuple)) else [commands]:
                self.add_command(command)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugins()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        self._load_plugins()
        command = super().get_command(ctx, name)
        if command is not None and not any(p.name == "options_file" for p in command.params):
            command.params.append(_options_file_option())
        return command


def _load_options_file(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """``-@ FILE``: YAML ``{subcommand: {option: value}}`` giving the command's option defaults (LSST's)."""
    if not value:
        return
    import yaml

    try:
        with open(value) as stream:
            content = yaml.safe_load(stream) or {}
    except (OSError, yaml.YAMLError) as err:
        raise click.BadParameter(f"cannot read options file {value}: {err}") from None
    if not isinstance(content, dict):
        raise click.BadParameter(f"options file {value} must map subcommand names to their options.")
    options = content.get(ctx.info_name) or {}
    known = {p.name: p for p in ctx.command.params}
    defaults = {}
    for key, option_value in options.items():
        name = str(key).lstrip("-").replace("-", "_")
        if name not in known:
            raise click.BadParameter(f"options file {value}: {ctx.info_name} has no option {key!r}.")
        if getattr(known[name], "multiple", False) and not isinstance(option_value, (list, tuple)):
            option_value = [option_value]
        defaults[name] = option_value
    ctx.default_map = {**(ctx.default_map or {}), **defaults}


def _options_file_option() -> click.Option:
    return click.Option(["-@", "--options-file"], callback=_load_options_file, is_eager=True, expose_value=False,
                        metavar="FILE", help="YAML file of option values for this command, as "
                                             "{command-name: {option: value}} (LSST's -@).")


@click.group(cls=_ButlerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@global_options(example_logger="butler.registry")
@click.version_option(package_name="skybutler")
@click.pass_context
def cli(ctx: click.Context, log_level: dict[str, int], long_log: bool, log_file: tuple[str, ...],
        log_tty: bool, log_label: tuple[str, ...], progress: bool | None) -> None:
    """Manage a butler data repository: create, ingest, query, chain, certify, transfer, remove.

    Run `butler COMMAND --help` for each command's options. Other packages add
    commands through the `butler.cli` entry point.
    """
    configure_logging(ctx, log_level, long_log, log_file, log_tty, log_label, progress)


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
