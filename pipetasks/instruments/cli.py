"""The instrument verbs of the ``butler`` command (entry point ``butler.cli``: ``instruments``).

``register-instrument``, ``ingest-raws``, ``define-visits`` and ``write-curated-calibrations``.
"""

from __future__ import annotations

__all__ = ["commands", "register_instrument_command"]

import click

from butler.cli.options import open_butler, repo_argument


@click.command("register-instrument", short_help="Add an instrument to the repository.")
@repo_argument()
@click.argument("instrument", nargs=-1, required=True)
@click.option("--update", is_flag=True, help="Update the records of an instrument registered with other values.")
def register_instrument_command(repo: str, instrument: tuple[str, ...], update: bool) -> None:
    """Add INSTRUMENT (fully qualified class names) to REPO: its instrument, physical filter and
    detector records.

    Registering an instrument again is a no-op; if its records changed, pass ``--update``.

    \b
    Example:
      butler register-instrument REPO pipetasks.instruments.MegaPrime
    """
    from .instrument import Instrument

    instruments = [Instrument.from_string(name) for name in instrument]
    with open_butler(repo, writeable=True) as butler:
        for inst in instruments:
            inst.register(butler.registry, update=update)
            click.echo(
                f"Registered instrument {inst.getName()} ({type(inst).__module__}.{type(inst).__qualname__}): "
                f"{len(inst.getCamera())} detectors, {len(inst.filterDefinitions)} physical filters."
            )


def commands() -> list[click.Command]:
    """The commands this package adds to ``butler``."""
    from .curated_cli import write_curated_calibrations_command
    from .ingest_cli import ingest_raws_command
    from .visits_cli import define_visits_command

    return [register_instrument_command, ingest_raws_command, define_visits_command,
            write_curated_calibrations_command]
