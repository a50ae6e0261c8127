"""The simulated sky: stars and galaxies with positions, magnitudes in every band and shapes.

The sky is generated in HEALPix cells (nested, ``SimulatorConfig.truth_cell_nside``), each from
its own random stream keyed by the seed and the cell index, so a source exists independently of
the field that asks for it: two overlapping fields (dithers) see the same sources with the same
ids, and a catalog is deterministic in ``(seed, ra, dec, radius)``.

Positions are uniform on the sphere within a cell (a random sub-pixel at HEALPix order 29, whose
pixels are equal-area and ~0.4 mas across). r-band magnitudes follow exponential number counts
``dN/dm ~ 10**(slope * m)`` over the configured range; other bands follow from colours.
"""

from __future__ import annotations

import math

import hpgeom
import numpy as np
from astropy.table import Table

from .config import SimulatorConfig
from .filters import BANDS, get_filter
from .streams import random_stream

__all__ = ["make_truth_catalog", "angular_separation"]

_MAX_ORDER = 29
_ID_CELL_SHIFT = 2**24  # id = cell * 2**24 + index of the source in its cell


def angular_separation(ra1: np.ndarray, dec1: np.ndarray, ra2: float, dec2: float) -> np.ndarray:
    """Great-circle distance (degrees) between arrays of points and one point (haversine)."""
    ra1, dec1 = np.radians(ra1), np.radians(dec1)
    ra2, dec2 = math.radians(ra2), math.radians(dec2)
    s = np.sin((dec1 - dec2) / 2) ** 2 + np.cos(dec1) * math.cos(dec2) * np.sin((ra1 - ra2) / 2) ** 2
    return np.degrees(2 * np.arcsin(np.sqrt(np.clip(s, 0.0, 1.0))))


def _magnitudes(rng: np.random.Generator, n: int, mag_range: tuple[float, float], slope: float) -> np.ndarray:
    low, high = mag_range
    u = rng.random(n)
    if slope == 0 or high == low:
        return low + u * (high - low)
    a, b = 10.0 ** (slope * low), 10.0 ** (slope * high)
    return np.log10(a + u * (b - a)) / slope


def _star_colours(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    g_r = rng.uniform(0.25, 1.5, n)
    u_g = 0.8 + 1.0 * g_r + rng.normal(0.0, 0.1, n)
    r_i = 0.45 * g_r - 0.05 + rng.normal(0.0, 0.03, n)
    i_z = 0.35 * r_i + 0.02 + rng.normal(0.0, 0.02, n)
    return {"g_r": g_r, "u_g": u_g, "r_i": r_i, "i_z": i_z}


def _galaxy_colours(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    return {
        "g_r": np.clip(rng.normal(0.65, 0.25, n), 0.0, 1.6),
        "u_g": np.clip(rng.normal(1.0, 0.4, n), -0.2, 2.5),
        "r_i": np.clip(rng.normal(0.35, 0.15, n), -0.2, 1.0),
        "i_z": np.clip(rng.normal(0.2, 0.1, n), -0.2, 0.8),
    }


def _cell_sources(seed: int, config: SimulatorConfig, cell: int) -> dict[str, np.ndarray]:
    nside = config.truth_cell_nside
    order = int(round(math.log2(nside)))
    rng = random_stream(seed, "sky", nside, cell)
    area = hpgeom.nside_to_pixel_area(nside, degrees=True)
    n_star = int(rng.poisson(config.star_density * area))
    n_gal = int(rng.poisson(config.galaxy_density * area))
    n = n_star + n_gal
    children = 4 ** (_MAX_ORDER - order)
    sub = cell * children + rng.integers(0, children, n, dtype=np.int64)
    ra, dec = hpgeom.pixel_to_angle(2**_MAX_ORDER, sub, nest=True, lonlat=True, degrees=True)

    mag_r = np.concatenate([
        _magnitudes(rng, n_star, config.star_mag_range, config.star_count_slope),
        _magnitudes(rng, n_gal, config.galaxy_mag_range, config.galaxy_count_slope),
    ])
    stars, gals = _star_colours(rng, n_star), _galaxy_colours(rng, n_gal)
    colours = {key: np.concatenate([stars[key], gals[key]]) for key in stars}

    sersic_n = np.zeros(n)
    hlr = np.zeros(n)
    g1 = np.zeros(n)
    g2 = np.zeros(n)
    gal = slice(n_star, n)
    is_dev = rng.random(n_gal) < config.galaxy_devaucouleurs_fraction
    sersic_n[gal] = np.where(is_dev, 4.0, 1.0)
    log_hlr = (math.log10(config.galaxy_hlr_at_mag20) + config.galaxy_hlr_mag_slope * (mag_r[gal] - 20.0)
               + rng.normal(0.0, config.galaxy_hlr_scatter, n_gal))
    hlr[gal] = np.clip(10.0**log_hlr, 0.1, 5.0)
    shear = rng.normal(0.0, config.galaxy_shape_rms, (2, n_gal))
    norm = np.hypot(shear[0], shear[1])
    shrink = np.where(norm > 0.8, 0.8 / np.where(norm > 0, norm, 1.0), 1.0)
    g1[gal], g2[gal] = shear[0] * shrink, shear[1] * shrink

    mags = {"r": mag_r}
    mags["g"] = mag_r + colours["g_r"]
    mags["u"] = mags["g"] + colours["u_g"]
    mags["i"] = mag_r - colours["r_i"]
    mags["z"] = mags["i"] - colours["i_z"]
    return {
        "id": cell * _ID_CELL_SHIFT + np.arange(n, dtype=np.int64),
        "ra": ra,
        "dec": dec,
        "is_star": np.arange(n) < n_star,
        **{f"mag_{band}": mags[band] for band in BANDS},
        "sersic_n": sersic_n,
        "half_light_radius": hlr,
        "g1": g1,
        "g2": g2,
    }


def make_truth_catalog(
    seed: int, config: SimulatorConfig, ra: float, dec: float, radius: float, physical_filter: str
) -> Table:
    """All simulated sources within ``radius`` degrees of ``(ra, dec)``.

    Parameters
    ----------
    seed : `int`
        The simulator seed (the sky is the same for every exposure with this seed).
    config : `SimulatorConfig`
        Densities, magnitude ranges and shape distributions.
    ra, dec : `float`
        Field centre, ICRS degrees.
    radius : `float`
        Degrees, in (0, 10].
    physical_filter : `str`
        Filter whose band fills the ``mag`` column.

    Returns
    -------
    truth : `astropy.table.Table`
        Columns ``id, ra, dec, type ('star'/'galaxy'), mag, mag_u ... mag_z, sersic_n,
        half_light_radius`` (arcsec, 0 for stars) ``, g1, g2`` (reduced shear in the
        (East, North) frame: g1 > 0 is elongated East-West), sorted by id. ``meta`` records the
        request.
    """
    band = get_filter(physical_filter).band
    if not (0.0 < radius <= 10.0):
        raise ValueError(f"truth catalog radius must be in (0, 10] degrees, not {radius!r}")
    if not (-90.0 <= dec <= 90.0) or not math.isfinite(ra):
        raise ValueError(f"field centre ({ra}, {dec}) needs a finite RA and Dec within [-90, 90]")
    cells = np.sort(hpgeom.query_circle(config.truth_cell_nside, ra % 360.0, dec, radius, inclusive=True, nest=True))
    parts = [_cell_sources(seed, config, int(cell)) for cell in cells]
    columns = {key: np.concatenate([part[key] for part in parts]) if parts else np.zeros(0) for key in
               ("id", "ra", "dec", "is_star", *(f"mag_{b}" for b in BANDS), "sersic_n", "half_light_radius", "g1", "g2")}
    keep = angular_separation(columns["ra"], columns["dec"], ra, dec) <= radius
    table = Table()
    table["id"] = columns["id"][keep].astype(np.int64)
    table["ra"] = columns["ra"][keep]
    table["dec"] = columns["dec"][keep]
    table["type"] = np.where(columns["is_star"][keep].astype(bool), "star", "galaxy").astype("U6")
    table["mag"] = columns[f"mag_{band}"][keep]
    for b in BANDS:
        table[f"mag_{b}"] = columns[f"mag_{b}"][keep]
    for key in ("sersic_n", "half_light_radius", "g1", "g2"):
        table[key] = columns[key][keep]
    table["ra"].unit = table["dec"].unit = "deg"
    table["half_light_radius"].unit = "arcsec"
    for key in ("mag", *(f"mag_{b}" for b in BANDS)):
        table[key].unit = "mag"
    table.meta.update({
        "seed": int(seed), "ra": float(ra), "dec": float(dec), "radius": float(radius),
        "physical_filter": physical_filter, "band": band, "cell_nside": config.truth_cell_nside,
    })
    return table
