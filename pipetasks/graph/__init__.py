"""Quantum graphs: the quanta of a pipeline on a repository, built from registry queries, saved to ``.qg`` files.

::

    from pipetasks.graph import QuantumGraph, QuantumGraphBuilder

    graph = QuantumGraphBuilder(pipeline_graph, butler, input_collections=["Cam/raw/all"],
                                output_run="u/me/run1", where="visit = 12").build()
    graph.save("run1.qg")
    graph = QuantumGraph.load("run1.qg")

See ``docs/pipelines.md`` ("Quantum graphs").
"""

from .builder import QuantumGraphBuilder
from .errors import (
    EmptyGraphError,
    InitInputMissingError,
    InvalidQuantumGraphFileError,
    OutputExistsError,
    PrerequisiteMissingError,
    QuantumGraphBuilderError,
)
from .quantum_graph import QuantumGraph

__all__ = [
    "EmptyGraphError",
    "InitInputMissingError",
    "InvalidQuantumGraphFileError",
    "OutputExistsError",
    "PrerequisiteMissingError",
    "QuantumGraph",
    "QuantumGraphBuilder",
    "QuantumGraphBuilderError",
]
