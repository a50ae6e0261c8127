"""An LSST-style task hierarchy, written as LSST writes it with only the imports changed.

The classes below mirror the shape of pipe_tasks' CharacterizeImageTask:
subtasks as ConfigurableFields, a multi-selection plug-in registry,
registry-selected PSF determiners, ``setDefaults`` reaching into subtask
configs, and a ``validate`` raising ``FieldValidationError`` LSST-style.
"""

import pickle

import pytest

import pipetasks.config as pexConfig
from pipetasks.framework import Struct, Task, timeMethod

# -- meas_base-like measurement with plug-ins ----------------------------------------

measurementPlugins = pexConfig.makeRegistry("Single-frame measurement plug-ins.")


class PluginConfig(pexConfig.Config):
    doMeasure = pexConfig.Field(dtype=bool, default=True, doc="Whether to run this plugin.")


class CentroidConfig(PluginConfig):
    binmax = pexConfig.Field(dtype=int, default=16, doc="Maximum binning.")


class ApertureFluxConfig(PluginConfig):
    radii = pexConfig.ListField(dtype=float, default=[3.0, 4.5, 6.0, 9.0, 12.0], doc="Radii (pixels).")
    maxSincRadius = pexConfig.Field(dtype=float, default=10.0, doc="Largest sinc radius.")


@pexConfig.registerConfigurable("base_SdssCentroid", measurementPlugins)
class SdssCentroidPlugin:
    ConfigClass = CentroidConfig

    def __init__(self, config, name=None, schema=None):
        self.config, self.name = config, name


@pexConfig.registerConfigurable("base_CircularApertureFlux", measurementPlugins)
class CircularApertureFluxPlugin:
    ConfigClass = ApertureFluxConfig

    def __init__(self, config, name=None, schema=None):
        self.config, self.name = config, name


@pexConfig.registerConfigurable("base_PsfFlux", measurementPlugins)
class PsfFluxPlugin:
    ConfigClass = PluginConfig

    def __init__(self, config, name=None, schema=None):
        self.config, self.name = config, name


class SourceSlotConfig(pexConfig.Config):
    centroid = pexConfig.Field(dtype=str, default="base_SdssCentroid", optional=True, doc="Centroid slot.")
    apFlux = pexConfig.Field(dtype=str, default="base_CircularApertureFlux_12_0", optional=True,
                             doc="Aperture flux slot.")


class SingleFrameMeasurementConfig(pexConfig.Config):
    slots = pexConfig.ConfigField(dtype=SourceSlotConfig, doc="Mapping from algorithms to slots.")
    plugins = measurementPlugins.makeField(
        multi=True,
        default=["base_SdssCentroid", "base_PsfFlux", "base_CircularApertureFlux"],
        doc="Plugins to be run and their configuration.",
    )
    doReplaceWithNoise = pexConfig.Field(dtype=bool, default=True, doc="Replace neighbours with noise.")

    def validate(self):
        super().validate()
        if self.slots.centroid is not None and self.slots.centroid not in self.plugins.names:
            raise pexConfig.FieldValidationError(
                SingleFrameMeasurementConfig.slots, self, "source centroid slot algorithm is not being run."
            )


class SingleFrameMeasurementTask(Task):
    ConfigClass = SingleFrameMeasurementConfig
    _DefaultName = "measurement"

    def __init__(self, schema=None, algMetadata=None, **kwargs):
        super().__init__(**kwargs)
        self.schema = schema
        self.plugins = {
            name: measurementPlugins[name](config=self.config.plugins[name], name=name, schema=schema)
            for name in self.config.plugins.names
        }

    @timeMethod
    def run(self, catalog):
        self.metadata["nPlugins"] = len(self.plugins)
        return Struct(catalog=catalog)


# -- meas_algorithms-like detection and background ------------------------------------


class SubtractBackgroundConfig(pexConfig.Config):
    binSize = pexConfig.RangeField(dtype=int, default=128, min=1, doc="How large a region to average over.")
    algorithm = pexConfig.ChoiceField(
        dtype=str, default="AKIMA_SPLINE", optional=True, doc="How to interpolate the background values.",
        allowed={"CONSTANT": "Use a single constant value", "LINEAR": "Use linear interpolation",
                 "NATURAL_SPLINE": "cubic spline", "AKIMA_SPLINE": "higher-level nonlinear spline"},
    )
    ignoredPixelMask = pexConfig.ListField(dtype=str, default=["BAD", "EDGE", "DETECTED", "NO_DATA"],
                                           doc="Mask planes to ignore while estimating the background.")


class SubtractBackgroundTask(Task):
    ConfigClass = SubtractBackgroundConfig
    _DefaultName = "subtractBackground"

    @timeMethod
    def run(self, exposure):
        self.log.info("Subtracting background with bin size %d", self.config.binSize)
        return Struct(background=[self.config.binSize])


class SourceDetectionConfig(pexConfig.Config):
    minPixels = pexConfig.RangeField(dtype=int, default=1, min=0, doc="Smallest footprint (pixels).")
    thresholdValue = pexConfig.RangeField(dtype=float, default=5.0, min=0.0, doc="Threshold for detection.")
    includeThresholdMultiplier = pexConfig.RangeField(dtype=float, default=1.0, min=0.0,
                                                      doc="Include threshold multiplier.")
    thresholdType = pexConfig.ChoiceField(
        dtype=str, default="stdev", doc="Specifies the desired flavor of Threshold.", optional=False,
        allowed={"variance": "threshold applied to image variance", "stdev": "threshold applied to stdev",
                 "value": "threshold applied to image value", "pixel_stdev": "threshold per pixel stdev"},
    )
    doTempLocalBackground = pexConfig.Field(dtype=bool, default=True, doc="Temporary local background?")
    background = pexConfig.ConfigurableField(target=SubtractBackgroundTask, doc="Background re-estimation.")


class SourceDetectionTask(Task):
    ConfigClass = SourceDetectionConfig
    _DefaultName = "sourceDetection"

    def __init__(self, schema=None, **kwargs):
        super().__init__(**kwargs)
        self.schema = schema
        self.makeSubtask("background")

    @timeMethod
    def run(self, exposure):
        self.metadata["threshold"] = self.config.thresholdValue * self.config.includeThresholdMultiplier
        return Struct(numPos=3, numNeg=0)


class DynamicDetectionTask(SourceDetectionTask):
    """A drop-in replacement, as users retarget ``detection`` to."""


# -- measurePsf with registry-selected determiners -----------------------------------

psfDeterminerRegistry = pexConfig.makeRegistry("PSF determiners.")


class PsfexConfig(pexConfig.Config):
    spatialOrder = pexConfig.Field(dtype=int, default=2, doc="Spatial order of the PSF model.")
    sizeCellX = pexConfig.Field(dtype=int, default=256, doc="Cell size in x.")


class PiffConfig(pexConfig.Config):
    spatialOrder = pexConfig.Field(dtype=int, default=2, doc="Spatial order.")
    interpolant = pexConfig.Field(dtype=str, default="Lanczos(11)", doc="Interpolant.")


@pexConfig.registerConfigurable("psfex", psfDeterminerRegistry)
class PsfexPsfDeterminerTask(Task):
    ConfigClass = PsfexConfig
    _DefaultName = "psfDeterminer"


@pexConfig.registerConfigurable("piff", psfDeterminerRegistry)
class PiffPsfDeterminerTask(Task):
    ConfigClass = PiffConfig
    _DefaultName = "psfDeterminer"


class MeasurePsfConfig(pexConfig.Config):
    psfDeterminer = psfDeterminerRegistry.makeField("PSF determination algorithm.", default="psfex")
    reserveFraction = pexConfig.RangeField(dtype=float, default=0.0, min=0.0, max=1.0, doc="Reserved stars.")


class MeasurePsfTask(Task):
    ConfigClass = MeasurePsfConfig
    _DefaultName = "measurePsf"

    def __init__(self, schema=None, **kwargs):
        super().__init__(**kwargs)
        self.makeSubtask("psfDeterminer")
        self.usesMatches = False


# -- the top-level task ---------------------------------------------------------------


class CharacterizeImageConfig(pexConfig.Config):
    doMeasurePsf = pexConfig.Field(dtype=bool, default=True, doc="Measure PSF?")
    doWrite = pexConfig.Field(dtype=bool, default=True, doc="Persist results?")
    psfIterations = pexConfig.RangeField(dtype=int, default=2, min=1, doc="Number of iterations.")
    background = pexConfig.ConfigurableField(target=SubtractBackgroundTask, doc="Initial background.")
    detection = pexConfig.ConfigurableField(target=SourceDetectionTask, doc="Detect sources")
    doDeblend = pexConfig.Field(dtype=bool, default=True, doc="Run deblender input exposure")
    measurement = pexConfig.ConfigurableField(target=SingleFrameMeasurementTask, doc="Measure sources")
    doApCorr = pexConfig.Field(dtype=bool, default=True, doc="Measure and apply aperture corrections")
    measurePsf = pexConfig.ConfigurableField(target=MeasurePsfTask, doc="Measure PSF")
    checkUnitsParseStrict = pexConfig.Field(doc="Unit check strictness.", dtype=str, default="raise")

    def setDefaults(self):
        super().setDefaults()
        self.detection.thresholdValue = 5.0
        self.detection.includeThresholdMultiplier = 10.0
        self.detection.doTempLocalBackground = False
        self.doDeblend = False
        self.measurement.plugins.names = ["base_SdssCentroid", "base_PsfFlux", "base_CircularApertureFlux"]
        self.measurement.plugins["base_CircularApertureFlux"].radii = [12.0]

    def validate(self):
        super().validate()
        if self.doApCorr and not self.doMeasurePsf:
            raise pexConfig.FieldValidationError(
                CharacterizeImageConfig.doApCorr, self,
                "Must measure PSF to measure aperture correction (doMeasurePsf=False).",
            )


class CharacterizeImageTask(Task):
    ConfigClass = CharacterizeImageConfig
    _DefaultName = "characterizeImage"

    def __init__(self, schema=None, **kwargs):
        super().__init__(**kwargs)
        self.schema = schema if schema is not None else {}
        self.makeSubtask("background")
        self.makeSubtask("measurePsf", schema=self.schema)
        self.makeSubtask("detection", schema=self.schema)
        self.makeSubtask("measurement", schema=self.schema, algMetadata={})

    @timeMethod
    def run(self, exposure):
        background = self.background.run(exposure).background
        for _ in range(self.config.psfIterations):
            detections = self.detection.run(exposure)
            self.measurement.run(catalog=[])
        self.metadata["numSources"] = detections.numPos
        return Struct(exposure=exposure, background=background, sourceCat=[])

    def _reduce_kwargs(self):
        return {**super()._reduce_kwargs(), "schema": self.schema}


# -- the specification ----------------------------------------------------------------


def test_defaults_reach_into_subtask_configs():
    config = CharacterizeImageConfig()
    assert config.detection.thresholdValue == 5.0 and config.detection.includeThresholdMultiplier == 10.0
    assert config.doDeblend is False
    expected = {"base_SdssCentroid", "base_PsfFlux", "base_CircularApertureFlux"}
    assert set(config.measurement.plugins.names) == expected
    assert config.measurement.plugins["base_CircularApertureFlux"].radii == [12.0]
    assert config.measurePsf.psfDeterminer.name == "psfex"
    config.validate()


def test_cross_field_validation_raises_lsst_style_errors():
    config = CharacterizeImageConfig()
    config.doMeasurePsf = False
    with pytest.raises(
        pexConfig.FieldValidationError,
        match="Field 'doApCorr' failed validation: Must measure PSF",
    ):
        config.validate()
    config = CharacterizeImageConfig()
    config.measurement.plugins.names.discard("base_SdssCentroid")
    with pytest.raises(pexConfig.FieldValidationError,
                       match="ConfigField 'measurement.slots' failed validation: source centroid slot"):
        config.validate()


def test_task_hierarchy_builds_from_the_config():
    config = CharacterizeImageConfig()
    config.measurePsf.psfDeterminer.name = "piff"
    config.measurePsf.psfDeterminer["piff"].spatialOrder = 3
    task = CharacterizeImageTask(config=config)
    assert task.getFullName() == "characterizeImage"
    assert task.detection.getFullName() == "characterizeImage.detection"
    assert task.detection.background.getFullName() == "characterizeImage.detection.background"
    assert isinstance(task.measurePsf.psfDeterminer, PiffPsfDeterminerTask)
    assert task.measurePsf.psfDeterminer.config.spatialOrder == 3
    assert sorted(task.measurement.plugins) == [
        "base_CircularApertureFlux", "base_PsfFlux", "base_SdssCentroid"
    ]
    assert task.log.name == "tests.characterizeImage"
    assert task.detection.background.log.name == "tests.characterizeImage.detection.background"


def test_running_records_metadata_for_every_task():
    task = CharacterizeImageTask()
    result = task.run(exposure="exp")
    assert result.exposure == "exp" and result.background == [128]
    full = task.getFullMetadata()
    assert full["characterizeImage.numSources"] == 3
    assert full["characterizeImage:detection.threshold"] == 50.0
    assert len(full.getArray("characterizeImage:detection.runStartCpuTime")) == 2  # two PSF iterations
    assert full["characterizeImage:measurement.nPlugins"] == 3
    assert "characterizeImage:background.runEndUtc" in full


def test_overrides_file_and_command_line_change_a_realistic_config(tmp_path):
    override = tmp_path / "characterize.py"
    override.write_text(
        "from tests.config.test_config_lsst_style import DynamicDetectionTask\n"
        "config.detection.retarget(DynamicDetectionTask)\n"
        "config.detection.thresholdValue = 4.0\n"
        "config.measurement.plugins.names = ['base_SdssCentroid', 'base_PsfFlux']\n"
        "config.measurePsf.psfDeterminer.name = 'piff'\n"
        "config.measurePsf.psfDeterminer['piff'].interpolant = 'Lanczos(5)'\n"
    )
    config = CharacterizeImageConfig()
    config.load(override)
    pexConfig.apply_overrides(config, ["psfIterations=3", "detection.background.binSize=64",
                                       "measurement.plugins['base_SdssCentroid'].binmax=8"])
    task = CharacterizeImageTask(config=config)
    assert isinstance(task.detection, DynamicDetectionTask) and task.detection.config.thresholdValue == 4.0
    assert task.detection.background.config.binSize == 64
    assert task.measurement.plugins["base_SdssCentroid"].config.binmax == 8
    assert set(task.measurement.plugins) == {"base_SdssCentroid", "base_PsfFlux"}


def test_saved_realistic_config_round_trips_exactly(tmp_path):
    config = CharacterizeImageConfig()
    config.detection.retarget(DynamicDetectionTask)
    config.measurePsf.psfDeterminer.name = "piff"
    config.measurement.plugins["base_CircularApertureFlux"].radii = [3.0, 6.0]
    config.background.algorithm = "LINEAR"
    path = tmp_path / "characterizeImage_config.py"
    config.save(path)
    text = path.read_text()
    assert "config.detection.retarget(target=tests.config.test_config_lsst_style.DynamicDetectionTask" in text
    assert "config.measurement.plugins['base_CircularApertureFlux'].radii = [3.0, 6.0]" in text
    loaded = CharacterizeImageConfig()
    loaded.load(path)
    assert loaded == config
    loaded.freeze()
    assert pickle.loads(pickle.dumps(loaded)) == config


def test_a_built_task_hierarchy_pickles():
    config = CharacterizeImageConfig()
    config.psfIterations = 1
    task = CharacterizeImageTask(config=config, schema={"id": int})
    copy = pickle.loads(pickle.dumps(task))
    assert copy.config == task.config and copy.schema == {"id": int}
    assert copy.detection.background.getFullName() == "characterizeImage.detection.background"
    assert copy.run("e").background == [128]
