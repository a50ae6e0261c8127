"""PipelineTaskConnections and PipelineTaskConfig: declaration, configuration, adjustment of quanta."""

from __future__ import annotations

import pickle
import sys
import warnings
from pathlib import Path

import pytest

import pipetasks.config as pexConfig
import pipetasks.framework.connectionTypes as cT
from butler import DataCoordinate, DatasetRef, DatasetType, DimensionUniverse
from pipetasks.framework import (
    AdjustQuantumHelper,
    DeferredDatasetRef,
    NoWorkFound,
    PipelineTaskConfig,
    PipelineTaskConnections,
    Quantum,
    ScalarError,
    iterConnections,
)

sys.path.insert(0, str(Path(__file__).parents[1] / "pipeline"))
from pipeline_test_tasks import (  # noqa: E402
    CharacterizeLikeConfig,
    CharacterizeLikeConnections,
    GatherConfig,
    GatherConnections,
    ScaleConfig,
    ScaleConnections,
)

UNIVERSE = DimensionUniverse.default()
VISIT_DETECTOR = ("instrument", "visit", "detector")


def make_ref(name: str, dims=VISIT_DETECTOR, **data_id) -> DatasetRef:
    dataset_type = DatasetType(name, dims, "StructuredDataDict", universe=UNIVERSE)
    return DatasetRef(dataset_type, DataCoordinate.standardize(data_id, dimensions=dataset_type.dimensions), "run")


# -- connection types ------------------------------------------------------------------------------------


def test_dimensions_given_as_a_string_are_refused_with_a_hint_about_the_comma():
    with pytest.raises(TypeError, match="trailing comma"):
        cT.Input(name="x", storageClass="StructuredDataDict", dimensions="visit")


def test_minimum_above_one_requires_multiple():
    with pytest.raises(TypeError, match="minimum=2 if multiple=False"):
        cT.Input(name="x", storageClass="StructuredDataDict", dimensions=("visit",), minimum=2)


def test_storage_class_must_be_a_name():
    with pytest.raises(TypeError, match="storage class name"):
        cT.Output(name="x", storageClass=dict, dimensions=("visit",))


def test_connection_options_default_as_lsst():
    connection = cT.Input(name="x", storageClass="StructuredDataDict")
    assert (connection.multiple, connection.deferLoad, connection.minimum, connection.deferGraphConstraint,
            connection.deferBinding, connection.isCalibration, connection.dimensions) == (
        False, False, 1, False, False, False, ())
    assert cT.PrerequisiteInput(name="x", storageClass="s").lookupFunction is None


# -- class declaration -----------------------------------------------------------------------------------


def test_connections_class_records_kinds_dimensions_and_templates():
    assert CharacterizeLikeConnections.dimensions == frozenset(VISIT_DETECTOR)
    assert CharacterizeLikeConnections.inputs == {"exposure"}
    assert CharacterizeLikeConnections.prerequisiteInputs == {"bias", "refCat"}
    assert CharacterizeLikeConnections.outputs == {"characterized", "sourceCat", "backgroundModel"}
    assert CharacterizeLikeConnections.initOutputs == {"outputSchema"}
    assert CharacterizeLikeConnections.defaultTemplates == {"prefix": ""}
    assert CharacterizeLikeConnections.exposure.name == "{prefix}postISRCCD"


def test_connections_class_without_dimensions_is_refused():
    with pytest.raises(TypeError, match="dimensions keyword"):
        class NoDims(PipelineTaskConnections):
            a = cT.Input(name="a", storageClass="StructuredDataDict")


def test_connections_class_with_string_dimensions_is_refused():
    with pytest.raises(TypeError, match="iterable of dimension names"):
        class StrDims(PipelineTaskConnections, dimensions="visit"):
            pass


def test_template_without_default_is_refused_naming_template_and_connection():
    with pytest.raises(TypeError, match=r"\{coadd\} \(in image\)"):
        class Templated(PipelineTaskConnections, dimensions=("tract",)):
            image = cT.Input(name="{coadd}Coadd", storageClass="StructuredDataDict", dimensions=("tract",))


def test_template_named_like_a_connection_is_refused():
    with pytest.raises(TypeError, match="cannot also be connection names"):
        class Clash(PipelineTaskConnections, dimensions=("tract",), defaultTemplates={"image": "x"}):
            image = cT.Input(name="{image}", storageClass="StructuredDataDict", dimensions=("tract",))


def test_reserved_attribute_names_cannot_be_connections():
    with pytest.raises(AttributeError, match="reserved"):
        class Reserved(PipelineTaskConnections, dimensions=("tract",)):
            inputs = cT.Input(name="x", storageClass="StructuredDataDict", dimensions=("tract",))


def test_subclass_inherits_connections_dimensions_and_templates_and_may_replace_them():
    class Deeper(CharacterizeLikeConnections, defaultTemplates={"prefix": "deep"}):
        extra = cT.Output(name="{prefix}extra", storageClass="StructuredDataDict", dimensions=VISIT_DETECTOR)
        backgroundModel = None

    assert Deeper.dimensions == frozenset(VISIT_DETECTOR)
    assert Deeper.defaultTemplates == {"prefix": "deep"}
    assert Deeper.outputs == {"characterized", "sourceCat", "extra"}

    class DeeperConfig(PipelineTaskConfig, pipelineConnections=Deeper):
        doWriteBackground = pexConfig.Field(dtype=bool, default=True, doc="unused")
        doUseRefCat = pexConfig.Field(dtype=bool, default=True, doc="unused")

    connections = Deeper(config=DeeperConfig())
    assert connections.extra.name == "deepextra"
    assert connections.exposure.name == "deeppostISRCCD"


# -- configuration ------------------------------------------------------------------------------------------


def test_config_has_one_string_field_per_connection_and_template():
    config = CharacterizeLikeConfig()
    assert config.connections.exposure == "{prefix}postISRCCD"
    assert config.connections.prefix == ""
    assert config.saveLogOutput is True
    assert CharacterizeLikeConfig.ConnectionsClass is CharacterizeLikeConnections


def test_connection_names_are_formatted_with_templates_from_the_config():
    config = CharacterizeLikeConfig()
    config.connections.prefix = "deep"
    connections = CharacterizeLikeConnections(config=config)
    assert connections.exposure.name == "deeppostISRCCD"
    assert connections.allConnections["sourceCat"].name == "deepicSrc"
    assert CharacterizeLikeConnections.exposure.name == "{prefix}postISRCCD"  # the class is unchanged


def test_a_connection_name_set_in_the_config_replaces_the_declared_one():
    config = ScaleConfig()
    config.connections.output = "{outName}_v2"
    config.connections.outName = "rescaled"
    connections = ScaleConnections(config=config)
    assert connections.output.name == "rescaled_v2"
    assert connections.input.name == "raw"


def test_template_fields_accept_numbers_as_text():
    config = ScaleConfig()
    config.connections.outName = 3
    assert ScaleConnections(config=config).output.name == "3"


def test_a_name_with_an_unknown_template_is_refused_naming_the_connection():
    config = ScaleConfig()
    config.connections.output = "{nosuch}"
    with pytest.raises(ValueError, match="connection 'output'"):
        ScaleConnections(config=config)


def test_connections_need_a_pipeline_task_config():
    with pytest.raises(ValueError, match="PipelineTaskConfig"):
        ScaleConnections(config=pexConfig.Config())


def test_config_class_without_connections_is_refused():
    with pytest.raises(NameError, match="pipelineConnections"):
        class Orphan(PipelineTaskConfig):
            pass


def test_config_subclass_inherits_the_connections_class():
    class MoreScaleConfig(ScaleConfig):
        extra = pexConfig.Field(dtype=int, default=1, doc="more")

    config = MoreScaleConfig()
    assert config.connections.input == "{inName}"
    assert MoreScaleConfig.ConnectionsClass is ScaleConnections


def test_config_with_connections_survives_pickle_and_save_load(tmp_path):
    config = ScaleConfig()
    config.connections.outName = "other"
    config.factor = 4.0
    assert pickle.loads(pickle.dumps(config)).connections.outName == "other"
    config.save(tmp_path / "scale.py")
    loaded = ScaleConfig()
    loaded.load(tmp_path / "scale.py")
    assert loaded == config


# -- connections changed by __init__ -----------------------------------------------------------------------


def test_init_may_delete_a_connection_depending_on_config():
    config = CharacterizeLikeConfig()
    config.doWriteBackground = False
    connections = CharacterizeLikeConnections(config=config)
    assert connections.outputs == {"characterized", "sourceCat"}
    assert "backgroundModel" not in connections.allConnections
    with pytest.raises(AttributeError, match="removed"):
        _ = connections.backgroundModel


def test_init_may_remove_a_connection_name_from_its_set():
    config = CharacterizeLikeConfig()
    config.doUseRefCat = False
    connections = CharacterizeLikeConnections(config=config)
    assert connections.prerequisiteInputs == {"bias"}
    assert set(connections.allConnections) == {"exposure", "bias", "characterized", "sourceCat",
                                                "backgroundModel", "outputSchema"}


def test_init_may_add_connections_and_change_dimensions():
    class Growing(PipelineTaskConnections, dimensions=("instrument", "visit")):
        a = cT.Input(name="a", storageClass="StructuredDataDict", dimensions=("instrument", "visit"))

        def __init__(self, *, config=None):
            if config.perDetector:
                self.dimensions.add("detector")
                self.b = cT.Output(name="b", storageClass="StructuredDataDict", dimensions=VISIT_DETECTOR)

    class GrowingConfig(PipelineTaskConfig, pipelineConnections=Growing):
        perDetector = pexConfig.Field(dtype=bool, default=True, doc="x")

    connections = Growing(config=GrowingConfig())
    assert connections.dimensions == frozenset(VISIT_DETECTOR)
    assert connections.outputs == {"b"} and connections.b.name == "b"
    assert Growing.outputs == frozenset()


def test_connections_are_frozen_after_init():
    connections = ScaleConnections(config=ScaleConfig())
    with pytest.raises(TypeError, match="frozen"):
        del connections.input
    with pytest.raises(TypeError, match="frozen"):
        connections.extra = cT.Output(name="e", storageClass="StructuredDataDict")
    with pytest.raises(AttributeError):
        connections.inputs.add("x")


def test_deprecated_connection_warns_when_connections_are_built():
    class Old(PipelineTaskConnections, dimensions=("instrument",)):
        old = cT.Input(name="old", storageClass="StructuredDataDict", dimensions=("instrument",),
                       deprecated="Use 'new'; removed after v30.")

    class OldConfig(PipelineTaskConfig, pipelineConnections=Old):
        pass

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Old(config=OldConfig())
    assert any("removed after v30" in str(w.message) and w.category is FutureWarning for w in caught)


def test_iter_connections_yields_configured_connections_of_the_kinds_asked():
    connections = CharacterizeLikeConnections(config=CharacterizeLikeConfig())
    names = [c.name for c in iterConnections(connections, ("inputs", "prerequisiteInputs"))]
    assert names == ["postISRCCD", "bias", "ref_cat"]
    with pytest.raises(ValueError, match="Unknown connection kind"):
        list(iterConnections(connections, "nope"))


# -- quanta: refs by connection, adjustQuantum ---------------------------------------------------------------


def characterize_quantum(n_ref_shards: int = 2, n_bias: int = 1) -> Quantum:
    return Quantum(
        taskLabel="char",
        taskName="pipeline_test_tasks.CharacterizeLikeTask",
        dataId=DataCoordinate.standardize({"instrument": "Cam", "visit": 1, "detector": 0},
                                          universe=UNIVERSE),
        inputs={
            "postISRCCD": [make_ref("postISRCCD", ("instrument", "exposure", "detector"),
                                    instrument="Cam", exposure=1, detector=0)],
            "bias": [make_ref("bias", ("instrument", "detector"), instrument="Cam", detector=d)
                     for d in range(n_bias)],
            "ref_cat": [make_ref("ref_cat", ("htm7",), htm7=100 + i) for i in range(n_ref_shards)],
        },
        outputs={name: [make_ref(name, instrument="Cam", visit=1, detector=0)]
                 for name in ("icExp", "icSrc", "icExpBackground")},
    )


def test_build_dataset_refs_gives_scalars_lists_and_deferred_refs_by_connection_name():
    connections = CharacterizeLikeConnections(config=CharacterizeLikeConfig())
    quantum = characterize_quantum()
    inputs, outputs = connections.buildDatasetRefs(quantum)
    assert inputs.exposure == quantum.inputs["postISRCCD"][0]
    assert inputs.bias.datasetType.name == "bias"
    assert len(inputs.refCat) == 2 and all(isinstance(r, DeferredDatasetRef) for r in inputs.refCat)
    assert inputs.refCat[0].dataId["htm7"] == 100
    assert set(outputs.keys()) == {"characterized", "sourceCat", "backgroundModel"}
    assert dict(iter(outputs))["sourceCat"].datasetType.name == "icSrc"


def test_build_dataset_refs_refuses_several_refs_for_a_scalar_connection():
    connections = CharacterizeLikeConnections(config=CharacterizeLikeConfig())
    with pytest.raises(ScalarError, match="scalar connection bias"):
        connections.buildDatasetRefs(characterize_quantum(n_bias=2))


def test_build_dataset_refs_leaves_out_an_absent_optional_scalar_and_gives_empty_lists():
    connections = CharacterizeLikeConnections(config=CharacterizeLikeConfig())
    inputs, _ = connections.buildDatasetRefs(characterize_quantum(n_ref_shards=0, n_bias=0))
    assert "bias" not in inputs and inputs.refCat == []


def adjust(connections, quantum):
    helper = AdjustQuantumHelper(
        inputs={k: tuple(v) for k, v in quantum.inputs.items()},
        outputs={k: tuple(v) for k, v in quantum.outputs.items()},
    )
    helper.adjust_in_place(connections, quantum.taskLabel, quantum.dataId)
    return helper


def test_default_adjust_quantum_accepts_an_optional_prerequisite_with_no_datasets():
    connections = CharacterizeLikeConnections(config=CharacterizeLikeConfig())
    helper = adjust(connections, characterize_quantum(n_ref_shards=0))
    assert not helper.inputs_adjusted and not helper.outputs_adjusted


def test_default_adjust_quantum_raises_file_not_found_for_a_missing_required_prerequisite():
    connections = CharacterizeLikeConnections(config=CharacterizeLikeConfig())
    with pytest.raises(FileNotFoundError, match=r"char\.bias \(bias\) with minimum=1"):
        adjust(connections, characterize_quantum(n_bias=0))


def test_default_adjust_quantum_raises_scalar_error_for_several_refs_on_a_scalar_input():
    connections = CharacterizeLikeConnections(config=CharacterizeLikeConfig())
    with pytest.raises(ScalarError, match=r"non-multiple input connection char\.bias"):
        adjust(connections, characterize_quantum(n_bias=2))


def gather_quantum(detectors) -> Quantum:
    return Quantum(
        "gather", "pipeline_test_tasks.GatherTask",
        DataCoordinate.standardize({"instrument": "Cam", "visit": 1}, universe=UNIVERSE),
        inputs={"icSrc": [make_ref("icSrc", instrument="Cam", visit=1, detector=d) for d in detectors]},
        outputs={"visitSummary": [make_ref("visitSummary", ("instrument", "visit"), instrument="Cam", visit=1)]},
    )


def test_adjust_quantum_override_trims_inputs_and_the_helper_keeps_the_result():
    config = GatherConfig()
    config.badDetectors = [1]
    helper = adjust(GatherConnections(config=config), gather_quantum([0, 1, 2]))
    assert helper.inputs_adjusted
    assert [ref.dataId["detector"] for ref in helper.inputs["icSrc"]] == [0, 2]


def test_adjust_quantum_raises_no_work_found_when_fewer_inputs_than_minimum_remain():
    config = GatherConfig()
    config.badDetectors = [1]
    with pytest.raises(NoWorkFound, match="fewer than its minimum of 2"):
        adjust(GatherConnections(config=config), gather_quantum([0, 1]))


def test_no_work_found_is_not_caught_by_except_exception():
    assert not issubclass(NoWorkFound, Exception)


def test_adjust_quantum_helper_refuses_an_override_that_adds_refs():
    class Adding(GatherConnections):
        def adjustQuantum(self, inputs, outputs, label, data_id):
            connection, refs = inputs["catalogs"]
            return {"catalogs": (connection, [*refs, make_ref("icSrc", instrument="Cam", visit=1, detector=3)])}, {}

    class AddingConfig(GatherConfig, pipelineConnections=Adding):
        pass

    with pytest.raises(RuntimeError, match="may only remove"):
        adjust(Adding(config=AddingConfig()), gather_quantum([0, 1]))


def test_lsst_code_written_against_the_pipe_base_namespace_ports_by_its_import():
    import pipetasks.framework as pipeBase  # was: import lsst.pipe.base as pipeBase

    class IsrLikeConnections(pipeBase.PipelineTaskConnections, dimensions=("instrument", "exposure", "detector")):
        ccdExposure = pipeBase.connectionTypes.Input(
            name="raw", doc="Input exposure.", storageClass="StructuredDataDict",
            dimensions=["instrument", "exposure", "detector"])
        bias = pipeBase.connectionTypes.PrerequisiteInput(
            name="bias", doc="Bias.", storageClass="StructuredDataDict", dimensions=["instrument", "detector"],
            isCalibration=True)
        outputExposure = pipeBase.connectionTypes.Output(
            name="postISRCCD", doc="Output.", storageClass="StructuredDataDict",
            dimensions=["instrument", "exposure", "detector"])

        def __init__(self, *, config=None):
            super().__init__(config=config)
            if config.doBias is not True:
                self.prerequisiteInputs.remove("bias")

    class IsrLikeConfig(pipeBase.PipelineTaskConfig, pipelineConnections=IsrLikeConnections):
        doBias = pexConfig.Field[bool](doc="Subtract the bias?", default=True)

    class IsrLikeTask(pipeBase.PipelineTask):
        ConfigClass = IsrLikeConfig
        _DefaultName = "isr"

        def run(self, ccdExposure, bias=None):
            return pipeBase.Struct(outputExposure=ccdExposure)

    config = IsrLikeConfig()
    config.doBias = False
    assert IsrLikeConnections(config=config).prerequisiteInputs == frozenset()
    assert IsrLikeTask(config=config).run({"a": 1}).outputExposure == {"a": 1}
    pipeline = pipeBase.Pipeline("ported")
    pipeline.addTask(IsrLikeTask, "isr")
    assert [d.label for d in pipeline.get_task_defs()] == ["isr"]
