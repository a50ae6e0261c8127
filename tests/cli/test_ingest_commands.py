"""``butler ingest-files`` on the standard repository of tests/cli/conftest.py."""

from __future__ import annotations

import os

import pytest
import yaml
from astropy.table import Table

from butler import Butler, DatasetIdGenEnum, DatasetRef

VISITS = [1, 2, 3]


@pytest.fixture
def staged(tmp_path):
    """Three YAML files (one per visit, detector 0) in a staging directory; their names."""
    stage = tmp_path / "stage"
    stage.mkdir()
    names = []
    for visit in VISITS:
        name = f"summary_{visit}.yaml"
        (stage / name).write_text(yaml.safe_dump({"visit": visit, "ingested": True}))
        names.append(name)
    return stage, names


def runs(repo: str) -> set[str]:
    with Butler(repo) as butler:
        return set(butler.collections.query("*"))


def ingested(repo: str, run: str) -> dict[int, dict]:
    with Butler(repo) as butler:
        refs = butler.query_datasets("summary", run, limit=None, explain=False)
        return {ref.dataId["visit"]: butler.get(ref) for ref in refs}


def test_ingest_files_lsst_command_line_with_prefix_and_data_id(invoke, repo, staged, tmp_path):
    stage, names = staged
    table_file = tmp_path / "table.csv"
    Table([names, VISITS, [0, 0, 0]], names=["Files", "visit", "detector"]).write(table_file)
    result = invoke("ingest-files", "--data-id", "instrument=Cam", "--prefix", str(stage), repo, "summary",
                    "u/user/ingest", str(table_file))
    assert result.exit_code == 0, result.output
    assert result.output == "Ingested 3 summary dataset(s) from 3 file(s) into run 'u/user/ingest' " \
                            "(transfer: auto).\n"
    assert ingested(repo, "u/user/ingest") == {v: {"visit": v, "ingested": True} for v in VISITS}
    assert all((stage / name).exists() for name in names)


def test_ingest_files_resolves_relative_paths_against_the_table_directory(invoke, repo, staged):
    stage, names = staged
    Table([names, ["Cam"] * 3, VISITS, [1, 1, 1]], names=["file", "instrument", "visit", "detector"]).write(
        stage / "files.ecsv")
    result = invoke("ingest-files", repo, "summary", "ingested", str(stage / "files.ecsv"), "-t", "copy")
    assert result.exit_code == 0, result.output
    assert set(ingested(repo, "ingested")) == set(VISITS)
    with Butler(repo) as butler:
        uri = butler.getURI("summary", instrument="Cam", visit=1, detector=1, collections="ingested")
    assert str(uri).removeprefix("file://").startswith(f"{repo}/")


def test_ingest_files_falls_back_to_current_directory_as_lsst_does(invoke, repo, staged, tmp_path,
                                                                   monkeypatch):
    stage, names = staged
    Table([names, VISITS, [0, 0, 0]], names=["f", "visit", "detector"]).write(tmp_path / "elsewhere.ecsv")
    monkeypatch.chdir(stage)
    result = invoke("ingest-files", repo, "summary", "cwd", str(tmp_path / "elsewhere.ecsv"), "--data-id",
                    "instrument=Cam")
    assert result.exit_code == 0, result.output
    assert set(ingested(repo, "cwd")) == set(VISITS)


def test_ingest_files_data_id_overrides_column_and_absolute_paths(invoke, repo, staged, tmp_path):
    stage, names = staged
    table_file = tmp_path / "t.ecsv"
    paths = [str(stage / n) for n in names]
    Table([paths, VISITS, [9, 9, 9]], names=["path", "visit", "detector"]).write(table_file)
    result = invoke("ingest-files", repo, "summary", "r", str(table_file), "--data-id",
                    "instrument=Cam,detector=2")
    assert result.exit_code == 0, result.output
    with Butler(repo) as butler:
        refs = butler.query_datasets("summary", "r", limit=None)
    assert {r.dataId["detector"] for r in refs} == {2}


def test_ingest_files_dataid_type_run_ids_are_deterministic_and_reingest_conflicts(invoke, repo, staged):
    stage, names = staged
    Table([names, VISITS, [0, 0, 0]], names=["f", "visit", "detector"]).write(stage / "t.csv")
    args = ("ingest-files", repo, "summary", "det", str(stage / "t.csv"), "--data-id", "instrument=Cam",
            "--id-generation-mode", "dataid_type_run", "--transfer", "direct", "--no-track-file-attrs")
    assert invoke(*args).exit_code == 0
    with Butler(repo) as butler:
        dataset_type = butler.get_dataset_type("summary")
        expected = DatasetRef(dataset_type, {"instrument": "Cam", "visit": 1, "detector": 0}, "det",
                              id_generation_mode=DatasetIdGenEnum.DATAID_TYPE_RUN).id
        found = butler.find_dataset("summary", instrument="Cam", visit=1, detector=0, collections="det")
        assert found.id == expected
        assert str(butler.getURI(found)).removeprefix("file://") == f"{stage}/summary_1.yaml"
        (record,) = butler.datastore.prepare_get_records([found])[found.id]
        assert record.file_size is None
    again = invoke(*args)
    assert again.exit_code == 1 and "Datastore already contains 3" in again.output
    assert len(ingested(repo, "det")) == 3


@pytest.mark.parametrize("rows, extra, fragment", [
    ([("summary_1.yaml", 1, 0), ("nope.yaml", 2, 0)], (), "nope.yaml listed in t.ecsv does not exist"),
    ([("summary_1.yaml", 1, 0)], ("--data-id", "instrument=Cam,exposure=4"),
     "'exposure' (a column of t.ecsv or --data-id) is not a dimension of dataset type summary"),
    ([("summary_1.yaml", 1, 0)], ("--data-id", "instrument=Cam,colour=red"),
     "not a dimension of this repository"),
    ([("summary_1.yaml", 99, 0)], (), "visit"),
    ([("summary_1.yaml", 1, 0)], ("--formatter", "no.such.Formatter"), "--formatter no.such.Formatter"),
])
def test_ingest_files_bad_input_ingests_nothing_and_registers_no_run(invoke, repo, staged, rows, extra,
                                                                     fragment):
    stage, _ = staged
    Table(rows=rows, names=["file", "visit", "detector"]).write(stage / "t.ecsv")
    before = runs(repo)
    args = ["ingest-files", repo, "summary", "newrun", str(stage / "t.ecsv"), *extra]
    if "--data-id" not in extra:
        args += ["--data-id", "instrument=Cam"]
    result = invoke(*args)
    assert result.exit_code == 1, result.output
    assert result.output.count("\n") == 1 and result.output.startswith("Error: ")
    assert fragment in result.output
    assert runs(repo) == before
    assert not os.path.exists(os.path.join(repo, "newrun"))


def test_ingest_files_missing_dataset_type_or_table_is_one_line_error(invoke, repo, staged):
    stage, names = staged
    Table([names, VISITS], names=["f", "visit"]).write(stage / "t.ecsv")
    no_type = invoke("ingest-files", repo, "nosuch", "r", str(stage / "t.ecsv"))
    assert no_type.exit_code == 1 and "'nosuch'" in no_type.output
    no_table = invoke("ingest-files", repo, "summary", "r", str(stage / "missing.ecsv"))
    assert no_table.exit_code == 1 and "missing.ecsv does not exist" in no_table.output
    assert "r" not in runs(repo)


def test_ingest_files_unknown_id_generation_mode_is_usage_error(invoke, repo, staged):
    stage, names = staged
    Table([names, VISITS], names=["f", "visit"]).write(stage / "t.ecsv")
    result = invoke("ingest-files", repo, "summary", "r", str(stage / "t.ecsv"), "--id-generation-mode",
                    "RANDOM")
    assert result.exit_code == 2 and "'RANDOM' is not one of" in result.output
    assert "r" not in runs(repo)
