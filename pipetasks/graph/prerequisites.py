"""Finding the prerequisite inputs of a task's quanta, in bulk.

Each prerequisite connection of a task gets a finder that queries once for
every quantum of the task, then answers per quantum in Python:

* a ``lookupFunction`` is called per quantum, as LSST does;
* a dataset type whose dimensions are among the task's is found by one
  find-first query keyed by data ID; when the search path has CALIBRATION
  collections, every candidate and its validity range is read once and the
  one valid during the quantum's timespan (of its exposure or visit record)
  is chosen by walking the collections in order, as ``find_dataset`` does;
* a dataset type with other dimensions (reference catalog shards by
  ``htm7``) is related to the quanta by one data ID query joining both
  (spatially, through region overlaps), plus one find-first query.
"""

from __future__ import annotations

__all__ = ["PrerequisiteFinder"]

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from butler import CollectionType, DataCoordinate, DatasetRef
from butler.errors import MissingDatasetTypeError

from .errors import QuantumGraphBuilderError
from .skeleton import BuildContext, Key, tuple_getter

if TYPE_CHECKING:
    from pipetasks.pipeline import DatasetTypeNode, Edge, TaskNode


class PrerequisiteFinder:
    """Finds one prerequisite connection's datasets for the quanta of one task.

    Parameters
    ----------
    context : `BuildContext`
    task : `~pipetasks.pipeline.TaskNode`
    edge : `~pipetasks.pipeline.Edge`
        The prerequisite connection.
    """

    def __init__(self, context: BuildContext, task: TaskNode, edge: Edge):
        self.context = context
        self.task = task
        self.edge = edge
        self.node: DatasetTypeNode = context.pipeline_graph.dataset_types[edge.parent_dataset_type_name]
        self.dataset_type = self.node.dataset_type
        self._by_key: dict[Key, DatasetRef] = {}
        self._related: dict[Key, list[Key]] | None = None
        self._calibrations: list[tuple[str, Any]] | None = None
        dims = self.dataset_type.dimensions
        task_keys = task.dimensions.data_coordinate_keys
        self._within = all(name in task_keys for name in dims.required)
        self._key_of = tuple_getter([task_keys.index(n) for n in dims.required]) if self._within else None
        self._quantum_key = tuple_getter([task_keys.index(n) for n in task.dimensions.required])

    def prepare(self) -> None:
        """Run the bulk queries (once, before the task's quanta are processed)."""
        if self.edge.lookup_function is not None:
            return
        context = self.context
        try:
            context.butler.get_dataset_type(self.dataset_type.name)
        except MissingDatasetTypeError:
            return  # nothing can be found; quanta needing it report it missing
        search = context.butler.registry._search_path(context.input_collections)
        has_calibration_collections = any(c.type is CollectionType.CALIBRATION for c in search)
        if self._within and has_calibration_collections and self.dataset_type.isCalibration():
            self._calibrations = self._read_candidates(search)
        elif self._within:
            self._by_key = context.find_refs(self.dataset_type.name, context.input_collections, constrained=False)
        else:
            if has_calibration_collections and self.dataset_type.isCalibration():
                raise QuantumGraphBuilderError(
                    f"Prerequisite {self.edge} has dimensions {self.dataset_type.dimensions} beyond the task's "
                    f"{self.task.dimensions}, and is a calibration searched in CALIBRATION collections: that "
                    "lookup is not supported; give the connection a lookupFunction.")
            self._relate_other_dimensions()

    def _read_candidates(self, search: Sequence[Any]) -> list[tuple[str, Any]]:
        """Per collection in search order: ``("plain", {key: ref})`` or ``("calib", {key: [(ref, begin, end)]})``."""
        registry = self.context.butler.registry
        ordered: list[tuple[str, Any]] = []
        for collection in search:
            associations = registry.queryDatasetAssociations(self.dataset_type, collections=[collection.name])
            if collection.type is CollectionType.CALIBRATION:
                ranges: dict[Key, list[tuple[DatasetRef, int, int]]] = {}
                for association in associations:
                    begin, end = association.timespan.nsec
                    ranges.setdefault(association.ref.dataId.required_values, []).append(
                        (association.ref, begin, end))
                ordered.append(("calib", ranges))
            else:
                ordered.append(("plain", {a.ref.dataId.required_values: a.ref for a in associations}))
        return ordered

    def _relate_other_dimensions(self) -> None:
        context = self.context
        task_group = self.task.dimensions
        group = task_group.union(self.dataset_type.dimensions)
        rows = context.engine.data_ids(
            group, data_id=context.data_id or None, datasets=[self.dataset_type.name],
            collections=context.input_collections, where=context.where, bind=context.bind, kwargs={}, stream=True)
        keys = group.data_coordinate_keys
        task_key = tuple_getter([keys.index(n) for n in task_group.required])
        dataset_key = tuple_getter([keys.index(n) for n in self.dataset_type.dimensions.required])
        related: dict[Key, set[Key]] = {}
        for data_id in rows:
            values = data_id.full_values
            related.setdefault(task_key(values), set()).add(dataset_key(values))
        self._related = {key: sorted(found) for key, found in related.items()}
        self._by_key = context.find_refs(self.dataset_type.name, context.input_collections, constrained=False)

    def find(self, data_id: DataCoordinate) -> list[DatasetRef]:
        """The datasets of this prerequisite for one quantum (its expanded data ID)."""
        if self.edge.lookup_function is not None:
            return self._call_lookup_function(data_id)
        values = data_id.full_values
        if self._related is not None:
            return [ref for key in self._related.get(self._quantum_key(values), ())
                    if (ref := self._by_key.get(key)) is not None]
        key = self._key_of(values)  # type: ignore[misc]
        if self._calibrations is not None:
            ref = self._find_valid(key, data_id)
            return [ref] if ref is not None else []
        ref = self._by_key.get(key)
        return [ref] if ref is not None else []

    def _find_valid(self, key: Key, data_id: DataCoordinate) -> DatasetRef | None:
        timespan = None
        for kind, candidates in self._calibrations or ():
            if kind == "plain":
                ref = candidates.get(key)
                if ref is not None:
                    return ref
                continue
            ranges = candidates.get(key)
            if not ranges:
                continue
            if timespan is None:
                timespan = data_id.timespan
                if timespan is None:
                    raise QuantumGraphBuilderError(
                        f"Calibration {self.edge} of task {self.task.label!r} is searched in CALIBRATION "
                        f"collections, but quantum {data_id} has no exposure or visit to give a validity time; "
                        "a calibration needs a task with temporal dimensions (or a lookupFunction).")
                begin, end = timespan.nsec
            valid = list(dict.fromkeys(ref for ref, b, e in ranges if b < end and begin < e))
            if len(valid) > 1:
                raise QuantumGraphBuilderError(
                    f"{len(valid)} {self.dataset_type.name} datasets are valid during {timespan} for quantum "
                    f"{self.task.label} {data_id}: {', '.join(str(r.id) for r in valid)}; certify them over "
                    "validity ranges that do not overlap.")
            if valid:
                return valid[0]
        return None

    def _call_lookup_function(self, data_id: DataCoordinate) -> list[DatasetRef]:
        context = self.context
        dataset_type = context.pipeline_graph.dataset_type_for(self.edge)
        found = self.edge.lookup_function(  # type: ignore[misc]
            dataset_type, context.butler.registry, data_id, list(context.input_collections))
        return [ref for ref in found if ref is not None]
