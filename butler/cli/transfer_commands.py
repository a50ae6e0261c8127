"""Transfer commands: ``retrieve-artifacts`` and ``transfer-datasets``.

Also the dataset selection both share with ``prune-datasets``
(`find_datasets`, `dataset_rows`): dataset-type globs, collections, a
``where`` expression, find-first or find-all, a limit and an order.
"""

from __future__ import annotations

__all__ = ["COMMANDS", "DATASET_COLUMNS", "KEEP_WHOLE", "find_datasets", "dataset_rows", "data_id_text",
           "has_glob"]

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import click

from .interaction import progress
from .options import (
    TRANSFER_MODES,
    collections_option,
    limit_option,
    open_butler,
    order_by_option,
    repo_argument,
    split_commas,
    transfer_option,
    where_option,
)
from .output import ResultTable, write_table

if TYPE_CHECKING:
    from ..butler import Butler
    from ..dataset_ref import DatasetRef

DATASET_COLUMNS = ("type", "run", "data ID", "id")
KEEP_WHOLE = frozenset(DATASET_COLUMNS)
"""Columns of dataset tables never cut to fit the terminal."""


def has_glob(expression: str) -> bool:
    """Whether a name is a glob pattern (``*``, ``?`` or ``[...]``)."""
    return any(ch in expression for ch in "*?[")


def find_datasets(butler: Butler, dataset_types: Sequence[str], collections: Sequence[str], *,
                  where: str = "", find_first: bool = False, limit: int = 0,
                  order_by: Sequence[str] = ()) -> list[DatasetRef]:
    """The datasets a verb acts on, grouped by dataset type, as LSST's ``QueryDatasets`` selects them.

    Parameters
    ----------
    butler : `Butler`
        The repository.
    dataset_types : sequence of `str`
        Names or globs; empty means every dataset type.
    collections : sequence of `str`
        Names or globs; empty means every collection.
    where : `str`, optional
        A query expression.
    find_first : `bool`, optional
        Only the first dataset in collection order for each data ID (the
        collections must then be names, not globs).
    limit : `int`, optional
        0 for all; positive: at most this many; negative: at most ``-limit``,
        with a warning on stderr when more exist.
    order_by : sequence of `str`, optional
        Sort keys (only with a single dataset type).

    Raises
    ------
    click.ClickException
        For globbed collections with ``find_first`` or ``order_by`` over
        several dataset types.
    MissingDatasetTypeError
        If a dataset type given by name (not a glob) is not registered.
    """
    patterns = list(dataset_types) or ["*"]
    collections = list(collections) or ["*"]
    globbed = [c for c in collections if has_glob(c)]
    if find_first and globbed:
        raise click.ClickException(
            f"Collection patterns ({', '.join(globbed)}) cannot be searched find-first, which needs an "
            "ordered list of names: give the collections by name, or keep every match "
            "(--find-all / --no-find-first).")
    for name in patterns:
        if not has_glob(name):
            butler.get_dataset_type(name)
    types = butler.registry.queryDatasetTypes(patterns)
    if order_by and (len(patterns) > 1 or has_glob(patterns[0])):
        raise click.ClickException("--order-by needs a single dataset type given by name (e.g. -d calexp).")
    wanted = None if limit == 0 else (abs(limit) + 1 if limit < 0 else limit)
    refs: list[DatasetRef] = []
    for dataset_type in progress(types, description="Finding datasets"):
        remaining = None if wanted is None else wanted - len(refs)
        if remaining is not None and remaining <= 0:
            break
        refs.extend(butler.query_datasets(dataset_type, collections, find_first=find_first, where=where,
                                          order_by=list(order_by), limit=remaining, explain=False))
    if limit < 0 and len(refs) > -limit:
        click.echo(f"Warning: more than {-limit} datasets match; using the first {-limit} "
                   "(raise --limit, or pass --limit 0 for all).", err=True)
        refs = refs[:-limit]
    return refs


def data_id_text(ref: DatasetRef) -> str:
    """A data ID as ``instrument=HSC, visit=903334, detector=10`` (required dimensions only)."""
    return ", ".join(f"{k}={v}" for k, v in ref.dataId.required.items())


def dataset_rows(refs: Iterable[DatasetRef], uris: dict[Any, Any] | None = None) -> Iterator[list[Any]]:
    """Rows of `DATASET_COLUMNS` (plus the URI when ``uris`` maps refs to `DatasetRefURIs`)."""
    for ref in refs:
        row: list[Any] = [ref.datasetType.name, ref.run, data_id_text(ref), ref.id]
        if uris is not None:
            found = uris.get(ref)
            if found is None:
                row.append("(not stored)")
            else:
                row.append(found.primaryURI or ", ".join(f"{k}: {v}" for k, v in found.componentURIs.items()))
        yield row


def _dataset_query_options(command: Any) -> Any:
    """LSST's ``query_datasets_options`` for these verbs, plus ``--find-all`` (the default, spelled out)."""
    for decorator in reversed([
        click.option("-d", "--dataset-type", "dataset_type", multiple=True, callback=split_commas,
                     metavar="NAME ...",
                     help="Dataset type names or globs (repeat or separate with commas; default: all)."),
        collections_option(help="Collections to search (names or globs; default: all)."),
        where_option(),
        click.option("--find-first/--no-find-first", default=False, show_default=True,
                     help="Only the first dataset found, in collection order, for each data ID and type "
                          "(the collections must then be names, not globs)."),
        click.option("--find-all", is_flag=True,
                     help="Every matching dataset, whichever collection it is in (the default; "
                          "the opposite of --find-first)."),
        limit_option(),
        order_by_option(),
    ]):
        command = decorator(command)
    return command


def _find_first(find_first: bool, find_all: bool) -> bool:
    if find_first and find_all:
        raise click.ClickException("--find-first and --find-all contradict each other; pass one of them.")
    return find_first


@click.command("retrieve-artifacts", short_help="Copy the files of datasets to a directory or a zip.")
@repo_argument()
@click.argument("destination", metavar="DESTINATION")
@_dataset_query_options
@click.option("--transfer", "-t", type=click.Choice(TRANSFER_MODES), default="auto", show_default=True,
              help="How to place the files in DESTINATION: auto (copy) or a link mode; move is refused.")
@click.option("-v", "--verbose", is_flag=True, help="List every file written to DESTINATION.")
@click.option("--preserve-path/--no-preserve-path", default=True, show_default=True,
              help="Keep each file's path inside the datastore below DESTINATION (else only its name).")
@click.option("--clobber/--no-clobber", default=False, show_default=True,
              help="Overwrite files (or the zip) already in DESTINATION.")
@click.option("--zip/--no-zip", "zip_", default=False, show_default=True,
              help="Write one zip archive (with an index of its datasets) into DESTINATION instead.")
def retrieve_artifacts(repo: str, destination: str, dataset_type: tuple[str, ...],
                       collections: tuple[str, ...], where: str, find_first: bool, find_all: bool,
                       limit: int, order_by: tuple[str, ...], transfer: str, verbose: bool,
                       preserve_path: bool, clobber: bool, zip_: bool) -> None:
    """Copy the files of the datasets a query selects out of REPO into DESTINATION.

    DESTINATION is a directory (local or a URL such as s3://bucket/dir),
    created if needed.  Files keep their paths inside the datastore unless
    --no-preserve-path is given.  With --zip one archive is written instead,
    named by a UUID of its contents; inside, _butler_zip_index.json lists
    every dataset (ID, type, RUN, data ID) and its files.

    \b
    Example:
      butler retrieve-artifacts REPO ./out -d calexp --collections HSC/runs/RC2 \\
          --where "instrument='HSC' AND visit=903334"
    """
    butler = open_butler(repo)
    try:
        refs = find_datasets(butler, dataset_type, collections, where=where,
                             find_first=_find_first(find_first, find_all), limit=limit, order_by=order_by)
        if not refs:
            click.echo("No datasets matched query.")
            return
        if zip_:
            zip_path = butler.retrieve_artifacts_zip(refs, destination, overwrite=clobber)
            click.echo(f"Zip file written to {zip_path}")
            click.echo(f"Number of datasets in it: {len(refs)}")
            return
        written = butler.retrieveArtifacts(refs, destination, transfer=transfer, preserve_path=preserve_path,
                                           overwrite=clobber)
    finally:
        butler.close()
    if verbose:
        click.echo(f"Transferred the following to {destination}:")
        for uri in written:
            click.echo(uri)
        click.echo()
    click.echo(f"Number of artifacts retrieved into destination {destination}: {len(written)}")


def _require_dataset_types(dest_butler: Butler, refs: Iterable[DatasetRef], dest: str) -> None:
    """Refuse (naming the option) to transfer datasets whose types DEST lacks."""
    from ..errors import MissingDatasetTypeError

    missing = []
    for name in sorted({ref.datasetType.name for ref in refs}):
        try:
            dest_butler.get_dataset_type(name)
        except MissingDatasetTypeError:
            missing.append(name)
    if missing:
        raise click.ClickException(
            f"Dataset type(s) not registered in {dest}: {', '.join(missing)}; pass --register-dataset-types "
            "to register them there. Nothing was transferred.")


@click.command("transfer-datasets",
               short_help="Copy datasets (same IDs) and their files to another repository.")
@click.argument("source", metavar="SOURCE")
@click.argument("dest", metavar="DEST")
@_dataset_query_options
@transfer_option()
@click.option("--register-dataset-types", is_flag=True,
              help="Register in DEST the dataset types it does not have yet.")
@click.option("--transfer-dimensions/--no-transfer-dimensions", default=True, show_default=True,
              help="Also copy the dimension records of the datasets' data IDs (records already in DEST "
                   "are kept).")
@click.option("--dry-run/--no-dry-run", default=False, show_default=True,
              help="List the datasets that would be transferred; change nothing.")
def transfer_datasets(source: str, dest: str, dataset_type: tuple[str, ...], collections: tuple[str, ...],
                      where: str, find_first: bool, find_all: bool, limit: int, order_by: tuple[str, ...],
                      transfer: str, register_dataset_types: bool, transfer_dimensions: bool,
                      dry_run: bool) -> None:
    """Copy the datasets a query selects in SOURCE into DEST, with their IDs, RUNs and files.

    SOURCE and DEST are repositories.  Datasets DEST already has (same ID)
    are skipped, so a transfer can be repeated.  RUN collections are created
    in DEST as needed; dataset types only with --register-dataset-types.

    \b
    Example:
      butler transfer-datasets /repo/main /repo/mine -d calexp \\
          --collections HSC/runs/RC2 --register-dataset-types
    """
    source_butler = open_butler(source)
    try:
        dest_butler = open_butler(dest, writeable=True)
        try:
            refs = find_datasets(source_butler, dataset_type, collections, where=where,
                                 find_first=_find_first(find_first, find_all), limit=limit, order_by=order_by)
            if not register_dataset_types:
                _require_dataset_types(dest_butler, refs, dest)
            present = {ref.id for ref in dest_butler.get_many_datasets(ref.id for ref in refs)}
            selected = dest_butler.transfer_from(
                source_butler, refs, transfer=transfer, register_dataset_types=register_dataset_types,
                transfer_dimensions=transfer_dimensions, dry_run=dry_run)
        finally:
            dest_butler.close()
    finally:
        source_butler.close()
    new = [ref for ref in selected if ref.id not in present]
    skipped = len(refs) - len(selected)
    if dry_run:
        write_table(ResultTable(DATASET_COLUMNS, dataset_rows(new), keep_whole=KEEP_WHOLE), "table")
        click.echo(f"Dry run: {len(new)} datasets would be transferred; nothing was changed.")
    else:
        click.echo(f"Number of datasets transferred: {len(new)}")
    if len(selected) > len(new):
        click.echo(f"{len(selected) - len(new)} matching datasets are already in {dest}.")
    if skipped:
        click.echo(f"{skipped} matching datasets have no file in {source} and were skipped.")


COMMANDS: list[click.Command] = [retrieve_artifacts, transfer_datasets]
