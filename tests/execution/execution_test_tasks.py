"""Toy PipelineTasks for the execution tests: scale → offset → sum over detectors, on small dicts.

Every task can be told (by config) to fail, find no work, write partial
outputs, sleep, or kill its process on chosen detectors, so failure handling
is tested with real tasks in real processes.
"""

import logging
import os
import time

import pipetasks.config as pexConfig
import pipetasks.framework.connectionTypes as cT
from pipetasks.framework import (
    AnnotatedPartialOutputsError,
    NoWorkFound,
    PipelineTask,
    PipelineTaskConfig,
    PipelineTaskConnections,
    Struct,
)

DETECTOR_DIMS = ("instrument", "visit", "detector")


class ToyConfigMixin(pexConfig.Config):
    failDetectors = pexConfig.ListField(dtype=int, default=[], doc="Raise RuntimeError on these detectors.")
    noWorkDetectors = pexConfig.ListField(dtype=int, default=[], doc="Raise NoWorkFound on these detectors.")
    partialDetectors = pexConfig.ListField(dtype=int, default=[], doc="Write outputs, then raise "
                                                                      "AnnotatedPartialOutputsError.")
    exitDetectors = pexConfig.ListField(dtype=int, default=[], doc="Kill the process (os._exit) on these.")
    failWhileExists = pexConfig.Field(dtype=str, default="", doc="Fail on failDetectors only while this file "
                                                                 "exists (a transient failure; empty: always).")
    sleepSeconds = pexConfig.Field(dtype=float, default=0.0, doc="Sleep this long in every quantum.")
    spinSeconds = pexConfig.Field(dtype=float, default=0.0, doc="Burn CPU this long in every quantum.")


class ToyTask(PipelineTask):
    constructions = 0

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        type(self).constructions += 1

    def runQuantum(self, butlerQC, inputRefs, outputRefs):
        data_id = butlerQC.quantum.dataId
        detector = data_id["detector"] if "detector" in data_id else None
        self.metadata["pid"] = os.getpid()
        self.metadata["constructions"] = type(self).constructions
        self.log.info("Running %s on %s", self.getName(), butlerQC.quantum.dataId)
        if self.config.sleepSeconds:
            time.sleep(self.config.sleepSeconds)
        if self.config.spinSeconds:
            end = time.process_time() + self.config.spinSeconds
            while time.process_time() < end:
                pass
        if detector in self.config.exitDetectors:
            os._exit(3)
        transient = self.config.failWhileExists
        if detector in self.config.failDetectors and (not transient or os.path.exists(transient)):
            raise RuntimeError(f"{self.getName()} was told to fail on detector {detector}")
        if detector in self.config.noWorkDetectors:
            raise NoWorkFound(f"nothing to do on detector {detector}")
        inputs = butlerQC.get(inputRefs)
        outputs = self.run(**inputs)
        butlerQC.put(outputs, outputRefs)
        if detector in self.config.partialDetectors:
            try:
                raise ValueError(f"partial failure on detector {detector}")
            except ValueError as err:
                raise AnnotatedPartialOutputsError.annotate(err, self, log=self.log) from err


class ScaleConnections(PipelineTaskConnections, dimensions=DETECTOR_DIMS):
    input = cT.Input(doc="Raw value.", name="raw", storageClass="StructuredDataDict", dimensions=DETECTOR_DIMS)
    output = cT.Output(doc="Scaled.", name="scaled", storageClass="StructuredDataDict", dimensions=DETECTOR_DIMS)


class ScaleConfig(PipelineTaskConfig, ToyConfigMixin, pipelineConnections=ScaleConnections):
    factor = pexConfig.Field(dtype=float, default=2.0, doc="Multiplier.")


class ScaleTask(ToyTask):
    ConfigClass = ScaleConfig
    _DefaultName = "scale"

    def run(self, input):
        return Struct(output={"value": input["value"] * self.config.factor})


class OffsetConnections(PipelineTaskConnections, dimensions=DETECTOR_DIMS):
    input = cT.Input(doc="Scaled.", name="scaled", storageClass="StructuredDataDict", dimensions=DETECTOR_DIMS)
    output = cT.Output(doc="Offset.", name="offset", storageClass="StructuredDataDict", dimensions=DETECTOR_DIMS)


class OffsetConfig(PipelineTaskConfig, ToyConfigMixin, pipelineConnections=OffsetConnections):
    offset = pexConfig.Field(dtype=float, default=1.0, doc="Added value.")


class OffsetTask(ToyTask):
    ConfigClass = OffsetConfig
    _DefaultName = "offset"

    def run(self, input):
        return Struct(output={"value": input["value"] + self.config.offset})


class SumConnections(PipelineTaskConnections, dimensions=("instrument", "visit")):
    values = cT.Input(doc="Per-detector values.", name="offset", storageClass="StructuredDataDict",
                      dimensions=DETECTOR_DIMS, multiple=True)
    total = cT.Output(doc="Sum over detectors.", name="total", storageClass="StructuredDataDict",
                      dimensions=("instrument", "visit"))


class SumConfig(PipelineTaskConfig, ToyConfigMixin, pipelineConnections=SumConnections):
    pass


class SumTask(ToyTask):
    ConfigClass = SumConfig
    _DefaultName = "sum"

    def run(self, values):
        return Struct(total={"value": sum(item["value"] for item in values), "n": len(values)})


class SchemaConnections(PipelineTaskConnections, dimensions=DETECTOR_DIMS):
    input = cT.Input(doc="Raw value.", name="raw", storageClass="StructuredDataDict", dimensions=DETECTOR_DIMS)
    schema = cT.InitOutput(doc="Columns written.", name="toy_schema", storageClass="StructuredDataDict")
    output = cT.Output(doc="Catalog.", name="toy_catalog", storageClass="StructuredDataDict",
                       dimensions=DETECTOR_DIMS)


class SchemaConfig(PipelineTaskConfig, ToyConfigMixin, pipelineConnections=SchemaConnections):
    pass


class SchemaTask(ToyTask):
    """Has an init-output, as LSST tasks writing catalogs with a schema do."""

    ConfigClass = SchemaConfig
    _DefaultName = "schemaWriter"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.schema = {"columns": ["id", "value"]}

    def run(self, input):
        return Struct(output={"id": 1, "value": input["value"]})


class SchemaReaderConnections(PipelineTaskConnections, dimensions=DETECTOR_DIMS):
    schema = cT.InitInput(doc="Upstream columns.", name="toy_schema", storageClass="StructuredDataDict")
    input = cT.Input(doc="Catalog.", name="toy_catalog", storageClass="StructuredDataDict",
                     dimensions=DETECTOR_DIMS)
    output = cT.Output(doc="Columns seen.", name="toy_columns", storageClass="StructuredDataDict",
                       dimensions=DETECTOR_DIMS)


class SchemaReaderConfig(PipelineTaskConfig, ToyConfigMixin, pipelineConnections=SchemaReaderConnections):
    pass


class SchemaReaderTask(ToyTask):
    """Reads its init-input when built."""

    ConfigClass = SchemaReaderConfig
    _DefaultName = "schemaReader"

    def __init__(self, *, initInputs=None, **kwargs):
        super().__init__(initInputs=initInputs, **kwargs)
        self.columns = list(initInputs["schema"]["columns"])

    def run(self, input):
        return Struct(output={"columns": self.columns, "value": input["value"]})


logging.getLogger(__name__).debug("toy tasks loaded")
