"""The storage classes of provenance datasets: Config, TaskMetadata, ButlerLogRecords, Packages."""

from __future__ import annotations

import datetime
import json
import logging

import pytest
from execution_test_tasks import ScaleConfig

from butler import DatasetType
from butler.formatters import FormatterReadError
from pipetasks.execution import ButlerLogRecord, ButlerLogRecords, Packages
from pipetasks.execution.log_records import LogCapture
from pipetasks.framework import TaskMetadata


def _register(butler, name, storage_class):
    butler.registry.registerRun("prov")
    butler.registry.registerDatasetType(DatasetType(name, (), storage_class, universe=butler.dimensions))


def test_config_round_trips_as_its_own_config_class(repo):
    _register(repo, "scale_config", "Config")
    config = ScaleConfig()
    config.factor = 7.5
    config.failDetectors = [1, 2]
    config.freeze()
    repo.put(config, "scale_config", run="prov")
    back = repo.get("scale_config", collections="prov")
    assert type(back) is ScaleConfig and back == config
    path = repo.getURI("scale_config", collections="prov").path
    assert path.endswith(".py") and "config.factor = 7.5" in open(path).read()


def test_config_file_naming_no_config_class_is_a_read_error(repo):
    from pipetasks.execution.butler_types import ConfigFormatter
    from butler.storage_class import get_storage_class_factory

    formatter = ConfigFormatter(get_storage_class_factory().getStorageClass("Config"))
    bad = repo.datastore.root.path + "/bad.py"
    with open(bad, "w") as stream:
        stream.write("config.factor = 3\n")
    with pytest.raises(FormatterReadError, match="assert type"):
        formatter.read(None, bad)


def test_task_metadata_is_stored_as_lsst_json(repo):
    _register(repo, "md", "TaskMetadata")
    metadata = TaskMetadata()
    metadata["task.count"] = 3
    metadata.add("task.times", 1.5)
    repo.put(metadata, "md", run="prov")
    assert repo.get("md", collections="prov") == metadata
    document = json.loads(open(repo.getURI("md", collections="prov").path).read())
    assert document["metadata"]["task"]["scalars"]["count"] == 3


def test_log_records_are_json_lines_and_lsst_document_forms_are_read(repo):
    _register(repo, "lg", "ButlerLogRecords")
    capture = LogCapture(logging.INFO, {"LABEL": "t"}, ["toy"])
    with capture:
        logging.getLogger("toy.sub").info("hello %s", "world")
    repo.put(capture.records, "lg", run="prov")
    path = repo.getURI("lg", collections="prov").path
    lines = open(path).read().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["message"] == "hello world"
    back = repo.get("lg", collections="prov")
    assert back[0].MDC == {"LABEL": "t"} and back[0].levelname == "INFO"
    lsst_document = json.dumps({"extended": True, "version": 2, "records": [json.loads(lines[0])]})
    assert ButlerLogRecords.from_raw(lsst_document)[0].message == "hello world"
    assert ButlerLogRecords.from_raw("[" + lines[0] + "]")[0].name == "toy.sub"


def test_log_capture_records_tracebacks_and_restores_logger_levels():
    logger = logging.getLogger("toy.levels")
    logger.setLevel(logging.WARNING)
    capture = LogCapture(logging.INFO, {}, ["toy.levels"])
    with capture:
        logger.info("seen")
        try:
            raise KeyError("missing")
        except KeyError:
            logger.exception("failed")
    assert logger.level == logging.WARNING
    assert [r.message for r in capture.records] == ["seen", "failed"]
    assert "KeyError: 'missing'" in capture.records[1].exc_info
    record = capture.records[0]
    assert ButlerLogRecord.from_json(record.to_json()) == record
    assert record.asctime.tzinfo == datetime.UTC


def test_packages_round_trip_and_report_version_differences(repo):
    _register(repo, "packages", "Packages")
    packages = Packages.from_environment(["numpy.linalg"])
    assert "numpy" in packages and "python" in packages
    repo.put(packages, "packages", run="prov")
    back = repo.get("packages", collections="prov")
    assert back == packages and isinstance(back, Packages)
    other = Packages(packages, numpy="0.0.1")
    assert other.difference(packages) == {"numpy": ("0.0.1", packages["numpy"])}
