"""Schema revisions: a new registry is at head, and an old one must be migrated before use.

Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from butler import IncompatibleSchemaError
from butler.registry import Registry
from butler.registry.migration import SchemaMigrator, head_revision


@pytest.fixture
def registry(db_url, open_databases) -> Registry:
    """A registry made by `Registry.create` (not copied from a template)."""
    return Registry.create(open_databases(db_url))


def test_history_lists_the_revisions_oldest_first_with_descriptions(registry):
    history = SchemaMigrator(registry.db).history()
    revisions = [revision for revision, _ in history]
    assert revisions[:2] == ["0001", "0002"]
    assert revisions[-1] == head_revision()
    assert len(set(revisions)) == len(revisions)
    assert all(description for _, description in history)


def test_a_new_registry_is_at_the_head_revision(registry):
    assert SchemaMigrator(registry.db).current() == head_revision()


def test_a_downgraded_registry_cannot_be_opened_and_says_how_to_upgrade(registry, db_url, open_databases):
    SchemaMigrator(registry.db).downgrade("0001")
    assert SchemaMigrator(registry.db).current() == "0001"
    with pytest.raises(IncompatibleSchemaError) as info:
        Registry.open(open_databases(db_url), "/repo/path")
    message = str(info.value)
    assert "butler migrate upgrade" in message
    assert "0001" in message and head_revision() in message
    assert "/repo/path" in message


def test_upgrade_restores_the_head_revision_and_keeps_the_content(registry, db_url, open_databases):
    registry.insertDimensionData("instrument", {"name": "Cam"})
    registry.registerRun("r1")
    migrator = SchemaMigrator(registry.db)
    migrator.downgrade("0001")
    migrator.upgrade()
    assert migrator.current() == head_revision()
    reopened = Registry.open(open_databases(db_url), "repo")
    assert reopened.expandDataId(instrument="Cam").records["instrument"].name == "Cam"
    assert reopened.queryCollections() == ["r1"]


def test_revision_0002_adds_the_ingest_date_index(registry):
    def indexes() -> set[str]:
        return {ix["name"] for ix in sa.inspect(registry.db.engine).get_indexes("dataset")}

    migrator = SchemaMigrator(registry.db)
    assert "dataset_ingest_date" in indexes()
    migrator.downgrade("0001")
    assert "dataset_ingest_date" not in indexes()
    migrator.upgrade("0002")
    assert "dataset_ingest_date" in indexes()


def test_a_database_without_a_schema_cannot_be_opened(db_url, open_databases):
    with pytest.raises(IncompatibleSchemaError, match="butler create"):
        Registry.open(open_databases(db_url), "repo")


def test_a_revision_newer_than_this_software_is_refused(registry, db_url, open_databases):
    with registry.db.transaction() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'ffff'"))
    with pytest.raises(IncompatibleSchemaError, match="ffff") as info:
        Registry.open(open_databases(db_url), "repo")
    assert "newer version" in str(info.value)


def _dimension_keys_of_tags_tables(registry) -> dict[str, set[str]]:
    inspector = sa.inspect(registry.db.engine)
    tables = [t for t in inspector.get_table_names() if t.startswith("dataset_tags_")]
    return {t: {k["referred_table"] for k in inspector.get_foreign_keys(t)} - {"dataset", "dataset_type",
                                                                              "collection"}
            for t in tables}


def test_tags_tables_have_no_dimension_foreign_keys_and_still_refuse_unknown_data_ids(registry):
    from butler import DataIdValueError, DatasetType

    registry.insertDimensionData("instrument", {"name": "Cam", "detector_max": 2})
    registry.insertDimensionData("detector", {"instrument": "Cam", "id": 0, "full_name": "d0"})
    registry.registerDatasetType(DatasetType("x", ("instrument", "detector"), "StructuredDataDict",
                                             universe=registry.dimensions))
    registry.registerRun("r")
    assert all(not keys for keys in _dimension_keys_of_tags_tables(registry).values())
    with pytest.raises(DataIdValueError):
        registry.insertDatasets("x", [{"instrument": "Cam", "detector": 1}], run="r")


@pytest.mark.postgres
def test_revision_0004_drops_and_downgrade_restores_dimension_keys_on_postgresql(registry, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("the keys are only dropped on PostgreSQL")
    from butler import DatasetType

    registry.insertDimensionData("instrument", {"name": "Cam", "detector_max": 2})
    registry.registerDatasetType(DatasetType("x", ("instrument", "detector"), "StructuredDataDict",
                                             universe=registry.dimensions))
    migrator = SchemaMigrator(registry.db)
    migrator.downgrade("0003")
    restored = _dimension_keys_of_tags_tables(registry)
    assert restored and all(keys == {"instrument", "detector"} for keys in restored.values())
    migrator.upgrade()
    assert all(not keys for keys in _dimension_keys_of_tags_tables(registry).values())


def _foreign_keys(registry, table: str) -> set[tuple[str, str]]:
    inspector = sa.inspect(registry.db.engine)
    return {(key["constrained_columns"][0], key["referred_table"]) for key in inspector.get_foreign_keys(table)}


def _register_x(registry) -> str:
    from butler import DatasetType

    registry.insertDimensionData("instrument", {"name": "Cam", "detector_max": 2})
    registry.registerDatasetType(DatasetType("x", ("instrument", "detector"), "StructuredDataDict",
                                             universe=registry.dimensions))
    return registry.datasets._types.find("x").tags.name


def test_dataset_and_tags_rows_refer_by_foreign_key_only_to_their_run_and_dataset(registry):
    tags = _register_x(registry)
    assert _foreign_keys(registry, "dataset") == {("run_id", "run")}
    assert _foreign_keys(registry, tags) == {("dataset_id", "dataset")}


@pytest.mark.postgres
def test_revision_0005_drops_and_downgrade_restores_type_and_collection_keys_on_postgresql(registry, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("the keys are only dropped on PostgreSQL")
    tags = _register_x(registry)
    migrator = SchemaMigrator(registry.db)
    migrator.downgrade("0004")
    assert _foreign_keys(registry, "dataset") == {("run_id", "run"), ("dataset_type_id", "dataset_type")}
    assert _foreign_keys(registry, tags) == {("dataset_id", "dataset"), ("dataset_type_id", "dataset_type"),
                                             ("collection_id", "collection")}
    migrator.upgrade()
    assert _foreign_keys(registry, "dataset") == {("run_id", "run")}
    assert _foreign_keys(registry, tags) == {("dataset_id", "dataset")}


@pytest.mark.postgres
@pytest.mark.parametrize("remove", ["dataset type", "collection"])
def test_an_uncommitted_insert_holds_its_dataset_type_and_collection_against_removal(
        registry, db_url, open_databases, remove):
    """Without per-row foreign keys, the rows an insert refers to are locked once instead."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite serializes writing transactions; PostgreSQL relies on the row locks")
    from butler import CollectionType, OrphanedRecordError

    _register_x(registry)
    registry.insertDimensionData("detector", *[{"instrument": "Cam", "id": i, "full_name": f"d{i}"} for i in (0, 1)])
    registry.registerRun("r")
    registry.registerCollection("tag", CollectionType.TAGGED)
    refs = registry.insertDatasets("x", [{"instrument": "Cam", "detector": i} for i in (0, 1)], run="r")
    registry.associate("tag", refs[:1])  # so that the collection summary row exists already
    other = Registry.open(open_databases(db_url), "repo")

    def removal():
        if remove == "dataset type":
            other.removeDatasetType("x")
        else:
            other.removeCollection("tag")

    with registry.transaction():
        registry.associate("tag", refs[1:])
        with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
            with other.db.transaction() as conn:
                conn.execute(sa.text("SET LOCAL lock_timeout = '300ms'"))
                removal()
    if remove == "dataset type":
        with pytest.raises(OrphanedRecordError):
            removal()
    else:
        removal()
        tags = registry.datasets._types.find("x").tags
        orphans = sa.select(sa.func.count()).select_from(tags).where(
            tags.c.collection_id.not_in(sa.select(registry._tables.collection.c.collection_id)))
        assert registry.db.execute(orphans).scalar() == 0
