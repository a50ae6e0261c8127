"""FileDatastore on local disk: put/get, components, removal, ingest, transfers, atomicity."""

from __future__ import annotations

import hashlib
import os
import uuid

import pyarrow as pa
import pytest
import sqlalchemy as sa

from butler.dataset_ref import DatasetRef
from butler.dataset_type import DatasetType
from butler.datastore import FileDatastore, StoredFileInfo
from butler.datastore.templates import FileTemplateValidationError
from butler.datastore.testing import DatasetRowMaker, make_test_database
from butler.dimensions import DimensionUniverse
from butler.errors import (
    ConflictingDefinitionError,
    DatasetTypeNotSupportedError,
    FileNotFoundInDatastoreError,
)
from butler.file_dataset import FileDataset
from butler.formatters import FormatterFactory, FormatterReadError
from butler.formatters.base import write_bytes
from butler.formatters.json import JsonFormatter
from butler.formatters.yaml import YamlFormatter
from butler.registry.database import Database
from butler.storage_class import StorageClassFactory

U = DimensionUniverse.default()
SCF = StorageClassFactory()
SCF.addFromConfig({
    "storageClasses": {
        "TestParts": {"pytype": "dict", "components": {"alpha": "int", "beta": "StructuredDataList"}},
    },
    "formatters": {"TestParts": "butler.formatters.yaml.YamlFormatter"},
})
FF = FormatterFactory(SCF)
OBJ = {"alpha": 1, "beta": [1, 2, 3], "gamma": "hello"}


class ExplodingFormatter(YamlFormatter):
    """Writes half a file, then fails."""

    def _write(self, obj, fs, path):
        write_bytes(fs, path, b"alpha: ")
        raise RuntimeError("disk on fire")


class Env:
    """A datastore on a temporary SQLite registry, and a way to make registered refs."""

    def __init__(self, tmp_path, db_url: str | None = None, *, name: str = "root", **config):
        self.tmp = tmp_path
        self.db, self.tables = make_test_database(db_url or str(tmp_path / f"{name}.sqlite3"), U)
        self.rows = DatasetRowMaker(self.db, self.tables)
        self.root = str(tmp_path / name)
        self.ds = FileDatastore(self.root, self.db, self.tables, config=config, formatter_factory=FF)

    def ref(self, name: str = "d", visit: int = 1, detector: int = 1, run: str = "run1",
            sc: str = "StructuredDataDict", register: bool = True, **kwargs) -> DatasetRef:
        storage_class = SCF.getStorageClass(sc)
        dataset_type = DatasetType(name, ["instrument", "visit", "detector"], storage_class, universe=U)
        data_id = dict(instrument="Cam", visit=visit, detector=detector, physical_filter="Cam-r", band="r",
                       day_obs=20240101)
        ref = DatasetRef(dataset_type, data_id, run, **kwargs)
        if register:
            self.rows.register(ref)
        return ref

    def source_file(self, name: str, text: str = "alpha: 1\nbeta: [1, 2]\n") -> str:
        path = self.tmp / "staging" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return str(path)

    def record_count(self) -> int:
        return self.db.fetch_all(sa.select(sa.func.count()).select_from(self.tables.datastore_records))[0][0]


@pytest.fixture
def env(tmp_path):
    return Env(tmp_path)


def files_under(root) -> list[str]:
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


# put / get -------------------------------------------------------------------


def test_put_get_round_trip(env):
    ref = env.ref()
    info = env.ds.put(OBJ, ref)
    assert env.ds.get(ref) == OBJ
    uri = env.ds.getURI(ref)
    assert uri == os.path.join(env.root, "run1/d/20240101/r/Cam-r/1/d_Cam_r_Cam-r_1_1_run1.yaml")
    assert os.path.getsize(uri) == info.file_size
    assert info.formatter == "butler.formatters.yaml.YamlFormatter"
    assert info.storage_class == "StructuredDataDict" and info.checksum is None
    assert env.ds.knows(ref) and env.ds.exists(ref)
    assert env.ds.getURIs(ref) == (uri, {})
    assert files_under(env.root) == [os.path.relpath(uri, env.root)]  # no temporary left


def test_put_converts_convertible_objects_and_rejects_others(env):
    import pydantic

    class Model(pydantic.BaseModel):
        x: int = 3

    ref = env.ref()
    env.ds.put(Model(), ref)
    assert env.ds.get(ref) == {"x": 3}
    with pytest.raises(TypeError):
        env.ds.put([1, 2], env.ref(visit=2))
    assert env.record_count() == 1


def test_put_same_ref_twice(env):
    ref = env.ref()
    env.ds.put(OBJ, ref)
    with pytest.raises(ConflictingDefinitionError, match="Datastore already contains dataset: d@"):
        env.ds.put({"other": 1}, ref)
    assert env.ds.get(ref) == OBJ


def test_put_overwrites_orphaned_file(env):
    ref = env.ref()
    uri = env.ds.getURI(ref, predict=True).removesuffix("#predicted")
    os.makedirs(os.path.dirname(uri))
    with open(uri, "w") as stream:
        stream.write("left: over\n")
    env.ds.put(OBJ, ref)
    assert env.ds.get(ref) == OBJ


def test_put_refuses_path_of_another_dataset(tmp_path):
    env = Env(tmp_path, templates={"d": "{run}/{datasetType}/{instrument}_{detector}"}, validate_templates=False)
    first, second = env.ref(visit=1), env.ref(visit=2)
    env.ds.put(OBJ, first)
    with pytest.raises(ConflictingDefinitionError, match="does not give unique paths"):
        env.ds.put({"x": 2}, second)
    assert env.ds.get(first) == OBJ and not env.ds.knows(second)


def test_put_validates_template_once(tmp_path):
    env = Env(tmp_path, templates={"d": "{run}/{datasetType}/{instrument}_{detector}"})
    with pytest.raises(FileTemplateValidationError, match=r"\['visit'\]"):
        env.ds.put(OBJ, env.ref())


def test_put_component_refused(env):
    ref = env.ref(sc="TestParts")
    with pytest.raises(DatasetTypeNotSupportedError):
        env.ds.put(1, ref.makeComponentRef("alpha"))


def test_put_many(env):
    refs = [env.ref(visit=v) for v in range(5)]
    infos = env.ds.put_many([({"v": r.dataId["visit"]}, r) for r in refs])
    assert [i.dataset_id for i in infos] == [r.id for r in refs]
    assert [env.ds.get(r)["v"] for r in refs] == list(range(5))


def test_checksums(tmp_path):
    env = Env(tmp_path, checksum=True)
    ref = env.ref()
    info = env.ds.put(OBJ, ref)
    with open(env.ds.getURI(ref), "rb") as stream:
        assert info.checksum == hashlib.blake2b(stream.read()).hexdigest()
    env2 = Env(tmp_path, name="md5", checksum=True, checksum_algorithm="md5")
    info = env2.ds.put(OBJ, env2.ref())
    assert len(info.checksum) == 32


def test_get_missing_record_and_missing_file(env):
    ref = env.ref()
    with pytest.raises(FileNotFoundInDatastoreError, match=r"Could not retrieve dataset d@.*\.$"):
        env.ds.get(ref)
    env.ds.put(OBJ, ref)
    path = env.ds.getURI(ref)
    os.remove(path)
    with pytest.raises(FileNotFoundError, match=f"file {path} does not exist"):
        env.ds.get(ref)
    assert env.ds.knows(ref) and not env.ds.exists(ref)


def test_get_corrupt_file(env):
    ref = env.ref()
    env.ds.put(OBJ, ref)
    with open(env.ds.getURI(ref), "w") as stream:
        stream.write("alpha: [unclosed\n")
    with pytest.raises(FormatterReadError):
        env.ds.get(ref)


def test_components_through_delegate(env):
    ref = env.ref(sc="TestParts")
    env.ds.put(OBJ, ref)
    assert env.ds.get(ref.makeComponentRef("alpha")) == 1
    assert env.ds.get(ref.makeComponentRef("beta")) == [1, 2, 3]
    assert env.ds.getURI(ref.makeComponentRef("beta")) == env.ds.getURI(ref)


def test_components_parameters_and_conversion_with_parquet(env):
    from astropy.table import Table

    ref = env.ref(sc="ArrowTable")
    table = pa.table({"a": [1, 2, 3], "b": [4.0, 5.0, 6.0]})
    env.ds.put(table, ref)
    assert env.ds.getURI(ref).endswith(".parq")
    assert env.ds.get(ref).equals(table)
    assert env.ds.get(ref.makeComponentRef("rowcount")) == 3
    assert env.ds.get(ref.makeComponentRef("columns")) == ["a", "b"]
    assert env.ds.get(ref, parameters={"columns": ["b"]}).column_names == ["b"]
    astropy_table = env.ds.get(ref, storageClass="ArrowAstropy")
    assert isinstance(astropy_table, Table) and list(astropy_table["a"]) == [1, 2, 3]
    assert isinstance(env.ds.get(ref, storageClass=SCF.getStorageClass("ArrowAstropy")), Table)
    overridden = ref.overrideStorageClass(SCF.getStorageClass("ArrowAstropy"))
    assert isinstance(env.ds.get(overridden, parameters={"columns": ["a"]}), Table)


def test_prepared_records(env):
    refs = [env.ref(visit=v) for v in range(3)]
    for r in refs:
        env.ds.put({"v": r.dataId["visit"]}, r)
    missing = env.ref(visit=99)
    records = env.ds.prepare_get_records(refs + [missing])
    assert set(records) == {r.id for r in refs}
    assert all(isinstance(i, StoredFileInfo) for infos in records.values() for i in infos)
    assert [env.ds.get(r, records=records[r.id])["v"] for r in refs] == [0, 1, 2]
    with pytest.raises(FileNotFoundInDatastoreError):
        env.ds.get(missing, records=records.get(missing.id, []))


def test_get_uses_records_attached_to_ref(env):
    ref = env.ref()
    env.ds.put(OBJ, ref)
    infos = env.ds.prepare_get_records([ref])[ref.id]
    env.ds.forget([ref])
    attached = DatasetRef(ref.datasetType, ref.dataId, ref.run, id=ref.id, datastore_records={
        "file_datastore_records": infos})
    assert env.ds.get(attached) == OBJ


def test_uri_prediction(env):
    ref = env.ref(run="u/me/run")
    predicted = env.ds.getURI(ref, predict=True)
    assert predicted == os.path.join(env.root, "u/me/run/d/20240101/r/Cam-r/1/d_Cam_r_Cam-r_1_1_u_me_run.yaml"
                                     ) + "#predicted"
    with pytest.raises(FileNotFoundInDatastoreError):
        env.ds.getURI(ref)
    env.ds.put(OBJ, ref)
    assert env.ds.getURI(ref) == predicted.removesuffix("#predicted")


# Transactions and atomicity ------------------------------------------------------------


def test_formatter_failing_mid_write_leaves_nothing(tmp_path):
    env = Env(tmp_path, formatters={"d": ExplodingFormatter})
    with pytest.raises(RuntimeError, match="disk on fire"):
        env.ds.put(OBJ, env.ref())
    assert files_under(env.root) == []
    assert env.record_count() == 0


def test_exception_in_transaction_removes_file_and_record(env):
    ref, kept = env.ref(visit=1), env.ref(visit=2)
    env.ds.put(OBJ, kept)
    with pytest.raises(ValueError, match="boom"):
        with env.ds.transaction():
            env.ds.put(OBJ, ref)
            assert env.ds.exists(ref)
            raise ValueError("boom")
    assert not env.ds.knows(ref)
    assert files_under(env.root) == [os.path.relpath(env.ds.getURI(kept), env.root)]


def test_nested_transactions_join(env):
    ref1, ref2 = env.ref(visit=1), env.ref(visit=2)
    with pytest.raises(KeyError):
        with env.ds.transaction() as outer:
            with env.ds.transaction() as inner:
                assert inner is outer
                env.ds.put(OBJ, ref1)
            env.ds.put(OBJ, ref2)
            raise KeyError("late")
    assert files_under(env.root) == []
    assert env.record_count() == 0


def test_db_rollback_inside_datastore_transaction_removes_file(env):
    ref = env.ref()
    with pytest.raises(RuntimeError):
        with env.ds.transaction(), env.db.transaction():
            env.ds.put(OBJ, ref)
            raise RuntimeError("registry failed")
    assert files_under(env.root) == []
    assert env.record_count() == 0


def test_failing_db_commit_removes_file(env):
    unregistered = env.ref(register=False)
    with pytest.raises(sa.exc.IntegrityError, match="FOREIGN KEY"):
        with env.ds.transaction(), env.db.transaction():
            # The foreign key to the (missing) dataset row is checked only at COMMIT.
            env.db.execute(sa.text("PRAGMA defer_foreign_keys = ON"))
            env.ds.put(OBJ, unregistered)
            assert os.path.exists(env.ds.getURI(unregistered))
    assert files_under(env.root) == []
    # A fresh connection: this one is left inside the failed transaction.
    fresh = Database(env.db.url.render_as_string(hide_password=False))
    assert fresh.fetch_all(sa.select(sa.func.count()).select_from(env.tables.datastore_records))[0][0] == 0
    fresh.close()


# Removal ----------------------------------------------------------------------------


def test_trash_and_empty_trash(env):
    ref, other = env.ref(visit=1), env.ref(visit=2)
    env.ds.put(OBJ, ref)
    env.ds.put(OBJ, other)
    path = env.ds.getURI(ref)
    with env.db.transaction():
        env.ds.trash(ref)
    assert not env.ds.knows(ref) and os.path.exists(path)
    assert env.ds.emptyTrash() == [path]
    assert not os.path.exists(path)
    assert env.ds.get(other) == OBJ
    assert env.ds.emptyTrash() == []


def test_trash_rolled_back_with_transaction(env):
    ref = env.ref()
    env.ds.put(OBJ, ref)
    with pytest.raises(RuntimeError):
        with env.db.transaction():
            env.ds.trash([ref])
            raise RuntimeError("abort")
    assert env.ds.knows(ref)
    assert env.ds.emptyTrash() == []
    assert env.ds.get(ref) == OBJ


def test_empty_trash_keeps_files_still_referenced(env):
    shared = env.source_file("shared.yaml")
    a, b = env.ref(visit=1), env.ref(visit=2)
    env.ds.ingest([FileDataset(shared, [a, b])], transfer="copy")
    env.ds.trash([a])
    assert env.ds.emptyTrash() == []
    assert env.ds.get(b) == {"alpha": 1, "beta": [1, 2]}
    env.ds.trash([b])
    assert len(env.ds.emptyTrash()) == 1
    assert files_under(env.root) == []


def test_empty_trash_ignores_paths_outside_root(env):
    outside = env.source_file("outside.yaml")
    env.db.insert_ignore(env.tables.datastore_trash, [{"path": "../staging/outside.yaml"}, {"path": outside}])
    assert env.ds.emptyTrash() == []
    assert os.path.exists(outside)


def test_forget(env):
    ref = env.ref()
    env.ds.put(OBJ, ref)
    path = env.ds.getURI(ref)
    env.ds.forget([ref])
    assert not env.ds.knows(ref) and os.path.exists(path)


# Ingest ---------------------------------------------------------------------------------


def test_ingest_copy_keeps_source_and_extension(env):
    source = env.source_file("a.yaml")
    ref = env.ref()
    (info,) = env.ds.ingest([FileDataset(source, ref)], transfer="copy")
    assert os.path.exists(source)
    assert info.path == "run1/d/20240101/r/Cam-r/1/d_Cam_r_Cam-r_1_1_run1.yaml"
    assert info.file_size == os.path.getsize(source)
    assert env.ds.get(ref) == {"alpha": 1, "beta": [1, 2]}


def test_ingest_move(env):
    source = env.source_file("a.yaml")
    ref = env.ref()
    env.ds.ingest([FileDataset(source, ref)], transfer="move")
    assert not os.path.exists(source)
    assert env.ds.get(ref)["alpha"] == 1


@pytest.mark.parametrize("mode", ["link", "hardlink"])
def test_ingest_hard_links(env, mode):
    source = env.source_file("a.yaml")
    ref = env.ref()
    env.ds.ingest([FileDataset(source, ref)], transfer=mode)
    assert os.stat(env.ds.getURI(ref)).st_ino == os.stat(source).st_ino


def test_ingest_symlinks(env):
    source = env.source_file("a.yaml")
    absolute, relative = env.ref(visit=1), env.ref(visit=2)
    env.ds.ingest([FileDataset(source, absolute)], transfer="symlink")
    env.ds.ingest([FileDataset(source, relative)], transfer="relsymlink")
    assert os.readlink(env.ds.getURI(absolute)) == source
    link = os.readlink(env.ds.getURI(relative))
    assert not os.path.isabs(link)
    assert os.path.realpath(env.ds.getURI(relative)) == os.path.realpath(source)
    assert env.ds.get(relative)["alpha"] == 1


def test_ingest_direct_is_never_deleted(env):
    source = env.source_file("a.yaml")
    ref = env.ref()
    (info,) = env.ds.ingest([FileDataset(source, ref)], transfer="direct")
    assert info.path == source and info.is_absolute
    assert env.ds.getURI(ref) == source
    assert files_under(env.root) == []
    assert env.ds.get(ref)["alpha"] == 1
    env.ds.trash([ref])
    assert env.ds.emptyTrash() == []
    assert os.path.exists(source)


def test_ingest_in_place_and_auto(env):
    inside = os.path.join(env.root, "external", "x.yaml")
    os.makedirs(os.path.dirname(inside))
    with open(inside, "w") as stream:
        stream.write("alpha: 5\n")
    a, b, c = env.ref(visit=1), env.ref(visit=2), env.ref(visit=3)
    (info,) = env.ds.ingest([FileDataset(inside, a)], transfer=None)
    assert info.path == "external/x.yaml"
    (info,) = env.ds.ingest([FileDataset("external/x.yaml", b)], transfer="auto")  # relative to the root
    assert info.path == "external/x.yaml"
    outside = env.source_file("b.yaml")
    (info,) = env.ds.ingest([FileDataset(outside, c)], transfer="auto")
    assert info.path.startswith("run1/d/") and os.path.exists(outside)
    assert [env.ds.get(r)["alpha"] for r in (a, b, c)] == [5, 5, 1]


def test_ingest_errors(env):
    outside = env.source_file("a.yaml")
    with pytest.raises(RuntimeError, match=r"Transfer is none but source file \(.*a.yaml\) is not within datastore"):
        env.ds.ingest([FileDataset(outside, env.ref())], transfer=None)
    with pytest.raises(NotImplementedError, match="Transfer mode teleport not supported."):
        env.ds.ingest([FileDataset(outside, env.ref())], transfer="teleport")
    with pytest.raises(FileNotFoundError, match="Resource at .*nope.yaml does not exist; note that paths"):
        env.ds.ingest([FileDataset(env.tmp / "nope.yaml", env.ref())], transfer="copy")
    with pytest.raises(FileNotFoundError, match=f"relative to {env.root} unless"):
        env.ds.ingest([FileDataset("nope.yaml", env.ref())], transfer="copy")
    assert env.record_count() == 0


def test_ingest_already_stored(env):
    ref = env.ref()
    env.ds.put(OBJ, ref)
    with pytest.raises(ConflictingDefinitionError, match="Datastore already contains dataset"):
        env.ds.ingest([FileDataset(env.source_file("a.yaml"), ref)], transfer="copy")
    assert env.ds.get(ref) == OBJ


def test_ingest_chooses_formatter(env):
    json_file = env.source_file("a.json", '{"alpha": 2}')
    yaml_file = env.source_file("b.yaml")
    given = env.source_file("c.txt", '{"alpha": 3}')
    refs = [env.ref(visit=v) for v in (1, 2, 3, 4)]
    infos = env.ds.ingest([FileDataset(json_file, refs[0]), FileDataset(yaml_file, refs[1]),
                           FileDataset(given, refs[2], formatter=JsonFormatter),
                           FileDataset(env.source_file("d.txt", '{"alpha": 4}'), refs[3],
                                       formatter="butler.formatters.json.JsonFormatter")], transfer="copy")
    assert [i.formatter.rsplit(".", 1)[1] for i in infos] == ["JsonFormatter", "YamlFormatter", "JsonFormatter",
                                                             "JsonFormatter"]
    assert infos[2].path.endswith(".txt")
    assert [env.ds.get(r)["alpha"] for r in refs] == [2, 1, 3, 4]


def test_ingest_failure_undoes_everything(env):
    good = [env.ref(visit=v) for v in range(3)]
    unregistered = env.ref(visit=9, register=False)
    sources = [env.source_file(f"{i}.yaml") for i in range(4)]
    datasets = [FileDataset(s, r) for s, r in zip(sources, good + [unregistered])]
    with pytest.raises(sa.exc.IntegrityError):
        env.ds.ingest(datasets, transfer="move")
    assert files_under(env.root) == []
    assert all(os.path.exists(s) for s in sources)  # moved back
    assert env.record_count() == 0
    with pytest.raises(sa.exc.IntegrityError):
        env.ds.ingest(datasets, transfer="copy")
    assert files_under(env.root) == []


def test_ingest_fails_on_colliding_targets(tmp_path):
    env = Env(tmp_path, templates={"d": "{run}/{datasetType}/{instrument}_{detector}"}, validate_templates=False)
    datasets = [FileDataset(env.source_file(f"{v}.yaml"), env.ref(visit=v)) for v in (1, 2)]
    with pytest.raises(ConflictingDefinitionError, match="would both be ingested"):
        env.ds.ingest(datasets, transfer="copy")
    assert files_under(env.root) == []


def test_ingest_many_small_files_in_one_call(env):
    """A bulk ingest stores every file and record (its speed is measured in benchmarks/butler_ops.py)."""
    n = 3000
    refs = [env.ref(visit=v // 100, detector=v % 100, register=False) for v in range(n)]
    env.rows.register(refs)
    staging = env.tmp / "many"
    staging.mkdir()
    datasets = []
    for i, ref in enumerate(refs):
        path = staging / f"f{i}.yaml"
        path.write_bytes(b"alpha: 1\n")
        datasets.append(FileDataset(str(path), ref))
    with env.db.transaction():
        env.ds.ingest(datasets, transfer="copy")
    assert env.record_count() == n
    assert all(env.ds.exists(ref) for ref in refs[:: n // 10])


# Moving files out ------------------------------------------------------------------------


def test_retrieve_artifacts(env):
    refs = [env.ref(visit=v) for v in (1, 2)]
    for r in refs:
        env.ds.put({"v": r.dataId["visit"]}, r)
    destination = env.tmp / "out"
    paths = env.ds.retrieveArtifacts(refs, destination)
    assert paths == [str(destination / os.path.relpath(env.ds.getURI(r), env.root)) for r in refs]
    assert all(os.path.exists(p) for p in paths)
    assert env.ds.retrieveArtifacts(refs, destination) == paths  # same files again: fine
    with open(paths[0], "w") as stream:
        stream.write("changed: true\n")
    with pytest.raises(FileExistsError):
        env.ds.retrieveArtifacts(refs, destination)
    env.ds.retrieveArtifacts(refs, destination, overwrite=True)
    with open(paths[0]) as stream:
        assert stream.read() == "v: 1\n"
    flat = env.ds.retrieveArtifacts(refs, env.tmp / "flat", preserve_path=False, transfer="symlink")
    assert [os.path.basename(p) for p in flat] == [os.path.basename(env.ds.getURI(r)) for r in refs]
    assert os.path.islink(flat[0])
    with pytest.raises(ValueError, match="Can not move artifacts"):
        env.ds.retrieveArtifacts(refs, destination, transfer="move")
    with pytest.raises(ValueError, match="missing from this datastore: 1"):
        env.ds.retrieveArtifacts([env.ref(visit=5)], destination)


def test_retrieve_artifacts_to_fsspec_url(env):
    import fsspec

    ref = env.ref()
    env.ds.put(OBJ, ref)
    target = f"memory://retrieved-{uuid.uuid4().hex}"
    (path,) = env.ds.retrieveArtifacts([ref], target)
    assert path.startswith("memory://") and path.endswith(".yaml")
    with fsspec.open(path, "rb") as stream:
        assert stream.read() == open(env.ds.getURI(ref), "rb").read()


def test_transfer_between_datastores(tmp_path):
    source, target = Env(tmp_path, name="src"), Env(tmp_path, name="dst")
    refs = [source.ref(visit=v) for v in (1, 2)]
    for r in refs:
        source.ds.put({"v": r.dataId["visit"]}, r)
    direct_file = source.source_file("direct.yaml")
    direct = source.ref(visit=3)
    source.ds.ingest([FileDataset(direct_file, direct)], transfer="direct")
    missing = source.ref(visit=4)
    target.rows.register(refs + [direct, missing])
    transferred = target.ds.transfer_from(source.ds, refs + [direct, missing])
    assert transferred == refs + [direct]
    assert [target.ds.get(r)["v"] for r in refs] == [1, 2]
    assert target.ds.getURI(refs[0]).startswith(target.root)
    assert target.ds.getURI(direct) == direct_file
    assert target.ds.transfer_from(source.ds, refs) == []


def test_export_import_records(tmp_path):
    source, target = Env(tmp_path, name="src"), Env(tmp_path, name="dst")
    ref = source.ref()
    source.ds.put(OBJ, ref)
    exported = source.ds.export_records([ref])
    target.rows.register(ref)
    target.ds.import_records(exported)
    target.ds.import_records([i.to_simple() for i in exported[ref.id]])  # idempotent, from JSON form
    assert target.ds.prepare_get_records([ref]) == exported


# PostgreSQL ---------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_registry(tmp_path, postgres_url):
    env = Env(tmp_path, postgres_url)
    ref, other = env.ref(visit=1), env.ref(visit=2)
    env.ds.put(OBJ, ref)
    assert env.ds.get(ref) == OBJ
    with pytest.raises(ConflictingDefinitionError):
        env.ds.put(OBJ, ref)
    env.ds.ingest([FileDataset(env.source_file("a.yaml"), other)], transfer="copy")
    assert env.ds.prepare_get_records([ref, other]).keys() == {ref.id, other.id}
    with pytest.raises(RuntimeError):
        with env.ds.transaction(), env.db.transaction():
            env.ds.put(OBJ, env.ref(visit=3))
            raise RuntimeError("abort")
    with env.db.transaction():
        env.ds.trash([ref, other])
    assert len(env.ds.emptyTrash()) == 2
    assert files_under(env.root) == []
    env.db.close()
