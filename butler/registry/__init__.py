"""The SQL registry: dimensions, collections, dataset types and datasets."""

from .database import Database
from .registry import Registry, RegistryDefaults

__all__ = ["Database", "Registry", "RegistryDefaults"]
