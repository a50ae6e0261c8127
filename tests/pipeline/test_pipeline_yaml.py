"""Pipeline YAML: each feature of the grammar, label selection, writing back, and the errors."""

from __future__ import annotations

import textwrap

import fsspec
import pytest

from pipetasks.config import ConfigOverrideError, FieldValidationError
from pipetasks.pipeline import (
    ContractError,
    Pipeline,
    PipelineImportCycleError,
    PipelineLabelError,
    PipelineYamlError,
    TaskDef,
    TaskImportError,
)

T = "pipeline_test_tasks"


def write(path, text):
    path.write_text(textwrap.dedent(text))
    return str(path)


def configs(pipeline):
    return {label: node.config for label, node in pipeline.to_graph().tasks.items()}


def test_task_given_as_a_class_name_gets_its_default_config():
    pipeline = Pipeline.from_string(f"description: d\ntasks:\n  scale: {T}.ScaleTask\n")
    assert configs(pipeline)["scale"].factor == 2.0
    assert pipeline.task_labels == {"scale"}
    assert pipeline.description == "d"


def test_config_blocks_apply_in_order_and_yaml_values_keep_their_type():
    pipeline = Pipeline.from_string(f"""
description: d
tasks:
  char:
    class: {T}.CharacterizeLikeTask
    config:
      - threshold: 3
        background.binSize: 64
        doWriteBackground: false
      - threshold: 4.5
""")
    config = configs(pipeline)["char"]
    assert (config.threshold, config.background.binSize, config.doWriteBackground) == (4.5, 64, False)
    assert config.frozen


def test_string_values_are_read_for_the_field_type():
    pipeline = Pipeline.from_string(f"""
description: d
tasks:
  gather:
    class: {T}.GatherTask
    config:
      badDetectors: "[1, 2]"
  scale:
    class: {T}.ScaleTask
    config:
      factor: "3"
      label: "7"
""")
    result = configs(pipeline)
    assert result["gather"].badDetectors == [1, 2]
    assert result["scale"].factor == 3.0 and result["scale"].label == "7"


def test_config_file_is_found_next_to_the_pipeline_and_python_blocks_run_after_it(tmp_path):
    write(tmp_path / "scale_overrides.py", "config.factor = 5.0\nconfig.label = 'from file'\n")
    path = write(tmp_path / "p.yaml", f"""
        description: d
        tasks:
          scale:
            class: {T}.ScaleTask
            config:
              file: scale_overrides.py
              python: |
                config.factor = config.factor * 2
    """)
    config = configs(Pipeline.from_uri(path))["scale"]
    assert (config.factor, config.label) == (10.0, "from file")


def test_parameters_fill_config_values_python_blocks_and_files(tmp_path):
    write(tmp_path / "o.py", "config.label = parameters.name\n")
    path = write(tmp_path / "p.yaml", f"""
        description: d
        parameters:
          factor: 7.5
          name: fancy
          detectors: [3]
        tasks:
          scale:
            class: {T}.ScaleTask
            config:
              - factor: parameters.factor
              - file: o.py
          gather:
            class: {T}.GatherTask
            config:
              python: "config.badDetectors = parameters.detectors"
    """)
    result = configs(Pipeline.from_uri(path))
    assert (result["scale"].factor, result["scale"].label) == (7.5, "fancy")
    assert result["gather"].badDetectors == [3]


def test_unknown_parameter_is_an_error_naming_it():
    pipeline = Pipeline.from_string(f"""
description: d
parameters: {{a: 1}}
tasks:
  scale: {{class: {T}.ScaleTask, config: {{factor: parameters.b}}}}
""")
    with pytest.raises(PipelineYamlError, match="no parameter 'b'; parameters are \\['a'\\]"):
        pipeline.to_graph()


def test_unknown_config_field_names_the_task_and_the_field():
    pipeline = Pipeline.from_string(f"""
description: d
tasks:
  char: {{class: {T}.CharacterizeLikeTask, config: {{background.binSise: 3}}}}
""")
    with pytest.raises(ConfigOverrideError) as info:
        pipeline.to_graph()
    message = str(info.value)
    assert "task 'char'" in message and "'binSise'" in message and "binSize" in message


def test_invalid_config_value_names_the_field():
    pipeline = Pipeline.from_string(f"""
description: d
tasks:
  char: {{class: {T}.CharacterizeLikeTask, config: {{background.binSize: 0}}}}
""")
    with pytest.raises(FieldValidationError, match="binSize"):
        pipeline.to_graph()


def test_config_that_fails_validation_is_reported_with_the_task():
    pipeline = Pipeline.from_string(f"""
description: d
tasks:
  char: {{class: {T}.CharacterizeLikeTask, config: {{threshold: -1}}}}
""")
    with pytest.raises(FieldValidationError, match="must be positive") as info:
        pipeline.to_graph()
    assert any("task 'char'" in note for note in info.value.__notes__)


def test_missing_config_file_names_the_task(tmp_path):
    path = write(tmp_path / "p.yaml", f"""
        description: d
        tasks:
          scale: {{class: {T}.ScaleTask, config: {{file: nope.py}}}}
    """)
    with pytest.raises(FileNotFoundError, match="'nope.py' of task 'scale'"):
        Pipeline.from_uri(path).to_graph()


def test_unimportable_class_and_non_pipeline_task_are_refused():
    with pytest.raises(TaskImportError, match="Task 'x': cannot import class 'nowhere.Task'"):
        Pipeline.from_string("description: d\ntasks:\n  x: nowhere.Task\n").to_graph()
    with pytest.raises(TaskImportError, match="not a PipelineTask"):
        Pipeline.from_string(f"description: d\ntasks:\n  x: {T}.NotAPipelineTask\n").to_graph()


def test_instrument_overrides_apply_before_pipeline_configs_and_set_the_data_id():
    pipeline = Pipeline.from_string(f"""
description: d
instrument: {T}.FakeInstrument
tasks:
  scale: {T}.ScaleTask
  offset: {{class: {T}.OffsetTask, config: {{offset: 2}}}}
""")
    graph = pipeline.to_graph()
    assert graph.tasks["scale"].config.factor == 10.0
    assert graph.data_id == {"instrument": "Cam"}
    assert pipeline.getInstrument() == f"{T}.FakeInstrument"


# -- imports -------------------------------------------------------------------------------------------------


@pytest.fixture
def base_pipeline(tmp_path):
    return write(tmp_path / "base.yaml", f"""
        description: base
        instrument: {T}.FakeInstrument
        parameters: {{factor: 3.0}}
        tasks:
          scale:
            class: {T}.ScaleTask
            config: {{factor: parameters.factor}}
          offset: {T}.OffsetTask
          char: {T}.CharacterizeLikeTask
        subsets:
          pair:
            subset: [scale, offset]
            description: Scale then offset.
        steps:
          - label: pair
            dimensions: [instrument, visit]
        contracts:
          - contract: "offset.offset >= 0"
            msg: offsets are positive
    """)


def test_import_brings_tasks_subsets_steps_contracts_parameters_and_instrument(tmp_path, base_pipeline):
    path = write(tmp_path / "top.yaml", """
        description: top
        imports:
          - location: base.yaml
        tasks:
          scale:
            class: pipeline_test_tasks.ScaleTask
            config: {label: top}
    """)
    pipeline = Pipeline.from_uri(path)
    assert list(pipeline.task_labels) == ["scale", "offset", "char"]
    assert pipeline.subsets == {"pair": {"scale", "offset"}}
    assert pipeline.getInstrument() == f"{T}.FakeInstrument"
    config = pipeline.to_graph().tasks["scale"].config
    assert (config.factor, config.label) == (3.0, "top")  # imported config, then the importer's


def test_import_include_and_exclude_accept_labels_and_subsets(tmp_path, base_pipeline):
    include = write(tmp_path / "inc.yaml", "description: d\nimports:\n  - {location: base.yaml, include: pair}\n")
    exclude = write(tmp_path / "exc.yaml", "description: d\nimports:\n  - {location: base.yaml, exclude: [char]}\n")
    assert Pipeline.from_uri(include).task_labels == {"scale", "offset"}
    assert Pipeline.from_uri(exclude).task_labels == {"scale", "offset"}
    only_char = Pipeline.from_uri(write(tmp_path / "c.yaml",
                                        "description: d\nimports:\n  - {location: base.yaml, include: [char]}\n"))
    assert only_char.subsets == {}  # a subset losing labels is dropped
    assert only_char._ir.steps == [] and only_char._ir.contracts == []  # with its step and contracts


def test_import_with_both_include_and_exclude_is_refused(tmp_path, base_pipeline):
    path = write(tmp_path / "t.yaml",
                 "description: d\nimports:\n  - {location: base.yaml, include: [char], exclude: [scale]}\n")
    with pytest.raises(PipelineYamlError, match="both include and exclude"):
        Pipeline.from_uri(path)


def test_import_options_drop_contracts_replace_instrument_and_rename(tmp_path, base_pipeline):
    path = write(tmp_path / "t.yaml", """
        description: d
        imports:
          - location: base.yaml
            importContracts: false
            instrument: None
            rename: {offset: shift}
    """)
    pipeline = Pipeline.from_uri(path)
    assert pipeline.getInstrument() is None
    assert pipeline._ir.contracts == []
    assert pipeline.task_labels == {"scale", "shift", "char"}
    assert pipeline.subsets["pair"] == {"scale", "shift"}


def test_import_naming_an_unknown_label_is_refused(tmp_path, base_pipeline):
    path = write(tmp_path / "t.yaml", "description: d\nimports:\n  - {location: base.yaml, include: [nosuch]}\n")
    with pytest.raises(PipelineLabelError, match="'nosuch'"):
        Pipeline.from_uri(path)


def test_import_cycle_is_refused_naming_the_files(tmp_path):
    write(tmp_path / "a.yaml", "description: a\nimports: b.yaml\n")
    write(tmp_path / "b.yaml", "description: b\nimports: [a.yaml]\n")
    with pytest.raises(PipelineImportCycleError, match=r"a\.yaml -> .*b\.yaml -> .*a\.yaml"):
        Pipeline.from_uri(str(tmp_path / "a.yaml"))


def test_same_label_imported_twice_is_refused(tmp_path, base_pipeline):
    path = write(tmp_path / "t.yaml", "description: d\nimports: [base.yaml, base.yaml]\n")
    with pytest.raises(PipelineYamlError, match="imported more than once"):
        Pipeline.from_uri(path)


def test_conflicting_instruments_are_refused(tmp_path, base_pipeline):
    path = write(tmp_path / "t.yaml", "description: d\ninstrument: other.Instrument\nimports: [base.yaml]\n")
    with pytest.raises(PipelineYamlError, match="Only one instrument"):
        Pipeline.from_uri(path)


def test_pipelines_load_from_fsspec_urls():
    with fsspec.open("memory://pipelines/p.yaml", "w") as stream:
        stream.write(f"description: d\ntasks:\n  scale: {T}.ScaleTask\n")
    with fsspec.open("memory://pipelines/top.yaml", "w") as stream:
        stream.write("description: top\nimports: [p.yaml]\n")
    assert Pipeline.from_uri("memory://pipelines/top.yaml").task_labels == {"scale"}


# -- subsets, steps, contracts ------------------------------------------------------------------------------------


def test_subset_naming_an_unknown_task_is_refused():
    with pytest.raises(PipelineYamlError, match=r"Subset 's' .* labels \['nope'\]"):
        Pipeline.from_string(f"description: d\ntasks: {{a: {T}.ScaleTask}}\nsubsets: {{s: [a, nope]}}\n")


def test_subset_sharing_a_task_label_is_refused():
    with pytest.raises(PipelineYamlError, match="cannot use the label of a task"):
        Pipeline.from_string(f"description: d\ntasks: {{a: {T}.ScaleTask}}\nsubsets: {{a: [a]}}\n")


def test_steps_accept_dimension_lists_and_strings_and_must_be_subsets():
    pipeline = Pipeline.from_string(f"""
description: d
tasks: {{a: {T}.ScaleTask, b: {T}.OffsetTask}}
subsets: {{s1: [a], s2: [b]}}
steps:
  - label: s1
    sharding_dimensions: instrument,visit
  - label: s2
    dimensions: [instrument]
""")
    graph = pipeline.to_graph()
    assert [(s.label, s.dimensions) for s in graph.steps] == [("s1", ("instrument", "visit")), ("s2", ("instrument",))]
    with pytest.raises(PipelineYamlError, match="'a' is declared as a step"):
        Pipeline.from_string(f"description: d\ntasks: {{a: {T}.ScaleTask}}\nsteps: [{{label: a, dimensions: []}}]\n")


def test_contract_violation_names_the_contract_and_its_message(base_pipeline):
    pipeline = Pipeline.from_uri(base_pipeline)
    pipeline.addConfigOverride("offset", "offset", -1.0)
    with pytest.raises(ContractError, match=r"'offset.offset >= 0' is not satisfied: offsets are positive"):
        pipeline.to_graph()


def test_contract_that_cannot_be_evaluated_is_a_contract_error():
    pipeline = Pipeline.from_string(f"""
description: d
tasks: {{scale: {T}.ScaleTask}}
contracts: ["scale.nosuch == 1"]
""")
    with pytest.raises(ContractError, match="could not be evaluated.*nosuch"):
        pipeline.to_graph()


def test_contracts_mentioning_dropped_tasks_are_dropped_with_them(base_pipeline):
    pipeline = Pipeline.from_uri(base_pipeline + "#scale")
    pipeline.to_graph()
    assert pipeline._ir.contracts == []


# -- label selection -----------------------------------------------------------------------------------------------


def test_labels_after_hash_select_tasks_subsets_and_ranges(base_pipeline):
    assert Pipeline.from_uri(base_pipeline + "#scale,char").task_labels == {"scale", "char"}
    assert Pipeline.from_uri(base_pipeline + "#pair").task_labels == {"scale", "offset"}
    assert Pipeline.from_uri(base_pipeline + "#scale..offset").task_labels == {"scale", "offset"}
    assert Pipeline.from_uri(base_pipeline + "#..scale").task_labels == {"scale"}  # char is unrelated
    assert Pipeline.from_uri(base_pipeline + "#scale..").task_labels == {"scale", "offset"}


def test_unknown_label_after_hash_is_refused_listing_the_labels(base_pipeline):
    with pytest.raises(PipelineLabelError, match=r"'nosuch' is not in the pipeline; task labels are \['char'"):
        Pipeline.from_uri(base_pipeline + "#scale,nosuch")


def test_legacy_colon_label_separator_is_refused(base_pipeline):
    with pytest.raises(PipelineYamlError, match="use '#' instead"):
        Pipeline.from_uri(base_pipeline + ":scale")


# -- document errors --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, message", [
    ("tasks: {a: x.Y}\n", "with a description"),
    ("description: d\n", "one or more tasks"),
    ("description: d\ntasks: {a: x.Y}\ntask: {}\n", r"Unknown key\(s\) \['task'\]"),
    ("description: d\ntasks: {a: x.Y}\nsubset: {}\n", "should be 'subsets'"),
    ("description: d\ntasks:\n  a: x.Y\n  a: x.Z\n", r"repeat keys; \['a'\]"),
    ("description: d\ntasks:\n  a: {klass: x.Y}\n", r"Unknown key\(s\) \['klass'\]"),
    ("description: d\ntasks:\n  parameters: x.Y\n", "reserved word"),
    ("description: d\ninherits: x.yaml\n", "'inherits' key .* not supported"),
    ("description: [unclosed\n", "not valid YAML"),
])
def test_malformed_documents_are_refused_with_the_reason(text, message):
    with pytest.raises(PipelineYamlError, match=message):
        Pipeline.from_string(text)


# -- editing and writing --------------------------------------------------------------------------------------------------


def test_edited_pipeline_writes_and_reads_back_equal(tmp_path, base_pipeline):
    pipeline = Pipeline.from_uri(base_pipeline)
    pipeline.addTask(f"{T}.GatherTask", "gather")
    pipeline.addConfigOverride("gather", "badDetectors", [1])
    pipeline.addConfigPython("scale", "config.label = 'multi'\nconfig.factor = 1.5\n")
    pipeline.addConfigFile("offset", str(tmp_path / "missing_is_fine_until_configured.py"))
    pipeline.addConfigOverride("parameters", "factor", 4.0)
    pipeline.write_to_uri(tmp_path / "out" / "written.yaml")
    text = (tmp_path / "out" / "written.yaml").read_text()
    assert "python: |" in text and "steps:" in text
    again = Pipeline.from_uri(str(tmp_path / "out" / "written.yaml"))
    assert again == pipeline
    assert again.parameters["factor"] == 4.0


def test_add_task_defaults_its_label_and_refuses_duplicates():
    pipeline = Pipeline("built in code")
    from pipeline_test_tasks import ScaleTask

    pipeline.addTask(ScaleTask)
    assert pipeline.task_labels == {"scale"}
    with pytest.raises(PipelineLabelError, match="already used"):
        pipeline.addTask(ScaleTask, "scale")
    with pytest.raises(PipelineLabelError, match="no tasks labeled 'nope'"):
        pipeline.addConfigOverride("nope", "factor", 1.0)


def test_task_defs_come_in_dependency_order_with_frozen_configs_and_provenance_names():
    pipeline = Pipeline.from_string(f"""
description: d
tasks:
  offset: {T}.OffsetTask
  scale: {T}.ScaleTask
""")
    defs = pipeline.get_task_defs()
    assert [d.label for d in defs] == ["scale", "offset"]
    assert all(isinstance(d, TaskDef) and d.config.frozen for d in defs)
    assert (defs[0].configDatasetName, defs[0].metadataDatasetName, defs[0].logOutputDatasetName) == (
        "scale_config", "scale_metadata", "scale_log")
    assert defs[1].connections.input.name == "scaled"
