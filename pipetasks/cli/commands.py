"""``pipetask build``, ``qgraph``, ``run`` and ``report``."""

from __future__ import annotations

__all__ = ["COMMANDS"]

import json
import logging
import sys
from typing import Any

import click

from butler.cli.output import ResultTable, write_table

from .graph_setup import GraphOptions, describe_graph, make_pipeline, obtain_quantum_graph
from .options import data_options, execution_options, pipeline_options, qgraph_options, show_option
from .show import Show

_LOG = logging.getLogger(__name__)


def _open_butler(repo: str | None, writeable: bool) -> Any:
    from butler import Butler

    if not repo:
        raise click.UsageError("Give the data repository with -b/--butler-config REPO.")
    return Butler.from_config(repo, writeable=writeable)


@click.command(short_help="Build, show and optionally save a pipeline.")
@show_option()
@pipeline_options()
def build(show: tuple[str, ...], pipeline: str | None, tasks: tuple[str, ...], delete: tuple[str, ...],
          config_overrides: tuple[str, ...], config_files: tuple[str, ...], save_pipeline: str | None,
          instrument: str | None) -> None:
    """Build a pipeline definition (tasks configured, contracts checked) without a data repository.

    `--show` prints its parts; `-s FILE` writes it out as YAML.
    """
    shower = Show(show)
    result = make_pipeline(pipeline, tasks, delete, config_overrides, config_files, instrument)
    graph = result.to_graph()
    if save_pipeline:
        result.write_to_uri(save_pipeline)
    shower.show_pipeline(result, graph)
    if shower.wants_graph:
        click.echo("--show graph, workflow and uri need a quantum graph: use them with pipetask qgraph.", err=True)


@click.command(short_help="Build and optionally save a quantum graph.")
@show_option()
@pipeline_options()
@data_options()
@qgraph_options()
def qgraph(show: tuple[str, ...], butler_config: str | None, **kwargs: Any) -> None:
    """Build the quantum graph of a pipeline on a repository's data (or load one with -g).

    Nothing is written to the repository; `-q FILE` saves the graph.
    """
    shower = Show(show)
    butler = _open_butler(butler_config, writeable=False)
    try:
        graph, _ = obtain_quantum_graph(butler, GraphOptions.from_kwargs(kwargs), shower)
        if graph is not None:
            click.echo(describe_graph(graph))
    finally:
        butler.close()


@click.command(short_help="Build and execute a quantum graph.")
@show_option()
@pipeline_options()
@data_options()
@qgraph_options()
@execution_options()
@click.pass_context
def run(ctx: click.Context, show: tuple[str, ...], butler_config: str | None, processes: int,
        start_method: str | None, timeout: float | None, fail_fast: bool, raise_on_partial_outputs: bool,
        register_dataset_types: bool, no_versions: bool, cores_per_quantum: int, memory_per_quantum: str,
        summary: str | None, **kwargs: Any) -> None:
    """Build (or load with -g) a quantum graph and run its quanta, serially or with -j N processes.

    Outputs go to the output RUN, chained first under --output. Exit status 0
    when every quantum succeeded, 1 when any failed (or was skipped because
    an upstream quantum failed).
    """
    from pipetasks.execution import ExecutionOptions, execute_graph
    from pipetasks.framework import ExecutionResources

    from .progress import QuantumProgress

    shower = Show(show)
    options = GraphOptions.from_kwargs(kwargs)
    resources = ExecutionResources(num_cores=cores_per_quantum, max_mem=_memory(memory_per_quantum))
    butler = _open_butler(butler_config, writeable=True)
    try:
        graph, path = obtain_quantum_graph(butler, options, shower)
        if shower:
            click.echo("Nothing was run: --show was given.", err=True)
            return
        click.echo(describe_graph(graph))
        execution = ExecutionOptions(processes=processes, fail_fast=fail_fast, timeout=timeout or None,
                                     register_dataset_types=register_dataset_types,
                                     skip_existing=options.extend_run, clobber_outputs=options.clobber_outputs,
                                     save_versions=not no_versions,
                                     raise_on_partial_outputs=raise_on_partial_outputs, start_method=start_method,
                                     resources=resources)
        with QuantumProgress() as bar:
            report = execute_graph(butler, graph, execution, on_result=bar.advance, on_start=bar.start,
                                   qgraph_path=path)
    finally:
        butler.close()
    for line in report.summary_lines(graph.task_labels()):
        click.echo(line)
    counts = report.by_status()
    n_ok = sum(n for status, n in counts.items() if status.is_success)
    n_failed = sum(n for status, n in counts.items() if status.is_failure)
    n_skipped = len(report.results) - n_ok - n_failed
    click.echo(f"Executed {n_ok} quanta successfully, {n_failed} failed and {n_skipped} skipped out of "
               f"{len(report.results)} in {report.wall_time:.1f} s; outputs in {report.output_run}.")
    if summary:
        _write_summary(summary, report)
    if report.exit_code:
        ctx.exit(report.exit_code)


def _memory(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    return f"{text}MB" if text.replace(".", "", 1).isdigit() else text


def _write_summary(path: str, report: Any) -> None:
    quanta = [{
        "node_id": str(result.node_id),
        "task_label": result.task_label,
        "data_id": {key: result.data_id[key] for key in result.data_id.dimensions.required}
        if result.data_id is not None else None,
        "status": result.status.value,
        "error_type": result.error_type,
        "error_message": result.error_message,
        "wall_time": result.wall_time,
        "cpu_time": result.cpu_time,
        "max_rss": result.max_rss,
    } for result in report.results.values()]
    document = {"output_run": report.output_run, "wall_time": report.wall_time, "exit_code": report.exit_code,
                "quanta": quanta}
    with open(path, "w") as stream:
        json.dump(document, stream, indent=1, default=str)


@click.command(short_help="Summarize the quanta of a run: succeeded, failed, not run.")
@click.argument("repo", required=False)
@click.argument("qgraphs", nargs=-1)
@click.option("-b", "--butler-config", metavar="REPO", help="Location of the data repository (or give REPO).")
@click.option("-g", "--qgraph", "qgraph_file", metavar="FILE", help="The quantum graph that was run.")
@click.option("--output-run", metavar="COLL", help="The RUN to inspect (default: the graph's).")
@click.option("-o", "--output", metavar="COLL", help="Inspect the first RUN of this output chain.")
@click.option("--logs/--no-logs", default=True, show_default=True,
              help="Read the logs of failed quanta for their error messages.")
def report(repo: str | None, qgraphs: tuple[str, ...], butler_config: str | None, qgraph_file: str | None,
           output_run: str | None, output: str | None, logs: bool) -> None:
    """Count each task's quanta that succeeded (metadata written), failed (log only) and never ran.

    Give the repository as REPO or -b, and the run as --output-run, -o (its
    newest run) or a quantum graph (-g, or after REPO as LSST's
    `pipetask report REPO QGRAPH`), which also counts quanta never run.
    """
    from pipetasks.execution import report_run
    from pipetasks.graph import QuantumGraph

    repo = repo or butler_config
    files = [*qgraphs, *([qgraph_file] if qgraph_file else [])]
    if len(files) > 1:
        raise click.UsageError("Give one quantum graph.")
    graph = QuantumGraph.load(files[0]) if files else None
    butler = _open_butler(repo, writeable=False)
    try:
        if output_run is None and output is not None:
            chain = butler.registry.getCollectionChain(output)
            if not chain:
                raise click.UsageError(f"Output chain {output!r} is empty.")
            output_run = chain[0]
        if output_run is None and graph is None:
            raise click.UsageError("Say which run: --output-run RUN, -o CHAIN or -g QGRAPH.")
        result = report_run(butler, output_run, graph, with_messages=logs)
    finally:
        butler.close()
    click.echo(f"Run {result.output_run}:")
    write_table(ResultTable(["Task", "Expected", "Succeeded", "Failed", "Not run"], result.rows()), "table")
    failures = [(label, data_id, message) for label, task in result.tasks.items()
                for data_id, message in task.failures]
    if failures:
        click.echo("Failed quanta:")
        for label, data_id, message in failures:
            click.echo(f"  {label} {_short_data_id(data_id)}: {message}" if message
                       else f"  {label} {_short_data_id(data_id)}")
    sys.stdout.flush()


def _short_data_id(data_id: Any) -> str:
    return "{" + ", ".join(f"{key}: {data_id[key]!r}" for key in data_id.dimensions.required) + "}"


COMMANDS = [build, qgraph, run, report]
