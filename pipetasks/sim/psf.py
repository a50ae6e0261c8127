"""The point-spread function across the focal plane: a Moffat whose size and shape vary smoothly.

At focal-plane radius ``r`` (mm) the FWHM is ``seeing * (1 + a (r / R)**2)`` and the PSF has a
radial reduced shear ``e (r / R)**2`` (elongated towards the field centre, as a wide-field
corrector's astigmatism does) plus a constant per-exposure shear (guiding, wind shake), where
``R = SimulatorConfig.field_radius_mm``, ``a = psf_fwhm_edge_increase`` and
``e = psf_ellipticity_edge``.
"""

from __future__ import annotations

import math

import numpy as np

from .config import SimulatorConfig
from .streams import random_stream

__all__ = ["FieldPsf"]


class FieldPsf:
    """The PSF of one exposure as a function of focal-plane position.

    Parameters
    ----------
    config : `SimulatorConfig`
    seeing : `float`
        FWHM at the field centre, arcsec.
    seed, exposure_id : `int`
        Select the per-exposure shear stream.
    """

    def __init__(self, config: SimulatorConfig, seeing: float, seed: int, exposure_id: int):
        self.config = config
        self.seeing = float(seeing)
        g = random_stream(seed, "exposure", exposure_id, "psf").normal(0.0, config.psf_ellipticity_exposure_rms, 2)
        self.exposure_shear = (float(g[0]), float(g[1]))

    def fwhm(self, fx: np.ndarray, fy: np.ndarray) -> np.ndarray:
        """FWHM (arcsec) at focal-plane positions (mm)."""
        rho2 = (np.asarray(fx) ** 2 + np.asarray(fy) ** 2) / self.config.field_radius_mm**2
        return self.seeing * (1.0 + self.config.psf_fwhm_edge_increase * rho2)

    def shear(self, fx: np.ndarray, fy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Reduced shear ``(g1, g2)`` in the focal-plane frame at positions (mm)."""
        fx, fy = np.asarray(fx, dtype=float), np.asarray(fy, dtype=float)
        rho2 = (fx**2 + fy**2) / self.config.field_radius_mm**2
        phi = np.arctan2(fy, fx)
        amplitude = self.config.psf_ellipticity_edge * rho2
        # Elongated along the radius: position angle phi in the focal plane.
        g1 = amplitude * np.cos(2 * phi) + self.exposure_shear[0]
        g2 = amplitude * np.sin(2 * phi) + self.exposure_shear[1]
        return g1, g2

    @staticmethod
    def rotate_shear(g1: np.ndarray, g2: np.ndarray, angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
        """The same shear in a frame whose x axis lies at ``angle_deg`` (counter-clockwise) in the original one.

        A detector with yaw ``angle_deg`` has its pixel axes so rotated in the focal plane; shear is
        spin 2, so the components turn by twice the angle.
        """
        c, s = math.cos(math.radians(2 * angle_deg)), math.sin(math.radians(2 * angle_deg))
        return c * g1 + s * g2, -s * g1 + c * g2
