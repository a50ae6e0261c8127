"""``butler retrieve-artifacts`` and ``transfer-datasets`` on real repositories.

Repository content: tests/cli/conftest.py (run1: 16 summaries, run2: 4,
calib/bias: 4 biases certified in calib, tagged: run1's visit 2, chain =
[run2, run1]).
"""

import json
import zipfile
from pathlib import Path

import pytest
import yaml

from butler import Butler


def files_below(directory) -> set[str]:
    root = Path(directory)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def registry_state(repo) -> tuple:
    with Butler(repo) as butler:
        ids = {r.id for t in butler.registry.queryDatasetTypes("*")
               for r in butler.query_datasets(t, "*", find_first=False, limit=None, explain=False)}
        return ids, tuple(butler.collections.query("*")), files_below(repo) - {"gen3.sqlite3"}


# retrieve-artifacts -----------------------------------------------------------------------------


def test_retrieve_artifacts_copies_files_under_their_datastore_paths(invoke, repo, tmp_path):
    before = registry_state(repo)
    dest = tmp_path / "out"
    result = invoke("retrieve-artifacts", repo, dest, "--collections", "run1", "--where", "visit = 1")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Number of artifacts retrieved into destination {dest}: 4"
    got = files_below(dest)
    assert got == {f"run1/summary/20240101/r/Cam-r/1/summary_Cam_r_Cam-r_1_D{d}_run1.yaml" for d in range(4)}
    for name in got:
        assert (dest / name).read_bytes() == (Path(repo) / name).read_bytes()
    assert registry_state(repo) == before


def test_retrieve_artifacts_flat_and_verbose(invoke, repo, tmp_path):
    dest = tmp_path / "flat"
    result = invoke("retrieve-artifacts", repo, dest, "-d", "bias", "--no-preserve-path", "-v")
    assert result.exit_code == 0, result.output
    assert files_below(dest) == {f"bias_Cam_D{d}_calib_bias.yaml" for d in range(4)}
    assert f"Transferred the following to {dest}:" in result.output
    assert str(dest / "bias_Cam_D0_calib_bias.yaml") in result.output


def test_retrieve_artifacts_zip_is_self_describing(invoke, repo, tmp_path):
    dest = tmp_path / "zips"
    result = invoke("retrieve-artifacts", repo, dest, "-d", "summary", "--collections", "run2", "--zip")
    assert result.exit_code == 0, result.output
    (zip_path,) = dest.iterdir()
    assert zip_path.suffix == ".zip"
    assert f"Zip file written to {zip_path}" in result.output
    assert "Number of datasets in it: 4" in result.output
    with Butler(repo) as butler:
        expected = {r.id: r for r in butler.query_datasets("summary", "run2", limit=None)}
    with zipfile.ZipFile(zip_path) as archive:
        index = json.loads(archive.read("_butler_zip_index.json"))
        members = set(archive.namelist()) - {"_butler_zip_index.json"}
        assert {str(i) for i in expected} == {entry["id"] for entry in index["refs"]}
        for entry in index["refs"]:
            ref = expected[next(i for i in expected if str(i) == entry["id"])]
            assert entry["datasetType"]["name"] == "summary" and entry["run"] == "run2"
            assert entry["dataId"]["detector"] == ref.dataId["detector"] and entry["dataId"]["visit"] == 1
            (path,) = entry["paths"]
            assert path in members and index["artifact_map"][path]["ids"] == [entry["id"]]
            assert yaml.safe_load(archive.read(path)) == {"visit": 1, "detector": ref.dataId["detector"],
                                                          "rerun": True}
    assert len(members) == 4


def test_retrieve_artifacts_zip_again_needs_clobber(invoke, repo, tmp_path):
    args = ("retrieve-artifacts", repo, tmp_path, "-d", "bias", "--zip")
    assert invoke(*args).exit_code == 0
    again = invoke(*args)
    assert again.exit_code == 1
    assert again.output.startswith("Error: Zip file") and "--clobber" in again.output
    assert len(again.output.strip().splitlines()) == 1
    assert invoke(*args, "--clobber").exit_code == 0
    assert len(list(tmp_path.glob("*.zip"))) == 1


def test_retrieve_artifacts_with_no_match_says_so(invoke, repo, tmp_path):
    result = invoke("retrieve-artifacts", repo, tmp_path / "none", "--collections", "run2",
                    "--where", "visit = 3")
    assert result.exit_code == 0
    assert result.output.strip() == "No datasets matched query."
    assert not (tmp_path / "none").exists()


def test_retrieve_artifacts_limit_and_order_by(invoke, repo, tmp_path):
    dest = tmp_path / "ordered"
    result = invoke("retrieve-artifacts", repo, dest, "-d", "summary", "--collections", "run1",
                    "--order-by", "-visit,detector", "--limit", "2")
    assert result.exit_code == 0, result.output
    assert {Path(f).name for f in files_below(dest)} == {"summary_Cam_g_Cam-g_4_D0_run1.yaml",
                                                          "summary_Cam_g_Cam-g_4_D1_run1.yaml"}
    capped = invoke("retrieve-artifacts", repo, tmp_path / "capped", "--collections", "run1", "--limit", "-3")
    assert capped.exit_code == 0
    assert "Warning: more than 3 datasets match" in capped.stderr
    assert len(files_below(tmp_path / "capped")) == 3


@pytest.mark.parametrize("args, message", [
    (["--collections", "run*", "--find-first"], "cannot be searched find-first"),
    (["-d", "nosuch"], "'nosuch' is not registered"),
    (["--collections", "nosuch"], "'nosuch' does not exist"),
    (["-t", "move"], "Can not move artifacts out of datastore"),
    (["--find-first", "--find-all", "--collections", "run1"], "contradict"),
    (["--order-by", "visit"], "--order-by needs a single dataset type"),
])
def test_retrieve_artifacts_bad_input_is_one_line_error(invoke, repo, tmp_path, args, message):
    before = registry_state(repo)
    result = invoke("retrieve-artifacts", repo, tmp_path / "bad", *args)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and len(result.output.strip().splitlines()) == 1
    assert message in result.output
    assert files_below(tmp_path / "bad") == set()
    assert registry_state(repo) == before


def test_retrieve_artifacts_lsst_command_lines_work_unchanged(invoke, repo, tmp_path):
    result = invoke("retrieve-artifacts", repo, tmp_path / "a", "--where", "instrument='Cam' AND visit=1",
                    "--collections", "run2")
    assert result.exit_code == 0 and result.stdout.endswith(": 4\n")
    result = invoke("retrieve-artifacts", repo, tmp_path / "a", "--transfer", "copy", "--clobber",
                    "--dataset-type", "summary", "--collections", "run2", "--no-find-first")
    assert result.exit_code == 0, result.output
    result = invoke("retrieve-artifacts", repo, tmp_path / "z", "--where", "instrument='Cam' AND visit=1",
                    "--zip")
    assert result.exit_code == 0 and ".zip" in result.stdout
    assert len(list((tmp_path / "z").iterdir())) == 1


# transfer-datasets -------------------------------------------------------------------------------


@pytest.fixture
def dest(tmp_path) -> str:
    root = tmp_path / "dest"
    Butler.makeRepo(root)
    return str(root)


def test_transfer_datasets_copies_ids_runs_records_and_files(invoke, repo, dest):
    result = invoke("transfer-datasets", repo, dest, "--collections", "run1", "--where", "visit = 1",
                    "--register-dataset-types")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Number of datasets transferred: 4"
    with Butler(repo) as source, Butler(dest, collections="run1") as target:
        wanted = {r.id for r in source.query_datasets("summary", "run1", where="visit = 1", limit=None)}
        got = target.query_datasets("summary", "run1", limit=None)
        assert {r.id for r in got} == wanted
        assert target.get("summary", instrument="Cam", visit=1, detector=2) == {"visit": 1, "detector": 2}
        assert target.registry.expandDataId(instrument="Cam", visit=1).records["visit"].exposure_time == 10.0
    assert len([f for f in files_below(dest) if f.startswith("run1/")]) == 4


def test_transfer_datasets_again_transfers_nothing(invoke, repo, dest):
    args = ("transfer-datasets", repo, dest, "--collections", "run2", "--register-dataset-types")
    assert invoke(*args).exit_code == 0
    again = invoke(*args)
    assert again.exit_code == 0
    assert "Number of datasets transferred: 0" in again.output
    assert f"4 matching datasets are already in {dest}." in again.output


def test_transfer_datasets_find_first_through_chain(invoke, repo, dest):
    result = invoke("transfer-datasets", repo, dest, "--collections", "chain", "--find-first",
                    "--where", "visit = 1", "--register-dataset-types")
    assert result.exit_code == 0, result.output
    with Butler(dest) as target:
        assert target.collections.query("*") == ["run2"]


def test_transfer_datasets_dry_run_lists_and_changes_nothing(invoke, repo, dest):
    before = registry_state(dest)
    result = invoke("transfer-datasets", repo, dest, "-d", "bias", "--register-dataset-types", "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert sum(line.startswith("data ID  instrument=Cam, detector=") for line in lines) == 4
    assert sum(line == "run      calib/bias" for line in lines) == 4
    assert lines[-1] == "Dry run: 4 datasets would be transferred; nothing was changed."
    assert registry_state(dest) == before
    with Butler(dest) as target:
        assert target.registry.queryDatasetTypes("*") == []


def test_transfer_datasets_needs_register_dataset_types_for_new_types(invoke, repo, dest):
    result = invoke("transfer-datasets", repo, dest, "--collections", "run1")
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: Dataset type(s) not registered in {dest}: summary; pass --register-dataset-types to "
        "register them there. Nothing was transferred.")
    with Butler(dest) as target:
        assert target.collections.query("*") == []


def test_transfer_datasets_without_dimensions_refuses_when_records_are_missing(invoke, repo, dest):
    result = invoke("transfer-datasets", repo, dest, "--collections", "run2", "--register-dataset-types",
                    "--no-transfer-dimensions")
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and len(result.output.strip().splitlines()) == 1
    assert "record" in result.output
    with Butler(dest) as target:
        assert target.collections.query("*") == []
    assert not any(f.startswith("run2/") for f in files_below(dest))


def test_transfer_datasets_lsst_command_line_works_unchanged(invoke, repo, dest):
    result = invoke("transfer-datasets", repo, dest, "--dataset-type", "summary", "--collections", "run1",
                    "--where", "instrument='Cam' AND visit IN (2, 3)", "--transfer", "copy",
                    "--register-dataset-types", "--transfer-dimensions", "--no-dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Number of datasets transferred: 8"
