"""The toy ``scale -> offset -> sum`` PipelineTasks, written once for any LSST-style framework.

The quantum graph, execution and pipeline tests use these tasks, and so do the
benchmarks, which run them on skybutler (``pipetasks``) and on LSST's
middleware (``lsst.pipe.base``), in an interpreter where ``pipetasks`` cannot
be imported.  So this module imports no framework: `ToyTaskFactory` is handed
one and builds the task classes against it.

Every dataset is a plain dict (``StructuredDataDict``) with a ``"value"``:

* ``scale``: ``raw`` -> ``scaled`` per detector, the value times ``config.factor``;
* ``offset``: ``scaled`` -> ``offset`` per detector, the value plus ``config.offset``;
* a sum per visit of every detector's ``offset``: ``{"value": total, "n": how many}``.

Each class is bound under its own name in the module the factory is given,
with ``__module__`` and ``__qualname__`` to match, so that pickling and import
by dotted name (pipeline documents, graph files, worker processes) find it.
"""

from __future__ import annotations

__all__ = ["PER_DETECTOR", "PER_VISIT", "STORAGE_CLASS", "TaskClasses", "ToyTaskFactory"]

import operator
import sys
import types
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

PER_DETECTOR = ("instrument", "visit", "detector")
PER_VISIT = ("instrument", "visit")
STORAGE_CLASS = "StructuredDataDict"


class TaskClasses(NamedTuple):
    """The three classes of one task, in the order they are declared."""

    connections: type
    config: type
    task: type


class ToyTaskFactory:
    """Builds the toy tasks against one framework, for one owning module.

    Parameters
    ----------
    pexConfig : `types.ModuleType`
        The config module: ``pipetasks.config`` or ``lsst.pex.config``.
    cT : `types.ModuleType`
        The connection types: ``pipetasks.framework.connectionTypes`` or
        ``lsst.pipe.base.connectionTypes``.
    pipeBase : `types.ModuleType`
        The module with ``PipelineTask``, ``PipelineTaskConfig``,
        ``PipelineTaskConnections`` and ``Struct``: ``pipetasks.framework`` or
        ``lsst.pipe.base``.
    module : `str`
        Name of the module the classes belong to (it must be imported); each
        class is bound there under its own name.
    task_base : `type`, optional
        Base class of every task; ``pipeBase.PipelineTask`` by default.
    config_bases : `tuple` [`type`, ...], optional
        Config classes that every task's config derives from too, after
        ``PipelineTaskConfig``.
    """

    def __init__(self, pexConfig: types.ModuleType, cT: types.ModuleType, pipeBase: types.ModuleType, *,
                 module: str, task_base: type | None = None, config_bases: tuple[type, ...] = ()) -> None:
        self._pexConfig = pexConfig
        self._cT = cT
        self._pipeBase = pipeBase
        self._module = module
        self._task_base = task_base or pipeBase.PipelineTask
        self._config_bases = config_bases

    def scale(self, *, templated: bool = False, extra_fields: Mapping[str, Any] | None = None) -> TaskClasses:
        """``ScaleTask``: ``raw`` -> ``scaled`` per detector, the value times ``config.factor`` (2).

        Parameters
        ----------
        templated : `bool`, optional
            Name the datasets through the templates ``inName`` and
            ``outName`` (which default to ``raw`` and ``scaled``).
        extra_fields : `~collections.abc.Mapping` [`str`, `Field`], optional
            More config fields, declared after ``factor``.
        """
        factor = self._pexConfig.Field(dtype=float, default=2.0, doc="Multiplier.")
        return self._per_detector("Scale", "raw", "scaled", "factor", factor, operator.mul,
                                  templated=templated, extra_fields=extra_fields)

    def offset(self) -> TaskClasses:
        """``OffsetTask``: ``scaled`` -> ``offset`` per detector, the value plus ``config.offset`` (1)."""
        offset = self._pexConfig.Field(dtype=float, default=1.0, doc="Added value.")
        return self._per_detector("Offset", "scaled", "offset", "offset", offset, operator.add)

    def visit_sum(self, stem: str = "Sum", *, output: str = "total", configurable_minimum: bool = False
                  ) -> TaskClasses:
        """``<stem>Task``: the ``offset`` values of every detector of a visit -> their sum and count.

        Parameters
        ----------
        stem : `str`, optional
            Start of the class names; the task's default name is ``stem`` with
            a lower-case first letter.
        output : `str`, optional
            Name of the per-visit output dataset.
        configurable_minimum : `bool`, optional
            Add the config field ``minimum``: the fewest detectors a visit
            needs for its quantum (1, as without it, by default).
        """
        cT, Struct = self._cT, self._pipeBase.Struct

        def values_input(name: str = "offset", minimum: int = 1) -> Any:
            return cT.Input(doc="Per-detector values of a visit.", name=name, storageClass=STORAGE_CLASS,
                            dimensions=PER_DETECTOR, multiple=True, minimum=minimum)

        declarations: dict[str, Any] = {
            "values": values_input(),
            "total": cT.Output(doc="Per-visit sum.", name=output, storageClass=STORAGE_CLASS, dimensions=PER_VISIT),
        }
        fields: dict[str, Any] = {}
        if configurable_minimum:
            def __init__(self: Any, *, config: Any = None) -> None:
                super(connections, self).__init__(config=config)  # not in a class body: no bare super()
                if config.minimum != 1:
                    self.values = values_input(config.connections.values, config.minimum)

            declarations["__init__"] = __init__
            fields["minimum"] = self._pexConfig.Field(dtype=int, default=1, doc="Fewest detectors a visit needs.")
        connections = self._define(f"{stem}Connections", (self._pipeBase.PipelineTaskConnections,), declarations,
                                   dimensions=PER_VISIT)

        def run(task: Any, values: list[dict]) -> Any:
            return Struct(total={"value": sum(item["value"] for item in values), "n": len(values)})

        return self._task(stem, connections, fields, run)

    def _per_detector(self, stem: str, input_name: str, output_name: str, field_name: str, field: Any,
                      combine: Callable[[float, float], float], *, templated: bool = False,
                      extra_fields: Mapping[str, Any] | None = None) -> TaskClasses:
        """A 1-in-1-out task per detector: ``combine(value, config.<field_name>)`` on the ``"value"``."""
        cT, Struct = self._cT, self._pipeBase.Struct
        docs = (f"The {input_name} values.", f"The {output_name} values.")
        templates: dict[str, Any] = {}
        if templated:
            templates["defaultTemplates"] = {"inName": input_name, "outName": output_name}
            input_name, output_name = "{inName}", "{outName}"
        connections = self._define(f"{stem}Connections", (self._pipeBase.PipelineTaskConnections,), {
            "input": cT.Input(doc=docs[0], name=input_name, storageClass=STORAGE_CLASS, dimensions=PER_DETECTOR),
            "output": cT.Output(doc=docs[1], name=output_name, storageClass=STORAGE_CLASS, dimensions=PER_DETECTOR),
        }, dimensions=PER_DETECTOR, **templates)

        def run(task: Any, input: dict) -> Any:
            return Struct(output={"value": combine(input["value"], getattr(task.config, field_name))})

        return self._task(stem, connections, {field_name: field, **(extra_fields or {})}, run)

    def _task(self, stem: str, connections: type, fields: Mapping[str, Any], run: Callable[..., Any]
              ) -> TaskClasses:
        """The config (``fields`` on ``connections``) and the task (``run``) of ``stem``."""
        config = self._define(f"{stem}Config", (self._pipeBase.PipelineTaskConfig, *self._config_bases), fields,
                              pipelineConnections=connections)
        task = self._define(f"{stem}Task", (self._task_base,), {
            "ConfigClass": config, "_DefaultName": stem[0].lower() + stem[1:], "run": run})
        return TaskClasses(connections, config, task)

    def _define(self, name: str, bases: tuple[type, ...], body: Mapping[str, Any], **class_keywords: Any) -> type:
        """The class a ``class name(*bases, **class_keywords)`` statement with ``body`` makes in the module."""

        def fill(namespace: dict[str, Any]) -> None:
            # One item at a time: frameworks' class namespaces record declarations as they are set.
            for key, value in {"__module__": self._module, "__qualname__": name, **body}.items():
                namespace[key] = value

        cls = types.new_class(name, bases, class_keywords, fill)
        setattr(sys.modules[self._module], name, cls)
        return cls
