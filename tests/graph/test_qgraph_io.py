"""Quantum graph files: save/load round trips, partial loads by node ID, damaged files."""

from __future__ import annotations

import json
import uuid
import zipfile

import pytest

import pipetasks.graph.io as graph_io
from graph_test_repo import INPUTS
from graph_test_tasks import TOY, CalibrateTask, ReadSchemaTask, SchemaTask, make_pipeline_graph
from pipetasks.graph import InvalidQuantumGraphFileError, QuantumGraph, QuantumGraphBuilder

TASKS = (*TOY, ("calibrate", CalibrateTask), ("schema", SchemaTask), ("readSchema", ReadSchemaTask))


@pytest.fixture
def graph(repo) -> QuantumGraph:
    pipeline = make_pipeline_graph(repo, *TASKS, overrides={"scale": {"factor": 3.5}, "calibrate": {"doFlat": True}})
    return QuantumGraphBuilder(pipeline, repo, input_collections=[INPUTS], output_run="out",
                               where="visit IN (1, 2)").build(metadata={"output": "u/me"})


def same_ref(a, b) -> bool:
    return (a.id, a.run, a.datasetType, a.dataId.full_values) == (b.id, b.run, b.datasetType, b.dataId.full_values)


def assert_same_quantum(a, b) -> None:
    assert (a.taskLabel, a.taskName, a.dataId.full_values) == (b.taskLabel, b.taskName, b.dataId.full_values)
    for mine, theirs in ((a.inputs, b.inputs), (a.outputs, b.outputs), (a.initInputs, b.initInputs)):
        assert mine.keys() == theirs.keys()
        for name in mine:
            left = mine[name] if isinstance(mine[name], tuple) else (mine[name],)
            right = theirs[name] if isinstance(theirs[name], tuple) else (theirs[name],)
            assert len(left) == len(right) and all(same_ref(x, y) for x, y in zip(left, right))


def test_round_trip_keeps_every_quantum_ref_and_id(graph, tmp_path):
    path = tmp_path / "run.qg"
    graph.save(path)
    loaded = QuantumGraph.load(path)
    assert loaded.task_labels() == graph.task_labels() and len(loaded) == len(graph)
    assert [n for n, _ in loaded.quanta()] == [n for n, _ in graph.quanta()]
    for node_id, quantum in graph.quanta():
        assert_same_quantum(quantum, loaded.get_quantum(node_id))
        assert loaded.upstream(node_id) == graph.upstream(node_id)
        assert loaded.downstream(node_id) == graph.downstream(node_id)
    for label in graph.init_outputs:
        assert all(same_ref(graph.init_outputs[label][n], loaded.init_outputs[label][n])
                   for n in graph.init_outputs[label])
    assert loaded.init_inputs.keys() == graph.init_inputs.keys()
    assert loaded.datastore_records == graph.datastore_records
    assert loaded.metadata == graph.metadata and loaded.metadata["output"] == "u/me"


def test_round_trip_keeps_pipeline_configs_and_dimension_records(graph, tmp_path):
    path = tmp_path / "run.qg"
    graph.save(path)
    loaded = QuantumGraph.load(path)
    assert list(loaded.pipeline_graph.tasks) == list(graph.pipeline_graph.tasks)
    assert loaded.pipeline_graph.tasks["scale"].config.factor == 3.5
    assert loaded.pipeline_graph.tasks["calibrate"].config.doFlat
    node_id, quantum = next(loaded.quanta("calibrate"))
    original = graph.get_quantum(node_id)
    assert quantum.dataId.records["detector"].full_name == original.dataId.records["detector"].full_name
    assert quantum.dataId.timespan == original.dataId.timespan
    assert quantum.inputs["bias"][0].datasetType.isCalibration()


def test_ids_are_stable_across_repeated_save_and_load(graph, tmp_path):
    graph.save(tmp_path / "a.qg")
    QuantumGraph.load(tmp_path / "a.qg").save(tmp_path / "b.qg")
    again = QuantumGraph.load(tmp_path / "b.qg")
    ids = lambda g: sorted((n, r.id) for n, q in g.quanta() for r in q.iter_output_refs())  # noqa: E731
    assert ids(again) == ids(graph)


def test_partial_load_reads_only_the_requested_quanta(graph, tmp_path):
    path = tmp_path / "run.qg"
    graph.save(path)
    wanted = [n for n, _ in graph.quanta("scale")][:2] + [n for n, _ in graph.quanta("visitSum")][-1:]
    part = QuantumGraph.load(path, nodes=[str(wanted[0]), *wanted[1:]])
    assert {n for n, _ in part.quanta()} == set(wanted) and len(part) == 3
    for node_id in wanted:
        assert_same_quantum(part.get_quantum(node_id), graph.get_quantum(node_id))
        assert part.upstream(node_id) == graph.upstream(node_id)
    assert set(part.all_node_ids()) == {n for n, _ in graph.quanta()}
    raws = {ref.id for n in wanted for ref in graph.get_quantum(n).inputs.get("raw", ())}
    assert set(part.datastore_records) == raws
    with pytest.raises(KeyError, match="among the loaded quanta"):
        part.get_quantum(next(n for n, _ in graph.quanta("offset")))
    with pytest.raises(KeyError, match="no quantum"):
        QuantumGraph.load(path, nodes=[uuid.uuid4()])


def test_partial_load_does_not_touch_other_blocks(graph, tmp_path, monkeypatch):
    monkeypatch.setattr(graph_io, "BLOCK_SIZE", 4)
    path = tmp_path / "run.qg"
    graph.save(path)
    damaged = tmp_path / "damaged.qg"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, b"not json" if item.filename == "blocks/000002.json" else data)
    first = [n for n, _ in graph.quanta()][:4]
    assert len(QuantumGraph.load(damaged, nodes=first)) == 4
    with pytest.raises(InvalidQuantumGraphFileError, match="blocks/000002.json"):
        QuantumGraph.load(damaged)


def test_clobbered_outputs_survive_a_round_trip(graph, tmp_path):
    node_id, quantum = next(graph.quanta("offset"))
    old = next(graph.quanta("scale"))[1].outputs["scaled"][0]
    graph.clobbered_outputs[node_id] = [old]
    graph.save(tmp_path / "run.qg")
    loaded = QuantumGraph.load(tmp_path / "run.qg")
    assert list(loaded.clobbered_outputs) == [node_id]
    assert same_ref(loaded.clobbered_outputs[node_id][0], old)


def test_files_that_are_not_graphs_are_refused(graph, tmp_path):
    with pytest.raises(ValueError, match=r"end in \.qg"):
        graph.save(tmp_path / "run.zip")
    (tmp_path / "text.qg").write_text("hello")
    with pytest.raises(InvalidQuantumGraphFileError, match="not a quantum graph file"):
        QuantumGraph.load(tmp_path / "text.qg")
    graph.save(tmp_path / "run.qg")
    with zipfile.ZipFile(tmp_path / "run.qg") as source, zipfile.ZipFile(tmp_path / "future.qg", "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "header.json":
                data = json.dumps({**json.loads(data), "version": 99}).encode()
            target.writestr(item, data)
    with pytest.raises(InvalidQuantumGraphFileError, match="version 99"):
        QuantumGraph.load(tmp_path / "future.qg")
    with pytest.raises(FileNotFoundError):
        QuantumGraph.load(tmp_path / "missing.qg")


def test_save_that_fails_leaves_no_file_behind(graph, tmp_path):
    graph.metadata["not_json"] = object()
    with pytest.raises(TypeError, match="not JSON serializable"):
        graph.save(tmp_path / "run.qg")
    assert list(tmp_path.iterdir()) == [tmp_path / "repo"]
