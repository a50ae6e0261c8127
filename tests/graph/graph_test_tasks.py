"""LSST-style PipelineTasks for the quantum graph tests (datasets are plain dicts).

``scale -> offset -> visitSum`` is the toy pipeline of ``toy_tasks`` (the benchmarks' shape), whose
``visitSum`` can be given a ``minimum`` number of detectors; the other tasks exercise
prerequisites, ``adjustQuantum``, init-inputs/outputs and deferred constraints.
"""

from toy_tasks import PER_DETECTOR as VD
from toy_tasks import ToyTaskFactory

import pipetasks.config as pexConfig
import pipetasks.framework as pipeBase
import pipetasks.framework.connectionTypes as cT
from pipetasks.framework import NoWorkFound, PipelineTask, PipelineTaskConfig, PipelineTaskConnections, Struct

_toy = ToyTaskFactory(pexConfig, cT, pipeBase, module=__name__)
ScaleConnections, ScaleConfig, ScaleTask = _toy.scale()
OffsetConnections, OffsetConfig, OffsetTask = _toy.offset()
VisitSumConnections, VisitSumConfig, VisitSumTask = _toy.visit_sum("VisitSum", output="visitSum",
                                                                   configurable_minimum=True)


def find_flat(datasetType, registry, quantumDataId, collections):
    """A lookupFunction: the flat of the quantum's detector, in the first collection that has one."""
    return [registry.findDataset(datasetType, instrument=quantumDataId["instrument"],
                                 detector=quantumDataId["detector"], collections=collections)]


class CalibrateConnections(PipelineTaskConnections, dimensions=VD):
    exposure = cT.Input(doc="Raw values.", name="raw", storageClass="StructuredDataDict", dimensions=VD)
    bias = cT.PrerequisiteInput(doc="Bias valid at the visit's time.", name="bias",
                                storageClass="StructuredDataDict", dimensions=("instrument", "detector"),
                                isCalibration=True)
    flat = cT.PrerequisiteInput(doc="Flat, found by a lookup function.", name="flat",
                                storageClass="StructuredDataDict", dimensions=("instrument", "detector"),
                                lookupFunction=find_flat, minimum=0)
    calibrated = cT.Output(doc="Calibrated values.", name="calibrated", storageClass="StructuredDataDict",
                           dimensions=VD)

    def __init__(self, *, config=None):
        super().__init__(config=config)
        if not config.doFlat:
            del self.flat


class CalibrateConfig(PipelineTaskConfig, pipelineConnections=CalibrateConnections):
    doFlat = pexConfig.Field(dtype=bool, default=False, doc="Divide by the flat?")


class CalibrateTask(PipelineTask):
    ConfigClass = CalibrateConfig
    _DefaultName = "calibrate"

    def run(self, exposure, bias, flat=None):
        return Struct(calibrated={"value": exposure["value"] - bias["level"]})


class PickyConnections(PipelineTaskConnections, dimensions=VD):
    input = cT.Input(doc="Values.", name="scaled", storageClass="StructuredDataDict", dimensions=VD)
    output = cT.Output(doc="Values of good detectors.", name="picked", storageClass="StructuredDataDict",
                       dimensions=VD)

    def adjustQuantum(self, inputs, outputs, label, data_id):
        if data_id["detector"] in self.config.badDetectors:
            raise NoWorkFound(f"Detector {data_id['detector']} is known to be bad.")
        return super().adjustQuantum(inputs, outputs, label, data_id)


class PickyConfig(PipelineTaskConfig, pipelineConnections=PickyConnections):
    badDetectors = pexConfig.ListField(dtype=int, default=[], doc="Detectors with no work to do.")


class PickyTask(PipelineTask):
    ConfigClass = PickyConfig
    _DefaultName = "picky"

    def run(self, input):
        return Struct(output=input)


class SchemaConnections(PipelineTaskConnections, dimensions=VD):
    input = cT.Input(doc="Raw values.", name="raw", storageClass="StructuredDataDict", dimensions=VD)
    catalog = cT.Output(doc="A catalog.", name="catalog", storageClass="StructuredDataDict", dimensions=VD)
    schema = cT.InitOutput(doc="Columns of the catalog.", name="catalog_schema", storageClass="StructuredDataDict")


class SchemaConfig(PipelineTaskConfig, pipelineConnections=SchemaConnections):
    pass


class SchemaTask(PipelineTask):
    ConfigClass = SchemaConfig
    _DefaultName = "schema"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.schema = {"columns": ["value"]}


class ReadSchemaConnections(PipelineTaskConnections, dimensions=VD):
    schema = cT.InitInput(doc="Columns of the catalog.", name="catalog_schema", storageClass="StructuredDataDict")
    catalog = cT.Input(doc="A catalog.", name="catalog", storageClass="StructuredDataDict", dimensions=VD)
    mask = cT.Input(doc="Optional mask, not a constraint on the data IDs.", name="mask",
                    storageClass="StructuredDataDict", dimensions=VD, deferGraphConstraint=True, minimum=0)
    measured = cT.Output(doc="Measurements.", name="measured", storageClass="StructuredDataDict", dimensions=VD)


class ReadSchemaConfig(PipelineTaskConfig, pipelineConnections=ReadSchemaConnections):
    pass


class ReadSchemaTask(PipelineTask):
    ConfigClass = ReadSchemaConfig
    _DefaultName = "readSchema"


def make_pipeline_graph(butler, *tasks, overrides=None):
    """The resolved pipeline graph of ``(label, task class)`` pairs, with ``{label: {field: value}}`` overrides."""
    from pipetasks.pipeline import Pipeline

    pipeline = Pipeline("graph tests")
    for label, task_class in tasks:
        pipeline.addTask(task_class, label)
    for label, fields in (overrides or {}).items():
        for field, value in fields.items():
            pipeline.addConfigOverride(label, field, value)
    return pipeline.to_graph(butler)


TOY = (("scale", ScaleTask), ("offset", OffsetTask), ("visitSum", VisitSumTask))


class VisitFlatsConnections(PipelineTaskConnections, dimensions=("instrument", "visit")):
    raws = cT.Input(doc="Raw values of a visit.", name="raw", storageClass="StructuredDataDict", dimensions=VD,
                    multiple=True)
    flats = cT.PrerequisiteInput(doc="Flats of every detector (dimensions beyond the task's).", name="flat",
                                 storageClass="StructuredDataDict", dimensions=("instrument", "detector"),
                                 multiple=True)
    summary = cT.Output(doc="Per-visit summary.", name="visitFlatSummary", storageClass="StructuredDataDict",
                        dimensions=("instrument", "visit"))


class VisitFlatsConfig(PipelineTaskConfig, pipelineConnections=VisitFlatsConnections):
    pass


class VisitFlatsTask(PipelineTask):
    ConfigClass = VisitFlatsConfig
    _DefaultName = "visitFlats"
