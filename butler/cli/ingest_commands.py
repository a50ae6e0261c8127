"""``ingest-files``: ingest files listed in a table with their data IDs.

The table is anything `astropy.table.Table.read` recognises (ECSV, CSV,
FITS, ...).  Its first column is the file (a path or URL); every other
column is a dimension.  A relative path is resolved against ``--prefix``
when given, else against the table's own directory, and, if no file is
there, against the current directory (LSST's default), so LSST command
lines keep working.
"""

from __future__ import annotations

__all__ = ["COMMANDS", "ingest_files", "read_file_table", "datasets_from_table"]

import os
import tempfile
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import click

from .interaction import progress
from .options import open_butler, repo_argument, split_commas, transfer_option

_ID_MODES = ("UNIQUE", "DATAID_TYPE", "DATAID_TYPE_RUN")


def _is_url(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def read_file_table(table_file: str) -> Any:
    """Read the table of files to ingest (a local path or an fsspec URL), format guessed by astropy.

    Raises
    ------
    FileNotFoundError
        If the table does not exist.
    ValueError
        If astropy cannot read it, or it has no columns.
    """
    from astropy.table import Table

    if _is_url(table_file):
        import fsspec

        suffix = os.path.splitext(table_file)[1]
        with fsspec.open(table_file, "rb") as remote, tempfile.NamedTemporaryFile(suffix=suffix) as local:
            local.write(remote.read())
            local.flush()
            return read_file_table(local.name)
    path = table_file[len("file://"):] if table_file.startswith("file://") else table_file
    if not os.path.exists(path):
        raise FileNotFoundError(f"Table file {table_file} does not exist.")
    try:
        table = Table.read(path)
    except Exception as err:  # astropy raises many kinds for an unreadable file
        raise ValueError(f"Cannot read table file {table_file} with astropy ({err}); give an ECSV, CSV or "
                         "FITS table whose first column is the file and the others dimensions.") from None
    if not table.colnames:
        raise ValueError(f"Table file {table_file} has no columns.")
    return table


def _cell(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bytes):
        value = value.decode()
    return value


def _resolve(path: str, prefix: str | None, table_dir: str) -> str:
    if _is_url(path) or path.startswith("file://"):
        return path
    if os.path.isabs(path):
        return path
    if prefix:
        if _is_url(prefix):
            return f"{prefix.rstrip('/')}/{path}"
        return os.path.abspath(os.path.join(prefix, path))
    beside_table = os.path.join(table_dir, path)
    if os.path.exists(beside_table) or not os.path.exists(path):
        return os.path.abspath(beside_table)
    return os.path.abspath(path)


def datasets_from_table(table: Any, dataset_type: Any, run: str, common_data_id: Mapping[str, Any], *,
                        table_dir: str, prefix: str | None = None, formatter: str | None = None,
                        id_generation_mode: Any = None, source: str = "the table") -> list[Any]:
    """One `FileDataset` per distinct file of the table, holding a ref per row naming it.

    Parameters
    ----------
    table : `astropy.table.Table`
        First column the file, others dimension values.
    dataset_type : `DatasetType`
        Type of every dataset.
    run : `str`
        RUN collection of the datasets.
    common_data_id : `~collections.abc.Mapping`
        Dimension values for every row; they override columns of the same name.
    table_dir : `str`
        Directory relative paths are resolved against when ``prefix`` is not given.
    prefix : `str`, optional
        Directory or URL relative paths are resolved against.
    formatter : `str`, optional
        Dotted name of the formatter that reads the files.
    id_generation_mode : `DatasetIdGenEnum`, optional
        How dataset IDs are made (default unique).
    source : `str`, optional
        How to name the table in messages.

    Raises
    ------
    DimensionNameError
        If a column or data ID key is not a dimension of the dataset type, or
        a required dimension has no value.
    ValueError
        If a cell is empty.
    FileNotFoundError
        If a local file does not exist.
    """
    from ..dataset_ref import DatasetIdGenEnum, DatasetRef
    from ..errors import DimensionNameError
    from ..file_dataset import FileDataset

    mode = id_generation_mode or DatasetIdGenEnum.UNIQUE
    file_column, *dimension_columns = table.colnames
    allowed = set(dataset_type.dimensions.names)
    universe = dataset_type.dimensions.universe
    for name in [*dimension_columns, *common_data_id]:
        if name not in allowed:
            known = "is not a dimension of this repository" if name not in universe else \
                f"is not a dimension of dataset type {dataset_type.name}"
            raise DimensionNameError(f"Data ID key {name!r} (a column of {source} or --data-id) {known}; "
                                     f"expected some of {', '.join(dataset_type.dimensions.names)}.")
    refs_by_file: dict[str, list[Any]] = defaultdict(list)
    masked = getattr(table, "masked", False) or any(getattr(table[c], "mask", None) is not None
                                                    for c in table.colnames)
    for number, row in enumerate(progress(table, description="Reading table", total=len(table)), start=1):
        if masked and any(getattr(row[c], "mask", False) is True for c in table.colnames):
            raise ValueError(f"Row {number} of {source} has an empty cell; every row needs the file and a "
                             "value for each column.")
        path = _resolve(str(_cell(row[file_column])).strip(), prefix, table_dir)
        data_id = {name: _cell(row[name]) for name in dimension_columns}
        data_id.update(common_data_id)
        refs_by_file[path].append(DatasetRef(dataset_type, data_id, run, id_generation_mode=mode))
    missing = [p for p in refs_by_file if not _is_url(p) and not os.path.exists(p.removeprefix("file://"))]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise FileNotFoundError(f"File {missing[0]} listed in {source} does not exist{more}; "
                                "nothing was ingested.")
    return [FileDataset(path, refs, formatter=formatter) for path, refs in refs_by_file.items()]


def _check_formatter(butler: Any, formatter: str) -> None:
    """Fail early, before reading the table, if ``--formatter`` cannot be imported."""
    try:
        butler.datastore.formatters.formatter_class(formatter)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"--formatter {formatter} cannot be imported ({err}); give the dotted name of a "
                         "Formatter class, e.g. butler.formatters.yaml.YamlFormatter.") from None


def _common_data_id(items: Sequence[str]) -> dict[str, str]:
    data_id: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise click.BadParameter(f"{item!r} is not key=value (e.g. instrument=HSC).",
                                     param_hint="--data-id")
        data_id[key.strip()] = value.strip()
    return data_id


@click.command("ingest-files", short_help="Ingest files listed in a table, with their data IDs.")
@repo_argument()
@click.argument("dataset_type")
@click.argument("run")
@click.argument("table_file")
@click.option("--formatter", default=None, metavar="CLASS",
              help="Dotted name of the formatter that reads the files (default: from the storage class and "
                   "the file extension).")
@click.option("--id-generation-mode", type=click.Choice(_ID_MODES, case_sensitive=False), default="UNIQUE",
              show_default=True,
              help="UNIQUE: new random IDs; DATAID_TYPE: IDs from the data ID and dataset type; "
                   "DATAID_TYPE_RUN: also from the run (the same file ingested anywhere gets the same ID).")
@click.option("--data-id", multiple=True, callback=split_commas, metavar="KEY=VALUE ...",
              help="Data ID values common to all files (e.g. instrument=HSC); they override table columns.")
@click.option("--prefix", default=None, metavar="DIR",
              help="Directory or URL that relative paths in the table are relative to (default: the table's "
                   "directory, then the current one).")
@click.option("--track-file-attrs/--no-track-file-attrs", default=True, show_default=True,
              help="Record the size (and checksum, if configured) of each file.")
@transfer_option()
def ingest_files(repo: str, dataset_type: str, run: str, table_file: str, formatter: str | None,
                 id_generation_mode: str, data_id: tuple[str, ...], prefix: str | None,
                 track_file_attrs: bool, transfer: str) -> None:
    """Ingest the files listed in TABLE_FILE into REPO as DATASET_TYPE datasets in RUN.

    TABLE_FILE is any table astropy can read (ECSV, CSV, FITS...) whose first
    column is the file's path or URL and whose other columns are dimensions
    (``file, instrument, visit, detector``).  A relative path is relative to
    --prefix, else to the table's directory, else to the current one.  A
    file may appear on several rows (one dataset each).

    DATASET_TYPE must exist; RUN is registered if needed; dimension records
    are not created.  Either all files are ingested or none.

    \b
    Example:
      butler ingest-files -t copy --data-id instrument=HSC REPO bias_src u/me/ingest files.ecsv
    """
    from ..dataset_ref import DatasetIdGenEnum

    common = _common_data_id(data_id)
    butler = open_butler(repo, writeable=True)
    try:
        if formatter:
            _check_formatter(butler, formatter)
        type_ = butler.get_dataset_type(dataset_type)
        table = read_file_table(table_file)
        local_table = table_file.removeprefix("file://")
        table_dir = os.path.dirname(os.path.abspath(local_table)) if not _is_url(table_file) else os.getcwd()
        mode = DatasetIdGenEnum[id_generation_mode.upper()]
        datasets = datasets_from_table(table, type_, run, common, table_dir=table_dir, prefix=prefix,
                                       formatter=formatter, id_generation_mode=mode,
                                       source=os.path.basename(local_table))
        butler.ingest(*datasets, transfer=transfer, record_validation_info=track_file_attrs)
    finally:
        butler.close()
    n_refs = sum(len(d.refs) for d in datasets)
    click.echo(f"Ingested {n_refs} {dataset_type} dataset(s) from {len(datasets)} file(s) into run {run!r} "
               f"(transfer: {transfer}).")


COMMANDS: list[click.Command] = [ingest_files]
