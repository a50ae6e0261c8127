"""Turning one task's data IDs into quanta: outputs predicted, inputs resolved, ``adjustQuantum`` applied.

Tasks are processed producers first, so when a task's turn comes every
dataset it can read is known: an overall input found in the input
collections, the predicted output of an upstream quantum, or the existing
output of an upstream quantum skipped because it already ran.
"""

from __future__ import annotations

__all__ = ["BuildState", "make_task_quanta", "quanta_count"]

import dataclasses
import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from butler import DataCoordinate, DatasetRef
from pipetasks.framework import AdjustQuantumHelper, NoWorkFound, PipelineTaskConnections, Quantum, ScalarError

from .errors import OutputExistsError, PrerequisiteMissingError, QuantumGraphBuilderError
from .ids import UUIDv7Source
from .prerequisites import PrerequisiteFinder
from .skeleton import BuildContext, Key, SubgraphSkeleton, tuple_getter

if TYPE_CHECKING:
    from pipetasks.pipeline import Edge, TaskNode

_LOG = logging.getLogger(__name__)
_EXAMPLES = 5


@dataclasses.dataclass
class BuildState:
    """Everything the tasks of one build hand on to each other.

    Attributes
    ----------
    available : `dict` [`str`, `dict` [`Key`, `~butler.DatasetRef`]]
        Per dataset type, the datasets a consumer can read.
    skip_refs, in_the_way : `dict` [`str`, `dict` [`Key`, `~butler.DatasetRef`]]
        Outputs already in the skip-existing-in collections / the output RUN.
    existing : `dict` [`uuid.UUID`, `~butler.DatasetRef`]
        Datasets the graph reads but does not write (their file records go in the graph).
    """

    output_run: str
    clobber: bool
    skip_existing_in: list[str]
    new_id: UUIDv7Source = dataclasses.field(default_factory=UUIDv7Source)
    available: dict[str, dict[Key, DatasetRef]] = dataclasses.field(default_factory=dict)
    skip_refs: dict[str, dict[Key, DatasetRef]] = dataclasses.field(default_factory=dict)
    in_the_way: dict[str, dict[Key, DatasetRef]] = dataclasses.field(default_factory=dict)
    skip_ids: set[uuid.UUID] = dataclasses.field(default_factory=set)
    existing: dict[uuid.UUID, DatasetRef] = dataclasses.field(default_factory=dict)
    quanta: dict[str, dict[uuid.UUID, Quantum]] = dataclasses.field(default_factory=dict)
    clobbered: dict[uuid.UUID, list[DatasetRef]] = dataclasses.field(default_factory=dict)
    skipped: dict[str, int] = dataclasses.field(default_factory=dict)
    no_work: dict[str, tuple[int, str]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(eq=False)
class _Plan:
    """How one connection's refs are found for each quantum of a task."""

    edge: Edge
    name: str
    quantum_key: str
    node_type: Any
    edge_type: Any
    index: dict[Key, DataCoordinate] | None
    key_of: Callable[[Key], Key] | None
    related: dict[Key, list[Key]] | None
    same_group: bool

    def keys(self, quantum_key: Key, values: Key) -> list[Key]:
        if self.related is not None:
            return self.related.get(quantum_key, [])
        return [quantum_key] if self.same_group else [self.key_of(values)]  # type: ignore[misc]

    def adapt(self, refs: list[DatasetRef]) -> tuple[DatasetRef, ...]:
        if self.edge_type is self.node_type:
            return tuple(refs)
        return tuple(ref.replace(datasetType=self.edge_type) if ref.datasetType != self.edge_type else ref
                     for ref in refs)


def _plan(context: BuildContext, skeleton: SubgraphSkeleton | None, task: TaskNode, edge: Edge) -> _Plan:
    graph = context.pipeline_graph
    node = graph.dataset_types[edge.parent_dataset_type_name]
    group = node.dimensions
    task_group = task.dimensions
    same = group == task_group
    within = all(name in task_group.data_coordinate_keys for name in group.required)
    key_of = None
    related = None
    index = None
    if skeleton is not None and not same:
        index = skeleton.data_ids(group)
        if within:
            key_of = tuple_getter([task_group.data_coordinate_keys.index(n) for n in group.required])
        else:
            related = skeleton.related(task_group, group)
    return _Plan(edge, node.name, edge.dataset_type_name, node.dataset_type, graph.dataset_type_for(edge),
                 index, key_of, related, same)


def _check_unique_keys(task: TaskNode, plans: list[_Plan]) -> None:
    seen: dict[str, _Plan] = {}
    for plan in plans:
        other = seen.setdefault(plan.quantum_key, plan)
        if other is not plan and other.edge_type != plan.edge_type:
            raise QuantumGraphBuilderError(
                f"Task {task.label!r} reads {plan.quantum_key!r} through connections {other.edge.connection_name} "
                f"and {plan.edge.connection_name} as different storage classes ({other.edge_type.storageClass_name}, "
                f"{plan.edge_type.storageClass_name}); a quantum holds one form of each dataset type.")


def _default_adjust(label: str, data_id: DataCoordinate, inputs: dict[str, tuple[DatasetRef, ...]],
                    regular: list[_Plan], prerequisites: list[_Plan], outputs: dict[str, tuple[DatasetRef, ...]],
                    produced: list[_Plan]) -> None:
    """What `PipelineTaskConnections.adjustQuantum` checks, without building its per-connection mappings."""
    for kind, plans in (("input", regular), ("prerequisite", prerequisites)):
        for plan in plans:
            n = len(inputs[plan.quantum_key])
            edge = plan.edge
            if n > 1 and not edge.multiple:
                raise ScalarError(
                    f"Found multiple datasets for non-multiple input connection {label}.{edge.connection_name} "
                    f"({plan.quantum_key}) for quantum data ID {data_id}.")
            if n < edge.minimum:
                if kind == "prerequisite":
                    raise FileNotFoundError(
                        f"Not enough datasets ({n}) found for non-optional connection {label}.{edge.connection_name} "
                        f"({plan.quantum_key}) with minimum={edge.minimum} for quantum data ID {data_id}.")
                raise NoWorkFound(
                    f"Quantum {label} {data_id} has no work: input {edge.connection_name} ({plan.quantum_key}) has "
                    f"{n} dataset(s), fewer than its minimum of {edge.minimum}.")
    for plan in produced:
        if len(outputs[plan.quantum_key]) > 1 and not plan.edge.multiple:
            raise ScalarError(
                f"Found multiple datasets for non-multiple output connection {label}.{plan.edge.connection_name} "
                f"({plan.quantum_key}) for quantum data ID {data_id}.")


def make_task_quanta(context: BuildContext, state: BuildState, skeleton: SubgraphSkeleton, task: TaskNode,
                     init_inputs: dict[str, DatasetRef], progress: Callable[..., Any]) -> None:
    """Make the quanta of one task into ``state.quanta[task.label]`` and publish their outputs.

    Raises
    ------
    OutputExistsError
        Outputs of quanta that will run already exist in the output RUN
        and ``clobber`` is not set.
    PrerequisiteMissingError
        Required prerequisites are missing for some quanta.
    """
    _TaskQuanta(context, state, skeleton, task, init_inputs).run(progress)


class _TaskQuanta:
    """The quanta of one task, made one data ID at a time (the hot loop of graph building)."""

    def __init__(self, context: BuildContext, state: BuildState, skeleton: SubgraphSkeleton, task: TaskNode,
                 init_inputs: dict[str, DatasetRef]):
        self.context = context
        self.state = state
        self.task = task
        self.label = task.label
        self.init_inputs = init_inputs
        self.values = skeleton.full_values(task.dimensions)
        self.data_ids = skeleton.data_ids(task.dimensions)
        self.regular = [_plan(context, skeleton, task, edge) for edge in task.inputs.values()]
        self.prerequisites = [_plan(context, None, task, edge) for edge in task.prerequisite_inputs.values()]
        self.outputs = [_plan(context, skeleton, task, edge) for edge in task.iter_all_outputs()
                        if not edge.kind.is_init]
        self.produced = [plan for plan in self.outputs if plan.edge.connection_name in task.outputs]
        _check_unique_keys(task, self.regular + self.prerequisites)
        self.finders = [PrerequisiteFinder(context, task, plan.edge) for plan in self.prerequisites]
        self.custom_adjust = type(task.connections).adjustQuantum is not PipelineTaskConnections.adjustQuantum
        self.readable = [(plan, state.available.setdefault(plan.name, {})) for plan in self.regular]
        self.writable = [(plan, state.available.setdefault(plan.name, {}), state.in_the_way.get(plan.name))
                         for plan in self.outputs]
        types = context.pipeline_graph.dataset_types
        self.read_existing = [p.quantum_key for p in self.regular if types[p.name].producer is None]
        self.read_existing += [p.quantum_key for p in self.prerequisites]
        self.read_skipped = [p.quantum_key for p in self.regular
                             if types[p.name].producer is not None and p.name in state.skip_refs]
        self.quanta: dict[uuid.UUID, Quantum] = {}
        self.conflicts: list[tuple[DatasetRef, DataCoordinate]] = []
        self.missing: list[tuple[str, DataCoordinate]] = []
        self.n_skipped = self.n_no_work = 0
        self.first_no_work = ""

    def run(self, progress: Callable[..., Any]) -> None:
        for finder in self.finders:
            finder.prepare()
        state = self.state
        skip_metadata = state.skip_refs.get(self.task.metadata_output.parent_dataset_type_name)
        keys = sorted(self.values)
        for quantum_key in progress(keys, description=f"Quanta of {self.label}", total=len(keys)):
            values = self.values[quantum_key]
            if skip_metadata is not None and quantum_key in skip_metadata:
                self._reuse_outputs(quantum_key, values)
                continue
            data_id = self.data_ids[quantum_key]
            outputs, published, replaced = self._predict_outputs(quantum_key, values, data_id)
            inputs = self._resolve_inputs(quantum_key, values, data_id)
            if not self._adjust(data_id, inputs, outputs):
                continue
            node_id = state.new_id()
            self._publish(outputs, published)
            if replaced:
                state.clobbered[node_id] = replaced
            self.quanta[node_id] = Quantum(taskLabel=self.label, taskName=self.task.task_class_name,
                                           dataId=data_id, inputs=inputs, outputs=outputs,
                                           initInputs=self.init_inputs)
        _raise_for_problems(state, self.task, self.conflicts, self.missing, self.context)
        state.quanta[self.label] = self.quanta
        state.skipped[self.label] = self.n_skipped
        if self.n_no_work:
            state.no_work[self.label] = (self.n_no_work, self.first_no_work)
        notes = [text for n, text in ((self.n_no_work, f"{self.n_no_work} had no work to do"),
                                      (self.n_skipped, f"{self.n_skipped} previously succeeded")) if n]
        _LOG.info("Generated %s for task %s%s.", quanta_count(len(self.quanta)), self.label,
                  f" ({', '.join(notes)})" if notes else "")

    def _reuse_outputs(self, quantum_key: Key, values: Key) -> None:
        """A quantum that already ran: downstream quanta read the outputs it wrote."""
        skip_refs = self.state.skip_refs
        for plan, target, _ in self.writable:
            existing = skip_refs.get(plan.name, {})
            for key in plan.keys(quantum_key, values):
                if (ref := existing.get(key)) is not None:
                    target[key] = ref
        self.n_skipped += 1

    def _predict_outputs(self, quantum_key: Key, values: Key, data_id: DataCoordinate
                         ) -> tuple[dict[str, tuple[DatasetRef, ...]], list[tuple[dict, Key, DatasetRef]],
                                    list[DatasetRef]]:
        state = self.state
        new_id = state.new_id
        run = state.output_run
        outputs: dict[str, tuple[DatasetRef, ...]] = {}
        published: list[tuple[dict, Key, DatasetRef]] = []
        replaced: list[DatasetRef] = []
        for plan, target, in_the_way in self.writable:
            refs = []
            for key in ((quantum_key,) if plan.same_group else plan.keys(quantum_key, values)):
                if in_the_way is not None and (old := in_the_way.get(key)) is not None:
                    if state.clobber:
                        replaced.append(old)
                    else:
                        self.conflicts.append((old, data_id))
                target_id = data_id if plan.same_group else plan.index[key]  # type: ignore[index]
                ref = DatasetRef(plan.node_type, target_id, run, id=new_id(), conform=False)
                refs.append(ref)
                published.append((target, key, ref))
            outputs[plan.quantum_key] = tuple(refs) if plan.edge_type is plan.node_type else plan.adapt(refs)
        return outputs, published, replaced

    def _resolve_inputs(self, quantum_key: Key, values: Key, data_id: DataCoordinate
                        ) -> dict[str, tuple[DatasetRef, ...]]:
        inputs: dict[str, tuple[DatasetRef, ...]] = {}
        for plan, available in self.readable:
            if plan.same_group:
                ref = available.get(quantum_key)
                refs = [ref] if ref is not None else []
            else:
                refs = [ref for key in plan.keys(quantum_key, values) if (ref := available.get(key)) is not None]
            inputs[plan.quantum_key] = tuple(refs) if plan.edge_type is plan.node_type else plan.adapt(refs)
        for plan, finder in zip(self.prerequisites, self.finders):
            inputs[plan.quantum_key] = plan.adapt(finder.find(data_id))
        return inputs

    def _adjust(self, data_id: DataCoordinate, inputs: dict[str, tuple[DatasetRef, ...]],
                outputs: dict[str, tuple[DatasetRef, ...]]) -> bool:
        """Apply ``adjustQuantum``; `False` if the quantum is dropped (no work, or a missing prerequisite)."""
        label = self.label
        try:
            if self.custom_adjust:
                helper = AdjustQuantumHelper(inputs, outputs)
                helper.adjust_in_place(self.task.connections, label, data_id)
                if helper.outputs_adjusted and self.produced and not any(
                        outputs[p.quantum_key] for p in self.produced):
                    raise NoWorkFound(f"adjustQuantum of {label} left quantum {data_id} no outputs to write.")
            else:
                _default_adjust(label, data_id, inputs, self.regular, self.prerequisites, outputs, self.produced)
        except NoWorkFound as err:
            self.n_no_work += 1
            self.first_no_work = self.first_no_work or str(err)
            _LOG.debug("No work found for quantum %s %s: %s", label, data_id, err)
            return False
        except FileNotFoundError as err:
            self.missing.append((str(err), data_id))
            return False
        existing = self.state.existing
        for name in self.read_existing:
            for ref in inputs[name]:
                existing[ref.id] = ref
        skip_ids = self.state.skip_ids
        for name in self.read_skipped:
            for ref in inputs[name]:
                if ref.id in skip_ids:
                    existing[ref.id] = ref
        return True

    def _publish(self, outputs: dict[str, tuple[DatasetRef, ...]], published: list[tuple[dict, Key, DatasetRef]]
                 ) -> None:
        """Make the quantum's (kept) outputs readable by downstream quanta."""
        if self.custom_adjust:
            kept = {ref.id for refs in outputs.values() for ref in refs}
            published = [item for item in published if item[2].id in kept]
        for target, key, ref in published:
            target[key] = ref


def quanta_count(n: int) -> str:
    """``"1 quantum"``, ``"2 quanta"``."""
    return "1 quantum" if n == 1 else f"{n} quanta"


def _raise_for_problems(state: BuildState, task: TaskNode, conflicts: list[tuple[DatasetRef, DataCoordinate]],
                        missing: list[tuple[str, DataCoordinate]], context: BuildContext) -> None:
    if conflicts:
        examples = "; ".join(f"{ref.datasetType.name}@{ref.dataId} (id {ref.id}) of quantum {data_id}"
                             for ref, data_id in conflicts[:_EXAMPLES])
        more = f" and {len(conflicts) - _EXAMPLES} more" if len(conflicts) > _EXAMPLES else ""
        raise OutputExistsError(
            f"{len(conflicts)} output dataset(s) of task {task.label!r} already exist in output run "
            f"{state.output_run!r}: {examples}{more}. Pass clobber=True (pipetask --clobber-outputs) to replace "
            f"them, add {state.output_run!r} to skip_existing_in (--skip-existing-in) to skip quanta that already "
            "succeeded, or write to a new output run.")
    if missing:
        examples = " ".join(message for message, _ in missing[:_EXAMPLES])
        more = f" ({len(missing) - _EXAMPLES} more.)" if len(missing) > _EXAMPLES else ""
        raise PrerequisiteMissingError(
            f"{quanta_count(len(missing))} of task {task.label!r} lack{'s' if len(missing) == 1 else ''} a required "
            f"prerequisite input in collections "
            f"{context.input_collections}. {examples}{more} Add the collection holding them (e.g. the calibration "
            "collection) to the inputs, or certify calibrations valid at those times.")
