"""`TaskDef`: one configured task of an expanded pipeline (LSST's older per-task record)."""

from __future__ import annotations

__all__ = ["TaskDef"]

from typing import Any

from pipetasks.framework import automatic_connections as acc


class TaskDef:
    """A task label, its class, its frozen config and its connections.

    Parameters
    ----------
    taskName : `str`, optional
        Fully qualified class name (from ``taskClass`` if not given).
    config : `PipelineTaskConfig`, optional
        The config (``taskClass.ConfigClass()`` if not given); validated and frozen here.
    taskClass : `type`, optional
        The task class (imported from ``taskName`` if not given).
    label : `str`, optional
        The label (``taskClass._DefaultName`` if not given).
    connections : `PipelineTaskConnections`, optional
        Built from the config if not given.
    """

    def __init__(self, taskName: str | None = None, config: Any = None, taskClass: type | None = None,
                 label: str | None = None, connections: Any = None):
        if taskClass is None:
            if taskName is None:
                raise ValueError("TaskDef needs taskName or taskClass.")
            from .configure import import_task_class

            taskClass = import_task_class(label or taskName, taskName)
        if taskName is None:
            taskName = f"{taskClass.__module__}.{taskClass.__qualname__}"
        if config is None:
            config = taskClass.ConfigClass()
        if label is None:
            label = taskClass._DefaultName
        if connections is None:
            if not config.frozen:
                config.validate()
                config.freeze()
            connections = config.connections.ConnectionsClass(config=config)
        self.taskName = taskName
        self.taskClass = taskClass
        self.config = config
        self.label = label
        self.connections = connections

    @property
    def configDatasetName(self) -> str:
        """``<label>_config``."""
        return acc.CONFIG_INIT_OUTPUT_TEMPLATE.format(label=self.label)

    @property
    def metadataDatasetName(self) -> str:
        """``<label>_metadata``."""
        return acc.METADATA_OUTPUT_TEMPLATE.format(label=self.label)

    @property
    def logOutputDatasetName(self) -> str | None:
        """``<label>_log``, or `None` when the config does not save logs."""
        return acc.LOG_OUTPUT_TEMPLATE.format(label=self.label) if self.config.saveLogOutput else None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TaskDef):
            return NotImplemented
        return self.taskClass is other.taskClass and self.label == other.label

    def __hash__(self) -> int:
        return hash((self.taskClass, self.label))

    def __repr__(self) -> str:
        return f"TaskDef({self.taskName}, label={self.label})"
