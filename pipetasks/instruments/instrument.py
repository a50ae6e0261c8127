"""`Instrument`: everything the butler and the pipelines need to know about one camera.

An instrument names its camera, filters, raw dataset type and formatter, header translator
and default collections, and writes its own records (instrument, physical filters, detectors)
into a registry.  The registry remembers the Python class (``instrument.class_name``), so
``Instrument.from_string("MegaPrime", registry)`` finds it again.  Names follow LSST's
``lsst.pipe.base.Instrument``.
"""

from __future__ import annotations

import abc
import importlib.resources
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from butler.storage_class import import_dotted
from butler.timespan import Timespan

from ..image.camera import Camera
from .errors import UnknownInstrumentError
from .filters import FilterDefinitionCollection
from .observation_info import ObservationInfo
from .translator import MetadataTranslator

if TYPE_CHECKING:
    from butler import Butler, DatasetType
    from butler.registry import Registry

__all__ = ["Instrument"]


class Instrument(abc.ABC):
    """Base class of instruments.

    Parameters
    ----------
    collection_prefix : `str`, optional
        First component of the instrument's collection names; the instrument name by default.

    Notes
    -----
    Subclasses set the class attributes below and implement `getCamera`.
    """

    name: ClassVar[str]
    """The ``instrument`` data ID value."""

    filterDefinitions: ClassVar[FilterDefinitionCollection]
    """The physical filters and their bands."""

    translatorClass: ClassVar[type[MetadataTranslator]]
    """Reads raw headers into `ObservationInfo`."""

    rawFormatterClass: ClassVar[str]
    """Dotted name of the formatter that reads one detector of a raw file."""

    raw_definition: ClassVar[tuple[str, tuple[str, ...], str]] = ("raw", ("instrument", "exposure", "detector"), "Exposure")
    """Dataset type name, dimensions and storage class of raws."""

    exposure_max: ClassVar[int] = 2**31
    visit_max: ClassVar[int] = 2**31
    config_package: ClassVar[str | None] = None
    """Package holding ``<task _DefaultName>.py`` config overrides (see `applyConfigOverrides`)."""

    def __init__(self, collection_prefix: str | None = None):
        self.collection_prefix = collection_prefix or self.getName()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    # -- identity -------------------------------------------------------------------------

    @classmethod
    def getName(cls) -> str:
        """The instrument's name, its ``instrument`` data ID value."""
        return cls.name

    @abc.abstractmethod
    def getCamera(self) -> Camera:
        """The camera geometry."""

    @classmethod
    def class_name(cls) -> str:
        """The dotted path recorded in the registry."""
        return f"{cls.__module__}.{cls.__qualname__}"

    # -- finding instruments ----------------------------------------------------------------

    @staticmethod
    def from_string(name: str, registry: Registry | None = None) -> Instrument:
        """The instrument named by a dotted class path, or by its registered name.

        Parameters
        ----------
        name : `str`
            ``pipetasks.instruments.MegaPrime``, or ``MegaPrime`` when ``registry`` knows it.
        registry : `Registry`, optional
            Looked in for a registered instrument of that name.

        Raises
        ------
        UnknownInstrumentError
            If ``name`` is neither an importable `Instrument` subclass nor registered.
        """
        if "." in name:
            try:
                cls = import_dotted(name)
            except (ImportError, AttributeError) as err:
                raise UnknownInstrumentError(f"cannot import instrument class {name!r}: {err}") from None
            if not (isinstance(cls, type) and issubclass(cls, Instrument)):
                raise UnknownInstrumentError(f"{name!r} is not an Instrument subclass")
            return cls()
        if registry is not None:
            return Instrument.fromName(name, registry)
        raise UnknownInstrumentError(
            f"{name!r} is not a dotted class path (such as pipetasks.instruments.MegaPrime) and no "
            "registry was given to look the name up in"
        )

    @staticmethod
    def fromName(name: str, registry: Registry) -> Instrument:
        """The instrument registered as ``name``.

        Raises
        ------
        UnknownInstrumentError
            If no instrument of that name is registered.
        """
        records = {r.name: r for r in registry.queryDimensionRecords("instrument")}
        record = records.get(name)
        if record is None:
            known = ", ".join(sorted(records)) or "none"
            raise UnknownInstrumentError(
                f"no instrument {name!r} is registered in this repository (registered: {known}); "
                "register it with `butler register-instrument REPO <class path>`"
            )
        if not record.class_name:
            raise UnknownInstrumentError(f"instrument {name!r} was registered without a Python class")
        return Instrument.from_string(record.class_name)

    # -- collections -------------------------------------------------------------------------

    def makeCollectionName(self, *labels: str) -> str:
        """``<prefix>/<label>/...``."""
        return "/".join((self.collection_prefix, *labels))

    def makeDefaultRawIngestRunName(self) -> str:
        """``<prefix>/raw/all``: where ingested raws go by default."""
        return self.makeCollectionName("raw", "all")

    def makeCalibrationCollectionName(self, *labels: str) -> str:
        """``<prefix>/calib[/labels]``: the CALIBRATION collection pipelines search."""
        return self.makeCollectionName("calib", *labels)

    def makeCuratedCalibrationRunName(self, calibDate: str, *labels: str) -> str:
        """``<prefix>/calib/curated/<calibDate>``: the RUN of curated calibrations of one epoch."""
        return self.makeCalibrationCollectionName("curated", calibDate, *labels)

    def makeUmbrellaCollectionName(self) -> str:
        """``<prefix>/defaults``: a chain of the raws, calibrations and sky maps."""
        return self.makeCollectionName("defaults")

    # -- registry records ----------------------------------------------------------------------

    def register(self, registry: Registry, *, update: bool = False) -> None:
        """Insert the instrument, physical filter and detector records (one transaction).

        Registering again is a no-op; if the stored records differ from this instrument's,
        `~butler.errors.ConflictingDefinitionError` is raised unless ``update`` is true.
        """
        camera = self.getCamera()
        with registry.transaction():
            registry.syncDimensionData(
                "instrument",
                {
                    "name": self.getName(),
                    "detector_max": max(camera.getIdIter()) + 1,
                    "visit_max": self.visit_max,
                    "exposure_max": self.exposure_max,
                    "visit_system": 0,
                    "class_name": self.class_name(),
                },
                update=update,
            )
            for definition in self.filterDefinitions:
                registry.syncDimensionData(
                    "physical_filter",
                    {"instrument": self.getName(), "name": definition.physical_filter, "band": definition.band},
                    update=update,
                )
            for detector in camera:
                registry.syncDimensionData(
                    "detector",
                    {
                        "instrument": self.getName(),
                        "id": detector.getId(),
                        "full_name": detector.getName(),
                        "purpose": detector.getType().name,
                    },
                    update=update,
                )

    def raw_dataset_type(self, universe: Any) -> DatasetType:
        """The ``raw`` dataset type."""
        from butler import DatasetType

        name, dimensions, storage_class = self.raw_definition
        return DatasetType(name, dimensions, storage_class, universe=universe)

    # -- headers ---------------------------------------------------------------------------------

    def translate(self, header: Mapping[str, Any], filename: str | None = None) -> ObservationInfo:
        """Read a raw header (see `MetadataTranslator`)."""
        return self.translatorClass(header, filename).to_observation_info()

    def exposure_records(self, info: ObservationInfo) -> dict[str, dict[str, Any]]:
        """The ``group``, ``day_obs`` and ``exposure`` records of one observation."""
        timespan = Timespan(info.datetime_begin, info.datetime_end)
        tracking = info.tracking_radec
        return {
            "group": {"instrument": self.getName(), "name": info.exposure_group},
            "day_obs": {
                "instrument": self.getName(),
                "id": info.observing_day,
                "timespan": Timespan.from_day_obs(info.observing_day, info.observing_day_offset),
            },
            "exposure": {
                "instrument": self.getName(),
                "id": info.exposure_id,
                "obs_id": info.observation_id,
                "physical_filter": info.physical_filter,
                "group": info.exposure_group,
                "day_obs": info.observing_day,
                "exposure_time": info.exposure_time,
                "dark_time": info.dark_time,
                "observation_type": info.observation_type,
                "observation_reason": info.observation_reason,
                "seq_num": info.observation_counter,
                "seq_start": info.group_counter_start,
                "seq_end": info.group_counter_end,
                "target_name": info.object,
                "science_program": info.science_program,
                "tracking_ra": None if tracking is None else float(tracking.icrs.ra.deg),
                "tracking_dec": None if tracking is None else float(tracking.icrs.dec.deg),
                "sky_angle": info.boresight_rotation_angle,
                "azimuth": info.azimuth,
                "zenith_angle": info.zenith_angle,
                "has_simulated": info.has_simulated_content,
                "can_see_sky": info.can_see_sky,
                "timespan": timespan,
            },
        }

    # -- configuration -------------------------------------------------------------------------

    def applyConfigOverrides(self, name: str, config: Any) -> None:
        """Apply the instrument's overrides for the task ``name`` (``<config_package>/<name>.py``)."""
        if self.config_package is None:
            return
        resource = importlib.resources.files(self.config_package).joinpath(f"{name}.py")
        if resource.is_file():
            config.loadFromString(resource.read_text(), filename=str(resource))

    # -- curated calibrations -------------------------------------------------------------------

    def getCuratedCalibrationNames(self) -> frozenset[str]:
        """Dataset types `writeCuratedCalibrations` writes."""
        return frozenset({"camera"})

    def getCuratedCalibrationEpochs(self) -> list[Any]:
        """Curated calibrations other than the camera, as `~pipetasks.instruments.curated.CuratedCalibrationEpoch`
        objects (dataset type, validity range and a loader); none by default."""
        return []

    def writeCuratedCalibrations(self, butler: Butler, collection: str | None = None, labels: tuple[str, ...] = ()) -> list[Any]:
        """Write the camera and other curated calibrations and certify them.

        See `pipetasks.instruments.curated.write_curated_calibrations`.
        """
        from .curated import write_curated_calibrations

        return write_curated_calibrations(self, butler, collection=collection, labels=labels)
