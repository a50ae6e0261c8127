"""Collections: the four types, chains, search expressions, documentation and removal.

Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from butler import (
    CollectionCycleError,
    CollectionType,
    CollectionTypeError,
    ConflictingDefinitionError,
    DatasetType,
    MissingCollectionError,
    OrphanedRecordError,
)

ALL_TYPES = [CollectionType.RUN, CollectionType.TAGGED, CollectionType.CHAINED, CollectionType.CALIBRATION]


@pytest.fixture
def tree(registry):
    """RUNs r1, r2, r3; TAGGED tag; CALIBRATION calib; chains inner = (r2, r1), outer = (r3, inner)."""
    for run in ("r1", "r2", "r3"):
        registry.registerRun(run)
    registry.registerCollection("tag", CollectionType.TAGGED)
    registry.registerCollection("calib", CollectionType.CALIBRATION)
    registry.registerCollection("inner", CollectionType.CHAINED)
    registry.registerCollection("outer", CollectionType.CHAINED)
    registry.setCollectionChain("inner", ["r2", "r1"])
    registry.setCollectionChain("outer", ["r3", "inner"])
    return registry


class TestRegistration:
    @pytest.mark.parametrize("type_", ALL_TYPES)
    def test_register_each_type(self, registry, type_):
        assert registry.registerCollection("c", type_) is True
        assert registry.getCollectionType("c") is type_

    def test_register_collection_defaults_to_tagged(self, registry):
        registry.registerCollection("c")
        assert registry.getCollectionType("c") is CollectionType.TAGGED

    def test_register_run_returns_true_then_false(self, registry):
        assert registry.registerRun("r") is True
        assert registry.registerRun("r") is False
        assert registry.registerCollection("r", CollectionType.RUN) is False
        assert registry.getCollectionType("r") is CollectionType.RUN

    def test_registering_an_existing_name_with_another_type_is_a_conflict(self, registry):
        # LSST returns False here and keeps the old type; we refuse loudly.
        registry.registerRun("r")
        with pytest.raises(ConflictingDefinitionError, match="'r'"):
            registry.registerCollection("r", CollectionType.TAGGED)
        assert registry.getCollectionType("r") is CollectionType.RUN

    @pytest.mark.parametrize("name", ["", "a*b", "r?", "x[1]"])
    def test_names_may_not_be_empty_or_contain_glob_characters(self, registry, name):
        with pytest.raises(ValueError):
            registry.registerRun(name)

    def test_unknown_collection_is_missing_and_a_key_error(self, registry):
        with pytest.raises(MissingCollectionError, match="nosuch") as info:
            registry.getCollectionType("nosuch")
        assert isinstance(info.value, KeyError)

    def test_missing_collection_message_suggests_close_names(self, tree):
        with pytest.raises(MissingCollectionError, match="inner"):
            tree.getCollectionType("iner")

    def test_collections_made_through_another_registry_are_seen(self, registry, open_databases):
        from butler.registry import Registry

        other = Registry.open(open_databases(registry.db.url.render_as_string(hide_password=False)), "other")
        registry.queryCollections()  # fills this registry's cache first
        other.registerRun("from_other")
        assert registry.getCollectionType("from_other") is CollectionType.RUN


class TestDocumentation:
    def test_doc_given_at_registration(self, registry):
        registry.registerRun("r", doc="Nightly processing.")
        assert registry.getCollectionDocumentation("r") == "Nightly processing."

    def test_doc_defaults_to_none(self, registry):
        registry.registerCollection("t")
        assert registry.getCollectionDocumentation("t") is None

    def test_set_doc_replaces_it(self, registry):
        registry.registerRun("r", doc="old")
        registry.setCollectionDocumentation("r", "new")
        assert registry.getCollectionDocumentation("r") == "new"
        registry.refresh()
        assert registry.getCollectionDocumentation("r") == "new"

    def test_doc_of_a_missing_collection_is_a_missing_collection_error(self, registry):
        with pytest.raises(MissingCollectionError):
            registry.getCollectionDocumentation("nosuch")


class TestChains:
    def test_chain_children_are_a_tuple_in_search_order(self, tree):
        assert tree.getCollectionChain("inner") == ("r2", "r1")
        assert tree.getCollectionChain("outer") == ("r3", "inner")

    def test_a_new_chain_is_empty(self, registry):
        registry.registerCollection("c", CollectionType.CHAINED)
        assert registry.getCollectionChain("c") == ()

    def test_set_chain_replaces_the_children(self, tree):
        tree.setCollectionChain("inner", ["r1", "tag", "calib"])
        assert tree.getCollectionChain("inner") == ("r1", "tag", "calib")
        tree.refresh()
        assert tree.getCollectionChain("inner") == ("r1", "tag", "calib")

    def test_a_single_name_is_one_child(self, tree):
        tree.setCollectionChain("inner", "r1")
        assert tree.getCollectionChain("inner") == ("r1",)

    def test_flatten_stores_the_leaves(self, tree):
        tree.registerCollection("flat", CollectionType.CHAINED)
        tree.setCollectionChain("flat", ["outer", "tag"], flatten=True)
        assert tree.getCollectionChain("flat") == ("r3", "r2", "r1", "tag")

    def test_a_chain_cannot_contain_itself(self, tree):
        with pytest.raises(CollectionCycleError, match="inner"):
            tree.setCollectionChain("inner", ["r1", "inner"])
        assert tree.getCollectionChain("inner") == ("r2", "r1")

    def test_a_chain_cannot_contain_a_chain_that_contains_it(self, tree):
        with pytest.raises(CollectionCycleError, match="outer"):
            tree.setCollectionChain("inner", ["outer"])
        assert tree.getCollectionChain("inner") == ("r2", "r1")

    def test_cycles_through_several_levels_are_refused(self, tree):
        tree.registerCollection("top", CollectionType.CHAINED)
        tree.setCollectionChain("top", ["outer"])
        with pytest.raises(CollectionCycleError):
            tree.setCollectionChain("inner", ["r1", "top"])

    def test_a_cycle_error_is_a_value_error(self):
        assert issubclass(CollectionCycleError, ValueError)

    def test_only_chained_collections_have_children(self, tree):
        with pytest.raises(CollectionTypeError, match="r1"):
            tree.setCollectionChain("r1", ["r2"])
        with pytest.raises(CollectionTypeError, match="r1"):
            tree.getCollectionChain("r1")

    def test_a_missing_child_is_refused_and_the_chain_kept(self, tree):
        with pytest.raises(MissingCollectionError, match="nosuch"):
            tree.setCollectionChain("inner", ["r3", "nosuch"])
        assert tree.getCollectionChain("inner") == ("r2", "r1")

    def test_parent_chains_are_the_direct_parents(self, tree):
        assert tree.getCollectionParentChains("r1") == {"inner"}
        assert tree.getCollectionParentChains("inner") == {"outer"}
        assert tree.getCollectionParentChains("outer") == set()
        tree.registerCollection("other", CollectionType.CHAINED)
        tree.setCollectionChain("other", ["r1"])
        assert tree.getCollectionParentChains("r1") == {"inner", "other"}


class TestQueryCollections:
    def test_everything_in_creation_order(self, tree):
        assert tree.queryCollections() == ["r1", "r2", "r3", "tag", "calib", "inner", "outer"]
        assert tree.queryCollections(...) == tree.queryCollections("*")
        tree.registerRun("a_new_run")
        assert tree.queryCollections("*")[-1] == "a_new_run"

    def test_glob(self, tree):
        assert tree.queryCollections("r*") == ["r1", "r2", "r3"]
        assert tree.queryCollections("r[12]") == ["r1", "r2"]

    def test_unmatched_glob_is_empty(self, tree):
        assert tree.queryCollections("zz*") == []

    def test_exact_unknown_name_is_a_missing_collection_error(self, tree):
        with pytest.raises(MissingCollectionError, match="nosuch"):
            tree.queryCollections("nosuch")

    def test_regular_expression_matches_whole_names(self, tree):
        assert tree.queryCollections(re.compile("r[12]")) == ["r1", "r2"]
        assert tree.queryCollections(re.compile("r")) == []

    def test_several_expressions(self, tree):
        assert tree.queryCollections(["tag", "r1"]) == ["tag", "r1"]

    def test_collection_type_filter(self, tree):
        assert tree.queryCollections(collectionTypes=CollectionType.CHAINED) == ["inner", "outer"]
        assert tree.queryCollections(collectionTypes={CollectionType.TAGGED, CollectionType.CALIBRATION}) == [
            "tag", "calib"]

    def test_a_chain_is_listed_itself_unless_flattened(self, tree):
        assert tree.queryCollections("outer") == ["outer"]

    def test_flatten_chains_gives_the_descendants_not_the_chain(self, tree):
        assert tree.queryCollections("outer", flattenChains=True) == ["r3", "r2", "r1"]

    def test_flatten_chains_can_include_the_chains(self, tree):
        assert tree.queryCollections("outer", flattenChains=True, includeChains=True) == [
            "outer", "r3", "inner", "r2", "r1"]

    def test_flatten_with_a_type_filter(self, tree):
        assert tree.queryCollections("outer", flattenChains=True, collectionTypes=CollectionType.RUN) == [
            "r3", "r2", "r1"]

    def test_dataset_type_filter_keeps_collections_that_have_such_datasets(self, tree):
        universe = tree.dimensions
        tree.insertDimensionData("instrument", {"name": "Cam"})
        tree.registerDatasetType(DatasetType("x", ("instrument",), "StructuredDataDict", universe=universe))
        refs = tree.insertDatasets("x", [{"instrument": "Cam"}], run="r2")
        tree.associate("tag", refs)
        assert set(tree.queryCollections("r*", datasetType="x")) == {"r2"}
        assert set(tree.queryCollections(["r1", "tag"], datasetType="x")) == {"tag"}


class TestRemoval:
    def test_remove_a_run_without_datasets(self, registry):
        registry.registerRun("r")
        registry.removeCollection("r")
        with pytest.raises(MissingCollectionError):
            registry.getCollectionType("r")
        assert registry.registerRun("r") is True

    def test_a_run_made_again_after_removal_is_listed_for_its_new_datasets(self, registry):
        # SQLite reuses the integer key of a removed collection.
        registry.insertDimensionData("instrument", {"name": "Cam"})
        registry.registerDatasetType(DatasetType("x", ("instrument",), "StructuredDataDict",
                                                 universe=registry.dimensions))
        registry.registerRun("r")
        registry.removeDatasets(registry.insertDatasets("x", [{"instrument": "Cam"}], run="r"))
        registry.removeCollection("r")
        registry.registerRun("r")
        registry.insertDatasets("x", [{"instrument": "Cam"}], run="r")
        assert registry.queryCollections(datasetType="x") == ["r"]

    def test_remove_a_missing_collection_is_a_missing_collection_error(self, registry):
        with pytest.raises(MissingCollectionError):
            registry.removeCollection("nosuch")

    def test_a_chain_child_cannot_be_removed(self, tree):
        with pytest.raises(OrphanedRecordError, match="inner"):
            tree.removeCollection("r1")
        assert tree.getCollectionType("r1") is CollectionType.RUN

    def test_removing_a_chain_keeps_its_children(self, tree):
        tree.removeCollection("outer")
        assert tree.getCollectionChain("inner") == ("r2", "r1")
        assert tree.getCollectionParentChains("inner") == set()
        tree.removeCollection("inner")
        tree.removeCollection("r1")
        assert tree.queryCollections("r*") == ["r2", "r3"]

    def test_a_run_with_datasets_cannot_be_removed(self, tree):
        tree.insertDimensionData("instrument", {"name": "Cam"})
        tree.registerDatasetType(DatasetType("x", ("instrument",), "StructuredDataDict",
                                             universe=tree.dimensions))
        tree.insertDatasets("x", [{"instrument": "Cam"}], run="r3")
        tree.setCollectionChain("outer", ["inner"])
        with pytest.raises(OrphanedRecordError, match="r3"):
            tree.removeCollection("r3")
        assert tree.getCollectionType("r3") is CollectionType.RUN

    def test_removing_a_tagged_collection_keeps_the_datasets(self, tree):
        tree.insertDimensionData("instrument", {"name": "Cam"})
        tree.registerDatasetType(DatasetType("x", ("instrument",), "StructuredDataDict",
                                             universe=tree.dimensions))
        refs = tree.insertDatasets("x", [{"instrument": "Cam"}], run="r3")
        tree.associate("tag", refs)
        tree.removeCollection("tag")
        assert tree.getDataset(refs[0].id) == refs[0]
        assert tree.findDataset("x", {"instrument": "Cam"}, collections="r3") == refs[0]

    def test_removing_a_tagged_collection_deletes_its_memberships(self, tree):
        # Tags rows have no cascading foreign key to the collection: removal deletes them, so a
        # collection made later (which may reuse the integer key on SQLite) starts empty.
        tree.insertDimensionData("instrument", {"name": "Cam"})
        tree.registerDatasetType(DatasetType("x", ("instrument",), "StructuredDataDict",
                                             universe=tree.dimensions))
        refs = tree.insertDatasets("x", [{"instrument": "Cam"}], run="r3")
        tree.associate("tag", refs)
        tags = tree.datasets._types.find("x").tags
        key = tree.collections_manager.find("tag").key

        def memberships() -> int:
            return tree.db.execute(sa.select(sa.func.count()).select_from(tags)
                                   .where(tags.c.collection_id == key)).scalar()

        assert memberships() == 1
        tree.removeCollection("tag")
        assert memberships() == 0
        tree.registerCollection("tag2", CollectionType.TAGGED)
        assert list(tree.queryDatasets("x", collections="tag2")) == []
