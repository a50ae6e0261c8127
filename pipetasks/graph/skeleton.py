"""The data IDs of one independent part of a pipeline, from one registry query.

Tasks linked (directly or through other tasks) by the datasets they write
and read form an independent subgraph.  For each, one query joins every
dimension of its tasks and datasets, requires the overall inputs that
constrain it to exist in the input collections, and applies the user's
``where`` and data ID.  Each row is a full data ID of all those dimensions;
a task's quanta are the distinct rows projected onto its dimensions, a
dataset type's data IDs likewise, and the datasets a quantum reads with more
dimensions than its own (a per-visit task reading per-detector catalogs) are
the rows sharing the quantum's projection.  Everything after the query is
tuple work in Python: no per-quantum SQL.
"""

from __future__ import annotations

__all__ = ["BuildContext", "SubgraphSkeleton", "split_independent"]

import dataclasses
import logging
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from butler import DataCoordinate, DatasetRef, DimensionGroup
from butler.dimensions.elements import Dimension
from butler.errors import MissingDatasetTypeError

if TYPE_CHECKING:
    from butler import Butler
    from pipetasks.pipeline import PipelineGraph, TaskNode

_LOG = logging.getLogger(__name__)

Key = tuple[Any, ...]
"""Required values of a data ID, in the order of its group's ``required`` dimensions."""


@dataclasses.dataclass
class BuildContext:
    """What every query of one graph build shares."""

    butler: Butler
    pipeline_graph: PipelineGraph
    input_collections: list[str]
    where: str
    bind: dict[str, Any] | None
    data_id: dict[str, Any]
    record_cache: dict[str, dict[Key, Any]] = dataclasses.field(default_factory=dict)

    @property
    def engine(self) -> Any:
        return self.butler.registry._query_engine()

    def find_refs(self, dataset_type_name: str, collections: Sequence[str], *, constrained: bool = True
                  ) -> dict[Key, DatasetRef]:
        """Find-first datasets of one type in ``collections``, by required data ID values.

        With ``constrained`` the build's ``where`` and data ID restrict the
        search (a superset of what the graph needs); an unregistered type
        has none.
        """
        try:
            dataset_type = self.butler.get_dataset_type(dataset_type_name)
        except MissingDatasetTypeError:
            return {}
        data_id = self.data_id if constrained else {
            k: v for k, v in self.data_id.items() if k in dataset_type.dimensions.names}
        refs = self.engine.datasets(
            dataset_type, collections=list(collections), data_id=data_id or None,
            where=self.where if constrained else "", find_first=True,
            bind=self.bind if constrained else None, kwargs={})
        return {ref.dataId.required_values: ref for ref in refs}

    def expand(self, group: DimensionGroup, full_values: Mapping[Key, Key]) -> dict[Key, DataCoordinate]:
        """Data IDs with their dimension records attached, from full values by required values.

        Records of the group's dimensions (not of join elements such as
        ``visit_detector_region``) are fetched in bulk, once per element
        and value for the whole build.
        """
        universe = group.universe
        keys = group.data_coordinate_keys
        getters: list[tuple[str, Callable[[Key], Key]]] = []
        for name in group.elements:
            element = universe[name]
            if not isinstance(element, Dimension) or not element.has_own_table:
                continue
            getter = tuple_getter([keys.index(d.name) for d in element.required])
            records = self._records(element, {getter(values) for values in full_values.values()})
            getters.append((name, _record_lookup(records, getter)))
        made: dict[Key, DataCoordinate] = {}
        for key, values in full_values.items():
            made[key] = DataCoordinate(group, values, {name: lookup(values) for name, lookup in getters})
        return made

    def _records(self, element: Any, wanted: set[Key]) -> dict[Key, Any]:
        cache = self.record_cache.setdefault(element.name, {})
        missing = [key for key in wanted if key not in cache and None not in key]
        if missing:
            storage = self.butler.registry.dimension_records
            storage.prefetch(element, missing)
            for key in missing:
                cache[key] = storage.fetch_one(element, key)
        return cache


def _record_lookup(records: dict[Key, Any], getter: Callable[[Key], Key]) -> Callable[[Key], Any]:
    get = records.get
    return lambda values: get(getter(values))


def tuple_getter(positions: Sequence[int]) -> Callable[[Sequence[Any]], Key]:
    """A fast function returning the values at ``positions`` of a sequence, always as a tuple."""
    if not positions:
        return lambda values: ()
    if len(positions) == 1:
        position = positions[0]
        return lambda values: (values[position],)
    return operator.itemgetter(*positions)


def split_independent(pipeline_graph: PipelineGraph) -> list[list[str]]:
    """Task labels grouped into independent subgraphs (linked by regular inputs and outputs), in graph order."""
    parent = {label: label for label in pipeline_graph.tasks}

    def root(label: str) -> str:
        while parent[label] != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    for name, node in pipeline_graph.dataset_types.items():
        if node.is_init or node.is_prerequisite:
            continue
        labels = [e.task_label for e in node.consuming_edges]
        if node.producing_edge is not None:
            labels.append(node.producing_edge.task_label)
        for other in labels[1:]:
            parent[root(other)] = root(labels[0])
    groups: dict[str, list[str]] = {}
    for label in pipeline_graph.tasks:
        groups.setdefault(root(label), []).append(label)
    return list(groups.values())


def regular_edges(task: TaskNode) -> Iterable[Any]:
    """A task's per-quantum inputs and outputs, metadata and log included."""
    yield from task.inputs.values()
    yield from task.iter_all_outputs()


class SubgraphSkeleton:
    """The data IDs of one independent subgraph, from its one query.

    Parameters
    ----------
    context : `BuildContext`
    labels : sequence of `str`
        The subgraph's tasks, in graph order.
    """

    def __init__(self, context: BuildContext, labels: Sequence[str]):
        self.context = context
        self.labels = list(labels)
        graph = context.pipeline_graph
        universe = context.butler.dimensions
        names: set[str] = set()
        self.dataset_type_names: list[str] = []
        for label in self.labels:
            task = graph.tasks[label]
            names.update(task.dimensions.names)
            for edge in regular_edges(task):
                if edge.kind.is_init:
                    continue
                name = edge.parent_dataset_type_name
                if name not in self.dataset_type_names:
                    self.dataset_type_names.append(name)
                names.update(graph.dataset_types[name].dimensions.names)
        self.dimensions: DimensionGroup = universe.conform(names)
        nodes = [graph.dataset_types[n] for n in self.dataset_type_names]
        self.constraints = [n.name for n in nodes if n.is_initial_query_constraint and n.dimensions.names]
        self.empty_constraints = [n.name for n in nodes if n.is_initial_query_constraint and not n.dimensions.names]
        self.rows: list[Key] = []
        self._indices: dict[DimensionGroup, dict[Key, DataCoordinate]] = {}
        self._values: dict[DimensionGroup, dict[Key, Key]] = {}

    def query(self) -> int:
        """Run the data ID query; return the number of rows."""
        context = self.context
        for name in self.empty_constraints:
            if not context.find_refs(name, context.input_collections, constrained=False):
                return 0
        registered = []
        for name in self.constraints:
            try:
                context.butler.get_dataset_type(name)
            except MissingDatasetTypeError:
                return 0
            registered.append(name)
        data_ids = context.engine.data_ids(
            self.dimensions, data_id=context.data_id or None, datasets=registered or None,
            collections=context.input_collections if registered else None, where=context.where,
            bind=context.bind, kwargs={}, stream=True)
        self.rows = [data_id.full_values for data_id in data_ids]
        _LOG.debug("Data ID query over %s returned %d rows.", self.dimensions, len(self.rows))
        return len(self.rows)

    def _getter(self, group: DimensionGroup, full: bool = False) -> Callable[[Sequence[Any]], Key]:
        keys = self.dimensions.data_coordinate_keys
        wanted = group.data_coordinate_keys if full else group.required
        return tuple_getter([keys.index(name) for name in wanted])

    def full_values(self, group: DimensionGroup) -> dict[Key, Key]:
        """Full values (required then implied) of one dimension group's data IDs in the rows, by required values."""
        values = self._values.get(group)
        if values is None:
            required = self._getter(group)
            full = self._getter(group, full=True)
            values = {}
            for row in self.rows:
                key = required(row)
                if key not in values:
                    values[key] = full(row)
            self._values[group] = values
        return values

    def data_ids(self, group: DimensionGroup) -> dict[Key, DataCoordinate]:
        """Expanded data IDs of one dimension group found in the rows, by required values."""
        index = self._indices.get(group)
        if index is None:
            index = self._indices[group] = self.context.expand(group, self.full_values(group))
        return index

    def related(self, task_group: DimensionGroup, dataset_group: DimensionGroup) -> dict[Key, list[Key]]:
        """For each quantum (by required values), the data IDs of a dataset type its rows share, sorted."""
        task_key = self._getter(task_group)
        dataset_key = self._getter(dataset_group)
        related: dict[Key, set[Key]] = {}
        for row in self.rows:
            found = related.get(task_key(row))
            if found is None:
                found = related[task_key(row)] = set()
            found.add(dataset_key(row))
        return {key: sorted(values) for key, values in related.items()}

    def release_rows(self) -> None:
        """Forget the query rows and projections once the quanta are made."""
        self.rows = []
        self._values = {}
        self._indices = {}
