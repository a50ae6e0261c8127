"""History: every change of a field is recorded with its value, a label and the code location that made it."""

import inspect

import pipetasks.config as pexConfig

THIS_FILE = __file__


def line_after() -> int:
    """Line number of the caller's next line (where the assignment under test is)."""
    return inspect.currentframe().f_back.f_lineno + 1


class SubConfig(pexConfig.Config):
    level = pexConfig.Field(doc="A level.", dtype=int, default=1)


class SubTask:
    ConfigClass = SubConfig

    def __init__(self, config, **kwargs):
        self.config = config


class OtherSubTask(SubTask):
    pass


DEFINITION_LINE = inspect.currentframe().f_lineno + 4  # the "count" line below


class HistoryConfig(pexConfig.Config):
    count = pexConfig.Field(doc="A count.", dtype=int, default=1)
    planes = pexConfig.ListField(doc="Planes.", dtype=str, default=[])
    sub = pexConfig.ConfigField(doc="Nested.", dtype=SubConfig)
    task = pexConfig.ConfigurableField(doc="A subtask.", target=SubTask)
    choice = pexConfig.ConfigChoiceField(doc="A choice.", typemap={"a": SubConfig}, optional=True)

    def setDefaults(self):
        super().setDefaults()
        self.sub.level = 2  # SET_DEFAULTS_LINE


SET_DEFAULTS_LINE = next(
    number
    for number, text in enumerate(open(THIS_FILE), start=1)
    if text.rstrip().endswith("# SET_DEFAULTS_LINE")
)


def test_default_entry_points_at_the_field_definition():
    config = HistoryConfig()
    (entry,) = config.history["count"]
    value, stack, label = entry  # unpacks like pex_config's tuples
    assert (value, label) == (1, "default")
    assert entry.location == f"{THIS_FILE}:{DEFINITION_LINE}"


def test_assignment_entry_points_at_the_assigning_line():
    config = HistoryConfig()
    line = line_after()
    config.count = 5
    entry = config.history["count"][-1]
    assert (entry.value, entry.label) == (5, "assignment")
    assert entry.location == f"{THIS_FILE}:{line}"
    assert entry.stack[-1].function == "test_assignment_entry_points_at_the_assigning_line"
    assert entry.stack[-1].content == "config.count = 5"


def test_history_keeps_every_change_in_order():
    config = HistoryConfig()
    config.count = 2
    config.update(count=3)
    del config.count
    assert [(e.value, e.label) for e in config.history["count"]] == [
        (1, "default"), (2, "assignment"), (3, "update"), (None, "deletion")
    ]


def test_set_defaults_assignments_point_into_set_defaults():
    config = HistoryConfig()
    entry = config.sub.history["level"][-1]
    assert entry.value == 2 and entry.location == f"{THIS_FILE}:{SET_DEFAULTS_LINE}"
    assert entry.stack[-1].function == "setDefaults"


def test_nested_and_subtask_fields_keep_their_own_history():
    config = HistoryConfig()
    line = line_after()
    config.task.level = 9
    entry = config.task.value.history["level"][-1]
    assert entry.value == 9 and entry.location == f"{THIS_FILE}:{line}"
    line = line_after()
    config.task.retarget(OtherSubTask)
    retarget = config.history["task"][-1]
    assert retarget.label == "retarget" and retarget.location == f"{THIS_FILE}:{line}"
    assert retarget.value == f"retarget(target={__name__}.OtherSubTask, ConfigClass={__name__}.SubConfig)"


def test_list_changes_and_choice_selections_are_recorded():
    config = HistoryConfig()
    config.planes.append("BAD")
    config.planes.append("SAT")
    assert [e.value for e in config.history["planes"]] == [[], ["BAD"], ["BAD", "SAT"]]
    line = line_after()
    config.choice = "a"
    entry = config.history["choice"][-1]
    assert entry.value == "a" and entry.location == f"{THIS_FILE}:{line}"


def test_values_loaded_from_a_file_point_at_the_file_line(tmp_path):
    path = tmp_path / "override.py"
    path.write_text("# a comment\nconfig.count = 7\nconfig.sub.level = 8\n")
    config = HistoryConfig()
    config.load(path)
    assert config.history["count"][-1].location == f"{path}:2"
    assert config.sub.history["level"][-1].location == f"{path}:3"
    assert config.sub.history["level"][-1].stack[-1].content == "config.sub.level = 8"


def test_overrides_are_labelled_and_point_at_their_caller():
    config = HistoryConfig()
    line = line_after()
    pexConfig.apply_overrides(config, ["count=4"])
    entry = config.history["count"][-1]
    assert (entry.value, entry.label, entry.location) == (4, "override", f"{THIS_FILE}:{line}")


def test_format_history_shows_values_labels_and_source_lines():
    config = HistoryConfig()
    config.count = 12
    text = config.formatHistory("count")
    assert "1  [default]" in text and "12  [assignment]" in text
    assert "config.count = 12" in text and f"{THIS_FILE}:" in text
    full = pexConfig.format_history(config, "count", full_stack=True)
    assert len(full.splitlines()) > len(text.splitlines())


def test_validation_errors_carry_the_field_history():
    config = HistoryConfig()
    config.count = None
    try:
        config.validate()
    except pexConfig.FieldValidationError as err:
        assert [e.label for e in err.history] == ["default", "assignment"]
    else:
        raise AssertionError("validate() accepted a required field set to None")


def test_copies_have_independent_history():
    config = HistoryConfig()
    copy = config.copy()
    copy.count = 3
    assert len(config.history["count"]) == 1 and len(copy.history["count"]) == 2
