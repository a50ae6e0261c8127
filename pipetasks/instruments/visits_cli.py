"""``butler define-visits``: define visits (and their sky regions) from exposure records."""

from __future__ import annotations

__all__ = ["define_visits_command"]

import click

from butler.cli.options import collections_option, open_butler, repo_argument, where_option


@click.command("define-visits", short_help="Define visits from exposures.")
@repo_argument()
@click.argument("instrument")
@collections_option(help="Only exposures with a raw dataset in these collections (repeat or separate with "
                         "commas); all exposures by default.")
@where_option(help="A query expression restricting the exposures, e.g. \"exposure.day_obs = 20081101\".")
@click.option("--visit-system", default="one-to-one", show_default=True, metavar="NAME",
              help="How exposures make visits: one-to-one (each exposure is a visit with the same ID).")
@click.option("--update-records/--no-update-records", default=False, show_default=True,
              help="Replace the records of visits that are defined already (after a change to the exposure "
                   "records); by default they are left as they are.")
@click.option("-j", "--processes", type=click.IntRange(min=1), default=1, metavar="N",
              help="Accepted for LSST compatibility; visits are defined in one process.")
def define_visits_command(repo: str, instrument: str, collections: tuple[str, ...], where: str,
                          visit_system: str, update_records: bool, processes: int) -> None:
    """Define visits in REPO from the exposures of INSTRUMENT (its registered name or class path).

    Every exposure that can see the sky (science exposures) becomes a visit,
    with a sky region for the visit and for each detector, so that spatial
    queries (visit_detector_region.region OVERLAPS POINT(ra, dec)) find
    it.  Calibration exposures are ignored.  Visits defined already are
    skipped, so running the command again after more ingests defines only
    the new ones.

    \b
    Example:
      butler define-visits REPO MegaPrime --where "exposure.day_obs = 20081101"
    """
    from butler.cli.interaction import progress

    from .visits import define_visits

    with open_butler(repo, writeable=True) as butler:
        result = define_visits(butler, instrument, collections=collections or None, where=where,
                               visit_system=visit_system, update_records=update_records, progress=progress)
    parts = [f"Defined {len(result.defined)} new visit(s) ({visit_system})"]
    if result.updated:
        parts.append(f"updated {len(result.updated)}")
    if result.existing:
        parts.append(f"{len(result.existing)} already defined")
    if result.ignored:
        parts.append(f"{result.ignored} exposure(s) ignored (not on sky)")
    click.echo("; ".join(parts) + ".")
