"""Log records of one quantum (``<label>_log``): captured while it runs, stored as JSON lines.

Each line of a ``<label>_log`` file is one record with LSST's field names
(``name``, ``asctime``, ``message``, ``levelno``, ``levelname``,
``filename``, ``pathname``, ``lineno``, ``funcName``, ``process``,
``processName``, ``exc_info``, ``MDC``), so LSST's ``ButlerLogRecords``
reads our files and we read the one-record-per-line files LSST writes.
"""

from __future__ import annotations

__all__ = ["ButlerLogRecord", "ButlerLogRecords", "LogCapture"]

import dataclasses
import datetime
import json
import logging
import traceback
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, overload

_FIELDS = ("name", "asctime", "message", "levelno", "levelname", "filename", "pathname", "lineno",
           "funcName", "process", "processName", "exc_info", "MDC")


@dataclasses.dataclass(frozen=True, slots=True)
class ButlerLogRecord:
    """One log record, as stored in a ``<label>_log`` dataset.

    Attributes
    ----------
    name : `str`
        Logger name.
    asctime : `datetime.datetime`
        When it was emitted (UTC).
    message : `str`
        The formatted message.
    levelno : `int`
    levelname : `str`
    filename, pathname : `str`
        Source file of the logging call.
    lineno : `int`
    funcName : `str` or `None`
    process : `int`
    processName : `str`
    exc_info : `str` or `None`
        The formatted traceback, if the record carried one.
    MDC : `dict` [`str`, `str`]
        Context of the record (``LABEL``: task label and data ID, ``RUN``).
    """

    name: str
    asctime: datetime.datetime
    message: str
    levelno: int
    levelname: str
    filename: str = ""
    pathname: str = ""
    lineno: int = 0
    funcName: str | None = None
    process: int = 0
    processName: str = ""
    exc_info: str | None = None
    MDC: dict[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_record(cls, record: logging.LogRecord, mdc: Mapping[str, str] | None = None) -> ButlerLogRecord:
        """Convert a standard `logging.LogRecord`."""
        exc_text = None
        if record.exc_info and record.exc_info[0] is not None:
            exc_text = "".join(traceback.format_exception(*record.exc_info))
        elif record.exc_text:
            exc_text = record.exc_text
        return cls(
            name=record.name,
            asctime=datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC),
            message=record.getMessage(),
            levelno=record.levelno,
            levelname=record.levelname,
            filename=record.filename,
            pathname=record.pathname,
            lineno=record.lineno,
            funcName=record.funcName,
            process=record.process or 0,
            processName=record.processName or "",
            exc_info=exc_text,
            MDC=dict(mdc or {}),
        )

    def to_json(self) -> str:
        """One line of JSON (no newline)."""
        data = {name: getattr(self, name) for name in _FIELDS}
        data["asctime"] = self.asctime.isoformat()
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str | bytes) -> ButlerLogRecord:
        """Parse one line written by `to_json` (or by LSST)."""
        data = json.loads(line)
        data = {key: value for key, value in data.items() if key in _FIELDS}
        data["asctime"] = datetime.datetime.fromisoformat(data["asctime"])
        data["MDC"] = dict(data.get("MDC") or {})
        return cls(**data)

    def format(self, log_format: str = "{levelname} {asctime} {name} - {message}") -> str:
        """The record as text; fields are named as in `str.format`."""
        return log_format.format(**{name: getattr(self, name) for name in _FIELDS})

    def __str__(self) -> str:
        return self.format()


class ButlerLogRecords:
    """An ordered list of `ButlerLogRecord` (the Python type of storage class ``ButlerLogRecords``).

    Parameters
    ----------
    records : iterable of `ButlerLogRecord`, optional
    """

    def __init__(self, records: Iterable[ButlerLogRecord] = ()):
        self._records = list(records)

    @classmethod
    def from_records(cls, records: Iterable[ButlerLogRecord]) -> ButlerLogRecords:
        """Wrap records (LSST's constructor name)."""
        return cls(records)

    @classmethod
    def from_raw(cls, data: str | bytes) -> ButlerLogRecords:
        """Parse JSON lines, or LSST's JSON document forms (a list, or ``{"records": [...]}``)."""
        text = data.decode() if isinstance(data, bytes) else data
        stripped = text.lstrip()
        if not stripped:
            return cls()
        if stripped[0] == "[" or stripped.startswith('{"extended"'):
            document = json.loads(stripped)
            items = document if isinstance(document, list) else document.get("records", [])
            return cls(ButlerLogRecord.from_json(json.dumps(item)) for item in items)
        records = []
        for line in text.splitlines():
            if line.startswith("###EXTRA###"):
                break
            if line.strip():
                records.append(ButlerLogRecord.from_json(line))
        return cls(records)

    def to_json_lines(self) -> str:
        """One JSON record per line."""
        return "".join(record.to_json() + "\n" for record in self._records)

    def append(self, record: ButlerLogRecord | logging.LogRecord) -> None:
        """Add a record (a standard `logging.LogRecord` is converted)."""
        if isinstance(record, logging.LogRecord):
            record = ButlerLogRecord.from_record(record)
        self._records.append(record)

    def extend(self, records: Iterable[ButlerLogRecord]) -> None:
        """Add several records."""
        for record in records:
            self.append(record)

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[ButlerLogRecord]:
        return iter(self._records)

    @overload
    def __getitem__(self, index: int) -> ButlerLogRecord: ...

    @overload
    def __getitem__(self, index: slice) -> ButlerLogRecords: ...

    def __getitem__(self, index: int | slice) -> ButlerLogRecord | ButlerLogRecords:
        if isinstance(index, slice):
            return ButlerLogRecords(self._records[index])
        return self._records[index]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ButlerLogRecords) and self._records == other._records

    def __str__(self) -> str:
        return "\n".join(str(record) for record in self._records)

    def __repr__(self) -> str:
        return f"ButlerLogRecords({len(self._records)} records)"


class _CaptureHandler(logging.Handler):
    def __init__(self, records: ButlerLogRecords, mdc: Mapping[str, str], level: int):
        super().__init__(level)
        self._records = records
        self._mdc = dict(mdc)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._records.append(ButlerLogRecord.from_record(record, self._mdc))
        except Exception:  # noqa: BLE001 - logging must never break the quantum
            self.handleError(record)


class LogCapture:
    """Capture the records logged while a quantum runs.

    A handler on the root logger collects records at ``level`` and above.
    Loggers whose effective level would drop such records before they reach
    the root (the task's logger, the executor's) are lowered to ``level``
    for the duration and restored afterwards.

    Parameters
    ----------
    level : `int`
        Lowest level captured (``logging.INFO`` by default, as LSST).
    mdc : mapping, optional
        Context stored with every record (``LABEL``, ``RUN``).
    logger_names : iterable of `str`
        Loggers to open up to ``level`` while capturing.
    """

    def __init__(self, level: int = logging.INFO, mdc: Mapping[str, str] | None = None,
                 logger_names: Iterable[str] = ()):
        self.records = ButlerLogRecords()
        self._handler = _CaptureHandler(self.records, mdc or {}, level)
        self._level = level
        self._logger_names = tuple(logger_names)
        self._restore: list[tuple[logging.Logger, int]] = []

    def __enter__(self) -> LogCapture:
        for name in self._logger_names:
            logger = logging.getLogger(name)
            if logger.getEffectiveLevel() > self._level:
                self._restore.append((logger, logger.level))
                logger.setLevel(self._level)
        logging.getLogger().addHandler(self._handler)
        return self

    def __exit__(self, *exc: Any) -> None:
        logging.getLogger().removeHandler(self._handler)
        for logger, level in self._restore:
            logger.setLevel(level)
        self._restore.clear()
