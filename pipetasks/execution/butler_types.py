"""Storage classes and formatters of the provenance datasets an execution writes.

==================  =====================================  ==============================
storage class       Python type                            file
==================  =====================================  ==============================
``Config``          `pipetasks.config.Config`              the config override file (.py)
``TaskMetadata``    `pipetasks.framework.TaskMetadata`     JSON (LSST's layout)
``ButlerLogRecords`` `ButlerLogRecords`                    JSON lines (.json)
``Packages``        `Packages`                             YAML
==================  =====================================  ==============================

They reach the butler through the ``butler.storage_classes`` entry point
(``pipetasks-execution = "pipetasks.execution.butler_types:storage_class_config"``);
`ensure_registered` adds them to the running process too, so that executing
a pipeline works before the entry point is installed.
"""

from __future__ import annotations

__all__ = [
    "ConfigFormatter",
    "LogRecordsFormatter",
    "PackagesFormatter",
    "ensure_registered",
    "storage_class_config",
]

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from butler.formatters.base import Formatter, read_bytes, write_bytes
from butler.storage_class import import_dotted
from butler.storage_class_factory import add_config_once

if TYPE_CHECKING:
    import fsspec

_ASSERT_TYPE = re.compile(r"^assert\s+type\((?:config|root)\)\s*(?:is|==)\s*([A-Za-z_][\w.]*)", re.MULTILINE)


class ConfigFormatter(Formatter):
    """A task config as its override file: Python that rebuilds it (LSST's ``PexConfigFormatter``).

    Reading finds the config class from the file's ``assert type(config) is
    <class>`` line, imports it, and executes the file on a fresh instance.
    """

    default_extension = ".py"
    supported_extensions = frozenset({".py"})

    def _write(self, obj: Any, fs: fsspec.AbstractFileSystem | None, path: str) -> None:
        write_bytes(fs, path, obj.saveToString().encode())

    def _read(self, fs: fsspec.AbstractFileSystem | None, path: str, parameters: Mapping[str, Any]) -> Any:
        text = read_bytes(fs, path).decode()
        config_class = self._config_class(text, path)
        config = config_class()
        try:
            config.loadFromString(text, filename=path)
        except Exception as err:
            raise self.read_error(path, f"the override file does not load into {config_class.__name__}: {err}"
                                  ) from err
        return config

    def _config_class(self, text: str, path: str) -> type:
        from pipetasks.config import Config

        match = _ASSERT_TYPE.search(text)
        if match is None:
            pytype = self.storage_class.pytype
            if pytype is not Config and issubclass(pytype, Config):
                return pytype
            raise self.read_error(path, "no 'assert type(config) is <class>' line names the config class")
        try:
            config_class = import_dotted(match.group(1))
        except ImportError as err:
            raise self.read_error(path, f"config class {match.group(1)} cannot be imported: {err}") from err
        if not (isinstance(config_class, type) and issubclass(config_class, Config)):
            raise self.read_error(path, f"{match.group(1)} is not a Config class")
        return config_class


class LogRecordsFormatter(Formatter):
    """`ButlerLogRecords` as one JSON record per line (reads LSST's JSON forms too)."""

    default_extension = ".json"
    supported_extensions = frozenset({".json", ".log"})

    def _write(self, obj: Any, fs: fsspec.AbstractFileSystem | None, path: str) -> None:
        write_bytes(fs, path, obj.to_json_lines().encode())

    def _read(self, fs: fsspec.AbstractFileSystem | None, path: str, parameters: Mapping[str, Any]) -> Any:
        from .log_records import ButlerLogRecords

        try:
            return ButlerLogRecords.from_raw(read_bytes(fs, path))
        except (ValueError, KeyError, TypeError) as err:
            raise self.read_error(path, f"not JSON log records: {err}") from err


class PackagesFormatter(Formatter):
    """`Packages` as a YAML mapping of package name to version."""

    default_extension = ".yaml"
    supported_extensions = frozenset({".yaml"})

    def _write(self, obj: Any, fs: fsspec.AbstractFileSystem | None, path: str) -> None:
        write_bytes(fs, path, obj.to_yaml().encode())

    def _read(self, fs: fsspec.AbstractFileSystem | None, path: str, parameters: Mapping[str, Any]) -> Any:
        from .packages import Packages

        try:
            return Packages.from_yaml(read_bytes(fs, path))
        except ValueError as err:
            raise self.read_error(path, str(err)) from err


def storage_class_config() -> dict[str, Any]:
    """The ``butler.storage_classes`` entry-point mapping (see `butler.storage_class`)."""
    return {
        "storageClasses": {
            "Config": {"pytype": "pipetasks.config.Config"},
            "TaskMetadata": {"pytype": "pipetasks.framework.task_metadata.TaskMetadata"},
            "ButlerLogRecords": {"pytype": "pipetasks.execution.log_records.ButlerLogRecords"},
            "Packages": {"pytype": "pipetasks.execution.packages.Packages"},
        },
        "formatters": {
            "Config": f"{__name__}.ConfigFormatter",
            "TaskMetadata": "butler.formatters.json.JsonFormatter",
            "ButlerLogRecords": f"{__name__}.LogRecordsFormatter",
            "Packages": f"{__name__}.PackagesFormatter",
        },
    }


def ensure_registered() -> None:
    """Add these storage classes to the process-wide registry (idempotent, cheap after the first call)."""
    add_config_once(__name__, storage_class_config)
