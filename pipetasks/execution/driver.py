"""The driver's bookkeeping while quanta run: what is ready, what to skip, what to register.

`ExecutionDriver` is shared by the serial and pool executors.  It

* hands out quanta whose upstream quanta have all finished, in the graph's
  order, each with the file records of its existing inputs attached (from
  the graph for overall inputs, from upstream results for the rest);
* on a failure, marks every downstream quantum `SKIPPED`; with
  ``fail_fast``, stops handing out work;
* registers what quanta wrote with `register_quantum_outputs`, in batches
  (every ``batch_size`` datasets or ``batch_seconds``), so the registry sees
  one transaction per batch and workers never touch it;
* with ``skip_existing``, counts quanta whose metadata is already stored as
  done (`EXISTING`) — re-running a graph after a crash or a failure
  completes the rest.
"""

from __future__ import annotations

__all__ = ["ExecutionDriver"]

import heapq
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from butler.quantum_backed import QuantumOutputs, register_quantum_outputs
from pipetasks.framework import Quantum
from pipetasks.framework import automatic_connections as acc

from .results import ExecutionReport, QuantumResult, QuantumStatus
from .single_quantum import with_input_records

_LOG = logging.getLogger(__name__)


class ExecutionDriver:
    """Dependency tracking, input records and batched registration for one execution of a graph.

    Parameters
    ----------
    butler : `~butler.Butler`
        Writeable; the only process that touches the registry.
    graph : `QuantumGraph`
    fail_fast : `bool`
        Stop handing out quanta after the first failure.
    skip_existing : `bool`
        Count quanta whose ``<label>_metadata`` is already stored as done.
    batch_size : `int`
        Register once this many datasets are pending...
    batch_seconds : `float`
        ...or this long after the previous registration.
    on_result : callable, optional
        Called with every `QuantumResult` (progress bars, logging).
    """

    def __init__(self, butler: Any, graph: Any, *, fail_fast: bool = False, skip_existing: bool = False,
                 batch_size: int = 5000, batch_seconds: float = 2.0,
                 on_result: Callable[[QuantumResult], None] | None = None):
        self.butler = butler
        self.graph = graph
        self.fail_fast = fail_fast
        self.report = ExecutionReport(output_run=(getattr(graph, "metadata", None) or {}).get("output_run"))
        self._on_result = on_result
        self._batch_size = batch_size
        self._batch_seconds = batch_seconds
        self._quanta: dict[uuid.UUID, Quantum] = {}
        self._position: dict[uuid.UUID, int] = {}
        for position, (node_id, quantum) in enumerate(graph.quanta()):
            self._quanta[node_id] = quantum
            self._position[node_id] = position
        self._upstream: dict[uuid.UUID, set[uuid.UUID]] = {
            node_id: set(graph.upstream(node_id)) & self._quanta.keys() for node_id in self._quanta}
        self._downstream: dict[uuid.UUID, set[uuid.UUID]] = {node_id: set() for node_id in self._quanta}
        for node_id, upstream in self._upstream.items():
            for other in upstream:
                self._downstream[other].add(node_id)
        self._waiting_on = {node_id: len(upstream) for node_id, upstream in self._upstream.items()}
        self._records: dict[uuid.UUID, list[Any]] = {
            key: list(value) for key, value in (getattr(graph, "datastore_records", None) or {}).items()}
        self._find_records_of_inputs_made_elsewhere()
        self._ready: list[tuple[int, uuid.UUID]] = []
        self._running: set[uuid.UUID] = set()
        self._pending = QuantumOutputs()
        self._last_flush = time.monotonic()
        self.stopped = False
        if skip_existing:
            self._mark_existing()
        for node_id, count in self._waiting_on.items():
            if count == 0 and node_id not in self.report.results:
                heapq.heappush(self._ready, (self._position[node_id], node_id))

    # -- state ------------------------------------------------------------------------

    def __len__(self) -> int:
        """Number of quanta (of the graph as loaded)."""
        return len(self._quanta)

    @property
    def n_done(self) -> int:
        """Quanta with a result (run, skipped or already done)."""
        return len(self.report.results)

    @property
    def finished(self) -> bool:
        """Nothing runs and nothing more will be handed out."""
        return not self._running and (self.stopped or not self._ready)

    @property
    def running(self) -> frozenset[uuid.UUID]:
        """IDs of the quanta handed out and not finished."""
        return frozenset(self._running)

    def get_quantum(self, node_id: uuid.UUID) -> Quantum:
        """The quantum of a node ID (without input records)."""
        return self._quanta[node_id]

    @property
    def quanta(self) -> dict[uuid.UUID, Quantum]:
        """Every quantum of the graph by ID (do not modify)."""
        return self._quanta

    # -- handing out work ----------------------------------------------------------------

    def next_ready(self) -> tuple[uuid.UUID, Quantum] | None:
        """The next quantum to run, with its input records attached, or `None` (nothing ready now)."""
        if self.stopped or not self._ready:
            return None
        _, node_id = heapq.heappop(self._ready)
        self._running.add(node_id)
        return node_id, with_input_records(self._quanta[node_id], self._records)

    def finish(self, result: QuantumResult) -> None:
        """Take in the result of a quantum handed out by `next_ready`."""
        self._running.discard(result.node_id)
        if result.data_id is None:
            result.data_id = self._quanta[result.node_id].dataId
        self._add(result)
        for ref, info in zip(result.outputs.refs, result.outputs.records, strict=True):
            self._records.setdefault(ref.id, []).append(info)
        self._pending.extend(result.outputs)
        if result.status.is_success:
            for other in self._downstream[result.node_id]:
                self._waiting_on[other] -= 1
                if self._waiting_on[other] == 0 and other not in self.report.results:
                    heapq.heappush(self._ready, (self._position[other], other))
        else:
            self._skip_downstream(result.node_id, f"upstream quantum {result.task_label} "
                                                  f"{result.data_id} {result.status.value}")
            if self.fail_fast:
                self.stop()
        if len(self._pending.refs) >= self._batch_size:
            self.flush()
        else:
            self.flush_if_due()

    def stop(self) -> None:
        """Hand out nothing more (running quanta still report)."""
        self.stopped = True

    def close(self) -> ExecutionReport:
        """Register what is pending; quanta never handed out become `SKIPPED`."""
        self.flush()
        for node_id in self._quanta:
            if node_id not in self.report.results:
                quantum = self._quanta[node_id]
                self._add(QuantumResult(node_id, quantum.taskLabel, QuantumStatus.SKIPPED, data_id=quantum.dataId,
                                        error_message="not run: execution stopped after a failure"))
        return self.report

    def flush_if_due(self) -> None:
        """Register pending outputs if the last registration is older than ``batch_seconds``."""
        if time.monotonic() - self._last_flush >= self._batch_seconds:
            self.flush()

    def flush(self) -> None:
        """Register the outputs of finished quanta now."""
        self._last_flush = time.monotonic()
        if not self._pending.refs:
            return
        pending, self._pending = self._pending, QuantumOutputs()
        start = time.perf_counter()
        register_quantum_outputs(self.butler, pending)
        _LOG.debug("Registered %d datasets in %.3f s.", len(pending.refs), time.perf_counter() - start)

    # -- internals --------------------------------------------------------------------------

    def _add(self, result: QuantumResult) -> None:
        self.report.add(result)
        if self._on_result is not None:
            self._on_result(result)

    def _skip_downstream(self, node_id: uuid.UUID, reason: str) -> None:
        pending = list(self._downstream[node_id])
        while pending:
            other = pending.pop()
            if other in self.report.results or other in self._running:
                continue
            quantum = self._quanta[other]
            self._add(QuantumResult(other, quantum.taskLabel, QuantumStatus.SKIPPED, data_id=quantum.dataId,
                                    error_message=f"not run: {reason}"))
            pending.extend(self._downstream[other])

    def _find_records_of_inputs_made_elsewhere(self) -> None:
        """Inputs neither overall inputs of the graph nor made by its (loaded) quanta: look them up once.

        They were written by quanta run earlier (a graph loaded in part, or
        quanta left out because they already ran).
        """
        produced = {ref.id for quantum in self._quanta.values() for ref in quantum.iter_output_refs()}
        elsewhere = {ref.id: ref for quantum in self._quanta.values() for ref in quantum.iter_input_refs()
                     if ref.id not in self._records and ref.id not in produced}
        if elsewhere:
            self._records.update(_records_in_chunks(self.butler, elsewhere.values()))

    def _mark_existing(self) -> None:
        """Quanta whose metadata is stored already ran: take their outputs' records and count them done."""
        metadata_refs = {}
        for node_id, quantum in self._quanta.items():
            name = acc.METADATA_OUTPUT_TEMPLATE.format(label=quantum.taskLabel)
            for ref in quantum.outputs.get(name, ()):
                metadata_refs[ref.id] = (node_id, ref)
        stored = _records_in_chunks(self.butler, [ref for _, ref in metadata_refs.values()])
        done = {metadata_refs[ref_id][0] for ref_id in stored}
        self._forget_earlier_attempts(done)
        if not done:
            return
        outputs = [ref for node_id in done for ref in self._quanta[node_id].iter_output_refs()]
        self._records.update(_records_in_chunks(self.butler, outputs))
        for node_id in sorted(done, key=self._position.__getitem__):
            quantum = self._quanta[node_id]
            self._add(QuantumResult(node_id, quantum.taskLabel, QuantumStatus.EXISTING, data_id=quantum.dataId))
            for other in self._downstream[node_id]:
                self._waiting_on[other] -= 1
        _LOG.info("%d quanta already ran successfully; they are skipped.", len(done))


    def _forget_earlier_attempts(self, done: set[uuid.UUID]) -> None:
        """Remove what earlier attempts of the quanta still to run registered (the log of a failure).

        They have the IDs this attempt will write, so the new files and
        records replace them instead of being skipped as already registered.
        """
        refs = [ref for node_id, quantum in self._quanta.items() if node_id not in done
                for ref in quantum.iter_output_refs()]
        stale = _records_in_chunks(self.butler, refs)
        if stale:
            _LOG.info("Removing %d datasets of earlier failed attempts before running them again.", len(stale))
            self.butler.pruneDatasets(self.butler.get_many_datasets(stale), disassociate=True, unstore=True,
                                      purge=True)


def _records_in_chunks(butler: Any, refs: Iterable[Any], chunk: int = 10000) -> dict[uuid.UUID, list[Any]]:
    refs = list(refs)
    records: dict[uuid.UUID, list[Any]] = {}
    for start in range(0, len(refs), chunk):
        records.update(butler.datastore.prepare_get_records(refs[start:start + chunk]))
    return records
