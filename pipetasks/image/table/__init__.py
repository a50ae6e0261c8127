"""LSST-style catalogs on numpy: schemas, source and exposure catalogs, footprints, id factories."""

from .base import BaseCatalog, BaseRecord, BaseTable
from .exposure_catalog import ExposureCatalog, ExposureRecord, ExposureTable
from .footprint import Footprint, HeavyFootprint, PeakRecord, makeHeavyFootprint
from .ids import IdFactory, IdFactoryError
from .keys import Box2IKey, CoordKey, FluxKey, Point2DKey, Point2IKey, QuadrupoleKey
from .mapper import SchemaMapper
from .schema import AliasMap, Field, FieldNotFoundError, Key, Schema, SchemaItem, SubSchema
from .shapes import Quadrupole
from .slots import SlotNotDefinedError
from .source import SimpleCatalog, SimpleRecord, SimpleTable, SourceCatalog, SourceRecord, SourceTable
from .spans import Span, SpanSet, Stencil

__all__ = [
    "AliasMap",
    "BaseCatalog",
    "BaseRecord",
    "BaseTable",
    "Box2IKey",
    "CoordKey",
    "ExposureCatalog",
    "ExposureRecord",
    "ExposureTable",
    "Field",
    "FieldNotFoundError",
    "FluxKey",
    "Footprint",
    "HeavyFootprint",
    "IdFactory",
    "IdFactoryError",
    "Key",
    "PeakRecord",
    "Point2DKey",
    "Point2IKey",
    "Quadrupole",
    "QuadrupoleKey",
    "Schema",
    "SchemaItem",
    "SchemaMapper",
    "SimpleCatalog",
    "SimpleRecord",
    "SimpleTable",
    "SlotNotDefinedError",
    "SourceCatalog",
    "SourceRecord",
    "SourceTable",
    "Span",
    "SpanSet",
    "Stencil",
    "SubSchema",
    "makeHeavyFootprint",
]
