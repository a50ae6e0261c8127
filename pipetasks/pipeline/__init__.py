"""Pipelines: the YAML documents naming tasks and their configs, and the graphs they expand to.

::

    from pipetasks.pipeline import Pipeline

    pipeline = Pipeline.from_uri("DRP.yaml#step1")
    graph = pipeline.to_graph(butler)      # tasks configured, contracts checked, dataset types resolved

See ``docs/pipelines.md`` for the YAML grammar.
"""

from .errors import *  # noqa: F403 - the exception classes are part of the API
from .errors import __all__ as _error_names
from .graph import PipelineGraph
from .graph_nodes import DatasetTypeNode, Edge, EdgeKind, StepDefinition, TaskNode, TaskSubset
from .ir import PipelineIR, PipelineSubsetCtrl
from .pipeline import LabelSpecifier, Pipeline
from .task_def import TaskDef

__all__ = [
    "DatasetTypeNode",
    "Edge",
    "EdgeKind",
    "LabelSpecifier",
    "Pipeline",
    "PipelineGraph",
    "PipelineIR",
    "PipelineSubsetCtrl",
    "StepDefinition",
    "TaskDef",
    "TaskNode",
    "TaskSubset",
    *_error_names,
]
