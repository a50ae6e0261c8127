"""The query verbs through click's runner on real repositories (content: tests/cli/conftest.py)."""

import json

import pytest
from astropy.table import Table


def lines(result) -> list[str]:
    return result.stdout.splitlines()


# query-collections ---------------------------------------------------------------------------------


def test_query_collections_tree_lists_chain_children_indented(invoke, repo):
    result = invoke("query-collections", repo)
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in lines(result)[2:]]
    assert ["chain", "CHAINED"] in rows
    chain_at = lines(result).index(next(line for line in lines(result) if line.startswith("chain ")))
    assert lines(result)[chain_at + 1].startswith("  run2") and lines(result)[chain_at + 2].startswith("  run1")


def test_query_collections_table_and_inverse_table(invoke, repo):
    table = lines(invoke("query-collections", repo, "chain", "--chains", "TABLE"))
    assert table[0].split() == ["Name", "Type", "Children"]
    assert table[2].split() == ["chain", "CHAINED", "run2"] and table[3].split() == ["run1"]
    inverse = lines(invoke("query-collections", repo, "run*", "--chains", "inverse-table"))
    assert inverse[0].split() == ["Name", "Type", "Parents"]
    assert ["run1", "RUN", "chain"] in [line.split() for line in inverse]


def test_query_collections_flatten_and_types_and_dataset_types(invoke, repo):
    flat = invoke("query-collections", repo, "chain", "--chains", "flatten", "--format", "json")
    assert [row["Name"] for row in json.loads(flat.stdout)] == ["run2", "run1"]
    runs = invoke("query-collections", repo, "--collection-type", "RUN", "--chains", "no-children",
                  "--format", "csv")
    assert [row.split(",")[0] for row in lines(runs)[1:]] == ["run1", "run2", "calib/bias"]
    with_types = invoke("query-collections", repo, "calib", "-t", "--chains", "no-children", "--format", "json")
    assert json.loads(with_types.stdout) == [{"Name": "calib", "Type": "CALIBRATION", "Dataset Types": "bias"}]


def test_query_collections_with_no_match_says_so(invoke, repo):
    result = invoke("query-collections", repo, "nothing*")
    assert result.exit_code == 0 and "No collections match." in result.stdout


# query-dataset-types -------------------------------------------------------------------------------


def test_query_dataset_types_plain_and_verbose(invoke, repo):
    assert lines(invoke("query-dataset-types", repo))[2:] == ["bias", "summary"]
    verbose = invoke("query-dataset-types", repo, "sum*", "-v", "--format", "json")
    assert json.loads(verbose.stdout) == [{"name": "summary", "dimensions": "instrument detector visit",
                                           "storage class": "StructuredDataDict", "is calibration": False}]


def test_query_dataset_types_constrained_by_collections(invoke, repo):
    assert lines(invoke("query-dataset-types", repo, "--collections", "calib"))[2:] == ["bias"]


# query-datasets -------------------------------------------------------------------------------------


def test_query_datasets_lsst_command_line_with_find_first_through_a_chain(invoke, repo):
    result = invoke("query-datasets", repo, "summary", "--collections", "chain", "--find-first",
                    "--where", "visit = 1 AND detector < 2", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["run"], r["visit"], r["detector"]) for r in rows] == [("run2", 1, 0), ("run2", 1, 1)]


def test_query_datasets_without_find_first_shows_every_run(invoke, repo):
    rows = json.loads(invoke("query-datasets", repo, "summary", "--collections", "run*", "--where",
                             "visit = 1 AND detector = 0", "--format", "json").stdout)
    assert sorted(r["run"] for r in rows) == ["run1", "run2"]


def test_query_datasets_table_prints_one_titled_table_per_type_with_whole_ids(invoke, repo):
    result = invoke("query-datasets", repo, "--collections", "calib/bias,tagged")
    text = lines(result)
    assert "bias" in text and "summary" in text
    assert all(len(line) <= 80 for line in text)
    ids = [line.split()[1] for line in text if line.startswith(("calib/bias ", "run1 "))]
    assert len(ids) == 4 + 4 and all(len(i) == 36 for i in ids)
    assert text[text.index("bias") + 1].split()[:2] == ["run", "id"]  # the type is the title


def test_query_datasets_show_uri_gives_existing_files(invoke, repo):
    rows = json.loads(invoke("query-datasets", repo, "bias", "--collections", "calib/bias", "--show-uri",
                             "--format", "json").stdout)
    from pathlib import Path

    assert len(rows) == 4 and all(Path(r["URI"].removeprefix("file://")).exists() for r in rows)


def test_query_datasets_limit_caps_and_warns_when_negative(invoke, repo):
    capped = invoke("query-datasets", repo, "summary", "--collections", "run1", "--limit", "-3", "--format", "csv")
    assert len(lines(capped)) == 1 + 3
    assert "more datasets exist" in capped.stderr
    exact = invoke("query-datasets", repo, "summary", "--collections", "run1", "--limit", "16", "--format", "csv")
    assert len(lines(exact)) == 1 + 16 and "more datasets" not in exact.stderr


def test_query_datasets_order_by_descending_visit(invoke, repo):
    rows = json.loads(invoke("query-datasets", repo, "summary", "--collections", "run1", "--where", "detector = 0",
                             "--order-by", "-visit", "--format", "json").stdout)
    assert [r["visit"] for r in rows] == [4, 3, 2, 1]


def test_query_datasets_ecsv_reads_back_with_integer_dimensions(invoke, repo):
    text = invoke("query-datasets", repo, "summary", "--collections", "run2", "--format", "ecsv").stdout
    table = Table.read(text, format="ascii.ecsv")
    assert len(table) == 4 and table["visit"].dtype.kind == "i" and set(table["run"]) == {"run2"}


@pytest.mark.parametrize("args, message", [
    (["nope", "--collections", "run1"], "No dataset type matches ['nope']"),
    (["summary", "--collections", "run1", "--where", "visit = 'abc'"], "visit"),
    (["summary", "--collections", "run1", "--where", "visit >"], "^"),
    (["summary", "--collections", "run*", "--find-first"], "glob"),
    (["summary", "--find-first"], "--find-first needs --collections"),
    (["summary", "--collections", "no-such-run"], "no-such-run"),
])
def test_query_datasets_bad_input_is_one_clear_error(invoke, repo, args, message):
    result = invoke("query-datasets", repo, *args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


# query-data-ids / query-dimension-records ---------------------------------------------------------------


def test_query_data_ids_with_where_order_and_limit(invoke, repo):
    rows = json.loads(invoke("query-data-ids", repo, "visit", "detector", "--where", "band = 'r' AND detector < 2",
                             "--order-by", "-visit,detector", "--format", "json").stdout)
    assert [(r["visit"], r["detector"]) for r in rows] == [(3, 0), (3, 1), (1, 0), (1, 1)]
    assert all(r["instrument"] == "Cam" for r in rows)


def test_query_data_ids_constrained_by_datasets(invoke, repo):
    rows = json.loads(invoke("query-data-ids", repo, "visit", "--datasets", "summary", "--collections", "tagged",
                             "--format", "json").stdout)
    assert rows == [{"instrument": "Cam", "visit": 2}]


def test_query_data_ids_offset_and_limit(invoke, repo):
    rows = json.loads(invoke("query-data-ids", repo, "visit", "--order-by", "visit", "--limit", "2", "--offset",
                             "1", "--format", "json").stdout)
    assert [r["visit"] for r in rows] == [2, 3]


def test_query_data_ids_datasets_without_collections_is_a_usage_error(invoke, repo):
    result = invoke("query-data-ids", repo, "visit", "--datasets", "summary")
    assert result.exit_code == 2 and "--collections" in result.output


def test_query_dimension_records_lists_fields_and_hides_empty_columns_in_tables(invoke, repo):
    text = lines(invoke("query-dimension-records", repo, "visit", "--where", "visit.exposure_time > 25"))
    assert text[0].split() == ["instrument", "id", "name", "physical_filter", "day_obs", "exposure_time", "timespan"]
    assert [line.split()[1] for line in text[2:]] == ["3", "4"]
    rows = json.loads(invoke("query-dimension-records", repo, "detector", "--format", "json").stdout)
    assert [r["full_name"] for r in rows] == ["D0", "D1", "D2", "D3"]
    assert "purpose" in rows[0]  # machine formats keep every field, empty or not


def test_query_dimension_records_unknown_element_suggests_names(invoke, repo):
    result = invoke("query-dimension-records", repo, "visits")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: No dimension element 'visits'. Did you mean visit, visit_system?"


# PostgreSQL ---------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_query_verbs_on_postgresql(invoke, pg_repo):
    rows = json.loads(invoke("query-datasets", pg_repo, "summary", "--collections", "chain", "--find-first",
                             "--where", "visit = 1", "--format", "json").stdout)
    assert sorted((r["run"], r["detector"]) for r in rows) == [("run2", d) for d in range(4)]
    data_ids = json.loads(invoke("query-data-ids", pg_repo, "visit", "--where", "band = 'g'", "--format",
                                 "json").stdout)
    assert [d["visit"] for d in data_ids] == [2, 4]
    assert lines(invoke("query-collections", pg_repo, "chain", "--chains", "tree"))[2:] == [
        "chain   CHAINED", "  run2  RUN", "  run1  RUN"]
