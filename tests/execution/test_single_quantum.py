"""execute_quantum: one quantum in this process, with no registry access, as pool workers run it."""

from __future__ import annotations

import os

import pytest
from execution_repo import SCALE_ONLY, make_graph, raw_value

from butler.quantum_backed import DatastoreSpec
from pipetasks.execution import QuantumStatus, WorkerSpec, execute_quantum, with_input_records
from pipetasks.execution.log_records import ButlerLogRecords


def _spec(butler, graph, **kwargs) -> WorkerSpec:
    return WorkerSpec(DatastoreSpec.from_butler(butler), graph.pipeline_graph, graph.metadata["output_run"],
                      **kwargs)


def _first(graph, label: str, detector: int = 0):
    for node_id, quantum in graph.quanta(label):
        if quantum.dataId["detector"] == detector and quantum.dataId["visit"] == 1:
            return node_id, with_input_records(quantum, graph.datastore_records)
    raise AssertionError("no such quantum")


def _names(result) -> set[str]:
    return {ref.datasetType.name for ref in result.outputs.refs}


def test_successful_quantum_writes_outputs_metadata_and_log_files_but_registers_nothing(repo):
    graph = make_graph(repo, text=SCALE_ONLY)
    node_id, quantum = _first(graph, "scale", detector=2)
    result = execute_quantum(_spec(repo, graph), node_id, quantum)
    assert result.status is QuantumStatus.SUCCEEDED
    assert _names(result) == {"scaled", "scale_metadata", "scale_log"}
    assert all(os.path.exists(os.path.join(repo.datastore.root.path, info.path)) for info in result.outputs.records)
    assert all(repo.get_dataset(ref.id) is None for ref in result.outputs.refs)
    assert result.worker_pid == os.getpid() and result.wall_time > 0 and result.max_rss > 0


def test_metadata_holds_task_metadata_and_quantum_timings_and_log_holds_task_records(repo):
    graph = make_graph(repo, text=SCALE_ONLY)
    node_id, quantum = _first(graph, "scale")
    spec = _spec(repo, graph)
    result = execute_quantum(spec, node_id, quantum)
    records = dict(zip([ref.datasetType.name for ref in result.outputs.refs], result.outputs.records, strict=True))
    datastore = spec.datastore.make_datastore()
    refs = {ref.datasetType.name: ref for ref in result.outputs.refs}
    metadata = datastore.get(refs["scale_metadata"], records=[records["scale_metadata"]])
    assert metadata["scale.pid"] == os.getpid()
    for key in ("prepCpuTime", "startCpuTime", "endCpuTime", "endMaxResidentSetSize", "startUtc"):
        assert f"quantum.{key}" in metadata
    assert metadata.getArray("quantum.outputs") == [str(refs["scaled"].id)]
    log = datastore.get(refs["scale_log"], records=[records["scale_log"]])
    assert isinstance(log, ButlerLogRecords)
    messages = [record.message for record in log]
    assert any(message.startswith("Running scale on") for message in messages)
    assert log[0].MDC["RUN"] == graph.metadata["output_run"] and log[0].MDC["LABEL"].startswith("scale:")


def test_no_work_found_is_a_success_with_metadata_and_log_but_no_regular_outputs(repo):
    graph = make_graph(repo, text=SCALE_ONLY,
                       overrides={"scale": {"noWorkDetectors": "[0]"}})
    node_id, quantum = _first(graph, "scale")
    result = execute_quantum(_spec(repo, graph), node_id, quantum)
    assert result.status is QuantumStatus.NO_WORK and result.status.is_success
    assert _names(result) == {"scale_metadata", "scale_log"}


def test_failed_quantum_keeps_only_its_log_and_the_traceback(repo):
    graph = make_graph(repo, text=SCALE_ONLY,
                       overrides={"scale": {"failDetectors": "[0]"}})
    node_id, quantum = _first(graph, "scale")
    result = execute_quantum(_spec(repo, graph), node_id, quantum)
    assert result.status is QuantumStatus.FAILED
    assert _names(result) == {"scale_log"}
    assert result.error_type == "builtins.RuntimeError"
    assert "told to fail on detector 0" in result.error_message
    assert "Traceback" in result.traceback and isinstance(result.exception, RuntimeError)


def test_partial_outputs_fail_by_default_and_their_files_are_removed(repo):
    graph = make_graph(repo, text=SCALE_ONLY,
                       overrides={"scale": {"partialDetectors": "[0]"}})
    node_id, quantum = _first(graph, "scale")
    scaled = quantum.outputs["scaled"][0]
    datastore = DatastoreSpec.from_butler(repo).make_datastore()
    result = execute_quantum(_spec(repo, graph), node_id, quantum)
    assert result.status is QuantumStatus.FAILED and result.error_type == "builtins.ValueError"
    assert not os.path.exists(os.path.join(repo.datastore.root.path, datastore.template_path(scaled) + ".yaml"))


def test_partial_outputs_are_a_qualified_success_when_not_raised(repo):
    graph = make_graph(repo, text=SCALE_ONLY,
                       overrides={"scale": {"partialDetectors": "[0]"}})
    node_id, quantum = _first(graph, "scale")
    result = execute_quantum(_spec(repo, graph, raise_on_partial_outputs=False), node_id, quantum)
    assert result.status is QuantumStatus.PARTIAL and result.status.is_success
    assert _names(result) == {"scaled", "scale_metadata", "scale_log"}


def test_quantum_whose_inputs_were_not_produced_finds_no_work(repo):
    graph = make_graph(repo)
    node_id, quantum = _first(graph, "offset")  # its input "scaled" was never written
    result = execute_quantum(_spec(repo, graph), node_id, with_input_records(quantum, {}))
    assert result.status is QuantumStatus.NO_WORK
    assert _names(result) == {"offset_metadata", "offset_log"}


def test_timeout_interrupts_a_quantum_in_the_main_thread(repo):
    graph = make_graph(repo, text=SCALE_ONLY,
                       overrides={"scale": {"sleepSeconds": "5"}})
    node_id, quantum = _first(graph, "scale")
    result = execute_quantum(_spec(repo, graph, timeout=0.2), node_id, quantum)
    assert result.status is QuantumStatus.TIMED_OUT and result.wall_time < 2
    assert result.error_type == "pipetasks.execution.single_quantum.QuantumTimeoutError"


def test_task_is_built_once_per_process_and_its_metadata_is_fresh_for_each_quantum(repo):
    import execution_test_tasks

    graph = make_graph(repo, text=SCALE_ONLY)
    spec = _spec(repo, graph)
    before = execution_test_tasks.ScaleTask.constructions
    results = [execute_quantum(spec, node_id, with_input_records(quantum, graph.datastore_records))
               for node_id, quantum in graph.quanta()]
    assert all(r.status is QuantumStatus.SUCCEEDED for r in results)
    assert execution_test_tasks.ScaleTask.constructions == before + 1
    datastore = spec.datastore.make_datastore()
    last = results[-1]
    ref, info = next((r, i) for r, i in zip(last.outputs.refs, last.outputs.records, strict=True)
                     if r.datasetType.name == "scale_metadata")
    assert datastore.get(ref, records=[info]).getArray("quantum.startCpuTime") == [
        datastore.get(ref, records=[info])["quantum.startCpuTime"]]


def test_execute_quantum_refuses_a_quantum_without_input_records(repo):
    graph = make_graph(repo, text=SCALE_ONLY)
    node_id, quantum = next(graph.quanta())
    with pytest.raises(ValueError, match="with_input_records"):
        execute_quantum(_spec(repo, graph), node_id, quantum)


def test_outputs_hold_the_values_the_task_computed(repo):
    graph = make_graph(repo, text=SCALE_ONLY,
                       overrides={"scale": {"factor": "3"}})
    node_id, quantum = _first(graph, "scale", detector=1)
    result = execute_quantum(_spec(repo, graph), node_id, quantum)
    ref, info = next((r, i) for r, i in zip(result.outputs.refs, result.outputs.records, strict=True)
                     if r.datasetType.name == "scaled")
    assert DatastoreSpec.from_butler(repo).make_datastore().get(ref, records=[info]) == {
        "value": 3 * raw_value(1, 1)}
