"""``butler export`` and ``butler import`` through the command line, on real repositories."""

from __future__ import annotations

import shutil

from butler import Butler
from butler.exchange import read_export


def test_export_then_import_through_the_cli_round_trips(lsst_v8_repo, tmp_path, invoke, kit,
                                                        expected) -> None:
    out = tmp_path / "out"
    result = invoke("export", lsst_v8_repo, "export.yaml", "--directory", out, "--transfer", "copy")
    assert result.exit_code == 0, result.output
    # Only the records the datasets' data IDs need (e.g. 4 of the 9 patches) go with them.
    assert "Exported 42 datasets, 9 collections and 42 dimension records" in result.output
    assert "42 files into" in result.output
    assert "summary" in result.output and "rawInfo" in result.output
    assert (out / "export.yaml").is_file()
    new = tmp_path / "new"
    Butler.makeRepo(new)
    result = invoke("import", new, out, "--export-file", "export.yaml", "--transfer", "copy")
    assert result.exit_code == 0, result.output
    assert "Imported 42 new datasets (42 files), 4 new dataset types and 9 new collections" in result.output
    assert "visit_detector_region" in result.output
    with Butler(new) as butler:
        got = kit.answers(butler)
    for key in ("datasets", "contents", "collections", "dataset_types", "find_first_defaults", "tagged",
                "calib_lookup", "certifications"):
        assert got[key] == expected["v8"][key], key


def test_export_selects_datasets_by_type_collection_and_where(lsst_v8_repo, tmp_path, invoke) -> None:
    result = invoke("export", lsst_v8_repo, tmp_path / "part.yaml", "-d", "summary",
                    "--collections", "Cam/runs/r1", "--where", "instrument = 'Cam' AND visit = 2")
    assert result.exit_code == 0, result.output
    contents = read_export(tmp_path / "part.yaml")
    assert contents.dataset_count == 4
    assert set(contents.runs) == {"Cam/runs/r1"} and not contents.chains and not contents.collections
    assert [r["id"] for r in contents.records["visit"]] == [2]
    # Without --transfer no file is written and the paths are those inside REPO's datastore.
    assert all((lsst_v8_repo / e.path).is_file() for entries in contents.datasets.values() for e in entries)


def test_export_of_a_chain_brings_its_children_and_find_first_picks_the_first(lsst_v8_repo, tmp_path,
                                                                            invoke) -> None:
    result = invoke("export", lsst_v8_repo, tmp_path / "chain.yaml", "-d", "summary", "--collections",
                    "Cam/defaults", "--find-first")
    assert result.exit_code == 0, result.output
    contents = read_export(tmp_path / "chain.yaml")
    assert contents.dataset_count == 12  # visit 1 detectors 0-1 from r2, the other ten from r1
    assert contents.chains == {"Cam/defaults": ["Cam/runs/r2", "Cam/runs/r1", "Cam/calib"]}
    assert set(contents.runs) == {"Cam/runs/r1", "Cam/runs/r2"}
    assert contents.collections == {"Cam/calib": contents.collections["Cam/calib"]}


def test_lsst_import_command_line_works_unchanged(lsst_v8_repo, tmp_path, invoke, kit) -> None:
    # As in LSST's docs: butler import REPO DIRECTORY --export-file FILE [-t MODE] [-s ELEMENT ...]
    new = tmp_path / "new"
    Butler.makeRepo(new)
    result = invoke("import", new, kit.files, "--export-file", kit.data / "lsst_v8.yaml", "-t", "copy",
                    "-s", "visit_system_membership,visit_definition", "--no-track-file-attrs")
    assert result.exit_code == 0, result.output
    with Butler(new) as butler:
        assert butler.registry.queryDimensionRecords("visit_definition") == []
        assert len(butler.registry.queryDimensionRecords("visit_detector_region")) == 12


def test_import_finds_export_yaml_in_directory_by_default(tmp_path, invoke, kit) -> None:
    directory = tmp_path / "exported"
    shutil.copytree(kit.files, directory)
    shutil.copy(kit.data / "lsst_v7.yaml", directory / "export.yaml")
    new = tmp_path / "new"
    Butler.makeRepo(new)
    result = invoke("import", new, directory)
    assert result.exit_code == 0, result.output
    assert "Imported 42 new datasets" in result.output


def test_import_reports_universe_conversions(tmp_path, invoke, kit) -> None:
    new = tmp_path / "new"
    Butler.makeRepo(new)
    result = invoke("import", new, kit.files, "--export-file", kit.data / "lsst_v5.yaml")
    assert result.exit_code == 0, result.output
    assert "Converted: universe 5 -> 6: made 2 group records from exposure.group_name" in result.output
    assert "Converted: universe 6 -> 7: set exposure.can_see_sky" in result.output


def test_import_of_a_bad_file_is_one_line_error_and_leaves_repo_unchanged(tmp_path, invoke, kit) -> None:
    new = tmp_path / "new"
    Butler.makeRepo(new)
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 9.0.0\ndata: []\n")
    with Butler(new) as butler:
        before = kit.snapshot(butler)
    result = invoke("import", new, tmp_path, "--export-file", bad)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: Cannot read repository export file with version=9.0.0 (1.0.x required)."]
    with Butler(new) as butler:
        assert kit.snapshot(butler) == before


def test_import_transfer_auto_copies_and_direct_leaves_files_in_place(tmp_path, invoke, kit) -> None:
    export_file = kit.data / "lsst_v8.yaml"
    for mode in ("auto", "direct"):
        new = tmp_path / mode
        Butler.makeRepo(new)
        result = invoke("import", new, kit.files, "--export-file", export_file, "--transfer", mode)
        assert result.exit_code == 0, result.output
        with Butler(new) as butler:
            ref = butler.find_dataset("bias", instrument="Cam", detector=2, collections="Cam/calib/bias2")
            inside = butler.getURI(ref).ospath.startswith(str(new))
            assert inside == (mode == "auto")
            assert butler.get(ref) == {"detector": 2, "version": 2}


def test_export_transfer_without_directory_is_a_usage_error(lsst_v8_repo, tmp_path, invoke) -> None:
    result = invoke("export", lsst_v8_repo, tmp_path / "x.yaml", "--transfer", "copy")
    assert result.exit_code == 2
    assert "--transfer needs --directory" in result.output
    assert not (tmp_path / "x.yaml").exists()


def test_export_of_an_unknown_dataset_type_is_a_one_line_error(lsst_v8_repo, tmp_path, invoke) -> None:
    result = invoke("export", lsst_v8_repo, tmp_path / "x.yaml", "-d", "nosuch")
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "nosuch" in result.output
    assert not (tmp_path / "x.yaml").exists()


def test_help_has_summary_and_example(invoke) -> None:
    for verb in ("export", "import"):
        result = invoke(verb, "--help")
        assert result.exit_code == 0
        assert "Example:" in result.output
    assert "--skip-dimensions" in invoke("import", "--help").output
    assert "--find-first" in invoke("export", "--help").output
