"""``Butler.ingest``: every transfer mode, idempotent re-ingest, and all-or-nothing failures.

Transfer modes are file-system behaviour, so they run on SQLite only
(``local_butler``); the all-or-nothing guarantees, which rest on the
registry's transactions, run on both backends (``butler``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from butler import (
    Butler,
    ConflictingDefinitionError,
    DatasetIdGenEnum,
    DatasetRef,
    DatasetType,
    FileDataset,
    MissingCollectionError,
)


def _write(path: Path, content: dict) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(content))
    return str(path)


def _raw_ref(butler: Butler, exposure: int, detector: int, run: str = "raw/all",
             mode: DatasetIdGenEnum = DatasetIdGenEnum.UNIQUE) -> DatasetRef:
    data_id = {"instrument": "Cam", "exposure": exposure, "detector": detector}
    return DatasetRef(butler.get_dataset_type("raw"), data_id, run=run, id_generation_mode=mode)


def _inside(path: str, root: str) -> bool:
    return os.path.realpath(path).startswith(os.path.realpath(root) + os.sep)


@pytest.mark.parametrize(
    ("mode", "source_kept", "is_symlink", "same_inode"),
    [
        ("copy", True, False, False),
        ("move", False, False, None),  # a rename on one file system keeps the inode
        ("symlink", True, True, False),
        ("relsymlink", True, True, False),
        ("hardlink", True, False, True),
        ("auto", True, False, False),
    ],
)
def test_ingest_transfer_modes_put_the_file_under_the_template_path(
        local_butler: Butler, tmp_path: Path, mode: str, source_kept: bool, is_symlink: bool,
        same_inode: bool | None):
    source = _write(tmp_path / "incoming" / f"{mode}.yaml", {"mode": mode})
    source_inode = os.stat(source).st_ino
    ref = _raw_ref(local_butler, 1, 0)
    local_butler.ingest(FileDataset(source, ref), transfer=mode)

    uri = local_butler.getURI(ref)
    assert _inside(uri.ospath, local_butler._config.root) or is_symlink
    assert uri.ospath.startswith(os.path.join(local_butler._config.root, "raw", "all", "raw"))
    assert uri.basename() == "raw_Cam_Cam-r_e1_D0_raw_all.yaml"
    assert os.path.exists(source) == source_kept
    assert os.path.islink(uri.ospath) == is_symlink
    if mode == "relsymlink":
        assert not os.path.isabs(os.readlink(uri.ospath))
    if same_inode is not None:
        assert (os.stat(uri.ospath).st_ino == source_inode) == (same_inode or is_symlink)
    assert local_butler.get(ref) == {"mode": mode}
    by_data_id = local_butler.get("raw", instrument="Cam", exposure=1, detector=0, collections="raw/all")
    assert by_data_id == {"mode": mode}


def test_direct_ingest_records_the_file_where_it_is_and_never_deletes_it(local_butler: Butler,
                                                                         tmp_path: Path):
    source = _write(tmp_path / "archive" / "direct.yaml", {"mode": "direct"})
    ref = _raw_ref(local_butler, 1, 0, run="raw/direct")
    local_butler.ingest(FileDataset(source, ref), transfer="direct")
    assert os.path.realpath(local_butler.getURI(ref).ospath) == os.path.realpath(source)
    assert local_butler.get(ref) == {"mode": "direct"}
    local_butler.removeRuns(["raw/direct"])
    assert os.path.exists(source)
    assert local_butler.get_dataset(ref.id) is None


def test_ingest_without_transfer_takes_a_file_already_inside_the_root(local_butler: Butler, tmp_path: Path,
                                                                      row_counts):
    root = local_butler._config.root
    inside = _write(Path(root) / "staged" / "x.yaml", {"staged": True})
    ref = _raw_ref(local_butler, 2, 0)
    local_butler.ingest(FileDataset(inside, ref), transfer=None)
    assert os.path.realpath(local_butler.getURI(ref).ospath) == os.path.realpath(inside)
    assert local_butler.get(ref) == {"staged": True}

    # A file outside the root cannot be ingested in place; nothing is recorded.
    rows = row_counts(local_butler)
    outside = _write(tmp_path / "outside.yaml", {"staged": False})
    with pytest.raises(RuntimeError, match="outside.yaml"):
        local_butler.ingest(FileDataset(outside, _raw_ref(local_butler, 2, 1)), transfer=None)
    assert row_counts(local_butler) == rows


def test_ingest_registers_missing_runs_and_dataset_types(local_butler: Butler, tmp_path: Path):
    new_type = DatasetType("guide_log", ("instrument", "exposure"), "StructuredDataDict",
                           universe=local_butler.dimensions)
    ref = DatasetRef(new_type, {"instrument": "Cam", "exposure": 3}, run="logs/2024")
    local_butler.ingest(FileDataset(_write(tmp_path / "log.yaml", {"ok": 1}), ref), transfer="copy")
    assert local_butler.get_dataset_type("guide_log") == new_type
    assert "logs/2024" in local_butler.collections.query("logs/*")
    assert local_butler.get("guide_log", instrument="Cam", exposure=3, collections="logs/2024") == {"ok": 1}


def test_reingest_with_dataid_type_run_ids_is_idempotent_with_skip_existing(butler: Butler, tmp_path: Path,
                                                                           row_counts, dataset_files):
    source = _write(tmp_path / "raw.yaml", {"exposure": 3})
    first = _raw_ref(butler, 3, 0, mode=DatasetIdGenEnum.DATAID_TYPE_RUN)
    butler.ingest(FileDataset(source, first), transfer="copy")
    rows, files = row_counts(butler), dataset_files(butler)

    second = _raw_ref(butler, 3, 0, mode=DatasetIdGenEnum.DATAID_TYPE_RUN)
    assert second.id == first.id  # deterministic: same type, data ID and run
    butler.ingest(FileDataset(source, second), transfer="copy", skip_existing=True)
    assert row_counts(butler) == rows and dataset_files(butler) == files
    assert [r.id for r in butler.query_datasets("raw", collections="raw/all")] == [first.id]

    # Together with new files, only the new ones are ingested.
    other = _raw_ref(butler, 3, 1, mode=DatasetIdGenEnum.DATAID_TYPE_RUN)
    butler.ingest(FileDataset(source, second), FileDataset(_write(tmp_path / "d1.yaml", {"d": 1}), other),
                  transfer="copy", skip_existing=True)
    assert sorted(r.dataId["detector"] for r in butler.query_datasets("raw", collections="raw/all")) == [0, 1]
    assert butler.get(other) == {"d": 1}


def test_reingest_without_skip_existing_is_a_conflict_that_changes_nothing(butler: Butler, tmp_path: Path,
                                                                          row_counts, dataset_files):
    """As in LSST: the datastore already holds those datasets."""
    source = _write(tmp_path / "raw.yaml", {"exposure": 3})
    ref = _raw_ref(butler, 3, 0, mode=DatasetIdGenEnum.DATAID_TYPE_RUN)
    butler.ingest(FileDataset(source, ref), transfer="copy")
    rows, files = row_counts(butler), dataset_files(butler)
    new = _raw_ref(butler, 3, 1, mode=DatasetIdGenEnum.DATAID_TYPE_RUN, run="raw/other")
    with pytest.raises(ConflictingDefinitionError, match="skip_existing"):
        butler.ingest(FileDataset(source, new), FileDataset(source, ref), transfer="copy")
    assert row_counts(butler) == rows and dataset_files(butler) == files
    # A fresh UNIQUE id for an existing data ID and run conflicts even with skip_existing.
    with pytest.raises(ConflictingDefinitionError, match="raw"):
        butler.ingest(FileDataset(source, _raw_ref(butler, 3, 0)), transfer="copy", skip_existing=True)
    assert row_counts(butler) == rows and dataset_files(butler) == files


def test_ingest_stores_the_file_of_a_dataset_the_registry_already_knows(local_butler: Butler, tmp_path: Path):
    (registered,) = local_butler.registry.insertDatasets(
        "raw", [{"instrument": "Cam", "exposure": 2, "detector": 2}], run="run1",
        idGenerationMode=DatasetIdGenEnum.DATAID_TYPE_RUN)
    ref = _raw_ref(local_butler, 2, 2, run="run1", mode=DatasetIdGenEnum.DATAID_TYPE_RUN)
    assert ref.id == registered.id
    local_butler.ingest(FileDataset(_write(tmp_path / "late.yaml", {"late": True}), ref), transfer="copy")
    assert local_butler.get("raw", instrument="Cam", exposure=2, detector=2) == {"late": True}


def test_ingest_of_a_missing_file_raises_and_ingests_nothing(butler: Butler, tmp_path: Path, row_counts,
                                                            dataset_files):
    rows = row_counts(butler)
    missing = str(tmp_path / "nope.yaml")
    with pytest.raises(FileNotFoundError, match="nope.yaml"):
        butler.ingest(FileDataset(missing, _raw_ref(butler, 1, 0, run="raw/new")), transfer="copy")
    assert row_counts(butler) == rows
    assert dataset_files(butler) == []
    with pytest.raises(MissingCollectionError):
        butler.collections.get_info("raw/new")


@pytest.mark.parametrize("mode", ["copy", "move", "symlink"])
def test_a_multi_file_ingest_where_one_file_fails_leaves_nothing(local_butler: Butler, tmp_path: Path,
                                                                 mode: str, row_counts, dataset_files):
    sources = [_write(tmp_path / f"raw{d}.yaml", {"detector": d}) for d in range(3)]
    datasets = [FileDataset(s, _raw_ref(local_butler, 2, d)) for d, s in enumerate(sources)]
    datasets.append(FileDataset(str(tmp_path / "missing.yaml"), _raw_ref(local_butler, 2, 3)))
    rows = row_counts(local_butler)
    with pytest.raises(FileNotFoundError, match="missing.yaml"):
        local_butler.ingest(*datasets, transfer=mode)
    assert row_counts(local_butler) == rows
    assert dataset_files(local_butler) == []
    # Moved files are put back where they were.
    assert all(os.path.exists(s) for s in sources)
    # ... and the good files can then be ingested.
    local_butler.ingest(*datasets[:3], transfer=mode)
    assert [local_butler.get(d.refs[0])["detector"] for d in datasets[:3]] == [0, 1, 2]


def test_a_conflict_in_a_multi_file_ingest_leaves_nothing(butler: Butler, tmp_path: Path, row_counts,
                                                         dataset_files):
    existing = _raw_ref(butler, 4, 0)
    butler.ingest(FileDataset(_write(tmp_path / "a.yaml", {"a": 1}), existing), transfer="copy")
    rows, files = row_counts(butler), dataset_files(butler)
    new = [FileDataset(_write(tmp_path / f"b{d}.yaml", {"d": d}), _raw_ref(butler, 4, d)) for d in (1, 2)]
    duplicate = FileDataset(_write(tmp_path / "dup.yaml", {"dup": 1}), _raw_ref(butler, 4, 0))
    with pytest.raises(ConflictingDefinitionError):
        butler.ingest(*new, duplicate, transfer="copy")
    assert row_counts(butler) == rows and dataset_files(butler) == files
    assert butler.get(existing) == {"a": 1}


def test_ingest_of_several_files_in_one_call(local_butler: Butler, tmp_path: Path):
    datasets = [FileDataset(_write(tmp_path / f"e{e}d{d}.yaml", {"e": e, "d": d}),
                            _raw_ref(local_butler, e, d)) for e in (1, 2) for d in (0, 1)]
    local_butler.ingest(*datasets, transfer="copy")
    refs = local_butler.query_datasets("raw", collections="raw/all", order_by=["exposure", "detector"])
    assert [(r.dataId["exposure"], r.dataId["detector"]) for r in refs] == [(1, 0), (1, 1), (2, 0), (2, 1)]
    assert local_butler.get("raw", instrument="Cam", exposure=2, detector=1, collections="raw/all") == {
        "e": 2, "d": 1}


def test_unknown_transfer_mode_is_refused(local_butler: Butler, tmp_path: Path, row_counts):
    rows = row_counts(local_butler)
    with pytest.raises(NotImplementedError, match="teleport"):
        local_butler.ingest(FileDataset(_write(tmp_path / "x.yaml", {}), _raw_ref(local_butler, 1, 0)),
                            transfer="teleport")
    assert row_counts(local_butler) == rows
