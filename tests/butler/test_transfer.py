"""Moving datasets between repositories (``transfer_from``) and out of one (``retrieveArtifacts``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from astropy.table import Table

from butler import Butler, ConflictingDefinitionError, MissingDatasetTypeError


@pytest.fixture
def source(local_butler: Butler) -> tuple[Butler, list]:
    """The SQLite ``local_butler`` with summaries (run1, visits 1-3) and a catalog (run2, visit 1)."""
    refs = [local_butler.put({"visit": v}, "summary", instrument="Cam", visit=v, detector=0)
            for v in (1, 2, 3)]
    local_butler.collections.register("run2")
    refs.append(local_butler.put(Table({"id": [1, 2]}), "catalog", instrument="Cam", visit=1, run="run2"))
    return local_butler, refs


@pytest.fixture
def empty_target(tmp_path: Path, db_url: str | None, open_butlers) -> Butler:
    """A writeable butler on a new, empty repository (SQLite or PostgreSQL registry)."""
    root = tmp_path / "target"
    config = {"registry": {"db": db_url}} if db_url else None
    Butler.makeRepo(str(root), config=config)
    return open_butlers(str(root), writeable=True)


def test_transfer_from_copies_datasets_with_their_ids_runs_types_and_records(source, empty_target: Butler,
                                                                             dataset_files):
    source_butler, refs = source
    transferred = empty_target.transfer_from(source_butler, refs, register_dataset_types=True,
                                             transfer_dimensions=True)
    assert {r.id for r in transferred} == {r.id for r in refs}
    assert set(empty_target.collections.query("run*")) == {"run1", "run2"}
    for ref in refs:
        copied = empty_target.get_dataset(ref.id)
        assert copied is not None and copied.run == ref.run and copied.dataId == ref.dataId
    assert [empty_target.get(r) for r in refs[:3]] == [{"visit": v} for v in (1, 2, 3)]
    assert list(empty_target.get(refs[3])["id"]) == [1, 2]
    assert empty_target.get("summary", instrument="Cam", visit=2, detector=0,
                            collections="run1") == {"visit": 2}
    assert empty_target.get_dataset_type("catalog") == source_butler.get_dataset_type("catalog")
    visit = empty_target.query_dimension_records("visit", where="visit = 2", instrument="Cam")[0]
    assert visit.name == "v2" and visit.physical_filter == "Cam-g"
    assert dataset_files(empty_target) == dataset_files(source_butler)
    # The files are copies: removing the source leaves the target intact.
    source_butler.removeRuns(["run1"])
    assert empty_target.get(refs[0]) == {"visit": 1}


def test_transfer_from_can_be_repeated(source, empty_target: Butler, row_counts, dataset_files):
    source_butler, refs = source
    empty_target.transfer_from(source_butler, refs, register_dataset_types=True, transfer_dimensions=True)
    rows, files = row_counts(empty_target), dataset_files(empty_target)
    again = empty_target.transfer_from(source_butler, refs, register_dataset_types=True,
                                       transfer_dimensions=True)
    assert {r.id for r in again} == {r.id for r in refs}
    assert row_counts(empty_target) == rows and dataset_files(empty_target) == files
    # New datasets in the source come along on the next transfer; old ones are skipped.
    more = source_butler.put({"visit": 4}, "summary", instrument="Cam", visit=4, detector=0)
    empty_target.transfer_from(source_butler, refs + [more], register_dataset_types=True,
                               transfer_dimensions=True)
    assert empty_target.get(more) == {"visit": 4}


def test_transfer_from_needs_permission_to_register_dataset_types(source, empty_target: Butler, row_counts):
    source_butler, refs = source
    rows = row_counts(empty_target)
    with pytest.raises(MissingDatasetTypeError, match="register_dataset_types"):
        empty_target.transfer_from(source_butler, refs, transfer_dimensions=True)
    assert row_counts(empty_target) == rows


def test_transfer_from_without_dimension_records_fails_cleanly(source, empty_target: Butler, row_counts,
                                                               dataset_files):
    source_butler, refs = source
    rows = row_counts(empty_target)
    with pytest.raises(ConflictingDefinitionError, match="transfer_dimensions"):
        empty_target.transfer_from(source_butler, refs, register_dataset_types=True)
    assert row_counts(empty_target) == rows  # no datasets, no runs
    assert dataset_files(empty_target) == []


def test_transfer_from_dry_run_changes_nothing(source, empty_target: Butler, row_counts, dataset_files):
    source_butler, refs = source
    empty_target.registry.registerDatasetType(source_butler.get_dataset_type("summary"))
    empty_target.registry.registerDatasetType(source_butler.get_dataset_type("catalog"))
    rows = row_counts(empty_target)
    planned = empty_target.transfer_from(source_butler, refs, transfer_dimensions=True, dry_run=True)
    assert {r.id for r in planned} == {r.id for r in refs}
    assert row_counts(empty_target) == rows and dataset_files(empty_target) == []


@pytest.mark.parametrize("preserve_path", [True, False])
def test_retrieve_artifacts_copies_files_to_a_directory(source, tmp_path: Path, preserve_path: bool):
    source_butler, refs = source
    destination = tmp_path / "retrieved"
    paths = source_butler.retrieveArtifacts(refs, destination, preserve_path=preserve_path)
    assert len(paths) == len(refs)
    for path, ref in zip(paths, refs):
        stored = source_butler.getURI(ref)
        assert os.path.exists(path) and not os.path.samefile(path, stored.ospath)
        assert Path(path).read_bytes() == Path(stored.ospath).read_bytes()
        if preserve_path:
            inside_root = os.path.relpath(stored.ospath, source_butler._config.root)
            assert os.path.relpath(path, destination) == inside_root
        else:
            assert os.path.dirname(path) == str(destination) and os.path.basename(path) == stored.basename()
    # Retrieving the same files again is harmless.
    assert source_butler.retrieveArtifacts(refs, destination, preserve_path=preserve_path) == paths


def test_transfer_from_succeeds_once_the_missing_records_are_inserted(source, empty_target: Butler):
    source_butler, refs = source
    with pytest.raises(ConflictingDefinitionError, match="instrument"):
        empty_target.transfer_from(source_butler, refs[:1], register_dataset_types=True)
    with empty_target.transaction():
        for element in ("instrument", "physical_filter", "day_obs", "detector", "visit"):
            records = source_butler.query_dimension_records(element, limit=None)
            empty_target.registry.insertDimensionData(element, *records)
    empty_target.transfer_from(source_butler, refs[:1], register_dataset_types=True)
    assert empty_target.get(refs[0]) == {"visit": 1}


def test_transfer_dimension_records_from_copies_the_records_of_datasets(source, empty_target: Butler):
    source_butler, refs = source
    empty_target.transfer_dimension_records_from(source_butler, refs[:2])
    visits = empty_target.query_dimension_records("visit", instrument="Cam", order_by="visit")
    assert [(v.id, v.name, v.physical_filter) for v in visits] == [(1, "v1", "Cam-r"), (2, "v2", "Cam-g")]
    assert [d.full_name for d in empty_target.query_dimension_records("detector", instrument="Cam")] == ["D0"]
    # Data IDs work too, and records already there are kept.
    data_id = source_butler.registry.expandDataId(instrument="Cam", visit=3, detector=1)
    empty_target.transfer_dimension_records_from(source_butler, [data_id, refs[0]])
    assert len(empty_target.query_dimension_records("visit", instrument="Cam")) == 3
    empty_target.transfer_from(source_butler, refs[:1], register_dataset_types=True)
    assert empty_target.get(refs[0]) == {"visit": 1}
