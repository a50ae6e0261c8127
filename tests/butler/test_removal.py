"""Removing runs, datasets and dataset types: what goes, what stays, and the argument errors."""

from __future__ import annotations

import warnings

import pytest

from butler import (
    Butler,
    CollectionType,
    CollectionTypeError,
    DatasetExistence,
    MissingCollectionError,
    MissingDatasetTypeError,
    OrphanedRecordError,
    Timespan,
)


def _put_visits(butler: Butler, run: str, visits=(1, 2, 3)) -> list:
    butler.collections.register(run)
    return [butler.put({"visit": v, "run": run}, "summary", instrument="Cam", visit=v, detector=0, run=run)
            for v in visits]


# removeRuns -------------------------------------------------------------------------------------------------


def test_remove_runs_deletes_the_datasets_and_their_files(butler: Butler, dataset_files):
    kept = _put_visits(butler, "keep")
    gone = _put_visits(butler, "gone")
    gone_paths = {butler.getURI(r).ospath for r in gone}
    butler.removeRuns(["gone"])

    assert "gone" not in butler.collections.query("*")
    assert all(butler.get_dataset(r.id) is None for r in gone)
    assert not any(path.endswith(tuple(dataset_files(butler))) for path in gone_paths)
    assert all(not p.startswith("gone/") for p in dataset_files(butler))
    assert [butler.get(r)["run"] for r in kept] == ["keep"] * 3
    # A single name works too.
    butler.removeRuns("keep")
    assert dataset_files(butler) == []


def test_remove_runs_refuses_unknown_and_non_run_collections(butler: Butler):
    _put_visits(butler, "r")
    butler.collections.register("tag", CollectionType.TAGGED)
    with pytest.raises(MissingCollectionError, match="'nosuch'"):
        butler.removeRuns(["nosuch"])
    with pytest.raises(CollectionTypeError, match="'tag'"):
        butler.removeRuns(["tag"])
    # Nothing was removed by the failed calls, even with a good name among them.
    with pytest.raises(MissingCollectionError):
        butler.removeRuns(["r", "nosuch"])
    assert len(butler.query_datasets("summary", collections="r")) == 3


def test_a_run_in_a_chain_is_removed_only_with_unlink_from_chains(butler: Butler):
    _put_visits(butler, "old")
    new = _put_visits(butler, "new", visits=(1,))
    butler.collections.register("chain", CollectionType.CHAINED)
    butler.collections.extend_chain("chain", ["new", "old"])
    with pytest.raises(OrphanedRecordError, match="chain"):
        butler.removeRuns(["old"])
    assert butler.collections.get_info("chain").children == ("new", "old")
    assert len(butler.query_datasets("summary", collections="old")) == 3

    butler.removeRuns(["old"], unlink_from_chains=True)
    assert butler.collections.get_info("chain").children == ("new",)
    assert [r.id for r in butler.query_datasets("summary", collections="chain")] == [new[0].id]


def test_removed_datasets_leave_tagged_and_calibration_collections(butler: Butler):
    refs = _put_visits(butler, "r")
    butler.collections.register("tag", CollectionType.TAGGED)
    butler.registry.associate("tag", refs)
    butler.collections.register("calib", CollectionType.CALIBRATION)
    bias = butler.put({"bias": 1}, "bias", instrument="Cam", detector=0, run="r")
    butler.registry.certify("calib", [bias], Timespan(None, None))
    butler.removeRuns(["r"])
    assert butler.query_datasets("summary", collections="tag", explain=False) == []
    assert butler.query_datasets("bias", collections="calib", find_first=False, explain=False) == []
    assert {"tag", "calib"} <= set(butler.collections.query("*"))


def test_remove_runs_unstore_argument_is_ignored_with_a_future_warning(local_butler: Butler, dataset_files):
    """As in LSST (v30): files are always deleted; passing ``unstore`` warns."""
    _put_visits(local_butler, "r")
    with pytest.warns(FutureWarning, match="unstore"):
        local_butler.removeRuns(["r"], unstore=False)
    assert dataset_files(local_butler) == []
    _put_visits(local_butler, "r2")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        local_butler.removeRuns(["r2"])


# pruneDatasets ----------------------------------------------------------------------------------------------


def test_prune_unstore_only_keeps_the_registry_entry(butler: Butler, dataset_files):
    refs = _put_visits(butler, "r")
    butler.pruneDatasets(refs[:1], disassociate=False, unstore=True)
    assert butler.exists(refs[0]) == DatasetExistence.RECORDED
    assert butler.get_dataset(refs[0].id) is not None
    assert butler.find_dataset("summary", instrument="Cam", visit=1, detector=0, collections="r") == refs[0]
    with pytest.raises(FileNotFoundError):
        butler.get(refs[0])
    assert len(dataset_files(butler)) == 2
    assert butler.exists(refs[1]) == DatasetExistence.VERIFIED


def test_prune_purge_removes_datasets_completely(butler: Butler, dataset_files):
    refs = _put_visits(butler, "r")
    butler.collections.register("tag", CollectionType.TAGGED)
    butler.registry.associate("tag", refs)
    butler.pruneDatasets(refs[:2], purge=True, unstore=True)
    expected = [DatasetExistence.UNRECOGNIZED] * 2 + [DatasetExistence.VERIFIED]
    assert [butler.exists(r) for r in refs] == expected
    assert butler.get_dataset(refs[0].id) is None
    assert [r.id for r in butler.query_datasets("summary", collections="tag")] == [refs[2].id]
    assert len(dataset_files(butler)) == 1


def test_prune_disassociates_from_tagged_collections_only(butler: Butler, dataset_files):
    refs = _put_visits(butler, "r")
    butler.collections.register("tag", CollectionType.TAGGED)
    butler.registry.associate("tag", refs)
    butler.pruneDatasets(refs[:1], tags=["tag"])
    assert sorted(r.dataId["visit"] for r in butler.query_datasets("summary", collections="tag")) == [2, 3]
    assert butler.exists(refs[0]) == DatasetExistence.VERIFIED
    assert len(dataset_files(butler)) == 3


def test_prune_argument_errors(local_butler: Butler):
    refs = _put_visits(local_butler, "r", visits=(1,))
    with pytest.raises(TypeError, match="tags"):
        local_butler.pruneDatasets(refs)  # disassociate=True needs tags
    with pytest.raises(TypeError, match="unstore"):
        local_butler.pruneDatasets(refs, purge=True)
    with pytest.raises(TypeError, match="disassociate"):
        local_butler.pruneDatasets(refs, purge=True, unstore=True, disassociate=False)
    assert local_butler.exists(refs[0]) == DatasetExistence.VERIFIED


# Dataset types ----------------------------------------------------------------------------------------------


def test_remove_dataset_type_only_when_it_has_no_datasets(butler: Butler):
    butler.registry.removeDatasetType("array")
    with pytest.raises(MissingDatasetTypeError, match="'array'"):
        butler.get_dataset_type("array")
    _put_visits(butler, "r", visits=(1,))
    with pytest.raises(OrphanedRecordError, match="summary"):
        butler.registry.removeDatasetType("summary")
    assert butler.get_dataset_type("summary").name == "summary"
    butler.removeRuns(["r"])
    butler.registry.removeDatasetType("summary")
    assert "summary" not in {t.name for t in butler.registry.queryDatasetTypes()}


def test_remove_dataset_type_of_an_unknown_name_does_nothing(local_butler: Butler):
    local_butler.registry.removeDatasetType("nosuch")
    assert local_butler.get_dataset_type("summary").name == "summary"
