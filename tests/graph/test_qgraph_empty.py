"""An empty quantum graph is an error that says why, in terms the user can act on."""

from __future__ import annotations

import pytest

from graph_test_repo import INPUTS
from graph_test_tasks import TOY, ScaleTask, VisitSumTask, make_pipeline_graph
from pipetasks.graph import EmptyGraphError, QuantumGraphBuilder


def build(butler, tasks=TOY, overrides=None, **kwargs):
    kwargs.setdefault("input_collections", [INPUTS])
    graph = make_pipeline_graph(butler, *tasks, overrides=overrides)
    return QuantumGraphBuilder(graph, butler, output_run="out", **kwargs).build()


def reasons(butler, **kwargs) -> list[str]:
    with pytest.raises(EmptyGraphError) as caught:
        build(butler, **kwargs)
    assert "\n  - " + caught.value.reasons[0] in str(caught.value)
    return caught.value.reasons


def test_where_matching_no_data_id(repo):
    (first, *_) = reasons(repo, where="visit = 7")
    assert first.startswith("No data IDs of dimensions") and "where 'visit = 7'" in first


def test_no_input_datasets_in_the_collections(repo):
    found = reasons(repo, input_collections=["calib/flat"])
    assert found == ["No input datasets of type 'raw' in collections ['calib/flat']."]


def test_input_dataset_type_not_registered(repo):
    found = reasons(repo, tasks=(("scale", ScaleTask),), overrides={"scale": {"connections.input": "nosuch"}})
    assert found == ["Input dataset type 'nosuch' (read by scale) is not registered in the repository, so no such "
                     "datasets exist."]


def test_inputs_exist_but_none_matches_the_query(repo):
    repo.registry.removeDatasets(list(repo.query_datasets("raw", collections="inputs", where="detector = 0")))
    found = reasons(repo, where="detector = 0")
    assert "None of the 6 'raw' datasets in collections ['Cam/defaults'] matches where 'detector = 0'." in found


def test_every_quantum_without_work(repo):
    found = reasons(repo, tasks=(("visitSum", VisitSumTask),),
                    overrides={"visitSum": {"connections.values": "raw", "minimum": 4}})
    assert len(found) == 1
    assert found[0].startswith("Every quantum of task 'visitSum' (3 quanta) had no work to do (e.g. Quantum visitSum")
    assert "fewer than its minimum of 4" in found[0]
