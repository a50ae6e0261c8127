"""Errors of pipeline definitions and pipeline graphs.

Names follow LSST's (``ContractError``, ``DuplicateOutputError``,
``IncompatibleDatasetTypeError``...); each also derives from the built-in
LSST raises in that case, so ``except ValueError`` in ported code still works.
"""

from __future__ import annotations

__all__ = [
    "ConnectionTypeConsistencyError",
    "ContractError",
    "DuplicateOutputError",
    "IncompatibleDatasetTypeError",
    "InvalidStepsError",
    "PipelineDataCycleError",
    "PipelineError",
    "PipelineGraphError",
    "PipelineImportCycleError",
    "PipelineLabelError",
    "PipelineYamlError",
    "TaskImportError",
    "UnresolvedGraphError",
]


class PipelineError(Exception):
    """Base class of pipeline-definition errors."""


class PipelineYamlError(PipelineError, ValueError):
    """A pipeline document is malformed: unknown key, wrong type, inconsistent declarations."""


class PipelineImportCycleError(PipelineYamlError):
    """Pipeline files import each other in a cycle."""


class PipelineLabelError(PipelineError, LookupError, ValueError):
    """A task or subset label is not in the pipeline (``file.yaml#nosuch``, ``addConfigOverride``...).

    Both a `LookupError` and a `ValueError`: LSST raises one or the other depending on the call.
    """


class TaskImportError(PipelineError, ImportError):
    """A task (or instrument) class named in a pipeline cannot be imported or is not a PipelineTask."""


class ContractError(PipelineError):
    """A pipeline contract is not satisfied by the task configs (or cannot be evaluated)."""


class PipelineGraphError(RuntimeError):
    """Base class of errors found while building or resolving a pipeline graph."""


class DuplicateOutputError(PipelineGraphError):
    """Two tasks of one pipeline write the same dataset type."""


class PipelineDataCycleError(PipelineGraphError):
    """The tasks' inputs and outputs form a cycle."""


class ConnectionTypeConsistencyError(PipelineGraphError):
    """A dataset type is a prerequisite input for one task but a regular input or output for another."""


class IncompatibleDatasetTypeError(PipelineGraphError):
    """Tasks (or a task and the repository) define one dataset type with different dimensions or
    storage classes that cannot be converted."""


class UnresolvedGraphError(PipelineGraphError):
    """An operation needs a resolved graph (``graph.resolve(butler)`` first)."""


class InvalidStepsError(PipelineGraphError):
    """Step declarations do not fit the pipeline (a step's tasks need a later step's outputs...)."""
