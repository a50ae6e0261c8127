"""Repositories on an object store: a real S3-compatible (moto) server and a PostgreSQL registry.

A repository whose root is ``s3://bucket/repo`` keeps ``butler.yaml`` and
every dataset in the bucket and its registry in PostgreSQL; a repository on
local disk may also keep its datastore in a bucket.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from astropy.table import Table

from butler import Butler, DatasetExistence, DatasetRef, FileDataset

pytestmark = pytest.mark.s3


@pytest.fixture
def s3_butler(s3_bucket: str, postgres_url: str, populate_butler, open_butlers) -> Butler:
    """A populated repository at ``s3://bucket-xxx/repo`` with a PostgreSQL registry (run ``run1``)."""
    root = f"{s3_bucket}/repo"
    Butler.makeRepo(root, config={"registry": {"db": postgres_url}})
    return populate_butler(open_butlers(root, run="run1"))


def _bucket_files(s3_bucket: str) -> list[str]:
    import s3fs

    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    bucket = s3_bucket[len("s3://"):]
    return sorted(p[len(bucket) + 1:] for p in fs.find(bucket))


@pytest.mark.postgres
def test_put_get_query_on_an_s3_repository(s3_butler: Butler, s3_bucket: str):
    ref = s3_butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
    table = Table({"id": [1, 2, 3], "flux": [1.0, 2.0, 3.0]})
    s3_butler.put(table, "catalog", instrument="Cam", visit=1)

    uri = s3_butler.getURI(ref)
    assert uri.scheme == "s3" and uri.startswith(f"{s3_bucket}/repo/run1/summary/")
    assert uri.exists()
    assert "repo/butler.yaml" in _bucket_files(s3_bucket)
    assert s3_butler.get(ref) == {"a": 1}
    columns = s3_butler.get("catalog", instrument="Cam", visit=1, parameters={"columns": ["flux"]}).colnames
    assert columns == ["flux"]
    assert s3_butler.get("catalog.rowcount", instrument="Cam", visit=1) == 3
    assert s3_butler.exists(ref) == DatasetExistence.VERIFIED
    found = s3_butler.query_datasets("summary", where="visit = 1", instrument="Cam")
    assert [r.id for r in found] == [ref.id]

    # Another client opens it from its URL alone.
    with Butler(f"{s3_bucket}/repo", collections="run1") as reader:
        assert reader.get("summary", instrument="Cam", visit=1, detector=0) == {"a": 1}


@pytest.mark.postgres
def test_ingest_remove_and_retrieve_on_an_s3_repository(s3_butler: Butler, s3_bucket: str, tmp_path: Path):
    source = tmp_path / "raw.yaml"
    source.write_text(yaml.safe_dump({"raw": 1}))
    raw = DatasetRef(s3_butler.get_dataset_type("raw"), {"instrument": "Cam", "exposure": 1, "detector": 0},
                     run="raw/all")
    s3_butler.ingest(FileDataset(str(source), raw), transfer="copy")
    assert source.exists()
    assert s3_butler.getURI(raw).startswith(f"{s3_bucket}/repo/raw/all/raw/")
    assert s3_butler.get(raw) == {"raw": 1}
    ref = s3_butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)

    destination = tmp_path / "retrieved"
    paths = s3_butler.retrieveArtifacts([ref, raw], destination)
    assert [os.path.exists(p) for p in paths] == [True, True]
    assert all(str(p).startswith(str(destination)) for p in paths)
    flat = s3_butler.retrieveArtifacts([raw], tmp_path / "flat", preserve_path=False)
    assert yaml.safe_load(Path(flat[0]).read_text()) == {"raw": 1}

    s3_butler.removeRuns(["raw/all", "run1"])
    assert _bucket_files(s3_bucket) == ["repo/butler.yaml"]
    assert s3_butler.get_dataset(raw.id) is None


@pytest.mark.postgres
def test_a_local_repository_may_keep_its_datastore_on_s3(s3_bucket: str, postgres_url: str, tmp_path: Path,
                                                         populate_butler):
    root = str(tmp_path / "repo")
    Butler.makeRepo(root, config={"registry": {"db": postgres_url},
                                  "datastore": {"root": f"{s3_bucket}/data"}})
    with Butler(root, run="run1") as butler:
        populate_butler(butler)
        ref = butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
        assert butler.getURI(ref).startswith(f"{s3_bucket}/data/run1/")
        assert butler.get(ref) == {"a": 1}
        assert [f for f in _bucket_files(s3_bucket)] == [butler.getURI(ref)[len(s3_bucket) + 1:]]
        butler.pruneDatasets([ref], purge=True, unstore=True)
    assert _bucket_files(s3_bucket) == []
    assert os.path.exists(os.path.join(root, "butler.yaml"))


def test_a_local_repository_with_sqlite_may_keep_its_datastore_on_s3(s3_bucket: str, tmp_path: Path,
                                                                     populate_butler):
    root = str(tmp_path / "repo")
    Butler.makeRepo(root, config={"datastore": {"root": f"{s3_bucket}/data"}})
    with Butler(root, run="run1") as butler:
        populate_butler(butler)
        ref = butler.put({"a": 2}, "summary", instrument="Cam", visit=2, detector=0)
        assert butler.getURI(ref).scheme == "s3"
        assert butler.get("summary", instrument="Cam", visit=2, detector=0) == {"a": 2}


def test_make_repo_on_s3_without_a_server_database_says_how_to_fix_it(s3_bucket: str):
    with pytest.raises(ValueError, match="postgresql") as info:
        Butler.makeRepo(f"{s3_bucket}/repo")
    assert "registry" in str(info.value) and "db" in str(info.value)
    assert _bucket_files(s3_bucket) == []


@pytest.mark.postgres
def test_transfer_from_an_s3_repository_to_a_local_one(s3_butler: Butler, tmp_path: Path, open_butlers):
    refs = [s3_butler.put({"v": v}, "summary", instrument="Cam", visit=v, detector=0) for v in (1, 2)]
    Butler.makeRepo(str(tmp_path / "local"))
    local = open_butlers(str(tmp_path / "local"), writeable=True)
    local.transfer_from(s3_butler, refs, register_dataset_types=True, transfer_dimensions=True)
    assert [local.get(r) for r in refs] == [{"v": 1}, {"v": 2}]
    assert all(local.getURI(r).scheme == "file" for r in refs)


@pytest.mark.postgres
def test_a_failed_transaction_leaves_nothing_in_the_bucket(s3_butler: Butler, s3_bucket: str):
    with pytest.raises(RuntimeError, match="boom"):
        with s3_butler.transaction():
            s3_butler.put({"a": 1}, "summary", instrument="Cam", visit=1, detector=0)
            s3_butler.put({"a": 2}, "summary", instrument="Cam", visit=2, detector=0)
            assert len(_bucket_files(s3_bucket)) == 3
            raise RuntimeError("boom")
    assert _bucket_files(s3_bucket) == ["repo/butler.yaml"]
    assert s3_butler.find_dataset("summary", instrument="Cam", visit=1, detector=0) is None
