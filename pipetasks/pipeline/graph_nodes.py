"""Nodes and edges of a pipeline graph: tasks, dataset types, and one edge per connection."""

from __future__ import annotations

__all__ = ["DatasetTypeNode", "Edge", "EdgeKind", "StepDefinition", "TaskNode", "TaskSubset"]

import dataclasses
import enum
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from butler import DatasetType
from pipetasks.framework import automatic_connections as acc

from .errors import UnresolvedGraphError

if TYPE_CHECKING:
    from butler import DimensionGroup
    from pipetasks.framework.connections import PipelineTaskConnections


class EdgeKind(enum.Enum):
    """The kind of connection an edge stands for."""

    INIT_INPUT = "initInputs"
    PREREQUISITE_INPUT = "prerequisiteInputs"
    INPUT = "inputs"
    INIT_OUTPUT = "initOutputs"
    OUTPUT = "outputs"

    @property
    def is_input(self) -> bool:
        """Whether the task reads the dataset."""
        return self in (EdgeKind.INIT_INPUT, EdgeKind.PREREQUISITE_INPUT, EdgeKind.INPUT)

    @property
    def is_init(self) -> bool:
        """Whether the dataset is read or written once per run (no dimensions)."""
        return self in (EdgeKind.INIT_INPUT, EdgeKind.INIT_OUTPUT)


@dataclasses.dataclass(frozen=True)
class Edge:
    """One connection of one task to one dataset type.

    Attributes
    ----------
    task_label : `str`
    connection_name : `str`
        The task-side name (``_config``, ``_metadata``, ``_log`` for the
        connections the framework adds).
    dataset_type_name : `str`
        As the connection names it (may be a component: ``calexp.wcs``).
    storage_class_name : `str`
        The storage class the task reads or writes.
    raw_dimensions : `frozenset` [`str`]
        Dimensions as declared (may contain the ``skypix`` placeholder).
    kind : `EdgeKind`
    is_calibration, multiple, defer_load, minimum, defer_query_constraint, lookup_function
        The connection's options.
    """

    task_label: str
    connection_name: str
    dataset_type_name: str
    storage_class_name: str
    raw_dimensions: frozenset[str]
    kind: EdgeKind
    is_calibration: bool = False
    multiple: bool = False
    defer_load: bool = False
    minimum: int = 1
    defer_query_constraint: bool = False
    lookup_function: Callable[..., Any] | None = None

    @property
    def parent_dataset_type_name(self) -> str:
        """The dataset type node this edge attaches to (components attach to their parent)."""
        return DatasetType.splitDatasetTypeName(self.dataset_type_name)[0]

    @property
    def component(self) -> str | None:
        """The component read, if the connection reads one."""
        return DatasetType.splitDatasetTypeName(self.dataset_type_name)[1]

    @property
    def is_prerequisite(self) -> bool:
        return self.kind is EdgeKind.PREREQUISITE_INPUT

    def __str__(self) -> str:
        return f"{self.task_label}.{self.connection_name} ({self.dataset_type_name})"

    @classmethod
    def from_connection(cls, label: str, name: str, connection: Any) -> Edge:
        kind = EdgeKind(connection._connection_type_set)
        return cls(
            task_label=label,
            connection_name=name,
            dataset_type_name=connection.name,
            storage_class_name=connection.storageClass,
            raw_dimensions=frozenset(getattr(connection, "dimensions", ())),
            kind=kind,
            is_calibration=getattr(connection, "isCalibration", False),
            multiple=connection.multiple,
            defer_load=getattr(connection, "deferLoad", False),
            minimum=getattr(connection, "minimum", 1),
            defer_query_constraint=getattr(connection, "deferGraphConstraint", False)
            or getattr(connection, "deferBinding", False),
            lookup_function=getattr(connection, "lookupFunction", None),
        )


class TaskNode:
    """A configured task in a pipeline graph.

    Attributes
    ----------
    label : `str`
    task_class : `type`
    task_class_name : `str`
    config : `PipelineTaskConfig`
        Frozen.
    connections : `PipelineTaskConnections`
    init_inputs, prerequisite_inputs, inputs, init_outputs, outputs : `dict` [`str`, `Edge`]
        Declared connections by connection name.
    config_output : `Edge`
        The ``<label>_config`` init-output.
    metadata_output : `Edge`
        The ``<label>_metadata`` output.
    log_output : `Edge` or `None`
        The ``<label>_log`` output (`None` if ``config.saveLogOutput`` is False).
    """

    def __init__(self, label: str, task_class: type, config: Any, connections: PipelineTaskConnections):
        self.label = label
        self.task_class = task_class
        self.task_class_name = f"{task_class.__module__}.{task_class.__qualname__}"
        self.config = config
        self.connections = connections
        self.raw_dimensions = frozenset(connections.dimensions)
        self._dimensions: DimensionGroup | None = None
        by_kind: dict[EdgeKind, dict[str, Edge]] = {kind: {} for kind in EdgeKind}
        for name in sorted(connections.allConnections):
            connection = connections.allConnections[name]
            if getattr(connection, "deferBinding", False):
                continue  # bound by a custom graph builder, never part of the pipeline graph
            edge = Edge.from_connection(label, name, connection)
            by_kind[edge.kind][name] = edge
        self.init_inputs = by_kind[EdgeKind.INIT_INPUT]
        self.prerequisite_inputs = by_kind[EdgeKind.PREREQUISITE_INPUT]
        self.inputs = by_kind[EdgeKind.INPUT]
        self.init_outputs = by_kind[EdgeKind.INIT_OUTPUT]
        self.outputs = by_kind[EdgeKind.OUTPUT]
        self.config_output = Edge(label, acc.CONFIG_INIT_OUTPUT_CONNECTION_NAME,
                                  acc.CONFIG_INIT_OUTPUT_TEMPLATE.format(label=label),
                                  acc.CONFIG_INIT_OUTPUT_STORAGE_CLASS, frozenset(), EdgeKind.INIT_OUTPUT)
        self.metadata_output = Edge(label, acc.METADATA_OUTPUT_CONNECTION_NAME,
                                    acc.METADATA_OUTPUT_TEMPLATE.format(label=label),
                                    acc.METADATA_OUTPUT_STORAGE_CLASS, self.raw_dimensions, EdgeKind.OUTPUT)
        self.log_output = (
            Edge(label, acc.LOG_OUTPUT_CONNECTION_NAME, acc.LOG_OUTPUT_TEMPLATE.format(label=label),
                 acc.LOG_OUTPUT_STORAGE_CLASS, self.raw_dimensions, EdgeKind.OUTPUT)
            if getattr(config, "saveLogOutput", True) else None
        )

    @property
    def dimensions(self) -> DimensionGroup:
        """The quantum dimensions, closed over required and implied ones (after `PipelineGraph.resolve`)."""
        if self._dimensions is None:
            raise UnresolvedGraphError(f"Dimensions of task {self.label!r} are known once the graph is resolved.")
        return self._dimensions

    @property
    def has_resolved_dimensions(self) -> bool:
        return self._dimensions is not None

    def iter_all_inputs(self) -> Iterator[Edge]:
        """Init-inputs, prerequisites and regular inputs."""
        yield from self.init_inputs.values()
        yield from self.prerequisite_inputs.values()
        yield from self.inputs.values()

    def iter_all_outputs(self, include_automatic: bool = True) -> Iterator[Edge]:
        """Init-outputs and outputs, with the config/metadata/log ones unless ``include_automatic`` is False."""
        yield from self.init_outputs.values()
        yield from self.outputs.values()
        if include_automatic:
            yield self.config_output
            yield self.metadata_output
            if self.log_output is not None:
                yield self.log_output

    def get_input_edge(self, connection_name: str) -> Edge:
        """The input edge of that connection name (KeyError if none)."""
        for edge in self.iter_all_inputs():
            if edge.connection_name == connection_name:
                return edge
        raise KeyError(f"Task {self.label!r} has no input connection {connection_name!r}.")

    def get_output_edge(self, connection_name: str) -> Edge:
        """The output edge of that connection name (KeyError if none)."""
        for edge in self.iter_all_outputs():
            if edge.connection_name == connection_name:
                return edge
        raise KeyError(f"Task {self.label!r} has no output connection {connection_name!r}.")

    def get_config_str(self) -> str:
        """The config as an override file (what ``<label>_config`` stores)."""
        return self.config.saveToString()

    def is_optional(self, connection_name: str) -> bool:
        """Whether a prerequisite/regular input may be absent (``minimum=0``)."""
        return self.get_input_edge(connection_name).minimum == 0

    def __repr__(self) -> str:
        return f"TaskNode({self.label!r}, {self.task_class_name})"


@dataclasses.dataclass
class DatasetTypeNode:
    """A dataset type in a resolved pipeline graph.

    Attributes
    ----------
    dataset_type : `~butler.DatasetType`
        The graph-wide definition: the repository's if registered, else the
        producer's, else the (agreeing) consumers'.
    is_registered : `bool`
        Whether the repository already has this dataset type.
    producing_edge : `Edge` or `None`
        The output edge writing it (`None` for overall inputs).
    consuming_edges : `tuple` [`Edge`, ...]
    is_prerequisite : `bool`
        Whether it is read only as a prerequisite input.
    is_initial_query_constraint : `bool`
        Whether graph building should require its existence in the initial
        data-ID query (an overall, non-prerequisite, non-deferred input).
    is_init : `bool`
        Whether it is an init-input/init-output (no dimensions).
    """

    dataset_type: DatasetType
    is_registered: bool
    producing_edge: Edge | None
    consuming_edges: tuple[Edge, ...]
    is_prerequisite: bool
    is_initial_query_constraint: bool
    is_init: bool

    @property
    def name(self) -> str:
        return self.dataset_type.name

    @property
    def dimensions(self) -> DimensionGroup:
        return self.dataset_type.dimensions

    @property
    def storage_class_name(self) -> str:
        return self.dataset_type.storageClass_name

    @property
    def is_calibration(self) -> bool:
        return self.dataset_type.isCalibration()

    @property
    def producer(self) -> str | None:
        """Label of the producing task, or `None`."""
        return self.producing_edge.task_label if self.producing_edge is not None else None

    @property
    def consumers(self) -> list[str]:
        """Labels of the consuming tasks."""
        return [edge.task_label for edge in self.consuming_edges]

    def __repr__(self) -> str:
        return f"{self.name} ({self.storage_class_name}, {self.dimensions})"


@dataclasses.dataclass
class TaskSubset:
    """A labeled subset of the pipeline's tasks."""

    label: str
    labels: set[str]
    description: str = ""

    def __contains__(self, label: object) -> bool:
        return label in self.labels

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.labels))

    def __len__(self) -> int:
        return len(self.labels)


@dataclasses.dataclass
class StepDefinition:
    """A step: a subset run as a unit, with the dimensions its work is sharded by."""

    label: str
    dimensions: tuple[str, ...]
