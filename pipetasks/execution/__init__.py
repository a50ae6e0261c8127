"""Executing quantum graphs: per-quantum entry point, serial and pool executors, provenance, reports.

::

    from pipetasks.execution import SimplePipelineExecutor

    butler = SimplePipelineExecutor.prep_butler(repo, inputs=["raw/all"], output="u/me/test")
    executor = SimplePipelineExecutor.from_pipeline_filename("pipeline.yaml", where="visit = 12", butler=butler)
    results = executor.run(register_dataset_types=True)

See ``docs/pipelines.md`` ("Running pipelines").
"""

from .butler_types import ensure_registered, storage_class_config
from .collections import OutputCollections, make_collection_timestamp, resolve_output_collections, \
    setup_output_collections
from .driver import ExecutionDriver
from .errors import ExecutionFailedError, OutputCollectionError, OutputExistsError, ProvenanceMismatchError
from .executor import ExecutionOptions, execute_graph
from .log_records import ButlerLogRecord, ButlerLogRecords
from .packages import Packages
from .pool import PoolExecutor
from .provenance import write_init_outputs
from .report import RunReport, report_run
from .results import ExecutionReport, QuantumResult, QuantumStatus
from .serial import SerialExecutor
from .simple import SimplePipelineExecutor  # noqa: E402
from .single_quantum import QuantumTimeoutError, WorkerSpec, execute_quantum, with_input_records

ensure_registered()

__all__ = [
    "ButlerLogRecord",
    "ButlerLogRecords",
    "ExecutionDriver",
    "ExecutionFailedError",
    "ExecutionOptions",
    "ExecutionReport",
    "OutputCollectionError",
    "OutputCollections",
    "OutputExistsError",
    "Packages",
    "PoolExecutor",
    "ProvenanceMismatchError",
    "QuantumResult",
    "QuantumStatus",
    "QuantumTimeoutError",
    "RunReport",
    "SerialExecutor",
    "SimplePipelineExecutor",
    "WorkerSpec",
    "ensure_registered",
    "execute_graph",
    "execute_quantum",
    "make_collection_timestamp",
    "report_run",
    "resolve_output_collections",
    "setup_output_collections",
    "storage_class_config",
    "with_input_records",
    "write_init_outputs",
]
