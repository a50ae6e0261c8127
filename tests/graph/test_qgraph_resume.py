"""Building on an earlier run: skip-existing-in, extend-run, clobber, and outputs in the way."""

from __future__ import annotations

import pytest

from butler.errors import MissingCollectionError
from butler.quantum_backed import QuantumOutputs, register_quantum_outputs
from graph_test_repo import DETECTORS, INPUTS, VISITS
from graph_test_tasks import TOY, make_pipeline_graph
from pipetasks.graph import EmptyGraphError, OutputExistsError, QuantumGraphBuilder


def build(butler, **kwargs):
    kwargs.setdefault("input_collections", [INPUTS])
    kwargs.setdefault("output_run", "out")
    return QuantumGraphBuilder(make_pipeline_graph(butler, *TOY), butler, **kwargs).build()


def run_as_if_done(butler, graph, label, visits, *, except_outputs=()):
    """Register what the quanta of ``label`` for ``visits`` would have written (no files: the registry is enough)."""
    graph.pipeline_graph.register_dataset_types(butler)
    butler.registry.registerRun("out")
    refs = [ref for _, quantum in graph.quanta(label) if quantum.dataId["visit"] in visits
            for name, group in quantum.outputs.items() for ref in group
            if (name, quantum.dataId["visit"], quantum.dataId.get("detector")) not in except_outputs]
    refs.append(graph.init_outputs[label][f"{label}_config"])
    register_quantum_outputs(butler, QuantumOutputs(refs=refs, records=[]))
    return {ref.id: ref for ref in refs}


def quanta_by_data_id(graph, label):
    return {(q.dataId["visit"], q.dataId.get("detector")): q for _, q in graph.quanta(label)}


def test_quanta_whose_metadata_exists_are_skipped_and_their_outputs_read_downstream(repo):
    first = build(repo)
    done = run_as_if_done(repo, first, "scale", {1})
    graph = build(repo, extend_run=True, skip_existing_in=["out"])
    assert {v for v, _ in quanta_by_data_id(graph, "scale")} == {2, 3}
    offset = quanta_by_data_id(graph, "offset")
    for detector in DETECTORS:
        (scaled,) = offset[(1, detector)].inputs["scaled"]
        assert scaled.id in done and scaled.run == "out"
    assert graph.metadata["skip_existing_in"] == ["out"] and graph.metadata["extend_run"]


def test_skipped_quantum_missing_an_output_leaves_its_consumer_without_work(repo):
    first = build(repo)
    run_as_if_done(repo, first, "scale", {1}, except_outputs={("scaled", 1, 2)})
    graph = build(repo, extend_run=True, skip_existing_in=["out"])
    assert (1, 2) not in quanta_by_data_id(graph, "scale")
    assert (1, 2) not in quanta_by_data_id(graph, "offset")
    assert len(quanta_by_data_id(graph, "visitSum")[(1, None)].inputs["offset"]) == 2


def test_skip_existing_in_another_collection_needs_no_extend_run(repo):
    first = build(repo)
    run_as_if_done(repo, first, "scale", set(VISITS))
    graph = build(repo, output_run="out2", skip_existing_in=["out"])
    assert graph.num_quanta("scale") == 0 and "scale" not in graph.task_labels()
    assert graph.num_quanta("offset") == len(VISITS) * len(DETECTORS)
    assert all(ref.run == "out" for _, q in graph.quanta("offset") for ref in q.inputs["scaled"])


def test_everything_skipped_is_an_empty_graph_saying_so(repo):
    first = build(repo)
    for label in ("scale", "offset", "visitSum"):
        run_as_if_done(repo, first, label, set(VISITS))
    with pytest.raises(EmptyGraphError, match="already ran"):
        build(repo, extend_run=True, skip_existing_in=["out"])


def test_missing_skip_collection_is_ignored(repo):
    graph = build(repo, skip_existing_in=["out", "never/made"])
    assert graph.num_quanta("scale") == len(VISITS) * len(DETECTORS)
    assert graph.metadata["skip_existing_in"] == []


def test_existing_output_run_needs_extend_run(repo):
    repo.registry.registerRun("out")
    with pytest.raises(OutputExistsError, match="extend_run"):
        build(repo)


def test_extend_run_needs_an_existing_run(repo):
    with pytest.raises(MissingCollectionError, match="does not exist"):
        build(repo, extend_run=True)


def test_outputs_in_the_way_are_an_error_naming_them_and_the_options(repo):
    first = build(repo)
    run_as_if_done(repo, first, "scale", {2}, except_outputs={("scale_metadata", 2, d) for d in DETECTORS})
    with pytest.raises(OutputExistsError) as caught:
        build(repo, extend_run=True, skip_existing_in=["out"])
    message = str(caught.value)
    assert "6 output dataset(s) of task 'scale'" in message and "scaled@{instrument: 'Cam'" in message
    assert "clobber=True" in message and "skip_existing_in" in message and "'out'" in message


def test_clobber_lists_the_outputs_each_quantum_replaces(repo):
    first = build(repo)
    done = run_as_if_done(repo, first, "scale", {2}, except_outputs={("scale_metadata", 2, d) for d in DETECTORS})
    graph = build(repo, extend_run=True, clobber=True)
    replaced = {ref.id for refs in graph.clobbered_outputs.values() for ref in refs}
    assert replaced == {ref_id for ref_id, ref in done.items() if ref.dataId}
    for node_id, refs in graph.clobbered_outputs.items():
        quantum = graph.get_quantum(node_id)
        assert quantum.dataId["visit"] == 2
        assert {ref.datasetType.name for ref in refs} == {"scaled", "scale_log"}
        assert not {ref.id for ref in refs} & {ref.id for ref in quantum.iter_output_refs()}
    assert graph.metadata["clobber"]


def test_extend_run_reuses_existing_init_outputs(repo):
    first = build(repo)
    done = run_as_if_done(repo, first, "scale", {1})
    graph = build(repo, extend_run=True, skip_existing_in=["out"])
    config = graph.init_outputs["scale"]["scale_config"]
    assert config.id == first.init_outputs["scale"]["scale_config"].id and config.id in done
    assert graph.init_outputs["offset"]["offset_config"].id != first.init_outputs["offset"]["offset_config"].id


def test_extend_run_searches_the_output_run_first_for_inputs(repo):
    repo.registry.registerRun("out")
    mine = repo.put({"value": -1}, "raw", instrument="Cam", visit=1, detector=0, run="out")
    graph = build(repo, extend_run=True)
    assert quanta_by_data_id(graph, "scale")[(1, 0)].inputs["raw"] == (mine,)
    assert quanta_by_data_id(graph, "scale")[(1, 1)].inputs["raw"][0].run == "inputs"
    assert graph.metadata["input"] == [INPUTS]
