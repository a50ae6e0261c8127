"""Removal commands: ``prune-datasets``, ``remove-runs``, ``remove-collections``.

Each shows what it would remove and asks first (``--confirm``, the
default), checks every argument before changing anything, and says what
it did.  Option names, combinations and messages follow LSST's verbs.
"""

from __future__ import annotations

__all__ = ["COMMANDS"]

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import click

from .interaction import confirm_removal
from .options import confirm_option, open_butler, order_by_option, repo_argument, split_commas, where_option
from .output import ResultTable, count_of, write_table
from .transfer_commands import DATASET_COLUMNS, KEEP_WHOLE, dataset_rows, find_datasets, has_glob

if TYPE_CHECKING:
    from ..butler import Butler
    from ..collection_type import CollectionInfo
    from ..dataset_ref import DatasetRef

# prune-datasets ---------------------------------------------------------------------------

_ERR_QUIET_WITH_DRY_RUN = "Can not use --quiet and --dry-run together."
_ERR_NO_OP = "No operation: one of --purge, --unstore, or --disassociate must be provided."
_ERR_PURGE_AND_DISASSOCIATE = (
    "--disassociate and --purge may not be used together: --disassociate removes datasets from just the "
    "given TAGGED collections, but --purge removes them from every collection.")
_ERR_NO_COLLECTIONS = (
    "Must indicate collections from which to prune datasets by passing COLLECTION arguments (select all "
    "collections by passing '*' with --find-all), by using --purge to pass a RUN collection, or by using "
    "--disassociate to select a TAGGED collection.")


def _prune_header(tags: Sequence[str], unstore: bool, purge: bool) -> str:
    if purge:
        return ("The following datasets will be removed from the repository (registry entries, every "
                "collection membership, and files):")
    where = ", ".join(tags)
    if tags and unstore:
        return f"The following datasets will be removed from {where} and their files deleted:"
    if tags:
        return f"The following datasets will be removed from {where} (those that are in it):"
    return "The files of the following datasets will be deleted (their registry entries remain):"


def _members(butler: Butler, collection: str, refs: Sequence[DatasetRef]) -> set:
    """IDs of the datasets among ``refs`` that a TAGGED or CALIBRATION collection holds."""
    ids = {ref.id for ref in refs}
    found = set()
    for name in sorted({ref.datasetType.name for ref in refs}):
        in_collection = butler.query_datasets(name, [collection], find_first=False, limit=None, explain=False)
        found.update(ref.id for ref in in_collection if ref.id in ids)
    return found


def _decertify(butler: Butler, collection: str, refs: Sequence[DatasetRef]) -> None:
    """Remove every certification of these datasets from a CALIBRATION collection."""
    from ..collection_type import CollectionType

    ids = {ref.id for ref in refs}
    registry = butler.registry
    for name in sorted({ref.datasetType.name for ref in refs if ref.datasetType.isCalibration()}):
        associations = list(registry.queryDatasetAssociations(
            name, collections=[collection], collectionTypes=CollectionType.CALIBRATION))
        for association in associations:
            if association.ref.id in ids:
                # Validity ranges of one data ID never overlap, so this removes exactly this certification.
                registry.decertify(collection, name, association.timespan, dataIds=[association.ref.dataId])


def _prune(butler: Butler, refs: list[DatasetRef], tag_types: dict, unstore: bool, purge: bool) -> None:
    from ..collection_type import CollectionType

    if purge:
        butler.pruneDatasets(refs, disassociate=True, unstore=True, purge=True)
        return
    tagged = [tag for tag, kind in tag_types.items() if kind is CollectionType.TAGGED]
    calibrations = [tag for tag, kind in tag_types.items() if kind is CollectionType.CALIBRATION]
    with butler.transaction():
        for collection in calibrations:
            _decertify(butler, collection, refs)
        if tagged or unstore:
            butler.pruneDatasets(refs, disassociate=bool(tagged), tags=tagged, unstore=unstore)


@click.command("prune-datasets",
               short_help="Remove datasets from collections, the datastore or the repository.")
@repo_argument()
@click.argument("collections", nargs=-1, callback=split_commas, metavar="[COLLECTIONS]...")
@click.option("--datasets", multiple=True, callback=split_commas, metavar="DATASET_TYPE ...",
              help="Dataset type names or globs to prune (default: all).")
@click.option("--find-all", is_flag=True,
              help="Prune the matching datasets of every collection searched, not only the first one found "
                   "for each data ID in COLLECTIONS order (needed when COLLECTIONS has globs).")
@where_option()
@order_by_option()
@click.option("--limit", type=int, default=0, show_default=True,
              help="Prune at most this many datasets (0: all; negative: at most -N, warning if more match).")
@click.option("--disassociate", "disassociate_tags", multiple=True, callback=split_commas, metavar="TAG ...",
              help="Remove the datasets from these TAGGED or CALIBRATION collections. "
                   "May not be used with --purge.")
@click.option("--purge", "purge_run", default=None, metavar="RUN",
              help="Remove the datasets from the repository entirely (registry entries, collection "
                   "memberships, files). RUN must be a RUN collection; it is searched when no COLLECTIONS "
                   "are given. "
                   "Implies --unstore; may not be used with --disassociate.")
@click.option("--unstore", is_flag=True,
              help="Delete the datasets' files; their registry entries remain (get then fails).")
@click.option("--dry-run", is_flag=True, help="Show the datasets that would be pruned; change nothing.")
@confirm_option()
@click.option("--quiet", is_flag=True,
              help="Print nothing. Implies --no-confirm; may not be used with --dry-run.")
def prune_datasets(repo: str, collections: tuple[str, ...], datasets: tuple[str, ...], find_all: bool,
                   where: str, order_by: tuple[str, ...], limit: int, disassociate_tags: tuple[str, ...],
                   purge_run: str | None, unstore: bool, dry_run: bool, confirm: bool, quiet: bool) -> None:
    """Remove the datasets a query selects: from collections, from the datastore, or entirely.

    COLLECTIONS are searched find-first (the first dataset for each data ID,
    in the order given) unless --find-all is passed.  Choose what to do:
    --disassociate TAG removes the datasets from TAGGED (or CALIBRATION)
    collections, --unstore deletes their files, --purge RUN deletes them
    from the repository.  The datasets are listed and you are asked before
    anything changes.

    \b
    Example:
      butler prune-datasets REPO u/me/run --purge u/me/run --datasets calexp \\
          --where "instrument='HSC' AND visit=903334"
    """
    if quiet:
        if dry_run:
            raise click.ClickException(_ERR_QUIET_WITH_DRY_RUN)
        confirm = False
    if not (disassociate_tags or unstore or purge_run):
        raise click.ClickException(_ERR_NO_OP)
    if disassociate_tags and purge_run:
        raise click.ClickException(_ERR_PURGE_AND_DISASSOCIATE)
    if not collections:
        collections = (purge_run,) if purge_run else disassociate_tags
    if not collections:
        raise click.ClickException(_ERR_NO_COLLECTIONS)
    from ..collection_type import CollectionType

    butler = open_butler(repo, writeable=not dry_run)
    try:
        if purge_run and butler.collections.get_info(purge_run).type is not CollectionType.RUN:
            raise click.ClickException(
                f"Can not prune a collection that is not a RUN collection: {purge_run}")
        tag_types = {tag: butler.collections.get_info(tag).type for tag in disassociate_tags}
        for tag, kind in tag_types.items():
            if kind not in (CollectionType.TAGGED, CollectionType.CALIBRATION):
                raise click.ClickException(
                    f"--disassociate needs TAGGED or CALIBRATION collections, but {tag!r} is {kind.name}"
                    + (": use --purge or --unstore for the datasets a RUN owns." if kind is CollectionType.RUN
                       else "."))
        refs = find_datasets(butler, datasets, collections, where=where, find_first=not find_all, limit=limit,
                             order_by=order_by)
        purge = bool(purge_run)
        unstore = unstore or purge
        if not quiet:
            if refs:
                click.echo(_prune_header(disassociate_tags, unstore, purge))
            uris = butler.get_many_uris(refs, allow_missing=True)
            table = ResultTable((*DATASET_COLUMNS, "URI"), dataset_rows(refs, uris), keep_whole=KEEP_WHOLE)
            if not confirm_removal("datasets", table, confirm=confirm, dry_run=dry_run):
                if refs and not dry_run:
                    click.echo("Did not remove the datasets.")
                return
        elif not refs:
            return
        members = {tag: _members(butler, tag, refs) for tag in disassociate_tags}
        _prune(butler, refs, tag_types, unstore, purge)
    finally:
        butler.close()
    if quiet:
        return
    if purge:
        click.echo(f"Removed {len(refs)} datasets from the repository.")
        return
    for tag, ids in members.items():
        click.echo(f"Removed {len(ids)} datasets from {tag}.")
    if unstore:
        click.echo(f"Deleted the files of {len(refs)} datasets; their registry entries remain.")


# Collections ------------------------------------------------------------------------------


def _match_collections(butler: Butler, expressions: Iterable[str]) -> tuple[list[CollectionInfo], list[str]]:
    """Collections named or matched by globs (each once, with parents), and the names that do not exist.

    As in LSST, a name that does not exist matches nothing rather than
    being an error, so that removing something already gone succeeds.
    """
    from ..errors import MissingCollectionError

    infos: dict[str, CollectionInfo] = {}
    missing = []
    for expression in expressions:
        for name in butler.collections.query(expression) if has_glob(expression) else [expression]:
            if name in infos:
                continue
            try:
                infos[name] = butler.collections.get_info(name, include_parents=True, include_summary=True)
            except MissingCollectionError:
                missing.append(name)
    return list(infos.values()), missing


def _nothing_found(what: str, missing: Sequence[str]) -> str:
    note = f" (no collection is named {', '.join(missing)})" if missing else ""
    return f"No {what} collections were found{note}."


def _dataset_counts(butler: Butler, info: CollectionInfo) -> dict[str, int]:
    """Number of datasets of each type in a RUN, TAGGED or CALIBRATION collection."""
    counts = {}
    with butler.query() as query:
        for name in sorted(info.dataset_types or ()):
            count = query.datasets(name, collections=[info.name], find_first=False).count()
            if count:
                counts[name] = count
    return counts


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in sorted(names))


@click.command("remove-runs", short_help="Remove RUN collections with all their datasets and files.")
@repo_argument()
@click.argument("collections", nargs=-1, required=True, callback=split_commas, metavar="COLLECTION...")
@confirm_option()
@click.option("--force", is_flag=True,
              help="With --no-confirm, also remove RUNs that are in CHAINED collections (they are removed "
                   "from those chains).")
def remove_runs(repo: str, collections: tuple[str, ...], confirm: bool, force: bool) -> None:
    """Remove RUN collections, the datasets they own and their files.

    COLLECTION is a RUN name or a glob (u/me/*); globs ignore
    collections that are not RUNs.  The runs, the CHAINED collections they
    will be removed from, and the number of datasets of each type are shown
    before you are asked.  Without confirmation (--no-confirm), runs that
    are in chains are removed only with --force.

    \b
    Example:
      butler remove-runs REPO "u/me/tests/*" --no-confirm --force
    """
    from ..collection_type import CollectionType
    from ..errors import CollectionTypeError

    butler = open_butler(repo, writeable=True)
    try:
        infos, missing = _match_collections(butler, collections)
        for info in infos:
            if info.type is not CollectionType.RUN and info.name in collections:
                raise CollectionTypeError(
                    f"{info.name!r} is a {info.type.name} collection, not a RUN: remove it with "
                    "`butler remove-collections`.")
        runs = [info for info in infos if info.type is CollectionType.RUN]
        if not runs:
            click.echo(_nothing_found("RUN", missing))
            return
        chained = [run for run in runs if run.parents]
        if chained and not confirm and not force:
            listed = "; ".join(f"{run.name} in {_quoted(run.parents)}" for run in chained)
            raise click.ClickException(
                f"Removing RUN collections that are in CHAINED collections ({listed}) requires confirmation: "
                "run again without --no-confirm, or add --force to remove them from those chains too.")
        counts = {run.name: _dataset_counts(butler, run) for run in runs}
        by_type: dict[str, int] = {}
        for per_run in counts.values():
            for name, count in per_run.items():
                by_type[name] = by_type.get(name, 0) + count
        total = sum(by_type.values())
        rows = [[run.name, sum(counts[run.name].values()), ", ".join(sorted(run.parents or ()))]
                for run in runs]
        table = ResultTable(("run", "datasets", "removed from chains"), rows)
        type_summary = ", ".join(f"{name}({count})" for name, count in sorted(by_type.items())) or "none"
        if confirm:
            click.echo("The following RUN collections will be removed with all their datasets and files:")
            write_table(table, "table")
            click.echo(f"Datasets to remove: {type_summary}; total {total}.")
            if not click.confirm(f"Remove {'this RUN collection' if len(runs) == 1 else f'these {len(runs)} RUN collections'}?", default=False):
                click.echo("Aborted.")
                return
        butler.removeRuns([run.name for run in runs], unlink_from_chains=True)
    finally:
        butler.close()
    if not confirm:
        click.echo("The following RUN collections were removed:")
        write_table(table, "table")
        click.echo(f"Datasets removed: {type_summary}.")
    click.echo(f"Removed {count_of(len(runs), 'RUN collection')} and {count_of(total, 'dataset')}.")


def _collection_contents(butler: Butler, info: CollectionInfo) -> str:
    from ..collection_type import CollectionType

    if info.type is CollectionType.CHAINED:
        return "chain of " + (", ".join(info.children) if info.children else "nothing")
    count = sum(_dataset_counts(butler, info).values())
    return f"{count} datasets" if info.type is CollectionType.TAGGED else f"{count} certifications"


def _remove_in_order(butler: Butler, names: list[str], unlink: dict[str, list[str]]) -> None:
    """Unlink collections from chains that stay, then remove them, each chain before its children."""
    collections = butler.collections
    with butler.registry.transaction():
        for name, parents in unlink.items():
            for parent in parents:
                collections.remove_from_chain(parent, name)
        pending = list(names)
        while pending:
            ready = [n for n in pending if not collections.get_info(n, include_parents=True).parents]
            if not ready:
                raise click.ClickException(
                    f"Cannot find an order to remove {', '.join(pending)}; nothing removed.")
            for name in ready:
                collections.x_remove(name)
            pending = [n for n in pending if n not in ready]


@click.command("remove-collections", short_help="Remove TAGGED, CHAINED and CALIBRATION collections.")
@repo_argument()
@click.argument("collections", nargs=-1, required=True, callback=split_commas, metavar="COLLECTION...")
@confirm_option()
@click.option("--remove-from-parents", is_flag=True,
              help="Also remove the collections from the CHAINED collections that contain them (otherwise "
                   "such collections are refused).")
def remove_collections(repo: str, collections: tuple[str, ...], confirm: bool,
                       remove_from_parents: bool) -> None:
    """Remove non-RUN collections: TAGGED, CHAINED and CALIBRATION.

    COLLECTION is a name or a glob.  Datasets are not removed: they stay in
    their RUNs (removing a TAGGED or CALIBRATION collection only drops the
    memberships; removing a chain leaves its children).  RUN collections
    that match are skipped: use `butler remove-runs` for them.  A collection
    that is a child of a chain not being removed is refused unless
    --remove-from-parents is given.

    \b
    Example:
      butler remove-collections REPO "u/me/tagged*" --no-confirm
    """
    from ..collection_type import CollectionType

    butler = open_butler(repo, writeable=True)
    try:
        infos, missing = _match_collections(butler, collections)
        targets = [info for info in infos if info.type is not CollectionType.RUN]
        runs = [info.name for info in infos if info.type is CollectionType.RUN]
        names = {info.name for info in targets}
        unlink = {info.name: sorted(set(info.parents or ()) - names) for info in targets}
        unlink = {name: parents for name, parents in unlink.items() if parents}
        if unlink and not remove_from_parents:
            listed = "; ".join(f"{name} in {_quoted(parents)}" for name, parents in unlink.items())
            raise click.ClickException(
                f"Collections are still in CHAINED collections ({listed}): pass --remove-from-parents to "
                "remove them from those chains too, or remove them from the chains first. "
                "Nothing was removed.")
        skipped = (f"Skipping RUN collections {', '.join(runs)}: remove them (with their datasets) using "
                   "`butler remove-runs`.") if runs else None
        if not targets:
            click.echo(_nothing_found("non-RUN", missing))
            if skipped:
                click.echo(skipped)
            return
        rows = [[info.name, info.type.name, _collection_contents(butler, info),
                 ", ".join(unlink.get(info.name, []))] for info in targets]
        table = ResultTable(("collection", "type", "contents", "removed from chains"), rows)
        if confirm:
            click.echo("The following collections will be removed (their datasets stay in their RUNs):")
            if skipped:
                click.echo(skipped)
            if not confirm_removal("collections", table, confirm=True):
                click.echo("Aborted.")
                return
        _remove_in_order(butler, [info.name for info in targets], unlink)
    finally:
        butler.close()
    if not confirm:
        click.echo("Removed the following collections:")
        write_table(table, "table")
        if skipped:
            click.echo(skipped)
    click.echo(f"Removed {len(targets)} collections.")


COMMANDS: list[click.Command] = [prune_datasets, remove_runs, remove_collections]
