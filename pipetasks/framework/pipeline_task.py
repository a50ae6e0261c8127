"""`PipelineTask`: a `Task` whose inputs and outputs are butler datasets declared as connections.

``run`` works on in-memory objects only; ``runQuantum`` does the I/O of one
quantum through a `QuantumContext` and calls ``run``.  The default
``runQuantum`` reads every input, passes them to ``run`` by connection name,
and writes the `Struct` it returns by connection name::

    class CharacterizeImageTask(PipelineTask):
        ConfigClass = CharacterizeImageConfig
        _DefaultName = "characterizeImage"

        def run(self, exposure, background=None):
            ...
            return Struct(characterized=exposure, sourceCat=catalog, backgroundModel=background)
"""

from __future__ import annotations

__all__ = ["PipelineTask"]

import logging
from typing import TYPE_CHECKING, Any, ClassVar

from .task import Task

if TYPE_CHECKING:
    from .pipeline_task_config import PipelineTaskConfig
    from .quantized_connection import InputQuantizedConnection, OutputQuantizedConnection
    from .quantum_context import QuantumContext
    from .struct import Struct


class PipelineTask(Task):
    """Base class of tasks run by the pipeline framework.

    Parameters
    ----------
    config : `PipelineTaskConfig`, optional
        The task's config (``ConfigClass()`` if not given).
    log : `logging.Logger`, optional
        Parent logger; the task logs under ``<parent>.<name>``.
    initInputs : `dict` [`str`, `object`], optional
        Objects read for the task's ``InitInput`` connections, by connection
        name; subclasses that declare init-inputs require it.
    **kwargs
        Passed to `Task` (``name``, ``parentTask``...).

    Notes
    -----
    Subclasses with ``InitOutput`` connections set an attribute of the same
    name in ``__init__``; the executor writes it once per run.
    """

    ConfigClass: ClassVar[type[PipelineTaskConfig]]
    canMultiprocess: ClassVar[bool] = True
    """Whether executors may run this task in worker processes."""

    def __init__(self, *, config: PipelineTaskConfig | None = None, log: logging.Logger | None = None,
                 initInputs: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(config=config, log=log, **kwargs)

    def run(self, **kwargs: Any) -> Struct:
        """Process in-memory inputs (named after the input connections) into a `Struct` of outputs.

        Subclasses implement it with explicit keyword arguments; ``multiple``
        connections arrive as lists.  The returned `Struct`'s attributes are
        named after the output connections.
        """
        raise NotImplementedError(f"{type(self).__name__}.run() is not implemented")

    def runQuantum(self, butlerQC: QuantumContext, inputRefs: InputQuantizedConnection,
                   outputRefs: OutputQuantizedConnection) -> None:
        """Read the quantum's inputs, call `run`, write its outputs.

        Parameters
        ----------
        butlerQC : `QuantumContext`
            Reads and writes limited to this quantum.
        inputRefs : `InputQuantizedConnection`
            Input refs by connection name.
        outputRefs : `OutputQuantizedConnection`
            Output refs by connection name.

        Notes
        -----
        Override to pass data IDs to ``run``, to read deferred inputs
        selectively, or to raise `NoWorkFound` when there is nothing to do.
        """
        inputs = butlerQC.get(inputRefs)
        outputs = self.run(**inputs)
        butlerQC.put(outputs, outputRefs)
