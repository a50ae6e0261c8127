"""`ExposureInfo`: everything an `Exposure` carries besides pixels (WCS, PSF, calibrations, metadata)."""

from __future__ import annotations

import copy
from typing import Any, Callable

from astropy.io import fits
from astropy.wcs import WCS

from .ap_corr import ApCorrMap
from .detector import Detector
from .filter_label import FilterLabel
from .photo_calib import PhotoCalib
from .summary_stats import ExposureSummaryStats
from .visit_info import VisitInfo

__all__ = ["ExposureInfo", "COMPONENT_NAMES", "Deferred"]

COMPONENT_NAMES: tuple[str, ...] = (
    "wcs",
    "psf",
    "photoCalib",
    "apCorrMap",
    "visitInfo",
    "detector",
    "filter",
    "summaryStats",
)
"""The non-pixel components, in the order the FITS format writes them."""

_EXPECTED: dict[str, tuple[type, ...]] = {
    "wcs": (WCS,),
    "photoCalib": (PhotoCalib,),
    "apCorrMap": (ApCorrMap,),
    "visitInfo": (VisitInfo,),
    "detector": (Detector,),
    "filter": (FilterLabel,),
    "summaryStats": (ExposureSummaryStats,),
}


class Deferred:
    """A component decoded on first use (from bytes already read), then cached.

    Copies of an `ExposureInfo` share the same `Deferred`, so a component is decoded at most once.
    """

    __slots__ = ("_loader", "_value")

    def __init__(self, loader: Callable[[], Any]):
        self._loader: Callable[[], Any] | None = loader
        self._value: Any = None

    def resolve(self) -> Any:
        if self._loader is not None:
            self._value = self._loader()
            self._loader = None
        return self._value


class ExposureInfo:
    """Container of an exposure's components, each `None` when absent.

    Getters, setters and ``has*`` predicates have LSST's names (``getWcs``/``setWcs``/``hasWcs``,
    ...). ``getMetadata()`` is an `astropy.io.fits.Header` (LSST's ``PropertyList``).

    A component read from a file may be *deferred* (`set_deferred`): its bytes are in memory and
    it is decoded the first time it is asked for, so reading an exposure or a cut-out does not
    pay for decoding components nobody uses.
    """

    def __init__(self, **components: Any):
        self._components: dict[str, Any] = {name: None for name in COMPONENT_NAMES}
        self._metadata: Any = None  # an empty Header is made on first use
        self._id: int | None = None
        for name, value in components.items():
            if name == "metadata":
                self.setMetadata(value)
            elif name == "id":
                self.setId(value)
            else:
                self.set(name, value)

    # -- generic access -------------------------------------------------------

    def get(self, name: str) -> Any:
        """Component ``name`` (one of `COMPONENT_NAMES`, ``metadata`` or ``id``)."""
        if name == "metadata":
            return self.getMetadata()
        if name == "id":
            return self._id
        self._check_name(name)
        value = self._components[name]
        if isinstance(value, Deferred):
            value = value.resolve()
            self._components[name] = value
        return value

    def set_deferred(self, name: str, loader: Callable[[], Any] | Deferred) -> None:
        """Set component ``name`` (or ``"metadata"``) to be produced by ``loader()`` on first use."""
        deferred = loader if isinstance(loader, Deferred) else Deferred(loader)
        if name == "metadata":
            self._metadata = deferred  # type: ignore[assignment]
            return
        self._check_name(name)
        self._components[name] = deferred

    def set(self, name: str, value: Any) -> None:
        """Set component ``name``; `None` removes it.

        Raises
        ------
        TypeError
            If ``value`` is not of the component's type (a PSF must be a
            `pipetasks.image.psf.Psf`).
        """
        self._check_name(name)
        if value is not None:
            expected = _EXPECTED.get(name)
            if name == "psf":
                from .psf import Psf

                expected = (Psf,)
            if expected and not isinstance(value, expected):
                raise TypeError(
                    f"component {name!r} must be a {expected[0].__name__}, not {type(value).__name__}"
                )
        self._components[name] = value

    def has(self, name: str) -> bool:
        """Whether component ``name`` is present (a deferred one counts without being decoded)."""
        if name in self._components:
            return self._components[name] is not None
        return self.get(name) is not None

    @staticmethod
    def _check_name(name: str) -> None:
        if name not in COMPONENT_NAMES:
            raise KeyError(f"unknown exposure component {name!r}; known: {', '.join(COMPONENT_NAMES)}")

    # -- LSST names ----------------------------------------------------------------

    def getWcs(self) -> WCS | None:
        return self.get("wcs")

    def setWcs(self, wcs: WCS | None) -> None:
        self.set("wcs", wcs)

    def hasWcs(self) -> bool:
        return self.has("wcs")

    def getPsf(self) -> Any:
        return self.get("psf")

    def setPsf(self, psf: Any) -> None:
        self.set("psf", psf)

    def hasPsf(self) -> bool:
        return self.has("psf")

    def getPhotoCalib(self) -> PhotoCalib | None:
        return self.get("photoCalib")

    def setPhotoCalib(self, photoCalib: PhotoCalib | None) -> None:
        self.set("photoCalib", photoCalib)

    def hasPhotoCalib(self) -> bool:
        return self.has("photoCalib")

    def getApCorrMap(self) -> ApCorrMap | None:
        return self.get("apCorrMap")

    def setApCorrMap(self, apCorrMap: ApCorrMap | None) -> None:
        self.set("apCorrMap", apCorrMap)

    def hasApCorrMap(self) -> bool:
        return self.has("apCorrMap")

    def getVisitInfo(self) -> VisitInfo | None:
        return self.get("visitInfo")

    def setVisitInfo(self, visitInfo: VisitInfo | None) -> None:
        self.set("visitInfo", visitInfo)

    def hasVisitInfo(self) -> bool:
        return self.has("visitInfo")

    def getDetector(self) -> Detector | None:
        return self.get("detector")

    def setDetector(self, detector: Detector | None) -> None:
        self.set("detector", detector)

    def hasDetector(self) -> bool:
        return self.has("detector")

    def getFilter(self) -> FilterLabel | None:
        return self.get("filter")

    def setFilter(self, filterLabel: FilterLabel | None) -> None:
        self.set("filter", filterLabel)

    def hasFilter(self) -> bool:
        return self.has("filter")

    def getSummaryStats(self) -> ExposureSummaryStats | None:
        return self.get("summaryStats")

    def setSummaryStats(self, summaryStats: ExposureSummaryStats | None) -> None:
        self.set("summaryStats", summaryStats)

    def hasSummaryStats(self) -> bool:
        return self.has("summaryStats")

    def getMetadata(self) -> fits.Header:
        if isinstance(self._metadata, Deferred):
            self._metadata = self._metadata.resolve()
        elif self._metadata is None:
            self._metadata = fits.Header()
        return self._metadata

    def setMetadata(self, metadata: fits.Header | dict[str, Any] | None) -> None:
        """Replace the metadata (a dict is converted to a `~astropy.io.fits.Header`)."""
        if metadata is None:
            self._metadata = fits.Header()
        elif isinstance(metadata, fits.Header):
            self._metadata = metadata
        else:
            header = fits.Header()
            for key, value in dict(metadata).items():
                header[key] = value
            self._metadata = header

    def getId(self) -> int | None:
        """The exposure id (LSST ``ExposureInfo.id``), or `None`."""
        return self._id

    def setId(self, value: int | None) -> None:
        self._id = None if value is None else int(value)

    def hasId(self) -> bool:
        return self._id is not None

    id = property(getId, setId)

    def __getstate__(self) -> dict[str, Any]:
        # Deferred loaders are closures; pickles carry the decoded components instead.
        return {"components": {name: self.get(name) for name in COMPONENT_NAMES},
                "metadata": self.getMetadata(), "id": self._id}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._components = dict(state["components"])
        self._metadata = state["metadata"]
        self._id = state["id"]

    # -- copies ---------------------------------------------------------------

    def copy(self) -> ExposureInfo:
        """A shallow copy: new container, same component objects (a new metadata header)."""
        new = ExposureInfo()
        new._components = dict(self._components)
        new._metadata = self._metadata.copy() if isinstance(self._metadata, fits.Header) else self._metadata
        new._id = self._id
        return new

    def deepcopy(self) -> ExposureInfo:
        new = ExposureInfo()
        new._components = {name: copy.deepcopy(self.get(name)) for name in COMPONENT_NAMES}
        new._metadata = self.getMetadata().copy()
        new._id = self._id
        return new

    def __repr__(self) -> str:
        present = [name for name in COMPONENT_NAMES if self._components[name] is not None]
        return f"ExposureInfo(id={self._id}, components={present}, metadata={len(self.getMetadata())} cards)"
