"""The ``butler`` group's global options, spelled as LSST's."""

import json
import logging

import pytest


def test_log_level_accepts_lsst_component_form_and_extra_levels(invoke, repo):
    result = invoke("--log-level", "butler=DEBUG", "--log-level", "VERBOSE", "query-dataset-types", repo)
    assert result.exit_code == 0, result.output
    assert logging.getLogger("butler").level == logging.DEBUG
    assert logging.getLogger().level == 15


def test_unknown_log_level_is_a_usage_error_listing_levels(invoke, repo):
    result = invoke("--log-level", "LOUD", "query-dataset-types", repo)
    assert result.exit_code == 2 and "VERBOSE or TRACE" in result.output


def test_debug_log_level_shows_the_traceback_of_an_error(invoke, repo):
    from butler import MissingDatasetTypeError

    plain = invoke("query-datasets", repo, "nope", "--collections", "run1")
    assert plain.exit_code == 1 and plain.output.startswith("Error: ")
    with pytest.raises(AssertionError) as crash:
        invoke("--log-level", "DEBUG", "query-datasets", repo, "nope", "--collections", "run1")
    assert isinstance(crash.value.__cause__, MissingDatasetTypeError)


def test_json_log_file_gets_one_record_per_line_with_labels(invoke, repo, tmp_path):
    path = tmp_path / "log.json"
    logging.getLogger("butler.test").warning("ignored before configuration")
    result = invoke("--log-file", path, "--log-label", "run=42", "--no-log-tty", "query-dataset-types", repo)
    assert result.exit_code == 0
    logging.getLogger("butler.test").warning("hello %s", "there")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert records[-1]["message"] == "hello there" and records[-1]["run"] == "42"


def test_help_lists_every_builtin_verb(invoke):
    text = invoke("--help").output
    for verb in ("create", "migrate", "query-collections", "query-dataset-types", "query-datasets",
                 "query-data-ids", "query-dimension-records"):
        assert verb in text


def test_options_file_gives_option_defaults_and_the_command_line_wins(invoke, repo, tmp_path):
    options = tmp_path / "options.yaml"
    options.write_text("query-datasets:\n  collections: chain\n  find-first: true\n  where: 'detector = 0'\n")
    rows = json.loads(invoke("query-datasets", repo, "summary", "-@", options, "--format", "json").stdout)
    assert sorted((r["run"], r["visit"]) for r in rows) == [("run1", 2), ("run1", 3), ("run1", 4), ("run2", 1)]
    overridden = json.loads(invoke("query-datasets", repo, "summary", "--options-file", options, "--where",
                                   "detector = 1 AND visit = 1", "--format", "json").stdout)
    assert [(r["run"], r["detector"]) for r in overridden] == [("run2", 1)]


def test_options_file_naming_an_unknown_option_is_a_usage_error(invoke, repo, tmp_path):
    options = tmp_path / "options.yaml"
    options.write_text("query-datasets:\n  colections: chain\n")
    result = invoke("query-datasets", repo, "summary", "-@", options)
    assert result.exit_code == 2 and "has no option 'colections'" in result.output
