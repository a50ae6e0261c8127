"""Defects from the defect list (dead and hot pixels) and cosmic rays, seen in the pixels."""

from __future__ import annotations

import numpy as np
import pytest


def test_every_defect_box_of_the_detector_is_simulated(sim, layout):
    boxes = sim.sensor(layout.detector).defects
    table = sim.defects[sim.defects["detector"] == layout.detector]
    assert len(boxes) == len(table) == 9
    assert 1 <= sum(box.hot for box in boxes) < len(boxes)
    # Only small boxes are hot; full rows and long columns stay dead.
    assert all(box.width * box.height <= 200 for box in boxes if box.hot)


def test_dead_defect_pixels_respond_to_almost_no_light(sim, flat_pair, overscan_corrected, master_bias):
    image = overscan_corrected(flat_pair[0], sim) - master_bias
    level = np.median(image)
    for box in sim.sensor(flat_pair[0].detector_id).defects:
        if not box.hot:
            assert np.median(image[box.slices]) < 0.05 * level


def test_hot_defect_pixels_collect_dark_current(sim, dark_ccd, overscan_corrected, master_bias):
    image = overscan_corrected(dark_ccd, sim) - master_bias
    detector = sim.camera[dark_ccd.detector_id]
    for box in sim.sensor(dark_ccd.detector_id).defects:
        if box.hot:
            gain = detector[0 if box.x0 < 1024 else 1].getGain()
            expected = sim.config.hot_dark_rate * 600.0 / gain
            assert np.median(image[box.slices]) == pytest.approx(expected, rel=0.1)


def _outliers(ccd, sim, overscan_corrected, master_bias, defect_mask, sigma=8.0):
    """Pixels more than ``sigma`` read noises above the master bias, outside defects."""
    image = overscan_corrected(ccd, sim) - master_bias
    noise = max(amp.getReadNoise() / amp.getGain() for amp in sim.camera[ccd.detector_id])
    return (image > sigma * noise) & ~defect_mask


def test_darks_have_cosmic_rays_and_biases_have_none(sim, dark_ccd, bias_ccd, overscan_corrected, master_bias,
                                                     defect_mask):
    assert len(bias_ccd.cosmic_rays) == 0
    assert _outliers(bias_ccd, sim, overscan_corrected, master_bias, defect_mask).sum() == 0
    area_cm2 = 4612 * 2048 * (13.5e-4) ** 2
    expected = sim.config.cosmic_ray_rate * area_cm2 * 600.0
    assert len(dark_ccd.cosmic_rays) == pytest.approx(expected, rel=0.3)
    hits = _outliers(dark_ccd, sim, overscan_corrected, master_bias, defect_mask)
    assert hits.sum() > len(dark_ccd.cosmic_rays)
    # Each track's start pixel is lit.
    lit = [hits[min(max(int(round(ray.y0)), 0), 4611), min(max(int(round(ray.x0)), 0), 2047)] for ray in dark_ccd.cosmic_rays]
    assert np.mean(lit) > 0.8


def test_object_exposures_have_cosmic_rays_with_thousands_of_electrons(object_ccd):
    rays = object_ccd.cosmic_rays
    assert len(rays) > 50
    charges = np.array([ray.electrons for ray in rays])
    assert 1000 < np.median(charges) < 20000
    lengths = np.array([np.hypot(ray.x1 - ray.x0, ray.y1 - ray.y0) for ray in rays])
    assert np.median(lengths) > 1 and lengths.max() <= 60


def test_flats_and_biases_have_no_cosmic_rays(flat_pair, bias_ccd):
    assert flat_pair[0].cosmic_rays == [] and bias_ccd.cosmic_rays == []
