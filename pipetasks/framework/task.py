"""`Task`: a configured unit of processing with subtasks, a logger, metadata and timers.

Naming and logging follow LSST: a top-level task is named by its
``_DefaultName`` (or ``name=``), a subtask by its config field, and the full
name joins them with dots (``characterizeImage.detection``).  The logger is
a standard `logging.Logger` named after the full name, prefixed by the root
package of the task's module unless a parent ``log`` is given:
``CharacterizeImageTask`` defined in ``pipetasks.characterize`` logs to
``pipetasks.characterizeImage`` and its detection subtask to
``pipetasks.characterizeImage.detection`` (LSST's own tasks log to
``lsst.characterizeImage...``).  The loggers also have LSST's ``verbose()``
(level 15, ``VERBOSE``) and ``trace()`` (level 5, ``TRACE``) methods.
"""

from __future__ import annotations

__all__ = ("Task", "TaskError", "TaskLogger", "getTaskLogger")

import contextlib
import logging
import weakref
from collections.abc import Iterator
from typing import Any, ClassVar

from ..config import Config, ConfigurableField
from ..config.naming import suggest_names
from .task_metadata import TaskMetadata
from .timing import logInfo

VERBOSE = 15
TRACE = 5
logging.addLevelName(VERBOSE, "VERBOSE")
logging.addLevelName(TRACE, "TRACE")


class TaskError(Exception):
    """An error in a task for which a traceback would not help (no input data, nothing to fit)."""


class TaskLogger(logging.Logger):
    """A standard logger with LSST's ``verbose()`` and ``trace()`` levels."""

    VERBOSE = VERBOSE
    TRACE = TRACE

    def verbose(self, msg: str, *args: Any, **kwargs: Any) -> None:
        """Log at VERBOSE (15): more than INFO, less than DEBUG."""
        if self.isEnabledFor(VERBOSE):
            kwargs["stacklevel"] = kwargs.get("stacklevel", 1) + 1
            self._log(VERBOSE, msg, args, **kwargs)

    def trace(self, msg: str, *args: Any, **kwargs: Any) -> None:
        """Log at TRACE (5): finer than DEBUG."""
        if self.isEnabledFor(TRACE):
            kwargs["stacklevel"] = kwargs.get("stacklevel", 1) + 1
            self._log(TRACE, msg, args, **kwargs)

    def getChild(self, suffix: str) -> TaskLogger:  # type: ignore[override]
        return getTaskLogger(f"{self.name}.{suffix}")


def getTaskLogger(name: str) -> TaskLogger:
    """Return the standard logger ``name``, given ``verbose()``/``trace()`` (see `TaskLogger`).

    Plain `logging.Logger` objects are upgraded in place to `TaskLogger`
    (no global ``setLoggerClass``), so handlers and levels set on them by
    name elsewhere keep working.
    """
    logger = logging.getLogger(name)
    if type(logger) is logging.Logger:
        logger.__class__ = TaskLogger
    return logger  # type: ignore[return-value]


class Task:
    """Base class of tasks.

    Parameters
    ----------
    config : `Config`, optional
        The task's config.  Default: ``parentTask.config.<name>`` for a
        subtask, else ``self.ConfigClass()``.
    name : `str`, optional
        Brief name; required for a subtask, else defaults to ``_DefaultName``.
    parentTask : `Task`, optional
        The parent, for a subtask (use `makeSubtask` rather than passing it).
    log : `logging.Logger`, optional
        Parent logger for a top-level task; the task logs to its child named
        after the task.

    Attributes
    ----------
    config : `Config`
        The validated config.
    log : `TaskLogger`
        Logger named after the task hierarchy (see the module doc).
    metadata : `TaskMetadata`
        What this task recorded (timings from `timeMethod`, counts...).

    Raises
    ------
    RuntimeError
        A subtask without ``name``, or a top-level task without ``name`` and ``_DefaultName``.
    FieldValidationError
        The config does not validate.
    """

    ConfigClass: ClassVar[type[Config]]
    _DefaultName: ClassVar[str]
    _add_module_logger_prefix: ClassVar[bool] = True

    def __init__(
        self,
        config: Config | None = None,
        *,
        name: str | None = None,
        parentTask: Task | None = None,
        log: logging.Logger | logging.LoggerAdapter | None = None,
    ):
        self.metadata = TaskMetadata()
        self.__parent = None if parentTask is None else weakref.ref(parentTask)
        if parentTask is not None:
            if name is None:
                raise RuntimeError(f"a subtask of {parentTask.getFullName()!r} needs a name")
            self._name = name
            self._fullName = parentTask._computeFullName(name)
            if config is None:
                config = getattr(parentTask.config, name)
            self._taskDict: dict[str, weakref.ReferenceType[Task]] = parentTask._taskDict
            logger_name = f"{parentTask.log.name}.{name}"
        else:
            if name is None:
                name = getattr(self, "_DefaultName", None)
                if name is None:
                    raise RuntimeError(
                        f"{type(self).__name__} needs name= or a _DefaultName class attribute"
                    )
            self._name = name
            self._fullName = name
            if config is None:
                config_class = getattr(self, "ConfigClass", None)
                if config_class is None:
                    raise RuntimeError(f"{type(self).__name__} has no ConfigClass; pass config=")
                config = config_class()
            self._taskDict = {}
            logger_name = self._fullName
            if log is not None and log.name:
                logger_name = f"{log.name}.{logger_name}"
            elif self._add_module_logger_prefix:
                root = type(self).__module__.split(".")[0]
                if not logger_name.startswith(root + "."):
                    logger_name = f"{root}.{logger_name}"
        if hasattr(config, "value") and not isinstance(config, Config):
            config = config.value  # a ConfigurableInstance slot: use the config it holds
        self.log: TaskLogger = getTaskLogger(logger_name)
        self.config = config
        self.config.validate()
        self._taskDict[self._fullName] = weakref.ref(self)

    # -- names and hierarchy --------------------------------------------------------

    @property
    def _parentTask(self) -> Task | None:
        return None if self.__parent is None else self.__parent()

    def getName(self) -> str:
        """Brief name: ``"detection"`` for the subtask ``characterizeImage.detection``."""
        return self._name

    def getFullName(self) -> str:
        """Dotted name from the top-level task: ``"characterizeImage.detection"``."""
        return self._fullName

    def _computeFullName(self, name: str) -> str:
        return f"{self._fullName}.{name}"

    def getTaskDict(self) -> dict[str, weakref.ReferenceType[Task]]:
        """Shallow copy of ``{full name: weakref to task}`` for this task's whole hierarchy."""
        return dict(self._taskDict)

    def makeSubtask(self, name: str, **keyArgs: Any) -> None:
        """Build the subtask configured by ``self.config.<name>`` and store it as ``self.<name>``.

        The field must be a `ConfigurableField` or `RegistryField`; ``config``
        and ``parentTask`` are supplied, ``keyArgs`` are passed on (e.g. ``schema=``).

        Raises
        ------
        KeyError
            The config has no such field, or it does not configure a subtask.
        """
        try:
            slot = getattr(self.config, name)
        except AttributeError:
            hint = suggest_names(name, getattr(type(self.config), "_fields", {}))
            raise KeyError(f"{self.getFullName()}'s config does not have field {name!r}{hint}") from None
        if not hasattr(slot, "apply"):
            raise KeyError(
                f"{self.getFullName()}'s config field {name!r} does not configure a subtask "
                "(it must be a ConfigurableField or RegistryField)"
            )
        subtask = slot.apply(name=name, parentTask=self, **keyArgs)
        setattr(self, name, subtask)

    @classmethod
    def makeField(cls, doc: str) -> ConfigurableField:
        """A `ConfigurableField` targeting this task: ``detection = SourceDetectionTask.makeField("...")``."""
        return ConfigurableField(doc=doc, target=cls)

    # -- metadata -------------------------------------------------------------------

    def emptyMetadata(self) -> None:
        """Clear the metadata of this task and all tasks of its hierarchy."""
        for ref in self._taskDict.values():
            task = ref()
            if task is not None:
                task.metadata = TaskMetadata()

    def getFullMetadata(self) -> TaskMetadata:
        """Metadata of the whole hierarchy, keyed by full names with ``:`` for ``.``.

        ``full["characterizeImage:detection"]`` is the detection subtask's
        metadata, so ``full["characterizeImage:detection.runStartCpuTime"]``
        reaches one of its items.
        """
        full = TaskMetadata()
        for full_name, ref in self.getTaskDict().items():
            task = ref()
            if task is not None:
                full[full_name.replace(".", ":")] = task.metadata
        return full

    @contextlib.contextmanager
    def timer(self, name: str, logLevel: int = logging.DEBUG) -> Iterator[None]:
        """Record ``<name>Start...``/``<name>End...`` timing items around a block (as `timeMethod`)."""
        logInfo(self, f"{name}Start", logLevel)
        try:
            yield
        finally:
            logInfo(self, f"{name}End", logLevel)

    # -- pickling -------------------------------------------------------------------

    def _reduce_kwargs(self) -> dict[str, Any]:
        """Keyword arguments that rebuild this task; subclasses with extra arguments extend it."""
        return {"config": self.config, "name": self._name, "parentTask": self._parentTask}

    @staticmethod
    def _unpickle_via_factory(factory: Any, args: Any, kwargs: Any) -> Task:
        return factory(*args, **kwargs)

    def __reduce__(self) -> tuple[Any, ...]:
        return (self._unpickle_via_factory, (type(self), (), self._reduce_kwargs()))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._fullName!r}>"
