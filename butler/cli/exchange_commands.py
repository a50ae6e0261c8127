"""``export`` and ``import`` in LSST's YAML export format."""

from __future__ import annotations

__all__ = ["COMMANDS", "butler_export", "butler_import"]

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from .interaction import progress
from .options import (
    TRANSFER_MODES,
    collections_option,
    find_first_option,
    open_butler,
    repo_argument,
    split_commas,
    transfer_option,
    where_option,
)
from .output import ResultTable, count_of, write_table

if TYPE_CHECKING:
    from ..butler import Butler

_EXPORT_TRANSFERS = tuple(m for m in TRANSFER_MODES if m != "move")


def _collections_to_save(butler: Butler, expressions: Sequence[str]) -> list[str]:
    """The collections matching ``expressions`` (all if none), with the children of chains, recursively."""
    registry = butler.registry
    names = list(registry.queryCollections(list(expressions) if expressions else ...))
    seen: dict[str, None] = {}
    while names:
        name = names.pop(0)
        if name in seen:
            continue
        seen[name] = None
        if registry.getCollectionType(name).name == "CHAINED":
            names.extend(registry.getCollectionChain(name))
    return list(seen)


@click.command("export", short_help="Write datasets, collections and records to an LSST export file.")
@repo_argument()
@click.argument("filename", metavar="FILENAME")
@collections_option(help="Collections to search and to export (names or globs; default: all); chains bring "
                         "their children.")
@click.option("-d", "--dataset-type", "dataset_type", multiple=True, callback=split_commas,
              metavar="NAME ...",
              help="Dataset type names or globs (repeat or separate with commas; default: all).")
@where_option()
@click.option("--directory", default=None, metavar="DIR",
              help="Directory FILENAME (if relative) is written in and files are transferred to.")
@click.option("-t", "--transfer", type=click.Choice(_EXPORT_TRANSFERS), default=None,
              help="Put the datasets' files into DIR this way (default: no files, paths in the datastore).")
@find_first_option()
def butler_export(repo: str, filename: str, collections: tuple[str, ...], dataset_type: tuple[str, ...],
                  where: str, directory: str | None, transfer: str | None, find_first: bool) -> None:
    """Export the datasets a query selects in REPO, with their collections and records, to FILENAME.

    FILENAME is LSST's export YAML (what LSST's Butler.export writes; LSST's
    `butler import` reads it, and so does ours).  The datasets' RUNs,
    dataset types and dimension records go with them; the collections
    given (and the children of chains among them) are exported, with the
    TAGGED and CALIBRATION memberships of the exported datasets.  With
    --directory and --transfer the files are copied (or linked) into DIR at
    their paths in the datastore; without --transfer the file lists the
    paths inside REPO's datastore (import it with REPO's root as DIRECTORY).

    \b
    Example:
      butler export REPO export.yaml --collections HSC/runs/RC2 -d calexp \\
          --where "instrument='HSC' AND visit=903334" --directory out --transfer copy
    """
    from ..exchange import export_context
    from .transfer_commands import find_datasets

    if transfer is not None and directory is None:
        raise click.UsageError("--transfer needs --directory: the files are transferred into it.")
    if directory is not None and "://" not in directory:
        os.makedirs(directory, exist_ok=True)
    butler = open_butler(repo)
    try:
        refs = find_datasets(butler, dataset_type, collections, where=where, find_first=find_first)
        to_save = _collections_to_save(butler, collections)
        by_type: dict[str, list] = {}
        for ref in refs:
            by_type.setdefault(ref.datasetType.name, []).append(ref)
        with export_context(butler, directory=directory, filename=filename, transfer=transfer) as export:
            for name in to_save:
                export.saveCollection(name)
            for name in progress(sorted(by_type), description="Exporting datasets"):
                export.saveDatasets(by_type[name])
    finally:
        butler.close()
    rows = ((name, len(by_type[name])) for name in sorted(by_type))
    write_table(ResultTable(("dataset type", "datasets"), rows), "table",
                empty_message="No datasets matched; only collections are exported.")
    written = filename if directory is None or os.path.isabs(filename) else os.path.join(directory, filename)
    files = f", {export.files_transferred} files into {directory}" if transfer else ""
    click.echo(f"Exported {count_of(export.dataset_count, 'dataset')}, "
               f"{count_of(len(export.collection_names), 'collection')} and "
               f"{count_of(export.record_count, 'dimension record')} to {written}{files}.")


@click.command("import", short_help="Import an export file (LSST's or ours) into a repository.")
@repo_argument()
@click.argument("directory", metavar="DIRECTORY")
@transfer_option()
@click.option("--export-file", default=None, metavar="FILE",
              help="The export file (default: export.yaml).  A relative name is looked for in DIRECTORY "
                   "first, then in the working directory.")
@click.option("-s", "--skip-dimensions", multiple=True, callback=split_commas, metavar="ELEMENT ...",
              help="Dimension elements whose records are not imported (repeat or separate with commas).")
@click.option("--track-file-attrs/--no-track-file-attrs", default=True, show_default=True,
              help="Record the size (and checksum, if configured) of each file ingested.")
def butler_import(repo: str, directory: str, transfer: str, export_file: str | None,
                  skip_dimensions: tuple[str, ...], track_file_attrs: bool) -> None:
    """Import into REPO the datasets, collections and records of an export file.

    The file may come from LSST (`Butler.export`, dimension universe
    versions 0-8: older records are converted, see docs/exchange.md) or from
    `butler export`.  DIRECTORY holds the files the export names by relative
    path.  Everything is imported or, on any error, nothing.  Records already
    in REPO are kept; datasets already in REPO (same ID) are skipped.

    \b
    Example:
      butler import REPO ./exported --export-file export.yaml --transfer copy
    """
    from ..exchange import import_file

    butler = open_butler(repo, writeable=True)
    try:
        summary = import_file(butler, directory=directory, filename=export_file, transfer=transfer,
                              skip_dimensions=set(skip_dimensions), record_validation_info=track_file_attrs,
                              progress=progress)
    except (RuntimeError, NotImplementedError) as err:
        raise click.ClickException(str(err)) from None
    finally:
        butler.close()
    write_table(ResultTable(("element", "records"), sorted(summary.records.items())), "table",
                empty_message="No dimension records in the export.")
    for note in summary.notes:
        click.echo(f"Converted: {note}")
    click.echo(f"Imported {count_of(summary.datasets, 'new dataset')} ({count_of(summary.files, 'file')}), "
               f"{count_of(summary.dataset_types, 'new dataset type')} and "
               f"{count_of(summary.collections, 'new collection')} into {repo}.")


COMMANDS: list[click.Command] = [butler_export, butler_import]
