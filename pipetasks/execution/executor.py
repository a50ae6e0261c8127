"""Executing a quantum graph against a repository, from init step to the last registration.

`execute_graph` is what ``pipetask run`` and `SimplePipelineExecutor` call::

    report = execute_graph(butler, qgraph, ExecutionOptions(processes=4, fail_fast=True))
    report.exit_code            # 0: every quantum succeeded (or had no work); 1: some failed
    report.summary_lines()      # per task: "scale: 8 succeeded"; then the failures

Steps: the output RUN is created and put first in the output chain; dataset
types are registered (or checked); with ``clobber_outputs``, outputs of
earlier failed attempts that would collide with this graph's are removed;
configs, init-outputs and package versions are written (`write_init_outputs`);
then quanta run serially or in a process pool while the driver registers
their outputs in batches.
"""

from __future__ import annotations

__all__ = ["ExecutionOptions", "execute_graph"]

import dataclasses
import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from butler.quantum_backed import DatastoreSpec
from pipetasks.framework import ExecutionResources

from .butler_types import ensure_registered
from .collections import setup_output_collections
from .driver import ExecutionDriver
from .pool import PoolExecutor
from .provenance import write_init_outputs
from .results import ExecutionReport, QuantumResult
from .serial import SerialExecutor
from .single_quantum import WorkerSpec, forget_spec

_LOG = logging.getLogger(__name__)


@dataclasses.dataclass
class ExecutionOptions:
    """How to execute a graph (``pipetask run`` options).

    Attributes
    ----------
    processes : `int`
        ``-j``: 1 runs in this process, more in a pool of worker processes.
    fail_fast : `bool`
        Stop handing out quanta after the first failure.
    timeout : `float` or `None`
        Seconds a quantum may run.
    register_dataset_types : `bool`
        Register the pipeline's output dataset types (else they must exist).
    skip_existing : `bool`
        Treat quanta whose metadata is stored as done (always on when the
        output run existed before).
    clobber_outputs : `bool`
        Remove datasets of the output run that have the data ID of one of the
        graph's outputs but another ID (leftovers of failed quanta).
    save_versions : `bool`
        Write (and check) the ``packages`` dataset.
    raise_on_partial_outputs : `bool`
        `AnnotatedPartialOutputsError` fails the quantum (LSST's default).
    start_method : `str` or `None`
        Multiprocessing start method for the pool.
    resources : `ExecutionResources` or `None`
        Cores and memory each quantum may use.
    log_level : `int`
        Lowest level stored in ``<label>_log``.
    batch_size, batch_seconds
        When the driver registers outputs.
    """

    processes: int = 1
    fail_fast: bool = False
    timeout: float | None = None
    register_dataset_types: bool = False
    skip_existing: bool = False
    clobber_outputs: bool = False
    save_versions: bool = True
    raise_on_partial_outputs: bool = True
    start_method: str | None = None
    resources: ExecutionResources | None = None
    log_level: int = logging.INFO
    batch_size: int = 5000
    batch_seconds: float = 2.0


def _metadata(graph: Any) -> dict[str, Any]:
    return dict(getattr(graph, "metadata", None) or {})


def _inputs_of(metadata: dict[str, Any]) -> list[str]:
    inputs = metadata.get("input", metadata.get("inputs", ())) or ()
    return [inputs] if isinstance(inputs, str) else list(inputs)


def execute_graph(butler: Any, graph: Any, options: ExecutionOptions | None = None, *,
                  on_result: Callable[[QuantumResult], None] | None = None,
                  on_start: Callable[[ExecutionDriver], None] | None = None,
                  qgraph_path: str | None = None) -> ExecutionReport:
    """Run every quantum of ``graph`` and register its outputs; never raises for task failures.

    Parameters
    ----------
    butler : `~butler.Butler`
        Writeable butler on the graph's repository.
    graph : `QuantumGraph`
        Its ``metadata`` names ``output_run`` (and ``output``, ``input``).
    options : `ExecutionOptions`, optional
    on_result : callable, optional
        Called with each quantum's `QuantumResult` as it finishes.
    on_start : callable, optional
        Called with the `ExecutionDriver` before the first quantum runs.
    qgraph_path : `str`, optional
        Where the graph was saved; noted in the output run's documentation.

    Returns
    -------
    report : `ExecutionReport`

    Raises
    ------
    MissingDatasetTypeError, IncompatibleDatasetTypeError
        An output dataset type is not registered (and registration was not
        asked for), or is registered differently.
    ProvenanceMismatchError
        Extending a run made with another config or other package versions.
    """
    options = options or ExecutionOptions()
    ensure_registered()
    start = time.perf_counter()
    metadata = _metadata(graph)
    output_run = metadata.get("output_run")
    if not output_run:
        raise ValueError("The quantum graph's metadata does not name its output_run.")
    pipeline_graph = graph.pipeline_graph
    if options.register_dataset_types:
        pipeline_graph.register_dataset_types(butler, include_packages=options.save_versions)
    else:
        pipeline_graph.check_dataset_type_registrations(butler, include_packages=options.save_versions)
    existed = setup_output_collections(butler, output_run, metadata.get("output"), _inputs_of(metadata))
    written = write_init_outputs(butler, graph, save_versions=options.save_versions)
    if existed:
        _clobber(butler, graph, output_run, options.clobber_outputs)
    if qgraph_path is not None:
        butler.registry.setCollectionDocumentation(output_run, f"Quantum graph: {os.path.abspath(qgraph_path)}")
    init_inputs = written.init_inputs_for(graph)
    init_records = butler.datastore.prepare_get_records(
        [ref for refs in init_inputs.values() for ref in refs.values()])
    spec = WorkerSpec(
        datastore=DatastoreSpec.from_butler(butler),
        pipeline_graph=pipeline_graph,
        output_run=output_run,
        init_inputs=init_inputs,
        init_input_records=init_records,
        resources=options.resources or ExecutionResources(),
        raise_on_partial_outputs=options.raise_on_partial_outputs,
        log_level=options.log_level,
        timeout=options.timeout if options.timeout and options.timeout > 0 else None,
    )
    driver = ExecutionDriver(butler, graph, fail_fast=options.fail_fast,
                             skip_existing=options.skip_existing or existed, batch_size=options.batch_size,
                             batch_seconds=options.batch_seconds, on_result=on_result)
    if on_start is not None:
        on_start(driver)
    executor: SerialExecutor | PoolExecutor
    if options.processes > 1:
        executor = PoolExecutor(spec, options.processes, start_method=options.start_method,
                                timeout=options.timeout)
    else:
        executor = SerialExecutor(spec)
    try:
        executor.execute(driver)
    finally:
        report = driver.close()
        forget_spec(spec)
    report.wall_time = time.perf_counter() - start
    return report


def _clobber(butler: Any, graph: Any, output_run: str, asked: bool) -> None:
    """Remove datasets of ``output_run`` in the way of the graph's outputs (leftovers of failed quanta).

    The graph lists them when it was built with ``clobber`` (``clobbered_outputs``);
    otherwise, when asked, the run is searched for datasets with the type and
    data ID of an output but another ID.
    """
    listed = getattr(graph, "clobbered_outputs", None)
    if listed is not None:
        doomed = [ref for refs in listed.values() for ref in refs]
    elif asked:
        doomed = _colliding_outputs(butler, graph, output_run)
    else:
        doomed = []
    if doomed:
        _LOG.info("Removing %d datasets of earlier attempts from %s (--clobber-outputs).", len(doomed), output_run)
        butler.pruneDatasets(doomed, disassociate=True, unstore=True, purge=True)


def _colliding_outputs(butler: Any, graph: Any, output_run: str) -> list[Any]:
    predicted: dict[str, dict[Any, Any]] = defaultdict(dict)
    for _, quantum in graph.quanta():
        for name, refs in quantum.outputs.items():
            for ref in refs:
                predicted[name][ref.dataId] = ref.id
    doomed = []
    for name, by_data_id in predicted.items():
        for existing in butler.registry.queryDatasets(name, collections=[output_run]):
            wanted = by_data_id.get(existing.dataId)
            if wanted is not None and wanted != existing.id:
                doomed.append(existing)
    return doomed
