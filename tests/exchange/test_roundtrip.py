"""Exports we write: they re-import here identically, LSST imports them, and the format stays put.

``lsst_v8_repo`` is a repository holding LSST's v8 export (imported by us).
Its export must give, imported into a fresh repository here or into a fresh
LSST repository (LSST's venv in a subprocess), the answers LSST recorded.
``data/ours_v8.yaml`` is such an export, committed: it must still parse
with plain YAML and our reader, import, and be exactly what export writes.
"""

from __future__ import annotations

import filecmp
import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest
import yaml

from butler import Butler
from butler.exchange import read_export


def _export(butler: Butler, kit, directory: Path, transfer: str | None = "copy",
            filename: str = "export.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    kit.questions.export_everything(butler, directory, filename, transfer=transfer)
    return directory / filename


def test_export_then_import_into_fresh_repo_gives_identical_answers_and_files(lsst_v8_repo, new_repo, kit,
                                                                              expected, tmp_path) -> None:
    with Butler(lsst_v8_repo) as source:
        source_answers = kit.answers(source)
        export_file = _export(source, kit, tmp_path / "out")
        target = new_repo("target")
        summary = target.import_(directory=tmp_path / "out", filename=export_file, transfer="copy")
        assert summary.datasets == 42 and summary.files == 42
        assert kit.answers(target) == source_answers == expected["v8"]
        for dataset_type in ("summary", "rawInfo", "coaddInfo", "bias"):
            for ref in source.registry.queryDatasets(dataset_type, collections=...):
                assert filecmp.cmp(source.getURI(ref).ospath, target.getURI(ref).ospath, shallow=False)


def test_runs_keep_their_host_and_timespan_through_a_round_trip(lsst_v8_repo, new_repo, kit,
                                                                tmp_path) -> None:
    import sqlalchemy as sa

    with Butler(lsst_v8_repo, writeable=True) as source:
        registry = source.registry
        run = registry.tables.run
        key = registry.collections_manager.find("Cam/runs/r1").key
        registry.db.execute(run.update().where(run.c.collection_id == key).values(
            host="observatory", timespan_begin=1_700_000_000_000_000_000,
            timespan_end=1_700_000_060_000_000_000))
        export_file = _export(source, kit, tmp_path / "out")
    target = new_repo("target")
    target.import_(directory=tmp_path / "out", filename=export_file, transfer="copy")
    key = target.registry.collections_manager.find("Cam/runs/r1").key
    row = target.registry.db.fetch_all(sa.select(run.c.host, run.c.timespan_begin, run.c.timespan_end).where(
        run.c.collection_id == key))[0]
    assert tuple(row) == ("observatory", 1_700_000_000_000_000_000, 1_700_000_060_000_000_000)


@pytest.mark.skipif(not Path("/work/lsst-venv/bin/python").exists(), reason="LSST's venv is not installed")
def test_lsst_imports_our_export_and_answers_the_same(lsst_v8_repo, kit, expected, tmp_path) -> None:
    with Butler(lsst_v8_repo) as source:
        export_file = _export(source, kit, tmp_path / "out")
    output = tmp_path / "lsst_answers.json"
    command = [str(kit.lsst_python), str(kit.data / "make_lsst_exports.py"), "--answer", str(export_file),
               str(tmp_path / "out"), str(output)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    with open(output) as stream:
        lsst_answers = json.load(stream)
    assert lsst_answers == expected["v8"]


def test_our_export_fixture_parses_with_plain_yaml(kit) -> None:
    with open(kit.data / "ours_v8.yaml") as stream:
        document = yaml.load(stream, Loader=yaml.BaseLoader)  # any YAML reader: tags become plain values
    assert document["description"] == "Butler Data Repository Export"
    assert document["version"] == "1.0.2"
    assert (document["universe_version"], document["universe_namespace"]) == ("8", "daf_butler")
    kinds = {entry["type"] for entry in document["data"]}
    assert kinds == {"dimension", "collection", "dataset_type", "dataset", "associations"}
    visit = next(e for e in document["data"] if e.get("element") == "visit")["records"][0]
    assert set(visit["region"]) == {"encoded"} and visit["datetime_begin"].startswith("2024-01-01 02:00:00.0")


def test_our_export_fixture_reads_with_typed_values_and_imports(kit, new_repo, expected) -> None:
    contents = read_export(kit.data / "ours_v8.yaml")
    assert (contents.format_version, contents.universe_version) == ((1, 0, 2), 8)
    assert contents.dataset_count == 42
    ids = [i for entries in contents.datasets.values() for entry in entries for i in entry.ids]
    assert len(ids) == 42 and all(isinstance(i, uuid.UUID) for i in ids)
    assert {t.name: t.is_calibration for t in contents.dataset_types.values()} == {
        "bias": True, "coaddInfo": False, "rawInfo": False, "summary": False}
    assert contents.chains["all"] == ["Cam/defaults", "skymaps/coadd", "Cam/tagged/best"]
    assert [len(ids) for _, ids in contents.certified["Cam/calib"]] == [4, 4]
    butler = new_repo()
    butler.import_(directory=kit.files, filename=kit.data / "ours_v8.yaml", transfer="copy")
    assert kit.answers(butler) == expected["v8"]


def test_our_export_fixture_is_what_export_writes(lsst_v8_repo, kit, tmp_path) -> None:
    with Butler(lsst_v8_repo) as source:
        written = _export(source, kit, tmp_path, transfer=None)
    assert written.read_text() == (kit.data / "ours_v8.yaml").read_text(), (
        "The export format changed; if deliberately, regenerate with "
        ".venv/bin/python tests/exchange/data/make_our_export.py")


def test_save_data_ids_brings_the_records_visits_populate(lsst_v8_repo, tmp_path) -> None:
    with Butler(lsst_v8_repo) as butler, butler.export(filename=tmp_path / "ids.yaml") as export:
        export.saveDataIds([{"instrument": "Cam", "visit": 2}])
    contents = read_export(tmp_path / "ids.yaml")
    records = contents.records
    assert [r["id"] for r in records["visit"]] == [2]
    assert sorted(r["detector"] for r in records["visit_detector_region"]) == [0, 1, 2, 3]
    assert [(r["exposure"], r["visit"]) for r in records["visit_definition"]] == [(102, 2)]
    assert [r["visit"] for r in records["visit_system_membership"]] == [2]
    assert [r["id"] for r in records["exposure"]] == [102]  # needed by the visit_definition record
    assert sorted(r["id"] for r in records["detector"]) == [0, 1, 2, 3]
    assert "band" not in records  # band records derive from physical_filter


def test_save_datasets_exports_runs_types_records_and_parents_of_components(lsst_v8_repo, tmp_path) -> None:
    with Butler(lsst_v8_repo) as butler:
        refs = butler.query_datasets("coaddInfo", collections="skymaps/coadd", where="patch = 4",
                                     skymap="sky")
        with butler.export(directory=tmp_path, filename="part.yaml", transfer="copy") as export:
            export.saveDatasets(refs + refs)  # duplicates are ignored
            export.saveCollection("Cam/tagged/best")
    contents = read_export(tmp_path / "part.yaml")
    assert contents.dataset_count == 2 and set(contents.runs) == {"skymaps/coadd"}
    assert set(contents.collections) == {"Cam/tagged/best"}
    assert contents.tagged == {}  # the tagged coadds are of patch 0, not exported
    assert [r["id"] for r in contents.records["patch"]] == [4]
    for entries in contents.datasets.values():
        for entry in entries:
            assert (tmp_path / entry.path).is_file()
            assert entry.formatter == "lsst.daf.butler.formatters.yaml.YamlFormatter"


def test_rewrite_changes_exported_paths(lsst_v8_repo, tmp_path) -> None:
    def flat(file_dataset):
        file_dataset.path = os.path.basename(file_dataset.path)
        return file_dataset

    with Butler(lsst_v8_repo) as butler, butler.export(filename=tmp_path / "flat.yaml") as export:
        export.saveDatasets(butler.query_datasets("bias", collections="Cam/calib/bias1"), rewrite=flat)
    paths = [e.path for entries in read_export(tmp_path / "flat.yaml").datasets.values() for e in entries]
    assert paths == [f"bias_Cam_D{d}_Cam_calib_bias1.yaml" for d in range(4)]


def test_export_with_transfer_direct_writes_absolute_locations_that_import_in_place(lsst_v8_repo, new_repo,
                                                                                    tmp_path) -> None:
    with Butler(lsst_v8_repo) as butler, butler.export(filename=tmp_path / "direct.yaml",
                                                       transfer="direct") as ex:
        ex.saveDatasets(butler.query_datasets("bias", collections="Cam/calib/bias2"))
    contents = read_export(tmp_path / "direct.yaml")
    paths = [e.path for entries in contents.datasets.values() for e in entries]
    assert all(p.startswith(str(lsst_v8_repo)) or p.startswith("file://") for p in paths)
    target = new_repo("direct-target")
    target.import_(filename=tmp_path / "direct.yaml", transfer="direct")
    ref = target.find_dataset("bias", instrument="Cam", detector=3, collections="Cam/calib/bias2")
    assert target.get(ref) == {"detector": 3, "version": 2}


def test_failing_export_block_writes_no_file(lsst_v8_repo, tmp_path) -> None:
    with Butler(lsst_v8_repo) as butler, pytest.raises(RuntimeError, match="stop"):
        with butler.export(filename=tmp_path / "never.yaml") as export:
            export.saveCollection("all")
            raise RuntimeError("stop")
    assert not (tmp_path / "never.yaml").exists()


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"transfer": "copy"}, TypeError, "without providing a directory"),
    ({"transfer": "move", "directory": "."}, TypeError, "read-only"),
    ({"format": "json"}, ValueError, "Unknown export format 'json'"),
])
def test_export_refuses_bad_arguments(lsst_v8_repo, tmp_path, kwargs, error, match) -> None:
    with Butler(lsst_v8_repo) as butler, pytest.raises(error, match=match):
        with butler.export(filename=tmp_path / "x.yaml", **kwargs):
            pass
