"""What a run did, read back from the repository (``pipetask report``).

A quantum that succeeded (or found no work) wrote ``<label>_metadata``; a
failed one wrote only ``<label>_log``; one with neither never ran (an
upstream failure, ``--fail-fast``, or an interrupted run).  Counting those
datasets in the output RUN gives the state of every task without any record
kept outside the repository; with the quantum graph, quanta that never ran
are counted too.
"""

from __future__ import annotations

__all__ = ["RunReport", "TaskReport", "report_run"]

import dataclasses
from typing import Any

from butler.errors import MissingDatasetTypeError
from pipetasks.framework import automatic_connections as acc

from .butler_types import ensure_registered


@dataclasses.dataclass
class TaskReport:
    """Counts of one task's quanta.

    Attributes
    ----------
    label : `str`
    expected : `int` or `None`
        Quanta in the graph (`None` without a graph).
    succeeded : `int`
        Quanta with ``<label>_metadata``.
    failed : `int`
        Quanta with a ``<label>_log`` but no metadata.
    not_run : `int` or `None`
        Quanta of the graph with neither (`None` without a graph).
    failures : `list` [`tuple`]
        ``(data ID, last error message of the log)`` of the failed quanta.
    """

    label: str
    expected: int | None = None
    succeeded: int = 0
    failed: int = 0
    not_run: int | None = None
    failures: list[tuple[Any, str]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class RunReport:
    """Per-task counts of a run (`report_run`)."""

    output_run: str
    tasks: dict[str, TaskReport] = dataclasses.field(default_factory=dict)

    @property
    def n_failed(self) -> int:
        """Failed quanta over all tasks."""
        return sum(task.failed for task in self.tasks.values())

    @property
    def n_not_run(self) -> int:
        """Quanta of the graph that never ran (0 without a graph)."""
        return sum(task.not_run or 0 for task in self.tasks.values())

    @property
    def complete(self) -> bool:
        """Whether every quantum succeeded (as far as the report can tell)."""
        return self.n_failed == 0 and self.n_not_run == 0

    def rows(self) -> list[tuple[str, str, int, int, str]]:
        """``(task, expected, succeeded, failed, not run)`` per task, for a table."""
        return [(task.label, "" if task.expected is None else str(task.expected), task.succeeded, task.failed,
                 "" if task.not_run is None else str(task.not_run)) for task in self.tasks.values()]


def report_run(butler: Any, output_run: str | None = None, graph: Any = None, *,
               with_messages: bool = True) -> RunReport:
    """Count succeeded, failed and never-run quanta per task from the datasets of a run.

    Parameters
    ----------
    butler : `~butler.Butler`
    output_run : `str`, optional
        The RUN to inspect (default: the graph's ``output_run``).
    graph : `QuantumGraph`, optional
        Gives the tasks and the expected quanta; without it the tasks are
        found from the ``*_metadata``/``*_log`` dataset types in the run.
    with_messages : `bool`
        Read the log of each failed quantum for its last error message.

    Raises
    ------
    ValueError
        Neither ``output_run`` nor ``graph`` was given.
    MissingCollectionError
        The run does not exist.
    """
    ensure_registered()
    if output_run is None:
        if graph is None:
            raise ValueError("report_run needs an output run or a quantum graph.")
        output_run = graph.metadata["output_run"]
    butler.registry.getCollectionType(output_run)  # MissingCollectionError if absent
    labels = list(graph.pipeline_graph.tasks) if graph is not None else _labels_in_run(butler, output_run)
    report = RunReport(output_run)
    for label in labels:
        task = TaskReport(label)
        metadata_ids = _data_ids(butler, acc.METADATA_OUTPUT_TEMPLATE.format(label=label), output_run)
        log_refs = {ref.dataId: ref for ref in _refs(butler, acc.LOG_OUTPUT_TEMPLATE.format(label=label), output_run)}
        failed = [ref for data_id, ref in log_refs.items() if data_id not in metadata_ids]
        task.succeeded, task.failed = len(metadata_ids), len(failed)
        if graph is not None:
            data_ids = [quantum.dataId for _, quantum in graph.quanta(label)]
            task.expected = len(data_ids)
            task.not_run = sum(1 for d in data_ids if d not in metadata_ids and d not in log_refs)
        if with_messages:
            task.failures = [(ref.dataId, _last_error(butler, ref)) for ref in sorted(failed, key=_data_id_key)]
        else:
            task.failures = [(ref.dataId, "") for ref in sorted(failed, key=_data_id_key)]
        report.tasks[label] = task
    return report


def _data_id_key(ref: Any) -> tuple[str, ...]:
    return tuple(str(ref.dataId[name]) for name in ref.dataId.dimensions.required)


def _refs(butler: Any, name: str, run: str) -> list[Any]:
    try:
        return list(butler.registry.queryDatasets(name, collections=[run]))
    except MissingDatasetTypeError:
        return []


def _data_ids(butler: Any, name: str, run: str) -> set[Any]:
    return {ref.dataId for ref in _refs(butler, name, run)}


def _labels_in_run(butler: Any, run: str) -> list[str]:
    """Labels with metadata or logs in the run, producers before consumers.

    The order comes from the tasks' connections, rebuilt from each
    ``<label>_config``; labels whose config cannot be read come last, by name.
    """
    suffixes = (acc.METADATA_OUTPUT_TEMPLATE.format(label=""), acc.LOG_OUTPUT_TEMPLATE.format(label=""))
    labels: set[str] = set()
    for dataset_type in butler.registry.queryDatasetTypes():
        if dataset_type.storageClass_name not in (acc.METADATA_OUTPUT_STORAGE_CLASS, acc.LOG_OUTPUT_STORAGE_CLASS):
            continue
        for suffix in suffixes:
            if dataset_type.name.endswith(suffix) and _refs(butler, dataset_type.name, run):
                labels.add(dataset_type.name[: -len(suffix)])
    reads: dict[str, set[str]] = {}
    writes: dict[str, set[str]] = {}
    for label in sorted(labels):
        configs = _refs(butler, acc.CONFIG_INIT_OUTPUT_TEMPLATE.format(label=label), run)
        try:
            config = butler.get(configs[0])
            connections = config.connections.ConnectionsClass(config=config)
        except Exception:  # noqa: BLE001 - an unreadable config only loses the ordering
            continue
        every = connections.allConnections
        reads[label] = {every[name].name for name in (*connections.inputs, *connections.prerequisiteInputs)}
        writes[label] = {every[name].name for name in connections.outputs}
    ordered: list[str] = []
    pending = sorted(reads)
    while pending:
        ready = [label for label in pending
                 if not any(reads[label] & writes[other] for other in pending if other != label)]
        ready = ready or pending[:1]  # a cycle cannot happen in a valid run; do not loop forever
        ordered.extend(ready)
        pending = [label for label in pending if label not in ready]
    return ordered + sorted(labels - set(ordered))


def _last_error(butler: Any, ref: Any) -> str:
    try:
        records = butler.get(ref)
    except Exception as err:  # noqa: BLE001 - a damaged log must not stop the report
        return f"(log unreadable: {err})"
    errors = [record for record in records if record.levelno >= 40]
    if not errors:
        return ""
    return errors[-1].message.splitlines()[0]
