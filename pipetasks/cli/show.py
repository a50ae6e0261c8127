"""``--show ITEM`` of ``pipetask build/qgraph/run``: print a pipeline's or a graph's contents.

Items about the pipeline (``config``, ``dump-config``, ``history``,
``pipeline``, ``tasks``, ``subsets``, ``inputs``) need no repository; items
about the quantum graph (``graph``, ``workflow``, ``uri``) are handled once
one exists.
"""

from __future__ import annotations

__all__ = ["GRAPH_ITEMS", "PIPELINE_ITEMS", "Show"]

import fnmatch
import re
from collections.abc import Iterable
from typing import Any

import click

PIPELINE_ITEMS = frozenset({"config", "dump-config", "history", "pipeline", "tasks", "subsets", "inputs"})
GRAPH_ITEMS = frozenset({"graph", "workflow", "uri"})

_ASSIGNMENT = re.compile(r"^config\.([\w.\[\]'\"]+)\s*=")


class Show:
    """The ``--show`` items of one command, printed as each stage makes them available.

    Parameters
    ----------
    items : iterable of `str`
        ``ITEM`` or ``ITEM=VALUE`` strings.

    Raises
    ------
    click.BadParameter
        An unknown item.
    """

    def __init__(self, items: Iterable[str]):
        self.items: list[tuple[str, str | None]] = []
        for text in items:
            name, sep, value = text.partition("=")
            if name not in PIPELINE_ITEMS | GRAPH_ITEMS:
                known = ", ".join(sorted(PIPELINE_ITEMS | GRAPH_ITEMS))
                raise click.BadParameter(f"unknown --show item {name!r}; known items: {known}.")
            self.items.append((name, value if sep else None))

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def wants_graph(self) -> bool:
        return any(name in GRAPH_ITEMS for name, _ in self.items)

    # -- pipeline items -------------------------------------------------------------------

    def show_pipeline(self, pipeline: Any, pipeline_graph: Any) -> None:
        """Print every pipeline item asked for."""
        for name, value in self.items:
            if name == "pipeline":
                click.echo(str(pipeline).rstrip())
            elif name == "config":
                _show_config(pipeline_graph, value)
            elif name == "dump-config":
                for label, node in _selected_tasks(pipeline_graph, value):
                    click.echo(f"### Configuration for task `{label}'")
                    click.echo(node.config.saveToString().rstrip())
            elif name == "history":
                _show_history(pipeline_graph, value)
            elif name == "tasks":
                for label, node in pipeline_graph.tasks.items():
                    click.echo(f"{label}: {node.task_class_name}")
            elif name == "subsets":
                for label, subset in sorted(pipeline_graph.task_subsets.items()):
                    click.echo(f"{label}: {', '.join(sorted(subset.labels))}")
            elif name == "inputs":
                if not pipeline_graph.is_resolved:
                    pipeline_graph.resolve()
                for dataset_name, node in pipeline_graph.iter_overall_inputs():
                    click.echo(f"{dataset_name}: {node.storage_class_name} {node.dimensions}")

    # -- graph items -------------------------------------------------------------------------

    def show_graph(self, graph: Any, butler: Any = None) -> None:
        """Print every graph item asked for."""
        for name, _ in self.items:
            if name == "graph":
                for label in graph.task_labels():
                    click.echo(f"TaskDef({graph.pipeline_graph.tasks[label].task_class_name}, label={label})")
                    for node_id, quantum in graph.quanta(label):
                        click.echo(f"  Quantum {node_id}:")
                        click.echo(f"    dataId: {quantum.dataId}")
                        for title, refs in (("inputs", quantum.inputs), ("outputs", quantum.outputs)):
                            click.echo(f"    {title}:")
                            for dataset_type, items in refs.items():
                                for ref in items:
                                    click.echo(f"      {dataset_type}: {ref.dataId} {ref.id}")
            elif name == "workflow":
                for node_id, quantum in graph.quanta():
                    click.echo(f"Quantum {node_id}: {quantum.taskLabel} {quantum.dataId}")
                    for parent in sorted(graph.upstream(node_id), key=str):
                        click.echo(f"Parent Quantum {parent} - Child Quantum {node_id}")
            elif name == "uri":
                if butler is None:
                    click.echo("--show uri needs the repository (-b).", err=True)
                    continue
                for node_id, quantum in graph.quanta():
                    click.echo(f"Quantum {node_id}: {quantum.taskLabel} {quantum.dataId}")
                    for ref in quantum.iter_output_refs():
                        click.echo(f"    {ref.datasetType.name}: {butler.datastore.getURI(ref, predict=True)}")


def _selected_tasks(pipeline_graph: Any, label: str | None) -> list[tuple[str, Any]]:
    if label is None:
        return list(pipeline_graph.tasks.items())
    if label not in pipeline_graph.tasks:
        raise click.BadParameter(f"--show: no task labelled {label!r}; labels are {sorted(pipeline_graph.tasks)}.")
    return [(label, pipeline_graph.tasks[label])]


def _split_pattern(value: str | None) -> tuple[str | None, str | None, bool]:
    """``[LABEL::]PATTERN[:NOIGNORECASE]`` → label, pattern, ignore case."""
    if value is None:
        return None, None, True
    ignore_case = True
    if value.endswith(":NOIGNORECASE"):
        value, ignore_case = value[: -len(":NOIGNORECASE")], False
    label, sep, pattern = value.partition("::")
    if not sep:
        label, pattern = None, value
    return label, pattern or None, ignore_case


def _show_config(pipeline_graph: Any, value: str | None) -> None:
    label, pattern, ignore_case = _split_pattern(value)
    for task_label, node in _selected_tasks(pipeline_graph, label):
        click.echo(f"### Configuration for task `{task_label}'")
        lines = node.config.saveToString(skipImports=True).splitlines()
        if pattern is None:
            click.echo("\n".join(line for line in lines if line.strip()))
            continue
        wanted = pattern.lower() if ignore_case else pattern
        comment: list[str] = []
        for line in lines:
            if line.startswith("#"):
                comment.append(line)
                continue
            match = _ASSIGNMENT.match(line)
            if match:
                field = match.group(1).lower() if ignore_case else match.group(1)
                if fnmatch.fnmatchcase(field, wanted):
                    click.echo("\n".join([*comment, line]))
            if line.strip():
                comment = []


def _show_history(pipeline_graph: Any, value: str | None) -> None:
    from pipetasks.config.history import format_history

    label, field, _ = _split_pattern(value)
    if field is None:
        raise click.BadParameter("--show history needs a field: history=[LABEL::]FIELD.")
    for task_label, node in _selected_tasks(pipeline_graph, label):
        config = node.config
        *parents, name = field.split(".")
        try:
            for part in parents:
                config = getattr(config, part)
            text = format_history(config, name)
        except (AttributeError, KeyError):
            if label is not None:
                raise click.BadParameter(f"--show history: task {task_label!r} has no config field {field!r}.")
            continue
        click.echo(f"### Configuration field for task `{task_label}'")
        click.echo(text.rstrip())
