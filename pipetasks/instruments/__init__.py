"""Instruments: cameras, filters, header translation, raw formatters, ingest and visit definition.

``MegaPrime`` (CFHT MegaCam) is the instrument shipped with the package::

    butler register-instrument REPO pipetasks.instruments.MegaPrime
    butler ingest-raws REPO raw/*.fits.fz
    butler define-visits REPO MegaPrime
    butler write-curated-calibrations REPO MegaPrime
"""

from .errors import (
    HeaderTranslationError,
    InstrumentError,
    NotThisInstrumentError,
    RawIngestError,
    UnknownInstrumentError,
    VisitDefinitionError,
)
from .filters import FilterDefinition, FilterDefinitionCollection
from .instrument import Instrument
from .megaprime import MegaPrime
from .megaprime_translator import MegaPrimeTranslator
from .observation_info import ObservationInfo
from .translator import MetadataTranslator

__all__ = [
    "FilterDefinition",
    "FilterDefinitionCollection",
    "HeaderTranslationError",
    "Instrument",
    "InstrumentError",
    "MegaPrime",
    "MegaPrimeTranslator",
    "MetadataTranslator",
    "NotThisInstrumentError",
    "ObservationInfo",
    "RawIngestError",
    "UnknownInstrumentError",
    "VisitDefinitionError",
]
