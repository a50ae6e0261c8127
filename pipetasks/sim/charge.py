"""What happens to charge in the silicon: shot noise, cosmic-ray tracks and bleeding of full wells."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .config import SimulatorConfig

__all__ = ["CosmicRay", "add_shot_noise", "draw_cosmic_rays", "deposit_cosmic_rays", "bleed"]


def add_shot_noise(expected: np.ndarray, rng: np.random.Generator, gaussian_above: float) -> np.ndarray:
    """Photon/dark-current counts with mean ``expected`` (float32 electrons, same shape).

    Pixels expecting fewer than ``gaussian_above`` electrons get an exact Poisson draw; the rest
    a Gaussian of the same mean and variance (skewness below ``1 / sqrt(gaussian_above)``), which
    is four times faster for a sky-dominated image. When most pixels are below the threshold
    every pixel gets the exact Poisson draw (cheaper than splitting the image).
    """
    low = expected < np.float32(gaussian_above)
    n_low = int(np.count_nonzero(low))
    if n_low * 2 > expected.size:
        return rng.poisson(expected).astype(np.float32)
    counts = rng.standard_normal(expected.shape, dtype=np.float32)
    counts *= np.sqrt(np.maximum(expected, np.float32(0.0)))
    counts += expected
    if n_low:
        counts[low] = rng.poisson(expected[low])
    return counts


@dataclasses.dataclass(frozen=True)
class CosmicRay:
    """One track: start and end (trimmed pixel coordinates) and the charge deposited (e-)."""

    x0: float
    y0: float
    x1: float
    y1: float
    electrons: float


def draw_cosmic_rays(
    rng: np.random.Generator, config: SimulatorConfig, seconds: float, shape: tuple[int, int]
) -> list[CosmicRay]:
    """Cosmic-ray tracks hitting a sensor of ``shape`` pixels during ``seconds``.

    The number is Poisson with mean ``rate * area * seconds``. Directions are isotropic in azimuth
    with a ``cos^2`` zenith-angle distribution (muons); the projected length is
    ``thickness * tan(zenith)`` and the charge ``charge_per_um * thickness / cos(zenith)``,
    scattered by a log-normal (Landau-like) factor.
    """
    area_cm2 = shape[0] * shape[1] * (config.pixel_size_um * 1e-4) ** 2
    n = int(rng.poisson(config.cosmic_ray_rate * area_cm2 * max(seconds, 0.0)))
    if n == 0:
        return []
    x0 = rng.uniform(-0.5, shape[1] - 0.5, n)
    y0 = rng.uniform(-0.5, shape[0] - 0.5, n)
    azimuth = rng.uniform(0.0, 2 * np.pi, n)
    # cos^2 distribution of the zenith angle over the upper hemisphere: cos(theta) = u**(1/3).
    cos_theta = np.clip(rng.random(n) ** (1.0 / 3.0), 0.05, 1.0)
    tan_theta = np.sqrt(1.0 - cos_theta**2) / cos_theta
    length = np.minimum(config.sensor_thickness_um * tan_theta / config.pixel_size_um, 60.0)
    charge = config.cosmic_ray_charge_per_um * config.sensor_thickness_um / cos_theta
    charge *= rng.lognormal(0.0, 0.3, n)
    x1, y1 = x0 + length * np.cos(azimuth), y0 + length * np.sin(azimuth)
    return [CosmicRay(*map(float, values)) for values in zip(x0, y0, x1, y1, charge)]


def deposit_cosmic_rays(target: np.ndarray, rays: list[CosmicRay]) -> None:
    """Add each track's charge along its segment to ``target`` (e-, in place; bilinear sharing)."""
    height, width = target.shape
    for ray in rays:
        steps = max(int(math.ceil(4 * math.hypot(ray.x1 - ray.x0, ray.y1 - ray.y0))), 1)
        t = (np.arange(steps) + 0.5) / steps
        xs = ray.x0 + t * (ray.x1 - ray.x0)
        ys = ray.y0 + t * (ray.y1 - ray.y0)
        ix, iy = np.floor(xs).astype(int), np.floor(ys).astype(int)
        fx, fy = xs - ix, ys - iy
        share = ray.electrons / steps
        for dx, dy, weight in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
            px, py = ix + dx, iy + dy
            inside = (px >= 0) & (px < width) & (py >= 0) & (py < height)
            np.add.at(target, (py[inside], px[inside]), (share * weight[inside]).astype(np.float32))


def bleed(target: np.ndarray, full_well: float) -> int:
    """Spill charge above ``full_well`` along columns, half up and half down (in place).

    Each run of over-full pixels in a column is set to the full well; its excess fills the
    pixels beyond either end of the run up to the full well, outwards, until it is used up or
    reaches the end of the column (where it is lost). Columns never cross amplifiers in a
    MegaPrime CCD, so a trail stays on its amplifier.

    Returns
    -------
    n_columns : `int`
        How many columns bled.
    """
    well = np.float32(full_well)
    over_columns = np.flatnonzero((target > well).any(axis=0))
    for x in over_columns:
        column = target[:, x].astype(np.float64)
        over = column > full_well
        edges = np.flatnonzero(np.diff(np.concatenate([[0], over.view(np.int8), [0]])))
        for start, stop in zip(edges[::2], edges[1::2]):
            excess = float(np.sum(column[start:stop] - full_well))
            column[start:stop] = full_well
            _fill(column[stop:], excess / 2, full_well)
            _fill(column[:start][::-1], excess / 2, full_well)
        target[:, x] = column
    return len(over_columns)


def _fill(pixels: np.ndarray, charge: float, full_well: float) -> None:
    """Top up ``pixels`` (a view, in order of flow) to ``full_well`` with ``charge``."""
    if charge <= 0 or pixels.size == 0:
        return
    room = np.clip(full_well - pixels, 0.0, None)
    filled = np.cumsum(room)
    n_full = int(np.searchsorted(filled, charge, side="right"))
    pixels[:n_full] += room[:n_full]
    if n_full < pixels.size:
        pixels[n_full] += charge - (filled[n_full - 1] if n_full else 0.0)
