"""Master bias, dark and flat: conventions, and agreement with the raws they calibrate."""

from __future__ import annotations

import numpy as np
import pytest

from pipetasks.image import ExposureF


@pytest.fixture(scope="module")
def masters(sim, layout, tmp_path_factory):
    directory = tmp_path_factory.mktemp("calib")
    return sim.write_master_calibrations(directory, detectors=[layout.detector], physical_filters=["r.MP9601"],
                                         date=layout.date)


def test_masters_are_written_as_trimmed_exposures_with_their_detector(masters, layout):
    det = layout.detector
    assert set(masters) == {("bias", det), ("dark", det), ("flat", det, "r.MP9601")}
    assert masters[("flat", det, "r.MP9601")].name == f"flat_r.MP9601_ccd{det:02d}.fits"
    assert masters[("bias", det)].name == f"bias_ccd{det:02d}.fits"
    for key, path in masters.items():
        exposure = ExposureF.readFits(path)
        assert exposure.getDimensions().x == 2048 and exposure.getDimensions().y == 4612
        assert exposure.getDetector().getId() == det
        assert exposure.getMetadata()["OBSTYPE"] == key[0]
    flat = ExposureF.readFits(masters[("flat", det, "r.MP9601")])
    assert flat.getFilter().physicalLabel == "r.MP9601" and flat.getFilter().bandLabel == "r"


def test_master_flat_has_mean_one_and_includes_each_amps_gain(sim, layout):
    flat = sim.master_flat(layout.detector, "r.MP9601").image.array
    assert flat.mean(dtype=np.float64) == pytest.approx(1.0, abs=1e-4)
    detector = sim.camera[layout.detector]
    response = sim.sensor(layout.detector).response()
    ratio_a = np.median(flat[:, :1024] / response[:, :1024])
    ratio_b = np.median(flat[:, 1024:] / response[:, 1024:])
    assert ratio_a / ratio_b == pytest.approx(detector[1].getGain() / detector[0].getGain(), rel=1e-3)


def test_flat_fielding_a_dome_flat_with_the_master_flat_makes_it_flat(sim, flat_pair, overscan_corrected, master_bias,
                                                                     defect_mask):
    det = flat_pair[0].detector_id
    image = overscan_corrected(flat_pair[0], sim) - master_bias
    corrected = image / sim.master_flat(det, "r.MP9601").image.array
    good = ~defect_mask
    level_a = np.median(corrected[:, :1024][good[:, :1024]])
    level_b = np.median(corrected[:, 1024:][good[:, 1024:]])
    assert level_a == pytest.approx(level_b, rel=2e-3)
    # What is left is shot noise (~0.6 % at 24000 e-) plus the master's own noise.
    assert np.std(corrected[good]) / level_a < 0.01


def test_master_bias_is_the_bias_pattern_of_the_raws(sim, bias_ccd, overscan_corrected, master_bias):
    det = bias_ccd.detector_id
    master = master_bias
    residual = overscan_corrected(bias_ccd, sim) - master
    detector = sim.camera[det]
    for amp in detector:
        box = amp.getBBox()
        block = residual[50:, box.getMinX() : box.getMaxX() + 1]
        noise = amp.getReadNoise() / amp.getGain()
        assert abs(block.mean()) < 0.05
        assert block.std() == pytest.approx(np.sqrt(noise**2 * (1 + 1 / sim.config.master_bias_frames) + 1 / 12), rel=0.05)
    # The column pattern and the ramp in the first rows are real structure, seen in raw and master alike.
    raw_columns = overscan_corrected(bias_ccd, sim)[50:, :].mean(axis=0)
    assert np.corrcoef(raw_columns, master[50:, :].mean(axis=0))[0, 1] > 0.9
    assert master[:5, :].mean() > master[200:, :].mean() + 2.0


def test_master_dark_is_in_adu_per_second(sim, dark_ccd, layout):
    dark = sim.master_dark(layout.detector).image.array
    sensor = sim.sensor(layout.detector)
    detector = sim.camera[layout.detector]
    normal = ~np.isclose(sensor.dark_image(), sim.config.hot_dark_rate)
    assert np.median(dark[:, :1024][normal[:, :1024]]) == pytest.approx(sensor.dark_rate / detector[0].getGain(), rel=0.2)
    for box in sensor.defects:
        if box.hot:
            gain = detector[0 if box.x0 < 1024 else 1].getGain()
            assert np.median(dark[box.slices]) == pytest.approx(sim.config.hot_dark_rate / gain, rel=0.02)


def test_masters_are_deterministic(sim, layout):
    a = sim.master_flat(layout.detector, "r.MP9601").image.array
    b = sim.master_flat(layout.detector, "r.MP9601").image.array
    c = sim.master_flat(layout.detector, "i.MP9702").image.array
    assert np.array_equal(a, b) and not np.array_equal(a, c)
