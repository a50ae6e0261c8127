"""Names and storage classes of the datasets the framework adds to every task (as LSST's).

Each task of a pipeline gets a ``<label>_config`` init-output (its frozen
config), a ``<label>_metadata`` output per quantum (task metadata, timings,
resource use) and, unless ``config.saveLogOutput`` is `False`, a
``<label>_log`` output per quantum (its log records).  A pipeline as a whole
has one ``packages`` init-output (software versions).
"""

from __future__ import annotations

__all__ = [
    "CONFIG_INIT_OUTPUT_CONNECTION_NAME",
    "CONFIG_INIT_OUTPUT_STORAGE_CLASS",
    "CONFIG_INIT_OUTPUT_TEMPLATE",
    "LOG_OUTPUT_CONNECTION_NAME",
    "LOG_OUTPUT_STORAGE_CLASS",
    "LOG_OUTPUT_TEMPLATE",
    "METADATA_OUTPUT_CONNECTION_NAME",
    "METADATA_OUTPUT_STORAGE_CLASS",
    "METADATA_OUTPUT_TEMPLATE",
    "PACKAGES_INIT_OUTPUT_NAME",
    "PACKAGES_INIT_OUTPUT_STORAGE_CLASS",
]

CONFIG_INIT_OUTPUT_CONNECTION_NAME = "_config"
CONFIG_INIT_OUTPUT_TEMPLATE = "{label}" + CONFIG_INIT_OUTPUT_CONNECTION_NAME
CONFIG_INIT_OUTPUT_STORAGE_CLASS = "Config"

METADATA_OUTPUT_CONNECTION_NAME = "_metadata"
METADATA_OUTPUT_TEMPLATE = "{label}" + METADATA_OUTPUT_CONNECTION_NAME
METADATA_OUTPUT_STORAGE_CLASS = "TaskMetadata"

LOG_OUTPUT_CONNECTION_NAME = "_log"
LOG_OUTPUT_TEMPLATE = "{label}" + LOG_OUTPUT_CONNECTION_NAME
LOG_OUTPUT_STORAGE_CLASS = "ButlerLogRecords"

PACKAGES_INIT_OUTPUT_NAME = "packages"
PACKAGES_INIT_OUTPUT_STORAGE_CLASS = "Packages"
