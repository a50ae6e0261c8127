"""FileDatastore with its root on S3 (a real moto server) and a SQLite registry."""

from __future__ import annotations

import os

import fsspec
import pytest
import sqlalchemy as sa

from butler.dataset_ref import DatasetRef
from butler.dataset_type import DatasetType
from butler.datastore import FileDatastore
from butler.datastore.testing import DatasetRowMaker, make_test_database
from butler.dimensions import DimensionUniverse
from butler.errors import ConflictingDefinitionError, FileNotFoundInDatastoreError
from butler.file_dataset import FileDataset
from butler.formatters.base import write_bytes
from butler.formatters.yaml import YamlFormatter

pytestmark = pytest.mark.s3

U = DimensionUniverse.default()
OBJ = {"alpha": 1, "beta": [1, 2, 3]}


class ExplodingFormatter(YamlFormatter):
    """Writes part of an object, then fails."""

    def _write(self, obj, fs, path):
        write_bytes(fs, path, b"alpha: ")
        raise RuntimeError("network on fire")


@pytest.fixture
def s3(tmp_path, s3_bucket):
    db, tables = make_test_database(str(tmp_path / "registry.sqlite3"), U)
    rows = DatasetRowMaker(db, tables)
    root = f"{s3_bucket}/repo/datastore"
    datastore = FileDatastore(root, db, tables, config={"formatters": {"exploding": ExplodingFormatter}})
    fs = fsspec.filesystem("s3")

    def make_ref(visit: int = 1, name: str = "d", register: bool = True) -> DatasetRef:
        dataset_type = DatasetType(name, ["instrument", "visit", "detector"], "StructuredDataDict", universe=U)
        ref = DatasetRef(dataset_type, dict(instrument="Cam", visit=visit, detector=1, physical_filter="Cam-r",
                                            band="r", day_obs=20240101), "run1")
        if register:
            rows.register(ref)
        return ref

    def objects() -> list[str]:
        fs.invalidate_cache()
        return sorted(fs.find(root))

    return datastore, make_ref, objects, root, db, tables


def test_put_get_exists_uri(s3):
    datastore, make_ref, objects, root, *_ = s3
    ref = make_ref()
    predicted = datastore.getURI(ref, predict=True)
    assert predicted == f"{root}/run1/d/20240101/r/Cam-r/1/d_Cam_r_Cam-r_1_1_run1.yaml#predicted"
    info = datastore.put(OBJ, ref)
    assert datastore.get(ref) == OBJ
    assert datastore.getURI(ref) == predicted.removesuffix("#predicted")
    assert datastore.exists(ref) and datastore.knows(ref)
    with fsspec.open(datastore.getURI(ref), "rb") as stream:
        assert len(stream.read()) == info.file_size
    with pytest.raises(ConflictingDefinitionError):
        datastore.put(OBJ, ref)
    assert len(objects()) == 1


def test_missing_object(s3):
    datastore, make_ref, *_ = s3
    ref = make_ref()
    datastore.put(OBJ, ref)
    fsspec.filesystem("s3").rm(datastore.getURI(ref))
    with pytest.raises(FileNotFoundInDatastoreError, match="does not exist"):
        datastore.get(ref)
    assert not datastore.exists(ref)


def test_failed_write_leaves_nothing(s3):
    datastore, make_ref, objects, *_ = s3
    with pytest.raises(RuntimeError, match="network on fire"):
        datastore.put(OBJ, make_ref(name="exploding"))
    assert objects() == []
    ref = make_ref()
    with pytest.raises(KeyError):
        with datastore.transaction():
            datastore.put(OBJ, ref)
            raise KeyError("abort")
    assert objects() == [] and not datastore.knows(ref)


def test_ingest_copy_trash_and_empty_trash(s3, tmp_path):
    datastore, make_ref, objects, _, db, _ = s3
    refs = [make_ref(visit=v) for v in range(4)]
    sources = []
    for i in range(4):
        path = tmp_path / f"f{i}.yaml"
        path.write_text(f"alpha: {i}\n")
        sources.append(str(path))
    infos = datastore.ingest([FileDataset(s, r) for s, r in zip(sources, refs)], transfer="copy")
    assert all(os.path.exists(s) for s in sources)
    assert [i.file_size for i in infos] == [9] * 4
    assert [datastore.get(r)["alpha"] for r in refs] == [0, 1, 2, 3]
    assert len(objects()) == 4
    with db.transaction():
        datastore.trash(refs[:2])
    assert len(objects()) == 4
    removed = datastore.emptyTrash()
    assert sorted(removed) == sorted(datastore.root.url_of(i.path) for i in infos[:2])
    assert len(objects()) == 2
    assert datastore.get(refs[3])["alpha"] == 3


def test_ingest_failure_removes_uploaded_objects(s3, tmp_path):
    datastore, make_ref, objects, *_ = s3
    sources = []
    for i in range(3):
        path = tmp_path / f"f{i}.yaml"
        path.write_text("alpha: 1\n")
        sources.append(str(path))
    refs = [make_ref(visit=1), make_ref(visit=2), make_ref(visit=3, register=False)]
    with pytest.raises(sa.exc.IntegrityError):
        datastore.ingest([FileDataset(s, r) for s, r in zip(sources, refs)], transfer="move")
    assert objects() == []
    assert all(os.path.exists(s) for s in sources)  # moves off local disk happen only on success
    datastore.ingest([FileDataset(s, r) for s, r in zip(sources[:2], refs[:2])], transfer="move")
    assert not any(os.path.exists(s) for s in sources[:2])
    assert len(objects()) == 2


def test_ingest_in_place_on_s3(s3):
    datastore, make_ref, _, root, *_ = s3
    url = f"{root}/external/x.yaml"
    with fsspec.open(url, "wb") as stream:
        stream.write(b"alpha: 9\n")
    ref = make_ref()
    (info,) = datastore.ingest([FileDataset(url, ref)], transfer="auto")
    assert info.path == "external/x.yaml"
    assert datastore.get(ref) == {"alpha": 9}


def test_retrieve_artifacts_from_s3(s3, tmp_path):
    datastore, make_ref, *_ = s3
    refs = [make_ref(visit=v) for v in (1, 2)]
    for r in refs:
        datastore.put({"v": r.dataId["visit"]}, r)
    paths = datastore.retrieveArtifacts(refs, tmp_path / "out")
    assert [open(p).read() for p in paths] == ["v: 1\n", "v: 2\n"]
    flat = datastore.retrieveArtifacts(refs, tmp_path / "flat", preserve_path=False)
    assert all(os.path.dirname(p) == str(tmp_path / "flat") for p in flat)


def test_transfer_s3_to_local(s3, tmp_path):
    datastore, make_ref, *_ = s3
    refs = [make_ref(visit=v) for v in (1, 2)]
    for r in refs:
        datastore.put({"v": r.dataId["visit"]}, r)
    db, tables = make_test_database(str(tmp_path / "local.sqlite3"), U)
    DatasetRowMaker(db, tables).register(refs)
    local = FileDatastore(tmp_path / "local", db, tables)
    assert local.transfer_from(datastore, refs) == refs
    assert [local.get(r)["v"] for r in refs] == [1, 2]
    assert local.getURI(refs[0]).startswith(str(tmp_path / "local"))
    # And back into another S3 prefix.
    db2, tables2 = make_test_database(str(tmp_path / "s3b.sqlite3"), U)
    DatasetRowMaker(db2, tables2).register(refs)
    other = FileDatastore(datastore.root.url + "-copy", db2, tables2)
    assert other.transfer_from(local, refs) == refs
    assert other.get(refs[1]) == {"v": 2}
