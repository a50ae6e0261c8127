"""@timeMethod and Task.timer: LSST's timing keys, with sane values, for every call."""

import datetime
import logging
import time

import pytest

import pipetasks.config as pexConfig
from pipetasks.framework import Task, timeMethod
from pipetasks.framework.timing import duration_from_timeMethod

USAGE_KEYS = [
    "Utc", "WallTime", "CpuTime", "UserTime", "SystemTime", "MaxResidentSetSize", "MinorPageFaults",
    "MajorPageFaults", "BlockInputs", "BlockOutputs", "VoluntaryContextSwitches",
    "InvoluntaryContextSwitches",
]


class BusyConfig(pexConfig.Config):
    loops = pexConfig.Field(doc="Work to do.", dtype=int, default=200_000)


class BusyTask(Task):
    ConfigClass = BusyConfig
    _DefaultName = "busy"

    @timeMethod
    def run(self):
        total = 0
        for i in range(self.config.loops):
            total += i * i
        return total

    @timeMethod
    def fail(self):
        raise RuntimeError("broken")


def test_time_method_records_lsst_keys_for_start_and_end():
    task = BusyTask()
    task.run()
    for phase in ("Start", "End"):
        for key in USAGE_KEYS:
            assert task.metadata.getArray(f"run{phase}{key}"), f"run{phase}{key} missing"
    assert task.metadata["__version__"] == 1 and task.metadata["nodeName"]


def test_timing_values_are_sane():
    task = BusyTask()
    before = time.time()
    task.run()
    after = time.time()
    md = task.metadata
    assert before <= md["runStartWallTime"] <= md["runEndWallTime"] <= after
    assert md["runEndCpuTime"] > md["runStartCpuTime"], "the loop used CPU"
    assert md["runEndMaxResidentSetSize"] >= md["runStartMaxResidentSetSize"] > 1_000_000, "bytes, not KiB"
    start = datetime.datetime.fromisoformat(md["runStartUtc"])
    end = datetime.datetime.fromisoformat(md["runEndUtc"])
    assert start.tzinfo is not None and start <= end
    assert abs(start.timestamp() - md["runStartWallTime"]) < 1.0
    assert 0 < duration_from_timeMethod(md, "run") < 10
    assert duration_from_timeMethod(md, "run", clock="Wall") >= 0
    assert duration_from_timeMethod(md, "missing") is None


def test_each_call_appends_one_value_per_key():
    task = BusyTask(config=BusyConfig(loops=10))
    for _ in range(3):
        task.run()
    assert len(task.metadata.getArray("runStartCpuTime")) == 3
    assert len(task.metadata.getArray("runEndUtc")) == 3


def test_end_is_recorded_even_when_the_method_raises():
    task = BusyTask()
    with pytest.raises(RuntimeError, match="broken"):
        task.fail()
    assert "failEndCpuTime" in task.metadata


def test_timer_context_records_a_named_block():
    task = BusyTask()
    with task.timer("block"):
        pass
    assert task.metadata["blockEndWallTime"] >= task.metadata["blockStartWallTime"]


def test_timings_are_logged_to_the_timer_logger(caplog):
    task = BusyTask(config=BusyConfig(loops=1))
    with caplog.at_level(logging.DEBUG, logger=f"timer.{task.log.name}"):
        task.run()
    messages = [r.getMessage() for r in caplog.records if r.name == f"timer.{task.log.name}"]
    assert len(messages) == 2
    assert messages[0].startswith("runStartWallTime=") and "runEndCpuTime=" in messages[1]


def test_time_method_with_options_and_on_plain_objects():
    class Plain:
        def __init__(self):
            self.metadata = {}

        @timeMethod(logLevel=logging.INFO)
        def work(self):
            return "done"

    plain = Plain()
    assert plain.work() == "done"
    assert len(plain.metadata["workStartCpuTime"]) == 1 and plain.metadata["nodeName"]
    assert duration_from_timeMethod(plain.metadata, "work") >= 0
