"""`BaseSkyMap` and `BaseSkyMapConfig`: what every sky map is and is configured by.

A sky map is a fixed set of overlapping *tracts*, each with its own WCS and
a grid of *patches*; coadds are made per patch.  Sky maps are immutable and
identified by a SHA-1 of their definition (the same packing as LSST's
``legacy`` tract builder, so equal definitions give LSST's hash).
"""

from __future__ import annotations

__all__ = ["BaseSkyMap", "BaseSkyMapConfig"]

import abc
import hashlib
import struct
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

import pipetasks.config as pexConfig
from butler.spatial import Region
from butler.spatial.vectors import lonlat_to_vectors

from .coords import as_radec
from .patch_info import PatchInfo
from .tract_info import TractInfo
from .wcs_factory import WcsFactory

if TYPE_CHECKING:
    from butler import Butler

    from .registration import SkyMapRegistration


def _is_projection_code(value: str) -> bool:
    return len(value) == 3 and value.isalpha() and value.isupper()


class BaseSkyMapConfig(pexConfig.Config):
    """Patch grid and projection shared by all sky maps.

    The defaults are those of LSST's production sky maps (``lsst_cells_v1``,
    ``hsc_rings_v1``: TAN, 1 arcmin overlap) with 0.2 arcsec pixels; LSST's
    class defaults are STG, 1° and 0.333 arcsec.
    """

    patchInnerDimensions = pexConfig.ListField(
        doc="Dimensions of the inner region of patches (x, y pixels).",
        dtype=int,
        length=2,
        default=(4000, 4000),
        itemCheck=lambda n: n > 0,
    )
    patchBorder = pexConfig.Field(
        doc="Border between the patch inner and outer bounding boxes (pixels).",
        dtype=int,
        default=100,
        check=lambda n: n >= 0,
    )
    tractOverlap = pexConfig.Field(
        doc="Minimum overlap between adjacent sky tracts, on the sky (deg).",
        dtype=float,
        default=1.0 / 60.0,
        check=lambda x: x >= 0.0,
    )
    pixelScale = pexConfig.Field(
        doc="Nominal pixel scale (arcsec/pixel).",
        dtype=float,
        default=0.2,
        check=lambda x: x > 0.0,
    )
    projection = pexConfig.Field(
        doc="FITS WCS projection code of the tracts: TAN (gnomonic: patch edges are great circles), "
            "STG (stereographic), ...",
        dtype=str,
        default="TAN",
        check=_is_projection_code,
    )
    rotation = pexConfig.Field(
        doc="Rotation of the tract WCS: position angle of +y from north through east (deg).",
        dtype=float,
        default=0.0,
    )


class BaseSkyMap(abc.ABC):
    """Overlapping tracts covering some or all of the sky.

    Parameters
    ----------
    config : `BaseSkyMapConfig`, optional
        The definition; a copy is validated and frozen.  The defaults if
        not given.

    Notes
    -----
    Tracts are made on first use and kept.  Subclasses implement
    `_count_tracts`, `_generate_tract`, `_tract_centres` and `updateSha1`.
    """

    ConfigClass: ClassVar[type[BaseSkyMapConfig]] = BaseSkyMapConfig

    SKYMAP_RUN_COLLECTION_NAME: ClassVar[str] = "skymaps"
    """The RUN collection `register` puts the sky map dataset in."""

    SKYMAP_DATASET_TYPE_NAME: ClassVar[str] = "skyMap"
    """The dataset type of the sky map itself (dimensions: skymap)."""

    def __init__(self, config: BaseSkyMapConfig | None = None):
        if config is None:
            config = self.ConfigClass()
        elif not isinstance(config, self.ConfigClass):
            raise TypeError(f"{type(self).__name__} needs a {self.ConfigClass.__name__}, "
                            f"not a {type(config).__name__}.")
        config = config.copy()
        config.validate()
        config.freeze()
        self.config = config
        self._wcs_factory = WcsFactory(config.pixelScale, config.projection, config.rotation)
        self._tracts: list[TractInfo | None] = [None] * self._count_tracts()
        self._centre_vectors: np.ndarray | None = None
        self._sha1: bytes | None = None

    # -- subclass hooks -------------------------------------------------------

    @abc.abstractmethod
    def _count_tracts(self) -> int:
        """The number of tracts (called once, from the constructor)."""

    @abc.abstractmethod
    def _generate_tract(self, tract_id: int) -> TractInfo:
        """Make the tract of an ID in ``[0, len(self))``."""

    @abc.abstractmethod
    def _tract_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """RA and Dec (degrees) of every tract centre, in tract-ID order (without making tracts)."""

    @abc.abstractmethod
    def updateSha1(self, sha1: Any) -> None:  # noqa: N802
        """Add the subclass's own definition (beyond `BaseSkyMapConfig`) to a ``hashlib.sha1``."""

    def _make_tract(self, tract_id: int, centre: tuple[float, float], radius: float,
                    inner_region: Region | None = None) -> TractInfo:
        """A tract with this sky map's projection and patch grid."""
        config = self.config
        return TractInfo(tract_id, centre, radius, config.tractOverlap, self._wcs_factory,
                         tuple(config.patchInnerDimensions), config.patchBorder, innerRegion=inner_region)

    # -- tracts -----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._tracts)

    def __getitem__(self, tract_id: int) -> TractInfo:
        """The tract of an ID.

        Raises
        ------
        IndexError
            If there is no tract of that ID.
        """
        index = int(tract_id)
        if not 0 <= index < len(self._tracts):
            raise IndexError(
                f"{type(self).__name__} has tracts 0..{len(self._tracts) - 1}, not {tract_id!r}.")
        tract = self._tracts[index]
        if tract is None:
            tract = self._tracts[index] = self._generate_tract(index)
        return tract

    def __iter__(self) -> Iterator[TractInfo]:
        for index in range(len(self._tracts)):
            yield self[index]

    def findTract(self, coord: Any) -> TractInfo:  # noqa: N802
        """The tract whose centre is nearest a sky position.

        If tracts do not cover the whole sky, the tract returned may not
        contain the position.
        """
        return self[int(self.findTractIdArray(*as_radec(coord), degrees=True)[0])]

    def findTractIdArray(self, ra: Any, dec: Any, degrees: bool = False) -> np.ndarray:  # noqa: N802
        """IDs of the tracts nearest many positions (radians unless ``degrees``), vectorized."""
        ra, dec = np.atleast_1d(ra).astype(float), np.atleast_1d(dec).astype(float)
        if not degrees:
            ra, dec = np.degrees(ra), np.degrees(dec)
        if self._centre_vectors is None:
            self._centre_vectors = lonlat_to_vectors(*self._tract_centres()).reshape(-1, 3)
        if not len(self._centre_vectors):
            raise LookupError(f"{type(self).__name__} has no tracts.")
        closeness = lonlat_to_vectors(ra, dec).reshape(-1, 3) @ self._centre_vectors.T
        return np.argmax(closeness, axis=1)

    def findAllTracts(self, coord: Any) -> list[TractInfo]:  # noqa: N802
        """Every tract whose pixel box holds a sky position."""
        return [tract for tract in self if tract.contains(coord)]

    def findTractPatchList(self, coordList: Any  # noqa: N802
                           ) -> list[tuple[TractInfo, tuple[PatchInfo, ...]]]:
        """Tracts and their patches that contain, or may contain, the region spanned by positions.

        The patches of a tract are those whose outer boxes overlap the pixel
        box of the positions, so some may not touch a non-rectangular region.
        """
        result = []
        for tract in self._candidate_tracts(coordList):
            patches = tract.findPatchList(coordList)
            if patches:
                result.append((tract, patches))
        return result

    def findClosestTractPatchList(self, coordList: Any  # noqa: N802
                                  ) -> list[tuple[TractInfo, tuple[PatchInfo, ...]]]:
        """For each position's nearest tract, its patches that may contain the positions' region."""
        ra, dec = as_radec(coordList)
        result: list[tuple[TractInfo, tuple[PatchInfo, ...]]] = []
        for tract_id in self.findTractIdArray(ra, dec, degrees=True):
            tract = self[int(tract_id)]
            patches = tract.findPatchList(coordList)
            if patches and (tract, patches) not in result:
                result.append((tract, patches))
        return result

    def _candidate_tracts(self, coordList: Any) -> Iterator[TractInfo]:
        """Tracts that may hold some of the positions (all of them unless a subclass knows better)."""
        return iter(self)

    # -- identity -----------------------------------------------------------------

    def getSha1(self) -> bytes:  # noqa: N802
        """A 20-byte SHA-1 identifying this sky map's definition (the registry's ``skymap.hash``)."""
        if self._sha1 is None:
            config = self.config
            sha1 = hashlib.sha1()
            sha1.update(type(self).__name__.encode("utf-8"))
            sha1.update(struct.pack(
                "<iiidd3sd",
                config.patchInnerDimensions[0],
                config.patchInnerDimensions[1],
                config.patchBorder,
                config.tractOverlap,
                config.pixelScale,
                config.projection.encode("ascii"),
                config.rotation,
            ))
            self.updateSha1(sha1)
            self._sha1 = sha1.digest()
        return self._sha1

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseSkyMap):
            return NotImplemented
        return self.getSha1() == other.getSha1()

    def __hash__(self) -> int:
        return hash(self.getSha1())

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.config,))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} tracts, sha1={self.getSha1().hex()[:12]})"

    # -- the butler -----------------------------------------------------------------

    def register(self, name: str, butler: Butler) -> SkyMapRegistration:
        """Add this sky map's skymap, tract and patch records to a repository, and the sky map itself.

        See `pipetasks.skymap.registration.register_skymap`.
        """
        from .registration import register_skymap

        return register_skymap(self, name, butler)
