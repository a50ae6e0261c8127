"""``butler register-skymap``: make a sky map from a config and register it (LSST's command).

Added to ``butler`` through the ``butler.cli`` entry point
(``skymap = "pipetasks.skymap.cli:commands"``).
"""

from __future__ import annotations

__all__ = ["commands", "register_skymap"]

import click

from butler.cli.options import open_butler, repo_argument


@click.command("register-skymap", short_help="Define a sky map and register its tracts and patches.")
@repo_argument()
@click.option("-C", "--config-file", type=click.Path(exists=True, dir_okay=False), default=None,
              metavar="PATH",
              help="A config override file (Python: config.name = ..., "
                   "config.skyMap['rings'].numRings = ...), applied before --config.")
@click.option("-c", "--config", "overrides", multiple=True, metavar="NAME=VALUE",
              help="A config override, e.g. -c name=demo -c skyMap=discrete "
                   "-c \"skyMap['discrete'].raList=[150.0]\" (repeatable).")
def register_skymap(repo: str, config_file: str | None, overrides: tuple[str, ...]) -> None:
    """Make the sky map a RegisterSkyMapConfig describes and register it in REPO.

    Writes the skymap record, a tract record per tract and a patch record
    per patch (each with its sky region), and puts the sky map itself as
    dataset type skyMap in RUN skymaps, all in one transaction.  The
    default sky map type is rings (numRings=120: the whole sky).
    Registering the same sky map under the same name again changes nothing;
    a different sky map under a registered name is an error.

    \b
    Examples:
      butler register-skymap REPO -c name=lsst_rings -c skyMap=rings
      butler register-skymap REPO -c name=demo -c skyMap=discrete \\
          -c "skyMap['discrete'].raList=[150.0]" -c "skyMap['discrete'].decList=[2.2]" \\
          -c "skyMap['discrete'].radiusList=[0.5]"
      butler register-skymap REPO -C skymap_config.py
    """
    from butler.cli.interaction import progress
    from pipetasks.config import apply_overrides

    from .registration import register_skymap
    from .skymap_registry import RegisterSkyMapConfig

    config = RegisterSkyMapConfig()
    if config_file:
        try:
            config.load(config_file)
        except Exception as err:  # noqa: BLE001 - any failure of the user's Python is reported as such
            raise click.BadParameter(f"{config_file}: {type(err).__name__}: {err}",
                                     param_hint="--config-file") from None
    try:
        apply_overrides(config, list(overrides))
    except (ValueError, AttributeError) as err:
        raise click.BadParameter(str(err), param_hint="--config") from None
    config.validate()
    skymap = config.skyMap.apply()
    butler = open_butler(repo, writeable=True)
    try:
        result = register_skymap(skymap, config.name, butler, progress=progress)
    finally:
        butler.close()
    what = (f"sky map {result.name!r} ({type(skymap).__name__}, hash {result.hash.hex()}): "
            f"{_plural(result.tracts, 'tract')}, {_plural(result.patches, 'patch')}")
    if result.inserted:
        click.echo(f"Registered {what}.")
    elif result.ref is not None:
        click.echo(f"The repository already has the records of {what}; added the missing skyMap dataset.")
    else:
        click.echo(f"The repository already has {what}; nothing changed.")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}{'es' if noun.endswith('ch') else 's'}"


def commands() -> list[click.Command]:
    """The commands this package adds to ``butler`` (the ``butler.cli`` entry point)."""
    return [register_skymap]
