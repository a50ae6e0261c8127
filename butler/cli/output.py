"""Printing query results: aligned tables for people, JSON/CSV/ECSV for scripts.

Every query verb hands a `ResultTable` (column names and an *iterator* of
rows) to `write_table`; nothing here holds a whole result in memory:

* ``table`` (the default) buffers the first `ALIGN_WINDOW` rows to choose
  column widths, then streams the rest at those widths, cutting cells that
  would not fit with an ellipsis.  Widths are shrunk to fit the terminal
  (80 columns when not on one).
* ``json`` writes one JSON array, row by row; ``csv`` and ``ecsv`` write one
  line per row (ECSV's header declares every column as a string unless the
  verb says otherwise, so astropy reads the file back without guessing).
"""

from __future__ import annotations

__all__ = ["FORMATS", "ResultTable", "write_table", "format_cell"]

import csv
import datetime
import json
import shutil
import sys
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, Any

import click

FORMATS = ("table", "json", "csv", "ecsv")
ALIGN_WINDOW = 1000
_MIN_WIDTH = 4


@dataclass
class ResultTable:
    """Rows to print: a title (a dataset type name, say), column names and the rows.

    ``dtypes`` optionally gives ECSV datatypes (``int64``, ``float64``,
    ``bool``, ``string``) by column; others are written as strings.
    """

    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]
    title: str | None = None
    dtypes: dict[str, str] = field(default_factory=dict)


def format_cell(value: Any) -> str:
    """The text of one value in a table or CSV cell."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (uuid.UUID, datetime.datetime)):
        return str(value)
    if hasattr(value, "isot"):  # astropy Time
        return value.isot
    return str(value)


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return format_cell(value)


def write_table(tables: ResultTable | Iterable[ResultTable], fmt: str = "table", *,
                stream: IO[str] | None = None, empty_message: str | None = None) -> int:
    """Write one or more result tables in a format; return the number of rows written.

    Parameters
    ----------
    tables : `ResultTable` or iterable of them
        Several tables (one per dataset type, say) are printed one after the
        other; in ``json`` they become one array of objects, with a
        ``"table"`` key naming each row's title when there is one; in ``csv``
        and ``ecsv`` they must share columns (a title column is prepended).
    fmt : `str`
        One of `FORMATS`.
    stream : file-like, optional
        Where to write (default: standard output).
    empty_message : `str`, optional
        Printed (``table`` format only) when there are no rows at all.
    """
    if fmt not in FORMATS:
        raise click.BadParameter(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    out = stream if stream is not None else click.get_text_stream("stdout")
    items = [tables] if isinstance(tables, ResultTable) else tables
    writer = {"table": _write_text, "json": _write_json, "csv": _write_csv, "ecsv": _write_ecsv}[fmt]
    count = writer(iter(items), out)
    if count == 0 and empty_message and fmt == "table":
        out.write(empty_message + "\n")
    return count


# Aligned text ----------------------------------------------------------------


def _terminal_width(out: IO[str]) -> int:
    if out is sys.stdout and sys.stdout.isatty():
        return shutil.get_terminal_size((80, 24)).columns
    return 80


def _fit_widths(widths: list[int], available: int) -> list[int]:
    """Shrink the widest columns until the row (with two-space gaps) fits."""
    widths = list(widths)
    gaps = 2 * (len(widths) - 1)
    while sum(widths) + gaps > available:
        widest = max(range(len(widths)), key=widths.__getitem__)
        if widths[widest] <= _MIN_WIDTH:
            break
        widths[widest] -= 1
    return widths


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _write_text(tables: Iterator[ResultTable], out: IO[str]) -> int:
    count = 0
    first = True
    for table in tables:
        rows = iter(table.rows)
        head = [[format_cell(v) for v in row] for row in islice(rows, ALIGN_WINDOW)]
        if not head:
            continue
        if not first:
            out.write("\n")
        first = False
        natural = [max([len(c)] + [len(r[i]) for r in head]) for i, c in enumerate(table.columns)]
        widths = _fit_widths(natural, _terminal_width(out))
        numeric = [all(_looks_numeric(r[i]) for r in head) for i in range(len(widths))]

        def line(cells: Sequence[str]) -> str:
            parts = []
            for i, (cell, width) in enumerate(zip(cells, widths)):
                text = _cut(cell, width)
                parts.append(text.rjust(width) if numeric[i] else text.ljust(width))
            return "  ".join(parts).rstrip() + "\n"

        if table.title:
            out.write(table.title + "\n")
        out.write(line(list(table.columns)))
        out.write("  ".join("-" * w for w in widths) + "\n")
        for cells in head:
            out.write(line(cells))
        count += len(head)
        for row in rows:
            out.write(line([format_cell(v) for v in row]))
            count += 1
    return count


def _looks_numeric(text: str) -> bool:
    if not text:
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


# Machine-readable formats ------------------------------------------------------


def _write_json(tables: Iterator[ResultTable], out: IO[str]) -> int:
    count = 0
    out.write("[")
    for table in tables:
        for row in table.rows:
            record = {c: _json_value(v) for c, v in zip(table.columns, row)}
            if table.title is not None:
                record = {"table": table.title, **record}
            out.write(("\n" if count == 0 else ",\n") + json.dumps(record))
            count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def _with_title_column(tables: Iterator[ResultTable]) -> tuple[list[str], dict[str, str], Iterator[list[Any]]] | None:
    """Merge tables into one stream of rows, with a ``table`` column if they have titles."""
    first = next(tables, None)
    if first is None:
        return None
    titled = first.title is not None
    columns = (["table"] if titled else []) + list(first.columns)

    def rows() -> Iterator[list[Any]]:
        for table in [first, *tables]:
            if list(table.columns) != columns[titled:]:
                raise click.UsageError(
                    f"Results for {table.title!r} have columns {list(table.columns)}, unlike "
                    f"{columns[titled:]}: use --format table or json, or ask for one dataset type at a time."
                )
            for row in table.rows:
                yield ([table.title] if titled else []) + list(row)

    return columns, dict(first.dtypes), rows()


def _write_csv(tables: Iterator[ResultTable], out: IO[str]) -> int:
    merged = _with_title_column(tables)
    if merged is None:
        return 0
    columns, _, rows = merged
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([format_cell(v) for v in row])
        count += 1
    return count


def _write_ecsv(tables: Iterator[ResultTable], out: IO[str]) -> int:
    merged = _with_title_column(tables)
    if merged is None:
        return 0
    columns, dtypes, rows = merged
    out.write("# %ECSV 1.0\n# ---\n# datatype:\n")
    for name in columns:
        out.write(f"# - {{name: {json.dumps(name)}, datatype: {dtypes.get(name, 'string')}}}\n")
    out.write("# schema: astropy-2.0\n")
    writer = csv.writer(out, delimiter=" ", lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([v if isinstance(v, (int, float)) and not isinstance(v, bool) else format_cell(v)
                         for v in row])
        count += 1
    return count
