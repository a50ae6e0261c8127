"""`skyMapRegistry` (sky map types by name) and `RegisterSkyMapConfig` (what ``register-skymap`` makes).

Other packages add sky map types with ``skyMapRegistry.register(name,
SkyMapClass)``; the class needs a ``ConfigClass`` deriving from
`BaseSkyMapConfig` and a constructor taking ``config=``.
"""

from __future__ import annotations

__all__ = ["RegisterSkyMapConfig", "skyMapRegistry"]

import pipetasks.config as pexConfig

from .base_skymap import BaseSkyMapConfig
from .discrete_skymap import DiscreteSkyMap
from .rings_skymap import RingsSkyMap

skyMapRegistry = pexConfig.makeRegistry("A registry of sky maps (BaseSkyMap subclasses).", BaseSkyMapConfig)
skyMapRegistry.register("rings", RingsSkyMap)
skyMapRegistry.register("discrete", DiscreteSkyMap)


class RegisterSkyMapConfig(pexConfig.Config):
    """A named sky map to register in a repository (LSST's ``MakeSkyMapConfig``).

    Examples
    --------
    >>> config = RegisterSkyMapConfig()
    >>> config.name = "demo"
    >>> config.skyMap = "discrete"
    >>> config.skyMap["discrete"].raList = [150.0]
    >>> config.skyMap["discrete"].decList = [2.0]
    >>> config.skyMap["discrete"].radiusList = [0.5]
    >>> len(config.skyMap.apply())
    1
    """

    name = pexConfig.Field(
        doc="Name of the sky map in the repository: the value of the skymap dimension.",
        dtype=str,
        default=None,
        optional=True,
    )
    skyMap = skyMapRegistry.makeField(doc="Type of sky map and its configuration.", default="rings")

    def validate(self) -> None:
        super().validate()
        if not self.name:
            raise pexConfig.FieldValidationError(
                RegisterSkyMapConfig.name, self,
                "the sky map needs a name to be registered under, e.g. -c name=lsst_cells_v1",
            )
