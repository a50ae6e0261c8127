"""SimplePipelineExecutor: a pipeline run against a butler in a few lines, as in a notebook."""

from __future__ import annotations

import pytest
from execution_repo import DETECTORS, RAW_RUN, TOY_PIPELINE, raw_value
from execution_test_tasks import ScaleConfig, ScaleTask

from pipetasks.execution import ExecutionFailedError, QuantumStatus, SimplePipelineExecutor


@pytest.fixture
def root(repo):
    path = repo._config.root
    repo.close()
    return str(path)


def test_prep_butler_makes_the_output_chain_and_default_collections(root):
    butler = SimplePipelineExecutor.prep_butler(root, inputs=[RAW_RUN], output="u/me/x", output_run="u/me/x/r1")
    assert butler.run == "u/me/x/r1" and tuple(butler.collections.defaults) == ("u/me/x",)
    assert butler.registry.getCollectionChain("u/me/x") == ("u/me/x/r1", RAW_RUN)
    butler.close()


def test_from_task_class_runs_one_task_and_outputs_are_readable(root):
    butler = SimplePipelineExecutor.prep_butler(root, inputs=[RAW_RUN], output="u/me/x")
    config = ScaleConfig()
    config.factor = 10
    executor = SimplePipelineExecutor.from_task_class(ScaleTask, config=config, where="visit = 1", butler=butler)
    results = executor.run(register_dataset_types=True)
    assert len(results) == len(DETECTORS) and {r.status for r in results} == {QuantumStatus.SUCCEEDED}
    assert butler.get("scaled", instrument="Cam", visit=1, detector=3) == {"value": 10 * raw_value(1, 3)}
    assert butler.get("scale_config").factor == 10
    butler.close()


def test_from_pipeline_filename_with_a_new_output_chain(root, tmp_path):
    path = tmp_path / "toy.yaml"
    path.write_text(TOY_PIPELINE)
    butler = SimplePipelineExecutor.prep_butler(root, inputs=[RAW_RUN], output="u/me/base")
    executor = SimplePipelineExecutor.from_pipeline_filename(str(path), where="visit = 2", butler=butler,
                                                             output="u/me/toy", output_run="u/me/toy/r1")
    executor.run(register_dataset_types=True)
    assert butler.get("total", instrument="Cam", visit=2, collections="u/me/toy")["n"] == len(DETECTORS)
    assert butler.registry.getCollectionChain("u/me/toy")[0] == "u/me/toy/r1"
    butler.close()


def test_a_failing_quantum_raises_the_task_exception_in_process(root):
    butler = SimplePipelineExecutor.prep_butler(root, inputs=[RAW_RUN], output="u/me/x")
    config = ScaleConfig()
    config.failDetectors = [2]
    executor = SimplePipelineExecutor.from_task_class(ScaleTask, config=config, butler=butler)
    with pytest.raises(RuntimeError, match="told to fail on detector 2"):
        executor.run(register_dataset_types=True)
    assert executor.report.exit_code == 1
    assert len(executor.report.failures) == 2
    butler.close()


def test_failures_in_worker_processes_raise_execution_failed_or_are_returned(root):
    butler = SimplePipelineExecutor.prep_butler(root, inputs=[RAW_RUN], output="u/me/x")
    config = ScaleConfig()
    config.failDetectors = [2]
    executor = SimplePipelineExecutor.from_task_class(ScaleTask, config=config, where="visit = 1", butler=butler)
    with pytest.raises(ExecutionFailedError, match="1 quanta failed"):
        executor.run(register_dataset_types=True, processes=2)
    results = executor.run(raise_on_failure=False)
    assert sorted(r.status.value for r in results) == ["already done"] * 3 + ["failed"]
    butler.close()


def test_from_task_class_refuses_a_config_of_another_class(root):
    from execution_test_tasks import OffsetConfig

    butler = SimplePipelineExecutor.prep_butler(root, inputs=[RAW_RUN], output="u/me/x")
    with pytest.raises(TypeError, match="expected ScaleConfig"):
        SimplePipelineExecutor.from_task_class(ScaleTask, config=OffsetConfig(), butler=butler)
    butler.close()
