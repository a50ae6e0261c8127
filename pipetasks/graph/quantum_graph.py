"""`QuantumGraph`: the quanta of a pipeline on a repository, with every dataset ID fixed before execution.

Built by `QuantumGraphBuilder`, saved to and loaded from ``.qg`` files
(`pipetasks.graph.io`), run by the executors::

    graph = QuantumGraphBuilder(pipeline_graph, butler, input_collections=["HSC/raw/all"],
                                output_run="u/me/run1", where="visit = 903334").build()
    for node_id, quantum in graph.quanta():        # producers before consumers
        ...
    graph.save("run1.qg")
    part = QuantumGraph.load("run1.qg", nodes=[node_id])   # reads only the block holding it
"""

from __future__ import annotations

__all__ = ["QuantumGraph"]

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pipetasks.framework.automatic_connections import PACKAGES_INIT_OUTPUT_NAME

if TYPE_CHECKING:
    import os

    from butler import DatasetRef, DimensionUniverse
    from butler.datastore.stored_file import StoredFileInfo
    from pipetasks.framework import Quantum
    from pipetasks.pipeline import PipelineGraph


class QuantumGraph:
    """Quanta (one task on one data ID) and the datasets linking them.

    Parameters
    ----------
    pipeline_graph : `~pipetasks.pipeline.PipelineGraph`
        The resolved pipeline the quanta come from.
    quanta : mapping [`str`, mapping [`uuid.UUID`, `~pipetasks.framework.Quantum`]]
        Quanta by task label (producers first), each by node ID.
    init_inputs, init_outputs : mapping [`str`, mapping [`str`, `~butler.DatasetRef`]]
        Per task label, refs by dataset type name; ``init_outputs`` also has
        the key ``"packages"`` holding the ``packages`` ref.
    datastore_records : mapping [`uuid.UUID`, `list` [`StoredFileInfo`]], optional
        File records of the datasets the graph reads but does not write.
    metadata : `dict`, optional
        ``output_run``, ``output``, ``input``, ``user``, ``time``,
        ``data_query`` and the other build options.
    clobbered_outputs : mapping [`uuid.UUID`, `list` [`~butler.DatasetRef`]], optional
        Per node ID, datasets already in the output RUN that the quantum's
        outputs replace (built with ``clobber=True``); the executor removes
        them before registering the new ones.
    upstream : mapping [`uuid.UUID`, iterable of `uuid.UUID`] or callable, optional
        Direct predecessors of every node (or a function returning them,
        called when first needed); derived from the quanta when not given
        (a partial load gives the whole graph's).
    universe : `~butler.DimensionUniverse`, optional
        Dimensions of the data IDs (from the pipeline graph by default).

    Attributes
    ----------
    pipeline_graph, metadata, init_inputs, init_outputs, datastore_records, clobbered_outputs
        As given.
    """

    def __init__(
        self,
        pipeline_graph: PipelineGraph,
        quanta: Mapping[str, Mapping[uuid.UUID, Quantum]],
        *,
        init_inputs: Mapping[str, Mapping[str, DatasetRef]] | None = None,
        init_outputs: Mapping[str, Mapping[str, DatasetRef]] | None = None,
        datastore_records: Mapping[uuid.UUID, list[StoredFileInfo]] | None = None,
        metadata: Mapping[str, Any] | None = None,
        clobbered_outputs: Mapping[uuid.UUID, list[DatasetRef]] | None = None,
        upstream: Mapping[uuid.UUID, Iterable[uuid.UUID]] | Callable[[], dict[uuid.UUID, set[uuid.UUID]]]
        | None = None,
        universe: DimensionUniverse | None = None,
    ):
        self.pipeline_graph = pipeline_graph
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.init_inputs: dict[str, dict[str, DatasetRef]] = {k: dict(v) for k, v in (init_inputs or {}).items()}
        self.init_outputs: dict[str, dict[str, DatasetRef]] = {k: dict(v) for k, v in (init_outputs or {}).items()}
        self.datastore_records: dict[uuid.UUID, list[StoredFileInfo]] = dict(datastore_records or {})
        self.clobbered_outputs: dict[uuid.UUID, list[DatasetRef]] = dict(clobbered_outputs or {})
        self._universe = universe if universe is not None else pipeline_graph.universe
        order = list(pipeline_graph.tasks)
        self._by_label: dict[str, list[uuid.UUID]] = {}
        self._quanta: dict[uuid.UUID, Quantum] = {}
        for label in sorted(quanta, key=lambda x: order.index(x) if x in order else len(order)):
            task_quanta = quanta[label]
            if not task_quanta:
                continue
            self._by_label[label] = list(task_quanta)
            self._quanta.update(task_quanta)
        self._upstream: dict[uuid.UUID, set[uuid.UUID]] | None = None
        self._upstream_source = upstream
        self._downstream: dict[uuid.UUID, set[uuid.UUID]] | None = None

    # Quanta ---------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._quanta)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._quanta

    def task_labels(self) -> list[str]:
        """Labels of the tasks that have quanta, producers first."""
        return list(self._by_label)

    def num_quanta(self, label: str | None = None) -> int:
        """How many quanta the graph has (of one task, if ``label`` is given)."""
        if label is None:
            return len(self._quanta)
        return len(self._by_label.get(label, ()))

    def quanta(self, label: str | None = None) -> Iterator[tuple[uuid.UUID, Quantum]]:
        """``(node ID, quantum)`` pairs in a topological order (of one task, if ``label`` is given).

        Tasks come producer first; the quanta of one task are in data ID order.
        """
        labels = self._by_label if label is None else [label] if label in self._by_label else []
        for task_label in labels:
            for node_id in self._by_label[task_label]:
                yield node_id, self._quanta[node_id]

    def get_quantum(self, node_id: uuid.UUID) -> Quantum:
        """The quantum of a node ID.

        Raises
        ------
        KeyError
            The graph (as loaded) has no such node.
        """
        try:
            return self._quanta[node_id]
        except KeyError:
            raise KeyError(f"Quantum graph has no quantum with node ID {node_id}"
                           + (" among the loaded quanta." if self._upstream_source is not None else ".")) from None

    @property
    def universe(self) -> DimensionUniverse:
        """The dimension universe of the data IDs."""
        return self._universe

    @property
    def packages_ref(self) -> DatasetRef | None:
        """The ``packages`` init-output (software versions), if the graph writes one."""
        return self.init_outputs.get(PACKAGES_INIT_OUTPUT_NAME, {}).get(PACKAGES_INIT_OUTPUT_NAME)

    # Edges ----------------------------------------------------------------------

    def _upstream_map(self) -> dict[uuid.UUID, set[uuid.UUID]]:
        if self._upstream is None and self._upstream_source is not None:
            source = self._upstream_source
            self._upstream = source() if callable(source) else {n: set(o) for n, o in source.items()}
        if self._upstream is None:
            producer: dict[uuid.UUID, uuid.UUID] = {}
            for node_id, quantum in self._quanta.items():
                for refs in quantum.outputs.values():
                    for ref in refs:
                        producer[ref.id] = node_id
            upstream: dict[uuid.UUID, set[uuid.UUID]] = {}
            for node_id, quantum in self._quanta.items():
                found = set()
                for refs in quantum.inputs.values():
                    for ref in refs:
                        source = producer.get(ref.id)
                        if source is not None:
                            found.add(source)
                upstream[node_id] = found
            self._upstream = upstream
        return self._upstream

    def upstream(self, node_id: uuid.UUID) -> set[uuid.UUID]:
        """Node IDs of the quanta producing this quantum's inputs."""
        upstream = self._upstream_map()
        if node_id not in upstream:
            raise KeyError(f"Quantum graph has no quantum with node ID {node_id}.")
        return set(upstream[node_id])

    def downstream(self, node_id: uuid.UUID) -> set[uuid.UUID]:
        """Node IDs of the quanta reading this quantum's outputs."""
        if self._downstream is None:
            downstream: dict[uuid.UUID, set[uuid.UUID]] = {node: set() for node in self._upstream_map()}
            for node, sources in self._upstream_map().items():
                for source in sources:
                    downstream.setdefault(source, set()).add(node)
            self._downstream = downstream
        if node_id not in self._downstream:
            raise KeyError(f"Quantum graph has no quantum with node ID {node_id}.")
        return set(self._downstream[node_id])

    def all_node_ids(self) -> list[uuid.UUID]:
        """Every node ID of the whole graph (also those not loaded by a partial `load`)."""
        return list(self._upstream_map())

    # Files ----------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the graph to a ``.qg`` file (see ``docs/pipelines.md`` for the layout).

        Raises
        ------
        ValueError
            The path does not end in ``.qg``.
        """
        from .io import write_graph

        write_graph(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], nodes: Iterable[uuid.UUID | str] | None = None) -> QuantumGraph:
        """Read a graph written by `save`.

        Parameters
        ----------
        path : path-like
            The ``.qg`` file.
        nodes : iterable of `uuid.UUID`, optional
            Load only these quanta; only the blocks of the file that hold
            them are decompressed. `upstream`/`downstream` still describe the
            whole graph.

        Raises
        ------
        InvalidQuantumGraphFileError
            The file is not a quantum graph file (or is damaged).
        KeyError
            A requested node ID is not in the graph.
        """
        from .io import read_graph

        return read_graph(path, nodes)

    def __repr__(self) -> str:
        per_task = ", ".join(f"{label}: {len(ids)}" for label, ids in self._by_label.items())
        return f"QuantumGraph({len(self)} quanta; {per_task}; output_run={self.metadata.get('output_run')!r})"
