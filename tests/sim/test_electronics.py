"""Overscan, read noise, row structure and gain of simulated raws, measured from their pixels."""

from __future__ import annotations

import numpy as np
import pytest


def _serial_overscan(ccd, amp):
    box = amp.getRawHorizontalOverscanBBox()
    return ccd.pixels[:, box.getMinX() : box.getMaxX() + 1].astype(np.float64)


def test_overscan_level_of_each_amp_is_the_configured_one(sim, bias_ccd):
    low, high = sim.config.overscan_level_range
    levels = []
    for amp, readout in zip(sim.camera[bias_ccd.detector_id], bias_ccd.readouts):
        measured = _serial_overscan(bias_ccd, amp).mean()
        assert low <= readout.overscan_level <= high
        assert measured == pytest.approx(readout.overscan_level, abs=0.05)
        levels.append(readout.overscan_level)
    assert levels[0] != levels[1]


def test_overscan_noise_is_the_camera_read_noise(sim, bias_ccd):
    for amp in sim.camera[bias_ccd.detector_id]:
        over = _serial_overscan(bias_ccd, amp)
        residual = over - np.median(over, axis=1)[:, None]
        # The per-row median removes ~1/32 of the variance with it; rounding to ADU adds 1/12 ADU^2.
        noise_adu = np.sqrt((residual.var() - 1 / 12) * 32 / 31)
        assert noise_adu * amp.getGain() == pytest.approx(amp.getReadNoise(), rel=0.04)


def test_overscan_rows_carry_the_row_structure_seen_in_the_data(sim, bias_ccd, overscan_corrected):
    amp = sim.camera[bias_ccd.detector_id][0]
    readout = bias_ccd.readouts[0]
    over_rows = _serial_overscan(bias_ccd, amp).mean(axis=1)
    data = amp.getRawDataBBox()
    data_rows = bias_ccd.pixels[: data.getMaxY() + 1, data.getMinX() : data.getMaxX() + 1].mean(axis=1)
    assert np.std(over_rows) == pytest.approx(readout.summary()["overscan_row_rms"], rel=0.1)
    assert np.std(over_rows) > 1.0  # drift + jitter, well above the noise of a 32-pixel mean
    assert np.corrcoef(over_rows[:4612], data_rows)[0, 1] > 0.9
    # Subtracting the overscan row by row removes it from the data, down to the noise of a
    # 32-pixel median (1.25 sigma / sqrt(32)).
    corrected_rows = overscan_corrected(bias_ccd, sim)[:, :1024].mean(axis=1)
    median_noise = 1.2533 * amp.getReadNoise() / amp.getGain() / np.sqrt(32)
    assert np.std(corrected_rows[200:]) < 1.3 * median_noise


def test_parallel_overscan_rows_hold_only_baseline_and_noise(sim, bias_ccd):
    amp = sim.camera[bias_ccd.detector_id][1]
    rows = bias_ccd.pixels[4612:, 1056:2080].astype(float)
    expected = bias_ccd.readouts[1].baseline[4612:]
    assert np.abs(rows.mean(axis=1) - expected).max() < 0.5
    assert rows.std(axis=1).mean() == pytest.approx(amp.getReadNoise() / amp.getGain(), rel=0.1)


def test_gain_of_each_amp_is_recovered_from_a_flat_pair(sim, flat_pair, overscan_corrected, defect_mask):
    first, second = (overscan_corrected(ccd, sim) for ccd in flat_pair)
    good = ~defect_mask
    for amp in sim.camera[flat_pair[0].detector_id]:
        box = amp.getBBox()
        region = (slice(500, 4100), slice(box.getMinX() + 50, box.getMaxX() - 50))
        keep = good[region]
        mean = 0.5 * (first[region][keep].mean() + second[region][keep].mean())
        variance = np.var(first[region][keep] - second[region][keep]) / 2
        read_noise_adu2 = (amp.getReadNoise() / amp.getGain()) ** 2
        gain = mean / (variance - read_noise_adu2 - 1 / 12)
        assert mean > 10000
        assert gain == pytest.approx(amp.getGain(), rel=0.02)


def test_flat_signal_is_in_range_and_never_clipped(flat_pair):
    pixels = flat_pair[0].pixels
    assert pixels.dtype == np.uint16
    assert pixels[:4612, 32:2080].max() < 65535
