"""`Pipeline`: a pipeline document you can load, edit, write and expand into configured tasks.

::

    pipeline = Pipeline.from_uri("pipelines/DRP.yaml#isr,characterizeImage")
    pipeline.addConfigOverride("isr", "doFlat", False)
    graph = pipeline.to_graph(butler)          # configured, contract-checked, resolved against the repo
    pipeline.write_to_uri("expanded.yaml")
"""

from __future__ import annotations

__all__ = ["LabelSpecifier", "Pipeline"]

import copy
import dataclasses
import re
import urllib.parse
from collections.abc import Iterator, Mapping, Set
from types import MappingProxyType
from typing import Any

from .configure import configure_task, import_instrument
from .errors import ContractError, PipelineLabelError, PipelineYamlError
from .graph import PipelineGraph
from .ir import ConfigIR, LabeledSubset, PipelineIR, PipelineSubsetCtrl, StepIR, TaskIR
from .locations import write_text
from .task_def import TaskDef


@dataclasses.dataclass
class LabelSpecifier:
    """Which tasks to keep: a set of labels (or subset names), or a range ``begin..end`` in graph order."""

    labels: set[str] | None = None
    begin: str | None = None
    end: str | None = None

    def __post_init__(self) -> None:
        if self.labels is not None and (self.begin or self.end):
            raise ValueError("A LabelSpecifier takes either labels or a begin/end range, not both.")

    @classmethod
    def parse(cls, text: str) -> LabelSpecifier:
        """Read ``a,b,subset`` or ``begin..end`` (either side may be empty)."""
        text = urllib.parse.unquote(text)
        if ".." in text:
            if "," in text:
                raise PipelineYamlError(f"Labels {text!r}: give a list of labels or a range, not both.")
            begin, end, *rest = text.split("..")
            if rest:
                raise PipelineYamlError(f"Labels {text!r}: only one range can be given.")
            return cls(begin=begin or None, end=end or None)
        labels = {label.strip() for label in text.split(",") if label.strip()}
        if not labels:
            raise PipelineYamlError(f"Labels {text!r} name no task.")
        return cls(labels=labels)


def _instrument_data_id(instrument: Any) -> dict[str, Any]:
    name = instrument.getName() if hasattr(instrument, "getName") else getattr(instrument, "name", None)
    return {"instrument": name} if name else {}


class Pipeline:
    """A pipeline: tasks with config overrides, subsets, steps, contracts, parameters and an instrument.

    Parameters
    ----------
    description : `str`
        What the pipeline does.
    """

    PipelineSubsetCtrl = PipelineSubsetCtrl

    def __init__(self, description: str):
        self._ir = PipelineIR(description=description)

    # -- construction -----------------------------------------------------------

    @classmethod
    def from_uri(cls, uri: str) -> Pipeline:
        """Read a pipeline file, optionally keeping only some tasks.

        Parameters
        ----------
        uri : `str`
            ``path.yaml``, ``path.yaml#label1,label2``, ``path.yaml#subset``
            or ``path.yaml#begin..end``; ``resource://`` and fsspec URLs work too.

        Raises
        ------
        PipelineLabelError
            A label after ``#`` is neither a task nor a subset.
        PipelineYamlError
            The document is malformed (also for LSST's old ``path:labels`` form).
        PipelineImportCycleError
            Imports form a cycle.
        """
        path, specifier = cls._split_uri(str(uri))
        pipeline = cls.fromIR(PipelineIR.from_uri(path))
        return pipeline.subsetFromLabels(specifier) if specifier is not None else pipeline

    @classmethod
    def fromFile(cls, filename: str) -> Pipeline:
        """Alias of `from_uri`."""
        return cls.from_uri(filename)

    @staticmethod
    def _split_uri(uri: str) -> tuple[str, LabelSpecifier | None]:
        if uri.count("#") > 1:
            raise PipelineYamlError(f"Only one set of labels may follow '#' in {uri!r}.")
        path, _, labels = uri.partition("#")
        if not labels and re.search(r":(?!//)[^/\\]*$", path) and not re.match(r"^[A-Za-z]:[\\/]", path):
            raise PipelineYamlError(
                f"The pipeline file {uri!r} seems to use the legacy ':' to separate labels; use '#' instead."
            )
        return path, (LabelSpecifier.parse(labels) if labels else None)

    @classmethod
    def from_string(cls, text: str) -> Pipeline:
        """Read a pipeline from YAML text (imports relative to the current directory)."""
        return cls.fromIR(PipelineIR.from_string(text))

    fromString = from_string

    @classmethod
    def fromIR(cls, ir: PipelineIR) -> Pipeline:
        """Wrap a `PipelineIR`."""
        pipeline = cls.__new__(cls)
        pipeline._ir = ir
        return pipeline

    @classmethod
    def fromPipeline(cls, pipeline: Pipeline) -> Pipeline:
        """A deep copy."""
        return cls.fromIR(copy.deepcopy(pipeline._ir))

    def subsetFromLabels(self, labelSpecifier: LabelSpecifier,
                         subsetCtrl: PipelineSubsetCtrl = PipelineSubsetCtrl.DROP) -> Pipeline:
        """A new pipeline keeping only the specified tasks (subsets expand to their tasks).

        Raises
        ------
        PipelineLabelError
            A label is not in the pipeline.
        """
        if labelSpecifier.labels is not None:
            return Pipeline.fromIR(self._ir.subset(labelSpecifier.labels, subsetCtrl))
        without_contracts = copy.deepcopy(self._ir)
        without_contracts.contracts = []
        graph = Pipeline.fromIR(without_contracts).to_graph()
        labels = graph.between(labelSpecifier.begin, labelSpecifier.end)
        return Pipeline.fromIR(self._ir.subset(labels, subsetCtrl))

    # -- inspection ---------------------------------------------------------------

    @property
    def task_labels(self) -> Set[str]:
        """Labels of the tasks."""
        return self._ir.tasks.keys()

    @property
    def subsets(self) -> Mapping[str, set[str]]:
        """Labeled subsets: name → task labels."""
        return MappingProxyType({name: s.subset for name, s in self._ir.labeled_subsets.items()})

    @property
    def parameters(self) -> Mapping[str, Any]:
        """The pipeline's parameters."""
        return MappingProxyType(self._ir.parameters)

    @property
    def description(self) -> str:
        return self._ir.description

    def getInstrument(self) -> str | None:
        """The instrument class name, or `None`."""
        return self._ir.instrument

    def findSubsetsWithLabel(self, label: str) -> set[str]:
        """Names of the subsets containing a task label."""
        self._require_task(label)
        return {name for name, s in self._ir.labeled_subsets.items() if label in s.subset}

    def __len__(self) -> int:
        return len(self._ir.tasks)

    def __str__(self) -> str:
        return self._ir.to_yaml()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Pipeline):
            return NotImplemented
        return self._ir == other._ir

    def _require_task(self, label: str) -> TaskIR:
        task = self._ir.tasks.get(label)
        if task is None:
            raise PipelineLabelError(f"There are no tasks labeled {label!r} in the pipeline; labels are "
                                     f"{sorted(self._ir.tasks)}.")
        return task

    # -- editing ---------------------------------------------------------------------

    def addInstrument(self, instrument: type | str) -> None:
        """Set the instrument (class or fully qualified class name)."""
        if not isinstance(instrument, str):
            instrument = f"{instrument.__module__}.{instrument.__qualname__}"
        self._ir.instrument = instrument

    def addTask(self, task: type | str, label: str | None = None) -> None:
        """Add a task (class or class name) under ``label`` (default: the class's ``_DefaultName``).

        A class given as such is used directly (it need not be importable by
        name, e.g. when defined in a notebook); a name is imported when the
        pipeline is expanded.

        Raises
        ------
        PipelineLabelError
            The label is already used.
        """
        from .configure import check_task_class, import_task_class

        if isinstance(task, str):
            class_name, task_class = task, None
        else:
            class_name, task_class = f"{task.__module__}.{task.__qualname__}", task
            check_task_class(label or class_name, task)
        if not label:
            label = (task_class or import_task_class(class_name, class_name))._DefaultName
        if label in self._ir.tasks or label in self._ir.labeled_subsets:
            raise PipelineLabelError(f"Label {label!r} is already used in the pipeline.")
        self._ir.tasks[label] = TaskIR(label, class_name, task_class=task_class)

    def removeTask(self, label: str) -> None:
        """Remove a task (and it from subsets)."""
        self._require_task(label)
        del self._ir.tasks[label]
        for subset in self._ir.labeled_subsets.values():
            subset.subset.discard(label)

    def addConfigOverride(self, label: str, key: str, value: object) -> None:
        """Set ``key`` (dotted) to ``value`` in a task's config; label ``parameters`` sets a parameter."""
        if label == "parameters":
            self._ir.parameters[key] = value
            return
        self._require_task(label).add_config(ConfigIR(rest={key: value}))

    def addConfigFile(self, label: str, filename: str) -> None:
        """Load an override file into a task's config."""
        self._require_task(label).add_config(ConfigIR(file=[str(filename)]))

    def addConfigPython(self, label: str, pythonString: str) -> None:
        """Run Python (with ``config`` bound) on a task's config."""
        self._require_task(label).add_config(ConfigIR(python=pythonString))

    def addLabeledSubset(self, label: str, description: str, taskLabels: set[str]) -> None:
        """Add a named subset of task labels."""
        if label in self._ir.labeled_subsets or label in self._ir.tasks:
            raise PipelineLabelError(f"Label {label!r} is already used in the pipeline.")
        if missing := set(taskLabels) - self._ir.tasks.keys():
            raise PipelineLabelError(f"Task labels {sorted(missing)} are not in the pipeline.")
        self._ir.labeled_subsets[label] = LabeledSubset(label, set(taskLabels), description)

    def removeLabeledSubset(self, label: str) -> None:
        """Remove a named subset (and its step, if it was one)."""
        if label not in self._ir.labeled_subsets:
            raise PipelineLabelError(f"Subset {label!r} is not in the pipeline.")
        del self._ir.labeled_subsets[label]
        self._ir.steps = [s for s in self._ir.steps if s.label != label]

    def addLabelToSubset(self, subset: str, label: str) -> None:
        """Add a task label to a subset."""
        self._require_task(label)
        if subset not in self._ir.labeled_subsets:
            raise PipelineLabelError(f"Subset {subset!r} is not in the pipeline.")
        self._ir.labeled_subsets[subset].subset.add(label)

    def removeLabelFromSubset(self, subset: str, label: str) -> None:
        """Remove a task label from a subset."""
        if subset not in self._ir.labeled_subsets or label not in self._ir.labeled_subsets[subset].subset:
            raise PipelineLabelError(f"Subset {subset!r} does not contain {label!r}.")
        self._ir.labeled_subsets[subset].subset.remove(label)

    def addStep(self, label: str, dimensions: list[str]) -> None:
        """Declare an existing subset as a step sharded by ``dimensions``."""
        if label not in self._ir.labeled_subsets:
            raise PipelineLabelError(f"Step {label!r} must be a labeled subset of the pipeline.")
        self._ir.steps.append(StepIR(label, list(dimensions)))

    def mergePipeline(self, pipeline: Pipeline) -> None:
        """Add the tasks, subsets, parameters and contracts of another pipeline."""
        self._ir._merge_imports([copy.deepcopy(pipeline._ir)], "the merged pipeline")
        self._ir.check()

    # -- writing ---------------------------------------------------------------------

    def write_to_uri(self, uri: str) -> None:
        """Write the pipeline (imports expanded) as YAML; reading it back gives an equal pipeline."""
        write_text(str(uri), self._ir.to_yaml())

    # -- expansion ---------------------------------------------------------------------

    def get_data_id(self, universe: Any = None) -> dict[str, Any]:
        """``{"instrument": name}`` when the pipeline's instrument is set, else empty."""
        if self._ir.instrument is None:
            return {}
        return _instrument_data_id(import_instrument(self._ir.instrument))

    def to_graph(self, registry: Any = None) -> PipelineGraph:
        """Configure every task, check the contracts, and build (and resolve) the pipeline graph.

        Parameters
        ----------
        registry : `~butler.Butler` or `~butler.Registry`, optional
            Resolve the graph against this repository (dataset type
            definitions checked before anything runs).  Without it the graph
            is only sorted (as LSST); call ``graph.resolve()`` to check the
            tasks against each other and the default dimension universe.

        Raises
        ------
        TaskImportError, ConfigOverrideError, FieldValidationError
            A task cannot be configured.
        ContractError
            A contract is not satisfied or cannot be evaluated.
        PipelineGraphError
            The dataset types do not fit together or with the repository.
        """
        instrument = import_instrument(self._ir.instrument) if self._ir.instrument else None
        data_id = _instrument_data_id(instrument) if instrument is not None else {}
        graph = PipelineGraph(description=self._ir.description, data_id=data_id)
        for label, task in self._ir.tasks.items():
            task_class, config = configure_task(task, instrument, self._ir.parameters)
            graph.add_task(label, task_class, config)
        self._check_contracts({label: node.config for label, node in graph.tasks.items()})
        for name, subset in self._ir.labeled_subsets.items():
            graph.add_task_subset(name, subset.subset, subset.description or "")
        for step in self._ir.steps:
            graph.add_step(step.label, step.dimensions)
        if registry is not None:
            graph.resolve(registry)
        else:
            graph.sort()
        return graph

    def _check_contracts(self, configs: Mapping[str, Any]) -> None:
        for contract in self._ir.contracts:
            scope = dict(configs)
            try:
                satisfied = eval(contract.contract, {"__builtins__": __builtins__}, scope)  # noqa: S307
            except Exception as err:
                raise ContractError(
                    f"Contract {contract.contract!r} could not be evaluated: {type(err).__name__}: {err}"
                ) from err
            if not satisfied:
                extra = f": {contract.msg}" if contract.msg else ""
                raise ContractError(f"Contract {contract.contract!r} is not satisfied{extra}")

    def get_task_defs(self) -> list[TaskDef]:
        """The configured tasks in dependency order, as `TaskDef` records."""
        graph = self.to_graph()
        return [TaskDef(task.task_class_name, task.config, task.task_class, task.label, task.connections)
                for task in graph.tasks.values()]

    def toExpandedPipeline(self) -> Iterator[TaskDef]:
        """Yield `get_task_defs` (LSST's older spelling)."""
        yield from self.get_task_defs()
