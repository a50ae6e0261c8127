"""Data butler: a SQL registry of datasets plus a file datastore.

The public API mirrors LSST's ``lsst.daf.butler``; a script written for LSST
runs with its import changed to ``from butler import Butler, DatasetType, ...``.
"""

from .butler import Butler
from .collection_type import CollectionInfo, CollectionType
from .dataset_association import DatasetAssociation
from .dataset_ref import DatasetId, DatasetIdGenEnum, DatasetRef
from .dataset_type import DatasetType
from .deferred import ButlerURI, DatasetExistence, DeferredDatasetHandle
from .dimensions import (
    DataCoordinate,
    DataId,
    Dimension,
    DimensionElement,
    DimensionGroup,
    DimensionRecord,
    DimensionUniverse,
)
from .errors import *  # noqa: F403 - the exception classes are part of the API
from .errors import __all__ as _error_names
from .file_dataset import FileDataset
from .registry import Registry
from .storage_class import StorageClass
from .storage_class_factory import StorageClassFactory
from .timespan import Timespan

__version__ = "0.1.0"

__all__ = [
    "Butler",
    "ButlerURI",
    "CollectionInfo",
    "CollectionType",
    "DataCoordinate",
    "DatasetAssociation",
    "DataId",
    "DatasetExistence",
    "DatasetId",
    "DatasetIdGenEnum",
    "DatasetRef",
    "DatasetType",
    "DeferredDatasetHandle",
    "Dimension",
    "DimensionElement",
    "DimensionGroup",
    "DimensionRecord",
    "DimensionUniverse",
    "FileDataset",
    "Registry",
    "StorageClass",
    "StorageClassFactory",
    "Timespan",
    *_error_names,
]
