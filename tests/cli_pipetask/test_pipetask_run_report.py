"""``pipetask run`` and ``pipetask report`` on a real repository."""

from __future__ import annotations

import json

from click.testing import CliRunner

from butler import Butler
from pipetasks.cli.main import cli


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _run_args(repo_root, toy_pipeline, *extra):
    return ["run", "-b", repo_root, "-p", toy_pipeline, "-i", "raw/all", "-o", "out", "--output-run", "out/r1",
            "--register-dataset-types", *extra]


def test_run_executes_the_pipeline_and_chains_the_run_in_front_of_the_inputs(repo_root, toy_pipeline):
    result = invoke(*_run_args(repo_root, toy_pipeline, "-c", "offset:offset=100"))
    assert result.exit_code == 0, result.output
    assert "Executed 18 quanta successfully, 0 failed and 0 skipped out of 18" in result.output
    assert "scale: 8 succeeded\noffset: 8 succeeded\nsum: 2 succeeded" in result.output
    with Butler(repo_root) as butler:
        assert butler.registry.getCollectionChain("out") == ("out/r1", "raw/all")
        assert butler.get("offset", instrument="Cam", visit=1, detector=0, collections="out") == {"value": 120.0}
        assert butler.get("offset_config", collections="out").offset == 100


def test_run_with_processes_and_a_failure_exits_one_and_names_the_failures(repo_root, toy_pipeline, tmp_path):
    summary = tmp_path / "summary.json"
    result = CliRunner().invoke(cli, _run_args(repo_root, toy_pipeline, "-j", "2", "-c", "scale:failDetectors=[2]",
                                               "--summary", str(summary)))
    assert result.exit_code == 1
    assert "scale: 6 succeeded, 2 failed" in result.output and "offset: 6 succeeded, 2 skipped" in result.output
    assert "FAILED scale {instrument: 'Cam', detector: 2, visit: 1}: failed: RuntimeError: scale was told to " \
           "fail on detector 2" in result.output
    document = json.loads(summary.read_text())
    assert document["exit_code"] == 1 and len(document["quanta"]) == 18
    assert {q["status"] for q in document["quanta"]} == {"succeeded", "failed", "skipped"}


def test_fail_fast_stops_after_the_first_failure(repo_root, toy_pipeline):
    result = CliRunner().invoke(cli, _run_args(repo_root, toy_pipeline, "--fail-fast", "-c",
                                               "scale:failDetectors=[0]"))
    assert result.exit_code == 1
    assert "Executed 0 quanta successfully, 1 failed and 17 skipped out of 18" in result.output


def test_run_with_show_prints_and_runs_nothing(repo_root, toy_pipeline):
    result = CliRunner().invoke(cli, _run_args(repo_root, toy_pipeline, "--show", "tasks"))
    assert result.exit_code == 0 and "sum: execution_test_tasks.SumTask" in result.output
    assert "Nothing was run" in result.output
    with Butler(repo_root) as butler:
        assert "out/r1" not in butler.registry.queryCollections()


def test_rerun_with_extend_run_and_clobber_completes_a_failed_run(repo_root, toy_pipeline, tmp_path):
    marker = tmp_path / "broken"
    marker.write_text("")
    overrides = ["-c", "offset:failDetectors=[1]", "-c", f"offset:failWhileExists={marker}"]
    assert CliRunner().invoke(cli, _run_args(repo_root, toy_pipeline, *overrides)).exit_code == 1
    marker.unlink()
    result = invoke("run", "-b", repo_root, "-p", toy_pipeline, "-o", "out", "--extend-run", "--clobber-outputs",
                    *overrides)
    assert result.exit_code == 0, result.output
    assert "Quantum graph: 4 quanta (offset: 2, sum: 2); output run out/r1" in result.output
    report = invoke("report", repo_root, "-o", "out")
    assert "Failed quanta" not in report.output
    assert report.output.splitlines()[3].split() == ["scale", "8", "0"]


def test_run_from_a_saved_graph_notes_the_graph_in_the_run_documentation(repo_root, toy_pipeline, tmp_path):
    saved = tmp_path / "g.qg"
    invoke("qgraph", "-b", repo_root, "-p", toy_pipeline, "-i", "raw/all", "-o", "out", "--output-run", "out/r1",
           "-d", "visit = 2", "-q", str(saved))
    result = invoke("run", "-b", repo_root, "-g", str(saved), "--register-dataset-types")
    assert result.exit_code == 0, result.output
    with Butler(repo_root) as butler:
        assert butler.registry.getCollectionDocumentation("out/r1") == f"Quantum graph: {saved}"
        assert butler.get("total", instrument="Cam", visit=2, collections="out")["n"] == 4


def test_report_counts_quanta_per_task_from_a_graph_or_a_run(repo_root, toy_pipeline, tmp_path):
    saved = tmp_path / "g.qg"
    CliRunner().invoke(cli, _run_args(repo_root, toy_pipeline, "-c", "offset:failDetectors=[3]", "-q",
                                      str(saved)))
    with_graph = invoke("report", repo_root, str(saved))
    assert with_graph.exit_code == 0
    lines = with_graph.output.splitlines()
    assert lines[0] == "Run out/r1:"
    assert [line.split() for line in lines[3:6]] == [["scale", "8", "8", "0", "0"], ["offset", "8", "6", "2", "0"],
                                                      ["sum", "2", "0", "0", "2"]]
    assert "offset {instrument: 'Cam', detector: 3, visit: 1}: Execution failed: RuntimeError: offset was told " \
           "to fail on detector 3" in with_graph.output
    by_run = invoke("report", "-b", repo_root, "--output-run", "out/r1", "--no-logs")
    assert [line.split() for line in by_run.output.splitlines()[3:5]] == [["scale", "8", "0"],
                                                                          ["offset", "6", "2"]]


def test_report_needs_a_run_or_a_graph(repo_root):
    result = CliRunner().invoke(cli, ["report", repo_root])
    assert result.exit_code == 2 and "--output-run RUN, -o CHAIN or -g QGRAPH" in result.output
    result = CliRunner().invoke(cli, ["report", repo_root, "--output-run", "no/run"])
    assert result.exit_code == 1 and result.output.startswith("Error: ")
