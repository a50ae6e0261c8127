"""A simulator of CFHT MegaPrime raw exposures, master calibrations and truth catalogs.

``MegaPrimeSimulator(seed).write_raw(ExposureSpec(...), directory)`` writes a raw file with the
real geometry and header keywords, and a truth catalog beside it; see docs/simulator.md.
"""

from .config import SimulatorConfig
from .errors import (
    InvalidExposureSpecError,
    SimulationError,
    TruthCatalogError,
    UnknownDetectorError,
    UnknownFilterError,
)
from .filters import BANDS, MEGAPRIME_FILTERS, MegaPrimeFilter, get_filter
from .simulator import FIELD_RADIUS, MegaPrimeSimulator, SimulatedCcd
from .spec import OBSTYPES, ExposureSpec

__all__ = [
    "BANDS",
    "ExposureSpec",
    "FIELD_RADIUS",
    "InvalidExposureSpecError",
    "MEGAPRIME_FILTERS",
    "MegaPrimeFilter",
    "MegaPrimeSimulator",
    "OBSTYPES",
    "SimulatedCcd",
    "SimulationError",
    "SimulatorConfig",
    "TruthCatalogError",
    "UnknownDetectorError",
    "UnknownFilterError",
    "get_filter",
]
