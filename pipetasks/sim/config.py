"""`SimulatorConfig`: every physical parameter of the simulated sky, optics, sensors and electronics.

The defaults describe a typical MegaPrime night (docs/simulator.md lists them with their sources).
Pass overrides as keyword arguments: ``MegaPrimeSimulator(seed=1, cosmic_ray_rate=0.0)``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

__all__ = ["SimulatorConfig"]


@dataclasses.dataclass(frozen=True)
class SimulatorConfig:
    """Parameters of the simulation (units in each name's comment).

    Every field may be overridden; `validate` is called on construction and says which value is
    out of range.
    """

    # -- sky: truth catalog ---------------------------------------------------------------
    star_density: float = 2500.0  # stars per deg^2 within star_mag_range
    star_mag_range: tuple[float, float] = (14.0, 24.0)  # r-band AB magnitudes
    star_count_slope: float = 0.12  # d log10 N / d mag
    galaxy_density: float = 10000.0  # galaxies per deg^2 within galaxy_mag_range
    galaxy_mag_range: tuple[float, float] = (18.0, 24.5)
    galaxy_count_slope: float = 0.35
    galaxy_hlr_at_mag20: float = 0.8  # median half-light radius (arcsec) of an r = 20 galaxy
    galaxy_hlr_mag_slope: float = -0.1  # d log10(hlr) / d mag
    galaxy_hlr_scatter: float = 0.15  # dex
    galaxy_shape_rms: float = 0.25  # rms of each reduced-shear component g1, g2
    galaxy_devaucouleurs_fraction: float = 0.3  # fraction drawn as n = 4 (others n = 1)
    truth_cell_nside: int = 256  # HEALPix cells (nested) the sky is generated in

    # -- optics ---------------------------------------------------------------------------
    psf_beta: float = 3.5  # Moffat index
    field_radius_mm: float = 170.0  # focal-plane radius at which the "edge" values below apply
    psf_fwhm_edge_increase: float = 0.10  # fractional FWHM increase at field_radius_mm (grows as r^2)
    psf_ellipticity_edge: float = 0.04  # radial reduced shear at field_radius_mm (grows as r^2)
    psf_ellipticity_exposure_rms: float = 0.015  # per-exposure constant shear (guiding, wind shake)
    vignetting_edge: float = 0.04  # fractional illumination loss at field_radius_mm (grows as r^2)
    sky_gradient: float = 0.02  # fractional sky change across field_radius_mm, random direction per exposure
    flat_illumination: float = 3000.0  # dome-flat electrons per second per pixel (before the response)

    # -- sensor ---------------------------------------------------------------------------
    qe_pixel_rms: float = 0.01  # static pixel-to-pixel response scatter
    dead_response: float = 0.02  # response of pixels in dead defect boxes
    hot_defect_fraction: float = 0.1  # fraction of (small) defect boxes simulated hot instead of dead
    hot_dark_rate: float = 2.0  # e-/s in hot defect pixels
    dark_current: float = 3.2  # e-/pixel/hour (the DARKCUR card)
    full_well: float = 150000.0  # e-; charge above it bleeds along the column
    pixel_size_um: float = 13.5
    sensor_thickness_um: float = 40.0
    cosmic_ray_rate: float = 0.04  # per cm^2 per second of dark time
    cosmic_ray_charge_per_um: float = 80.0  # e- per micron of path in silicon

    # -- electronics ------------------------------------------------------------------------
    overscan_level_range: tuple[float, float] = (1000.0, 1200.0)  # ADU, drawn per amp and exposure
    overscan_drift: float = 2.0  # ADU amplitude of the smooth row-to-row drift
    overscan_row_jitter: float = 0.6  # ADU rms of the per-row baseline jitter
    bias_offset_rms: float = 3.0  # ADU, data-section offset from the overscan per amp (static)
    bias_column_rms: float = 0.8  # ADU, static column pattern
    bias_ramp: float = 8.0  # ADU excess in the first rows read, decaying over bias_ramp_rows
    bias_ramp_rows: float = 30.0
    gaussian_above: float = 1000.0  # e-; expected counts above this get a Gaussian (not Poisson) draw

    # -- master calibrations ------------------------------------------------------------------
    master_bias_frames: int = 20
    master_dark_frames: int = 10
    master_dark_time: float = 600.0  # s per dark frame
    master_flat_frames: int = 10
    master_flat_level: float = 30000.0  # e- per flat frame

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise `ValueError` naming the first field whose value cannot be simulated."""
        positive = ("psf_beta", "field_radius_mm", "full_well", "pixel_size_um", "sensor_thickness_um",
                    "galaxy_hlr_at_mag20", "flat_illumination", "master_dark_time", "master_flat_level")
        non_negative = ("star_density", "galaxy_density", "galaxy_hlr_scatter", "galaxy_shape_rms",
                        "psf_fwhm_edge_increase", "psf_ellipticity_edge", "psf_ellipticity_exposure_rms",
                        "vignetting_edge", "sky_gradient", "qe_pixel_rms", "dead_response", "hot_dark_rate",
                        "dark_current", "cosmic_ray_rate", "cosmic_ray_charge_per_um", "overscan_drift",
                        "overscan_row_jitter", "bias_offset_rms", "bias_column_rms", "bias_ramp",
                        "bias_ramp_rows", "gaussian_above")
        for name in positive:
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"SimulatorConfig.{name} must be a finite number > 0, not {value!r}")
        for name in non_negative:
            value = getattr(self, name)
            if not (value >= 0):  # NaN fails too; inf is allowed (e.g. gaussian_above = inf)
                raise ValueError(f"SimulatorConfig.{name} must be >= 0, not {value!r}")
        for name in ("star_mag_range", "galaxy_mag_range", "overscan_level_range"):
            low, high = getattr(self, name)
            if not low <= high:
                raise ValueError(f"SimulatorConfig.{name} must be (low, high) with low <= high, not {(low, high)!r}")
        low, high = self.overscan_level_range
        if low < 0 or high > 60000:
            raise ValueError(f"SimulatorConfig.overscan_level_range must lie within [0, 60000] ADU, not {(low, high)!r}")
        for name in ("hot_defect_fraction", "galaxy_devaucouleurs_fraction"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"SimulatorConfig.{name} must be a fraction in [0, 1], not {value!r}")
        if self.psf_beta <= 1.5:
            raise ValueError(f"SimulatorConfig.psf_beta must be > 1.5 for a finite-flux Moffat, not {self.psf_beta!r}")
        for name in ("master_bias_frames", "master_dark_frames", "master_flat_frames"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"SimulatorConfig.{name} must be >= 1, not {getattr(self, name)!r}")
        nside = self.truth_cell_nside
        if nside < 1 or nside > 2**20 or nside & (nside - 1):
            raise ValueError(f"SimulatorConfig.truth_cell_nside must be a power of two in [1, 2**20], not {nside!r}")

    @classmethod
    def from_overrides(cls, base: SimulatorConfig | None = None, **overrides: Any) -> SimulatorConfig:
        """``base`` (default: the defaults) with ``overrides`` applied.

        Raises
        ------
        TypeError
            If an override names no field.
        """
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise TypeError(f"SimulatorConfig has no field(s) {', '.join(unknown)}; fields are: {', '.join(sorted(names))}")
        return dataclasses.replace(base or cls(), **overrides)
