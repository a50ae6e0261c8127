"""Pipeline graphs: structure, order, look-ups, and dataset types checked against a real repository."""

from __future__ import annotations

import pickle

import pytest

import pipetasks.framework.connectionTypes as cT
from butler import DatasetType
from butler.errors import MissingDatasetTypeError
from pipetasks.framework import PipelineTask, PipelineTaskConfig, PipelineTaskConnections
from pipetasks.pipeline import (
    ConnectionTypeConsistencyError,
    DuplicateOutputError,
    IncompatibleDatasetTypeError,
    InvalidStepsError,
    Pipeline,
    PipelineDataCycleError,
    PipelineGraph,
    UnresolvedGraphError,
)

T = "pipeline_test_tasks"

TOY = f"""
description: toy
tasks:
  gather: {T}.GatherTask
  offset: {T}.OffsetTask
  char: {T}.CharacterizeLikeTask
  scale: {T}.ScaleTask
"""


def make_task(name: str, dimensions, **connections) -> type:
    """A PipelineTask class with the given connections, built the way a module would declare it."""
    conn_class = type(PipelineTaskConnections)(f"{name}Connections", (PipelineTaskConnections,), dict(connections),
                                               dimensions=dimensions)
    config_class = type(PipelineTaskConfig)(f"{name}Config", (PipelineTaskConfig,), {},
                                            pipelineConnections=conn_class)
    return type(name, (PipelineTask,), {"ConfigClass": config_class, "_DefaultName": name.lower()})


def graph_of(*tasks: tuple[str, type]) -> PipelineGraph:
    graph = PipelineGraph()
    for label, task_class in tasks:
        config = task_class.ConfigClass()
        config.freeze()
        graph.add_task(label, task_class, config)
    return graph


VD = ("instrument", "visit", "detector")


def dict_io(name, dims=VD, sc="StructuredDataDict", kind=cT.Output, **kwargs):
    return kind(name=name, storageClass=sc, dimensions=dims, doc="", **kwargs)


# -- structure ---------------------------------------------------------------------------------------------


def test_tasks_are_sorted_producers_first_whatever_the_declaration_order():
    graph = Pipeline.from_string(TOY).to_graph()
    order = list(graph.tasks)
    assert order.index("scale") < order.index("offset") and order.index("char") < order.index("gather")
    assert order == ["char", "scale", "gather", "offset"]  # ties keep declaration order


def test_graph_look_ups_find_producers_consumers_and_edges():
    graph = Pipeline.from_string(TOY).to_graph()
    assert graph.producer_of("icSrc").label == "char"
    assert [t.label for t in graph.consumers_of("icSrc")] == ["gather"]
    assert graph.producer_of("raw") is None
    edge = graph.consuming_edges_of("icSrc")[0]
    assert (edge.connection_name, edge.multiple, edge.minimum) == ("catalogs", True, 2)
    assert graph.producing_edge_of("scaled").connection_name == "output"
    with pytest.raises(KeyError, match="No task of the pipeline reads or writes dataset type 'nope'"):
        graph.producer_of("nope")


def test_every_task_gets_config_metadata_and_log_outputs():
    graph = Pipeline.from_string(TOY).to_graph()
    char = graph.tasks["char"]
    assert char.config_output.dataset_type_name == "char_config"
    assert (char.metadata_output.dataset_type_name, char.metadata_output.storage_class_name) == (
        "char_metadata", "TaskMetadata")
    assert (char.log_output.dataset_type_name, char.log_output.storage_class_name) == (
        "char_log", "ButlerLogRecords")
    assert "char_config" in graph.dataset_type_names and "packages" not in graph.dataset_type_names


def test_save_log_output_false_drops_the_log_dataset():
    pipeline = Pipeline.from_string(TOY)
    pipeline.addConfigOverride("scale", "saveLogOutput", False)
    graph = pipeline.to_graph()
    assert graph.tasks["scale"].log_output is None
    assert "scale_log" not in graph.dataset_type_names


def test_connections_dropped_and_renamed_by_config_shape_the_graph():
    pipeline = Pipeline.from_string(TOY)
    pipeline.addConfigOverride("char", "doWriteBackground", False)
    pipeline.addConfigOverride("char", "connections.prefix", "deep")
    pipeline.addConfigOverride("gather", "connections.catalogs", "deepicSrc")
    graph = pipeline.to_graph()
    assert "icExpBackground" not in graph.dataset_type_names
    assert graph.producer_of("deepicSrc").label == "char" and graph.consumers_of("deepicSrc")[0].label == "gather"


def test_unresolved_graph_refuses_dataset_type_questions():
    graph = Pipeline.from_string(TOY).to_graph()
    with pytest.raises(UnresolvedGraphError):
        _ = graph.dataset_types
    with pytest.raises(UnresolvedGraphError):
        _ = graph.tasks["char"].dimensions


def test_cycles_between_tasks_are_refused_naming_them():
    a = make_task("A", VD, i=dict_io("y", kind=cT.Input), o=dict_io("x"))
    b = make_task("B", VD, i=dict_io("x", kind=cT.Input), o=dict_io("y"))
    with pytest.raises(PipelineDataCycleError, match=r"\['a', 'b'\] depend on each other"):
        graph_of(("a", a), ("b", b)).sort()


def test_two_producers_of_one_dataset_type_are_refused():
    a = make_task("A", VD, o=dict_io("x"))
    with pytest.raises(DuplicateOutputError, match="'x' is produced by both 'a1' and 'a2'"):
        graph_of(("a1", a), ("a2", a)).resolve()


def test_a_produced_prerequisite_is_refused():
    a = make_task("A", VD, o=dict_io("x"))
    b = make_task("B", VD, p=dict_io("x", kind=cT.PrerequisiteInput), o=dict_io("z"))
    with pytest.raises(ConnectionTypeConsistencyError, match="prerequisite input to 'b', but it is produced by 'a'"):
        graph_of(("a", a), ("b", b)).resolve()


# -- resolution against a repository -------------------------------------------------------------------------


def test_resolved_graph_carries_dataset_type_definitions_and_query_roles(repo):
    graph = Pipeline.from_string(TOY).to_graph(repo)
    types = graph.dataset_types
    assert types["postISRCCD"].is_registered and types["postISRCCD"].is_initial_query_constraint
    assert types["bias"].is_prerequisite and not types["bias"].is_initial_query_constraint
    assert types["ref_cat"].dimensions.names == ("htm7",)  # skypix placeholder resolved by the repository
    assert types["icSrc_schema"].is_init and types["char_config"].is_init
    assert types["icSrc"].producer == "char" and types["icSrc"].consumers == ["gather"]
    assert graph.tasks["gather"].dimensions.required == ("instrument", "visit")
    assert {name for name, _ in graph.iter_overall_inputs()} == {"postISRCCD", "bias", "ref_cat", "raw"}
    assert set(graph.outputs_of("char")) == {"icExp", "icSrc", "icExpBackground", "char_metadata", "char_log"}
    assert set(graph.outputs_of("char", init=True)) == {"icSrc_schema", "char_config"}
    assert set(graph.inputs_of("char")) == {"postISRCCD", "bias", "ref_cat"}


def test_output_storage_class_mismatch_with_the_repository_is_an_error_before_running(repo):
    repo.registry.registerDatasetType(DatasetType("scaled", VD, "NumpyArray", universe=repo.dimensions))
    with pytest.raises(IncompatibleDatasetTypeError) as info:
        Pipeline.from_string(TOY).to_graph(repo)
    message = str(info.value)
    assert "output dataset type 'scaled'" in message and "task 'scale'" in message
    assert "data repository has DatasetType('scaled'" in message and "NumpyArray" in message


def test_input_dimension_mismatch_with_the_repository_names_the_task(repo):
    reader = make_task("Reader", VD, i=dict_io("bias", dims=("instrument",), kind=cT.Input), o=dict_io("z"))
    with pytest.raises(IncompatibleDatasetTypeError, match=r"'bias': task 'reader' has .*dimensions \{instrument\} "
                                                           r"differ from \{instrument, detector\}"):
        graph_of(("reader", reader)).resolve(repo)


def test_producer_and_consumer_disagreeing_on_dimensions_name_both_tasks():
    writer = make_task("Writer", VD, o=dict_io("x"))
    reader = make_task("Reader", ("instrument", "visit"),
                       i=dict_io("x", dims=("instrument", "visit"), kind=cT.Input), o=dict_io("z"))
    with pytest.raises(IncompatibleDatasetTypeError, match="task 'reader' has .* producing task 'writer'"):
        graph_of(("writer", writer), ("reader", reader)).resolve()


def test_consumer_may_read_a_convertible_storage_class_but_not_an_unrelated_one():
    writer = make_task("Writer", VD, o=dict_io("table", sc="ArrowAstropy"))
    convertible = make_task("C", VD, i=dict_io("table", sc="ArrowTable", kind=cT.Input), o=dict_io("c"))
    unrelated = make_task("U", VD, i=dict_io("table", sc="NumpyArray", kind=cT.Input), o=dict_io("u"))
    graph = graph_of(("writer", writer), ("c", convertible))
    graph.resolve()
    assert graph.dataset_types["table"].storage_class_name == "ArrowAstropy"
    assert graph.dataset_type_for(graph.tasks["c"].inputs["i"]).storageClass_name == "ArrowTable"
    with pytest.raises(IncompatibleDatasetTypeError, match="task 'u' reads it as storage class NumpyArray"):
        graph_of(("writer", writer), ("u", unrelated)).resolve()


def test_consumers_of_an_unregistered_input_must_agree_exactly():
    a = make_task("A", VD, i=dict_io("x", sc="ArrowAstropy", kind=cT.Input), o=dict_io("a"))
    b = make_task("B", VD, i=dict_io("x", sc="ArrowTable", kind=cT.Input), o=dict_io("b"))
    with pytest.raises(IncompatibleDatasetTypeError, match="Registering the dataset type"):
        graph_of(("a", a), ("b", b)).resolve()


def test_component_inputs_are_checked_against_the_parent_storage_class(repo):
    repo.registry.registerDatasetType(DatasetType("table", VD, "ArrowAstropy", universe=repo.dimensions))
    good = make_task("G", VD, i=dict_io("table.rowcount", sc="int", kind=cT.Input), o=dict_io("g"))
    graph = graph_of(("g", good))
    graph.resolve(repo)
    assert graph.consumers_of("table")[0].label == "g"
    seen = graph.dataset_type_for(graph.tasks["g"].inputs["i"])
    assert (seen.name, seen.storageClass_name) == ("table.rowcount", "int")
    bad = make_task("B", VD, i=dict_io("table.nosuch", sc="int", kind=cT.Input), o=dict_io("b"))
    with pytest.raises(IncompatibleDatasetTypeError, match="no component 'nosuch'"):
        graph_of(("b", bad)).resolve(repo)


def test_skypix_placeholder_needs_a_registered_dataset_type():
    reader = make_task("R", VD, p=dict_io("shards", dims=("skypix",), kind=cT.PrerequisiteInput), o=dict_io("r"))
    with pytest.raises(MissingDatasetTypeError, match="'shards'.*needs the dataset type to be registered"):
        graph_of(("r", reader)).resolve()


def test_unknown_dimension_is_reported_with_the_connection(repo):
    odd = make_task("Odd", VD, o=dict_io("x", dims=("instrument", "vist")))
    with pytest.raises(IncompatibleDatasetTypeError, match=r"odd\.o \(x\).*unknown dimension"):
        graph_of(("odd", odd)).resolve(repo)


def test_failed_resolution_leaves_the_graph_unresolved(repo):
    graph = Pipeline.from_string(TOY).to_graph()
    repo.registry.registerDatasetType(DatasetType("offset", VD, "NumpyArray", universe=repo.dimensions))
    with pytest.raises(IncompatibleDatasetTypeError):
        graph.resolve(repo)
    assert not graph.is_resolved


def test_register_dataset_types_then_registrations_check_and_resolution_see_them(repo):
    graph = Pipeline.from_string(TOY).to_graph(repo)
    with pytest.raises(MissingDatasetTypeError, match="register-dataset-types"):
        graph.check_dataset_type_registrations(repo)
    graph.register_dataset_types(repo)
    graph.check_dataset_type_registrations(repo)
    assert repo.registry.getDatasetType("char_metadata").storageClass_name == "TaskMetadata"
    assert repo.registry.getDatasetType("packages").dimensions.names == ()
    graph.resolve(repo)
    assert graph.dataset_types["icSrc"].is_registered


def test_steps_must_not_read_outputs_of_later_steps(repo):
    pipeline = Pipeline.from_string(TOY + """
subsets:
  early: [offset]
  late: [scale]
steps:
  - {label: early, dimensions: [instrument]}
  - {label: late, dimensions: [instrument]}
""")
    with pytest.raises(InvalidStepsError, match="'offset' of step 'early' reads 'scaled'.*later step 'late'"):
        pipeline.to_graph(repo)


def test_resolved_graph_pickles_for_worker_processes(repo):
    pipeline = Pipeline.from_string(TOY)
    pipeline.addConfigOverride("char", "doWriteBackground", False)
    graph = pipeline.to_graph(repo)
    copy = pickle.loads(pickle.dumps(graph))
    assert list(copy.tasks) == list(graph.tasks)
    assert copy.tasks["char"].connections.outputs == {"characterized", "sourceCat"}
    assert copy.tasks["char"].config == graph.tasks["char"].config
    assert copy.dataset_types["icSrc"].dataset_type == graph.dataset_types["icSrc"].dataset_type
