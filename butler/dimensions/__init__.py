"""Dimensions: the universe of data ID keys, their records, and data IDs."""

from .data_coordinate import DataCoordinate, DataId
from .elements import Dimension, DimensionElement, FieldSpec, SkyPixDimension
from .group import DimensionGroup
from .records import DimensionRecord
from .universe import DimensionUniverse

__all__ = [
    "DataCoordinate",
    "DataId",
    "Dimension",
    "DimensionElement",
    "DimensionGroup",
    "DimensionRecord",
    "DimensionUniverse",
    "FieldSpec",
    "SkyPixDimension",
]
