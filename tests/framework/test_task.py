"""Task: names, configs, subtasks, loggers, metadata of the hierarchy, pickling."""

import logging
import pickle

import pytest

import pipetasks.config as pexConfig
from pipetasks.framework import Struct, Task, TaskError, TaskMetadata, timeMethod


class AddConfig(pexConfig.Config):
    addend = pexConfig.Field(doc="Amount to add.", dtype=int, default=1)


class AddTask(Task):
    ConfigClass = AddConfig
    _DefaultName = "add"

    @timeMethod
    def run(self, value):
        self.metadata.add("inputs", value)
        return Struct(value=value + self.config.addend)


class DoubleAddTask(AddTask):
    @timeMethod
    def run(self, value):
        return Struct(value=2 * (value + self.config.addend))


class ScaleConfig(pexConfig.Config):
    factor = pexConfig.Field(doc="Factor.", dtype=float, default=2.0)


class ScaleTask(Task):
    ConfigClass = ScaleConfig
    _DefaultName = "scale"

    def run(self, value):
        return Struct(value=value * self.config.factor)


stepRegistry = pexConfig.makeRegistry("Steps.")
stepRegistry.register("add", AddTask)
stepRegistry.register("scale", ScaleTask)


class PipelineConfig(pexConfig.Config):
    add = AddTask.makeField("The adding step.")
    step = stepRegistry.makeField("A step chosen by name.", default="scale")
    doScale = pexConfig.Field(doc="Also scale.", dtype=bool, default=True)
    limit = pexConfig.Field(doc="A required limit.", dtype=int, default=10)


class PipelineTask_(Task):
    ConfigClass = PipelineConfig
    _DefaultName = "top"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.makeSubtask("add")
        self.makeSubtask("step")

    @timeMethod
    def run(self, value):
        value = self.add.run(value).value
        with self.timer("stepping"):
            value = self.step.run(value).value
        return Struct(value=value)


def test_top_level_task_uses_default_name_and_default_config():
    task = AddTask()
    assert task.getName() == task.getFullName() == "add"
    assert isinstance(task.config, AddConfig) and task.config.addend == 1
    assert isinstance(task.metadata, TaskMetadata) and len(task.metadata) == 0
    assert AddTask(name="other").getFullName() == "other"


def test_task_without_name_or_default_name_is_refused():
    class Nameless(Task):
        ConfigClass = AddConfig

    with pytest.raises(RuntimeError, match="Nameless needs name= or a _DefaultName"):
        Nameless()
    with pytest.raises(RuntimeError, match="a subtask of 'add' needs a name"):
        ScaleTask(parentTask=AddTask())


def test_config_is_validated_when_the_task_is_built():
    config = PipelineConfig()
    config.limit = None
    with pytest.raises(
        pexConfig.FieldValidationError,
        match="Field 'limit' failed validation: required value",
    ):
        PipelineTask_(config=config)


def test_make_subtask_builds_subtasks_from_their_fields_with_hierarchical_names():
    task = PipelineTask_()
    assert isinstance(task.add, AddTask) and isinstance(task.step, ScaleTask)
    assert task.add.getFullName() == "top.add" and task.add.getName() == "add"
    assert task.step.getFullName() == "top.step"
    assert task.add.config is task.config.add.value
    assert task.add._parentTask is task
    assert set(task.getTaskDict()) == {"top", "top.add", "top.step"}
    assert task.run(1).value == 4.0


def test_retargeted_subtasks_are_built_from_their_new_target():
    config = PipelineConfig()
    config.add.retarget(DoubleAddTask)
    config.add.addend = 2
    config.step.name = "add"
    config.step["add"].addend = 5
    task = PipelineTask_(config=config)
    assert isinstance(task.add, DoubleAddTask) and isinstance(task.step, AddTask)
    assert task.run(1).value == (2 * (1 + 2)) + 5


def test_make_subtask_refuses_fields_that_are_not_subtasks():
    task = PipelineTask_()
    with pytest.raises(KeyError, match=r"top's config does not have field 'ad' \(did you mean 'add'\?\)"):
        task.makeSubtask("ad")
    with pytest.raises(KeyError, match="field 'doScale' does not configure a subtask"):
        task.makeSubtask("doScale")


def test_make_subtask_passes_extra_arguments():
    class SchemaTask(Task):
        ConfigClass = AddConfig
        _DefaultName = "schemaTask"

        def __init__(self, schema=None, **kwargs):
            super().__init__(**kwargs)
            self.schema = schema

    class ParentConfig(pexConfig.Config):
        child = SchemaTask.makeField("A child taking a schema.")

    class ParentTask(Task):
        ConfigClass = ParentConfig
        _DefaultName = "parent"

    parent = ParentTask()
    parent.makeSubtask("child", schema={"x": float})
    assert parent.child.schema == {"x": float}


def test_loggers_are_standard_loggers_named_after_the_hierarchy():
    task = PipelineTask_()
    assert isinstance(task.log, logging.Logger)
    assert task.log.name == "tests.top"  # the root package of the task's module, then the full name
    assert task.add.log.name == "tests.top.add"
    assert task.add.log.parent is task.log


def test_a_given_parent_logger_prefixes_the_task_logger():
    task = AddTask(log=logging.getLogger("myapp"))
    assert task.log.name == "myapp.add"


def test_loggers_have_verbose_and_trace_levels(caplog):
    task = AddTask()
    with caplog.at_level(5, logger=task.log.name):
        task.log.verbose("found %d stars", 12)
        task.log.trace("fine detail")
        task.log.info("plain info")
    levels = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert levels == [("VERBOSE", "found 12 stars"), ("TRACE", "fine detail"), ("INFO", "plain info")]
    assert caplog.records[0].filename == "test_task.py", "the caller is the log record's source"


def test_full_metadata_collects_every_task_keyed_by_colon_separated_names():
    task = PipelineTask_()
    task.run(1)
    task.add.metadata["custom"] = "value"
    full = task.getFullMetadata()
    assert set(full.keys()) == {"top", "top:add", "top:step"}
    assert full["top:add.custom"] == "value"
    assert full.getArray("top:add.inputs") == [1]
    assert "top.runStartCpuTime" in full and "top.steppingEndWallTime" in full


def test_empty_metadata_clears_the_whole_hierarchy():
    task = PipelineTask_()
    task.run(1)
    task.emptyMetadata()
    assert all(len(md) == 0 for md in task.getFullMetadata().metadata.values())


def test_tasks_pickle_with_their_config_and_subtasks():
    config = PipelineConfig()
    config.add.addend = 7
    task = PipelineTask_(config=config)
    copy = pickle.loads(pickle.dumps(task))
    assert copy.config == task.config and copy.add.config.addend == 7
    assert copy.add.getFullName() == "top.add" and copy.run(0).value == 14.0


def test_task_error_is_an_exception_for_expected_failures():
    assert issubclass(TaskError, Exception)
    with pytest.raises(TaskError, match="no sources"):
        raise TaskError("no sources")
