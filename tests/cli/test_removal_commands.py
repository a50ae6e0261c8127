"""``butler prune-datasets``, ``remove-runs`` and ``remove-collections`` on real repositories.

Repository content: tests/cli/conftest.py (run1: 16 summaries, run2: 4,
calib/bias: 4 biases certified in calib, tagged: run1's visit 2, chain =
[run2, run1]).
"""

from pathlib import Path

import pytest

from butler import Butler, CollectionType, DatasetExistence


def files(repo) -> set[str]:
    """Dataset files on disk, relative to the repository root."""
    root = Path(repo)
    return {str(p.relative_to(root)) for p in root.rglob("*.yaml") if p.name != "butler.yaml"}


def snapshot(repo) -> tuple:
    """Everything the verbs may change: datasets, memberships, certifications, chains, files."""
    with Butler(repo) as butler:
        datasets = {(r.id, r.run) for r in butler.query_datasets("summary", "*", find_first=False, limit=None,
                                                                 explain=False)}
        tagged = {r.id for r in butler.query_datasets("summary", "tagged", limit=None, explain=False)}
        certified = {(a.ref.id, str(a.timespan)) for a in butler.registry.queryDatasetAssociations(
            "bias", collections="calib", collectionTypes=CollectionType.CALIBRATION)}
        collections = {info.name: (info.type, info.children) for info in butler.collections.query_info("*")}
    return datasets, tagged, certified, collections, files(repo)


def refs(repo, collection, where="", dataset_type="summary"):
    with Butler(repo) as butler:
        return butler.query_datasets(dataset_type, collection, find_first=False, where=where, limit=None,
                                     explain=False)


# prune-datasets ------------------------------------------------------------------------------------


def test_prune_purge_removes_registry_entries_and_files(invoke, repo):
    before = files(repo)
    result = invoke("prune-datasets", repo, "--purge", "run2", "--no-confirm")
    assert result.exit_code == 0, result.output
    assert "Removed 4 datasets from the repository." in result.output
    assert refs(repo, "run2") == []
    removed = before - files(repo)
    assert removed == {f for f in before if f.startswith("run2/")} and len(removed) == 4
    with Butler(repo, collections="chain") as butler:  # the chain now finds run1's visit-1 datasets
        assert butler.get("summary", instrument="Cam", visit=1, detector=0) == {"visit": 1, "detector": 0}


def test_prune_unstore_deletes_files_but_keeps_registry_entries(invoke, repo):
    result = invoke("prune-datasets", repo, "run1", "--unstore", "--where", "visit = 3", "--no-confirm")
    assert result.exit_code == 0, result.output
    assert "Deleted the files of 4 datasets; their registry entries remain." in result.output
    pruned = refs(repo, "run1", "visit = 3")
    assert len(pruned) == 4
    with Butler(repo) as butler:
        assert all(butler.exists(ref) == DatasetExistence.RECORDED for ref in pruned)
        assert butler.exists(refs(repo, "run1", "visit = 1")[0]) == DatasetExistence.VERIFIED
    assert not any("/3/" in f for f in files(repo) if f.startswith("run1/"))
    assert len([f for f in files(repo) if f.startswith("run1/")]) == 12


def test_prune_disassociate_removes_from_tagged_only(invoke, repo):
    before = snapshot(repo)
    result = invoke("prune-datasets", repo, "--disassociate", "tagged", "--where", "detector < 2",
                    "--no-confirm")
    assert result.exit_code == 0, result.output
    assert "Removed 2 datasets from tagged." in result.output
    assert {r.dataId["detector"] for r in refs(repo, "tagged")} == {2, 3}
    assert len(refs(repo, "run1")) == 16 and files(repo) == before[4]


def test_prune_disassociate_from_calibration_collection_decertifies(invoke, repo):
    result = invoke("prune-datasets", repo, "--disassociate", "calib", "--datasets", "bias",
                    "--where", "detector = 1", "--no-confirm")
    assert result.exit_code == 0, result.output
    assert "Removed 1 datasets from calib." in result.output
    assert sorted(r.dataId["detector"] for r in refs(repo, "calib", dataset_type="bias")) == [0, 2, 3]
    assert len(refs(repo, "calib/bias", dataset_type="bias")) == 4


def test_prune_searches_find_first_unless_find_all(invoke, repo):
    first = invoke("prune-datasets", repo, "chain", "--unstore", "--where", "visit = 1", "--no-confirm")
    assert first.exit_code == 0, first.output
    assert not any(f.startswith("run2/") for f in files(repo))
    assert len([f for f in files(repo) if f.startswith("run1/")]) == 16
    every = invoke("prune-datasets", repo, "run*", "--find-all", "--unstore", "--where", "visit = 1",
                   "--no-confirm")
    assert every.exit_code == 0, every.output
    assert len([f for f in files(repo) if f.startswith("run1/")]) == 12


def test_prune_asks_and_no_leaves_everything(invoke, repo):
    before = snapshot(repo)
    result = invoke("prune-datasets", repo, "--purge", "run2", input="n\n")
    assert result.exit_code == 0, result.output
    assert "Remove these datasets? [y/N]" in result.output
    assert "Did not remove the datasets." in result.output
    assert snapshot(repo) == before


def test_prune_asks_and_yes_removes(invoke, repo):
    result = invoke("prune-datasets", repo, "--purge", "run2", input="y\n")
    assert result.exit_code == 0, result.output
    assert "Removed 4 datasets from the repository." in result.output
    assert refs(repo, "run2") == []


def test_prune_dry_run_shows_type_run_data_id_id_and_uri_and_changes_nothing(invoke, repo):
    before = snapshot(repo)
    result = invoke("prune-datasets", repo, "run2", "--unstore", "--dry-run")
    assert result.exit_code == 0, result.output
    assert snapshot(repo) == before
    lines = result.output.splitlines()
    # Too wide for 80 columns: one field/value block per dataset.
    ref = sorted(refs(repo, "run2"), key=lambda r: r.dataId["detector"])[0]
    at = lines.index(f"id       {ref.id}")
    assert lines[at - 3:at] == ["type     summary", "run      run2", "data ID  instrument=Cam, detector=0, visit=1"]
    assert lines[at + 1].startswith("URI") and lines[at + 1].endswith("summary_Cam_r_Cam-r_1_D0_run2.yaml")
    assert "Dry run" in lines[-1]


def test_prune_quiet_removes_silently(invoke, repo):
    result = invoke("prune-datasets", repo, "run2", "--unstore", "--quiet")
    assert result.exit_code == 0 and result.output == ""
    assert not any(f.startswith("run2/") for f in files(repo))


def test_prune_with_nothing_matching_says_so(invoke, repo):
    result = invoke("prune-datasets", repo, "run2", "--unstore", "--where", "visit = 4")
    assert result.exit_code == 0, result.output
    assert "Nothing to remove" in result.output


@pytest.mark.parametrize("args, message", [
    (["run1"], "No operation: one of --purge, --unstore, or --disassociate must be provided."),
    (["--purge", "run1", "--disassociate", "tagged"], "may not be used together"),
    (["run1", "--unstore", "--quiet", "--dry-run"], "Can not use --quiet and --dry-run together."),
    (["--unstore"], "Must indicate collections from which to prune datasets"),
    (["--purge", "tagged"], "Can not prune a collection that is not a RUN collection: tagged"),
    (["--disassociate", "run1"], "needs TAGGED or CALIBRATION collections, but 'run1' is RUN"),
    (["run*", "--unstore", "--no-confirm"], "cannot be searched find-first"),
    (["run1", "--unstore", "--datasets", "nosuch", "--no-confirm"], "'nosuch' is not registered"),
    (["nosuch", "--unstore", "--no-confirm"], "'nosuch' does not exist"),
    (["--purge", "nosuch", "--no-confirm"], "'nosuch' does not exist"),
])
def test_prune_bad_input_is_one_line_error_and_changes_nothing(invoke, repo, args, message):
    before = snapshot(repo)
    result = invoke("prune-datasets", repo, *args)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") and len(result.output.strip().splitlines()) == 1
    assert message in result.output
    assert snapshot(repo) == before


def test_prune_with_bad_where_expression_points_at_it_and_changes_nothing(invoke, repo):
    before = snapshot(repo)
    result = invoke("prune-datasets", repo, "run1", "--unstore", "--where", "visit = = 1", "--no-confirm")
    assert result.exit_code == 1
    assert result.output.startswith("Error: Syntax error in where expression")
    assert snapshot(repo) == before


def test_prune_lsst_command_lines_work_unchanged(invoke, repo):
    # From LSST's tests and docs: COLLECTION positional, repeated --disassociate, --purge RUN with --where.
    result = invoke("prune-datasets", repo, "--disassociate", "tagged", "--disassociate", "tagged",
                    "--no-confirm")
    assert result.exit_code == 0, result.output
    result = invoke("prune-datasets", repo, "--no-confirm", "--purge", "run1", "--where",
                    "instrument='Cam' AND visit=4")
    assert result.exit_code == 0, result.output
    assert len(refs(repo, "run1")) == 12
    result = invoke("prune-datasets", repo, "run2", "--unstore", "--datasets", "summary", "--no-confirm")
    assert result.exit_code == 0, result.output


# remove-runs -----------------------------------------------------------------------------------------


def test_remove_runs_shows_runs_chains_and_counts_and_no_leaves_everything(invoke, repo):
    before = snapshot(repo)
    result = invoke("remove-runs", repo, "run*", input="n\n")
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines()]
    assert ["run1", "16", "chain"] in rows and ["run2", "4", "chain"] in rows
    assert "Datasets to remove: summary(20); total 20." in result.output
    assert "Aborted." in result.output
    assert snapshot(repo) == before


def test_remove_runs_yes_removes_runs_datasets_files_and_chain_links(invoke, repo):
    result = invoke("remove-runs", repo, "run2", input="y\n")
    assert result.exit_code == 0, result.output
    assert "Removed 1 RUN collection and 4 datasets." in result.output
    with Butler(repo) as butler:
        assert "run2" not in butler.collections.query("*")
        assert butler.collections.get_info("chain").children == ("run1",)
    assert not any(f.startswith("run2/") for f in files(repo))
    assert len(refs(repo, "run1")) == 16


def test_remove_runs_without_confirmation_refuses_chained_runs_unless_forced(invoke, repo):
    before = snapshot(repo)
    refused = invoke("remove-runs", repo, "run1", "--no-confirm")
    assert refused.exit_code == 1
    assert refused.output.startswith("Error: ") and len(refused.output.strip().splitlines()) == 1
    assert 'run1 in "chain"' in refused.output and "--force" in refused.output
    assert snapshot(repo) == before
    forced = invoke("remove-runs", repo, "run1", "--no-confirm", "--force")
    assert forced.exit_code == 0, forced.output
    assert "Removed 1 RUN collection and 16 datasets." in forced.output
    with Butler(repo) as butler:
        assert butler.collections.get_info("chain").children == ("run2",)


def test_remove_runs_no_confirm_removes_unchained_run(invoke, repo):
    result = invoke("remove-runs", repo, "calib/bias", "--no-confirm")
    assert result.exit_code == 0, result.output
    assert "The following RUN collections were removed:" in result.output
    assert refs(repo, "calib", dataset_type="bias") == []
    assert not any(f.startswith("calib/") for f in files(repo))


def test_remove_runs_of_missing_collection_finds_nothing_as_lsst(invoke, repo):
    result = invoke("remove-runs", repo, "foo")
    assert result.exit_code == 0
    assert "No RUN collections were found (no collection is named foo)." in result.output


def test_remove_runs_refuses_a_non_run_by_name(invoke, repo):
    before = snapshot(repo)
    result = invoke("remove-runs", repo, "tagged", "--no-confirm")
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: 'tagged' is a TAGGED collection, not a RUN: remove it with "
                                     "`butler remove-collections`.")
    assert snapshot(repo) == before


@pytest.mark.postgres
def test_remove_runs_on_postgres(invoke, pg_repo):
    refused = invoke("remove-runs", pg_repo, "run*", "--no-confirm")
    assert refused.exit_code == 1
    result = invoke("remove-runs", pg_repo, "run*", input="y\n")
    assert result.exit_code == 0, result.output
    assert "Removed 2 RUN collections and 20 datasets." in result.output
    with Butler(pg_repo) as butler:
        assert butler.collections.query("run*") == []
        assert butler.collections.get_info("chain").children == ()
        assert len(butler.query_datasets("summary", "*", find_first=False, limit=None, explain=False)) == 0
    assert not any(f.startswith("run") for f in files(pg_repo))


# remove-collections ----------------------------------------------------------------------------------


def test_remove_collections_skips_runs_and_removes_others_after_yes(invoke, repo):
    before_files = files(repo)
    result = invoke("remove-collections", repo, "*", "--remove-from-parents", input="y\n")
    assert result.exit_code == 0, result.output
    assert "Skipping RUN collections run1, run2, calib/bias" in result.output
    assert "remove-runs" in result.output
    rows = [line.split() for line in result.output.splitlines()]
    assert ["tagged", "TAGGED", "4", "datasets"] in rows
    assert ["calib", "CALIBRATION", "4", "certifications"] in rows
    with Butler(repo) as butler:
        assert butler.collections.query("*") == ["run1", "run2", "calib/bias"]
    assert files(repo) == before_files
    assert len(refs(repo, "run1")) == 16


def test_remove_collections_no_leaves_everything(invoke, repo):
    before = snapshot(repo)
    result = invoke("remove-collections", repo, "chain", "tagged", input="n\n")
    assert result.exit_code == 0 and "Aborted." in result.output
    assert snapshot(repo) == before


def test_remove_collections_refuses_child_of_chain_unless_remove_from_parents(invoke, repo):
    with Butler(repo, writeable=True) as butler:
        butler.collections.register("outer", CollectionType.CHAINED)
        butler.collections.redefine_chain("outer", ["tagged", "chain"])
    before = snapshot(repo)
    refused = invoke("remove-collections", repo, "tagged", "--no-confirm")
    assert refused.exit_code == 1
    assert refused.output.startswith("Error: ") and len(refused.output.strip().splitlines()) == 1
    assert 'tagged in "outer"' in refused.output and "--remove-from-parents" in refused.output
    assert snapshot(repo) == before
    # LSST's spelling, flag before REPO: tagged leaves outer, which keeps chain.
    forced = invoke("remove-collections", "--remove-from-parents", repo, "tag*", "--no-confirm")
    assert forced.exit_code == 0, forced.output
    with Butler(repo) as butler:
        assert butler.collections.get_info("outer").children == ("chain",)
    # A chain removed together with the chain that holds it needs no flag.
    both = invoke("remove-collections", repo, "chain", "outer", "--no-confirm")
    assert both.exit_code == 0, both.output
    with Butler(repo) as butler:
        assert butler.collections.query("*") == ["run1", "run2", "calib/bias", "calib"]


def test_remove_collections_with_only_runs_or_missing_names_finds_nothing(invoke, repo):
    result = invoke("remove-collections", repo, "run*", "fake_collection")
    assert result.exit_code == 0
    assert "No non-RUN collections were found (no collection is named fake_collection)." in result.output
    assert "Skipping RUN collections run1, run2" in result.output
