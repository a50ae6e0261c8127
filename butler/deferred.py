"""Handles for reading a dataset later, and the answer to "does it exist?"."""

from __future__ import annotations

__all__ = ["DeferredDatasetHandle", "DatasetExistence", "DatasetRefURIs", "ButlerURI"]

import enum
import os
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .butler import Butler
    from .dataset_ref import DatasetRef


class DatasetExistence(enum.Flag):
    """What is known about whether a dataset exists (as LSST's ``Butler.exists`` returns).

    Truthy only when the registry knows the dataset, the datastore has a
    record of it, and its file was seen (or assumed present).
    """

    UNRECOGNIZED = 0
    RECORDED = enum.auto()
    DATASTORE = enum.auto()
    _ARTIFACT = enum.auto()
    _ASSUMED = enum.auto()
    KNOWN = RECORDED | DATASTORE | _ASSUMED
    VERIFIED = RECORDED | DATASTORE | _ARTIFACT

    def __bool__(self) -> bool:
        value = self.value
        needed = DatasetExistence.RECORDED.value | DatasetExistence.DATASTORE.value
        return (value & needed) == needed and bool(
            value & (DatasetExistence._ARTIFACT.value | DatasetExistence._ASSUMED.value))


class ButlerURI(str):
    """A dataset's location: a `str` (local path or URL) with LSST ``ResourcePath``-style helpers."""

    @property
    def scheme(self) -> str:
        """``file`` for local paths, else the URL scheme."""
        return self.split("://", 1)[0] if "://" in self else "file"

    @property
    def ospath(self) -> str:
        """The local path (only for ``file`` URIs)."""
        if self.scheme != "file":
            raise ValueError(f"{self} is not a local file.")
        return self[len("file://"):] if self.startswith("file://") else str(self)

    @property
    def path(self) -> str:
        """The path part."""
        return self.ospath if self.scheme == "file" else "/" + self.split("://", 1)[1].split("/", 1)[-1]

    def geturl(self) -> str:
        """The full URL (``file://`` for local paths)."""
        return f"file://{os.path.abspath(self)}" if self.scheme == "file" and "://" not in self else str(self)

    @property
    def fragment(self) -> str:
        """The part after ``#`` (``predicted`` for predicted URIs)."""
        return self.split("#", 1)[1] if "#" in self else ""

    def exists(self) -> bool:
        """Whether the file exists."""
        import fsspec

        fs, path = fsspec.core.url_to_fs(self.split("#", 1)[0])
        return fs.exists(path)

    def basename(self) -> str:
        """The last path component."""
        return self.split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]


class DatasetRefURIs(NamedTuple):
    """The locations of a dataset (``Butler.getURIs``), usable as the pair ``(primary, components)``."""

    primaryURI: ButlerURI | None
    """The file holding the whole dataset; `None` if each component has its own."""

    componentURIs: dict[str, ButlerURI]
    """The files of components stored apart, by component name (usually empty)."""


class DeferredDatasetHandle:
    """A dataset to read later (``butler.getDeferred``), e.g. to read a cutout only when needed."""

    def __init__(self, butler: Butler, ref: DatasetRef, parameters: dict[str, Any] | None = None,
                 storageClass: Any = None):
        self.butler = butler
        self.ref = ref
        self.parameters = parameters
        self.storageClass = storageClass

    @property
    def dataId(self):
        """The dataset's data ID."""
        return self.ref.dataId

    def get(self, *, component: str | None = None, parameters: dict[str, Any] | None = None,
            storageClass: Any = None) -> Any:
        """Read the dataset (or one component), merging parameters with those given at creation."""
        merged = {**(self.parameters or {}), **(parameters or {})} or None
        ref = self.ref.makeComponentRef(component) if component else self.ref
        return self.butler.get(ref, parameters=merged, storageClass=storageClass or self.storageClass)

    def __repr__(self) -> str:
        return f"DeferredDatasetHandle({self.ref})"
