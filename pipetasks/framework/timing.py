"""Timing and resource use of task methods, recorded into task metadata.

``@timeMethod`` on a task method records, for each call, under the
method's name (``run`` here), with LSST's key names::

    runStartUtc / runEndUtc                       ISO 8601 UTC time
    runStartCpuTime / runEndCpuTime               process CPU time (s, user + system)
    runStartUserTime, runStartSystemTime, ...     the two parts (s)
    runStartMaxResidentSetSize / ...End...        peak resident memory so far (bytes)
    runStartMinorPageFaults, runStartMajorPageFaults, runStartBlockInputs, runStartBlockOutputs,
    runStartVoluntaryContextSwitches, runStartInvoluntaryContextSwitches (and End)
    runStartWallTime / runEndWallTime             seconds since the epoch (not in LSST)

Each key holds a list with one item per call.  The metadata also gets
``__version__ = 1`` (memory in bytes) and ``nodeName``, and a DEBUG line
goes to the logger ``timer.<task logger name>``.
"""

from __future__ import annotations

__all__ = ("duration_from_timeMethod", "logInfo", "timeMethod")

import datetime
import functools
import logging
import platform
import resource
import sys
import time
from collections.abc import Callable, MutableMapping
from typing import Any, TypeVar, overload

_F = TypeVar("_F", bound=Callable[..., Any])

# ru_maxrss is KiB on Linux and bytes on macOS.
_RSS_BYTES = 1 if sys.platform == "darwin" else 1024


def _usage() -> list[tuple[str, float | int]]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return [
        ("CpuTime", time.process_time()),
        ("UserTime", usage.ru_utime),
        ("SystemTime", usage.ru_stime),
        ("MaxResidentSetSize", usage.ru_maxrss * _RSS_BYTES),
        ("MinorPageFaults", usage.ru_minflt),
        ("MajorPageFaults", usage.ru_majflt),
        ("BlockInputs", usage.ru_inblock),
        ("BlockOutputs", usage.ru_oublock),
        ("VoluntaryContextSwitches", usage.ru_nvcsw),
        ("InvoluntaryContextSwitches", usage.ru_nivcsw),
    ]


def _append(metadata: Any, name: str, value: Any) -> None:
    adder = getattr(metadata, "add", None)
    if callable(adder):
        adder(name, value)
    else:
        metadata.setdefault(name, []).append(value)


def logInfo(
    obj: Any,
    prefix: str,
    logLevel: int = logging.DEBUG,
    metadata: MutableMapping | None = None,
    logger: logging.Logger | None = None,
) -> None:
    """Record the current time and resource use under ``prefix`` into ``obj.metadata`` and log it.

    Parameters
    ----------
    obj : `object`
        Usually a `Task`: its ``metadata`` and ``log`` are used unless given.
    prefix : `str`
        Key prefix, e.g. ``"runStart"``.
    logLevel : `int`, optional
        Level of the log line sent to ``timer.<logger name>``.
    metadata : `~collections.abc.MutableMapping`, optional
        Where to record instead of ``obj.metadata``.
    logger : `logging.Logger`, optional
        Logger to name the timer logger after, instead of ``obj.log``.
    """
    if metadata is None:
        metadata = getattr(obj, "metadata", None)
    if logger is None:
        logger = getattr(obj, "log", None)
    pairs: list[tuple[str, Any]] = [(f"{prefix}WallTime", time.time())]
    pairs.extend((f"{prefix}{key}", value) for key, value in _usage())
    if metadata is not None:
        _append(metadata, f"{prefix}Utc", datetime.datetime.now(datetime.UTC).isoformat())
        metadata["__version__"] = 1
        metadata["nodeName"] = platform.node()
        for name, value in pairs:
            _append(metadata, name, value)
    if logger is not None:
        timer_logger = logging.getLogger(f"timer.{logger.name}")
        if timer_logger.isEnabledFor(logLevel):
            timer_logger.log(logLevel, "; ".join(f"{name}={value}" for name, value in pairs))


@overload
def timeMethod(_func: _F) -> _F: ...


@overload
def timeMethod(
    *,
    metadata: MutableMapping | None = None,
    logger: logging.Logger | None = None,
    logLevel: int = logging.DEBUG,
) -> Callable[[_F], _F]: ...


def timeMethod(
    _func: Any = None,
    *,
    metadata: MutableMapping | None = None,
    logger: logging.Logger | None = None,
    logLevel: int = logging.DEBUG,
) -> Any:
    """Decorate a method to record its start and end time and resource use (see the module doc).

    Usable bare (``@timeMethod``) or with options
    (``@timeMethod(logLevel=logging.INFO)``).  The instance needs a
    ``metadata`` (a `TaskMetadata` or a dict) and/or a ``log``.
    """

    def decorate(func: _F) -> _F:
        @functools.wraps(func)
        def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
            logInfo(self, f"{func.__name__}Start", logLevel, metadata, logger)
            try:
                return func(self, *args, **kwargs)
            finally:
                logInfo(self, f"{func.__name__}End", logLevel, metadata, logger)

        return timed  # type: ignore[return-value]

    return decorate if _func is None else decorate(_func)


def duration_from_timeMethod(metadata: Any, method_name: str, clock: str = "Cpu") -> float | None:
    """Duration of the last timed call of ``method_name`` on ``clock`` (``"Cpu"``, ``"Wall"``, ``"User"``...).

    Returns `None` when the metadata has no such timing.
    """
    def last(key: str) -> float:
        value = metadata[key]
        return value[-1] if isinstance(value, list) else value

    try:
        return last(f"{method_name}End{clock}Time") - last(f"{method_name}Start{clock}Time")
    except (KeyError, IndexError):
        return None
