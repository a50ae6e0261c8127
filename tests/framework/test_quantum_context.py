"""QuantumContext (butlerQC) and PipelineTask.runQuantum against a real repository."""

from __future__ import annotations

import logging
import pickle
import sys
from pathlib import Path

import pytest

from butler import DatasetRef, DeferredDatasetHandle
from pipetasks.framework import (
    AnnotatedPartialOutputsError,
    DatasetNotInQuantumError,
    DeferredDatasetRef,
    ExecutionResources,
    NoWorkFound,
    Quantum,
    QuantumContext,
    Struct,
)
from pipetasks.pipeline import Pipeline

sys.path.insert(0, str(Path(__file__).parents[1] / "pipeline"))
from pipeline_test_repo import make_repository  # noqa: E402

PIPELINE = """
description: quantum context tests
tasks:
  char:
    class: pipeline_test_tasks.CharacterizeLikeTask
    config:
      threshold: 2.0
  scale: pipeline_test_tasks.ScaleTask
  gather:
    class: pipeline_test_tasks.GatherTask
    config:
      connections.catalogs: icSrc
"""


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A repository with inputs stored and the pipeline's output types registered."""
    butler = make_repository(tmp_path_factory.mktemp("qc") / "repo")
    graph = Pipeline.from_string(PIPELINE).to_graph(butler)
    graph.register_dataset_types(butler)
    butler.registry.registerRun("out")
    refs = {
        "exposure": butler.put({"pixels": [1.0, 2.0, 30.0, 4.0]}, "postISRCCD", instrument="Cam", exposure=1,
                               detector=0),
        "bias": butler.put({"level": 1.0}, "bias", instrument="Cam", detector=0),
        "refcats": [butler.put({"shard": i}, "ref_cat", htm7=1000 + i) for i in range(3)],
        "raw": butler.put({"value": 4.0}, "raw", instrument="Cam", visit=1, detector=0),
    }
    yield butler, graph, refs
    butler.close()


def make_quantum(butler, graph, label, data_id, inputs, run="out") -> Quantum:
    """What a graph builder would make: inputs given, every output (metadata and log too) predicted."""
    task = graph.tasks[label]
    expanded = butler.registry.expandDataId(data_id, dimensions=task.dimensions)
    outputs = {}
    for edge in task.iter_all_outputs():
        if not edge.kind.is_init:
            node = graph.dataset_types[edge.parent_dataset_type_name]
            outputs[node.name] = [DatasetRef(node.dataset_type, expanded.subset(node.dimensions), run)]
    return Quantum(label, task.task_class_name, expanded, inputs, outputs)


def run_quantum(graph, quantum, butler):
    task_node = graph.tasks[quantum.taskLabel]
    task = task_node.task_class(config=task_node.config)
    context = QuantumContext(butler, quantum)
    input_refs, output_refs = task_node.connections.buildDatasetRefs(quantum)
    task.runQuantum(context, input_refs, output_refs)
    return task, context


def char_quantum(setup, data_id=None):
    butler, graph, refs = setup
    return make_quantum(butler, graph, "char", data_id or {"instrument": "Cam", "visit": 1, "detector": 0},
                        {"postISRCCD": [refs["exposure"]], "bias": [refs["bias"]], "ref_cat": refs["refcats"]})


def test_default_run_quantum_reads_inputs_runs_and_writes_outputs(setup):
    butler, graph, refs = setup
    quantum = make_quantum(butler, graph, "scale", {"instrument": "Cam", "visit": 1, "detector": 0},
                           {"raw": [refs["raw"]]}, run="out_scale")
    butler.registry.registerRun("out_scale")
    _, context = run_quantum(graph, quantum, butler)
    assert butler.get("scaled", instrument="Cam", visit=1, detector=0, collections="out_scale") == {"value": 8.0}
    assert [ref.datasetType.name for ref in context.outputs_written] == ["scaled"]
    assert context.inputs_read == [refs["raw"]]
    assert {key[0].name for key in context.outputsPut} == {"scaled"}


def test_run_quantum_override_gets_data_id_deferred_handles_and_prerequisites(setup):
    butler, graph, _ = setup
    quantum = char_quantum(setup)
    task, context = run_quantum(graph, quantum, butler)
    source_cat = butler.get("icSrc", instrument="Cam", visit=1, detector=0, collections="out")
    assert source_cat == {"ids": [2], "nRefShards": 3}
    assert butler.get("icExp", instrument="Cam", visit=1, detector=0, collections="out")["pixels"] == [
        0.0, 1.0, 29.0, 3.0]
    assert {r.datasetType.name for r in context.outputs_written} == {"icExp", "icSrc", "icExpBackground"}
    assert task.background.metadata["level"] == pytest.approx(8.25)


def test_get_of_deferred_refs_gives_handles_that_read_later(setup):
    butler, _, refs = setup
    context = QuantumContext(butler, char_quantum(setup))
    handles = context.get([DeferredDatasetRef(ref) for ref in refs["refcats"]])
    assert all(isinstance(h, DeferredDatasetHandle) for h in handles)
    assert [h.get() for h in handles] == [{"shard": 0}, {"shard": 1}, {"shard": 2}]
    assert context.get(None) is None
    assert context.get(refs["bias"]) == {"level": 1.0}


def test_get_refuses_a_dataset_outside_the_quantum(setup):
    butler, _, refs = setup
    context = QuantumContext(butler, char_quantum(setup))
    with pytest.raises(DatasetNotInQuantumError, match="not an input of quantum char") as info:
        context.get(refs["raw"])
    assert isinstance(info.value, ValueError)  # what LSST raises
    with pytest.raises(DatasetNotInQuantumError):
        context.get([refs["bias"], refs["raw"]])
    assert context.inputs_read == []  # the valid ref before the bad one was not read either


def test_put_refuses_a_dataset_outside_the_quantum_and_writes_nothing(setup):
    butler, graph, _ = setup
    quantum = char_quantum(setup, {"instrument": "Cam", "visit": 2, "detector": 1})
    context = QuantumContext(butler, quantum)
    _, outputs = graph.tasks["char"].connections.buildDatasetRefs(quantum)
    stranger = DatasetRef(outputs.sourceCat.datasetType, outputs.sourceCat.dataId, "out")  # new ID
    with pytest.raises(DatasetNotInQuantumError, match="not an output of quantum char"):
        context.put([{"a": 1}, {"b": 2}], [outputs.characterized, stranger])
    assert context.outputs_written == []
    assert butler.find_dataset("icExp", instrument="Cam", visit=2, detector=1, collections="out") is None


def test_task_cannot_write_the_metadata_or_log_the_executor_writes(setup):
    butler, _, _ = setup
    quantum = char_quantum(setup, {"instrument": "Cam", "visit": 2, "detector": 0})
    context = QuantumContext(butler, quantum)
    with pytest.raises(DatasetNotInQuantumError):
        context.put({"x": 1}, quantum.outputs["char_metadata"][0])


def test_put_needs_a_struct_for_output_refs_and_matching_list_lengths(setup):
    butler, graph, _ = setup
    quantum = char_quantum(setup, {"instrument": "Cam", "visit": 2, "detector": 0})
    context = QuantumContext(butler, quantum)
    _, outputs = graph.tasks["char"].connections.buildDatasetRefs(quantum)
    with pytest.raises(ValueError, match="needs a Struct"):
        context.put({"characterized": {}}, outputs)
    with pytest.raises(ValueError, match="one object to put for every ref"):
        context.put([{"a": 1}], [outputs.characterized, outputs.sourceCat])
    with pytest.raises(TypeError, match="butlerQC.put takes"):
        context.put({"a": 1}, "icExp")


def test_struct_attributes_that_are_none_or_missing_are_not_written(setup):
    butler, graph, _ = setup
    quantum = char_quantum(setup, {"instrument": "Cam", "visit": 2, "detector": 0})
    context = QuantumContext(butler, quantum)
    _, outputs = graph.tasks["char"].connections.buildDatasetRefs(quantum)
    context.put(Struct(characterized={"pixels": []}, sourceCat=None), outputs)
    assert [r.datasetType.name for r in context.outputs_written] == ["icExp"]


def test_quantum_context_exposes_the_quantum(setup):
    butler, _, _ = setup
    quantum = char_quantum(setup)
    context = QuantumContext(butler, quantum, resources=ExecutionResources(num_cores=2, max_mem="2GB"))
    assert context.quantum.dataId["detector"] == 0
    assert context.quantum.taskName == "pipeline_test_tasks.CharacterizeLikeTask"
    assert set(context.quantum.inputs) == {"postISRCCD", "bias", "ref_cat"}
    assert context.resources.max_mem == 2_000_000_000
    assert context.dimensions is butler.dimensions


def test_no_work_found_raised_by_run_reaches_the_caller(setup):
    butler, graph, _ = setup
    quantum = make_quantum(butler, graph, "gather", {"instrument": "Cam", "visit": 1}, {"icSrc": []})
    with pytest.raises(NoWorkFound, match="No catalogs"):
        run_quantum(graph, quantum, butler)


def test_annotated_partial_outputs_error_records_the_failure_in_metadata(setup):
    _, graph, _ = setup
    task = graph.tasks["scale"].task_class(config=graph.tasks["scale"].config)
    try:
        raise ValueError("fit diverged")
    except ValueError as err:
        error = AnnotatedPartialOutputsError.annotate(err, task, None, log=logging.getLogger("test"))
    assert isinstance(error, AnnotatedPartialOutputsError)
    assert task.metadata["failure"]["message"] == "fit diverged"
    assert task.metadata["failure"]["type"] == "builtins.ValueError"


def test_execution_resources_parse_memory_and_refuse_bad_values():
    assert ExecutionResources(max_mem="512MiB").max_mem == 512 * 1024**2
    assert ExecutionResources(max_mem=1000).max_mem == 1000
    with pytest.raises(ValueError, match="not understood"):
        ExecutionResources(max_mem="lots")
    with pytest.raises(ValueError, match="num_cores"):
        ExecutionResources(num_cores=0)


def test_deferred_dataset_ref_pickles_and_forwards_attributes(setup):
    _, _, refs = setup
    wrapped = DeferredDatasetRef(refs["bias"])
    assert pickle.loads(pickle.dumps(wrapped)).datasetRef == refs["bias"]
    assert wrapped.dataId == refs["bias"].dataId
