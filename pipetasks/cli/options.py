"""Option groups of ``pipetask build``/``qgraph``/``run``, spelled as LSST's (short flags included)."""

from __future__ import annotations

__all__ = ["data_options", "execution_options", "pipeline_options", "qgraph_options", "show_option"]

from collections.abc import Callable

import click

from butler.cli.options import split_commas


def _compose(*decorators: Callable) -> Callable:
    def apply(function: Callable) -> Callable:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function
    return apply


def show_option() -> Callable:
    return click.option(
        "--show", multiple=True, metavar="ITEM|ITEM=VALUE",
        help="Print information: config, config=[LABEL::]PATTERN, dump-config[=LABEL], history=[LABEL::]FIELD, "
             "pipeline, tasks, subsets, inputs; with a quantum graph also graph, workflow, uri.")


def pipeline_options() -> Callable:
    """``-p -t --delete -c -C -s --select-tasks --instrument``."""
    return _compose(
        click.option("-p", "--pipeline", metavar="FILE",
                     help="Pipeline YAML file (or URI), optionally with #label1,label2 to select tasks."),
        click.option("-t", "--task", "tasks", multiple=True, metavar="TASK[:LABEL]",
                     help="Fully qualified task class to add (label: the class's _DefaultName)."),
        click.option("--delete", multiple=True, callback=split_commas, metavar="LABEL",
                     help="Remove the task with this label from the pipeline."),
        click.option("-c", "--config", "config_overrides", multiple=True, metavar="LABEL:NAME=VALUE",
                     help="Config override for the task with this label (repeatable)."),
        click.option("-C", "--config-file", "config_files", multiple=True, metavar="LABEL:FILE",
                     help="Config override file for the task with this label (repeatable)."),
        click.option("-s", "--save-pipeline", metavar="FILE", help="Write the resulting pipeline as YAML."),
        click.option("--instrument", metavar="CLASS", help="Instrument class whose config overrides apply."),
    )


def data_options() -> Callable:
    """``-b -i -o --output-run --extend-run -d``."""
    return _compose(
        click.option("-b", "--butler-config", metavar="REPO", help="Location of the data repository."),
        click.option("-i", "--input", "inputs", multiple=True, callback=split_commas, metavar="COLLECTION",
                     help="Input collections, in search order (comma-separated or repeated)."),
        click.option("-o", "--output", metavar="COLL",
                     help="Output CHAINED collection: created over the inputs, or an existing one reused; "
                          "its first child is the output RUN."),
        click.option("--output-run", metavar="COLL",
                     help="Output RUN collection (default: <output>/<timestamp>)."),
        click.option("--extend-run", is_flag=True,
                     help="Add to the existing output RUN (--output-run, or the first child of --output); "
                          "quanta that already ran are skipped."),
        click.option("-d", "--data-query", default="", metavar="QUERY", help="User data selection expression."),
    )


def qgraph_options() -> Callable:
    """``-g -q --skip-existing-in --skip-existing --clobber-outputs``."""
    return _compose(
        click.option("-g", "--qgraph", metavar="FILE",
                     help="Quantum graph file to use instead of building one (pipeline and data options "
                          "other than -b are then not allowed)."),
        click.option("--qgraph-node-id", multiple=True, callback=split_commas, metavar="UUID",
                     help="Only load these quanta of the -g graph."),
        click.option("-q", "--save-qgraph", metavar="FILE", help="Write the quantum graph to this .qg file."),
        click.option("--skip-existing-in", multiple=True, callback=split_commas, metavar="COLLECTION",
                     help="Leave out quanta whose outputs (their metadata) exist in these collections."),
        click.option("--skip-existing", is_flag=True,
                     help="The same as --skip-existing-in with the output RUN."),
        click.option("--clobber-outputs", is_flag=True,
                     help="Replace outputs of failed quanta found in the extended output RUN."),
    )


def execution_options() -> Callable:
    """``-j --start-method --timeout --fail-fast --register-dataset-types ...``."""
    return _compose(
        click.option("-j", "--processes", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Number of worker processes."),
        click.option("--start-method", type=click.Choice(["fork", "forkserver", "spawn"]), default=None,
                     help="Multiprocessing start method (default: fork on Linux)."),
        click.option("--timeout", type=click.FloatRange(min=0), default=None,
                     help="Maximum wall time of one quantum (seconds)."),
        click.option("--fail-fast", is_flag=True, help="Stop at the first failed quantum."),
        click.option("--raise-on-partial-outputs/--no-raise-on-partial-outputs", default=True,
                     show_default=True, help="Count partial outputs of a task as a failure."),
        click.option("--register-dataset-types", is_flag=True,
                     help="Register the dataset types the pipeline writes, where missing."),
        click.option("--no-versions", is_flag=True, help="Do not save or check package versions."),
        click.option("-n", "--cores-per-quantum", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Cores each quantum may use."),
        click.option("--memory-per-quantum", default="", metavar="MEMORY",
                     help="Memory each quantum may use (e.g. 3GB; a plain number is MB)."),
        click.option("--summary", metavar="FILE", help="Write a JSON summary of the execution."),
    )
