"""Query commands: ``query-collections``, ``query-dataset-types``, ``query-datasets``,
``query-data-ids`` and ``query-dimension-records``.

Each prints an aligned table by default and ``--format json|csv|ecsv`` for
scripts; results are streamed from the database, not collected first.
"""

from __future__ import annotations

__all__ = ["COMMANDS"]

import fnmatch
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

import click

from .options import (
    collections_option,
    format_option,
    limit_option,
    open_butler,
    order_by_option,
    repo_argument,
    split_commas,
    where_option,
)
from .output import ResultTable, write_table

_CHAIN_MODES = ("table", "inverse-table", "tree", "inverse-tree", "flatten", "no-children")
_DEFAULT_EXCLUDED_TYPES = "*_config,*_log,*_metadata,packages"


class _Budget:
    """LSST's ``--limit`` rule over one or more result streams.

    0 means everything; N at most N results; -N at most N with a warning
    when more exist.
    """

    def __init__(self, limit: int, what: str):
        self.left: int | None = abs(limit) if limit else None
        self.warn = limit < 0
        self.what = what

    @property
    def exhausted(self) -> bool:
        return self.left == 0

    def take(self, items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            if self.left is not None:
                if self.left == 0:
                    self._more_exist()
                    return
                self.left -= 1
            yield item

    def _more_exist(self) -> None:
        if self.warn:
            self.warn = False
            click.echo(f"Warning: more {self.what} exist than the limit; pass --limit 0 for all of them.",
                       err=True)


def _engine_limit(limit: int) -> int | None:
    """How many rows to ask the database for under LSST's ``--limit`` rule (one more to detect a hit cap)."""
    return None if limit == 0 else (abs(limit) + 1 if limit < 0 else limit)


# query-collections -------------------------------------------------------------------------------


@click.command("query-collections", short_help="List collections, their types and chains.")
@repo_argument()
@click.argument("glob", nargs=-1)
@click.option("--collection-type", multiple=True, callback=split_commas,
              type=click.Choice(["run", "tagged", "chained", "calibration", "RUN", "TAGGED", "CHAINED",
                                 "CALIBRATION"]),
              help="Only collections of this type (repeatable).")
@click.option("--chains", type=click.Choice(_CHAIN_MODES, case_sensitive=False), default="tree",
              show_default=True,
              help="How to show CHAINED collections: TREE (children indented under each chain), TABLE "
                   "(a Children column), INVERSE-TREE / INVERSE-TABLE (the chains each collection is in), "
                   "FLATTEN (chains replaced by their children) or NO-CHILDREN (chains listed as they are).")
@click.option("--show-dataset-types", "-t", is_flag=True,
              help="Also show the dataset types each collection holds.")
@click.option("--exclude-dataset-types", default=_DEFAULT_EXCLUDED_TYPES, show_default=True,
              help="Dataset types (comma-separated globs) not to show with --show-dataset-types.")
@format_option()
def query_collections(repo: str, glob: tuple[str, ...], collection_type: tuple[str, ...], chains: str,
                      show_dataset_types: bool, exclude_dataset_types: str, fmt: str) -> None:
    """List the collections of REPO whose names match GLOB (all if none).

    \b
    Example:
      butler query-collections REPO 'HSC/runs/*' --chains table
    """
    from ..collection_type import CollectionType

    butler = open_butler(repo)
    types = [CollectionType.from_name(t) for t in collection_type] or None
    mode = chains.lower()
    expression = list(glob) or "*"
    names = butler.collections.query(expression, collection_types=types,
                                     flatten_chains=mode == "flatten", include_chains=mode != "flatten")
    excluded = [p for p in exclude_dataset_types.split(",") if p]

    def dataset_types(name: str) -> str:
        info = butler.collections.get_info(name, include_summary=True)
        kept = sorted(t for t in info.dataset_types or () if not any(fnmatch.fnmatchcase(t, p) for p in excluded))
        return ", ".join(kept)

    def rows() -> Iterator[list[str]]:
        collections = butler.collections
        if mode in ("tree", "inverse-tree"):
            def walk(name: str, level: int, seen: frozenset[str]) -> Iterator[list[str]]:
                info = collections.get_info(name, include_parents=mode == "inverse-tree")
                row = ["  " * level + name, info.type.name]
                yield row + ([dataset_types(name)] if show_dataset_types else [])
                relatives = info.children if mode == "tree" else sorted(info.parents or ())
                for relative in relatives:
                    if relative not in seen:
                        yield from walk(relative, level + 1, seen | {relative})

            for name in names:
                yield from walk(name, 0, frozenset({name}))
        elif mode in ("table", "inverse-table"):
            for name in names:
                info = collections.get_info(name, include_parents=mode == "inverse-table")
                relatives = list(info.children) if mode == "table" else sorted(info.parents or ())
                extra = [dataset_types(name)] if show_dataset_types else []
                yield [name, info.type.name, relatives[0] if relatives else ""] + extra
                for relative in relatives[1:]:
                    yield ["", "", relative] + ([""] if show_dataset_types else [])
        else:
            for name in names:
                info = collections.get_info(name)
                yield [name, info.type.name] + ([dataset_types(name)] if show_dataset_types else [])

    columns = ["Name", "Type"]
    if mode in ("table", "inverse-table"):
        columns.append("Children" if mode == "table" else "Parents")
    if show_dataset_types:
        columns.append("Dataset Types")
    write_table(ResultTable(columns, rows()), fmt, empty_message="No collections match.")


# query-dataset-types -----------------------------------------------------------------------------


@click.command("query-dataset-types", short_help="List dataset types.")
@repo_argument()
@click.argument("glob", nargs=-1)
@click.option("--verbose", "-v", is_flag=True, help="Also show dimensions, storage class and calibration flag.")
@collections_option(help="Only dataset types with datasets in these collections.")
@format_option()
def query_dataset_types(repo: str, glob: tuple[str, ...], verbose: bool, collections: tuple[str, ...],
                        fmt: str) -> None:
    """List the dataset types registered in REPO whose names match GLOB (all if none).

    \b
    Example:
      butler query-dataset-types REPO 'calexp*' -v
    """
    butler = open_butler(repo)
    registry = butler.registry
    dataset_types = sorted(registry.queryDatasetTypes(list(glob) or ...), key=lambda t: t.name)
    if collections:
        keys = {c.key for c in registry._search_path(list(collections))}
        dataset_types = [t for t in dataset_types
                         if keys & registry.datasets.collections_with(registry.dataset_types.find(t.name))]
    if verbose:
        table = ResultTable(["name", "dimensions", "storage class", "is calibration"],
                            ([t.name, " ".join(t.dimensions.required), t.storageClass_name,
                              t.isCalibration()] for t in dataset_types))
    else:
        table = ResultTable(["name"], ([t.name] for t in dataset_types))
    write_table(table, fmt, empty_message="No dataset types match.")


# query-datasets ----------------------------------------------------------------------------------


@click.command("query-datasets", short_help="List datasets.")
@repo_argument()
@click.argument("glob", nargs=-1)
@collections_option(help="Collections to search (names or globs; all collections if not given).")
@where_option()
@click.option("--find-first/--no-find-first", default=False,
              help="For each data ID and dataset type, only the dataset in the first of --collections that "
                   "has one (needs explicit collections, no globs).")
@limit_option()
@order_by_option()
@click.option("--show-uri", is_flag=True, help="Also show the URI of each dataset's file(s).")
@format_option()
def query_datasets(repo: str, glob: tuple[str, ...], collections: tuple[str, ...], where: str, find_first: bool,
                   limit: int, order_by: tuple[str, ...], show_uri: bool, fmt: str) -> None:
    """List the datasets in REPO whose dataset types match GLOB (all if none).

    One table per dataset type: type, run, dataset ID and data ID columns.

    \b
    Example:
      butler query-datasets REPO calexp --collections HSC/runs/RC2 \\
          --where "instrument='HSC' AND visit IN (903334..903338)" --find-first
    """
    from ..errors import InvalidQueryError

    butler = open_butler(repo)
    registry = butler.registry
    if find_first and not collections:
        raise click.UsageError("--find-first needs --collections (in search order).")
    if find_first and any(ch in c for c in collections for ch in "*?["):
        raise InvalidQueryError(f"--find-first cannot use collection globs (given {list(collections)}): "
                                "list the collections in search order.")
    search = list(collections) or ["*"]
    dataset_types = sorted(registry.queryDatasetTypes(list(glob) or ..., missing=(missing := [])),
                           key=lambda t: t.name)
    if missing:
        from ..errors import MissingDatasetTypeError

        raise MissingDatasetTypeError(f"No dataset type matches {missing}; see `butler query-dataset-types {repo}`.")
    budget = _Budget(limit, "datasets")
    engine = registry._query_engine()

    def tables() -> Iterator[ResultTable]:
        for dataset_type in dataset_types:
            if budget.exhausted:
                return
            refs = engine.datasets(dataset_type, collections=search, data_id=None, where=where,
                                   find_first=find_first, bind=None, kwargs={}, order_by=list(order_by),
                                   limit=_engine_limit(limit), stream=True)
            yield _dataset_table(butler, dataset_type, budget.take(refs), show_uri)

    write_table(tables(), fmt, empty_message="No datasets found.")


def _dataset_table(butler: Any, dataset_type: Any, refs: Iterable[Any], show_uri: bool) -> ResultTable:
    dimensions = list(dataset_type.dimensions.required)
    columns = ["run", "id", *dimensions] + (["URI"] if show_uri else [])

    def rows() -> Iterator[list[Any]]:
        for ref in refs:
            values = [ref.dataId[d] for d in dimensions]
            row = [ref.run, ref.id, *values]
            if show_uri:
                uris = butler.getURIs(ref)
                paths = ([str(uris.primaryURI)] if uris.primaryURI else []) + \
                    [f"{name}: {uri}" for name, uri in sorted(uris.componentURIs.items())]
                row.append(" ".join(paths))
            yield row

    dtypes = {d: "int64" for d in dimensions if dataset_type.dimensions.universe[d].primary_key.pytype is int}
    # The type is the table's title; machine formats get it as a "type" column.
    return ResultTable(columns, rows(), title=dataset_type.name, title_column="type", dtypes=dtypes,
                       keep_whole=frozenset({"id"}))


# query-data-ids / query-dimension-records -------------------------------------------------------------


@click.command("query-data-ids", short_help="List data IDs.")
@repo_argument()
@click.argument("dimensions", nargs=-1)
@collections_option(help="Collections to search for --datasets.")
@click.option("--datasets", multiple=True, callback=split_commas,
              help="Only data IDs for which these dataset types have a dataset in --collections.")
@where_option()
@order_by_option()
@limit_option()
@click.option("--offset", type=int, default=0, help="Skip this many results first (with --limit).")
@format_option()
def query_data_ids(repo: str, dimensions: tuple[str, ...], collections: tuple[str, ...],
                   datasets: tuple[str, ...], where: str, order_by: tuple[str, ...], limit: int, offset: int,
                   fmt: str) -> None:
    """List the data IDs of DIMENSIONS in REPO (dependencies such as instrument are added).

    Without DIMENSIONS, the dimensions of the --datasets types are used.

    \b
    Example:
      butler query-data-ids REPO visit detector --where "instrument='HSC' AND band='r'"
    """
    butler = open_butler(repo)
    registry = butler.registry
    if datasets and not collections:
        raise click.UsageError("--datasets needs --collections to say where to look for them.")
    if collections and not datasets:
        raise click.UsageError("--collections can only be used with --datasets.")
    if not dimensions:
        if not datasets:
            raise click.UsageError("Give DIMENSIONS, or --datasets (and --collections) to use theirs.")
        group = butler.dimensions.conform([])
        for name in datasets:
            group = group.union(registry.getDatasetType(name).dimensions)
        dimensions = tuple(group.required)
    group = butler.dimensions.conform(list(dimensions))
    engine_limit = _engine_limit(limit)
    if engine_limit is not None and offset:
        engine_limit += offset
    data_ids = registry._query_engine().data_ids(
        group, data_id=None, datasets=list(datasets) or None, collections=list(collections) or None,
        where=where, bind=None, kwargs={}, order_by=list(order_by), limit=engine_limit, stream=True)
    keys = list(group.required)
    rows = ([d[k] for k in keys] for d in _Budget(limit, "data IDs").take(islice(data_ids, offset, None)))
    dtypes = {k: "int64" for k in keys if butler.dimensions[k].primary_key.pytype is int}
    write_table(ResultTable(keys, rows, dtypes=dtypes), fmt, empty_message="No data IDs found.")


@click.command("query-dimension-records", short_help="List dimension records.")
@repo_argument()
@click.argument("element")
@click.option("--datasets", multiple=True, callback=split_commas,
              help="Only records for which these dataset types have a dataset in --collections.")
@collections_option(help="Collections to search for --datasets.")
@where_option()
@order_by_option()
@limit_option()
@click.option("--offset", type=int, default=0, help="Skip this many results first (with --limit).")
@click.option("--no-check", is_flag=True, help="Accepted for LSST compatibility; queries are always checked.")
@format_option()
def query_dimension_records(repo: str, element: str, datasets: tuple[str, ...], collections: tuple[str, ...],
                            where: str, order_by: tuple[str, ...], limit: int, offset: int, no_check: bool,
                            fmt: str) -> None:
    """List the records of dimension ELEMENT (e.g. visit, detector, exposure) in REPO.

    \b
    Example:
      butler query-dimension-records REPO visit --where "instrument='HSC' AND visit.exposure_time > 30"
    """
    from ..errors import DimensionNameError

    butler = open_butler(repo)
    registry = butler.registry
    if element not in butler.dimensions:
        raise DimensionNameError(_unknown_element_message(butler.dimensions, element))
    if datasets and not collections:
        raise click.UsageError("--datasets needs --collections to say where to look for them.")
    dimension_element = butler.dimensions[element]
    engine_limit = _engine_limit(limit)
    if engine_limit is not None and offset:
        engine_limit += offset
    records = registry._query_engine().dimension_records(
        dimension_element, data_id=None, datasets=list(datasets) or None, collections=list(collections) or None,
        where=where, bind=None, kwargs={}, order_by=list(order_by), limit=engine_limit, stream=True)
    fields = list(dimension_element.RecordClass.field_names)
    columns = [f for f in fields if f != "region"]
    rows = ([_record_value(getattr(r, f)) for f in columns]
            for r in _Budget(limit, "records").take(islice(records, offset, None)))
    write_table(ResultTable(columns, rows), fmt, empty_message=f"No {element} records found.")


def _record_value(value: Any) -> Any:
    from ..timespan import Timespan

    if isinstance(value, Timespan):
        return str(value)
    return value


def _unknown_element_message(universe: Any, name: str) -> str:
    import difflib

    names = sorted(universe.elements)
    close = difflib.get_close_matches(name, names, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else f" Known elements: {', '.join(names)}."
    return f"No dimension element {name!r}.{hint}"


COMMANDS: list[click.Command] = [query_collections, query_dataset_types, query_datasets, query_data_ids,
                                 query_dimension_records]
