"""Building quantum graphs: the quanta, their datasets and IDs, for small pipelines on a real repository."""

from __future__ import annotations

import uuid

import pytest

from butler import DatasetRef
from butler.errors import InconsistentDataIdError, MissingCollectionError
from graph_test_repo import DETECTORS, INPUTS, VISITS
from graph_test_tasks import TOY, PickyTask, ReadSchemaTask, ScaleTask, SchemaTask, make_pipeline_graph
from pipetasks.graph import EmptyGraphError, QuantumGraph, QuantumGraphBuilder


def build(butler, tasks=TOY, overrides=None, **kwargs) -> QuantumGraph:
    kwargs.setdefault("input_collections", [INPUTS])
    kwargs.setdefault("output_run", "out")
    return QuantumGraphBuilder(make_pipeline_graph(butler, *tasks, overrides=overrides), butler, **kwargs).build()


def data_ids(graph: QuantumGraph, label: str) -> list[tuple]:
    """``(visit, detector)`` (or ``(visit,)``) of a task's quanta, sorted."""
    return sorted(tuple(q.dataId[k] for k in ("visit", "detector") if k in q.dataId.dimensions.names)
                  for _, q in graph.quanta(label))


def test_three_task_pipeline_has_one_quantum_per_data_id_of_each_task(repo):
    graph = build(repo)
    assert graph.task_labels() == ["scale", "offset", "visitSum"]
    assert len(graph) == 2 * len(VISITS) * len(DETECTORS) + len(VISITS)
    assert data_ids(graph, "scale") == [(v, d) for v in VISITS for d in DETECTORS]
    assert data_ids(graph, "visitSum") == [(v,) for v in VISITS]


def test_quantum_reads_the_found_input_and_writes_new_outputs_in_the_output_run(repo):
    graph = build(repo)
    _, quantum = next(graph.quanta("scale"))
    (raw,) = quantum.inputs["raw"]
    assert raw == repo.find_dataset("raw", instrument="Cam", visit=1, detector=0, collections="inputs")
    assert set(quantum.outputs) == {"scaled", "scale_metadata", "scale_log"}
    for refs in quantum.outputs.values():
        (ref,) = refs
        assert ref.run == "out" and ref.id.version == 7 and ref.dataId == quantum.dataId
    assert quantum.taskName == "graph_test_tasks.ScaleTask"


def test_consumer_reads_the_producers_predicted_output_refs(repo):
    graph = build(repo)
    scaled = {ref.id: ref for _, q in graph.quanta("scale") for ref in q.outputs["scaled"]}
    for _, quantum in graph.quanta("offset"):
        (ref,) = quantum.inputs["scaled"]
        assert scaled[ref.id] is ref


def test_gathering_task_reads_every_detector_of_its_visit(repo):
    graph = build(repo)
    for _, quantum in graph.quanta("visitSum"):
        visit = quantum.dataId["visit"]
        assert [(r.dataId["visit"], r.dataId["detector"]) for r in quantum.inputs["offset"]] == \
            [(visit, d) for d in DETECTORS]


def test_upstream_and_downstream_follow_the_datasets(repo):
    graph = build(repo)
    node_of = {(q.taskLabel, q.dataId["visit"], q.dataId.get("detector")): n for n, q in graph.quanta()}
    offset = node_of[("offset", 2, 1)]
    assert graph.upstream(offset) == {node_of[("scale", 2, 1)]}
    assert graph.downstream(offset) == {node_of[("visitSum", 2, None)]}
    assert graph.upstream(node_of[("visitSum", 2, None)]) == {node_of[("offset", 2, d)] for d in DETECTORS}


def test_quanta_come_in_topological_order(repo):
    graph = build(repo)
    seen: set[uuid.UUID] = set()
    for node_id, _ in graph.quanta():
        assert graph.upstream(node_id) <= seen
        seen.add(node_id)


def test_data_ids_carry_their_dimension_records(repo):
    graph = build(repo)
    _, quantum = next(graph.quanta("scale"))
    assert quantum.dataId["band"] == "r"
    assert quantum.dataId.records["detector"].full_name == "D0"
    assert quantum.dataId.timespan is not None


def test_init_outputs_are_configs_and_packages_in_the_output_run(repo):
    graph = build(repo)
    assert set(graph.init_outputs) == {"scale", "offset", "visitSum", "packages"}
    config = graph.init_outputs["scale"]["scale_config"]
    assert config.run == "out" and config.datasetType.storageClass_name == "Config" and not config.dataId
    assert graph.packages_ref.datasetType.name == "packages"


def test_init_input_is_the_producers_init_output(repo):
    graph = build(repo, tasks=(("schema", SchemaTask), ("readSchema", ReadSchemaTask)))
    produced = graph.init_outputs["schema"]["catalog_schema"]
    assert graph.init_inputs["readSchema"] == {"catalog_schema": produced}
    _, quantum = next(graph.quanta("readSchema"))
    assert quantum.initInputs["catalog_schema"] is produced


def test_deferred_constraint_input_does_not_restrict_quanta(repo):
    graph = build(repo, tasks=(("schema", SchemaTask), ("readSchema", ReadSchemaTask)))
    with_mask = {q.dataId["visit"] for _, q in graph.quanta("readSchema") if q.inputs["mask"]}
    assert graph.num_quanta("readSchema") == len(VISITS) * len(DETECTORS)
    assert with_mask == {1}


def test_where_and_data_id_restrict_the_quanta(repo):
    graph = build(repo, where="visit > 1 AND detector IN (0, 2)", data_id={"instrument": "Cam"})
    assert data_ids(graph, "scale") == [(v, d) for v in (2, 3) for d in (0, 2)]
    graph = build(repo, where="visit = my_visit", bind={"my_visit": 3})
    assert data_ids(graph, "visitSum") == [(3,)]
    assert graph.metadata["data_query"] == "visit = my_visit" and graph.metadata["bind"] == {"my_visit": 3}


def test_missing_input_removes_its_quanta_and_the_gather_reads_the_rest(repo):
    repo.registry.removeDatasets([repo.find_dataset("raw", instrument="Cam", visit=2, detector=1,
                                                    collections="inputs")])
    graph = build(repo)
    assert (2, 1) not in data_ids(graph, "scale") + data_ids(graph, "offset")
    quantum = next(q for _, q in graph.quanta("visitSum") if q.dataId["visit"] == 2)
    assert [r.dataId["detector"] for r in quantum.inputs["offset"]] == [0, 2]


def test_minimum_not_met_drops_the_quantum(repo):
    repo.registry.removeDatasets([repo.find_dataset("raw", instrument="Cam", visit=2, detector=1,
                                                    collections="inputs")])
    graph = build(repo, overrides={"visitSum": {"minimum": 3}})
    assert data_ids(graph, "visitSum") == [(1,), (3,)]


def test_no_work_found_in_adjust_quantum_drops_the_quantum_and_its_outputs(repo):
    graph = build(repo, tasks=(("scale", ScaleTask), ("picky", PickyTask)), overrides={"picky": {"badDetectors": [1]}})
    assert {d for _, d in data_ids(graph, "picky")} == {0, 2}
    assert graph.num_quanta("scale") == len(VISITS) * len(DETECTORS)


def test_output_ids_are_unique(repo):
    graph = build(repo)
    ids = [ref.id for _, q in graph.quanta() for ref in q.iter_output_refs()]
    ids += [ref.id for refs in graph.init_outputs.values() for ref in refs.values()]
    assert len(ids) == len(set(ids)) and all(isinstance(i, uuid.UUID) for i in ids)
    assert len({n for n, _ in graph.quanta()}) == len(graph)


def test_datastore_records_cover_the_overall_inputs(repo):
    graph = build(repo)
    raws = [ref for _, q in graph.quanta("scale") for ref in q.inputs["raw"]]
    assert set(graph.datastore_records) == {ref.id for ref in raws}
    (info,) = graph.datastore_records[raws[0].id]
    assert info.dataset_id == raws[0].id and info.path


def test_metadata_names_the_collections_user_and_time(repo):
    graph = QuantumGraphBuilder(make_pipeline_graph(repo, *TOY), repo, input_collections=[INPUTS],
                                output_run="u/me/run").build(metadata={"output": "u/me"})
    meta = graph.metadata
    assert meta["input"] == [INPUTS] and meta["output_run"] == "u/me/run" and meta["output"] == "u/me"
    assert meta["user"] and meta["time"].startswith("20")


def test_builder_refuses_missing_collections_and_conflicting_data_ids(repo):
    with pytest.raises(MissingCollectionError, match="nosuch"):
        build(repo, input_collections=["nosuch"])
    with pytest.raises(ValueError, match="input collections"):
        QuantumGraphBuilder(make_pipeline_graph(repo, *TOY), repo, input_collections=[], output_run="out")
    with pytest.raises(ValueError, match="output RUN"):
        QuantumGraphBuilder(make_pipeline_graph(repo, *TOY), repo, input_collections=[INPUTS])
    graph = make_pipeline_graph(repo, *TOY)
    graph.data_id = {"instrument": "Cam"}
    with pytest.raises(InconsistentDataIdError, match="OtherCam"):
        QuantumGraphBuilder(graph, repo, input_collections=[INPUTS], output_run="out",
                            data_id={"instrument": "OtherCam"})


def test_independent_subgraphs_are_queried_separately(repo):
    graph = build(repo, tasks=(("scale", ScaleTask), ("schema", SchemaTask)), where="visit = 1 OR detector = 0")
    assert graph.num_quanta("scale") == graph.num_quanta("schema") == len(DETECTORS) + len(VISITS) - 1


def test_empty_where_match_raises_empty_graph_error(repo):
    with pytest.raises(EmptyGraphError, match="visit = 7"):
        build(repo, where="visit = 7")


def test_refs_are_dataset_refs_with_conformed_data_ids(repo):
    graph = build(repo)
    for _, quantum in graph.quanta():
        for ref in (*quantum.iter_input_refs(), *quantum.iter_output_refs()):
            assert isinstance(ref, DatasetRef)
            assert ref.dataId.dimensions == ref.datasetType.dimensions
