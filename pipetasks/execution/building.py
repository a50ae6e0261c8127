"""Building the quantum graph for a run: the one place execution code calls the graph builder."""

from __future__ import annotations

__all__ = ["build_quantum_graph"]

import datetime
import getpass
from collections.abc import Mapping, Sequence
from typing import Any

from .collections import OutputCollections


def build_quantum_graph(butler: Any, pipeline_graph: Any, collections: OutputCollections, *, where: str = "",
                        bind: Mapping[str, Any] | None = None, data_id: Mapping[str, Any] | None = None,
                        skip_existing_in: Sequence[str] = (), clobber_outputs: bool = False,
                        metadata: Mapping[str, Any] | None = None) -> Any:
    """Build the `~pipetasks.graph.QuantumGraph` of ``pipeline_graph`` for the given collections.

    Parameters
    ----------
    butler : `~butler.Butler`
    pipeline_graph : `~pipetasks.pipeline.PipelineGraph`
    collections : `OutputCollections`
        From `resolve_output_collections`.
    where, bind, data_id
        The data query.
    skip_existing_in : sequence of `str`
        Leave out quanta whose metadata is in these collections.
    clobber_outputs : `bool`
        Replace outputs of failed quanta found in the extended run.
    metadata : mapping, optional
        More metadata to store in the graph.

    Raises
    ------
    pipetasks.graph.EmptyGraphError
        Nothing to run; the message says why.
    pipetasks.graph.QuantumGraphBuilderError
        Other problems found while building.
    """
    from pipetasks.graph import QuantumGraphBuilder

    builder = QuantumGraphBuilder(pipeline_graph, butler, input_collections=list(collections.inputs),
                                  output_run=collections.output_run, where=where, bind=bind, data_id=data_id,
                                  skip_existing_in=list(skip_existing_in), clobber=clobber_outputs,
                                  extend_run=collections.extend_run)
    extra = {
        "output": collections.output,
        "output_run": collections.output_run,
        "input": list(collections.inputs),
        "extend_run": collections.extend_run,
        "skip_existing_in": list(skip_existing_in),
        "data_query": where,
        "user": _user(),
        "time": datetime.datetime.now(datetime.UTC).isoformat(),
    }
    extra.update(metadata or {})
    return builder.build(metadata=extra)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
