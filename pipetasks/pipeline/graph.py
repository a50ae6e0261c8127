"""`PipelineGraph`: configured tasks and the dataset types that connect them.

A bipartite graph: task nodes, dataset type nodes, and an edge per
connection (task → dataset type for outputs, dataset type → task for
inputs).  `Pipeline.to_graph` builds one; `resolve` checks it against a data
repository *before anything runs*: every dataset type gets one definition
that fits the repository and every task (see `pipetasks.pipeline.resolution`).
Tasks are kept in a topological order (producers before consumers).

The graph is what quantum-graph builders and executors start from::

    graph = Pipeline.from_uri("DRP.yaml#isr,characterizeImage").to_graph(butler)
    for task in graph.tasks.values():                 # producers first
        task.dimensions, task.inputs, task.outputs    # edges by connection name
    graph.dataset_types["icExp"].producer             # "characterizeImage"
    graph.register_dataset_types(butler)              # outputs, configs, metadata, logs, packages
"""

from __future__ import annotations

__all__ = ["PipelineGraph"]

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from butler import DatasetType, DimensionUniverse
from butler.errors import MissingDatasetTypeError
from pipetasks.framework import automatic_connections as acc

from .errors import (
    IncompatibleDatasetTypeError,
    InvalidStepsError,
    PipelineDataCycleError,
    PipelineLabelError,
    UnresolvedGraphError,
)
from .graph_nodes import DatasetTypeNode, Edge, StepDefinition, TaskNode, TaskSubset
from .resolution import resolve_dataset_type


class PipelineGraph:
    """Tasks and dataset types of a pipeline, with the connections between them.

    Parameters
    ----------
    description : `str`, optional
        The pipeline's description.
    data_id : mapping, optional
        Data ID values every quantum shares (``{"instrument": "MegaCam"}``
        when the pipeline declares an instrument).

    Attributes
    ----------
    tasks : `dict` [`str`, `TaskNode`]
        By label, producers before consumers once `sort` (or `resolve`) ran.
    task_subsets : `dict` [`str`, `TaskSubset`]
    steps : `list` [`StepDefinition`]
    universe : `~butler.DimensionUniverse` or `None`
        Set by `resolve`.
    """

    def __init__(self, *, description: str = "", data_id: Mapping[str, Any] | None = None):
        self.description = description
        self.data_id: dict[str, Any] = dict(data_id or {})
        self.tasks: dict[str, TaskNode] = {}
        self.task_subsets: dict[str, TaskSubset] = {}
        self.steps: list[StepDefinition] = []
        self.universe: DimensionUniverse | None = None
        self._dataset_types: dict[str, DatasetTypeNode] | None = None
        self._sorted = True

    # -- building ---------------------------------------------------------------

    def add_task(self, label: str, task_class: type, config: Any, connections: Any = None) -> TaskNode:
        """Add a configured task (its config should be frozen); the graph becomes unresolved.

        Raises
        ------
        PipelineLabelError
            The label is already used.
        """
        if label in self.tasks or label in self.task_subsets:
            raise PipelineLabelError(f"Label {label!r} is already used in this pipeline graph.")
        if connections is None:
            connections = config.connections.ConnectionsClass(config=config)
        node = TaskNode(label, task_class, config, connections)
        self.tasks[label] = node
        self._dataset_types = None
        self._sorted = False
        return node

    def add_task_subset(self, label: str, labels: Iterable[str], description: str = "") -> None:
        """Add a labeled subset of tasks."""
        labels = set(labels)
        if missing := labels - self.tasks.keys():
            raise PipelineLabelError(f"Subset {label!r} names labels {sorted(missing)} that are not tasks.")
        self.task_subsets[label] = TaskSubset(label, labels, description)

    def add_step(self, label: str, dimensions: Iterable[str]) -> None:
        """Declare a subset as a step sharded by ``dimensions``."""
        if label not in self.task_subsets:
            raise InvalidStepsError(f"Step {label!r} is not a labeled subset of the pipeline.")
        self.steps.append(StepDefinition(label, tuple(dimensions)))

    # -- edges by dataset type ------------------------------------------------------

    def _edges_by_dataset_type(self) -> tuple[dict[str, list[Edge]], dict[str, list[Edge]]]:
        producers: dict[str, list[Edge]] = defaultdict(list)
        consumers: dict[str, list[Edge]] = defaultdict(list)
        for task in self.tasks.values():
            for edge in task.iter_all_outputs():
                producers[edge.parent_dataset_type_name].append(edge)
            for edge in task.iter_all_inputs():
                consumers[edge.parent_dataset_type_name].append(edge)
        return producers, consumers

    @property
    def dataset_type_names(self) -> list[str]:
        """Names of every dataset type the tasks read or write (resolved or not)."""
        producers, consumers = self._edges_by_dataset_type()
        return sorted(producers.keys() | consumers.keys())

    # -- ordering -----------------------------------------------------------------

    def sort(self) -> None:
        """Order `tasks` so that every task comes after the producers of its inputs.

        Ties keep the order tasks were added in, so the order is deterministic.

        Raises
        ------
        PipelineDataCycleError
            Tasks depend on each other in a cycle.
        """
        if self._sorted:
            return
        upstream = self._direct_upstream()
        position = {label: i for i, label in enumerate(self.tasks)}
        order: list[str] = []
        done: set[str] = set()
        remaining = dict(upstream)
        while remaining:
            ready = sorted((label for label, deps in remaining.items() if deps <= done), key=position.__getitem__)
            if not ready:
                raise PipelineDataCycleError(
                    f"Tasks {sorted(remaining)} depend on each other's outputs in a cycle: "
                    + ", ".join(f"{label} needs {sorted(remaining[label] - done)}" for label in sorted(remaining))
                    + "."
                )
            for label in ready:
                order.append(label)
                done.add(label)
                del remaining[label]
        self.tasks = {label: self.tasks[label] for label in order}
        self._sorted = True

    def _direct_upstream(self) -> dict[str, set[str]]:
        """For each task, the tasks producing what it reads."""
        producers, _ = self._edges_by_dataset_type()
        producer_of = {name: edges[0].task_label for name, edges in producers.items()}
        upstream: dict[str, set[str]] = {label: set() for label in self.tasks}
        for label, task in self.tasks.items():
            for edge in task.iter_all_inputs():
                source = producer_of.get(edge.parent_dataset_type_name)
                if source == label:
                    raise PipelineDataCycleError(
                        f"Task {label!r} reads {edge.dataset_type_name!r}, which it also writes."
                    )
                if source is not None:
                    upstream[label].add(source)
        return upstream

    def between(self, first: str | None = None, last: str | None = None) -> list[str]:
        """Labels downstream of ``first`` and upstream of ``last`` (both inclusive), in graph order.

        Tasks with no dependency relationship to a given bound are left out
        (as LSST's ``graph.tasks.between``); `None` leaves that side open.
        """
        self.sort()
        upstream = self._direct_upstream()
        downstream: dict[str, set[str]] = {label: set() for label in self.tasks}
        for label, sources in upstream.items():
            for source in sources:
                downstream[source].add(label)

        def closure(start: str, links: Mapping[str, set[str]]) -> set[str]:
            if start not in self.tasks:
                raise PipelineLabelError(f"Range end {start!r} is not a task label; labels are {sorted(self.tasks)}.")
            seen, pending = {start}, [start]
            while pending:
                for other in links[pending.pop()] - seen:
                    seen.add(other)
                    pending.append(other)
            return seen

        keep = set(self.tasks)
        if first is not None:
            keep &= closure(first, downstream)
        if last is not None:
            keep &= closure(last, upstream)
        return [label for label in self.tasks if label in keep]

    @property
    def is_sorted(self) -> bool:
        return self._sorted

    # -- resolution -----------------------------------------------------------------

    def resolve(self, registry: Any = None, *, universe: DimensionUniverse | None = None) -> None:
        """Give every dataset type one definition, checked against the repository.

        Parameters
        ----------
        registry : `~butler.Registry` or `~butler.Butler`, optional
            The repository whose dimensions and registered dataset types
            decide; without one, the default dimension universe is used and
            only the tasks are checked against each other.
        universe : `~butler.DimensionUniverse`, optional
            Dimensions to use when no registry is given.

        Raises
        ------
        IncompatibleDatasetTypeError
            A storage class or dimension mismatch between a task and the
            repository, or between producer and consumer.
        DuplicateOutputError, ConnectionTypeConsistencyError, PipelineDataCycleError, InvalidStepsError
            The pipeline is inconsistent in itself.
        MissingDatasetTypeError
            A ``skypix`` or component connection reads a dataset type that is
            neither registered nor produced.

        Notes
        -----
        The graph is left unchanged when an error is raised.
        """
        registry = getattr(registry, "registry", registry)
        if registry is not None:
            universe = registry.dimensions
        elif universe is None:
            universe = DimensionUniverse.default()
        self.sort()

        def get_registered(name: str) -> DatasetType | None:
            if registry is None:
                return None
            try:
                return registry.getDatasetType(name)
            except MissingDatasetTypeError:
                return None

        task_dimensions = {}
        for label, task in self.tasks.items():
            try:
                task_dimensions[label] = universe.conform(task.raw_dimensions)
            except KeyError as err:
                raise IncompatibleDatasetTypeError(
                    f"Task {label!r} declares unknown quantum dimension {err}; dimensions of this repository "
                    f"are {sorted(d.name for d in universe.getStaticDimensions())}."
                ) from None
        producers, consumers = self._edges_by_dataset_type()
        nodes = {
            name: resolve_dataset_type(name, producers.get(name, ()), consumers.get(name, ()), universe,
                                       get_registered)
            for name in sorted(producers.keys() | consumers.keys())
        }
        self._check_steps(nodes, universe)
        for label, task in self.tasks.items():
            task._dimensions = task_dimensions[label]
        self._dataset_types = nodes
        self.universe = universe

    def _check_steps(self, nodes: Mapping[str, DatasetTypeNode], universe: DimensionUniverse) -> None:
        step_of: dict[str, int] = {}
        for index, step in enumerate(self.steps):
            unknown = [d for d in step.dimensions if d not in {x.name for x in universe.getStaticDimensions()}]
            if unknown:
                raise InvalidStepsError(f"Step {step.label!r} shards by unknown dimensions {unknown}.")
            for label in self.task_subsets[step.label].labels:
                if label in step_of:
                    raise InvalidStepsError(
                        f"Task {label!r} is in steps {self.steps[step_of[label]].label!r} and {step.label!r}; "
                        "a task may belong to one step only."
                    )
                step_of[label] = index
        for label, index in step_of.items():
            for edge in self.tasks[label].iter_all_inputs():
                producer = nodes[edge.parent_dataset_type_name].producer
                if producer is not None and step_of.get(producer, -1) > index:
                    raise InvalidStepsError(
                        f"Task {label!r} of step {self.steps[index].label!r} reads {edge.dataset_type_name!r}, "
                        f"produced by {producer!r} in the later step {self.steps[step_of[producer]].label!r}."
                    )

    @property
    def is_resolved(self) -> bool:
        return self._dataset_types is not None

    @property
    def dataset_types(self) -> Mapping[str, DatasetTypeNode]:
        """Resolved dataset type nodes by name (call `resolve` first)."""
        if self._dataset_types is None:
            raise UnresolvedGraphError("Dataset types are known once the graph is resolved: call resolve().")
        return self._dataset_types

    # -- look-ups -------------------------------------------------------------------

    def dataset_type_for(self, edge: Edge) -> DatasetType:
        """The dataset type as one connection sees it: its component and its storage class.

        Quantum-graph builders make a task's refs with it, so that
        ``butlerQC.get`` returns the connection's storage class (the graph-wide
        definition in `dataset_types` is the repository's).
        """
        dataset_type = self.dataset_types[edge.parent_dataset_type_name].dataset_type
        if edge.component is not None:
            dataset_type = dataset_type.makeComponentDatasetType(edge.component)
        if dataset_type.storageClass_name != edge.storage_class_name:
            dataset_type = dataset_type.overrideStorageClass(edge.storage_class_name)
        return dataset_type

    def producing_edge_of(self, dataset_type_name: str) -> Edge | None:
        """The edge writing a dataset type, or `None` for an overall input."""
        if self._dataset_types is not None and dataset_type_name in self._dataset_types:
            return self._dataset_types[dataset_type_name].producing_edge
        producers, consumers = self._edges_by_dataset_type()
        self._check_known(dataset_type_name, producers, consumers)
        edges = producers.get(dataset_type_name, [])
        return edges[0] if edges else None

    def consuming_edges_of(self, dataset_type_name: str) -> list[Edge]:
        """The edges reading a dataset type."""
        if self._dataset_types is not None and dataset_type_name in self._dataset_types:
            return list(self._dataset_types[dataset_type_name].consuming_edges)
        producers, consumers = self._edges_by_dataset_type()
        self._check_known(dataset_type_name, producers, consumers)
        return list(consumers.get(dataset_type_name, []))

    def producer_of(self, dataset_type_name: str) -> TaskNode | None:
        """The task writing a dataset type, or `None`."""
        edge = self.producing_edge_of(dataset_type_name)
        return self.tasks[edge.task_label] if edge is not None else None

    def consumers_of(self, dataset_type_name: str) -> list[TaskNode]:
        """The tasks reading a dataset type."""
        return [self.tasks[edge.task_label] for edge in self.consuming_edges_of(dataset_type_name)]

    @staticmethod
    def _check_known(name: str, producers: Mapping[str, Any], consumers: Mapping[str, Any]) -> None:
        if name not in producers and name not in consumers:
            raise KeyError(f"No task of the pipeline reads or writes dataset type {name!r}.")

    def inputs_of(self, task_label: str, init: bool = False) -> dict[str, DatasetTypeNode]:
        """Resolved nodes of what a task reads (init-inputs with ``init=True``), by dataset type name."""
        task = self.tasks[task_label]
        edges = task.init_inputs.values() if init else (*task.prerequisite_inputs.values(), *task.inputs.values())
        return {e.parent_dataset_type_name: self.dataset_types[e.parent_dataset_type_name] for e in edges}

    def outputs_of(self, task_label: str, init: bool = False, include_automatic: bool = True
                   ) -> dict[str, DatasetTypeNode]:
        """Resolved nodes of what a task writes (init-outputs with ``init=True``), by dataset type name."""
        task = self.tasks[task_label]
        if init:
            edges = [*task.init_outputs.values(), *([task.config_output] if include_automatic else [])]
        else:
            edges = list(task.outputs.values())
            if include_automatic:
                edges += [task.metadata_output] + ([task.log_output] if task.log_output is not None else [])
        return {e.parent_dataset_type_name: self.dataset_types[e.parent_dataset_type_name] for e in edges}

    def iter_overall_inputs(self) -> Iterator[tuple[str, DatasetTypeNode]]:
        """Dataset types read but not written by the pipeline (they must exist in the input collections)."""
        for name, node in self.dataset_types.items():
            if node.producing_edge is None:
                yield name, node

    @property
    def packages_dataset_type(self) -> DatasetType:
        """The ``packages`` init-output type (software versions), written once per run."""
        universe = self.universe if self.universe is not None else DimensionUniverse.default()
        return DatasetType(acc.PACKAGES_INIT_OUTPUT_NAME, universe.conform([]), acc.PACKAGES_INIT_OUTPUT_STORAGE_CLASS)

    # -- repository ---------------------------------------------------------------------

    def _output_types(self, include_packages: bool) -> list[DatasetType]:
        types = [node.dataset_type for node in self.dataset_types.values() if node.producing_edge is not None]
        if include_packages:
            types.append(self.packages_dataset_type)
        return types

    def register_dataset_types(self, butler: Any, include_packages: bool = True) -> None:
        """Register every dataset type the pipeline writes (``pipetask run --register-dataset-types``).

        Raises
        ------
        ConflictingDefinitionError
            The repository has a different definition (resolve first to get
            a message naming the task).
        """
        registry = getattr(butler, "registry", butler)
        for dataset_type in self._output_types(include_packages):
            registry.registerDatasetType(dataset_type)

    def check_dataset_type_registrations(self, butler: Any, include_packages: bool = True) -> None:
        """Check that every dataset type the pipeline writes is registered with this definition.

        Raises
        ------
        MissingDatasetTypeError
            One is not registered (``--register-dataset-types`` would do it).
        IncompatibleDatasetTypeError
            One is registered differently.
        """
        registry = getattr(butler, "registry", butler)
        for dataset_type in self._output_types(include_packages):
            try:
                registered = registry.getDatasetType(dataset_type.name)
            except MissingDatasetTypeError:
                raise MissingDatasetTypeError(
                    f"Dataset type {dataset_type.name!r} written by the pipeline is not registered; register it "
                    "(pipetask run --register-dataset-types) before running."
                ) from None
            if (registered.dimensions, registered.storageClass_name) != (
                dataset_type.dimensions, dataset_type.storageClass_name
            ):
                raise IncompatibleDatasetTypeError(
                    f"Dataset type {dataset_type.name!r} is registered as {registered}, but the pipeline writes "
                    f"{dataset_type}."
                )

    def __len__(self) -> int:
        return len(self.tasks)

    def __repr__(self) -> str:
        state = "resolved" if self.is_resolved else "unresolved"
        return f"PipelineGraph({len(self.tasks)} tasks, {state})"
