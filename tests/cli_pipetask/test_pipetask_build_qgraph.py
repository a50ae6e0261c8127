"""``pipetask build`` and ``pipetask qgraph``: pipelines shown and saved, graphs built, shown, saved."""

from __future__ import annotations

from click.testing import CliRunner

from pipetasks.cli.main import cli


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_build_shows_tasks_and_config_with_overrides(toy_pipeline):
    result = invoke("build", "-p", toy_pipeline, "-c", "scale:factor=3", "--show", "tasks",
                    "--show", "config=scale::fact*")
    assert result.exit_code == 0, result.output
    assert "scale: execution_test_tasks.ScaleTask\noffset: execution_test_tasks.OffsetTask" in result.output
    assert "### Configuration for task `scale'\n# Multiplier.\nconfig.factor = 3.0" in result.output
    assert "config.offset" not in result.output


def test_build_dump_config_is_a_loadable_override_file(toy_pipeline, tmp_path):
    from execution_test_tasks import OffsetConfig

    result = invoke("build", "-p", toy_pipeline, "-c", "offset:offset=2.5", "--show", "dump-config=offset")
    assert result.exit_code == 0
    text = result.output.split("\n", 1)[1]
    config = OffsetConfig()
    config.loadFromString(text)
    assert config.offset == 2.5


def test_build_saves_the_pipeline_with_config_files_applied(toy_pipeline, tmp_path):
    overrides = tmp_path / "sum.py"
    overrides.write_text("config.sleepSeconds = 0.5\n")
    saved = tmp_path / "saved.yaml"
    result = invoke("build", "-p", toy_pipeline, "-C", f"sum:{overrides}", "--delete", "offset",
                    "-s", str(saved), "--show", "pipeline")
    assert result.exit_code == 0
    assert "offset:" not in saved.read_text() and "sum:" in saved.read_text()
    assert "description: The toy three-task pipeline" in result.output


def test_build_rejects_unknown_show_items_and_missing_pipeline(toy_pipeline):
    result = CliRunner().invoke(cli, ["build", "-p", toy_pipeline, "--show", "nonsense"])
    assert result.exit_code == 2 and "unknown --show item 'nonsense'" in result.output
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 2 and "-p FILE" in result.output


def test_build_with_a_bad_override_is_a_one_line_error(toy_pipeline):
    result = CliRunner().invoke(cli, ["build", "-p", toy_pipeline, "-c", "scale:nosuchfield=1"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "nosuchfield" in result.output
    assert "Traceback" not in result.output


def test_qgraph_builds_and_saves_a_graph_that_run_and_show_can_load(repo_root, toy_pipeline, tmp_path):
    saved = tmp_path / "toy.qg"
    result = invoke("qgraph", "-b", repo_root, "-p", toy_pipeline, "-i", "raw/all", "-o", "out",
                    "--output-run", "out/r1", "-d", "visit = 1", "-q", str(saved))
    assert result.exit_code == 0, result.output
    assert "Quantum graph: 9 quanta (scale: 4, offset: 4, sum: 1); output run out/r1" in result.output
    assert saved.exists()
    shown = invoke("qgraph", "-b", repo_root, "-g", str(saved), "--show", "graph", "--show", "workflow")
    assert shown.exit_code == 0
    assert shown.output.count("  Quantum ") == 9 and "Parent Quantum" in shown.output
    assert "scaled: {instrument: 'Cam'" in shown.output


def test_qgraph_with_a_query_matching_nothing_explains_the_empty_graph(repo_root, toy_pipeline):
    result = CliRunner().invoke(cli, ["qgraph", "-b", repo_root, "-p", toy_pipeline, "-i", "raw/all", "-o", "out",
                                      "-d", "visit = 7"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: The quantum graph is empty") and "visit = 7" in result.output


def test_qgraph_refuses_pipeline_options_with_a_loaded_graph(repo_root, toy_pipeline, tmp_path):
    saved = tmp_path / "toy.qg"
    invoke("qgraph", "-b", repo_root, "-p", toy_pipeline, "-i", "raw/all", "-o", "out", "-q", str(saved))
    result = CliRunner().invoke(cli, ["qgraph", "-b", repo_root, "-g", str(saved), "-p", toy_pipeline])
    assert result.exit_code == 2 and "-p cannot be used with it" in result.output


def test_qgraph_needs_a_repository_and_existing_inputs(repo_root, toy_pipeline):
    result = CliRunner().invoke(cli, ["qgraph", "-p", toy_pipeline, "-i", "raw/all", "-o", "out"])
    assert result.exit_code == 2 and "-b/--butler-config" in result.output
    result = CliRunner().invoke(cli, ["qgraph", "-b", repo_root, "-p", toy_pipeline, "-i", "raw/none", "-o", "o"])
    assert result.exit_code == 1 and "Error: Input collection 'raw/none' does not exist" in result.output


def test_build_from_task_classes_shows_inputs_and_config_history():
    result = invoke("build", "-t", "execution_test_tasks.ScaleTask:sc", "-t", "execution_test_tasks.OffsetTask",
                    "-c", "sc:factor=2.5", "--show", "tasks", "--show", "inputs", "--show", "history=sc::factor")
    assert result.exit_code == 0, result.output
    assert "sc: execution_test_tasks.ScaleTask\noffset: execution_test_tasks.OffsetTask" in result.output
    assert "raw: StructuredDataDict" in result.output
    assert "2.0  [default]" in result.output and "2.5  [pipeline]" in result.output
