"""Truth sources in the pixels: positions, fluxes, saturation and bleed trails, galaxies."""

from __future__ import annotations

import numpy as np
import pytest

from pipetasks.sim.psf import FieldPsf


def _electrons(ccd, sim, overscan_corrected, master_bias):
    """Overscan- and bias-subtracted trimmed image in electrons (per-amplifier gain)."""
    image = overscan_corrected(ccd, sim) - master_bias
    for amp in sim.camera[ccd.detector_id]:
        box = amp.getBBox()
        image[:, box.getMinX() : box.getMaxX() + 1] *= amp.getGain()
    return image


def _measure(image, x, y, radius=25.0, inner=35.0, outer=50.0):
    """Background-subtracted aperture flux and first-moment centroid (iterated) near (x, y)."""
    cx, cy = x, y
    size = int(outer) + 2
    x0, y0 = int(round(x)) - size, int(round(y)) - size
    cut = image[y0 : y0 + 2 * size + 1, x0 : x0 + 2 * size + 1]
    yy, xx = np.mgrid[y0 : y0 + 2 * size + 1, x0 : x0 + 2 * size + 1]
    r0 = np.hypot(xx - x, yy - y)
    background = np.median(cut[(r0 > inner) & (r0 < outer)])
    signal = cut - background
    for _ in range(5):
        window = np.hypot(xx - cx, yy - cy) < 12.0
        weight = signal[window]
        cx, cy = (weight * xx[window]).sum() / weight.sum(), (weight * yy[window]).sum() / weight.sum()
    flux = signal[r0 < radius].sum()
    return cx, cy, flux


@pytest.fixture(scope="module")
def electrons(object_ccd, sim, overscan_corrected, master_bias):
    return _electrons(object_ccd, sim, overscan_corrected, master_bias)


def test_truth_rows_are_the_injected_sources_at_their_pixels(object_ccd, layout):
    truth = object_ccd.truth
    expected = layout.star_grid + [layout.bright_star] + layout.galaxies
    assert len(truth) == len(expected)
    assert np.allclose(np.c_[truth["x"], truth["y"]], expected, atol=1e-6)
    assert set(truth["type"]) == {"star", "galaxy"}
    assert (truth["detector"] == layout.detector).all()


def test_bright_stars_are_centred_on_their_truth_positions(object_ccd, electrons, layout):
    truth = object_ccd.truth
    stars = truth[(truth["type"] == "star") & ~truth["saturated"]]
    assert len(stars) == len(layout.star_grid)
    offsets = []
    for row in stars:
        cx, cy, _ = _measure(electrons, row["x"], row["y"])
        offsets.append(np.hypot(cx - row["x"], cy - row["y"]))
    assert max(offsets) < 0.1


def test_star_fluxes_match_truth_times_response(object_ccd, electrons):
    truth = object_ccd.truth
    stars = truth[(truth["type"] == "star") & ~truth["saturated"]]
    ratios = [_measure(electrons, row["x"], row["y"])[2] / (row["flux"] * row["response"]) for row in stars]
    assert np.median(ratios) == pytest.approx(1.0, abs=0.01)
    assert np.all(np.abs(np.array(ratios) - 1) < 0.03)


def test_galaxy_fluxes_match_truth_and_galaxies_are_extended(object_ccd, electrons):
    truth = object_ccd.truth
    galaxies = truth[truth["type"] == "galaxy"]
    star = truth[(truth["type"] == "star") & ~truth["saturated"]][0]
    for row in galaxies:
        _, _, flux = _measure(electrons, row["x"], row["y"], radius=30.0, inner=40.0, outer=50.0)
        assert flux == pytest.approx(row["flux"] * row["response"], rel=0.05)
    # A galaxy's peak is lower, relative to its flux, than a star's.
    def peak_fraction(row):
        x, y = int(round(row["x"])), int(round(row["y"]))
        return electrons[y - 1 : y + 2, x - 1 : x + 2].max() / (row["flux"] * row["response"])

    assert all(peak_fraction(g) < 0.5 * peak_fraction(star) for g in galaxies)


def test_saturated_star_is_flagged_and_bleeds_along_its_column(object_ccd, layout):
    truth = object_ccd.truth
    bright = truth[truth["mag"] < 13]
    assert len(bright) == 1 and bright["saturated"][0]
    assert truth["saturated"].sum() == 1
    x, y = int(round(layout.bright_star[0])) + 32, int(round(layout.bright_star[1]))
    column = object_ccd.pixels[:, x] == 65535
    row = object_ccd.pixels[y, :] == 65535
    assert column[y] and row[x]
    saturated_along_column, saturated_along_row = column.sum(), row.sum()
    assert saturated_along_column > 3 * saturated_along_row
    # The trail runs both ways from the star.
    assert column[y + saturated_along_row : y + 2 * saturated_along_row].all()
    assert column[y - 2 * saturated_along_row : y - saturated_along_row].all()
    assert object_ccd.bleed_columns > 0


def test_psf_size_and_shape_vary_with_focal_plane_position(sim, spec_for):
    spec = spec_for("OBJECT", 2400150, 60.0, seeing=0.7)
    psf = FieldPsf(sim.config, spec.seeing, sim.seed, spec.exposure_id)
    centre = psf.fwhm(np.array([0.0]), np.array([0.0]))[0]
    edge = psf.fwhm(np.array([sim.config.field_radius_mm]), np.array([0.0]))[0]
    assert centre == pytest.approx(0.7)
    assert edge == pytest.approx(0.7 * (1 + sim.config.psf_fwhm_edge_increase))
    g1, g2 = psf.shear(np.array([sim.config.field_radius_mm, 0.0]), np.array([0.0, sim.config.field_radius_mm]))
    # Radial elongation: +g1 on the x axis, -g1 on the y axis (plus the per-exposure shear).
    assert g1[0] - psf.exposure_shear[0] == pytest.approx(sim.config.psf_ellipticity_edge)
    assert g1[1] - psf.exposure_shear[0] == pytest.approx(-sim.config.psf_ellipticity_edge)


def test_truth_records_the_psf_at_each_source(object_ccd, sim):
    truth = object_ccd.truth
    assert (truth["psf_fwhm"] > 0.8).all() and (truth["psf_fwhm"] < 0.8 * (1 + sim.config.psf_fwhm_edge_increase)).all()
    assert np.ptp(truth["psf_fwhm"]) > 0


def test_default_sky_fills_a_detector_with_a_few_hundred_sources(sim, spec_for):
    ccd = sim.simulate_ccd(spec_for("OBJECT", 2400160, 300.0), 13)
    truth = ccd.truth
    assert 150 < len(truth) < 600
    assert {"star", "galaxy"} == set(truth["type"])
    assert ((truth["x"] >= -0.5) & (truth["x"] < 2047.5) & (truth["y"] >= -0.5) & (truth["y"] < 4611.5)).all()
    # Saturated flags agree with the pixels: the ADC limit is reached at flagged sources only.
    for row in truth[truth["flux"] > 1e6]:
        x, y = int(round(row["x"])) + 32, int(round(row["y"]))
        peak = ccd.pixels[max(y - 2, 0) : y + 3, x - 2 : x + 3].max()
        assert (peak == 65535) == bool(row["saturated"])
