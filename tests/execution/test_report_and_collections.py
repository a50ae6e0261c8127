"""report_run (what a run did, from its datasets) and the output-collection rules of -i/-o/--output-run."""

from __future__ import annotations

import pytest
from execution_repo import RAW_RUN, RUN_NAME, make_graph

from pipetasks.execution import (
    ExecutionOptions,
    OutputCollectionError,
    OutputExistsError,
    execute_graph,
    report_run,
    resolve_output_collections,
)


def _failed_run(repo):
    graph = make_graph(repo, overrides={"offset": {"failDetectors": "[0]"}})
    execute_graph(repo, graph, ExecutionOptions(register_dataset_types=True))
    return graph


def test_report_counts_succeeded_failed_and_never_run_quanta_with_the_graph(repo):
    graph = _failed_run(repo)
    report = report_run(repo, graph=graph)
    assert report.output_run == RUN_NAME
    assert [(t.label, t.expected, t.succeeded, t.failed, t.not_run) for t in report.tasks.values()] == [
        ("scale", 8, 8, 0, 0), ("offset", 8, 6, 2, 0), ("sum", 2, 0, 0, 2)]
    assert not report.complete
    data_id, message = report.tasks["offset"].failures[0]
    assert data_id["detector"] == 0 and "RuntimeError: offset was told to fail on detector 0" in message


def test_report_without_the_graph_finds_tasks_from_the_run_in_execution_order(repo):
    _failed_run(repo)
    report = report_run(repo, RUN_NAME, with_messages=False)
    assert [(t.label, t.expected, t.succeeded, t.failed) for t in report.tasks.values()] == [
        ("scale", None, 8, 0), ("offset", None, 6, 2)]
    assert report.tasks["offset"].failures[0][1] == ""


def test_report_of_a_missing_run_is_an_error(repo):
    from butler.errors import MissingCollectionError

    with pytest.raises(MissingCollectionError):
        report_run(repo, "no/such/run")


def test_new_output_chain_needs_inputs_and_gets_a_timestamped_run(repo):
    collections = resolve_output_collections(repo, inputs=[RAW_RUN], output="u/me/out")
    assert collections.output_run.startswith("u/me/out/") and collections.output_run.endswith("Z")
    assert collections.new_chain == (collections.output_run, RAW_RUN)
    assert collections.inputs == (RAW_RUN,)
    with pytest.raises(OutputCollectionError, match="give its inputs with -i"):
        resolve_output_collections(repo, output="u/me/other")


def test_existing_chain_is_searched_and_inputs_must_be_its_last_children(repo):
    repo.registry.registerRun("out/old")
    repo.registry.registerCollection("out", type=3)
    repo.registry.setCollectionChain("out", ["out/old", RAW_RUN])
    collections = resolve_output_collections(repo, output="out", output_run="out/new")
    assert collections.inputs == ("out",) and collections.new_chain == ("out/new", "out/old", RAW_RUN)
    assert resolve_output_collections(repo, inputs=[RAW_RUN], output="out", output_run="out/new").inputs == ("out",)
    with pytest.raises(OutputCollectionError, match="does not end with the given inputs"):
        resolve_output_collections(repo, inputs=["out/old"], output="out", output_run="out/new")


def test_existing_output_run_needs_extend_run_and_extend_run_needs_an_existing_run(repo):
    repo.registry.registerRun("out/run")
    with pytest.raises(OutputExistsError, match="--extend-run"):
        resolve_output_collections(repo, inputs=[RAW_RUN], output_run="out/run")
    assert resolve_output_collections(repo, inputs=[RAW_RUN], output_run="out/run", extend_run=True).extend_run
    with pytest.raises(OutputCollectionError, match="does not exist"):
        resolve_output_collections(repo, inputs=[RAW_RUN], output_run="out/none", extend_run=True)
    with pytest.raises(OutputCollectionError, match="-o/--output"):
        resolve_output_collections(repo, inputs=[RAW_RUN])
    with pytest.raises(OutputCollectionError, match="does not exist in the repository"):
        resolve_output_collections(repo, inputs=["nope"], output="x")


def test_extend_run_without_output_run_takes_the_first_child_of_the_chain(repo):
    repo.registry.registerRun("out/r1")
    repo.registry.registerCollection("out", type=3)
    repo.registry.setCollectionChain("out", ["out/r1", RAW_RUN])
    assert resolve_output_collections(repo, output="out", extend_run=True).output_run == "out/r1"
