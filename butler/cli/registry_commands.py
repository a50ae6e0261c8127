"""Registry editing commands: ``register-dataset-type``, ``remove-dataset-type``, ``collection-chain``,
``associate`` and ``certify-calibrations``.

Each verb runs in one registry transaction: when it fails, nothing it did
(a collection it registered, a type it removed) is left behind.
"""

from __future__ import annotations

__all__ = [
    "COMMANDS",
    "associate",
    "certify_calibrations",
    "collection_chain",
    "register_dataset_type",
    "remove_dataset_type",
]

from collections.abc import Sequence
from typing import Any

import click

from .interaction import progress
from .options import collections_option, open_butler, repo_argument, split_commas, where_option

_CHAIN_MODES = ("redefine", "extend", "remove", "prepend", "pop")
_CREATING_MODES = ("redefine", "extend", "prepend")


def _is_glob(text: str) -> bool:
    return any(c in text for c in "*?[")


# register-dataset-type ---------------------------------------------------------------------------


@click.command("register-dataset-type", short_help="Register a new dataset type.")
@repo_argument()
@click.argument("dataset_type")
@click.argument("storage_class")
@click.argument("dimensions", nargs=-1, callback=split_commas)
@click.option("--is-calibration/--no-is-calibration", default=False,
              help="Datasets of this type may be certified in CALIBRATION collections.")
def register_dataset_type(repo: str, dataset_type: str, storage_class: str, dimensions: tuple[str, ...],
                          is_calibration: bool) -> None:
    """Register the dataset type DATASET_TYPE with STORAGE_CLASS and DIMENSIONS in REPO.

    DIMENSIONS may be empty (a dataset type with no data ID).  Registering a
    type that exists with the same definition does nothing; a different
    definition is an error.  Component types (``calexp.wcs``) come with
    their parent's storage class and cannot be registered.

    \b
    Example:
      butler register-dataset-type REPO deepCoadd_meas SourceCatalog tract patch band skymap
    """
    from ..dataset_type import DatasetType
    from ..errors import ConflictingDefinitionError

    parent, component = DatasetType.splitDatasetTypeName(dataset_type)
    if component:
        raise ValueError(f"Component dataset types are created automatically with their composite; register "
                         f"{parent!r} with a composite storage class instead of {dataset_type!r}.")
    butler = open_butler(repo, writeable=True, without_datastore=True)
    try:
        new_type = DatasetType(dataset_type, dimensions, storage_class, universe=butler.dimensions,
                               isCalibration=is_calibration)
        new_type.storageClass  # an unknown storage class fails here, with suggestions
        try:
            inserted = butler.registry.registerDatasetType(new_type)
        except ConflictingDefinitionError:
            existing = butler.registry.getDatasetType(dataset_type)
            raise ConflictingDefinitionError(
                f"Dataset type {dataset_type!r} is already registered as {_describe_type(existing)}, not as "
                f"{_describe_type(new_type)}; choose another name or remove the old type first.") from None
    finally:
        butler.close()
    if inserted:
        click.echo(f"Dataset type successfully registered: {_describe_type(new_type)}.")
    else:
        click.echo(f"Dataset type already existed in identical form: {_describe_type(new_type)}.")


def _describe_type(dataset_type: Any) -> str:
    dims = ", ".join(dataset_type.dimensions.required) or "no dimensions"
    calib = ", calibration" if dataset_type.isCalibration() else ""
    return f"{dataset_type.name} ({dims}; {dataset_type.storageClass_name}{calib})"


# remove-dataset-type ---------------------------------------------------------------------------


@click.command("remove-dataset-type", short_help="Remove dataset type definitions.")
@repo_argument()
@click.argument("dataset_type_name", nargs=-1, callback=split_commas)
def remove_dataset_type(repo: str, dataset_type_name: tuple[str, ...]) -> None:
    """Remove the dataset types DATASET_TYPE_NAME (names or globs) from REPO.

    Only types without datasets can be removed: prune their datasets first
    (``butler prune-datasets``, ``butler remove-runs``).  If any named type
    still has datasets, nothing is removed.  A name that is not registered
    is reported and skipped, as in LSST.

    \b
    Example:
      butler remove-dataset-type REPO 'isr_*' calexpBackground
    """
    from ..errors import OrphanedRecordError

    if not dataset_type_name:
        click.echo("No dataset type names given; nothing removed.")
        return
    butler = open_butler(repo, writeable=True, without_datastore=True)
    try:
        registry = butler.registry
        chosen: dict[str, Any] = {}
        for pattern in dataset_type_name:
            matched = registry.queryDatasetTypes(pattern, missing=[])
            if not matched:
                kind = "matches" if _is_glob(pattern) else "is named"
                click.echo(f"No dataset type {kind} {pattern!r}; skipped.", err=True)
            chosen.update((t.name, t) for t in matched)
        try:
            with registry.transaction():
                for name in chosen:
                    registry.removeDatasetType(name)
        except OrphanedRecordError:
            raise OrphanedRecordError(_still_used(butler, repo, list(chosen))) from None
    finally:
        butler.close()
    for dataset_type in chosen.values():
        click.echo(f"Removed dataset type {_describe_type(dataset_type)}.")
    if not chosen:
        click.echo("Nothing removed.")


def _still_used(butler: Any, repo: str, names: Sequence[str]) -> str:
    """The message for types that still have datasets: which, how many, where, and what to do."""
    from ..collection_type import CollectionType

    runs = butler.collections.query_info("*", collection_types=[CollectionType.RUN], include_summary=True)
    parts = []
    example = None
    for name in names:
        holding = [info.name for info in runs if name in (info.dataset_types or ())]
        if not holding:
            continue
        with butler.query() as query:
            count = query.datasets(name, collections=holding, find_first=False).count()
        if count:
            parts.append(f"{name!r} has {count} dataset(s) in {', '.join(holding)}")
            example = example or (holding[0], name)
    if example is None:
        return f"Dataset types {', '.join(names)} still have datasets; prune them first. Nothing was removed."
    return (f"Cannot remove dataset types that still have datasets: {'; '.join(parts)}. Prune them first "
            f"(e.g. butler prune-datasets {repo} {example[0]} --datasets {example[1]} --purge) or remove "
            "their runs (butler remove-runs). Nothing was removed.")


# collection-chain ---------------------------------------------------------------------------------


@click.command("collection-chain", short_help="Create or modify a CHAINED collection.")
@repo_argument()
@click.argument("parent")
@click.argument("children", nargs=-1, callback=split_commas)
@click.option("--doc", default="", help="Documentation of the chain, used only if it is created.")
@click.option("--flatten/--no-flatten", default=False,
              help="Replace CHAINED collections among CHILDREN by their (recursive) children first.")
@click.option("--mode", type=click.Choice(_CHAIN_MODES), default="redefine", show_default=True,
              help="redefine: make the chain exactly CHILDREN (creating it if needed); extend / prepend: "
                   "add CHILDREN at the end / front (moving those already in it); remove: drop CHILDREN; "
                   "pop: drop the children at the integer positions CHILDREN (default 0; negative counts "
                   "from the end, after '--').")
def collection_chain(repo: str, parent: str, children: tuple[str, ...], doc: str, flatten: bool,
                     mode: str) -> None:
    """Define or change the CHAINED collection PARENT of REPO and print the resulting chain.

    CHILDREN are collection names, separated by spaces or commas (integer
    positions for --mode pop).  PARENT is created for redefine, extend and
    prepend if it does not exist.

    \b
    Examples:
      butler collection-chain REPO PARENT child1,child2 child3
      butler collection-chain REPO --mode=extend PARENT child4
      butler collection-chain REPO --mode=pop PARENT -- -1
    """
    from ..collection_type import CollectionType
    from ..errors import MissingCollectionError

    if not children and mode != "pop":
        raise click.UsageError(f"--mode {mode} needs CHILDREN: the collections to put in or take out of "
                               f"{parent}.")
    if flatten and mode not in _CREATING_MODES:
        raise click.UsageError(f"--flatten applies to collections added to a chain, not to --mode {mode}.")
    positions = _pop_positions(children) if mode == "pop" else []
    butler = open_butler(repo, writeable=True, without_datastore=True)
    try:
        collections = butler.collections
        with butler.registry.transaction():
            try:
                collections.get_info(parent)
            except MissingCollectionError:
                if mode not in _CREATING_MODES:
                    raise MissingCollectionError(
                        f"--mode {mode} needs an existing chain, but collection {parent!r} does not exist; "
                        "create it with --mode redefine.") from None
                collections.register(parent, CollectionType.CHAINED, doc or None)
            members = list(children)
            if flatten:
                members = list(collections.query(members, flatten_chains=True))
            if mode == "redefine":
                collections.redefine_chain(parent, members)
            elif mode == "extend":
                collections.extend_chain(parent, members)
            elif mode == "prepend":
                collections.prepend_chain(parent, members)
            elif mode == "remove":
                collections.remove_from_chain(parent, members)
            else:
                collections.remove_from_chain(parent, _children_at(collections, parent, positions))
        chain = collections.get_info(parent).children
    finally:
        butler.close()
    click.echo(f"[{', '.join(chain)}]")


def _pop_positions(children: Sequence[str]) -> list[int]:
    try:
        return [int(c) for c in children] or [0]
    except ValueError:
        raise click.BadParameter(f"--mode pop takes integer positions, not {list(children)}.",
                                 param_hint="CHILDREN") from None


def _children_at(collections: Any, parent: str, positions: Sequence[int]) -> list[str]:
    from ..errors import CollectionTypeError

    info = collections.get_info(parent)
    if info.type.name != "CHAINED":
        raise CollectionTypeError(f"Collection {parent!r} is {info.type.name}, not CHAINED; "
                                  "cannot pop from it.")
    current = info.children
    chosen = []
    for position in positions:
        if not -len(current) <= position < len(current):
            raise ValueError(f"Position {position} is out of range: chain {parent!r} has {len(current)} "
                             f"children ({', '.join(current) or 'none'}).")
        chosen.append(current[position])
    return chosen


# associate -----------------------------------------------------------------------------------------


@click.command("associate", short_help="Add existing datasets to a TAGGED collection.")
@repo_argument()
@click.argument("collection")
@click.option("--dataset-type", "-d", multiple=True, callback=split_commas, metavar="NAME ...",
              help="Dataset types to add (names or globs; default all).")
@collections_option(help="Collections to search for the datasets (names or globs; default all).")
@where_option()
@click.option("--find-first/--no-find-first", default=False,
              help="For each data ID take only the dataset in the first of --collections that has one "
                   "(needs --collections without globs).")
@click.option("--limit", type=int, default=0, show_default=True,
              help="At most this many datasets; 0 for all; negative: at most -N, warning if there are more.")
def associate(repo: str, collection: str, dataset_type: tuple[str, ...], collections: tuple[str, ...],
              where: str, find_first: bool, limit: int) -> None:
    """Add the datasets found by the options to the TAGGED collection COLLECTION of REPO.

    COLLECTION is registered if it does not exist.  Datasets already in it
    are left as they are; a second dataset with the same type and data ID as
    one already there is an error, and then nothing is added.

    \b
    Example:
      butler associate REPO u/me/best --collections HSC/runs/RC2 -d calexp --where "visit = 1228"
    """
    from ..collection_type import CollectionType
    from ..errors import MissingDatasetTypeError

    if find_first and not collections:
        raise click.UsageError("--find-first needs --collections (an ordered list without globs).")
    butler = open_butler(repo, writeable=True, without_datastore=True)
    try:
        registry = butler.registry
        patterns = list(dataset_type) or ["*"]
        types = registry.queryDatasetTypes(patterns, missing=(missing := []))
        named_missing = [m for m in missing if not _is_glob(m)]
        if named_missing:
            raise MissingDatasetTypeError(f"Dataset type {named_missing[0]!r} does not exist.")
        search = list(collections) or "*"
        left = abs(limit) if limit else None
        added = already = 0
        with registry.transaction():
            created = butler.collections.register(collection, CollectionType.TAGGED)
            for type_ in progress(types, description="Associating"):
                if left == 0:
                    break
                refs = butler.query_datasets(type_, search, find_first=find_first, where=where, limit=None,
                                             explain=False)
                if left is not None:
                    if len(refs) > left and limit < 0:
                        click.echo(f"Warning: more datasets match than --limit {limit}; only {-limit} added.",
                                   err=True)
                    refs = refs[:left]
                    left -= len(refs)
                if not refs:
                    continue
                present = {r.id for r in butler.query_datasets(type_, collection, find_first=False,
                                                               limit=None, explain=False)}
                registry.associate(collection, refs)
                already += sum(1 for r in refs if r.id in present)
                added += sum(1 for r in refs if r.id not in present)
    finally:
        butler.close()
    status = "new " if created else ""
    tail = f" ({already} already there)" if already else ""
    click.echo(f"Added {added} dataset(s) to {status}TAGGED collection {collection!r}{tail}.")


# certify-calibrations ----------------------------------------------------------------------------


def _tai_time(value: str | None, option: str) -> Any:
    if value is None:
        return None
    import astropy.time

    try:
        return astropy.time.Time(value, scale="tai")
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO-8601 date, e.g. 2024-01-01 or 2024-01-01T12:00:00 "
                                 "(read as TAI).", param_hint=option) from None


@click.command("certify-calibrations", short_help="Certify calibrations over a validity range.")
@repo_argument()
@click.argument("input_collection")
@click.argument("output_collection")
@click.argument("dataset_type_name")
@click.option("--begin-date", default=None, metavar="ISO",
              help="ISO-8601 date/time (TAI) from which the calibrations are valid (default: unbounded).")
@click.option("--end-date", default=None, metavar="ISO",
              help="ISO-8601 date/time (TAI) from which they are no longer valid (default: unbounded).")
@click.option("--search-all-inputs", is_flag=True, default=False,
              help="If INPUT_COLLECTION is CHAINED, search all its children, not only the first.")
def certify_calibrations(repo: str, input_collection: str, output_collection: str, dataset_type_name: str,
                         begin_date: str | None, end_date: str | None, search_all_inputs: bool) -> None:
    """Certify the DATASET_TYPE_NAME datasets of INPUT_COLLECTION in CALIBRATION collection OUTPUT_COLLECTION.

    The validity range is [--begin-date, --end-date), open on a side whose
    date is not given.  OUTPUT_COLLECTION is registered if it does not
    exist.  If a dataset with the same data ID is already valid at an
    overlapping time there, nothing is certified.

    \b
    Example:
      butler certify-calibrations REPO u/me/bias-run HSC/calib bias \\
          --begin-date 2020-01-01 --end-date 2050-01-01
    """
    from ..collection_type import CollectionType
    from ..errors import DatasetTypeError, EmptyQueryResultError
    from ..timespan import Timespan

    begin, end = _tai_time(begin_date, "--begin-date"), _tai_time(end_date, "--end-date")
    if begin is not None and end is not None and begin >= end:
        raise click.BadParameter(f"--end-date {end_date} must be after --begin-date {begin_date}.",
                                 param_hint="--end-date")
    timespan = Timespan(begin, end)
    butler = open_butler(repo, writeable=True, without_datastore=True)
    try:
        dataset_type = butler.get_dataset_type(dataset_type_name)
        if not dataset_type.isCalibration():
            raise DatasetTypeError(f"Dataset type {dataset_type_name!r} is not a calibration type "
                                   "(registered without --is-calibration); it cannot be certified.")
        source = input_collection
        if not search_all_inputs:
            info = butler.collections.get_info(input_collection)
            if info.type is CollectionType.CHAINED:
                if not info.children:
                    raise EmptyQueryResultError([f"Chain {input_collection!r} is empty."])
                source = info.children[0]
        refs = butler.query_datasets(dataset_type, source, find_first=True, limit=None, explain=False)
        if not refs:
            raise EmptyQueryResultError(
                [f"No {dataset_type_name} datasets found in {source!r}; nothing certified."])
        with butler.registry.transaction():
            butler.collections.register(output_collection, CollectionType.CALIBRATION)
            butler.registry.certify(output_collection, refs, timespan)
    finally:
        butler.close()
    click.echo(f"Certified {len(refs)} {dataset_type_name} dataset(s) from {source!r} into CALIBRATION "
               f"collection {output_collection!r}, valid {timespan} (TAI).")


COMMANDS: list[click.Command] = [
    register_dataset_type,
    remove_dataset_type,
    collection_chain,
    associate,
    certify_calibrations,
]
