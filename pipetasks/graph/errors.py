"""What building, saving and loading quantum graphs raise (LSST's class names where LSST has one).

Each class also derives from the built-in LSST raises (or that callers catch)
in that situation, so ``except FileNotFoundError`` around a build still sees
a missing prerequisite.
"""

from __future__ import annotations

__all__ = [
    "EmptyGraphError",
    "InitInputMissingError",
    "InvalidQuantumGraphFileError",
    "OutputExistsError",
    "PrerequisiteMissingError",
    "QuantumGraphBuilderError",
]

from collections.abc import Sequence


class QuantumGraphBuilderError(Exception):
    """Base class of the errors found while building a quantum graph."""


class OutputExistsError(QuantumGraphBuilderError):
    """Outputs the graph would write already exist in the output RUN (or the RUN exists and may not be extended)."""


class PrerequisiteMissingError(QuantumGraphBuilderError, FileNotFoundError):
    """A required prerequisite input (a calibration, a reference catalog...) was not found for some quanta."""


class InitInputMissingError(QuantumGraphBuilderError):
    """An init-input of a task (a schema written by another pipeline...) was not found."""


class EmptyGraphError(QuantumGraphBuilderError):
    """The graph would have no quanta; the message (and `reasons`) says why.

    Parameters
    ----------
    reasons : sequence of `str`
        One sentence per cause, most specific first.
    """

    def __init__(self, reasons: Sequence[str]):
        self.reasons = list(reasons)
        lines = "\n".join(f"  - {reason}" for reason in self.reasons)
        super().__init__(f"The quantum graph is empty:\n{lines}")


class InvalidQuantumGraphFileError(ValueError):
    """A file is not a quantum graph file this version can read, or is damaged."""
