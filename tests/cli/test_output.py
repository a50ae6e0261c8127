"""Printing results: aligned tables, JSON, CSV and ECSV, streamed."""

import io
import json

import pytest
from astropy.table import Table

from butler.cli.output import ALIGN_WINDOW, ResultTable, write_table


def render(tables, fmt, **kwargs) -> str:
    stream = io.StringIO()
    write_table(tables, fmt, stream=stream, **kwargs)
    return stream.getvalue()


def test_table_aligns_columns_and_right_aligns_numbers():
    text = render(ResultTable(["name", "visit"], [("a", 1), ("longer", 1000)]), "table")
    lines = text.splitlines()
    assert lines[0] == "name    visit"
    assert lines[1] == "------  -----"
    assert lines[2] == "a           1"
    assert lines[3] == "longer   1000"


def test_table_fits_80_columns_cutting_long_cells():
    text = render(ResultTable(["uri"], [("x" * 200,)]), "table")
    assert max(len(line) for line in text.splitlines()) <= 80
    assert text.splitlines()[2].endswith("…")


def test_several_tables_get_their_titles_and_a_blank_line_between():
    text = render([ResultTable(["a"], [(1,)], title="first"), ResultTable(["a"], [(2,)], title="second")], "table")
    assert text.splitlines() == ["first", "a", "-", "1", "", "second", "a", "-", "2"]


def test_rows_beyond_the_alignment_window_are_streamed_at_the_same_widths():
    rows = ((i,) for i in range(ALIGN_WINDOW + 5))
    lines = render(ResultTable(["n"], rows), "table").splitlines()
    assert len(lines) == ALIGN_WINDOW + 5 + 2
    assert len({len(line) for line in lines[2:]}) == 1


def test_empty_message_only_when_nothing_was_printed():
    assert render(ResultTable(["a"], []), "table", empty_message="No datasets.") == "No datasets.\n"
    assert render(ResultTable(["a"], []), "json", empty_message="No datasets.") == "[]\n"


def test_json_is_one_array_with_the_title_column_when_asked():
    text = render([ResultTable(["visit", "id"], [(1, None)], title="summary", title_column="type")], "json")
    assert json.loads(text) == [{"type": "summary", "visit": 1, "id": None}]
    assert json.loads(render(ResultTable(["visit"], [(1,)], title="summary"), "json")) == [{"visit": 1}]


def test_csv_has_a_header_and_the_title_column_when_asked():
    text = render(ResultTable(["visit", "run"], [(1, "r,1")], title="summary", title_column="table"), "csv")
    assert text.splitlines() == ["table,visit,run", 'summary,1,"r,1"']


def test_keep_whole_columns_are_never_cut():
    table = ResultTable(["id", "uri"], [("u" * 36, "x" * 200)], keep_whole=frozenset({"id"}))
    row = render(table, "table").splitlines()[2]
    assert row.startswith("u" * 36 + "  ") and row.endswith("…") and len(row) <= 80


def test_csv_refuses_tables_with_different_columns():
    import click

    with pytest.raises(click.UsageError, match="--format table or json"):
        render([ResultTable(["a"], [(1,)], title="x"), ResultTable(["b"], [(2,)], title="y")], "csv")


def test_ecsv_reads_back_with_astropy_and_typed_columns():
    text = render(ResultTable(["visit", "run", "note", "t", "seq"],
                              [(1, "run 1", None, 1.5, None), (2, "r2", "x y", 2, 7)],
                              dtypes={"run": "string"}), "ecsv")
    table = Table.read(text, format="ascii.ecsv")
    assert list(table["visit"]) == [1, 2] and table["visit"].dtype.kind == "i"
    assert list(table["run"]) == ["run 1", "r2"]
    assert table["note"][1] == "x y"
    assert table["t"].dtype.kind == "f" and table["seq"].dtype.kind == "i" and table["seq"].mask[0]


def test_rows_too_wide_for_any_table_are_printed_as_field_value_blocks():
    columns = [f"a_rather_long_field_name_{i}" for i in range(6)]
    text = render(ResultTable(columns, [tuple(range(6)), tuple(range(6, 12))], title="visit"), "table")
    lines = text.splitlines()
    assert lines[0] == "visit"
    assert lines[1].startswith("-[ 1 ]") and lines[8].startswith("-[ 2 ]")
    assert lines[2] == "a_rather_long_field_name_0  0"
    assert lines[14] == "a_rather_long_field_name_5  11"
