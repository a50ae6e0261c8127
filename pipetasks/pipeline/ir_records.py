"""The small records of a pipeline document: config blocks, tasks, contracts, subsets, steps, imports.

`pipetasks.pipeline.ir.PipelineIR` holds them; each converts itself to the
primitives written back to YAML.
"""

from __future__ import annotations

__all__ = [
    "KEEP_INSTRUMENT",
    "ConfigIR",
    "ContractIR",
    "ImportIR",
    "LabeledSubset",
    "PipelineSubsetCtrl",
    "StepIR",
    "TaskIR",
]

import dataclasses
import enum
from typing import Any

from .errors import PipelineYamlError
from .ir_yaml import _as_list, _check_keys

KEEP_INSTRUMENT = "__keep_instrument__"
"""`ImportIR.instrument` value meaning "keep whatever the imported pipeline declares"."""


class PipelineSubsetCtrl(enum.Enum):
    """What happens to a labeled subset whose tasks are not all kept when a pipeline is subset."""

    DROP = enum.auto()
    """Remove the subset."""
    EDIT = enum.auto()
    """Keep the subset without the missing labels."""


@dataclasses.dataclass
class ConfigIR:
    """One config block of a task, applied (as LSST) files first, then python, then key/value pairs.

    Attributes
    ----------
    python : `str` or `None`
        Python code run with ``config`` (and ``parameters``) bound.
    dataId : `dict` or `None`
        Reserved by LSST for per-data-ID overrides; refused when applied.
    file : `list` [`str`]
        Override files to load.
    rest : `dict` [`str`, `object`]
        ``dotted.field: value`` pairs.
    base : `str` or `None`
        Directory of the pipeline file the block came from (for relative ``file`` names).
    """

    python: str | None = None
    dataId: dict[str, Any] | None = None
    file: list[str] = dataclasses.field(default_factory=list)
    rest: dict[str, Any] = dataclasses.field(default_factory=dict)
    base: str | None = dataclasses.field(default=None, compare=False)

    @classmethod
    def from_primitives(cls, value: Any, where: str, base: str | None) -> ConfigIR:
        if not isinstance(value, dict):
            raise PipelineYamlError(f"A config block of {where} must be a mapping, not {value!r}.")
        value = dict(value)
        python = value.pop("python", None)
        if python is not None and not isinstance(python, str):
            raise PipelineYamlError(f"The python block of {where} must be a string.")
        files = [str(f) for f in _as_list(value.pop("file", None), f"'file' of {where}")]
        data_id = value.pop("dataId", None)
        for key in value:
            if not isinstance(key, str):
                raise PipelineYamlError(f"Config keys of {where} must be dotted field names, not {key!r}.")
        return cls(python=python, dataId=data_id, file=files, rest=value, base=base)

    def to_primitives(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        if self.python:
            result["python"] = self.python
        if self.dataId:
            result["dataId"] = self.dataId
        if self.file:
            result["file"] = list(self.file)
        result.update(self.rest)
        return result

    def merged_with(self, other: ConfigIR) -> list[ConfigIR]:
        """This block followed by ``other``: one block when they are plain, agreeing key/value sets."""
        plain = not (self.python or other.python or self.file or other.file or self.dataId or other.dataId)
        if plain and all(self.rest[k] == other.rest[k] for k in self.rest.keys() & other.rest.keys()):
            return [ConfigIR(rest={**self.rest, **other.rest}, base=self.base)]
        return [self, other]


@dataclasses.dataclass
class TaskIR:
    """A task of the pipeline: label, class name, config blocks in order.

    ``task_class`` holds the class itself when it was added as a class
    (`Pipeline.addTask`), so tasks defined in a notebook or script need not
    be importable by name; it is not written out.
    """

    label: str
    klass: str
    config: list[ConfigIR] = dataclasses.field(default_factory=list)
    task_class: type | None = dataclasses.field(default=None, compare=False, repr=False)

    def to_primitives(self) -> dict[str, Any]:
        result: dict[str, Any] = {"class": self.klass}
        if self.config:
            result["config"] = [c.to_primitives() for c in self.config]
        return result

    def add_config(self, block: ConfigIR) -> None:
        """Append a config block (merging it into the last one when both are plain key/values)."""
        if not self.config:
            self.config = [block]
        else:
            self.config[-1:] = self.config[-1].merged_with(block)


@dataclasses.dataclass
class ContractIR:
    """A Python expression over task configs (by label) that must be true, and what to say if not."""

    contract: str
    msg: str | None = None

    def to_primitives(self) -> dict[str, str]:
        result = {"contract": self.contract}
        if self.msg is not None:
            result["msg"] = self.msg
        return result


@dataclasses.dataclass
class LabeledSubset:
    """A named set of task labels."""

    label: str
    subset: set[str]
    description: str | None = None

    def to_primitives(self) -> dict[str, Any]:
        result: dict[str, Any] = {"subset": sorted(self.subset)}
        if self.description is not None:
            result["description"] = self.description
        return result


@dataclasses.dataclass
class StepIR:
    """A step: a subset run as one unit, sharded by ``dimensions``."""

    label: str
    dimensions: list[str]

    def to_primitives(self) -> dict[str, Any]:
        return {"label": self.label, "dimensions": list(self.dimensions)}


@dataclasses.dataclass
class ImportIR:
    """One entry of ``imports``."""

    location: str
    include: list[str] | None = None
    exclude: list[str] | None = None
    importContracts: bool = True
    importSteps: bool = True
    instrument: str | None = KEEP_INSTRUMENT
    rename: dict[str, str] = dataclasses.field(default_factory=dict)
    labeledSubsetModifyMode: PipelineSubsetCtrl = PipelineSubsetCtrl.DROP

    @classmethod
    def from_primitives(cls, value: Any, where: str) -> ImportIR:
        if isinstance(value, str):
            return cls(location=value)
        if not isinstance(value, dict):
            raise PipelineYamlError(f"An import of {where} must be a location or a mapping, not {value!r}.")
        value = dict(value)
        _check_keys(value, [f.name for f in dataclasses.fields(cls)], f"an import of {where}")
        if "location" not in value:
            raise PipelineYamlError(f"An import of {where} has no 'location'.")
        if "include" in value and "exclude" in value:
            raise PipelineYamlError(
                f"Import of {value['location']} in {where} gives both include and exclude; give one."
            )
        for key in ("include", "exclude"):
            if key in value:
                value[key] = [str(v) for v in _as_list(value[key], f"'{key}' of an import")]
        if "instrument" in value and value["instrument"] in ("None", None):
            value["instrument"] = None
        if "labeledSubsetModifyMode" in value:
            mode = value["labeledSubsetModifyMode"]
            try:
                value["labeledSubsetModifyMode"] = PipelineSubsetCtrl[str(mode)]
            except KeyError:
                raise PipelineYamlError(
                    f"{mode!r} is not a valid labeledSubsetModifyMode; use DROP or EDIT."
                ) from None
        return cls(**value)
