"""`QuantumGraphBuilder`: from a pipeline graph and a repository to a `QuantumGraph`.

::

    from pipetasks.graph import QuantumGraphBuilder

    builder = QuantumGraphBuilder(pipeline.to_graph(butler), butler, input_collections=["Cam/raw/all"],
                                  output_run="u/me/run1", where="visit IN (1..20)")
    graph = builder.build()

The steps (see ``docs/pipelines.md``, "Quantum graphs"):

1. split the pipeline into independent subgraphs and run one data ID query
   for each (`pipetasks.graph.skeleton`);
2. find, with one query per dataset type, the overall inputs in the input
   collections, the outputs already in the ``skip_existing_in``
   collections and those already in the output RUN;
3. for each task, producers first, make its quanta (`pipetasks.graph.task_quanta`):
   skip those that already ran, predict outputs with new UUIDs, resolve
   inputs and prerequisites, apply ``adjustQuantum``;
4. resolve init-inputs and init-outputs (``<label>_config``, ``packages``),
   and read the file records of every dataset the graph reads but does not write.
"""

from __future__ import annotations

__all__ = ["QuantumGraphBuilder"]

import datetime
import getpass
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from butler import CollectionType, DataCoordinate, DatasetRef
from butler.errors import InconsistentDataIdError, MissingCollectionError, MissingDatasetTypeError
from pipetasks.framework.automatic_connections import PACKAGES_INIT_OUTPUT_NAME

from ._gc import collection_paused
from .errors import EmptyGraphError, InitInputMissingError, OutputExistsError
from .explain import explain_no_rows
from .quantum_graph import QuantumGraph
from .skeleton import BuildContext, SubgraphSkeleton, split_independent
from .task_quanta import BuildState, make_task_quanta, quanta_count

if TYPE_CHECKING:
    from butler import Butler
    from pipetasks.pipeline import PipelineGraph, TaskNode

_LOG = logging.getLogger(__name__)


class QuantumGraphBuilder:
    """Builds the quantum graph of a pipeline on a repository.

    Parameters
    ----------
    pipeline_graph : `~pipetasks.pipeline.PipelineGraph`
        The pipeline; resolved against ``butler`` here (in place).
    butler : `~butler.Butler`
        The repository; only read.
    input_collections : sequence of `str`, optional
        Where overall inputs, prerequisites and init-inputs are searched, in
        order (default: the butler's default collections).
    output_run : `str`, optional
        The RUN the outputs will be written to (default: the butler's run).
    where : `str`, optional
        A ``where`` expression restricting the data IDs.
    data_id : mapping, optional
        Data ID values every quantum must have (combined with the pipeline's
        instrument).
    bind : mapping, optional
        Values of the bind names in ``where``.
    skip_existing_in : sequence of `str`, optional
        Collections holding outputs of earlier runs: a quantum whose
        ``<label>_metadata`` is there already ran and is left out, and its
        outputs found there are what downstream quanta read.  Collections
        that do not exist are ignored (so a first run can pass the RUN it
        is about to create).
    clobber : `bool`, optional
        Outputs already in the output RUN (of quanta that will run) are to
        be replaced; the graph lists them in ``clobbered_outputs``.
        Otherwise they are an `OutputExistsError`.
    extend_run : `bool`, optional
        Add to an existing output RUN: it is searched first for inputs, and
        its init-outputs (``<label>_config``, ``packages``...) are reused.
        Without it, an existing output RUN is an `OutputExistsError`.

    Raises
    ------
    ValueError
        No input collections or no output run.
    OutputExistsError
        The output RUN exists and ``extend_run`` is false, or it is not a RUN.
    MissingCollectionError
        ``extend_run`` is true but the output RUN does not exist, or an input collection does not exist.
    """

    def __init__(
        self,
        pipeline_graph: PipelineGraph,
        butler: Butler,
        *,
        input_collections: Sequence[str] | str | None = None,
        output_run: str | None = None,
        where: str = "",
        data_id: Mapping[str, Any] | DataCoordinate | None = None,
        bind: Mapping[str, Any] | None = None,
        skip_existing_in: Sequence[str] | str = (),
        clobber: bool = False,
        extend_run: bool = False,
    ):
        self.pipeline_graph = pipeline_graph
        self.butler = butler
        if input_collections is None:
            input_collections = butler.collections.defaults
        if isinstance(input_collections, str):
            input_collections = [input_collections]
        if not input_collections:
            raise ValueError("No input collections: pass input_collections=[...] (pipetask -i), or make the Butler "
                             "with default collections.")
        self.input_collections = list(input_collections)
        output_run = output_run if output_run is not None else butler.run
        if not output_run:
            raise ValueError("No output RUN collection: pass output_run=... (pipetask --output-run or -o), or make "
                             "the Butler with run=.")
        self.output_run = output_run
        self.where = where or ""
        self.bind = dict(bind) if bind else None
        self.data_id = self._merge_data_id(data_id)
        self.extend_run = extend_run
        self.output_run_exists = self._check_output_run()
        self.clobber = clobber and self.output_run_exists
        self.skip_existing_in = self._existing_collections(
            [skip_existing_in] if isinstance(skip_existing_in, str) else list(skip_existing_in))
        butler.registry._search_path(self.input_collections)  # a missing input collection fails here, early
        pipeline_graph.resolve(butler.registry)

    def _merge_data_id(self, data_id: Mapping[str, Any] | DataCoordinate | None) -> dict[str, Any]:
        merged = dict(self.pipeline_graph.data_id)
        given = data_id.mapping if isinstance(data_id, DataCoordinate) else dict(data_id or {})
        for key, value in given.items():
            if key in merged and merged[key] != value:
                raise InconsistentDataIdError(
                    f"Data ID gives {key}={value!r}, but the pipeline is for {key}={merged[key]!r}.")
            merged[key] = value
        return merged

    def _check_output_run(self) -> bool:
        registry = self.butler.registry
        try:
            kind = registry.getCollectionType(self.output_run)
        except MissingCollectionError:
            if self.extend_run:
                raise MissingCollectionError(
                    f"Cannot extend output run {self.output_run!r}: it does not exist. Drop extend_run "
                    "(--extend-run) to create it.") from None
            return False
        if kind is not CollectionType.RUN:
            raise OutputExistsError(
                f"Output run {self.output_run!r} exists and is a {kind.name} collection, not a RUN.")
        if not self.extend_run:
            raise OutputExistsError(
                f"Output run {self.output_run!r} already exists. Pass extend_run=True (--extend-run) to add to it, "
                "or choose a new output run.")
        return True

    def _existing_collections(self, names: list[str]) -> list[str]:
        kept = []
        for name in names:
            try:
                self.butler.registry.getCollectionType(name)
            except MissingCollectionError:
                _LOG.debug("Skip-existing-in collection %r does not exist; ignored.", name)
                continue
            kept.append(name)
        return kept

    @property
    def search_collections(self) -> list[str]:
        """Where inputs are searched: the output RUN first when extending it, then the input collections."""
        if self.extend_run and self.output_run not in self.input_collections:
            return [self.output_run, *self.input_collections]
        return list(self.input_collections)

    # Building ---------------------------------------------------------------------

    def build(self, metadata: Mapping[str, Any] | None = None) -> QuantumGraph:
        """Query the repository and make the graph.

        Parameters
        ----------
        metadata : mapping, optional
            More JSON-friendly metadata (e.g. ``{"output": "u/me/chain"}``).

        Raises
        ------
        EmptyGraphError
            No quantum would run; the message says why.
        OutputExistsError, PrerequisiteMissingError, InitInputMissingError
            See `QuantumGraphBuilder`.
        """
        with collection_paused():
            return self._build(metadata)

    def _build(self, metadata: Mapping[str, Any] | None) -> QuantumGraph:
        from butler.cli.interaction import progress

        graph = self.pipeline_graph
        context = BuildContext(self.butler, graph, self.search_collections, self.where, self.bind, self.data_id)
        state = BuildState(self.output_run, self.clobber, self.skip_existing_in)
        reasons: list[str] = []
        skeleton_of: dict[str, SubgraphSkeleton] = {}
        for labels in split_independent(graph):
            skeleton = SubgraphSkeleton(context, labels)
            if not skeleton.query():
                found = explain_no_rows(context, skeleton)
                _LOG.info("No data IDs for tasks %s: %s", labels, " ".join(found))
                reasons.extend(found)
                continue
            self._find_existing(context, state, skeleton)
            skeleton_of.update(dict.fromkeys(labels, skeleton))
        init_available: dict[str, DatasetRef] = {}
        init_inputs: dict[str, dict[str, DatasetRef]] = {}
        init_outputs: dict[str, dict[str, DatasetRef]] = {}
        for label, task in graph.tasks.items():
            skeleton = skeleton_of.get(label)
            if skeleton is None:
                continue
            task_init_inputs, missing = self._init_inputs(context, task, init_available, state)
            make_task_quanta(context, state, skeleton, task, task_init_inputs, progress)
            if state.quanta[label]:
                if missing:
                    raise InitInputMissingError(
                        f"Init-input dataset(s) {missing} of task {label!r} not found in collections "
                        f"{context.input_collections} (nor written by another task of the pipeline).")
                init_inputs[label] = task_init_inputs
                init_outputs[label] = self._init_outputs(task, state)
                init_available.update({n: ref for n, ref in init_outputs[label].items()})
            elif state.skipped.get(label):
                init_available.update(self._skipped_init_outputs(task))
        for skeleton in dict.fromkeys(skeleton_of.values()):
            skeleton.release_rows()
        if not any(state.quanta.values()):
            raise EmptyGraphError(reasons + self._empty_reasons(state))
        init_outputs[PACKAGES_INIT_OUTPUT_NAME] = {PACKAGES_INIT_OUTPUT_NAME: self._packages_ref(state)}
        existing = list(state.existing.values())
        records = self.butler.datastore.prepare_get_records(existing) if existing else {}
        return QuantumGraph(
            graph, state.quanta, init_inputs=init_inputs, init_outputs=init_outputs, datastore_records=records,
            metadata=self._metadata(metadata), clobbered_outputs=state.clobbered, universe=self.butler.dimensions)

    def _find_existing(self, context: BuildContext, state: BuildState, skeleton: SubgraphSkeleton) -> None:
        """Overall inputs, outputs to skip and outputs in the way, one query per dataset type."""
        graph = self.pipeline_graph
        for name in skeleton.dataset_type_names:
            node = graph.dataset_types[name]
            if node.producer is None:
                state.available[name] = context.find_refs(name, context.input_collections)
                continue
            if self.skip_existing_in and self._may_skip(context, state, node.producer):
                found = context.find_refs(name, self.skip_existing_in)
                state.skip_refs[name] = found
                state.skip_ids.update(ref.id for ref in found.values())
            if self.output_run_exists:
                found = context.find_refs(name, [self.output_run])
                if found:
                    state.in_the_way[name] = found

    def _may_skip(self, context: BuildContext, state: BuildState, label: str) -> bool:
        """Whether any metadata of the task is in the skip collections (else its other outputs need no query)."""
        metadata_name = self.pipeline_graph.tasks[label].metadata_output.parent_dataset_type_name
        if metadata_name not in state.skip_refs:
            found = context.find_refs(metadata_name, self.skip_existing_in)
            state.skip_refs[metadata_name] = found
            state.skip_ids.update(ref.id for ref in found.values())
        return bool(state.skip_refs[metadata_name])

    def _find_one(self, name: str, collections: Sequence[str]) -> DatasetRef | None:
        try:
            return self.butler.find_dataset(name, collections=list(collections))
        except MissingDatasetTypeError:
            return None

    def _init_inputs(self, context: BuildContext, task: TaskNode, init_available: dict[str, DatasetRef],
                     state: BuildState) -> tuple[dict[str, DatasetRef], list[str]]:
        found: dict[str, DatasetRef] = {}
        missing: list[str] = []
        for edge in task.init_inputs.values():
            name = edge.parent_dataset_type_name
            ref = init_available.get(name)
            if ref is None and self.pipeline_graph.dataset_types[name].producer is None:
                ref = self._find_one(name, context.input_collections)
                if ref is not None:
                    state.existing[ref.id] = ref
            if ref is None:
                missing.append(edge.dataset_type_name)
                continue
            edge_type = self.pipeline_graph.dataset_type_for(edge)
            found[edge.dataset_type_name] = ref if ref.datasetType == edge_type else ref.replace(datasetType=edge_type)
        return found, missing

    def _init_outputs(self, task: TaskNode, state: BuildState) -> dict[str, DatasetRef]:
        """New refs, or those already in the output RUN (extending it) to be reused."""
        universe = self.butler.dimensions
        refs: dict[str, DatasetRef] = {}
        for edge in [*task.init_outputs.values(), task.config_output]:
            node_type = self.pipeline_graph.dataset_types[edge.parent_dataset_type_name].dataset_type
            ref = self._find_one(node_type.name, [self.output_run]) if self.output_run_exists else None
            if ref is not None:
                state.existing[ref.id] = ref
            else:
                ref = DatasetRef(node_type, DataCoordinate.make_empty(universe), self.output_run, id=state.new_id(),
                                 conform=False)
            refs[edge.dataset_type_name] = ref
        return refs

    def _skipped_init_outputs(self, task: TaskNode) -> dict[str, DatasetRef]:
        found = {}
        for edge in [*task.init_outputs.values(), task.config_output]:
            ref = self._find_one(edge.parent_dataset_type_name, self.skip_existing_in)
            if ref is not None:
                found[edge.parent_dataset_type_name] = ref
        return found

    def _packages_ref(self, state: BuildState) -> DatasetRef:
        dataset_type = self.pipeline_graph.packages_dataset_type
        try:
            registered = self.butler.get_dataset_type(dataset_type.name)
            dataset_type = registered
        except MissingDatasetTypeError:
            pass
        ref = self._find_one(dataset_type.name, [self.output_run]) if self.output_run_exists else None
        if ref is not None:
            state.existing[ref.id] = ref
            return ref
        return DatasetRef(dataset_type, DataCoordinate.make_empty(self.butler.dimensions), self.output_run,
                          id=state.new_id(), conform=False)

    def _empty_reasons(self, state: BuildState) -> list[str]:
        reasons = []
        skipped = sum(state.skipped.values())
        if skipped:
            reasons.append(f"Every quantum already ran ({quanta_count(skipped)}): their metadata is in "
                           f"{self.skip_existing_in} (skip_existing_in / --skip-existing-in), so there is nothing "
                           "left to do.")
        for label, (count, first) in state.no_work.items():
            if state.quanta.get(label):
                reasons.append(f"{quanta_count(count)} of task {label!r} had no work to do (e.g. {first}).")
            else:
                reasons.append(f"Every quantum of task {label!r} ({quanta_count(count)}) had no work to do (e.g. "
                               f"{first}), so nothing downstream of it can run either.")
        return reasons

    def _metadata(self, extra: Mapping[str, Any] | None) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "input": list(self.input_collections),
            "output_run": self.output_run,
            "output": None,
            "user": _user(),
            "time": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "data_query": self.where,
            "bind": _json_friendly(self.bind or {}),
            "data_id": _json_friendly(self.data_id),
            "skip_existing_in": list(self.skip_existing_in),
            "extend_run": self.extend_run,
            "clobber": self.clobber,
        }
        metadata.update(extra or {})
        return metadata


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _json_friendly(values: Mapping[str, Any]) -> dict[str, Any]:
    friendly: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, (str, int, float, bool)) or value is None:
            friendly[key] = value
        elif isinstance(value, Iterable) and all(isinstance(v, (str, int, float, bool)) for v in value):
            friendly[key] = list(value)
        else:
            friendly[key] = str(value)
    return friendly
