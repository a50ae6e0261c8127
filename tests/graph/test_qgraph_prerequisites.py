"""Prerequisite inputs: calibrations chosen by the quantum's time, missing ones, lookup functions."""

from __future__ import annotations

import pytest

from graph_test_repo import INPUTS
from graph_test_tasks import CalibrateTask, VisitFlatsTask, make_pipeline_graph
from pipetasks.graph import PrerequisiteMissingError, QuantumGraphBuilder


def build(butler, where="", overrides=None, **kwargs):
    kwargs.setdefault("input_collections", [INPUTS])
    graph = make_pipeline_graph(butler, ("calibrate", CalibrateTask), overrides=overrides)
    return QuantumGraphBuilder(graph, butler, output_run="out", where=where, **kwargs).build()


def bias_of(graph, visit, detector):
    quantum = next(q for _, q in graph.quanta("calibrate")
                   if (q.dataId["visit"], q.dataId["detector"]) == (visit, detector))
    (bias,) = quantum.inputs["bias"]
    return bias


def test_calibration_is_the_one_certified_at_the_visits_time(repo):
    graph = build(repo, where="visit IN (1, 3) AND detector < 2")
    for detector in (0, 1):
        assert bias_of(graph, 1, detector).run == "calib/bias/a"
        assert bias_of(graph, 3, detector).run == "calib/bias/b"
    assert bias_of(graph, 1, 0).id == repo.find_dataset("bias", instrument="Cam", detector=0,
                                                         collections="calib/bias/a").id


def test_calibration_matches_find_dataset_with_the_quantum_timespan(repo):
    graph = build(repo, where="detector < 2")
    for _, quantum in graph.quanta("calibrate"):
        expected = repo.find_dataset("bias", quantum.dataId, collections=[INPUTS], timespan=quantum.dataId.timespan)
        assert quantum.inputs["bias"] == (expected,)


def test_prerequisites_are_existing_inputs_with_datastore_records(repo):
    graph = build(repo, where="visit = 1")
    bias = bias_of(graph, 1, 2)
    assert graph.datastore_records[bias.id][0].dataset_id == bias.id


def test_missing_calibration_is_an_error_naming_the_quantum_and_collections(repo):
    with pytest.raises(PrerequisiteMissingError) as caught:
        build(repo)
    message = str(caught.value)
    assert "1 quantum of task 'calibrate' lacks" in message and "visit: 3" in message and "detector: 2" in message
    assert "bias" in message and INPUTS in message
    assert isinstance(caught.value, FileNotFoundError)


def test_calibration_outside_the_search_path_is_missing(repo):
    with pytest.raises(PrerequisiteMissingError, match="'inputs'"):
        build(repo, input_collections=["inputs"], where="visit = 1")


def test_lookup_function_finds_optional_prerequisite_per_quantum(repo):
    graph = build(repo, where="visit = 1", overrides={"calibrate": {"doFlat": True}})
    flats = {q.dataId["detector"]: q.inputs["flat"] for _, q in graph.quanta("calibrate")}
    assert [ref.run for ref in flats[0]] == ["calib/flat"] and flats[0][0].dataId["detector"] == 0
    assert flats[2] == ()


def test_prerequisite_with_dimensions_beyond_the_tasks_is_found_for_each_related_data_id(repo):
    pipeline = make_pipeline_graph(repo, ("visitFlats", VisitFlatsTask))
    graph = QuantumGraphBuilder(pipeline, repo, input_collections=[INPUTS], output_run="out",
                                where="visit = 2").build()
    (_, quantum), = graph.quanta("visitFlats")
    assert [ref.dataId["detector"] for ref in quantum.inputs["flat"]] == [0, 1]
    assert [ref.dataId["detector"] for ref in quantum.inputs["raw"]] == [0, 1, 2]
