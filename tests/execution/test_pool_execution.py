"""execute_graph with -j N: worker processes started once, quanta dispatched as they become ready."""

from __future__ import annotations

from collections import Counter

import pytest
from execution_repo import DETECTORS, RUN_NAME, VISITS, make_graph, raw_value

from pipetasks.execution import ExecutionOptions, QuantumStatus, execute_graph


def _run(butler, graph, **options):
    return execute_graph(butler, graph, ExecutionOptions(register_dataset_types=True, **options))


def test_pool_runs_the_three_task_pipeline_end_to_end(repo):
    report = _run(repo, make_graph(repo), processes=2)
    assert report.exit_code == 0
    assert Counter(r.status for r in report.results.values()) == {QuantumStatus.SUCCEEDED: 18}
    for visit in VISITS:
        assert repo.get("total", instrument="Cam", visit=visit, collections="out")["value"] == sum(
            2 * raw_value(visit, d) + 1 for d in DETECTORS)
    assert len(repo.registry.queryDatasets("offset_log", collections=RUN_NAME)) == 8


def test_pool_workers_are_initialised_once_and_build_each_task_once(repo):
    report = _run(repo, make_graph(repo, overrides={"scale": {"spinSeconds": "0.02"}}), processes=2)
    results = list(report.results.values())
    pids = {r.worker_pid for r in results}
    assert 1 <= len(pids) <= 2
    assert {r.worker_inits for r in results} == {1}
    constructions: dict[int, set[int]] = {}
    for ref in repo.registry.queryDatasets("scale_metadata", collections=RUN_NAME):
        metadata = repo.get(ref)
        constructions.setdefault(metadata["scale.pid"], set()).add(metadata["scale.constructions"])
    assert constructions.keys() <= pids
    assert all(len(counts) == 1 for counts in constructions.values())  # built once, then reused


def test_pool_failure_skips_descendants_and_exit_code_is_one(repo):
    report = _run(repo, make_graph(repo, overrides={"offset": {"failDetectors": "[3]"}}), processes=2)
    assert report.exit_code == 1
    counts = Counter((r.task_label, r.status) for r in report.results.values())
    assert counts[("offset", QuantumStatus.FAILED)] == 2 and counts[("sum", QuantumStatus.SKIPPED)] == 2
    assert counts[("offset", QuantumStatus.SUCCEEDED)] == 6
    failure = next(r for r in report.results.values() if r.status is QuantumStatus.FAILED)
    assert "told to fail on detector 3" in failure.traceback


def test_a_worker_that_dies_fails_its_quantum_and_is_replaced(repo):
    report = _run(repo, make_graph(repo, overrides={"scale": {"exitDetectors": "[1]"}}), processes=2)
    scale = [r for r in report.results.values() if r.task_label == "scale"]
    died = [r for r in scale if r.status is QuantumStatus.FAILED]
    assert len(died) == 2 and all("worker process died (exit code 3)" in r.error_message for r in died)
    assert sum(r.status is QuantumStatus.SUCCEEDED for r in scale) == 6
    assert sum(r.status is QuantumStatus.SUCCEEDED for r in report.results.values() if r.task_label == "offset") == 6
    log = repo.get("scale_log", instrument="Cam", visit=1, detector=1, collections=RUN_NAME)
    assert log[0].levelname == "ERROR" and "worker process died (exit code 3)" in log[0].message


def test_pool_timeout_fails_the_slow_quantum_and_the_others_finish(repo):
    graph = make_graph(repo, overrides={"scale": {"sleepSeconds": "0.05"}, "offset": {"sleepSeconds": "0"}},
                       where="visit = 1")
    slow = make_graph(repo, overrides={"scale": {"sleepSeconds": "5"}}, where="visit = 2 AND detector = 0",
                      output="slow", output_run="slow/run")
    report = _run(repo, graph, processes=2, timeout=2)
    assert report.exit_code == 0
    report = _run(repo, slow, processes=2, timeout=0.3)
    assert [r.status for r in report.results.values() if r.task_label == "scale"] == [QuantumStatus.TIMED_OUT]
    assert all(r.status is QuantumStatus.SKIPPED for r in report.results.values() if r.task_label != "scale")


def test_fail_fast_in_a_pool_leaves_unstarted_quanta_skipped(repo):
    report = _run(repo, make_graph(repo, overrides={"scale": {"failDetectors": "[0]", "spinSeconds": "0.01"}}),
                  processes=2, fail_fast=True)
    assert report.exit_code == 1
    statuses = Counter(r.status for r in report.results.values())
    assert statuses[QuantumStatus.FAILED] >= 1
    assert statuses[QuantumStatus.SKIPPED] >= 10
    assert sum(statuses.values()) == 18


@pytest.mark.parametrize("start_method", ["forkserver"])
def test_pool_with_another_start_method_sends_quanta_to_workers(repo, start_method):
    report = _run(repo, make_graph(repo, where="visit = 1"), processes=2, start_method=start_method)
    assert report.exit_code == 0
    assert repo.get("total", instrument="Cam", visit=1, collections="out")["n"] == len(DETECTORS)
