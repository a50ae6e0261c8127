"""`DiscreteSkyMap`: square tracts at chosen positions (fields, deep drilling areas, tests)."""

from __future__ import annotations

__all__ = ["DiscreteSkyMap", "DiscreteSkyMapConfig"]

import struct
from typing import Any

import numpy as np

import pipetasks.config as pexConfig

from .base_skymap import BaseSkyMap, BaseSkyMapConfig
from .tract_info import TractInfo


class DiscreteSkyMapConfig(BaseSkyMapConfig):
    """Configuration of a `DiscreteSkyMap`: one tract per ``(raList[i], decList[i], radiusList[i])``."""

    raList = pexConfig.ListField(
        doc="Right ascensions of tract centres (ICRS, deg).", dtype=float, default=[],
    )
    decList = pexConfig.ListField(
        doc="Declinations of tract centres (ICRS, deg).", dtype=float, default=[],
        itemCheck=lambda dec: -90.0 <= dec <= 90.0,
    )
    radiusList = pexConfig.ListField(
        doc="Radii of tracts (deg): half the side of each square tract's inner region.",
        dtype=float,
        default=[],
        itemCheck=lambda radius: radius > 0.0,
    )

    def validate(self) -> None:
        super().validate()
        lengths = {name: len(getattr(self, name)) for name in ("raList", "decList", "radiusList")}
        if len(set(lengths.values())) > 1:
            raise pexConfig.FieldValidationError(
                DiscreteSkyMapConfig.radiusList, self,
                f"raList, decList and radiusList give one tract per position, so they need equal lengths; "
                f"got {', '.join(f'{k}={v}' for k, v in lengths.items())}",
            )


class DiscreteSkyMap(BaseSkyMap):
    """A square tract centred on each configured position, with the configured radius.

    Parameters
    ----------
    config : `DiscreteSkyMapConfig`, optional
        The definition (no tracts if not given).

    Examples
    --------
    >>> config = DiscreteSkyMapConfig(raList=[150.0], decList=[2.0], radiusList=[0.5])
    >>> skymap = DiscreteSkyMap(config)
    >>> len(skymap), tuple(skymap[0].num_patches)
    (1, (5, 5))
    """

    ConfigClass = DiscreteSkyMapConfig

    def _count_tracts(self) -> int:
        return len(self.config.radiusList)

    def _generate_tract(self, tract_id: int) -> TractInfo:
        config = self.config
        return self._make_tract(tract_id, (config.raList[tract_id], config.decList[tract_id]),
                                config.radiusList[tract_id])

    def _tract_centres(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array(self.config.raList, dtype=float), np.array(self.config.decList, dtype=float)

    def updateSha1(self, sha1: Any) -> None:  # noqa: N802
        """Add the centres and radii (LSST's packing)."""
        packing = f"<{len(self.config.radiusList)}d"
        sha1.update(struct.pack(packing, *self.config.raList))
        sha1.update(struct.pack(packing, *self.config.decList))
        sha1.update(struct.pack(packing, *self.config.radiusList))
