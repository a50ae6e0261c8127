"""``butler write-curated-calibrations``: write an instrument's camera and curated calibrations."""

from __future__ import annotations

__all__ = ["write_curated_calibrations_command"]

from collections import Counter

import click

from butler.cli.options import open_butler, repo_argument


@click.command("write-curated-calibrations", short_help="Add an instrument's curated calibrations.")
@repo_argument()
@click.argument("instrument")
@click.argument("labels_arg", metavar="[LBL]...", nargs=-1)
@click.option("--collection", default=None, metavar="COLL",
              help="The CALIBRATION collection to certify into (default: <prefix>/calib[/labels]); "
                   "created if absent.")
@click.option("--label", "labels", multiple=True, metavar="LABEL",
              help="Extra component of the RUN collection names, and of the calibration collection name "
                   "unless --collection is given (repeatable; positional LBLs come first).")
@click.option("--prefix", default=None, metavar="PREFIX",
              help="First component of the collection names instead of the instrument name; ignored for "
                   "the calibration collection when --collection is given.")
def write_curated_calibrations_command(repo: str, instrument: str, labels_arg: tuple[str, ...],
                                       collection: str | None, labels: tuple[str, ...],
                                       prefix: str | None) -> None:
    """Write the curated calibrations of INSTRUMENT (registered name or class path) into REPO.

    The camera goes into <prefix>/calib[/labels]/unbounded, valid forever;
    other calibrations (MegaPrime: defects) into
    <prefix>/calib/curated/<date>[/labels], valid from their date.  All are
    certified into the CALIBRATION collection.  Running it again writes
    nothing new.

    \b
    Example:
      butler write-curated-calibrations REPO MegaPrime
    """
    from .curated import write_curated_calibrations
    from .errors import UnknownInstrumentError
    from .instrument import Instrument

    with open_butler(repo, writeable=True) as butler:
        try:
            found = Instrument.from_string(instrument, butler.registry)
        except UnknownInstrumentError as err:
            raise click.ClickException(str(err)) from None
        inst = type(found)(collection_prefix=prefix) if prefix else found
        all_labels = (*labels_arg, *labels)
        target = collection or inst.makeCalibrationCollectionName(*all_labels)
        refs = write_curated_calibrations(inst, butler, collection=collection, labels=all_labels)
    if not refs:
        click.echo(f"Nothing new to write: the curated calibrations of {inst.getName()} were written "
                   f"before; they are certified in {target}.")
        return
    counts = Counter((ref.datasetType.name, ref.run) for ref in refs)
    for (name, run), count in sorted(counts.items()):
        click.echo(f"Wrote {count} {name} dataset(s) into {run}.")
    click.echo(f"Certified them in {target}.")
