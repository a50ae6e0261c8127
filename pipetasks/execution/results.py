"""What executing quanta produced: one `QuantumResult` per quantum, an `ExecutionReport` per run."""

from __future__ import annotations

__all__ = ["ExecutionReport", "QuantumResult", "QuantumStatus"]

import dataclasses
import enum
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from butler.quantum_backed import QuantumOutputs


class QuantumStatus(enum.Enum):
    """How a quantum ended."""

    SUCCEEDED = "succeeded"
    """``runQuantum`` returned."""
    NO_WORK = "no work"
    """`NoWorkFound` (raised, or too few inputs left): a success without outputs."""
    PARTIAL = "partial outputs"
    """`AnnotatedPartialOutputsError`: a qualified success (unless partial outputs are errors)."""
    FAILED = "failed"
    """An exception; outputs other than the log are not registered."""
    TIMED_OUT = "timed out"
    """Ran longer than the timeout (a failure)."""
    SKIPPED = "skipped"
    """Not run: an upstream quantum failed, or ``fail_fast`` stopped the run."""
    EXISTING = "already done"
    """Not run: an earlier execution of the same quantum succeeded (its metadata exists)."""

    @property
    def is_success(self) -> bool:
        """Whether downstream quanta may run on this one's outputs."""
        return self in (QuantumStatus.SUCCEEDED, QuantumStatus.NO_WORK, QuantumStatus.PARTIAL,
                        QuantumStatus.EXISTING)

    @property
    def is_failure(self) -> bool:
        """Whether the quantum failed (its descendants are skipped)."""
        return self in (QuantumStatus.FAILED, QuantumStatus.TIMED_OUT)


@dataclasses.dataclass
class QuantumResult:
    """The outcome of one quantum, as a worker returns it to the driver.

    Attributes
    ----------
    node_id : `uuid.UUID`
        The quantum's ID in its graph.
    task_label : `str`
    status : `QuantumStatus`
    outputs : `~butler.quantum_backed.QuantumOutputs`
        Datasets written (refs and file records) for the driver to register;
        for a failed quantum only its log.
    data_id : `~butler.DataCoordinate` or `None`
        The quantum's data ID (`None` in results sent between processes).
    error_type : `str` or `None`
        Qualified name of the exception class, for failures and partial outputs.
    error_message : `str` or `None`
    traceback : `str` or `None`
        Formatted traceback of a failure.
    wall_time, cpu_time : `float`
        Seconds spent in the worker on this quantum.
    max_rss : `int`
        Peak resident memory of the worker process so far (bytes).
    worker_pid : `int`
        Process that ran the quantum.
    worker_inits : `int`
        How many times that process was initialised (1 in a healthy pool).
    exception : `BaseException` or `None`
        The exception itself, only in the process that ran the quantum.
    """

    node_id: uuid.UUID
    task_label: str
    status: QuantumStatus
    outputs: QuantumOutputs = dataclasses.field(default_factory=QuantumOutputs)
    data_id: Any = None
    error_type: str | None = None
    error_message: str | None = None
    traceback: str | None = None
    wall_time: float = 0.0
    cpu_time: float = 0.0
    max_rss: int = 0
    worker_pid: int = 0
    worker_inits: int = 0
    exception: BaseException | None = dataclasses.field(default=None, repr=False, compare=False)

    def for_transfer(self) -> tuple[Any, ...]:
        """A small picklable form: output refs by ID only (the driver has them in its graph)."""
        return (self.node_id, self.task_label, self.status.value, [ref.id for ref in self.outputs.refs],
                self.outputs.records, self.error_type, self.error_message, self.traceback, self.wall_time,
                self.cpu_time, self.max_rss, self.worker_pid, self.worker_inits)

    @classmethod
    def from_transfer(cls, state: tuple[Any, ...], quantum: Any) -> QuantumResult:
        """Rebuild a result sent with `for_transfer`, taking the refs from ``quantum``."""
        (node_id, label, status, ids, records, error_type, error_message, tb, wall, cpu, rss, pid,
         inits) = state
        by_id = {ref.id: ref for ref in quantum.iter_output_refs()}
        outputs = QuantumOutputs([by_id[i] for i in ids], list(records))
        return cls(node_id, label, QuantumStatus(status), outputs, quantum.dataId, error_type, error_message, tb,
                   wall, cpu, rss, pid, inits)

    def __str__(self) -> str:
        where = _short_data_id(self.data_id) if self.data_id is not None else str(self.node_id)
        text = f"{self.task_label} {where}: {self.status.value}"
        if self.error_type:
            text += f": {self.error_type.rpartition('.')[2]}: {self.error_message}"
        elif self.error_message:
            text += f" ({self.error_message})"
        return text


def _short_data_id(data_id: Any) -> str:
    try:
        return "{" + ", ".join(f"{key}: {data_id[key]!r}" for key in data_id.dimensions.required) + "}"
    except (AttributeError, KeyError, TypeError):
        return str(data_id)


@dataclasses.dataclass
class ExecutionReport:
    """What happened to every quantum of a graph.

    Attributes
    ----------
    results : `dict` [`uuid.UUID`, `QuantumResult`]
        By quantum ID, in the order they finished.
    output_run : `str` or `None`
        The RUN collection written.
    wall_time : `float`
        Seconds for the whole execution (init-outputs to last registration).
    """

    results: dict[uuid.UUID, QuantumResult] = dataclasses.field(default_factory=dict)
    output_run: str | None = None
    wall_time: float = 0.0

    def add(self, result: QuantumResult) -> None:
        """Record a quantum's result."""
        self.results[result.node_id] = result

    @property
    def failures(self) -> list[QuantumResult]:
        """Failed and timed-out quanta."""
        return [r for r in self.results.values() if r.status.is_failure]

    @property
    def succeeded(self) -> bool:
        """Whether no quantum failed (skipped-for-existing and no-work quanta count as fine)."""
        return not any(r.status.is_failure or r.status is QuantumStatus.SKIPPED for r in self.results.values())

    @property
    def exit_code(self) -> int:
        """0 if every quantum succeeded (or had no work / was already done), else 1."""
        return 0 if self.succeeded else 1

    def counts(self) -> dict[str, Counter[QuantumStatus]]:
        """Per task label, how many quanta ended in each status."""
        table: dict[str, Counter[QuantumStatus]] = {}
        for result in self.results.values():
            table.setdefault(result.task_label, Counter())[result.status] += 1
        return table

    def summary_lines(self, labels: Iterable[str] | None = None) -> list[str]:
        """One line per task: ``label: 4 succeeded, 1 failed, 2 skipped``; then the failures."""
        counts = self.counts()
        order = list(labels) if labels is not None else sorted(counts)
        lines = []
        for label in order:
            if label not in counts:
                continue
            parts = [f"{n} {status.value}" for status in QuantumStatus if (n := counts[label][status])]
            lines.append(f"{label}: {', '.join(parts)}")
        for failure in self.failures:
            lines.append(f"FAILED {failure}")
        return lines

    def by_status(self) -> Mapping[QuantumStatus, int]:
        """Number of quanta in each status over the whole graph."""
        return Counter(result.status for result in self.results.values())
