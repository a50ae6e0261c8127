"""`SimplePipelineExecutor`: build and run a pipeline against a butler in a few lines (notebooks, tests).

::

    butler = SimplePipelineExecutor.prep_butler("repo", inputs=["Cam/raw/all"], output="u/me/try")
    executor = SimplePipelineExecutor.from_pipeline_filename("my_pipeline.yaml", where="visit = 12",
                                                             butler=butler)
    results = executor.run(register_dataset_types=True)
    butler.get("calexp", visit=12, detector=3)

The same names and arguments as LSST's ``lsst.pipe.base.SimplePipelineExecutor``.
"""

from __future__ import annotations

__all__ = ["SimplePipelineExecutor"]

from collections.abc import Mapping
from typing import Any

from butler import Butler
from butler.errors import MissingCollectionError

from .building import build_quantum_graph
from .collections import OutputCollections, make_collection_timestamp, setup_output_collections
from .errors import ExecutionFailedError, OutputCollectionError
from .executor import ExecutionOptions, execute_graph
from .results import ExecutionReport, QuantumResult


class SimplePipelineExecutor:
    """Runs the quanta of one quantum graph with a full butler.

    Parameters
    ----------
    quantum_graph : `~pipetasks.graph.QuantumGraph`
    butler : `~butler.Butler`
        Writeable, on the graph's repository.
    resources : `~pipetasks.framework.ExecutionResources`, optional
        What each quantum may use.
    raise_on_partial_outputs : `bool`, optional
        Whether `AnnotatedPartialOutputsError` fails a quantum (default, as
        LSST) or is a qualified success.

    Attributes
    ----------
    report : `ExecutionReport` or `None`
        What the last `run` did.
    """

    def __init__(self, quantum_graph: Any, butler: Butler, resources: Any = None,
                 raise_on_partial_outputs: bool = True):
        self.quantum_graph = quantum_graph
        self.butler = butler
        self.resources = resources
        self.raise_on_partial_outputs = raise_on_partial_outputs
        self.report: ExecutionReport | None = None

    # -- making one -----------------------------------------------------------------------

    @staticmethod
    def prep_butler(root: str, inputs: list[str] | tuple[str, ...], output: str,
                    output_run: str | None = None) -> Butler:
        """A writeable butler whose default collections are a new ``output`` chain over ``inputs``.

        Parameters
        ----------
        root : `str`
            Repository path or URL (it must exist and hold the inputs).
        inputs : sequence of `str`
            Input collections, in search order.
        output : `str`
            Name of the new CHAINED collection: ``[output_run, *inputs]``.
        output_run : `str`, optional
            Name of the new RUN (default ``<output>/<timestamp>``); the
            butler's default run.
        """
        output_run = output_run or f"{output}/{make_collection_timestamp()}"
        butler = Butler(root, writeable=True)
        setup_output_collections(butler, output_run, output, inputs)
        butler.close()
        return Butler(root, writeable=True, collections=[output], run=output_run)

    @classmethod
    def from_pipeline_filename(cls, pipeline_filename: str, *, where: str = "",
                               bind: Mapping[str, Any] | None = None, butler: Butler, resources: Any = None,
                               raise_on_partial_outputs: bool = True, output: str | None = None,
                               output_run: str | None = None) -> SimplePipelineExecutor:
        """Build the graph of a pipeline YAML file (``file.yaml#label1,label2`` selects tasks)."""
        from pipetasks.pipeline import Pipeline

        return cls.from_pipeline(Pipeline.from_uri(pipeline_filename), where=where, bind=bind, butler=butler,
                                 resources=resources, raise_on_partial_outputs=raise_on_partial_outputs,
                                 output=output, output_run=output_run)

    @classmethod
    def from_task_class(cls, task_class: type, config: Any = None, label: str | None = None, *,
                        where: str = "", bind: Mapping[str, Any] | None = None, butler: Butler,
                        resources: Any = None, raise_on_partial_outputs: bool = True, output: str | None = None,
                        output_run: str | None = None) -> SimplePipelineExecutor:
        """Build the graph of a one-task pipeline.

        Raises
        ------
        TypeError
            ``config`` is not an instance of the task's ``ConfigClass``.
        """
        from pipetasks.pipeline import PipelineGraph

        if config is None:
            config = task_class.ConfigClass()
        if label is None:
            label = task_class._DefaultName
        if not isinstance(config, task_class.ConfigClass):
            raise TypeError(f"Invalid config class type: expected {task_class.ConfigClass.__name__}, "
                            f"got {type(config).__name__}.")
        config.freeze()
        pipeline_graph = PipelineGraph()
        pipeline_graph.add_task(label, task_class, config)
        return cls.from_pipeline_graph(pipeline_graph, where=where, bind=bind, butler=butler, resources=resources,
                                       raise_on_partial_outputs=raise_on_partial_outputs, output=output,
                                       output_run=output_run)

    @classmethod
    def from_pipeline(cls, pipeline: Any, *, where: str = "", bind: Mapping[str, Any] | None = None,
                      butler: Butler, resources: Any = None, raise_on_partial_outputs: bool = True,
                      output: str | None = None, output_run: str | None = None) -> SimplePipelineExecutor:
        """Build the graph of a `~pipetasks.pipeline.Pipeline`."""
        return cls.from_pipeline_graph(pipeline.to_graph(butler), where=where, bind=bind, butler=butler,
                                       resources=resources, raise_on_partial_outputs=raise_on_partial_outputs,
                                       output=output, output_run=output_run)

    @classmethod
    def from_pipeline_graph(cls, pipeline_graph: Any, *, where: str = "", bind: Mapping[str, Any] | None = None,
                            butler: Butler, resources: Any = None, raise_on_partial_outputs: bool = True,
                            output: str | None = None, output_run: str | None = None) -> SimplePipelineExecutor:
        """Build the quantum graph of a `~pipetasks.pipeline.PipelineGraph`.

        Inputs are the butler's default collections; outputs go to
        ``output_run`` (default: the butler's run, or ``<output>/<timestamp>``),
        chained in front of the inputs under ``output`` if given.

        Raises
        ------
        OutputCollectionError
            No output run can be worked out.
        pipetasks.graph.EmptyGraphError
            Nothing to run; the message says why.
        """
        inputs = tuple(butler.collections.defaults)
        if output_run is None:
            output_run = f"{output}/{make_collection_timestamp()}" if output is not None else butler.run
        if not output_run:
            raise OutputCollectionError("No output run: give output_run= or output=, or a butler with a default "
                                        "run (SimplePipelineExecutor.prep_butler makes one).")
        try:
            butler.registry.getCollectionType(output_run)
            extend_run = True
        except MissingCollectionError:
            extend_run = False
        collections = OutputCollections(inputs, output, output_run, extend_run)
        graph = build_quantum_graph(butler, pipeline_graph, collections, where=where, bind=bind)
        return cls(graph, butler, resources=resources, raise_on_partial_outputs=raise_on_partial_outputs)

    # -- running ---------------------------------------------------------------------------

    def run(self, register_dataset_types: bool = False, save_versions: bool = True, *, processes: int = 1,
            fail_fast: bool = False, timeout: float | None = None,
            raise_on_failure: bool = True) -> list[QuantumResult]:
        """Run every quantum (serially by default) and register the outputs.

        Parameters
        ----------
        register_dataset_types : `bool`
            Register the output dataset types first.
        save_versions : `bool`
            Write the ``packages`` dataset.
        processes : `int`
            Worker processes (1: in this process, so a debugger sees the task).
        fail_fast : `bool`
            Stop at the first failure.
        timeout : `float`, optional
            Seconds a quantum may run.
        raise_on_failure : `bool`
            After the run, raise the first failed quantum's exception (the
            original one when run in this process), as LSST does.

        Returns
        -------
        results : `list` [`QuantumResult`]
            One per quantum, in the order they finished (`report` has more).

        Raises
        ------
        ExecutionFailedError
            A quantum failed in a worker process (``raise_on_failure``).
        Exception
            The task's own exception for a quantum run in this process.
        """
        options = ExecutionOptions(processes=processes, fail_fast=fail_fast, timeout=timeout,
                                   register_dataset_types=register_dataset_types, save_versions=save_versions,
                                   raise_on_partial_outputs=self.raise_on_partial_outputs, resources=self.resources)
        self.report = execute_graph(self.butler, self.quantum_graph, options)
        failures = self.report.failures
        if failures and raise_on_failure:
            first = failures[0]
            summary = "; ".join(str(failure) for failure in failures[:5])
            if first.exception is not None:
                first.exception.add_note(f"{len(failures)} quanta failed: {summary}")
                raise first.exception
            raise ExecutionFailedError(f"{len(failures)} quanta failed: {summary}\n{first.traceback or ''}",
                                       self.report)
        return list(self.report.results.values())
