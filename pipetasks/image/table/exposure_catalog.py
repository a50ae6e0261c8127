"""Per-detector rows with attached calibration objects: `ExposureCatalog` (LSST's ``ExposureCatalog``).

A visit summary (``finalVisitSummary``) is an `ExposureCatalog` with one record per detector: the
record's ``id`` is the detector id, ``bbox_*`` its pixel box, and the record carries the detector's
PSF, WCS, PhotoCalib, ApCorrMap, VisitInfo, Detector, FilterLabel and valid polygon as objects
(persisted through `pipetasks.image.archive`), next to summary-statistic columns named as LSST names
them (``psfSigma``, ``psfArea``, ``zeroPoint``, ``skyBg``...; see `addSummaryStatsFields`).
"""

from __future__ import annotations

__all__ = ["ExposureCatalog", "ExposureRecord", "ExposureTable", "OBJECT_COMPONENTS"]

import dataclasses
from typing import Any, ClassVar

from ..geometry import Box2I
from .base import BaseCatalog, BaseRecord, BaseTable
from .keys import Box2IKey
from .schema import Schema

OBJECT_COMPONENTS: tuple[str, ...] = (
    "psf",
    "wcs",
    "photoCalib",
    "apCorrMap",
    "visitInfo",
    "detector",
    "filter",
    "validPolygon",
    "transmissionCurve",
)
"""Objects an exposure record can carry, in file order (LSST's ExposureRecord components)."""

# Documentation and units of the summary statistics the catalog stores as columns.
_SUMMARY_DOCS: dict[str, tuple[str, str]] = {
    "psfSigma": ("PSF model second-moments determinant radius (center of chip)", "pixel"),
    "psfArea": ("PSF model effective area (center of chip)", "pixel^2"),
    "psfIxx": ("PSF model Ixx (center of chip)", "pixel^2"),
    "psfIyy": ("PSF model Iyy (center of chip)", "pixel^2"),
    "psfIxy": ("PSF model Ixy (center of chip)", "pixel^2"),
    "ra": ("Right Ascension of bounding box center", "deg"),
    "dec": ("Declination of bounding box center", "deg"),
    "pixelScale": ("Measured detector pixel scale", "arcsec"),
    "zenithDistance": ("Zenith distance of bounding box center", "deg"),
    "expTime": ("Exposure time", "s"),
    "zeroPoint": ("Mean zeropoint in detector (magnitudes for 1 instrumental flux unit)", "mag"),
    "skyBg": ("Average sky background", "count"),
    "skyNoise": ("Average sky noise", "count"),
    "meanVar": ("Mean variance of the weight plane", "count^2"),
    "raCorners": ("Right Ascension of bounding box corners", "deg"),
    "decCorners": ("Declination of bounding box corners", "deg"),
    "astromOffsetMean": ("Mean offset of astrometric calibration matches", "arcsec"),
    "astromOffsetStd": ("Standard deviation of offsets of astrometric calibration matches", "arcsec"),
    "nPsfStar": ("Number of stars used for PSF model", ""),
    "effTime": ("Effective exposure time", "s"),
    "magLim": ("Magnitude limit at fixed SNR (5 sigma) for a point source", "mag"),
}


def _summary_stats_class() -> Any:
    from ..summary_stats import ExposureSummaryStats

    return ExposureSummaryStats


class ExposureTable(BaseTable):
    """Table of exposure records: ``id`` and ``bbox``."""

    @classmethod
    def makeMinimalSchema(cls) -> Schema:
        schema = Schema()
        schema.addField("id", type="L", doc="unique ID")
        Box2IKey.addFields(schema, "bbox", "bounding box", "pixel")
        return schema

    def _catalog_class(self) -> type[BaseCatalog]:
        return ExposureCatalog


class ExposureRecord(BaseRecord):
    """One detector of an exposure: bbox, summary columns and attached objects."""

    __slots__ = ()

    def getBBox(self) -> Box2I:
        return Box2IKey(self.getSchema()["bbox"]).get(self)

    def setBBox(self, bbox: Box2I) -> None:
        Box2IKey(self.getSchema()["bbox"]).set(self, bbox)

    def getSummaryStats(self) -> Any:
        """Return an `ExposureSummaryStats` from the summary columns present (others NaN/0)."""
        stats_class = _summary_stats_class()
        names = self.getSchema().getNames()
        values = {}
        for field in dataclasses.fields(stats_class):
            if field.name in names:
                value = self.get(field.name)
                values[field.name] = (
                    [float(v) for v in value]
                    if hasattr(value, "__len__") and not isinstance(value, str)
                    else value
                )
        return stats_class.from_dict(values)

    def setSummaryStats(self, stats: Any) -> None:
        """Copy an `ExposureSummaryStats` into the summary columns present in the schema."""
        names = self.getSchema().getNames()
        for key, value in stats.to_dict().items():
            if key in names:
                self.set(key, value)


def _add_object_accessors() -> None:
    for component in OBJECT_COMPONENTS:
        capital = component[0].upper() + component[1:]

        def getter(self: ExposureRecord, _name: str = component) -> Any:
            return self._object(_name)

        def setter(self: ExposureRecord, value: Any, _name: str = component) -> None:
            self._set_object(_name, value)

        def has(self: ExposureRecord, _name: str = component) -> bool:
            return self._object(_name) is not None

        for name, function, doc in (
            (f"get{capital}", getter, f"Return the attached {component} (or `None`)."),
            (f"set{capital}", setter, f"Attach a {component} (`None` removes it)."),
            (f"has{capital}", has, f"Whether a {component} is attached."),
        ):
            function.__name__ = name
            function.__qualname__ = f"ExposureRecord.{name}"
            function.__doc__ = doc
            setattr(ExposureRecord, name, function)


_add_object_accessors()


class ExposureCatalog(BaseCatalog):
    """Catalog of `ExposureRecord`, e.g. a visit summary with one row per detector."""

    Table: ClassVar[type[BaseTable]] = ExposureTable
    Record: ClassVar[type[BaseRecord]] = ExposureRecord
    _object_columns: ClassVar[tuple[str, ...]] = OBJECT_COMPONENTS

    @staticmethod
    def addSummaryStatsFields(schema: Schema) -> None:
        """Add one column per `ExposureSummaryStats` field (LSST's ``update_schema``).

        Floats are ``D``, counts ``I``, the corner lists ``ArrayD`` of size 4; ``version`` is skipped.
        """
        stats_class = _summary_stats_class()
        for name, kind in stats_class.field_types().items():
            if name == "version" or name in schema.getNames():
                continue
            doc, units = _SUMMARY_DOCS.get(name, (f"summary statistic {name}", ""))
            if kind == "list":
                schema.addField(name, type="ArrayD", size=4, doc=doc, units=units)
            elif kind == "int":
                schema.addField(name, type="I", doc=doc, units=units)
            else:
                schema.addField(name, type="D", doc=doc, units=units)

    def writeFits(self, path: str) -> None:
        """Write this catalog as FITS (see ``docs/file_formats_catalogs.md``)."""
        from .fits_io import write_catalog_fits

        write_catalog_fits(self, path)

    @classmethod
    def readFits(cls, path: str) -> ExposureCatalog:
        from .fits_io import read_catalog_fits

        catalog = read_catalog_fits(path)
        if not isinstance(catalog, cls):
            raise TypeError(f"{path} holds a {type(catalog).__name__}, not a {cls.__name__}")
        return catalog

    def __repr__(self) -> str:
        attached = [c for c in OBJECT_COMPONENTS if any(v is not None for v in self._objects[c][: len(self)])]
        objects = ", ".join(attached) or "none"
        return f"<ExposureCatalog: {len(self)} records, {len(self.getSchema())} fields, objects: {objects}>"
