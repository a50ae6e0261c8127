"""What a PipelineTask, its connections and its quantum context raise (LSST's class names).

`NoWorkFound` and its subclasses are not failures: they say a quantum had
nothing to do, and executors record the quantum as successful with no
outputs.  The other classes are failures of different kinds, which an
executor reports differently (`RepeatableQuantumError` is not worth a retry,
`InvalidQuantumError` means the configuration is wrong everywhere).
"""

from __future__ import annotations

__all__ = [
    "AlgorithmError",
    "AnnotatedPartialOutputsError",
    "DatasetNotInQuantumError",
    "InvalidQuantumError",
    "NoWorkFound",
    "RepeatableQuantumError",
    "ScalarError",
    "UnprocessableDataError",
    "UpstreamFailureNoWorkFound",
]

import logging
from typing import Any


class NoWorkFound(BaseException):
    """Raised when a quantum has nothing to do (e.g. too few inputs exist).

    A `BaseException` (as in LSST) so that ``except Exception`` blocks in task
    code do not swallow it.
    """


class UpstreamFailureNoWorkFound(NoWorkFound):
    """No work, because an upstream task's outputs are incomplete (its failure was tolerated)."""


class UnprocessableDataError(NoWorkFound):
    """The inputs cannot be processed by any algorithm (e.g. a frame ruined by a bright star)."""


class RepeatableQuantumError(RuntimeError):
    """A failure that a retry would repeat: this data and this algorithm do not go together."""

    EXIT_CODE = 20


class AlgorithmError(RepeatableQuantumError):
    """A repeatable algorithmic failure carrying diagnostic ``metadata`` (subclass and set it)."""

    @property
    def metadata(self) -> dict[str, Any] | None:
        """Numbers or strings describing the failure (e.g. points in a fit)."""
        return None


class AnnotatedPartialOutputsError(RepeatableQuantumError):
    """``runQuantum`` failed after writing outputs that record their own incompleteness.

    Make it with `annotate` inside the ``except`` block, and raise it ``from``
    the original error.
    """

    @classmethod
    def annotate(cls, error: BaseException, *args: Any, log: logging.Logger | logging.LoggerAdapter
                 ) -> AnnotatedPartialOutputsError:
        """Record ``error`` in the ``metadata`` of each of ``args`` (tasks, exposures...).

        Parameters
        ----------
        error : `BaseException`
            What went wrong.
        *args
            Objects with a ``metadata`` attribute (`None` entries are skipped);
            each gets a ``failure`` entry with the message and type name.
        log : `logging.Logger`
            Where to log the failure (at DEBUG, with the traceback).

        Returns
        -------
        error : `AnnotatedPartialOutputsError`
            The exception to raise.
        """
        info: dict[str, Any] = {
            "message": str(error),
            "type": f"{type(error).__module__}.{type(error).__qualname__}",
        }
        extra = getattr(error, "metadata", None)
        if extra:
            info["metadata"] = dict(extra)
        for item in args:
            if item is None:
                continue
            metadata = item.metadata
            if hasattr(metadata, "set_dict"):
                metadata.set_dict("failure", info)
            else:
                metadata["failure"] = info
        log.debug("Task failed with only partial outputs; see exception message for details.", exc_info=error)
        return cls("Task failed and wrote partial outputs: see chained exception for details.")


class InvalidQuantumError(Exception):
    """A logic or configuration error that will fail (nearly) every quantum of the task."""

    EXIT_CODE = 21


class ScalarError(TypeError):
    """A connection declared with ``multiple=False`` was given several datasets."""


class DatasetNotInQuantumError(ValueError):
    """A `QuantumContext` was asked to read or write a dataset that is not part of its quantum.

    A `ValueError`, as LSST raises, so code written for LSST catches it.
    """
