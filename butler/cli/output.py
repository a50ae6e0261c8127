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

__all__ = ["FORMATS", "ResultTable", "write_table", "format_cell", "count_of"]

import csv
import datetime
import itertools
import json
import shutil
import sys
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import click

FORMATS = ("table", "json", "csv", "ecsv")
ALIGN_WINDOW = 1000
_MIN_WIDTH = 6


@dataclass
class ResultTable:
    """Rows to print: a title (a dataset type name, say), column names and the rows.

    ``dtypes`` optionally gives ECSV datatypes (``int64``, ``float64``,
    ``bool``, ``string``) by column; others are inferred from the first
    rows.  In the machine formats the title becomes a column named
    ``title_column`` when that is set (otherwise it is shown only in
    tables).  Columns in ``keep_whole`` (dataset IDs, say) are never cut to
    fit the terminal.
    """

    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]
    title: str | None = None
    dtypes: dict[str, str] = field(default_factory=dict)
    title_column: str | None = None
    keep_whole: frozenset[str] = frozenset()


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


def count_of(n: int, singular: str, plural: str | None = None) -> str:
    """``"1 dataset"``, ``"3 datasets"``: a number with its noun in the right form."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


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
        and ``ecsv`` they must share columns.
    fmt : `str`
        One of `FORMATS`.
    stream : file-like, optional
        Where to write (default: standard output).
    empty_message : `str`, optional
        Printed (``table`` format only) when there are no rows at all.
    """
    if fmt not in FORMATS:
        raise click.BadParameter(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    out = stream if stream is not None else sys.stdout
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


def _fit_widths(widths: list[int], minimums: list[int], available: int, fixed: Sequence[bool]
                ) -> list[int] | None:
    """Column widths that fit ``available`` characters (with two-space gaps), or `None`.

    Narrow columns keep their width; the columns wider than a fair share of
    what is left split it ("water filling"), never below their minimum (the
    header's width). ``fixed`` columns are never cut. When even the
    minimums do not fit, nothing is cut: a complete wide table beats an
    unreadable narrow one.
    """
    room = available - 2 * (len(widths) - 1) - sum(w for w, f in zip(widths, fixed) if f)
    if sum(m for m, f in zip(minimums, fixed) if not f) > room:
        return None
    result = list(widths)
    pending = sorted((i for i in range(len(widths)) if not fixed[i]), key=widths.__getitem__)
    while pending:
        share = room // len(pending)
        narrowest = pending[0]
        if widths[narrowest] <= share or widths[narrowest] <= minimums[narrowest]:
            room -= result[narrowest]
            pending.pop(0)
            continue
        # Cut the widest first, down to the share or their minimum.
        excess = sum(widths[i] for i in pending) - room
        for i in sorted(pending, key=widths.__getitem__, reverse=True):
            cut = min(excess, widths[i] - max(share, minimums[i]))
            if cut > 0:
                result[i] = widths[i] - cut
                excess -= cut
        break
    return result


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _write_text(tables: Iterator[ResultTable], out: IO[str]) -> int:
    count = 0
    first = True
    for table in tables:
        rows = iter(table.rows)
        head = [[format_cell(v) for v in row] for row in itertools.islice(rows, ALIGN_WINDOW)]
        if not head:
            continue
        columns = list(table.columns)
        if len(head) < ALIGN_WINDOW:  # the whole table is here: leave out columns with nothing in them
            shown = [i for i in range(len(columns)) if any(r[i] for r in head)]
            if len(shown) < len(columns):
                columns = [columns[i] for i in shown]
                head = [[r[i] for i in shown] for r in head]
        if not first:
            out.write("\n")
        first = False
        natural = [max([len(c)] + [len(r[i]) for r in head]) for i, c in enumerate(columns)]
        minimums = [min(n, max(len(c), _MIN_WIDTH)) for n, c in zip(natural, columns)]
        widths = _fit_widths(natural, minimums, _terminal_width(out), [c in table.keep_whole for c in columns])
        if widths is None:
            count += _write_expanded(table, columns, head, rows, out)
            continue
        numeric = [all(_looks_numeric(r[i]) for r in head) for i in range(len(widths))]

        def line(cells: Sequence[str]) -> str:
            parts = []
            for i, (cell, width) in enumerate(zip(cells, widths)):
                text = _cut(cell, width)
                parts.append(text.rjust(width) if numeric[i] else text.ljust(width))
            return "  ".join(parts).rstrip() + "\n"

        if table.title:
            out.write(table.title + "\n")
        out.write(line(columns))
        out.write("  ".join("-" * w for w in widths) + "\n")
        for cells in head:
            out.write(line(cells))
        count += len(head)
        for row in rows:
            out.write(line([format_cell(v) for v in row]))
            count += 1
    return count


def _write_expanded(table: ResultTable, columns: list[str], head: list[list[str]],
                    rest: Iterator[Sequence[Any]], out: IO[str]) -> int:
    """Rows too wide for the terminal, one ``field  value`` block each (as psql's expanded mode)."""
    if table.title:
        out.write(table.title + "\n")
    label_width = max(len(c) for c in columns)
    shown = [table.columns.index(c) for c in columns]
    count = 0
    for cells in itertools.chain(head, ([format_cell(row[i]) for i in shown] for row in rest)):
        count += 1
        out.write(f"-[ {count} ]" + "-" * max(0, label_width - len(str(count)) - 3) + "\n")
        for name, cell in zip(columns, cells):
            out.write(f"{name.ljust(label_width)}  {cell}".rstrip() + "\n")
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
            if table.title_column is not None:
                record = {table.title_column: table.title, **record}
            out.write(("\n" if count == 0 else ",\n") + json.dumps(record))
            count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def _merged(tables: Iterator[ResultTable]) -> tuple[list[str], ResultTable, Iterator[list[Any]]] | None:
    """Merge tables into one stream of rows (with the title column, if the tables have one)."""
    first = next(tables, None)
    if first is None:
        return None
    titled = first.title_column is not None
    columns = ([first.title_column] if titled else []) + list(first.columns)

    def rows() -> Iterator[list[Any]]:
        for table in [first, *tables]:
            if list(table.columns) != columns[titled:]:
                raise click.UsageError(
                    f"Results for {table.title!r} have columns {list(table.columns)}, unlike "
                    f"{columns[titled:]}: use --format table or json, or ask for one kind at a time."
                )
            for row in table.rows:
                yield ([table.title] if titled else []) + list(row)

    return columns, first, rows()


def _write_csv(tables: Iterator[ResultTable], out: IO[str]) -> int:
    merged = _merged(tables)
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


def _ecsv_type(values: Iterable[Any]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "bool"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "int64"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "float64"
    return "string"


def _write_ecsv(tables: Iterator[ResultTable], out: IO[str]) -> int:
    merged = _merged(tables)
    if merged is None:
        return 0
    columns, first, rows = merged
    head = list(itertools.islice(rows, ALIGN_WINDOW))
    dtypes = {name: first.dtypes.get(name) or _ecsv_type(row[i] for row in head)
              for i, name in enumerate(columns)}
    out.write("# %ECSV 1.0\n# ---\n# datatype:\n")
    for name in columns:
        out.write(f"# - {{name: {json.dumps(name)}, datatype: {dtypes[name]}}}\n")
    out.write("# schema: astropy-2.0\n")
    writer = csv.writer(out, delimiter=" ", lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(columns)
    count = 0
    for row in itertools.chain(head, rows):
        writer.writerow([v if isinstance(v, (int, float)) and not isinstance(v, bool)
                         and dtypes[name] != "string" else format_cell(v) for name, v in zip(columns, row)])
        count += 1
    return count
