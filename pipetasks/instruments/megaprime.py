"""`MegaPrime`: CFHT's MegaCam imager at the prime focus of the 3.6 m telescope.

36 EEV CCD42-90 CCDs of 2048 x 4612 pixels (0.185 arcsec), each read through two amplifiers;
the geometry, gains, read noise and distortion come from ``data/megacam/camera.yaml`` and the
bad-pixel boxes from ``data/megacam/defects`` (both converted from LSST's obs_cfht).
"""

from __future__ import annotations

from typing import ClassVar

from ..image.camera import Camera
from .filters import FilterDefinition, FilterDefinitionCollection
from .instrument import Instrument
from .megaprime_translator import MegaPrimeTranslator
from .resources import load_megacam_camera

__all__ = ["MegaPrime", "MEGAPRIME_FILTERS"]

MEGAPRIME_FILTERS = FilterDefinitionCollection(
    [
        FilterDefinition("u.MP9301", "u", "MegaCam u* (2003-2014)"),
        FilterDefinition("u.MP9302", "u", "MegaCam u (2015-)"),
        FilterDefinition("g.MP9401", "g", "MegaCam g' (2003-2014)"),
        FilterDefinition("g.MP9402", "g", "MegaCam g (2015-)"),
        FilterDefinition("r.MP9601", "r", "MegaCam r' (2003-2014)"),
        FilterDefinition("r.MP9602", "r", "MegaCam r (2015-)"),
        FilterDefinition("i.MP9701", "i", "MegaCam i' (2003-2007)"),
        FilterDefinition("i.MP9702", "i", "MegaCam i' replacement (2007-2014)"),
        FilterDefinition("i.MP9703", "i", "MegaCam i (2015-)"),
        FilterDefinition("z.MP9801", "z", "MegaCam z' (2003-2014)"),
        FilterDefinition("z.MP9901", "z", "MegaCam z (2015-)"),
        FilterDefinition("gri.MP9605", "gri", "MegaCam wide gri"),
        # Elixir-processed and older headers name filters by band alone.
        FilterDefinition("u", "u", "legacy header name"),
        FilterDefinition("g", "g", "legacy header name"),
        FilterDefinition("r", "r", "legacy header name"),
        FilterDefinition("i", "i", "legacy header name"),
        FilterDefinition("z", "z", "legacy header name"),
    ]
)


class MegaPrime(Instrument):
    """The CFHT MegaPrime/MegaCam instrument.

    Examples
    --------
    >>> from pipetasks.instruments import MegaPrime
    >>> megaprime = MegaPrime()
    >>> len(megaprime.getCamera()), megaprime.makeDefaultRawIngestRunName()
    (36, 'MegaPrime/raw/all')
    >>> megaprime.filterDefinitions.band_of("r.MP9601")
    'r'
    """

    name: ClassVar[str] = "MegaPrime"
    filterDefinitions = MEGAPRIME_FILTERS
    translatorClass = MegaPrimeTranslator
    rawFormatterClass = "pipetasks.instruments.raw_formatter.MegaPrimeRawFormatter"
    exposure_max = 10**8
    visit_max = 10**8
    config_package = "pipetasks.instruments.configs.megaprime"

    def getCamera(self) -> Camera:
        """The 36-CCD camera (shared, read once per process; treat as immutable)."""
        return load_megacam_camera()

    def getCuratedCalibrationNames(self) -> frozenset[str]:
        return frozenset({"camera", "defects"})
