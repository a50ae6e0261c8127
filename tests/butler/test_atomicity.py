"""All or nothing: transactions, failed writes, and recovery after a failure (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from butler import Butler, ConflictingDefinitionError, DatasetExistence
from butler.formatters.yaml import YamlFormatter


class _Unwritable:
    """An object the YAML formatter cannot represent (inside a dict that passes the type check)."""


def test_transaction_undoes_every_put_when_an_exception_escapes(butler: Butler, row_counts, dataset_files):
    rows = row_counts(butler)
    with pytest.raises(RuntimeError, match="boom"):
        with butler.transaction():
            butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
            butler.put({"a": 2}, "summary", instrument="Cam", visit=1, detector=1)
            assert len(dataset_files(butler)) == 2
            raise RuntimeError("boom")
    assert row_counts(butler) == rows
    assert dataset_files(butler) == []
    assert butler.find_dataset("summary", instrument="Cam", visit=1, detector=0) is None
    # The same puts succeed afterwards.
    butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
    assert butler.get("summary", instrument="Cam", visit=1, detector=0) == {"a": 1}


def test_transaction_undoes_registry_changes_and_runs_too(butler: Butler, row_counts, dataset_files):
    rows = row_counts(butler)
    with pytest.raises(ValueError):
        with butler.transaction():
            butler.collections.register("new/run")
            butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0, run="new/run")
            butler.registry.insertDimensionData("detector", {"instrument": "Cam", "id": 9, "full_name": "D9"})
            raise ValueError("undo all that")
    assert row_counts(butler) == rows and dataset_files(butler) == []
    assert "new/run" not in butler.collections.query("*")
    assert butler.query_dimension_records("detector", where="detector = 9", instrument="Cam",
                                          explain=False) == []


def test_a_failed_put_inside_a_transaction_can_be_caught_and_the_rest_kept(butler: Butler):
    butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
    with butler.transaction():
        butler.put({"a": 2}, "summary", instrument="Cam", visit=2, detector=0)
        with pytest.raises(ConflictingDefinitionError):
            butler.put({"a": 3}, "summary", instrument="Cam", visit=1, detector=0)
        butler.put({"a": 4}, "summary", instrument="Cam", visit=3, detector=0)
    assert [butler.get("summary", instrument="Cam", visit=v, detector=0)["a"] for v in (1, 2, 3)] == [1, 2, 4]


def test_a_write_failure_inside_put_leaves_no_row_and_no_file(butler: Butler, row_counts, dataset_files):
    rows = row_counts(butler)
    with pytest.raises(TypeError, match="YAML"):
        butler.put({"bad": _Unwritable()}, "summary", instrument="Cam", visit=1, detector=0)
    assert row_counts(butler) == rows and dataset_files(butler) == []
    assert butler.exists("summary", instrument="Cam", visit=1, detector=0) == DatasetExistence.UNRECOGNIZED
    butler.put({"good": True}, "summary", instrument="Cam", visit=1, detector=0)


def test_a_formatter_crash_after_writing_part_of_a_file_leaves_nothing(local_butler: Butler, row_counts,
                                                                       dataset_files, monkeypatch):
    def write_half_then_fail(self, obj, fs, path):
        with open(path, "w") as stream:
            stream.write("a: [1, 2")  # truncated YAML
        raise OSError("disk full")

    monkeypatch.setattr(YamlFormatter, "write", write_half_then_fail)
    rows = row_counts(local_butler)
    with pytest.raises(OSError, match="disk full"):
        local_butler.put({"a": [1, 2, 3]}, "summary", instrument="Cam", visit=1, detector=0)
    assert row_counts(local_butler) == rows and dataset_files(local_butler) == []


def test_the_repository_can_be_reopened_and_the_put_rerun_after_a_failure(butler: Butler, open_butlers,
                                                                          monkeypatch):
    def fail(self, obj, fs, path):
        raise OSError("lost the disk")

    with monkeypatch.context() as patch:
        patch.setattr(YamlFormatter, "write", fail)
        with pytest.raises(OSError):
            with butler.transaction():
                butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
    butler.close()

    reopened = open_butlers(butler._config.root, run="run1")
    assert reopened.find_dataset("summary", instrument="Cam", visit=1, detector=0) is None
    ref = reopened.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
    assert reopened.get(ref) == {"a": 1}
    reader = open_butlers(butler._config.root, collections="run1")
    assert reader.get("summary", instrument="Cam", visit=1, detector=0) == {"a": 1}


def test_a_failed_transaction_does_not_remove_files_written_before_it(local_butler: Butler, dataset_files):
    kept = local_butler.put({"kept": True}, "summary", instrument="Cam", visit=1, detector=0)
    files = dataset_files(local_butler)
    with pytest.raises(KeyError):
        with local_butler.transaction():
            local_butler.put({"a": 2}, "summary", instrument="Cam", visit=2, detector=0)
            raise KeyError("abandon")
    assert dataset_files(local_butler) == files
    assert local_butler.get(kept) == {"kept": True}


def test_a_failed_write_caught_inside_a_transaction_leaves_no_row(butler: Butler, dataset_files):
    """The put's own changes are undone even though the enclosing transaction goes on and commits."""
    with butler.transaction():
        butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
        with pytest.raises(TypeError):
            butler.put({"bad": _Unwritable()}, "summary", instrument="Cam", visit=2, detector=0)
        butler.put({"a": 3}, "summary", instrument="Cam", visit=3, detector=0)
    assert butler.find_dataset("summary", instrument="Cam", visit=2, detector=0) is None
    assert sorted(r.dataId["visit"] for r in butler.query_datasets("summary", instrument="Cam")) == [1, 3]
    assert len(dataset_files(butler)) == 2


def test_a_failed_ingest_caught_inside_a_transaction_leaves_nothing(butler: Butler, tmp_path, row_counts,
                                                                   dataset_files):
    from butler import DatasetRef, FileDataset

    raw = butler.get_dataset_type("raw")
    good = tmp_path / "good.yaml"
    good.write_text("a: 1\n")
    datasets = [FileDataset(path, DatasetRef(raw, {"instrument": "Cam", "exposure": 1, "detector": d},
                                             run="raw/new"))
                for d, path in enumerate([str(good), str(tmp_path / "missing.yaml")])]
    rows = row_counts(butler)
    with butler.transaction():
        with pytest.raises(FileNotFoundError):
            butler.ingest(*datasets, transfer="copy")
    assert row_counts(butler) == rows and dataset_files(butler) == []


def test_an_inner_transaction_that_fails_removes_its_own_files(local_butler: Butler, dataset_files):
    with local_butler.transaction():
        local_butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
        with pytest.raises(RuntimeError):
            with local_butler.transaction():
                local_butler.put({"b": 2}, "summary", instrument="Cam", visit=2, detector=0)
                raise RuntimeError("inner")
    assert local_butler.find_dataset("summary", instrument="Cam", visit=2, detector=0) is None
    assert len(dataset_files(local_butler)) == 1
