"""Exceptions raised by the butler.

One class per kind of failure, with LSST's names where LSST has one, so that
``except lsst.daf.butler.MissingDatasetTypeError`` ports unchanged.  Every
class derives from `ButlerError` as well as from the built-in exception that
LSST uses as its base, so either can be caught.
"""

from __future__ import annotations

__all__ = [
    "ButlerError",
    "CalibrationLookupError",
    "CollectionCycleError",
    "CollectionError",
    "CollectionTypeError",
    "ConflictingDefinitionError",
    "DataIdError",
    "DataIdValueError",
    "DatasetNotFoundError",
    "DatasetTypeError",
    "DatasetTypeNotSupportedError",
    "DimensionNameError",
    "DimensionValueError",
    "EmptyQueryResultError",
    "FileNotFoundInDatastoreError",
    "IncompatibleSchemaError",
    "InconsistentDataIdError",
    "InvalidQueryError",
    "ExpressionSyntaxError",
    "MissingCollectionError",
    "MissingDatasetTypeError",
    "NoDefaultCollectionError",
    "OrphanedRecordError",
    "ReadOnlyDatabaseError",
    "RepositoryNotFoundError",
    "UnknownComponentError",
]

from .queries.errors import ExpressionSyntaxError, InvalidQueryError


class ButlerError(Exception):
    """Base class of every error the butler raises on purpose."""


class RepositoryNotFoundError(ButlerError, FileNotFoundError):
    """No butler repository exists at the given location or label."""


class IncompatibleSchemaError(ButlerError, RuntimeError):
    """The repository's database schema is not the one this code expects."""


class ReadOnlyDatabaseError(ButlerError, RuntimeError):
    """A write was attempted through a butler or registry opened read-only."""


class ConflictingDefinitionError(ButlerError, RuntimeError):
    """Something is already defined differently (a dataset type, a record, a dataset)."""


class OrphanedRecordError(ButlerError, RuntimeError):
    """A record cannot be removed because something still refers to it."""


class DatasetTypeError(ButlerError, ValueError):
    """A dataset type is used in a way its definition does not allow."""


class MissingDatasetTypeError(DatasetTypeError, KeyError):
    """A dataset type is not registered in the repository."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DatasetTypeNotSupportedError(DatasetTypeError):
    """The datastore cannot store datasets of this type."""


class UnknownComponentError(DatasetTypeError, KeyError):
    """A component name is not defined by the dataset's storage class."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DatasetNotFoundError(ButlerError, LookupError):
    """No dataset matches the dataset type, data ID and collections given."""


class FileNotFoundInDatastoreError(DatasetNotFoundError, FileNotFoundError):
    """The registry knows the dataset but its file is missing from the datastore."""


class CalibrationLookupError(DatasetNotFoundError):
    """A calibration lookup found no dataset, or more than one, for the time asked."""


class DataIdError(ButlerError, LookupError):
    """A data ID is malformed or refers to dimension values that do not exist."""


class DimensionNameError(DataIdError, KeyError):
    """A data ID names a dimension that is not in the universe or not relevant."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DataIdValueError(DataIdError, ValueError):
    """A data ID value does not correspond to any dimension record."""


DimensionValueError = DataIdValueError


class InconsistentDataIdError(DataIdError, ValueError):
    """A data ID's values disagree with each other (e.g. band and physical_filter)."""


class CollectionError(ButlerError, ValueError):
    """A collection is used in a way its type or state does not allow."""


class MissingCollectionError(CollectionError, KeyError):
    """A collection does not exist in the repository."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class NoDefaultCollectionError(CollectionError, TypeError):
    """No collection or run was given and the butler has no default one."""


class CollectionTypeError(CollectionError, TypeError):
    """A collection has the wrong type for the operation."""


class CollectionCycleError(CollectionError):
    """Defining a chain this way would make it contain itself."""


class EmptyQueryResultError(ButlerError, LookupError):
    """A query that must return something returned nothing; carries the reasons."""

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        super().__init__("; ".join(self.reasons) if self.reasons else "query returned no results")
