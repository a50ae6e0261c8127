"""``config-dump`` and ``config-validate`` on the standard repository of tests/cli/conftest.py."""

from __future__ import annotations

import os

import yaml

from butler import Butler, DatasetType


def edit_butler_yaml(repo: str, **sections) -> None:
    path = os.path.join(repo, "butler.yaml")
    with open(path) as stream:
        data = yaml.safe_load(stream)
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    with open(path, "w") as stream:
        yaml.safe_dump(data, stream)


def register_raw(repo: str, name: str, storage_class: str, dimensions=("instrument", "detector")) -> None:
    """Register a dataset type through the registry, which (as LSST's) does not check the storage class."""
    with Butler(repo, writeable=True) as butler:
        butler.registry.registerDatasetType(
            DatasetType(name, dimensions, storage_class, universe=butler.dimensions))


# config-dump ---------------------------------------------------------------------------------


def test_config_dump_prints_resolved_configuration_as_yaml(invoke, repo):
    result = invoke("config-dump", repo)
    assert result.exit_code == 0, result.output
    config = yaml.safe_load(result.output)
    assert config["registry"]["db"] == f"sqlite:///{repo}/gen3.sqlite3"
    assert config["datastore"]["root"] == repo
    assert "{run" in config["datastore"]["templates"]["default"]
    assert config["storageClasses"]["StructuredDataDict"]["pytype"] == "dict"
    assert config["storageClasses"]["StructuredDataDict"]["formatter"].endswith("YamlFormatter")


def test_config_dump_lsst_documented_command_lines(invoke, repo):
    scalar = invoke("config-dump", "--subset", ".registry.db", os.path.join(repo, "butler.yaml"))
    assert scalar.exit_code == 0, scalar.output
    assert scalar.output == f".registry.db: sqlite:///{repo}/gen3.sqlite3\n"
    tree = invoke("config-dump", "--subset", ".datastore.formatters", repo)
    assert tree.exit_code == 0 and yaml.safe_load(tree.output) == {}


def test_config_dump_subset_without_leading_separator_prints_sub_tree(invoke, repo):
    assert invoke("config-dump", repo, "--subset", "registry.db").output == \
        f"registry.db: sqlite:///{repo}/gen3.sqlite3\n"
    templates = yaml.safe_load(invoke("config-dump", repo, "-s", "datastore.templates").output)
    assert set(templates) == {"default", "physical_filter+detector+exposure"}


def test_config_dump_repository_settings_override_defaults_and_search_paths(invoke, repo, tmp_path):
    edit_butler_yaml(repo, datastore={"checksum": True, "templates": {"summary": "{run}/{id}"}})
    (tmp_path / "defaults").mkdir()
    (tmp_path / "defaults" / "datastore.yaml").write_text(
        "datastore:\n  checksum: false\n  checksum_algorithm: md5\n")
    result = invoke("config-dump", repo, "--searchpath", str(tmp_path / "defaults"), "-s", "datastore")
    datastore = yaml.safe_load(result.output)
    assert datastore["checksum"] is True
    assert datastore["checksum_algorithm"] == "md5"
    assert datastore["templates"]["summary"] == "{run}/{id}"
    assert "default" in datastore["templates"]


def test_config_dump_file_option_writes_the_file(invoke, repo, tmp_path):
    target = tmp_path / "dump.yaml"
    result = invoke("config-dump", repo, "--file", str(target))
    assert result.exit_code == 0 and result.output == ""
    assert "registry" in yaml.safe_load(target.read_text())


def test_config_dump_unknown_subset_is_one_line_error_naming_available_keys(invoke, repo):
    result = invoke("config-dump", repo, "--subset", ".datastore.nope")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "'nope'" in result.output and "templates" in result.output


def test_config_dump_of_missing_repository_is_one_line_error(invoke, tmp_path):
    result = invoke("config-dump", str(tmp_path / "nowhere"))
    assert result.exit_code == 1 and result.output.startswith("Error: ") and result.output.count("\n") == 1


# config-validate ------------------------------------------------------------------------------


def test_config_validate_lsst_command_line_reports_no_problems(invoke, repo):
    result = invoke("config-validate", repo)
    assert result.exit_code == 0, result.output
    assert "No problems found" in result.output and "2 dataset type(s) checked" in result.output


def test_config_validate_reports_each_failing_check_and_exits_1(invoke, repo):
    register_raw(repo, "mystery", "NoSuchStorageClass")
    register_raw(repo, "columns", "ArrowColumnList")
    edit_butler_yaml(repo, datastore={"templates": {"summary": "{run}/{datasetType}_{visit}"}})
    result = invoke("config-validate", repo)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "mystery: storage class: Unknown storage class 'NoSuchStorageClass'." in lines
    assert any(line.startswith("columns: formatter: ") for line in lines)
    assert any(line.startswith("summary: file template: ") and "'detector'" in line for line in lines)
    assert not any(line.startswith("bias") for line in lines)
    assert lines[-1] == "Found 3 problem(s) with 3 of 4 dataset type(s)."


def test_config_validate_quiet_dataset_type_and_ignore(invoke, repo):
    register_raw(repo, "mystery", "NoSuchStorageClass")
    quiet = invoke("config-validate", repo, "-q")
    assert quiet.exit_code == 1 and quiet.output == "Found 1 problem(s) with 1 of 3 dataset type(s).\n"
    assert invoke("config-validate", repo, "--ignore", "myst*").exit_code == 0
    only = invoke("config-validate", repo, "--dataset-type", "summary,bias")
    assert only.exit_code == 0 and "2 dataset type(s) checked" in only.output


def test_config_validate_unknown_dataset_type_is_one_line_error(invoke, repo):
    result = invoke("config-validate", repo, "-d", "nosuch")
    assert result.exit_code == 1
    assert result.output.startswith("Error: No dataset type matches 'nosuch'")
    assert result.output.count("\n") == 1
