"""Sky maps: tracts and patches tiling the sky, for coadds (LSST's ``lsst.skymap``, written anew).

* `RingsSkyMap` covers the whole sky with rings of tracts; `DiscreteSkyMap`
  puts square tracts at chosen positions.  Both are configured by
  `pipetasks.config` configs and selected by name in `skyMapRegistry`.
* `TractInfo` (an `astropy.wcs.WCS`, a pixel box, a grid of patches) and
  `PatchInfo` (inner and outer boxes) give pixel and sky geometry; sky
  regions are `butler.spatial.ConvexPolygon`.
* `BaseSkyMap.register` writes the skymap, tract and patch records and the
  ``skyMap`` dataset; ``butler register-skymap`` does it from the command line.

See ``docs/skymaps.md``.
"""

from .base_skymap import BaseSkyMap, BaseSkyMapConfig
from .discrete_skymap import DiscreteSkyMap, DiscreteSkyMapConfig
from .index2d import Index2D
from .patch_info import PatchInfo
from .registration import SkyMapRegistration, register_skymap
from .rings_skymap import RingsSkyMap, RingsSkyMapConfig
from .skymap_registry import RegisterSkyMapConfig, skyMapRegistry
from .tract_info import TractInfo

__all__ = [
    "BaseSkyMap",
    "BaseSkyMapConfig",
    "DiscreteSkyMap",
    "DiscreteSkyMapConfig",
    "Index2D",
    "PatchInfo",
    "RegisterSkyMapConfig",
    "RingsSkyMap",
    "RingsSkyMapConfig",
    "SkyMapRegistration",
    "TractInfo",
    "register_skymap",
    "skyMapRegistry",
]
