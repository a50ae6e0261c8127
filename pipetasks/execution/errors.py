"""What executing a pipeline raises (each also the butler/built-in class callers already catch)."""

from __future__ import annotations

__all__ = ["ExecutionFailedError", "OutputCollectionError", "OutputExistsError", "ProvenanceMismatchError"]

from butler.errors import CollectionError, ConflictingDefinitionError


class OutputCollectionError(CollectionError):
    """The input/output collection options do not fit together or with the repository."""


class OutputExistsError(ConflictingDefinitionError):
    """The output RUN already exists and extending it was not asked for."""


class ProvenanceMismatchError(ConflictingDefinitionError):
    """A run being extended holds a different task config or different package versions."""


class ExecutionFailedError(RuntimeError):
    """Some quanta failed (`SimplePipelineExecutor.run` raises it; ``report`` holds the details)."""

    def __init__(self, message: str, report: object = None):
        super().__init__(message)
        self.report = report
