"""``register-dataset-type``, ``remove-dataset-type``, ``collection-chain``, ``associate`` and
``certify-calibrations`` on the standard repositories of tests/cli/conftest.py."""

from __future__ import annotations

import astropy.time
import pytest

from butler import Butler, CollectionType, Timespan


def dataset_type_names(repo: str) -> set[str]:
    with Butler(repo) as butler:
        return {t.name for t in butler.registry.queryDatasetTypes()}


def collection_names(repo: str) -> set[str]:
    with Butler(repo) as butler:
        return set(butler.collections.query("*"))


def chain_of(repo: str, parent: str) -> tuple[str, ...]:
    with Butler(repo) as butler:
        return tuple(butler.registry.getCollectionChain(parent))


def ids_in(repo: str, dataset_type: str, collection: str) -> set:
    with Butler(repo) as butler:
        return {r.id for r in butler.query_datasets(dataset_type, collection, find_first=False, limit=None,
                                                    explain=False)}


def certifications(repo: str, collection: str) -> list[tuple[dict, Timespan]]:
    with Butler(repo) as butler:
        return sorted(((dict(a.ref.dataId.required), a.timespan) for a in
                       butler.registry.queryDatasetAssociations("bias", collections=collection,
                                                                collectionTypes=CollectionType.CALIBRATION)),
                      key=lambda pair: (pair[0]["detector"], pair[1].nsec))


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    error_lines = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(error_lines) == 1, result.output
    for fragment in fragments:
        assert fragment in error_lines[0], result.output


# register-dataset-type ------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_repo(request):
    """The standard repository on SQLite and on PostgreSQL."""
    return request.getfixturevalue("repo" if request.param == "sqlite" else "pg_repo")


def test_register_dataset_type_lsst_command_line_registers_then_reports_identical(invoke, any_repo):
    result = invoke("register-dataset-type", any_repo, "calexpSummary", "StructuredDataDict", "instrument",
                    "visit", "detector")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Dataset type successfully registered")
    with Butler(any_repo) as butler:
        registered = butler.registry.getDatasetType("calexpSummary")
    assert set(registered.dimensions.required) == {"instrument", "visit", "detector"}
    assert registered.storageClass_name == "StructuredDataDict"
    assert not registered.isCalibration()
    again = invoke("register-dataset-type", any_repo, "calexpSummary", "StructuredDataDict", "instrument",
                   "visit", "detector")
    assert again.exit_code == 0
    assert again.output.startswith("Dataset type already existed in identical form")


def test_register_dataset_type_conflicting_definition_is_one_line_error(invoke, any_repo):
    result = invoke("register-dataset-type", any_repo, "summary", "StructuredDataDict", "instrument",
                    "detector")
    assert_one_line_error(result, "'summary' is already registered", "(instrument, detector, visit;")
    with Butler(any_repo) as butler:
        assert "visit" in butler.registry.getDatasetType("summary").dimensions.required


def test_register_calibration_type_without_dimensions_accepts_commas(invoke, repo):
    assert invoke("register-dataset-type", repo, "flatNorm", "StructuredDataDict", "instrument,detector",
                  "--is-calibration").exit_code == 0
    assert invoke("register-dataset-type", repo, "runConfig", "StructuredDataDict").exit_code == 0
    with Butler(repo) as butler:
        assert butler.registry.getDatasetType("flatNorm").isCalibration()
        assert not butler.registry.getDatasetType("runConfig").dimensions.names


@pytest.mark.parametrize("args, fragment", [
    (("newType", "StructuredDataDic", "instrument"), "Did you mean 'StructuredDataDict'"),
    (("newType", "StructuredDataDict", "instrument", "nodim"), "'nodim'"),
    (("newType.part", "StructuredDataDict", "instrument"), "Component dataset types"),
    (("1newType", "StructuredDataDict", "instrument"), "not valid"),
])
def test_register_dataset_type_bad_input_leaves_repo_unchanged(invoke, repo, args, fragment):
    before = dataset_type_names(repo)
    assert_one_line_error(invoke("register-dataset-type", repo, *args), fragment)
    assert dataset_type_names(repo) == before


# remove-dataset-type --------------------------------------------------------------------------


def test_remove_dataset_type_by_name_and_glob_prints_what_was_removed(invoke, repo):
    for name in ("tmpA", "tmpB", "other"):
        invoke("register-dataset-type", repo, name, "StructuredDataDict", "instrument")
    result = invoke("remove-dataset-type", repo, "tmp*", "other", "neverRegistered")
    assert result.exit_code == 0, result.output
    assert "Removed dataset type tmpA" in result.output and "Removed dataset type tmpB" in result.output
    assert "Removed dataset type other" in result.output
    assert "'neverRegistered'; skipped" in result.output
    assert dataset_type_names(repo) == {"summary", "bias"}


def test_remove_dataset_type_with_datasets_says_prune_first_and_removes_nothing(invoke, repo):
    invoke("register-dataset-type", repo, "unused", "StructuredDataDict", "instrument")
    result = invoke("remove-dataset-type", repo, "unused", "summary")
    assert_one_line_error(result, "'summary' has 20 dataset(s) in run1, run2", "Prune them first",
                          "prune-datasets", "Nothing was removed")
    assert dataset_type_names(repo) == {"summary", "bias", "unused"}


def test_remove_dataset_type_lsst_command_line(invoke, repo):
    invoke("register-dataset-type", repo, "isr_a", "StructuredDataDict", "instrument", "detector")
    assert invoke("remove-dataset-type", repo, "isr_a").exit_code == 0
    assert "isr_a" not in dataset_type_names(repo)


# collection-chain ------------------------------------------------------------------------------


def test_collection_chain_lsst_command_line_creates_chain_from_comma_and_space_children(invoke, any_repo):
    result = invoke("collection-chain", any_repo, "PARENT", "run1,run2", "calib/bias", "--doc", "my chain")
    assert result.exit_code == 0, result.output
    assert result.output == "[run1, run2, calib/bias]\n"
    assert chain_of(any_repo, "PARENT") == ("run1", "run2", "calib/bias")
    with Butler(any_repo) as butler:
        assert butler.collections.get_info("PARENT").doc == "my chain"


def test_collection_chain_lsst_pop_of_negative_index_after_double_dash(invoke, any_repo):
    result = invoke("collection-chain", any_repo, "--mode=pop", "chain", "--", "-1")
    assert result.exit_code == 0, result.output
    assert result.output == "[run2]\n"
    assert chain_of(any_repo, "chain") == ("run2",)


def test_collection_chain_extend_prepend_remove_and_pop_follow_lsst(invoke, repo):
    assert invoke("collection-chain", repo, "chain", "calib/bias", "--mode", "extend").output == \
        "[run2, run1, calib/bias]\n"
    assert invoke("collection-chain", repo, "chain", "run1", "--mode", "prepend").output == \
        "[run1, run2, calib/bias]\n"
    assert invoke("collection-chain", repo, "chain", "run2", "--mode", "remove").output == \
        "[run1, calib/bias]\n"
    assert invoke("collection-chain", repo, "chain", "--mode", "pop").output == "[calib/bias]\n"
    assert chain_of(repo, "chain") == ("calib/bias",)


def test_collection_chain_extend_creates_missing_chain_and_flatten_expands_children(invoke, repo):
    result = invoke("collection-chain", repo, "flat", "chain", "calib/bias", "--mode", "extend", "--flatten")
    assert result.output == "[run2, run1, calib/bias]\n"
    with Butler(repo) as butler:
        assert butler.collections.get_info("flat").type is CollectionType.CHAINED


@pytest.mark.parametrize("args, fragment", [
    (("newchain", "run1", "nosuch"), "'nosuch'"),
    (("newchain", "run1", "--mode", "remove"), "needs an existing chain"),
    (("chain", "--mode", "pop", "5"), "out of range"),
    (("run1", "run2"), "not CHAINED"),
    (("chain", "chain"), "itself"),
])
def test_collection_chain_bad_input_leaves_repo_unchanged(invoke, repo, args, fragment):
    before = collection_names(repo)
    assert_one_line_error(invoke("collection-chain", repo, *args), fragment)
    assert collection_names(repo) == before
    assert chain_of(repo, "chain") == ("run2", "run1")


@pytest.mark.postgres
def test_collection_chain_failure_on_postgres_creates_nothing(invoke, pg_repo):
    before = collection_names(pg_repo)
    assert_one_line_error(invoke("collection-chain", pg_repo, "newchain", "run1", "nosuch"), "'nosuch'")
    assert collection_names(pg_repo) == before


def test_collection_chain_usage_errors(invoke, repo):
    no_children = invoke("collection-chain", repo, "chain")
    assert no_children.exit_code == 2 and "needs CHILDREN" in no_children.output
    bad_pop = invoke("collection-chain", repo, "chain", "--mode", "pop", "first")
    assert bad_pop.exit_code == 2 and "integer positions" in bad_pop.output
    flatten_remove = invoke("collection-chain", repo, "chain", "run1", "--mode", "remove", "--flatten")
    assert flatten_remove.exit_code == 2
    assert chain_of(repo, "chain") == ("run2", "run1")


# associate --------------------------------------------------------------------------------------


def test_associate_lsst_command_line_adds_datasets_to_new_tagged_collection(invoke, repo):
    result = invoke("associate", repo, "best", "--collections", "run1", "--dataset-type", "summary",
                    "--where", "instrument='Cam' AND visit = 3")
    assert result.exit_code == 0, result.output
    assert "Added 4 dataset(s) to new TAGGED collection 'best'" in result.output
    with Butler(repo) as butler:
        assert butler.collections.get_info("best").type is CollectionType.TAGGED
        refs = butler.query_datasets("summary", "best", limit=None)
    assert {r.dataId["visit"] for r in refs} == {3}
    assert {r.id for r in refs} <= ids_in(repo, "summary", "run1")


def test_associate_counts_datasets_already_in_the_collection(invoke, repo):
    result = invoke("associate", repo, "tagged", "--collections", "run1", "-d", "summary", "--where",
                    "instrument='Cam' AND visit IN (2, 3)")
    assert "Added 4 dataset(s) to TAGGED collection 'tagged' (4 already there)" in result.output
    assert len(ids_in(repo, "summary", "tagged")) == 8


def test_associate_find_first_through_chain_prefers_first_run(invoke, repo):
    result = invoke("associate", repo, "firsts", "--collections", "chain", "--find-first", "-d", "summary")
    assert "Added 16 dataset(s)" in result.output
    tagged = ids_in(repo, "summary", "firsts")
    assert ids_in(repo, "summary", "run2") <= tagged
    assert len(tagged & ids_in(repo, "summary", "run1")) == 12


def test_associate_limit_caps_the_number_added(invoke, repo):
    result = invoke("associate", repo, "few", "--collections", "run1", "--limit", "3")
    assert "Added 3 dataset(s)" in result.output
    assert len(ids_in(repo, "summary", "few")) == 3


@pytest.mark.parametrize("args, fragment", [
    (("both", "--collections", "run1,run2", "-d", "summary"), "already holds a different summary dataset"),
    (("run1", "--collections", "run2"), "already exists as a RUN collection"),
    (("other", "-d", "nosuch"), "'nosuch'"),
])
def test_associate_bad_input_adds_nothing_and_registers_nothing(invoke, repo, args, fragment):
    before = collection_names(repo)
    assert_one_line_error(invoke("associate", repo, *args), fragment)
    assert collection_names(repo) == before
    assert len(ids_in(repo, "summary", "run1")) == 16


def test_associate_find_first_needs_collections(invoke, repo):
    result = invoke("associate", repo, "x", "--find-first")
    assert result.exit_code == 2 and "--find-first needs --collections" in result.output


# certify-calibrations ---------------------------------------------------------------------------


def test_certify_calibrations_lsst_command_line_with_dates(invoke, repo):
    result = invoke("certify-calibrations", repo, "calib/bias", "calib", "bias", "--begin-date",
                    "2024-02-01T00:00:00", "--end-date", "2024-03-01T00:00:00")
    assert result.exit_code == 0, result.output
    assert "Certified 4 bias dataset(s) from 'calib/bias' into CALIBRATION collection 'calib'" \
        in result.output
    certified = certifications(repo, "calib")
    assert len(certified) == 8
    assert Timespan(astropy.time.Time("2024-02-01T00:00:00", scale="tai"),
                    astropy.time.Time("2024-03-01T00:00:00", scale="tai")) in {t for _, t in certified}


def test_certify_calibrations_open_ended_into_new_calibration_collection(invoke, repo):
    result = invoke("certify-calibrations", repo, "calib/bias", "newcalib", "bias")
    assert result.exit_code == 0, result.output
    certified = certifications(repo, "newcalib")
    assert len(certified) == 4
    assert all(t.begin is None and t.end is None for _, t in certified)
    with Butler(repo) as butler:
        assert butler.collections.get_info("newcalib").type is CollectionType.CALIBRATION


def test_certify_calibrations_from_chain_uses_first_child_unless_search_all_inputs(invoke, repo):
    with Butler(repo, writeable=True) as butler:
        butler.registry.registerRun("calib/bias2")
        for d in (0, 1):
            butler.put({"detector": d, "v": 2}, "bias", instrument="Cam", detector=d, run="calib/bias2")
        butler.registry.registerCollection("biases", CollectionType.CHAINED)
        butler.registry.setCollectionChain("biases", ["calib/bias2", "calib/bias"])
    assert "Certified 2 bias" in invoke("certify-calibrations", repo, "biases", "c1", "bias").output
    assert "Certified 4 bias" in invoke("certify-calibrations", repo, "biases", "c2", "bias",
                                        "--search-all-inputs").output
    assert len(certifications(repo, "c1")) == 2
    assert ids_in(repo, "bias", "calib/bias2") < {a for a in ids_in(repo, "bias", "c2")}


@pytest.mark.parametrize("args, fragment", [
    (("calib/bias", "calib", "bias", "--begin-date", "2024-01-15"), "already certified"),
    (("run1", "newcalib", "summary"), "not a calibration type"),
    (("run2", "newcalib", "bias"), "No bias datasets found in 'run2'"),
    (("nosuch", "newcalib", "bias"), "'nosuch'"),
    (("calib/bias", "run1", "bias"), "already exists as a RUN collection"),
])
def test_certify_calibrations_bad_input_certifies_nothing(invoke, repo, args, fragment):
    before_collections = collection_names(repo)
    before = certifications(repo, "calib")
    assert_one_line_error(invoke("certify-calibrations", repo, *args), fragment)
    assert certifications(repo, "calib") == before
    assert collection_names(repo) == before_collections


def test_certify_calibrations_rejects_unreadable_or_reversed_dates(invoke, repo):
    bad = invoke("certify-calibrations", repo, "calib/bias", "c", "bias", "--begin-date", "yesterday")
    assert bad.exit_code == 2 and "not an ISO-8601 date" in bad.output
    reversed_ = invoke("certify-calibrations", repo, "calib/bias", "c", "bias", "--begin-date", "2024-02-01",
                       "--end-date", "2024-01-01")
    assert reversed_.exit_code == 2 and "must be after" in reversed_.output
    assert "c" not in collection_names(repo)
