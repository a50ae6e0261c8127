"""Toy PipelineTasks for the execution tests: scale → offset → sum over detectors, on small dicts.

The pipeline is the one of ``toy_tasks``, built on `ToyTask`: every task can
be told (by config) to fail, find no work, write partial outputs, sleep, or
kill its process on chosen detectors, so failure handling is tested with real
tasks in real processes.
"""

import logging
import os
import time

from toy_tasks import PER_DETECTOR as DETECTOR_DIMS
from toy_tasks import ToyTaskFactory

import pipetasks.config as pexConfig
import pipetasks.framework as pipeBase
import pipetasks.framework.connectionTypes as cT
from pipetasks.framework import (
    AnnotatedPartialOutputsError,
    NoWorkFound,
    PipelineTask,
    PipelineTaskConfig,
    PipelineTaskConnections,
    Struct,
)


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


_toy = ToyTaskFactory(pexConfig, cT, pipeBase, module=__name__, task_base=ToyTask, config_bases=(ToyConfigMixin,))
ScaleConnections, ScaleConfig, ScaleTask = _toy.scale()
OffsetConnections, OffsetConfig, OffsetTask = _toy.offset()
SumConnections, SumConfig, SumTask = _toy.visit_sum()


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
