"""Turning a task entry of a pipeline into a task class and its frozen config.

The config of a task is built as LSST builds it: ``ConfigClass()``, then
the instrument's overrides for the task, then each config block of the
pipeline in order (files, then python, then ``key: value`` pairs), with
``parameters.<name>`` values replaced by the pipeline's parameters; then
validated and frozen.
"""

from __future__ import annotations

__all__ = ["ParameterNamespace", "check_task_class", "configure_task", "import_instrument", "import_task_class"]

import re
import sys
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from butler.storage_class import import_dotted
from pipetasks.config import ConfigOverrideError, FieldValidationError, apply_override

from .errors import PipelineYamlError, TaskImportError
from .ir import ConfigIR, TaskIR
from .locations import read_text, resolve

_PARAMETER = re.compile(r"^parameters\.([A-Za-z_][A-Za-z0-9_]*)$")


class ParameterNamespace(SimpleNamespace):
    """The pipeline's parameters as ``parameters.name`` inside python blocks and config files (read-only)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if "_frozen" in self.__dict__:
            raise AttributeError("Pipeline parameters cannot be set from a config block.")
        super().__setattr__(name, value)

    @classmethod
    def of(cls, parameters: Mapping[str, Any]) -> ParameterNamespace:
        namespace = cls(**parameters)
        namespace.__dict__["_frozen"] = True
        return namespace


def import_task_class(label: str, class_name: str) -> type:
    """Import the `PipelineTask` subclass named for ``label``.

    Raises
    ------
    TaskImportError
        The class cannot be imported or is not a PipelineTask.
    """
    try:
        task_class = import_dotted(class_name)
    except ImportError as err:
        raise TaskImportError(f"Task {label!r}: cannot import class {class_name!r}: {err}") from err
    return check_task_class(label, task_class)


def check_task_class(label: str, task_class: Any) -> type:
    """Return ``task_class`` if it is a `PipelineTask` subclass, else raise `TaskImportError`."""
    from pipetasks.framework.pipeline_task import PipelineTask

    if not (isinstance(task_class, type) and issubclass(task_class, PipelineTask)):
        raise TaskImportError(f"Task {label!r}: {task_class!r} is not a PipelineTask subclass.")
    return task_class


def import_instrument(class_name: str) -> Any:
    """Import and instantiate the pipeline's instrument class.

    Raises
    ------
    TaskImportError
        The class cannot be imported.
    """
    try:
        instrument_class = import_dotted(class_name)
    except ImportError as err:
        raise TaskImportError(f"Cannot import the pipeline's instrument {class_name!r}: {err}") from err
    return instrument_class()


def _substitute_parameters(value: Any, parameters: Mapping[str, Any], label: str, key: str) -> Any:
    if not isinstance(value, str):
        return value
    match = _PARAMETER.match(value)
    if match is None:
        return value
    name = match.group(1)
    if name not in parameters:
        raise PipelineYamlError(
            f"Config {key} of task {label!r} is set to {value!r}, but the pipeline has no parameter {name!r}; "
            f"parameters are {sorted(parameters)}."
        )
    return parameters[name]


def _apply_block(config: Any, block: ConfigIR, label: str, class_name: str, parameters: Mapping[str, Any]) -> None:
    where = f"task {label!r} ({class_name})"
    if block.dataId:
        raise PipelineYamlError(f"Config blocks restricted to a dataId are not supported (in {where}).")
    namespace = ParameterNamespace.of(parameters)
    for name in block.file:
        location = resolve(name, block.base)
        try:
            text = read_text(location)
        except FileNotFoundError:
            raise FileNotFoundError(f"Config file {name!r} of {where} does not exist ({location.uri}).") from None
        try:
            config.loadFromString(text, filename=location.uri, extraLocals={"parameters": namespace})
        except Exception as err:
            err.add_note(f"While loading config file {location.uri} for {where}.")
            raise
    if block.python:
        module = sys.modules.get(type(config).__module__)
        scope: dict[str, Any] = {k: v for k, v in vars(module).items() if not k.startswith("__")} if module else {}
        scope.update(config=config, parameters=namespace)
        try:
            exec(compile(block.python, f"<python config block of {label}>", "exec"), scope)
        except Exception as err:
            err.add_note(f"In the python config block of {where}.")
            raise
    for key, value in block.rest.items():
        value = _substitute_parameters(value, parameters, label, key)
        try:
            apply_override(config, key, value, label="pipeline")
        except ConfigOverrideError as err:
            raise ConfigOverrideError(f"Config of {where}: {err}") from None
        except FieldValidationError as err:
            err.add_note(f"Set by config key {key!r} of {where}.")
            raise


def configure_task(task: TaskIR, instrument: Any, parameters: Mapping[str, Any]) -> tuple[type, Any]:
    """Build the frozen config of one pipeline task.

    Parameters
    ----------
    task : `TaskIR`
        The task entry.
    instrument : `object` or `None`
        The pipeline's instrument instance; its ``applyConfigOverrides(name,
        config)`` (if it has one) runs before the pipeline's blocks.
    parameters : mapping
        The pipeline's parameters.

    Returns
    -------
    task_class : `type`
        The `PipelineTask` subclass.
    config : `PipelineTaskConfig`
        Validated and frozen.

    Raises
    ------
    TaskImportError
        The class cannot be imported.
    ConfigOverrideError
        An override names an unknown field or a value that cannot be read.
    FieldValidationError
        A value, or the final config, breaks a field's rules.
    PipelineYamlError
        An override uses an unknown ``parameters.<name>``.
    """
    task_class = task.task_class if task.task_class is not None else import_task_class(task.label, task.klass)
    config = task_class.ConfigClass()
    if instrument is not None and hasattr(instrument, "applyConfigOverrides"):
        instrument.applyConfigOverrides(getattr(task_class, "_DefaultName", task.label), config)
    for block in task.config:
        _apply_block(config, block, task.label, task.klass, parameters)
    try:
        config.validate()
    except Exception as err:
        err.add_note(f"Config of task {task.label!r} ({task.klass}) failed validation.")
        raise
    config.freeze()
    return task_class, config
