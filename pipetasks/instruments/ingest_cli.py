"""``butler ingest-raws``: ingest raw files with their exposure records (LSST's command and options)."""

from __future__ import annotations

__all__ = ["ingest_raws_command"]

import click

from butler.cli.interaction import progress
from butler.cli.options import open_butler, repo_argument, transfer_option

from .ingest import DEFAULT_REGEX


@click.command("ingest-raws", short_help="Ingest raw files, creating their exposure records.")
@repo_argument()
@click.argument("locations", nargs=-1, required=True)
@click.option("--regex", default=DEFAULT_REGEX, show_default=True,
              help="Regular expression the names of files found in directories must match.")
@click.option("--output-run", default=None, metavar="RUN",
              help="RUN collection of the raws (default: <instrument>/raw/all).")
@transfer_option()
@click.option("--processes", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes reading headers.")
@click.option("--fail-fast", is_flag=True,
              help="Stop at the first file that cannot be ingested (files before it stay ingested).")
@click.option("--track-file-attrs/--no-track-file-attrs", default=True, show_default=True,
              help="Record the size (and checksum, if configured) of each file.")
def ingest_raws_command(repo: str, locations: tuple[str, ...], regex: str, output_run: str | None,
                        transfer: str, processes: int, fail_fast: bool, track_file_attrs: bool) -> None:
    """Ingest the raw files at LOCATIONS into REPO.

    LOCATIONS are files (ingested whatever their name) and directories (searched recursively
    for names matching --regex).  The instrument is recognised from the headers among those
    registered in REPO (butler register-instrument).  Each file gets its exposure records
    and one raw dataset per detector; files already ingested are skipped.  A file that cannot
    be ingested is reported with the reason and the others are still ingested; the exit
    status is then 1.

    \b
    Example:
      butler ingest-raws -t symlink -j 4 REPO /data/megacam/2008-11-01
    """
    from .errors import RawIngestError
    from .ingest import ingest_raws

    with open_butler(repo, writeable=True) as butler:
        try:
            result = ingest_raws(butler, locations, transfer=transfer, run=output_run, regex=regex,
                                 processes=processes, fail_fast=fail_fast, progress=progress,
                                 track_file_attrs=track_file_attrs)
        except RawIngestError as err:
            raise click.ClickException(str(err)) from None
    click.echo(f"Ingested {len(result.ingested)} raw dataset(s) (transfer: {transfer}).")
    if result.already:
        click.echo(f"Skipped {len(result.already)} file(s) already ingested.")
    if result.failures:
        click.echo(f"Failed to ingest {len(result.failures)} file(s):", err=True)
        for path, reason in result.failures:
            click.echo(f"  {path}: {reason}", err=True)
        raise SystemExit(1)
