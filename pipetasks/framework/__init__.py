"""The pipeline framework: tasks, their metadata and timing (PipelineTask and friends join later).

LSST task code ports by changing imports:
``from pipetasks.framework import Task, Struct, timeMethod, TaskMetadata``.
"""

from .struct import Struct
from .task import Task, TaskError
from .task_metadata import TaskMetadata
from .timing import timeMethod

# PipelineTask, its connections and its quantum context.
from . import connectionTypes
from .connections import AdjustQuantumHelper, PipelineTaskConnections, iterConnections
from .errors import (
    AlgorithmError,
    AnnotatedPartialOutputsError,
    DatasetNotInQuantumError,
    InvalidQuantumError,
    NoWorkFound,
    RepeatableQuantumError,
    ScalarError,
    UnprocessableDataError,
    UpstreamFailureNoWorkFound,
)
from .pipeline_task import PipelineTask
from .pipeline_task_config import PipelineTaskConfig
from .quantized_connection import DeferredDatasetRef, InputQuantizedConnection, OutputQuantizedConnection
from .quantum import Quantum
from .quantum_context import ExecutionResources, QuantumContext

_FROM_PIPELINE = frozenset({"LabelSpecifier", "Pipeline", "PipelineGraph", "TaskDef"})


def __getattr__(name: str):
    # lsst.pipe.base also exports Pipeline & co.; loaded lazily since pipetasks.pipeline imports this package.
    if name in _FROM_PIPELINE:
        import pipetasks.pipeline

        return getattr(pipetasks.pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
