"""Sources: `SourceTable`, `SourceRecord`, `SourceCatalog` (LSST's ``afw.table`` Source classes).

A source catalog has at least LSST's minimal schema: ``id`` (int64), ``coord_ra``/``coord_dec``
(Angle, radians) and ``parent`` (int64, the id of the blend a deblended child came from; 0 for a
top-level source). Each record can carry a `Footprint`. Measurements are added as fields; the slots
(see `pipetasks.image.table.slots`) say which of them ``getCentroid()``, ``getPsfInstFlux()``,
``getShape()``... return, on a record or vectorised on the whole catalog.

Examples
--------
>>> schema = SourceTable.makeMinimalSchema()
>>> centroid = Point2DKey.addFields(schema, "base_SdssCentroid", "centroid from SDSS algorithm", "pixel")
>>> schema.getAliasMap().set("slot_Centroid", "base_SdssCentroid")
>>> catalog = SourceCatalog(schema)
>>> record = catalog.addNew()
>>> record.set(centroid, Point2D(12.5, 40.0))
>>> catalog.getX()
array([12.5])
"""

from __future__ import annotations

__all__ = ["SourceCatalog", "SourceRecord", "SourceTable", "SimpleCatalog", "SimpleRecord", "SimpleTable"]

from typing import Any, ClassVar

import numpy as np

from ..geometry import Point2D
from .base import BaseCatalog, BaseRecord, BaseTable
from .footprint import Footprint
from .schema import Schema
from .shapes import Quadrupole
from .slots import (
    FLUX_SLOTS,
    CentroidSlotDefinition,
    FluxSlotDefinition,
    ShapeSlotDefinition,
    SlotNotDefinedError,
    slot_definition,
)


class SimpleTable(BaseTable):
    """Table of records with ``id``, ``coord_ra``, ``coord_dec`` (reference catalogs)."""

    @classmethod
    def makeMinimalSchema(cls) -> Schema:
        return Schema.makeMinimalSimpleSchema()

    def _catalog_class(self) -> type[BaseCatalog]:
        return SimpleCatalog


class SimpleRecord(BaseRecord):
    """A record with a sky position."""

    __slots__ = ()

    def getCoord(self) -> Any:
        """Return ``(coord_ra, coord_dec)`` as an ICRS `astropy.coordinates.SkyCoord`."""
        from astropy.coordinates import SkyCoord

        return SkyCoord(self.get("coord_ra"), self.get("coord_dec"), unit="rad", frame="icrs")

    def setCoord(self, coord: Any) -> None:
        """Set ``coord_ra``/``coord_dec`` from a `SkyCoord` or an ``(ra, dec)`` pair in radians."""
        if hasattr(coord, "ra"):
            coord = coord.icrs
            ra, dec = coord.ra.rad, coord.dec.rad
        else:
            ra, dec = coord
        self.set("coord_ra", ra)
        self.set("coord_dec", dec)

    def getRa(self) -> float:
        """Right ascension in radians."""
        return self.get("coord_ra")

    def getDec(self) -> float:
        """Declination in radians."""
        return self.get("coord_dec")


class SimpleCatalog(BaseCatalog):
    """Catalog of `SimpleRecord` (LSST's ``SimpleCatalog``)."""

    Table: ClassVar[type[BaseTable]] = SimpleTable
    Record: ClassVar[type[BaseRecord]] = SimpleRecord

    def getRa(self) -> np.ndarray:
        return self["coord_ra"]

    def getDec(self) -> np.ndarray:
        return self["coord_dec"]


class SourceTable(SimpleTable):
    """Table of sources: schema with ``parent``, id factory, metadata and slot definitions."""

    @classmethod
    def makeMinimalSchema(cls) -> Schema:
        schema = Schema.makeMinimalSimpleSchema()
        schema.addField("parent", type="L", doc="unique ID of parent source")
        return schema

    def _catalog_class(self) -> type[BaseCatalog]:
        return SourceCatalog

    def getCentroidSlot(self) -> CentroidSlotDefinition:
        return CentroidSlotDefinition(self._schema, "Centroid")

    def getShapeSlot(self) -> ShapeSlotDefinition:
        return ShapeSlotDefinition(self._schema, "Shape")

    def getPsfFluxSlot(self) -> FluxSlotDefinition:
        return FluxSlotDefinition(self._schema, "PsfFlux")

    def getApFluxSlot(self) -> FluxSlotDefinition:
        return FluxSlotDefinition(self._schema, "ApFlux")

    def getCalibFluxSlot(self) -> FluxSlotDefinition:
        return FluxSlotDefinition(self._schema, "CalibFlux")

    def getGaussianFluxSlot(self) -> FluxSlotDefinition:
        return FluxSlotDefinition(self._schema, "GaussianFlux")

    def getModelFluxSlot(self) -> FluxSlotDefinition:
        return FluxSlotDefinition(self._schema, "ModelFlux")

    def defineSlot(self, slot: str, target: str) -> None:
        """Point slot ``slot`` (``Centroid``, ``PsfFlux``...) at measurement prefix ``target``."""
        slot_definition(self._schema, slot)
        self._schema.getAliasMap().set(f"slot_{slot}", target)

    def defineCentroid(self, target: str) -> None:
        self.defineSlot("Centroid", target)

    def defineShape(self, target: str) -> None:
        self.defineSlot("Shape", target)

    def definePsfFlux(self, target: str) -> None:
        self.defineSlot("PsfFlux", target)

    def defineApFlux(self, target: str) -> None:
        self.defineSlot("ApFlux", target)

    def defineCalibFlux(self, target: str) -> None:
        self.defineSlot("CalibFlux", target)


def _slot_value(record: BaseRecord, alias: str, suffix: str) -> Any:
    try:
        return record.get(f"{alias}_{suffix}")
    except KeyError:
        raise SlotNotDefinedError(
            slot_definition(record.getSchema(), alias[5:])._missing_message(suffix)
        ) from None


class SourceRecord(SimpleRecord):
    """One source: fields, slot accessors, parent and footprint."""

    __slots__ = ()

    def getParent(self) -> int:
        return self.get("parent")

    def setParent(self, parentId: int) -> None:
        self.set("parent", parentId)

    def getFootprint(self) -> Footprint | None:
        return self._object("footprint")

    def setFootprint(self, footprint: Footprint | None) -> None:
        if footprint is not None and not isinstance(footprint, Footprint):
            raise TypeError(f"setFootprint takes a Footprint, not a {type(footprint).__name__}")
        self._set_object("footprint", footprint)

    # centroid slot
    def getCentroid(self) -> Point2D:
        return Point2D(_slot_value(self, "slot_Centroid", "x"), _slot_value(self, "slot_Centroid", "y"))

    def getX(self) -> float:
        return _slot_value(self, "slot_Centroid", "x")

    def getY(self) -> float:
        return _slot_value(self, "slot_Centroid", "y")

    def getCentroidFlag(self) -> bool:
        return _slot_value(self, "slot_Centroid", "flag")

    # shape slot
    def getShape(self) -> Quadrupole:
        return Quadrupole(self.getIxx(), self.getIyy(), self.getIxy())

    def getIxx(self) -> float:
        return _slot_value(self, "slot_Shape", "xx")

    def getIyy(self) -> float:
        return _slot_value(self, "slot_Shape", "yy")

    def getIxy(self) -> float:
        return _slot_value(self, "slot_Shape", "xy")

    def getShapeFlag(self) -> bool:
        return _slot_value(self, "slot_Shape", "flag")


class SourceCatalog(SimpleCatalog):
    """A columnar catalog of `SourceRecord` (LSST's ``SourceCatalog``).

    Parameters
    ----------
    table : `SourceTable` or `Schema`
        The table, or a schema (it should contain `SourceTable.makeMinimalSchema`'s fields).
    capacity : `int`, optional
        Rows to allocate up front.
    """

    Table: ClassVar[type[BaseTable]] = SourceTable
    Record: ClassVar[type[BaseRecord]] = SourceRecord
    _object_columns: ClassVar[tuple[str, ...]] = ("footprint",)

    def getTable(self) -> SourceTable:  # type: ignore[override]
        return self._table  # type: ignore[return-value]

    # -- vectorised slots --------------------------------------------------------

    def _slot_column(self, alias: str, suffix: str) -> np.ndarray:
        try:
            return self[f"{alias}_{suffix}"]
        except KeyError:
            raise SlotNotDefinedError(
                slot_definition(self.getSchema(), alias[5:])._missing_message(suffix)
            ) from None

    def getX(self) -> np.ndarray:
        return self._slot_column("slot_Centroid", "x")

    def getY(self) -> np.ndarray:
        return self._slot_column("slot_Centroid", "y")

    def getIxx(self) -> np.ndarray:
        return self._slot_column("slot_Shape", "xx")

    def getIyy(self) -> np.ndarray:
        return self._slot_column("slot_Shape", "yy")

    def getIxy(self) -> np.ndarray:
        return self._slot_column("slot_Shape", "xy")

    def getChildren(self, parentId: int) -> SourceCatalog:
        """Return the records whose ``parent`` is ``parentId`` (a copy)."""
        return self[self["parent"] == parentId]

    def getFootprints(self) -> list[Footprint | None]:
        """Return the attached footprints, one per record (`None` where unset)."""
        return list(self._objects["footprint"][: self._size])

    # -- files (implemented in fits_io / parquet_io) -----------------------------

    def writeFits(self, path: str, includeHeavy: bool = True) -> None:
        """Write this catalog as FITS (see ``docs/file_formats_catalogs.md``)."""
        from .fits_io import write_catalog_fits

        write_catalog_fits(self, path, include_heavy=includeHeavy)

    @classmethod
    def readFits(cls, path: str) -> SourceCatalog:
        """Read a catalog written by `writeFits`.

        Raises
        ------
        ImageFormatError
            Raised if the file is truncated or not a catalog file.
        """
        from .fits_io import read_catalog_fits

        catalog = read_catalog_fits(path)
        if not isinstance(catalog, cls):
            raise TypeError(f"{path} holds a {type(catalog).__name__}, not a {cls.__name__}")
        return catalog


def _add_flux_getters() -> None:
    """Give `SourceRecord` and `SourceCatalog` ``get<Slot>InstFlux/InstFluxErr/FluxFlag`` methods."""
    for slot in FLUX_SLOTS:
        alias = f"slot_{slot}"
        base = slot[: -len("Flux")]

        def record_getter(self: SourceRecord, _alias: str = alias, _suffix: str = "instFlux") -> float:
            return _slot_value(self, _alias, _suffix)

        def record_err(self: SourceRecord, _alias: str = alias) -> float:
            return _slot_value(self, _alias, "instFluxErr")

        def record_flag(self: SourceRecord, _alias: str = alias) -> bool:
            return _slot_value(self, _alias, "flag")

        def catalog_getter(self: SourceCatalog, _alias: str = alias) -> np.ndarray:
            return self._slot_column(_alias, "instFlux")

        def catalog_err(self: SourceCatalog, _alias: str = alias) -> np.ndarray:
            return self._slot_column(_alias, "instFluxErr")

        names = (f"get{base}InstFlux", f"get{base}InstFluxErr", f"get{base}FluxFlag")
        for cls, functions in (
            (SourceRecord, (record_getter, record_err, record_flag)),
            (SourceCatalog, (catalog_getter, catalog_err, None)),
        ):
            for name, function in zip(names, functions):
                if function is None:
                    continue
                function.__name__ = name
                function.__qualname__ = f"{cls.__name__}.{name}"
                function.__doc__ = (
                    f"Slot {slot}: the ``{alias}_instFlux``/``_instFluxErr``/``_flag`` value(s)."
                )
                setattr(cls, name, function)


_add_flux_getters()
