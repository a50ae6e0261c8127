"""Running quanta in a pool of worker processes (``pipetask run -j N``).

Each worker is started once, receives the `WorkerSpec` once, and then runs
quanta one at a time as the driver sends them; tasks and the datastore are
built once per worker (see `execute_quantum`).  No interpreter is started per
quantum.  The driver talks to each worker over a pipe:

* it sends ``(node_id, input records, quantum-or-None)``: with the ``fork``
  start method workers inherit the graph's quanta and only the ID and the
  records travel; with ``forkserver``/``spawn`` the quantum is sent too;
* the worker answers with `QuantumResult.for_transfer` (output IDs and file
  records, error text), which the driver turns back into a full result.

A quantum running longer than ``timeout`` gets `QuantumTimeoutError` raised
inside it (``SIGALRM``); if it does not return within a grace period after
that (stuck in C code), the driver kills its worker, records the quantum as
timed out, and starts a fresh worker.  A worker that dies (a crash, the OOM
killer) fails its quantum the same way.
"""

from __future__ import annotations

__all__ = ["PoolExecutor", "default_start_method"]

import dataclasses
import logging
import multiprocessing
import multiprocessing.connection
import signal
import sys
import time
import uuid
from collections.abc import Mapping
from typing import Any

from pipetasks.framework import Quantum

from .driver import ExecutionDriver
from .results import QuantumResult, QuantumStatus
from .single_quantum import WorkerSpec, execute_quantum, failure_result, log_failure, note_worker_init

_LOG = logging.getLogger(__name__)

_START_METHODS = ("fork", "forkserver", "spawn")


def default_start_method() -> str:
    """``fork`` on Linux (workers inherit the graph for free), else ``spawn``."""
    return "fork" if sys.platform.startswith("linux") else "spawn"


def _worker_main(conn: multiprocessing.connection.Connection, spec: WorkerSpec,
                 quanta: Mapping[uuid.UUID, Quantum] | None) -> None:
    """Loop of a worker process: run the quanta the driver sends until it sends `None`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver decides what an interrupt stops
    note_worker_init()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        node_id, records, quantum = message
        if quantum is None:
            assert quanta is not None
            quantum = quanta[node_id]
        quantum = dataclasses.replace(quantum, datastore_records=records)
        try:
            result = execute_quantum(spec, node_id, quantum)
        except BaseException as err:  # noqa: BLE001 - the driver must hear about anything
            result = failure_result(node_id, quantum, err)
        conn.send(result.for_transfer())


@dataclasses.dataclass
class _Worker:
    process: Any
    conn: multiprocessing.connection.Connection
    node_id: uuid.UUID | None = None
    started: float = 0.0


class PoolExecutor:
    """Runs quanta in ``processes`` worker processes, dispatching them as their inputs become ready.

    Parameters
    ----------
    spec : `WorkerSpec`
        Sent once to each worker.
    processes : `int`
        Number of workers (at least 1).
    start_method : `str`, optional
        ``fork`` (default on Linux), ``forkserver`` or ``spawn``.
    timeout : `float`, optional
        Seconds a quantum may run; see the module documentation.
    kill_grace : `float`
        Seconds past ``timeout`` before a worker that did not return is killed.
    """

    def __init__(self, spec: WorkerSpec, processes: int, *, start_method: str | None = None,
                 timeout: float | None = None, kill_grace: float = 5.0):
        if processes < 1:
            raise ValueError(f"A process pool needs at least one process, not {processes}.")
        start_method = start_method or default_start_method()
        if start_method not in _START_METHODS:
            raise ValueError(f"Unknown start method {start_method!r}; use one of {', '.join(_START_METHODS)}.")
        if timeout is not None and timeout > 0 and spec.timeout is None:
            spec = dataclasses.replace(spec, timeout=timeout)
        self.spec = spec
        self.processes = processes
        self.start_method = start_method
        self.timeout = timeout if timeout and timeout > 0 else None
        self.kill_grace = kill_grace
        self.workers_started = 0

    def execute(self, driver: ExecutionDriver) -> None:
        """Run the driver's quanta until it has nothing left to hand out."""
        context = multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            context.set_forkserver_preload([__name__])
        inherit = self.start_method == "fork"
        quanta = driver.quanta if inherit else None
        workers = [self._start(context, quanta) for _ in range(min(self.processes, max(len(driver), 1)))]
        try:
            self._loop(driver, context, workers, quanta, inherit)
        finally:
            self._shutdown(workers)

    # -- internals ------------------------------------------------------------------------

    def _start(self, context: Any, quanta: Mapping[uuid.UUID, Quantum] | None) -> _Worker:
        parent_conn, child_conn = context.Pipe()
        process = context.Process(target=_worker_main, args=(child_conn, self.spec, quanta),
                                  name=f"pipetask-worker-{self.workers_started}", daemon=True)
        process.start()
        child_conn.close()
        self.workers_started += 1
        return _Worker(process, parent_conn)

    def _loop(self, driver: ExecutionDriver, context: Any, workers: list[_Worker],
              quanta: Mapping[uuid.UUID, Quantum] | None, inherit: bool) -> None:
        while True:
            for worker in workers:
                if worker.node_id is None:
                    item = driver.next_ready()
                    if item is None:
                        break
                    node_id, quantum = item
                    message = (node_id, quantum.datastore_records, None if inherit else quantum)
                    try:
                        worker.conn.send(message)
                    except (BrokenPipeError, OSError):  # died while idle: start another
                        _stop(worker)
                        worker = workers[workers.index(worker)] = self._start(context, quanta)
                        worker.conn.send(message)
                    worker.node_id, worker.started = node_id, time.monotonic()
            busy = [w for w in workers if w.node_id is not None]
            if not busy:
                return
            waitables: list[Any] = [w.conn for w in busy] + [w.process.sentinel for w in busy]
            ready = multiprocessing.connection.wait(waitables, timeout=self._wait_time(busy))
            for index, worker in enumerate(workers):
                if worker.node_id is None:
                    continue
                if worker.conn in ready:
                    try:
                        state = worker.conn.recv()
                    except (EOFError, OSError):
                        state = None
                    if state is not None:
                        driver.finish(QuantumResult.from_transfer(state, driver.get_quantum(worker.node_id)))
                        worker.node_id = None
                        continue
                if worker.process.sentinel in ready or worker.conn in ready:
                    worker.process.join(1.0)  # the pipe may close just before the exit code is known
                    workers[index] = self._replace(driver, context, worker, quanta, QuantumStatus.FAILED,
                                                   f"worker process died (exit code {worker.process.exitcode})")
                elif self.timeout is not None and time.monotonic() - worker.started > self.timeout + self.kill_grace:
                    workers[index] = self._replace(driver, context, worker, quanta, QuantumStatus.TIMED_OUT,
                                                   f"quantum ran longer than the timeout of {self.timeout:g} s and "
                                                   "its worker was killed")
            if not ready:
                driver.flush_if_due()

    def _wait_time(self, busy: list[_Worker]) -> float:
        wait = 1.0
        if self.timeout is not None:
            now = time.monotonic()
            deadline = min(w.started for w in busy) + self.timeout + self.kill_grace
            wait = min(wait, max(deadline - now, 0.01))
        return wait

    def _replace(self, driver: ExecutionDriver, context: Any, worker: _Worker,
                 quanta: Mapping[uuid.UUID, Quantum] | None, status: QuantumStatus, message: str) -> _Worker:
        node_id = worker.node_id
        assert node_id is not None
        quantum = driver.get_quantum(node_id)
        _LOG.error("Task %r on quantum %s: %s.", quantum.taskLabel, quantum.dataId, message)
        _stop(worker)
        result = log_failure(self.spec, node_id, quantum, status, message)
        result.worker_pid = worker.process.pid or 0
        driver.finish(result)
        return self._start(context, quanta)

    def _shutdown(self, workers: list[_Worker]) -> None:
        for worker in workers:
            if worker.node_id is None:
                try:
                    worker.conn.send(None)
                except (BrokenPipeError, OSError):
                    pass
        deadline = time.monotonic() + 5.0
        for worker in workers:
            if worker.node_id is not None:
                _stop(worker)
                continue
            worker.process.join(max(deadline - time.monotonic(), 0.0))
            if worker.process.is_alive():
                _stop(worker)
            worker.conn.close()


def _stop(worker: _Worker) -> None:
    worker.process.kill()
    worker.process.join(5.0)
    worker.conn.close()
