"""execute_graph in this process: outputs, provenance, collections, failures, fail-fast, resume."""

from __future__ import annotations

import pytest
from execution_repo import DETECTORS, RAW_RUN, SCHEMA_PIPELINE, VISITS, make_graph, raw_value

from butler import CollectionType
from pipetasks.execution import (
    ExecutionOptions,
    Packages,
    ProvenanceMismatchError,
    QuantumStatus,
    execute_graph,
)
from pipetasks.execution.log_records import ButlerLogRecords
from pipetasks.framework import TaskMetadata

RUN = "out/run1"


def _run(butler, graph, **options):
    return execute_graph(butler, graph, ExecutionOptions(register_dataset_types=True, **options))


def _statuses(report, label):
    return sorted(r.status.value for r in report.results.values() if r.task_label == label)


def test_three_task_pipeline_outputs_are_readable_with_butler_get(repo):
    report = _run(repo, make_graph(repo))
    assert report.exit_code == 0 and len(report.results) == len(VISITS) * (2 * len(DETECTORS) + 1)
    for visit in VISITS:
        expected = sum(2 * raw_value(visit, d) + 1 for d in DETECTORS)
        assert repo.get("total", instrument="Cam", visit=visit, collections="out") == {
            "value": expected, "n": len(DETECTORS)}
    assert repo.get("offset", instrument="Cam", visit=2, detector=3, collections=RUN) == {
        "value": 2 * raw_value(2, 3) + 1}


def test_provenance_datasets_are_written_for_every_task_and_quantum(repo):
    _run(repo, make_graph(repo, overrides={"scale": {"factor": "4"}}))
    config = repo.get("scale_config", collections=RUN)
    assert type(config).__name__ == "ScaleConfig" and config.factor == 4.0
    packages = repo.get("packages", collections=RUN)
    assert isinstance(packages, Packages) and "python" in packages and "skybutler" in packages
    for label in ("scale", "offset"):
        assert len(repo.registry.queryDatasets(f"{label}_metadata", collections=RUN)) == 8
        assert len(repo.registry.queryDatasets(f"{label}_log", collections=RUN)) == 8
    metadata = repo.get("sum_metadata", instrument="Cam", visit=1, collections=RUN)
    assert isinstance(metadata, TaskMetadata) and metadata["quantum.endCpuTime"] >= metadata["quantum.startCpuTime"]
    log = repo.get("sum_log", instrument="Cam", visit=1, collections=RUN)
    assert isinstance(log, ButlerLogRecords) and any("Running sum" in r.message for r in log)


def test_output_run_is_chained_first_in_front_of_the_inputs(repo):
    _run(repo, make_graph(repo))
    assert repo.registry.getCollectionType("out") is CollectionType.CHAINED
    assert repo.registry.getCollectionChain("out") == (RUN, RAW_RUN)
    graph = make_graph(repo, inputs=(), output_run="out/run2", where="visit = 1")
    _run(repo, graph)
    assert repo.registry.getCollectionChain("out") == ("out/run2", RUN, RAW_RUN)


def test_init_outputs_are_written_and_read_back_as_init_inputs(repo):
    report = _run(repo, make_graph(repo, text=SCHEMA_PIPELINE))
    assert report.exit_code == 0
    assert repo.get("toy_schema", collections=RUN) == {"columns": ["id", "value"]}
    assert repo.get("toy_columns", instrument="Cam", visit=1, detector=0, collections=RUN)["columns"] == [
        "id", "value"]


def test_failed_quantum_skips_its_descendants_and_the_rest_still_runs(repo):
    report = _run(repo, make_graph(repo, overrides={"offset": {"failDetectors": "[2]"}}))
    assert report.exit_code == 1
    assert _statuses(report, "scale") == ["succeeded"] * 8
    assert _statuses(report, "offset") == ["failed"] * 2 + ["succeeded"] * 6
    assert _statuses(report, "sum") == ["skipped", "skipped"]
    assert len(repo.registry.queryDatasets("offset", collections=RUN)) == 6
    failed_logs = repo.registry.queryDatasets("offset_log", collections=RUN, where="detector = 2")
    assert len(failed_logs) == 2
    assert repo.registry.queryDatasets("offset_metadata", collections=RUN, where="detector = 2") == []


def test_no_work_upstream_lets_downstream_run_on_what_exists(repo):
    report = _run(repo, make_graph(repo, overrides={"scale": {"noWorkDetectors": "[0, 1]"}}))
    assert report.exit_code == 0
    assert _statuses(report, "offset").count("no work") == 4
    assert repo.get("total", instrument="Cam", visit=1, collections=RUN)["n"] == 2


def test_fail_fast_stops_handing_out_quanta_after_the_first_failure(repo):
    report = _run(repo, make_graph(repo, overrides={"scale": {"failDetectors": "[0]"}}), fail_fast=True)
    assert report.exit_code == 1
    statuses = [r.status for r in report.results.values()]
    assert statuses.count(QuantumStatus.FAILED) == 1
    assert statuses.count(QuantumStatus.SUCCEEDED) == 0
    assert all(s in (QuantumStatus.FAILED, QuantumStatus.SKIPPED) for s in statuses)
    assert len(statuses) == len(report.results) == 18


def test_timeout_fails_the_slow_quantum_only(repo):
    graph = make_graph(repo, overrides={"scale": {"sleepSeconds": "3", "failDetectors": "[]"}}, where="visit = 1 AND detector = 0")
    report = _run(repo, graph, timeout=0.3)
    assert _statuses(report, "scale") == ["timed out"]
    assert report.exit_code == 1


def test_rerunning_the_same_graph_after_a_failure_completes_the_rest(repo, tmp_path):
    marker = tmp_path / "broken"
    marker.write_text("")
    overrides = {"offset": {"failDetectors": "[1]", "failWhileExists": str(marker)}}
    graph = make_graph(repo, overrides=overrides)
    first = _run(repo, graph)
    assert first.exit_code == 1
    marker.unlink()
    second = _run(repo, graph)
    assert second.exit_code == 0
    assert _statuses(second, "scale") == ["already done"] * 8
    assert sorted(_statuses(second, "offset")) == ["already done"] * 6 + ["succeeded"] * 2
    assert repo.get("total", instrument="Cam", visit=1, collections=RUN)["n"] == 4
    log = repo.get("offset_log", instrument="Cam", visit=1, detector=1, collections=RUN)
    assert not [record for record in log if record.levelname == "ERROR"]  # the failed attempt's log was replaced


def test_extend_run_with_clobber_rebuilds_only_the_failed_part(repo, tmp_path):
    marker = tmp_path / "broken"
    marker.write_text("")
    overrides = {"offset": {"failDetectors": "[1]", "failWhileExists": str(marker)}}
    assert _run(repo, make_graph(repo, overrides=overrides)).exit_code == 1
    marker.unlink()
    graph = make_graph(repo, overrides=overrides, output_run=RUN, extend_run=True, clobber=True)
    assert len(graph) == 4  # the two failed offsets and both sums
    report = _run(repo, graph)
    assert report.exit_code == 0
    assert len(repo.registry.queryDatasets("offset_log", collections=RUN)) == 8
    assert repo.get("total", instrument="Cam", visit=2, collections=RUN)["n"] == 4


def test_extending_a_run_with_another_config_is_refused_before_anything_changes(repo):
    assert _run(repo, make_graph(repo, where="visit = 1")).exit_code == 0
    graph = make_graph(repo, overrides={"scale": {"factor": "5"}}, output_run=RUN, extend_run=True)
    before = len(repo.registry.queryDatasets("scaled", collections=RUN))
    with pytest.raises(ProvenanceMismatchError, match="config.factor = 5.0"):
        _run(repo, graph)
    assert len(repo.registry.queryDatasets("scaled", collections=RUN)) == before


def test_unregistered_output_dataset_types_are_an_error_unless_registration_is_asked(repo):
    from butler.errors import MissingDatasetTypeError

    with pytest.raises(MissingDatasetTypeError, match="register-dataset-types"):
        execute_graph(repo, make_graph(repo))
    assert RUN not in repo.registry.queryCollections()


def test_graph_loaded_in_parts_runs_part_by_part_reading_earlier_outputs(repo, tmp_path):
    from pipetasks.graph import QuantumGraph

    path = tmp_path / "toy.qg"
    make_graph(repo).save(path)
    whole = QuantumGraph.load(path)
    first = [node_id for node_id, _ in whole.quanta("scale")]
    rest = [node_id for node_id, quantum in whole.quanta() if quantum.taskLabel != "scale"]
    assert _run(repo, QuantumGraph.load(path, nodes=first)).exit_code == 0
    report = _run(repo, QuantumGraph.load(path, nodes=rest))
    assert report.exit_code == 0 and len(report.results) == len(rest)
    assert repo.get("total", instrument="Cam", visit=2, collections=RUN)["n"] == len(DETECTORS)
