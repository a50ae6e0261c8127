"""The light on a detector: sky or dome lamp, and stars and galaxies convolved with the local PSF.

Profiles are drawn with GalSim (pixel response included) into the part of each source's stamp
that overlaps the detector. Galaxies are defined on the sky (half-light radius in arcsec,
reduced shear in the (East, North) frame) and mapped to pixels with the detector's local
Jacobian; the PSF is defined in pixels.
"""

from __future__ import annotations

import dataclasses
import math

import galsim
import numpy as np

from .config import SimulatorConfig
from .sensor import SensorModel
from .spec import ExposureSpec
from .streams import random_stream

__all__ = ["PlacedSources", "stamp_radius", "render_sources", "illumination"]

_SURFACE_THRESHOLD = 0.5  # e-/pixel: stamps extend until the PSF wing falls below this
_MIN_RADIUS_FWHM = 4.0
_MAX_RADIUS = 400
_DEV_TRUNCATION = 8.0  # de Vaucouleurs profiles are truncated at this many half-light radii


@dataclasses.dataclass
class PlacedSources:
    """Sources on (or near) one detector, ready to draw; every attribute is an array of one length.

    Attributes
    ----------
    x, y : `numpy.ndarray`
        Trimmed pixel coordinates of the centres.
    flux : `numpy.ndarray`
        Electrons before the detector's response.
    sersic_n, half_light_radius, g1, g2 : `numpy.ndarray`
        Galaxy shapes (``sersic_n == 0`` for stars; radius in arcsec; sky-frame shear).
    psf_fwhm, psf_g1, psf_g2 : `numpy.ndarray`
        PSF FWHM in pixels and shear in the pixel frame at each source.
    """

    x: np.ndarray
    y: np.ndarray
    flux: np.ndarray
    sersic_n: np.ndarray
    half_light_radius: np.ndarray
    g1: np.ndarray
    g2: np.ndarray
    psf_fwhm: np.ndarray
    psf_g1: np.ndarray
    psf_g2: np.ndarray

    def __len__(self) -> int:
        return len(self.x)


def stamp_radius(flux: np.ndarray, fwhm: np.ndarray, beta: float, extent: np.ndarray) -> np.ndarray:
    """Half-size (pixels) of the stamp drawn for each source.

    Large enough that the Moffat wing has fallen below 0.5 e-/pixel, at least 4 FWHM, plus
    ``extent`` (the galaxy's own size, pixels); at most 400.
    """
    alpha = fwhm / (2.0 * np.sqrt(2.0 ** (1.0 / beta) - 1.0))
    peak = np.maximum(flux, 1.0) * (beta - 1.0) / (np.pi * alpha**2)
    wing = alpha * np.sqrt(np.maximum((peak / _SURFACE_THRESHOLD) ** (1.0 / beta) - 1.0, 0.0))
    radius = np.maximum(wing, _MIN_RADIUS_FWHM * fwhm) + extent
    return np.minimum(np.ceil(radius), _MAX_RADIUS).astype(int)


def _galaxy(n: float, hlr: float, g1: float, g2: float) -> galsim.GSObject:
    if n >= 4.0:
        profile = galsim.DeVaucouleurs(half_light_radius=hlr, trunc=_DEV_TRUNCATION * hlr)
    elif n <= 1.0:
        profile = galsim.Exponential(half_light_radius=hlr)
    else:
        profile = galsim.Sersic(n=n, half_light_radius=hlr)
    if g1 or g2:
        profile = profile.shear(g1=g1, g2=g2)
    return profile


def render_sources(
    light: np.ndarray, sources: PlacedSources, jacobian: galsim.JacobianWCS, beta: float
) -> None:
    """Add every source's light (e-) to ``light`` (float32, ``[y, x]`` trimmed frame) in place.

    Parameters
    ----------
    light : `numpy.ndarray`
    sources : `PlacedSources`
    jacobian : `galsim.JacobianWCS`
        Local pixel -> (East, North) arcsec mapping of the detector.
    beta : `float`
        Moffat index of the PSF.
    """
    if len(sources) == 0:
        return
    image = galsim.ImageF(light, xmin=0, ymin=0, scale=1.0)
    bounds = image.bounds
    pixel_scale = math.sqrt(abs(jacobian.pixelArea()))
    extent = np.where(
        sources.sersic_n > 0,
        sources.half_light_radius / pixel_scale * np.where(sources.sersic_n >= 4, _DEV_TRUNCATION, 6.0),
        0.0,
    )
    radii = stamp_radius(sources.flux, sources.psf_fwhm, beta, extent)
    for i in range(len(sources)):
        x, y, r = float(sources.x[i]), float(sources.y[i]), int(radii[i])
        cx, cy = int(round(x)), int(round(y))
        stamp = galsim.BoundsI(cx - r, cx + r, cy - r, cy + r) & bounds
        if not stamp.isDefined() or sources.flux[i] <= 0:
            continue
        psf = galsim.Moffat(beta=beta, fwhm=float(sources.psf_fwhm[i]))
        if sources.psf_g1[i] or sources.psf_g2[i]:
            psf = psf.shear(g1=float(sources.psf_g1[i]), g2=float(sources.psf_g2[i]))
        if sources.sersic_n[i] > 0:
            galaxy = _galaxy(float(sources.sersic_n[i]), float(sources.half_light_radius[i]),
                             float(sources.g1[i]), float(sources.g2[i]))
            profile = galsim.Convolve(jacobian.toImage(galaxy), psf)
        else:
            profile = psf
        profile.withFlux(float(sources.flux[i])).drawImage(
            image=image[stamp], add_to_image=True, center=galsim.PositionD(x, y)
        )


def illumination(
    spec: ExposureSpec, sensor: SensorModel, pixel_scale: float, config: SimulatorConfig, seed: int
) -> np.ndarray:
    """Electrons per pixel before the detector response: the sky (OBJECT) or the dome lamp (FLAT).

    The sky is the filter's (or the spec's) surface brightness at the airmass, with a linear
    gradient of ``config.sky_gradient`` per ``field_radius_mm`` of focal plane in a direction
    drawn per exposure; a dome flat is uniform at ``config.flat_illumination`` e-/s.
    """
    if spec.obstype == "FLAT":
        return np.full(sensor.shape, np.float32(config.flat_illumination * spec.exptime), dtype=np.float32)
    if spec.obstype != "OBJECT":
        raise ValueError(f"only OBJECT and FLAT exposures are illuminated, not {spec.obstype}")
    level = spec.filter.sky_rate(pixel_scale, spec.effective_airmass, spec.sky_brightness) * spec.exptime
    theta = random_stream(seed, "exposure", spec.exposure_id, "sky").uniform(0.0, 2 * math.pi)
    orientation, size = sensor.detector.getOrientation(), sensor.detector.getPixelSize()
    ref, fp = orientation.getReferencePoint(), orientation.getFpPosition()
    yaw = math.radians(orientation.getYaw())
    slope = level * config.sky_gradient / config.field_radius_mm
    # sky = level * (1 + gradient * (fx cos(theta) + fy sin(theta)) / R) is linear in pixel x and y.
    base = level + slope * (fp.x * math.cos(theta) + fp.y * math.sin(theta))
    per_x = slope * size.x * (math.cos(yaw) * math.cos(theta) + math.sin(yaw) * math.sin(theta))
    per_y = slope * size.y * (-math.sin(yaw) * math.cos(theta) + math.cos(yaw) * math.sin(theta))
    dx = (np.arange(sensor.shape[1]) - ref.x).astype(np.float32)
    dy = (np.arange(sensor.shape[0]) - ref.y).astype(np.float32)
    light = np.empty(sensor.shape, dtype=np.float32)
    light[...] = (np.float32(per_y) * dy)[:, None]
    light += (np.float32(base) + np.float32(per_x) * dx)[None, :]
    return light
