"""Running one quantum in any process: `WorkerSpec` and `execute_quantum`.

`execute_quantum(spec, node_id, quantum)` is the whole per-quantum entry
point: the serial executor calls it in the driver process, pool workers call
it in theirs, and a distributed engine can ship it as is.  It needs no
registry: the inputs' file records come attached to the quantum
(``quantum.datastore_records``, dataset ID → records, filled by the driver
with `with_input_records`), outputs are written straight to the datastore,
and the returned `QuantumResult` carries what the driver must register.

What it does, in order (as LSST's ``SingleQuantumExecutor``):

1. drops inputs that have no file (their producer failed or found no work)
   and, if any were dropped, lets ``adjustQuantum`` decide whether the
   quantum still has work (`NoWorkFound` otherwise);
2. builds the task once per process and task label (init-inputs read from
   the datastore) and clears its metadata;
3. runs ``runQuantum`` inside a log capture, recording timings and resource
   use (``prep``/``init``/``start``/``end`` CPU, wall, max RSS) into the
   ``quantum`` section of the task metadata;
4. writes ``<label>_metadata`` (on success, no work, or partial outputs)
   and ``<label>_log`` (always);
5. returns the status and outputs; a failed quantum keeps only its log,
   and the files of its other outputs are removed.
"""

from __future__ import annotations

__all__ = ["QuantumTimeoutError", "WorkerSpec", "execute_quantum", "failure_result", "log_failure",
           "with_input_records"]

import contextlib
import dataclasses
import logging
import os
import resource
import signal
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from butler.quantum_backed import DatastoreSpec, QuantumBackedButler, QuantumOutputs
from pipetasks.framework import (
    AdjustQuantumHelper,
    AnnotatedPartialOutputsError,
    ExecutionResources,
    NoWorkFound,
    QuantumContext,
    TaskMetadata,
)
from pipetasks.framework.timing import logInfo

from .butler_types import ensure_registered
from .log_records import ButlerLogRecord, ButlerLogRecords, LogCapture
from .results import QuantumResult, QuantumStatus

if TYPE_CHECKING:
    from butler import DatasetRef
    from butler.datastore import FileDatastore
    from butler.datastore.stored_file import StoredFileInfo
    from pipetasks.framework import Quantum
    from pipetasks.pipeline import PipelineGraph, TaskNode

_LOG = logging.getLogger(__name__)
_RSS_BYTES = 1 if sys.platform == "darwin" else 1024


class QuantumTimeoutError(BaseException):
    """A quantum ran longer than the execution's ``timeout``.

    A `BaseException` (as `KeyboardInterrupt`), so that ``except Exception``
    blocks in task code do not swallow it.
    """


@dataclasses.dataclass(frozen=True)
class WorkerSpec:
    """Everything a process needs to run quanta of one graph (picklable; sent once per worker).

    Attributes
    ----------
    datastore : `~butler.quantum_backed.DatastoreSpec`
        How to open the repository's datastore without its registry.
    pipeline_graph : `~pipetasks.pipeline.PipelineGraph`
        The resolved pipeline: task classes and configs by label.
    output_run : `str`
        The RUN collection the outputs belong to (for log context).
    init_inputs : mapping [`str`, mapping [`str`, `~butler.DatasetRef`]]
        Per task label, the init-input refs (keyed as the graph keys them).
    init_input_records : mapping [`uuid.UUID`, sequence of `StoredFileInfo`]
        File records of the init-inputs (written by the init step).
    resources : `~pipetasks.framework.ExecutionResources`
        What each quantum may use.
    raise_on_partial_outputs : `bool`
        Whether `AnnotatedPartialOutputsError` is a failure (LSST's default)
        rather than a qualified success.
    log_level : `int`
        Lowest level captured into ``<label>_log``.
    timeout : `float` or `None`
        Seconds a quantum may run before `QuantumTimeoutError` is raised in
        it (main thread of the process only).
    token : `uuid.UUID`
        Identifies this spec in per-process caches.
    """

    datastore: DatastoreSpec
    pipeline_graph: PipelineGraph
    output_run: str = ""
    init_inputs: Mapping[str, Mapping[str, DatasetRef]] = dataclasses.field(default_factory=dict)
    init_input_records: Mapping[uuid.UUID, Sequence[StoredFileInfo]] = dataclasses.field(default_factory=dict)
    resources: ExecutionResources = dataclasses.field(default_factory=ExecutionResources)
    raise_on_partial_outputs: bool = True
    log_level: int = logging.INFO
    timeout: float | None = None
    token: uuid.UUID = dataclasses.field(default_factory=uuid.uuid4)


@dataclasses.dataclass
class _ProcessCache:
    datastore: FileDatastore
    tasks: dict[str, Any] = dataclasses.field(default_factory=dict)


_CACHES: dict[uuid.UUID, _ProcessCache] = {}
_PROCESS_INITS = 0
"""How many times `note_worker_init` ran in this process (pool workers report it)."""


def note_worker_init() -> int:
    """Count one initialisation of this process as a worker; returns the count."""
    global _PROCESS_INITS
    _PROCESS_INITS += 1
    return _PROCESS_INITS


def _cache_for(spec: WorkerSpec) -> _ProcessCache:
    cache = _CACHES.get(spec.token)
    if cache is None:
        ensure_registered()
        cache = _CACHES[spec.token] = _ProcessCache(spec.datastore.make_datastore())
    return cache


def forget_spec(spec: WorkerSpec) -> None:
    """Drop the cached datastore and tasks of ``spec`` in this process."""
    _CACHES.pop(spec.token, None)


def with_input_records(quantum: Quantum, records: Mapping[uuid.UUID, Sequence[StoredFileInfo]]) -> Quantum:
    """The quantum with the file records of those of its inputs that exist attached.

    Parameters
    ----------
    quantum : `~pipetasks.framework.Quantum`
    records : mapping [`uuid.UUID`, sequence of `StoredFileInfo`]
        Records known to the driver (any superset of the quantum's inputs).
    """
    attached = {ref.id: list(records[ref.id]) for ref in quantum.iter_input_refs() if ref.id in records}
    return dataclasses.replace(quantum, datastore_records=attached)


def execute_quantum(spec: WorkerSpec, node_id: uuid.UUID, quantum: Quantum) -> QuantumResult:
    """Run one quantum; never raises for a task failure (the result says what happened).

    Parameters
    ----------
    spec : `WorkerSpec`
        The graph-wide settings; its datastore and tasks are cached per process.
    node_id : `uuid.UUID`
        The quantum's ID in its graph.
    quantum : `~pipetasks.framework.Quantum`
        The quantum, with ``datastore_records`` giving the file records of
        its existing inputs (see `with_input_records`).

    Returns
    -------
    result : `QuantumResult`
        Status, outputs to register (refs and records), error text, timings.

    Raises
    ------
    ValueError
        The quantum has inputs but no ``datastore_records`` attached.
    """
    wall_start, cpu_start = time.perf_counter(), time.process_time()
    label = quantum.taskLabel
    node = spec.pipeline_graph.tasks[label]
    records = _input_records(quantum)
    cache = _cache_for(spec)
    quantum_md = TaskMetadata()
    logInfo(None, "prep", metadata=quantum_md)
    metadata_ref = _single_output(quantum, node.metadata_output.dataset_type_name)
    log_ref = _single_output(quantum, node.log_output.dataset_type_name) if node.log_output else None
    qbb = QuantumBackedButler(cache.datastore, quantum.iter_input_refs(), quantum.iter_output_refs(), records)
    result = QuantumResult(node_id, label, QuantumStatus.SUCCEEDED, data_id=quantum.dataId)
    mdc = {"LABEL": f"{label}:{quantum.dataId}", "RUN": spec.output_run}
    task = None
    capture = LogCapture(spec.log_level, mdc, (_root_logger_name(node), "pipetasks.execution"))
    with capture:
        try:
            quantum = _drop_missing_inputs(quantum, node, records)
            logInfo(None, "init", metadata=quantum_md)
            task = _task_for(spec, cache, node)
            logInfo(None, "start", metadata=quantum_md)
            with _alarm(spec.timeout):
                butlerQC = QuantumContext(qbb, quantum, resources=spec.resources, quantum_id=node_id)
                task.runQuantum(butlerQC, *node.connections.buildDatasetRefs(quantum))
        except NoWorkFound as err:
            result.status = QuantumStatus.NO_WORK
            _LOG.info("Task %r on quantum %s found no work: %s", label, quantum.dataId, err)
        except AnnotatedPartialOutputsError as err:
            cause = err.__cause__ if err.__cause__ is not None else err
            _record_error(result, cause)
            if spec.raise_on_partial_outputs:
                result.status = QuantumStatus.FAILED
                _LOG.error("Execution failed with partial outputs: %s: %s", type(cause).__name__, cause,
                           exc_info=cause)
            else:
                result.status = QuantumStatus.PARTIAL
                _LOG.warning("Task %r on quantum %s wrote partial outputs (a qualified success): %s",
                             label, quantum.dataId, cause)
        except QuantumTimeoutError as err:
            result.status = QuantumStatus.TIMED_OUT
            _record_error(result, err)
            _LOG.error("Execution timed out: %s", err)
        except Exception as err:  # noqa: BLE001 - any task failure becomes a failed quantum
            result.status = QuantumStatus.FAILED
            _record_error(result, err)
            _LOG.error("Execution failed: %s: %s", type(err).__name__, err, exc_info=err)
        logInfo(None, "end", metadata=quantum_md)
        if not result.status.is_failure and metadata_ref is not None:
            try:
                full = task.getFullMetadata() if task is not None else TaskMetadata()
                quantum_md["outputs"] = [str(ref.id) for ref in qbb.extract_outputs().refs]
                full["quantum"] = quantum_md
                qbb.put(full, metadata_ref)
            except Exception as err:  # noqa: BLE001 - metadata a task filled badly fails its quantum
                result.status = QuantumStatus.FAILED
                _record_error(result, err)
                _LOG.error("Writing the task metadata failed: %s: %s", type(err).__name__, err, exc_info=err)
        if result.status.is_failure:
            cache.tasks.pop(label, None)  # a task that failed may be left in a bad state
        _LOG.info("Task %r on quantum %s: %s in %.3f s.", label, quantum.dataId, result.status.value,
                  time.perf_counter() - wall_start)
    if log_ref is not None:
        qbb.put(capture.records, log_ref)
    written = qbb.extract_outputs()
    if result.status.is_failure:
        written = _keep_only_log(cache.datastore, written, log_ref)
    result.outputs = written
    result.wall_time = time.perf_counter() - wall_start
    result.cpu_time = time.process_time() - cpu_start
    result.max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * _RSS_BYTES
    result.worker_pid = os.getpid()
    result.worker_inits = _PROCESS_INITS
    return result


def failure_result(node_id: uuid.UUID, quantum: Quantum, err: BaseException) -> QuantumResult:
    """The result of a quantum whose execution itself broke (not the task: the executor, the datastore)."""
    result = QuantumResult(node_id, quantum.taskLabel, QuantumStatus.FAILED, data_id=quantum.dataId,
                           worker_pid=os.getpid(), worker_inits=_PROCESS_INITS)
    _record_error(result, err)
    return result


def log_failure(spec: WorkerSpec, node_id: uuid.UUID, quantum: Quantum, status: QuantumStatus,
                message: str) -> QuantumResult:
    """The result of a quantum whose process died or was killed, with a ``<label>_log`` saying so.

    The driver calls it, so that ``pipetask report`` counts the quantum as
    failed and shows why.
    """
    result = QuantumResult(node_id, quantum.taskLabel, status, data_id=quantum.dataId,
                           error_type="multiprocessing.ProcessError", error_message=message)
    node = spec.pipeline_graph.tasks[quantum.taskLabel]
    log_ref = _single_output(quantum, node.log_output.dataset_type_name) if node.log_output else None
    if log_ref is not None:
        record = logging.LogRecord(_LOG.name, logging.ERROR, __file__, 0, "Execution failed: %s", (message,), None)
        records = ButlerLogRecords([ButlerLogRecord.from_record(
            record, {"LABEL": f"{quantum.taskLabel}:{quantum.dataId}", "RUN": spec.output_run})])
        qbb = QuantumBackedButler(_cache_for(spec).datastore, (), [log_ref], {})
        qbb.put(records, log_ref)
        result.outputs = qbb.extract_outputs()
    return result


def _input_records(quantum: Quantum) -> dict[uuid.UUID, list[StoredFileInfo]]:
    records = quantum.datastore_records
    if records is None:
        if any(True for _ in quantum.iter_input_refs()):
            raise ValueError(
                f"Quantum {quantum.taskLabel} {quantum.dataId} has no datastore records for its inputs; "
                "attach them with with_input_records(quantum, records) before execute_quantum.")
        return {}
    return {key: list(value) for key, value in records.items()}


def _single_output(quantum: Quantum, name: str) -> DatasetRef | None:
    refs = quantum.outputs.get(name) or ()
    return refs[0] if refs else None


def _root_logger_name(node: TaskNode) -> str:
    return node.task_class.__module__.split(".")[0]


def _drop_missing_inputs(quantum: Quantum, node: TaskNode, records: Mapping[uuid.UUID, Any]) -> Quantum:
    """The quantum without inputs that have no file; ``adjustQuantum`` decides if work remains."""
    kept = {name: tuple(ref for ref in refs if ref.id in records) for name, refs in quantum.inputs.items()}
    if all(len(kept[name]) == len(refs) for name, refs in quantum.inputs.items()):
        return quantum
    dropped = sum(len(refs) - len(kept[name]) for name, refs in quantum.inputs.items())
    _LOG.info("%d input(s) of %r on %s were not produced; adjusting the quantum.", dropped, quantum.taskLabel,
              quantum.dataId)
    helper = AdjustQuantumHelper(dict(kept), {name: tuple(refs) for name, refs in quantum.outputs.items()})
    helper.adjust_in_place(node.connections, quantum.taskLabel, quantum.dataId)
    return dataclasses.replace(quantum, inputs={k: list(v) for k, v in helper.inputs.items()},
                               outputs={k: list(v) for k, v in helper.outputs.items()})


def _task_for(spec: WorkerSpec, cache: _ProcessCache, node: TaskNode) -> Any:
    """The task of ``node``, built once per process; its metadata cleared for a new quantum."""
    task = cache.tasks.get(node.label)
    if task is None:
        init_inputs = _read_init_inputs(spec, cache, node)
        task = node.task_class(config=node.config, initInputs=init_inputs, name=node.label)
        cache.tasks[node.label] = task
    else:
        task.emptyMetadata()
    return task


def _read_init_inputs(spec: WorkerSpec, cache: _ProcessCache, node: TaskNode) -> dict[str, Any]:
    refs = list((spec.init_inputs.get(node.label) or {}).values())
    if not refs:
        return {}
    qbb = QuantumBackedButler(cache.datastore, refs, (), spec.init_input_records)
    by_type = {ref.datasetType.name: ref for ref in refs}
    values = {}
    for conn_name, edge in node.init_inputs.items():
        ref = by_type.get(edge.dataset_type_name) or by_type.get(edge.parent_dataset_type_name)
        if ref is not None:
            values[conn_name] = qbb.get(ref)
    return values


def _record_error(result: QuantumResult, err: BaseException) -> None:
    result.error_type = f"{type(err).__module__}.{type(err).__qualname__}"
    result.error_message = str(err)
    result.traceback = "".join(traceback.format_exception(err))
    result.exception = err


def _keep_only_log(datastore: FileDatastore, written: QuantumOutputs, log_ref: DatasetRef | None
                   ) -> QuantumOutputs:
    """A failed quantum registers only its log; its other files are removed."""
    from butler.datastore.transfer import remove_file

    kept = QuantumOutputs()
    log_id = log_ref.id if log_ref is not None else None
    for ref, info in zip(written.refs, written.records, strict=True):
        if ref.id == log_id:
            kept.refs.append(ref)
            kept.records.append(info)
        elif not info.is_absolute:
            with contextlib.suppress(OSError):
                remove_file(datastore.root.fs, datastore.root.join(info.path))
    return kept


@contextlib.contextmanager
def _alarm(seconds: float | None) -> Iterator[None]:
    """Raise `QuantumTimeoutError` in this thread after ``seconds`` (main thread of a Unix process only)."""
    usable = (seconds is not None and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def expire(_signum: int, _frame: Any) -> None:
        raise QuantumTimeoutError(f"Quantum ran longer than the timeout of {seconds:g} s.")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
