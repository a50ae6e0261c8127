"""The pipeline document: YAML read into plain records, checked, merged with imports, written back.

Nothing here imports task code; `pipetasks.pipeline.Pipeline` turns this
intermediate representation into configured tasks.  The grammar (LSST's)::

    description: text                    # required
    instrument: package.Class            # optional
    parameters: {name: value, ...}       # values for "parameters.name" in configs
    imports:                             # optional; a location or a list
      - location: other.yaml             #   or just "other.yaml"
        include: [label, subset, ...]    #   or exclude: [...] (not both)
        importContracts: true
        importSteps: true
        instrument: None                 #   drop/replace the imported instrument
        rename: {old: new}
        labeledSubsetModifyMode: DROP    #   or EDIT
    tasks:
      label: package.TaskClass           # or a mapping:
      other:
        class: package.TaskClass
        config:                          # a mapping or a list of them, applied in order
          - field.sub: value
            file: overrides.py           #   (or a list of files)
            python: "config.x = 3"
    subsets:
      name: [label, ...]                 # or {subset: [...], description: text}
    steps:
      - label: subset name
        dimensions: [instrument, visit]  # or sharding_dimensions, or "instrument,visit"
    contracts:
      - "a.config.x == b.config.y"       # or {contract: ..., msg: ...}
"""

from __future__ import annotations

__all__ = [
    "KEEP_INSTRUMENT",
    "ConfigIR",
    "ContractIR",
    "ImportIR",
    "LabeledSubset",
    "PipelineIR",
    "PipelineSubsetCtrl",
    "StepIR",
    "TaskIR",
]

import copy
import dataclasses
import re
from collections.abc import Iterable
from typing import Any

import yaml

from .errors import PipelineImportCycleError, PipelineLabelError, PipelineYamlError
from .ir_records import (
    KEEP_INSTRUMENT,
    ConfigIR,
    ContractIR,
    ImportIR,
    LabeledSubset,
    PipelineSubsetCtrl,
    StepIR,
    TaskIR,
)
from .ir_yaml import _as_list, _BlockStringDumper, _check_keys, _UniqueKeyLoader
from .locations import read_text, resolve

_TOP_LEVEL_KEYS = ("description", "instrument", "parameters", "imports", "tasks", "subsets", "steps", "contracts")


@dataclasses.dataclass(eq=False)
class PipelineIR:
    """A whole pipeline document, imports merged in.

    Attributes
    ----------
    description : `str`
    instrument : `str` or `None`
    parameters : `dict` [`str`, `object`]
    tasks : `dict` [`str`, `TaskIR`]
        In document order (imported tasks first).
    labeled_subsets : `dict` [`str`, `LabeledSubset`]
    steps : `list` [`StepIR`]
    contracts : `list` [`ContractIR`]
    """

    description: str
    instrument: str | None = None
    parameters: dict[str, Any] = dataclasses.field(default_factory=dict)
    tasks: dict[str, TaskIR] = dataclasses.field(default_factory=dict)
    labeled_subsets: dict[str, LabeledSubset] = dataclasses.field(default_factory=dict)
    steps: list[StepIR] = dataclasses.field(default_factory=list)
    contracts: list[ContractIR] = dataclasses.field(default_factory=list)

    # -- reading --------------------------------------------------------------

    @classmethod
    def from_string(cls, text: str, *, base: str | None = None, _stack: tuple[str, ...] = ()) -> PipelineIR:
        """Parse a pipeline document (imports read relative to ``base``, else the current directory)."""
        where = _stack[-1] if _stack else "the pipeline"
        try:
            loaded = yaml.load(text, Loader=_UniqueKeyLoader)
        except yaml.YAMLError as err:
            raise PipelineYamlError(f"{where} is not valid YAML: {err}") from None
        if not isinstance(loaded, dict):
            raise PipelineYamlError(f"{where} must be a YAML mapping with at least a 'description'.")
        return cls._from_primitives(loaded, where, base, _stack)

    @classmethod
    def from_uri(cls, uri: str, *, base: str | None = None, _stack: tuple[str, ...] = ()) -> PipelineIR:
        """Read a pipeline file (a path, ``file://``, ``resource://`` or fsspec URL)."""
        location = resolve(uri, base)
        if location.uri in _stack:
            chain = " -> ".join((*_stack[_stack.index(location.uri):], location.uri))
            raise PipelineImportCycleError(f"Pipeline imports form a cycle: {chain}.")
        try:
            text = read_text(location)
        except FileNotFoundError:
            importer = f" (imported by {_stack[-1]})" if _stack else ""
            raise FileNotFoundError(f"Pipeline file {location.uri} does not exist{importer}.") from None
        return cls.from_string(text, base=location.base, _stack=(*_stack, location.uri))

    @classmethod
    def _from_primitives(cls, loaded: dict[str, Any], where: str, base: str | None,
                         stack: tuple[str, ...]) -> PipelineIR:
        if "inherits" in loaded:
            raise PipelineYamlError(f"The 'inherits' key of {where} is not supported; use 'imports'.")
        if "subset" in loaded and "subsets" not in loaded:
            raise PipelineYamlError(f"Top level key of {where} should be 'subsets', not 'subset'.")
        _check_keys(loaded, _TOP_LEVEL_KEYS, where)
        if "description" not in loaded:
            raise PipelineYamlError(f"{where} must be declared with a description.")
        if "tasks" not in loaded and "imports" not in loaded:
            raise PipelineYamlError(f"{where} must declare one or more tasks (or imports).")
        instrument = loaded.get("instrument")
        if instrument is not None and not isinstance(instrument, str):
            raise PipelineYamlError(f"Only one instrument (a class name) can be declared in {where}.")
        parameters = loaded.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise PipelineYamlError(f"The parameters section of {where} must be a mapping.")
        pipeline = cls(
            description=str(loaded["description"]),
            instrument=instrument,
            parameters=dict(parameters),
            tasks=cls._read_tasks(loaded.get("tasks") or {}, where, base),
            labeled_subsets=cls._read_subsets(loaded.get("subsets") or {}, where),
            steps=cls._read_steps(loaded.get("steps") or [], where),
            contracts=cls._read_contracts(loaded.get("contracts") or [], where),
        )
        raw_imports = loaded.get("imports")
        entries = [raw_imports] if isinstance(raw_imports, dict) else _as_list(raw_imports, "imports")
        imports = [ImportIR.from_primitives(entry, where) for entry in entries]
        if imports:
            pipeline._merge_imports([pipeline._load_import(i, base, stack) for i in imports], where)
        pipeline.check(where)
        return pipeline

    @staticmethod
    def _read_tasks(raw: Any, where: str, base: str | None) -> dict[str, TaskIR]:
        if not isinstance(raw, dict):
            raise PipelineYamlError(f"'tasks' of {where} must be a mapping from label to class.")
        if "parameters" in raw:
            raise PipelineYamlError(f"'parameters' is a reserved word and cannot be a task label ({where}).")
        tasks: dict[str, TaskIR] = {}
        for label, definition in raw.items():
            task_where = f"task {label!r} of {where}"
            if isinstance(definition, str):
                definition = {"class": definition}
            if not isinstance(definition, dict):
                raise PipelineYamlError(f"{task_where} must be a class name or a mapping with 'class'.")
            _check_keys(definition, ("class", "config"), task_where)
            if not isinstance(definition.get("class"), str):
                raise PipelineYamlError(f"{task_where} has no 'class' (the task's fully qualified class name).")
            blocks = definition.get("config")
            blocks = [] if blocks is None else [blocks] if isinstance(blocks, dict) else blocks
            if not isinstance(blocks, list):
                raise PipelineYamlError(f"'config' of {task_where} must be a mapping or a list of mappings.")
            tasks[str(label)] = TaskIR(
                str(label), definition["class"], [ConfigIR.from_primitives(b, task_where, base) for b in blocks]
            )
        return tasks

    @staticmethod
    def _read_subsets(raw: Any, where: str) -> dict[str, LabeledSubset]:
        if not isinstance(raw, dict):
            raise PipelineYamlError(f"'subsets' of {where} must be a mapping from subset name to labels.")
        subsets: dict[str, LabeledSubset] = {}
        for label, value in raw.items():
            description = None
            if isinstance(value, dict):
                _check_keys(value, ("subset", "description"), f"subset {label!r} of {where}")
                if "subset" not in value:
                    raise PipelineYamlError(
                        f"Subset {label!r} of {where} is a mapping, so it must contain the key 'subset'."
                    )
                description = value.get("description")
                value = value["subset"]
            members = _as_list(value, f"subset {label!r} of {where}")
            subsets[str(label)] = LabeledSubset(str(label), {str(m) for m in members}, description)
        return subsets

    @staticmethod
    def _read_steps(raw: Any, where: str) -> list[StepIR]:
        if not isinstance(raw, list):
            raise PipelineYamlError(f"'steps' of {where} must be a list of {{label, dimensions}} mappings.")
        steps: dict[str, StepIR] = {}
        for entry in raw:
            if not isinstance(entry, dict) or "label" not in entry:
                raise PipelineYamlError(f"Each step of {where} must be a mapping with 'label' and 'dimensions'.")
            _check_keys(entry, ("label", "dimensions", "sharding_dimensions"), f"a step of {where}")
            dims = entry.get("dimensions", entry.get("sharding_dimensions", []))
            if isinstance(dims, str):
                dims = [d.strip() for d in dims.split(",") if d.strip()]
            step = StepIR(str(entry["label"]), [str(d) for d in _as_list(dims, "step dimensions")])
            if step.label in steps:
                raise PipelineYamlError(f"Step {step.label!r} is declared twice in {where}.")
            steps[step.label] = step
        return list(steps.values())

    @staticmethod
    def _read_contracts(raw: Any, where: str) -> list[ContractIR]:
        contracts = []
        for entry in _as_list(raw, f"'contracts' of {where}") if not isinstance(raw, dict) else [raw]:
            if isinstance(entry, str):
                contracts.append(ContractIR(entry))
            elif isinstance(entry, dict) and isinstance(entry.get("contract"), str):
                _check_keys(entry, ("contract", "msg"), f"a contract of {where}")
                contracts.append(ContractIR(entry["contract"], entry.get("msg")))
            else:
                raise PipelineYamlError(f"A contract of {where} must be a string or {{contract:, msg:}}.")
        return contracts

    # -- imports ----------------------------------------------------------------

    @staticmethod
    def _load_import(spec: ImportIR, base: str | None, stack: tuple[str, ...]) -> PipelineIR:
        imported = PipelineIR.from_uri(spec.location, base=base, _stack=stack)
        if spec.instrument != KEEP_INSTRUMENT:
            imported.instrument = spec.instrument
        renames = dict(spec.rename)
        if len(set(renames.values())) != len(renames) or set(renames.values()) & set(renames):
            raise PipelineYamlError(f"Renames {renames} of import {spec.location} must be distinct and not chain.")
        for old, new in renames.items():
            if old not in imported.tasks:
                raise PipelineLabelError(f"Cannot rename {old!r}: {spec.location} has no task with that label.")
            if new in imported.tasks:
                raise PipelineYamlError(f"Cannot rename {old!r} to existing label {new!r} in {spec.location}.")
        if renames:
            imported.tasks = {renames.get(label, label): dataclasses.replace(task, label=renames.get(label, label))
                              for label, task in imported.tasks.items()}
            for subset in imported.labeled_subsets.values():
                subset.subset = {renames.get(label, label) for label in subset.subset}
        selection = spec.include if spec.include is not None else spec.exclude
        if selection is not None:
            wanted = set()
            for name in selection:
                name = renames.get(name, name)
                if name in imported.labeled_subsets:
                    wanted |= imported.labeled_subsets[name].subset
                elif name in imported.tasks:
                    wanted.add(name)
                else:
                    raise PipelineLabelError(
                        f"Import of {spec.location} names {name!r}, which is neither a task label nor a subset "
                        f"there; labels are {sorted(imported.tasks)}, subsets {sorted(imported.labeled_subsets)}."
                    )
            keep = wanted if spec.include is not None else set(imported.tasks) - wanted
        else:
            keep = set(imported.tasks)
        if not spec.importSteps:
            imported.steps = []
        imported = imported.subset(keep, spec.labeledSubsetModifyMode)
        if not spec.importContracts:
            imported.contracts = []
        return imported

    def _merge_imports(self, imported: list[PipelineIR], where: str) -> None:
        tasks: dict[str, TaskIR] = {}
        subsets: dict[str, LabeledSubset] = {}
        parameters: dict[str, Any] = {}
        steps: dict[str, StepIR] = {}
        contracts: list[ContractIR] = []
        for other in imported:
            if self.instrument is None:
                self.instrument = other.instrument
            elif other.instrument is not None and other.instrument != self.instrument:
                raise PipelineYamlError(
                    f"Only one instrument can be declared in a pipeline or its imports: {where} has "
                    f"{self.instrument} but an import declares {other.instrument}."
                )
            if duplicates := tasks.keys() & other.tasks.keys():
                raise PipelineYamlError(f"Task labels {sorted(duplicates)} are imported more than once by {where}.")
            tasks.update(other.tasks)
            if duplicates := subsets.keys() & other.labeled_subsets.keys():
                raise PipelineYamlError(f"Subsets {sorted(duplicates)} are imported more than once by {where}.")
            subsets.update(other.labeled_subsets)
            parameters.update(other.parameters)
            contracts.extend(other.contracts)
            for step in other.steps:
                if steps.setdefault(step.label, step) != step:
                    raise PipelineYamlError(f"Imports of {where} define step {step.label!r} differently.")
        for step in self.steps:
            if steps.setdefault(step.label, step) != step:
                raise PipelineYamlError(f"{where} redefines imported step {step.label!r} differently.")
        if clash := subsets.keys() & self.labeled_subsets.keys():
            raise PipelineYamlError(f"Subsets {sorted(clash)} of {where} are also defined by its imports.")
        for label, task in self.tasks.items():
            if label in tasks and tasks[label].klass == task.klass:
                for block in task.config:  # the importing file's configs come after the imported ones
                    tasks[label].add_config(block)
            else:
                tasks[label] = task
        self.tasks = tasks
        self.labeled_subsets = {**subsets, **self.labeled_subsets}
        self.parameters = {**parameters, **self.parameters}
        self.steps = list(steps.values())
        self.contracts = contracts + self.contracts

    # -- consistency ------------------------------------------------------------

    def check(self, where: str = "the pipeline") -> None:
        """Check subsets and steps against the tasks.

        Raises
        ------
        PipelineYamlError
            A subset names an unknown label or shares a task's label, or a
            step is not a subset.
        """
        if clash := self.labeled_subsets.keys() & self.tasks.keys():
            raise PipelineYamlError(f"Subsets of {where} cannot use the label of a task: {sorted(clash)}.")
        for subset in self.labeled_subsets.values():
            if missing := subset.subset - self.tasks.keys():
                raise PipelineYamlError(
                    f"Subset {subset.label!r} of {where} names labels {sorted(missing)} that are not tasks of "
                    f"the pipeline; tasks are {sorted(self.tasks)}."
                )
        for step in self.steps:
            if step.label not in self.labeled_subsets:
                raise PipelineYamlError(
                    f"{step.label!r} is declared as a step of {where} but is not a labeled subset."
                )

    def subset(self, labels: Iterable[str], mode: PipelineSubsetCtrl = PipelineSubsetCtrl.DROP) -> PipelineIR:
        """A copy keeping only ``labels`` (task labels or subset names).

        Contracts that mention a removed label are dropped; subsets losing
        labels are dropped or edited according to ``mode``; steps whose
        subset is gone are dropped.

        Raises
        ------
        PipelineLabelError
            A label is neither a task nor a subset.
        """
        wanted: set[str] = set()
        for label in labels:
            if label in self.labeled_subsets:
                wanted |= self.labeled_subsets[label].subset
            elif label in self.tasks:
                wanted.add(label)
            else:
                raise PipelineLabelError(
                    f"Label {label!r} is not in the pipeline; task labels are {sorted(self.tasks)}, "
                    f"subsets {sorted(self.labeled_subsets)}."
                )
        result = copy.deepcopy(self)
        removed = set(result.tasks) - wanted
        result.tasks = {label: task for label, task in result.tasks.items() if label in wanted}
        result.contracts = [c for c in result.contracts if not any(_mentions(c.contract, r) for r in removed)]
        for name, subset in list(result.labeled_subsets.items()):
            if subset.subset <= wanted and subset.subset:
                continue
            if mode is PipelineSubsetCtrl.EDIT:
                subset.subset &= wanted
            else:
                del result.labeled_subsets[name]
        result.steps = [s for s in result.steps if s.label in result.labeled_subsets]
        return result

    # -- writing ------------------------------------------------------------------

    def to_primitives(self) -> dict[str, Any]:
        """The document as plain data (imports already merged in)."""
        result: dict[str, Any] = {"description": self.description}
        if self.instrument is not None:
            result["instrument"] = self.instrument
        if self.parameters:
            result["parameters"] = dict(self.parameters)
        result["tasks"] = {label: task.to_primitives() for label, task in self.tasks.items()}
        if self.labeled_subsets:
            result["subsets"] = {name: s.to_primitives() for name, s in self.labeled_subsets.items()}
        if self.steps:
            result["steps"] = [s.to_primitives() for s in self.steps]
        if self.contracts:
            result["contracts"] = [c.to_primitives() for c in self.contracts]
        return result

    def to_yaml(self) -> str:
        """The document as YAML text."""
        return yaml.dump(self.to_primitives(), Dumper=_BlockStringDumper, sort_keys=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PipelineIR):
            return NotImplemented
        return (
            self.description == other.description
            and self.instrument == other.instrument
            and self.parameters == other.parameters
            and self.tasks == other.tasks
            and self.labeled_subsets == other.labeled_subsets
            and self.steps == other.steps
            and sorted(map(repr, self.contracts)) == sorted(map(repr, other.contracts))
        )


def _mentions(contract: str, label: str) -> bool:
    return re.search(rf"(^|[^A-Za-z0-9_]){re.escape(label)}\.", contract) is not None
