"""Where truth sources land on one detector, how bright they are there, and their truth rows.

Positions come from the exact sky -> pixel mapping (`~pipetasks.instruments.focal_plane.sky_to_pixel`,
distortion included); fluxes from the filter's zero point, extinction and the exposure time; the
PSF from `FieldPsf` at each source's focal-plane position.
"""

from __future__ import annotations

import numpy as np
from astropy.table import Table

from ..image.camera import Camera
from ..image.detector import Detector
from ..instruments.focal_plane import Pointing, sky_to_pixel
from .config import SimulatorConfig
from .electronics import ADC_MAX, AmplifierReadout
from .errors import TruthCatalogError
from .psf import FieldPsf
from .scene import PlacedSources
from .spec import ExposureSpec

__all__ = ["SOURCE_MARGIN", "TRUTH_COLUMNS", "empty_truth_rows", "truth_magnitudes", "place_sources", "saturation_flags"]

SOURCE_MARGIN = 400
"""Pixels: sources this far off a detector may still put light on it (the largest stamp radius)."""

TRUTH_COLUMNS: tuple[tuple[str, object], ...] = (
    ("id", np.int64), ("x", float), ("y", float), ("ra", float), ("dec", float), ("mag", float),
    ("flux", float), ("response", float), ("type", "U6"), ("saturated", bool), ("sersic_n", float),
    ("half_light_radius", float), ("g1", float), ("g2", float), ("psf_fwhm", float), ("psf_g1", float),
    ("psf_g2", float),
)
"""The per-detector truth columns (before ``detector``), in file order."""


def empty_truth_rows() -> Table:
    """A truth table with no rows (calibration frames, detectors without sources)."""
    table = Table()
    for key, dtype in TRUTH_COLUMNS:
        table[key] = np.zeros(0, dtype=dtype)
    return table


def truth_magnitudes(truth: Table, band: str) -> np.ndarray:
    """The ``band`` magnitudes of a truth catalog: ``mag_<band>``, else ``mag`` if it is that band's.

    Raises
    ------
    TruthCatalogError
        If positions or magnitudes for ``band`` are missing, or ``mag`` is for another band.
    """
    for key in ("ra", "dec"):
        if key not in truth.colnames:
            raise TruthCatalogError(f"the truth catalog needs an {key!r} column (ICRS degrees); it has {truth.colnames}")
    if f"mag_{band}" in truth.colnames:
        return np.asarray(truth[f"mag_{band}"], dtype=float)
    if "mag" not in truth.colnames:
        raise TruthCatalogError(f"the truth catalog needs a 'mag_{band}' or 'mag' column; it has {truth.colnames}")
    other = truth.meta.get("band")
    if other not in (None, band):
        raise TruthCatalogError(
            f"the truth catalog's 'mag' column is for band {other!r} but the exposure is in band {band!r}; "
            f"make the catalog for this filter or add a 'mag_{band}' column"
        )
    return np.asarray(truth["mag"], dtype=float)


def place_sources(
    spec: ExposureSpec,
    camera: Camera,
    detector: Detector,
    pointing: Pointing,
    truth: Table,
    pixel_scale: float,
    psf: FieldPsf,
    config: SimulatorConfig,
) -> tuple[PlacedSources, Table]:
    """The sources to draw on ``detector`` (those within `SOURCE_MARGIN`) and the truth rows of those on it.

    Parameters
    ----------
    spec, camera, detector, pointing
        The exposure and where the detector looks.
    truth : `astropy.table.Table`
        Sources (see `truth_magnitudes` for the required columns; ``id, type, sersic_n,
        half_light_radius, g1, g2`` are optional).
    pixel_scale : `float`
        The detector's local plate scale, arcsec per pixel.
    psf : `FieldPsf`
    config : `SimulatorConfig`

    Returns
    -------
    placed : `PlacedSources`
    rows : `astropy.table.Table`
        `TRUTH_COLUMNS` for sources whose centre is on the detector (``saturated`` still False).
    """
    mags = truth_magnitudes(truth, spec.band)
    x, y = sky_to_pixel(camera, detector, pointing, np.asarray(truth["ra"], float), np.asarray(truth["dec"], float))
    bbox = detector.getBBox()
    width, height = bbox.getWidth(), bbox.getHeight()
    with np.errstate(invalid="ignore"):
        near = (np.isfinite(x) & np.isfinite(y) & (x > -SOURCE_MARGIN) & (x < width + SOURCE_MARGIN)
                & (y > -SOURCE_MARGIN) & (y < height + SOURCE_MARGIN))
    index = np.flatnonzero(near)
    x, y, mags = x[index], y[index], mags[index]
    n = len(index)
    is_star = np.ones(n, bool) if "type" not in truth.colnames else np.asarray(truth["type"][index]) == "star"
    shapes = {}
    for key in ("sersic_n", "half_light_radius", "g1", "g2"):
        values = np.asarray(truth[key][index], float) if key in truth.colnames else np.zeros(n)
        shapes[key] = np.where(is_star, 0.0, values)
    if np.any((shapes["sersic_n"] > 0) & ~(shapes["half_light_radius"] > 0)):
        raise TruthCatalogError("galaxies (sersic_n > 0) need a half_light_radius > 0 (arcsec) in the truth catalog")
    flux = spec.filter.source_rate(mags, spec.effective_airmass) * spec.exptime
    orientation = detector.getOrientation()
    fx, fy = orientation.pixelToFocalPlane(x, y, detector.getPixelSize())
    fwhm = psf.fwhm(fx, fy)
    psf_g1, psf_g2 = psf.rotate_shear(*psf.shear(fx, fy), orientation.getYaw())
    placed = PlacedSources(x, y, flux, shapes["sersic_n"], shapes["half_light_radius"], shapes["g1"], shapes["g2"],
                           fwhm / pixel_scale, psf_g1, psf_g2)

    on = (x >= -0.5) & (x < width - 0.5) & (y >= -0.5) & (y < height - 0.5)
    ids = np.asarray(truth["id"][index], np.int64) if "id" in truth.colnames else index.astype(np.int64)
    rho2 = (fx[on] ** 2 + fy[on] ** 2) / config.field_radius_mm**2
    values = {
        "id": ids[on], "x": x[on], "y": y[on],
        "ra": np.asarray(truth["ra"][index], float)[on], "dec": np.asarray(truth["dec"][index], float)[on],
        "mag": mags[on], "flux": flux[on], "response": 1.0 - config.vignetting_edge * rho2,
        "type": np.where(is_star[on], "star", "galaxy").astype("U6"), "saturated": np.zeros(int(on.sum()), bool),
        **{key: shapes[key][on] for key in ("sersic_n", "half_light_radius", "g1", "g2")},
        "psf_fwhm": fwhm[on], "psf_g1": psf_g1[on], "psf_g2": psf_g2[on],
    }
    rows = Table()
    for key, _ in TRUTH_COLUMNS:
        rows[key] = values[key]
    return placed, rows


def saturation_flags(
    expected: np.ndarray, rows: Table, detector: Detector, readouts: list[AmplifierReadout], full_well: float
) -> np.ndarray:
    """Whether a pixel within 2 of each source centre is expected (before noise) at the ADC limit or full well."""
    height, width = expected.shape
    limits = []
    for amp, readout in zip(detector, readouts):
        box = amp.getBBox()
        adc_limit = (ADC_MAX - readout.overscan_level - 20.0) * readout.gain  # 20 ADU: bias structure
        limits.append((box.getMinX(), box.getMaxX(), min(full_well, adc_limit)))
    flags = np.zeros(len(rows), bool)
    for i, (x, y) in enumerate(zip(rows["x"], rows["y"])):
        cx, cy = int(round(x)), int(round(y))
        window = expected[max(cy - 2, 0) : min(cy + 3, height), max(cx - 2, 0) : min(cx + 3, width)]
        column = min(max(cx, 0), width - 1)
        limit = next(lim for lo, hi, lim in limits if lo <= column <= hi)
        flags[i] = window.size > 0 and float(window.max()) >= limit
    return flags
