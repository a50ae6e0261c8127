"""LSST-style PipelineTasks used by the framework and pipeline tests.

Written the way LSST science code is written; only the imports differ from
``lsst.pex.config``/``lsst.pipe.base``.  Every dataset is a plain dict
(StructuredDataDict) so the tests run on any repository.
"""

from toy_tasks import ToyTaskFactory

import pipetasks.config as pexConfig
import pipetasks.framework as pipeBase
import pipetasks.framework.connectionTypes as cT
from pipetasks.framework import (
    NoWorkFound,
    PipelineTask,
    PipelineTaskConfig,
    PipelineTaskConnections,
    Struct,
    Task,
    timeMethod,
)


class SubtractBackgroundConfig(pexConfig.Config):
    binSize = pexConfig.RangeField(dtype=int, default=128, min=1, doc="Superpixel size for the background.")


class SubtractBackgroundTask(Task):
    ConfigClass = SubtractBackgroundConfig
    _DefaultName = "subtractBackground"

    @timeMethod
    def run(self, exposure):
        level = sum(exposure["pixels"]) / len(exposure["pixels"])
        self.metadata["level"] = level
        return Struct(background={"level": level, "binSize": self.config.binSize})


class CharacterizeLikeConnections(PipelineTaskConnections,
                                  dimensions=("instrument", "visit", "detector"),
                                  defaultTemplates={"prefix": ""}):
    exposure = cT.Input(
        doc="Input exposure after ISR.",
        name="{prefix}postISRCCD",
        storageClass="StructuredDataDict",
        dimensions=["instrument", "exposure", "detector"],
    )
    bias = cT.PrerequisiteInput(
        doc="Bias, looked up by validity time.",
        name="bias",
        storageClass="StructuredDataDict",
        dimensions=("instrument", "detector"),
        isCalibration=True,
    )
    refCat = cT.PrerequisiteInput(
        doc="Reference catalog shards overlapping the detector.",
        name="ref_cat",
        storageClass="StructuredDataDict",
        dimensions=("skypix",),
        multiple=True,
        deferLoad=True,
        minimum=0,
    )
    characterized = cT.Output(
        doc="Characterized exposure.",
        name="{prefix}icExp",
        storageClass="StructuredDataDict",
        dimensions=["instrument", "visit", "detector"],
    )
    sourceCat = cT.Output(
        doc="Sources used for characterization.",
        name="{prefix}icSrc",
        storageClass="StructuredDataDict",
        dimensions=("instrument", "visit", "detector"),
    )
    backgroundModel = cT.Output(
        doc="Background model.",
        name="{prefix}icExpBackground",
        storageClass="StructuredDataDict",
        dimensions=("instrument", "visit", "detector"),
    )
    outputSchema = cT.InitOutput(
        doc="Schema of the source catalog.",
        name="{prefix}icSrc_schema",
        storageClass="StructuredDataDict",
    )

    def __init__(self, *, config=None):
        super().__init__(config=config)
        if not config.doWriteBackground:
            del self.backgroundModel
        if not config.doUseRefCat:
            self.prerequisiteInputs.remove("refCat")


class CharacterizeLikeConfig(PipelineTaskConfig, pipelineConnections=CharacterizeLikeConnections):
    doWriteBackground = pexConfig.Field(dtype=bool, default=True, doc="Write the background model?")
    doUseRefCat = pexConfig.Field(dtype=bool, default=True, doc="Read reference catalog shards?")
    threshold = pexConfig.Field(dtype=float, default=5.0, doc="Detection threshold (sigma).")
    background = pexConfig.ConfigurableField(target=SubtractBackgroundTask, doc="Background subtraction.")

    def validate(self):
        super().validate()
        if self.threshold <= 0:
            raise pexConfig.FieldValidationError(CharacterizeLikeConfig.threshold, self, "must be positive")


class CharacterizeLikeTask(PipelineTask):
    ConfigClass = CharacterizeLikeConfig
    _DefaultName = "characterizeImage"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.makeSubtask("background")
        self.outputSchema = {"columns": ["id", "flux"]}

    def runQuantum(self, butlerQC, inputRefs, outputRefs):
        inputs = butlerQC.get(inputRefs)
        inputs["exposureIdInfo"] = butlerQC.quantum.dataId["detector"]
        handles = inputs.pop("refCat", [])
        inputs["nRefShards"] = len(handles)
        outputs = self.run(**inputs)
        butlerQC.put(outputs, outputRefs)

    @timeMethod
    def run(self, exposure, bias, exposureIdInfo=0, nRefShards=0):
        pixels = [p - bias["level"] for p in exposure["pixels"]]
        background = self.background.run({"pixels": pixels}).background
        sources = [i for i, p in enumerate(pixels) if p > self.config.threshold + background["level"]]
        return Struct(
            characterized={"pixels": pixels, "detector": exposureIdInfo},
            sourceCat={"ids": sources, "nRefShards": nRefShards},
            backgroundModel=background,
        )


class GatherConnections(PipelineTaskConnections, dimensions=("instrument", "visit")):
    catalogs = cT.Input(
        doc="Per-detector catalogs of one visit.",
        name="icSrc",
        storageClass="StructuredDataDict",
        dimensions=("instrument", "visit", "detector"),
        multiple=True,
        minimum=2,
    )
    summary = cT.Output(
        doc="Per-visit summary.",
        name="visitSummary",
        storageClass="StructuredDataDict",
        dimensions=("instrument", "visit"),
    )

    def adjustQuantum(self, inputs, outputs, label, data_id):
        connection, refs = inputs["catalogs"]
        kept = [ref for ref in refs if ref.dataId["detector"] not in self.config.badDetectors]
        adjusted = {"catalogs": (connection, kept)}
        inputs.update(adjusted)
        super().adjustQuantum(inputs, outputs, label, data_id)
        return adjusted, {}


class GatherConfig(PipelineTaskConfig, pipelineConnections=GatherConnections):
    badDetectors = pexConfig.ListField(dtype=int, default=[], doc="Detectors to leave out.")


class GatherTask(PipelineTask):
    ConfigClass = GatherConfig
    _DefaultName = "gather"

    def run(self, catalogs):
        if not catalogs:
            raise NoWorkFound("No catalogs to gather.")
        return Struct(summary={"nSources": sum(len(c["ids"]) for c in catalogs)})


# The toy pipeline's scale (its dataset names are templates here, and it has a free-text field) and offset.
_toy = ToyTaskFactory(pexConfig, cT, pipeBase, module=__name__)
ScaleConnections, ScaleConfig, ScaleTask = _toy.scale(
    templated=True, extra_fields={"label": pexConfig.Field(dtype=str, default="scaled", doc="A free-text label.")})
OffsetConnections, OffsetConfig, OffsetTask = _toy.offset()


class NotAPipelineTask(Task):
    ConfigClass = pexConfig.Config
    _DefaultName = "plain"


class FakeInstrument:
    """An instrument with per-task config overrides, as an obs package provides."""

    @staticmethod
    def getName():
        return "Cam"

    def applyConfigOverrides(self, name, config):
        if name == "scale":
            config.factor = 10.0
