"""From ``pipetask`` options to a pipeline, a pipeline graph and a quantum graph."""

from __future__ import annotations

__all__ = ["GraphOptions", "describe_graph", "make_pipeline", "obtain_quantum_graph"]

import dataclasses
import logging
from typing import Any

import click

from .show import Show

_LOG = logging.getLogger(__name__)


def _label_item(text: str, option: str, example: str) -> tuple[str, str]:
    label, sep, rest = text.partition(":")
    if not sep or not label or not rest:
        raise click.BadParameter(f"{text!r} is not LABEL:{example}.", param_hint=option)
    return label, rest


def make_pipeline(pipeline: str | None, tasks: tuple[str, ...] = (), delete: tuple[str, ...] = (),
                  config_overrides: tuple[str, ...] = (), config_files: tuple[str, ...] = (),
                  instrument: str | None = None) -> Any:
    """The `~pipetasks.pipeline.Pipeline` of ``-p``, with ``-t``, ``--delete``, ``-c`` and ``-C`` applied.

    Raises
    ------
    click.UsageError
        Neither ``-p`` nor ``-t`` was given.
    """
    from pipetasks.pipeline import Pipeline

    if pipeline is None and not tasks:
        raise click.UsageError("Give a pipeline with -p FILE (or tasks with -t CLASS[:LABEL]).")
    result = Pipeline.from_uri(pipeline) if pipeline is not None else Pipeline("anonymous")
    if instrument:
        result.addInstrument(instrument)
    for text in tasks:
        class_name, _, label = text.partition(":")
        result.addTask(class_name, label or None)
    for label in delete:
        result.removeTask(label)
    for text in config_overrides:
        label, assignment = _label_item(text, "-c/--config", "NAME=VALUE")
        key, sep, value = assignment.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{text!r} is not LABEL:NAME=VALUE.", param_hint="-c/--config")
        result.addConfigOverride(label, key.strip(), value.strip())
    for text in config_files:
        label, path = _label_item(text, "-C/--config-file", "FILE")
        result.addConfigFile(label, path)
    return result


@dataclasses.dataclass
class GraphOptions:
    """The options of ``qgraph``/``run`` that decide the quantum graph."""

    pipeline: str | None = None
    tasks: tuple[str, ...] = ()
    delete: tuple[str, ...] = ()
    config_overrides: tuple[str, ...] = ()
    config_files: tuple[str, ...] = ()
    save_pipeline: str | None = None
    instrument: str | None = None
    inputs: tuple[str, ...] = ()
    output: str | None = None
    output_run: str | None = None
    extend_run: bool = False
    data_query: str = ""
    qgraph: str | None = None
    qgraph_node_id: tuple[str, ...] = ()
    save_qgraph: str | None = None
    skip_existing_in: tuple[str, ...] = ()
    skip_existing: bool = False
    clobber_outputs: bool = False

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any]) -> GraphOptions:
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in kwargs.items() if key in names})


def _refuse_with_qgraph(options: GraphOptions) -> None:
    given = [flag for flag, value in (("-p", options.pipeline), ("-t", options.tasks), ("-c", options.config_overrides),
                                      ("-C", options.config_files), ("-i", options.inputs), ("-o", options.output),
                                      ("--output-run", options.output_run), ("-d", options.data_query),
                                      ("--skip-existing-in", options.skip_existing_in)) if value]
    if given:
        raise click.UsageError(f"-g/--qgraph gives the pipeline and the data; {', '.join(given)} cannot be used "
                               "with it.")


def obtain_quantum_graph(butler: Any, options: GraphOptions, show: Show) -> tuple[Any, str | None]:
    """Load (``-g``) or build the quantum graph; show and save it as asked.

    Returns
    -------
    graph : `~pipetasks.graph.QuantumGraph` or `None`
        `None` when ``--show`` printed pipeline items only.
    path : `str` or `None`
        Where the graph is saved (``-g`` or ``--save-qgraph``).
    """
    from pipetasks.execution.building import build_quantum_graph
    from pipetasks.execution.collections import resolve_output_collections
    from pipetasks.graph import QuantumGraph

    if options.qgraph is not None:
        _refuse_with_qgraph(options)
        nodes = options.qgraph_node_id or None
        graph = QuantumGraph.load(options.qgraph, nodes=nodes)
        path: str | None = options.qgraph
        if show:
            show.show_pipeline(_pipeline_text(graph), graph.pipeline_graph)
    else:
        pipeline = make_pipeline(options.pipeline, options.tasks, options.delete, options.config_overrides,
                                 options.config_files, options.instrument)
        if options.save_pipeline:
            pipeline.write_to_uri(options.save_pipeline)
        pipeline_graph = pipeline.to_graph(butler)
        if show:
            show.show_pipeline(pipeline, pipeline_graph)
            if not show.wants_graph:
                return None, None
        collections = resolve_output_collections(butler, inputs=options.inputs, output=options.output,
                                                 output_run=options.output_run, extend_run=options.extend_run)
        skip_in = list(options.skip_existing_in)
        if (options.skip_existing or options.extend_run) and collections.output_run not in skip_in:
            skip_in.append(collections.output_run)
        graph = build_quantum_graph(butler, pipeline_graph, collections, where=options.data_query,
                                    skip_existing_in=skip_in, clobber_outputs=options.clobber_outputs)
        path = None
    if options.save_qgraph:
        graph.save(options.save_qgraph)
        path = options.save_qgraph
    if show:
        show.show_graph(graph, butler)
    return graph, path


class _GraphPipelineText:
    """Stands in for a `Pipeline` when only a loaded graph's pipeline graph is known."""

    def __init__(self, graph: Any):
        self._graph = graph

    def __str__(self) -> str:
        lines = [f"description: {self._graph.pipeline_graph.description or 'loaded from a quantum graph'}", "tasks:"]
        for label, node in self._graph.pipeline_graph.tasks.items():
            lines.append(f"  {label}: {node.task_class_name}")
        return "\n".join(lines)


def _pipeline_text(graph: Any) -> Any:
    return _GraphPipelineText(graph)


def describe_graph(graph: Any) -> str:
    """``Quantum graph: 18 quanta (scale: 8, offset: 8, sum: 2); output run u/me/out/2024...``."""
    per_task = ", ".join(f"{label}: {sum(1 for _ in graph.quanta(label))}" for label in graph.task_labels())
    return f"Quantum graph: {len(graph)} quanta ({per_task}); output run {graph.metadata.get('output_run')}"
