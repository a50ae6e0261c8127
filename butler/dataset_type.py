"""Dataset types: a name, the dimensions of its data IDs, and a storage class."""

from __future__ import annotations

__all__ = ["DatasetType"]

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .dimensions import DimensionGroup, DimensionUniverse

if TYPE_CHECKING:
    from .storage_class import StorageClass

_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*)*$")


def _get_storage_class(name: str) -> StorageClass:
    from .storage_class_factory import get_storage_class_factory

    return get_storage_class_factory().getStorageClass(name)


class DatasetType:
    """The kind of a dataset: its name, dimensions and storage class.

    Parameters
    ----------
    name : `str`
        ``calexp``, or ``calexp.wcs`` for a component.
    dimensions : `DimensionGroup` or iterable of `str`
        Dimensions of the data IDs.
    storageClass : `StorageClass` or `str`
        How the in-memory object is typed; resolved lazily when a name.
    parentStorageClass : `StorageClass` or `str`, optional
        For components: the parent's storage class.
    universe : `DimensionUniverse`, optional
        Needed when ``dimensions`` are names; the default universe otherwise.
    isCalibration : `bool`, optional
        Whether datasets of this type may be certified in CALIBRATION collections.
    """

    __slots__ = ("_name", "_dimensions", "_storage_class_name", "_storage_class", "_parent_sc_name",
                 "_is_calibration")

    def __init__(
        self,
        name: str,
        dimensions: DimensionGroup | Iterable[str],
        storageClass: StorageClass | str,
        parentStorageClass: StorageClass | str | None = None,
        *,
        universe: DimensionUniverse | None = None,
        isCalibration: bool = False,
    ):
        if not _NAME_RE.match(name):
            raise ValueError(
                f"Dataset type name {name!r} is not valid: use letters, digits and underscores, "
                "not starting with a digit, with '.' only to separate a component."
            )
        self._name = name
        if not isinstance(dimensions, DimensionGroup):
            if universe is None:
                universe = DimensionUniverse.default()
            dimensions = universe.conform(list(dimensions))
        self._dimensions = dimensions
        if isinstance(storageClass, str):
            self._storage_class_name = storageClass
            self._storage_class = None
        else:
            self._storage_class_name = storageClass.name
            self._storage_class = storageClass
        if parentStorageClass is not None and not isinstance(parentStorageClass, str):
            parentStorageClass = parentStorageClass.name
        if parentStorageClass is None and "." in name:
            pass  # resolved by makeComponentDatasetType callers
        self._parent_sc_name = parentStorageClass
        self._is_calibration = isCalibration

    @staticmethod
    def splitDatasetTypeName(name: str) -> tuple[str, str | None]:
        """Split ``parent.component`` into its parts."""
        parent, _, component = name.partition(".")
        return parent, component or None

    @staticmethod
    def nameWithComponent(name: str, component: str) -> str:
        """Join a parent name and a component name."""
        return f"{name}.{component}"

    @property
    def name(self) -> str:
        """The full name (with component, if any)."""
        return self._name

    @property
    def dimensions(self) -> DimensionGroup:
        """Dimensions of the data IDs."""
        return self._dimensions

    @property
    def storageClass_name(self) -> str:
        """Name of the storage class."""
        return self._storage_class_name

    @property
    def storageClass(self) -> StorageClass:
        """The storage class (looked up on first use)."""
        if self._storage_class is None:
            self._storage_class = _get_storage_class(self._storage_class_name)
        return self._storage_class

    @property
    def parentStorageClass(self) -> StorageClass | None:
        """The parent's storage class, for a component dataset type."""
        return None if self._parent_sc_name is None else _get_storage_class(self._parent_sc_name)

    def isCalibration(self) -> bool:
        """Whether datasets of this type can be certified in CALIBRATION collections."""
        return self._is_calibration

    def isComponent(self) -> bool:
        """Whether this is a component (``parent.component``)."""
        return "." in self._name

    def component(self) -> str | None:
        """The component name, or `None`."""
        return self.splitDatasetTypeName(self._name)[1]

    def nameAndComponent(self) -> tuple[str, str | None]:
        """The parent name and the component name (or `None`)."""
        return self.splitDatasetTypeName(self._name)

    def componentTypeName(self, component: str) -> str:
        """The name of one component's dataset type."""
        return self.nameWithComponent(self._name, component)

    def makeComponentDatasetType(self, component: str) -> DatasetType:
        """The dataset type of one component of this one."""
        components = self.storageClass.allComponents()
        if component not in components:
            from .errors import UnknownComponentError

            raise UnknownComponentError(
                f"Storage class {self._storage_class_name} of {self._name!r} has no component {component!r}; "
                f"components are {sorted(components)}."
            )
        return DatasetType(
            self.componentTypeName(component),
            self._dimensions,
            components[component],
            parentStorageClass=self._storage_class_name,
            isCalibration=self._is_calibration,
        )

    def makeCompositeDatasetType(self) -> DatasetType:
        """The parent dataset type of a component."""
        if not self.isComponent():
            return self
        if self._parent_sc_name is None:
            raise ValueError(f"Component dataset type {self._name} does not know its parent storage class.")
        return DatasetType(self.nameAndComponent()[0], self._dimensions, self._parent_sc_name,
                           isCalibration=self._is_calibration)

    def overrideStorageClass(self, storageClass: StorageClass | str) -> DatasetType:
        """A copy with another (convertible) storage class."""
        return DatasetType(self._name, self._dimensions, storageClass, parentStorageClass=self._parent_sc_name,
                           isCalibration=self._is_calibration)

    def is_compatible_with(self, other: DatasetType) -> bool:
        """Whether datasets of ``other`` can be read as this type (same name and dimensions, convertible)."""
        if self._name != other._name or self._dimensions != other._dimensions:
            return False
        if self._storage_class_name == other._storage_class_name:
            return True
        return self.storageClass.can_convert(other.storageClass)

    def _key(self) -> tuple:
        return (self._name, self._dimensions, self._storage_class_name, self._is_calibration)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DatasetType):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __lt__(self, other: DatasetType) -> bool:
        return self._name < other._name

    def __repr__(self) -> str:
        calib = ", isCalibration=True" if self._is_calibration else ""
        return f"DatasetType({self._name!r}, {self._dimensions}, {self._storage_class_name}{calib})"

    def __reduce__(self) -> tuple:
        return (_rebuild_dataset_type, (self._name, self._dimensions, self._storage_class_name,
                                        self._parent_sc_name, self._is_calibration))

    def to_simple(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "name": self._name,
            "dimensions": list(self._dimensions.required),
            "storageClass": self._storage_class_name,
            "isCalibration": self._is_calibration,
        }


def _rebuild_dataset_type(name, dimensions, sc, parent, is_calibration) -> DatasetType:
    return DatasetType(name, dimensions, sc, parentStorageClass=parent, isCalibration=is_calibration)
