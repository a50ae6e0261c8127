"""`MegaPrime`: CFHT's MegaCam imager at the prime focus of the 3.6 m telescope.

36 EEV CCD42-90 CCDs of 2048 x 4612 pixels (0.185 arcsec), each read through two amplifiers;
the geometry, gains, read noise and distortion come from ``data/megacam/camera.yaml`` and the
bad-pixel boxes from ``data/megacam/defects`` (both converted from LSST's obs_cfht).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from astropy.time import Time

from ..image.camera import Camera
from .curated import CuratedCalibrationEpoch
from .filters import FilterDefinition, FilterDefinitionCollection
from .instrument import Instrument
from .megaprime_translator import MegaPrimeTranslator
from .resources import load_megacam_camera, megacam_file

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

    def getCuratedCalibrationEpochs(self) -> list[CuratedCalibrationEpoch]:
        """The curated calibrations other than the camera: the bad-pixel boxes of one epoch.

        The boxes are Elixir's ``test.mask.0.40.00`` (``data/megacam/defects``).  No validity
        start is recorded for that mask; it is certified from its release date, 2010-02-03 (UTC),
        with an open end.
        """
        return [
            CuratedCalibrationEpoch(
                dataset_type="defects",
                calib_date="20100203T000000Z",
                valid_start=Time("2010-02-03T00:00:00", scale="utc"),
                valid_end=None,
                load=self._load_defects,
            )
        ]

    def _load_defects(self) -> Sequence[tuple[Mapping[str, Any], Any]]:
        """One `Defects` per detector, from the shipped box table."""
        from astropy.table import Table

        from ..image.defects import Defects

        table = Table.read(megacam_file("defects/megacam_defects_test.mask.0.40.00.ecsv"))
        result = []
        for detector in self.getCamera():
            defects = Defects.fromTable(table, detector=detector.getId())
            defects.getMetadata().update({
                "INSTRUME": self.getName(),
                "DET_NAME": detector.getName(),
                "DET_SER": detector.getSerial(),
                "CALIBDATE": "2010-02-03T00:00:00",
            })
            result.append(({"detector": detector.getId()}, defects))
        return result
