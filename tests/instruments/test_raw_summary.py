"""RawSummaryTask measures overscan, signal and saturation per amplifier, alone and in the demo pipeline."""

from __future__ import annotations

import importlib.resources

import numpy as np
import pytest
from astropy.io import fits

from butler import Butler
from pipetasks.execution.simple import SimplePipelineExecutor
from pipetasks.image.exposure import ExposureU
from pipetasks.image.geometry import Extent2I
from pipetasks.image.visit_info import VisitInfo
from pipetasks.instruments import MegaPrime
from pipetasks.instruments.ingest import ingest_raws
from pipetasks.instruments.resources import load_megacam_camera
from pipetasks.tasks.raw_summary import RawSummaryTask, clipped_level_and_noise

LEVELS = {"A": (1100.0, 3.0, 700.0), "B": (1000.0, 2.0, 400.0)}  # overscan, noise (ADU), signal (ADU)


def _synthetic_raw(saturated: int = 25) -> ExposureU:
    rng = np.random.default_rng(5)
    exposure = ExposureU(Extent2I(2112, 4644))
    detector = load_megacam_camera()[13]
    pixels = np.zeros((4644, 2112))
    for amp in detector:
        level, noise, signal = LEVELS[amp.getName()]
        raw_box, data_box = amp.getRawBBox(), amp.getRawDataBBox()
        ys = slice(raw_box.getMinY(), raw_box.getMaxY() + 1)
        xs = slice(raw_box.getMinX(), raw_box.getMaxX() + 1)
        pixels[ys, xs] = level + rng.normal(0.0, noise, pixels[ys, xs].shape)
        data = (slice(data_box.getMinY(), data_box.getMaxY() + 1), slice(data_box.getMinX(), data_box.getMaxX() + 1))
        pixels[data] += signal
    pixels[100:100 + saturated, 500] = 65535  # amplifier A's data section
    exposure.image.array[:] = np.round(pixels).astype(np.uint16)
    exposure.setDetector(detector)
    exposure.setVisitInfo(VisitInfo(exposureTime=120.0))
    return exposure


def test_measures_each_amplifier() -> None:
    summary = RawSummaryTask().run(_synthetic_raw()).summary
    assert summary["exposure_time"] == 120.0
    camera_amps = {amp.getName(): amp for amp in load_megacam_camera()[13]}
    for name, (level, noise, signal) in LEVELS.items():
        amp = summary["amplifiers"][name]
        assert amp["overscan_adu"] == pytest.approx(level, abs=0.5)
        assert amp["overscan_noise_adu"] == pytest.approx(np.hypot(noise, 12 ** -0.5), rel=0.05)
        assert amp["signal_adu"] == pytest.approx(signal, abs=1.0)
        assert amp["gain"] == camera_amps[name].getGain()
        assert amp["signal_electrons"] == pytest.approx(amp["signal_adu"] * amp["gain"])
        assert amp["read_noise_electrons"] == pytest.approx(amp["overscan_noise_adu"] * amp["gain"])
    assert summary["amplifiers"]["A"]["saturated_pixels"] == 25
    assert summary["amplifiers"]["B"]["saturated_pixels"] == 0


def test_clipped_statistics_ignore_outliers_and_quantization() -> None:
    values = np.round(np.random.default_rng(1).normal(1000.0, 2.0, 100_000))
    values[:500] = 65535
    level, noise = clipped_level_and_noise(values)
    assert level == pytest.approx(1000.0, abs=0.05)
    assert noise == pytest.approx(np.sqrt(4.0 + 1.0 / 12.0), rel=0.02)  # rounding adds 1/12 ADU^2


def test_demo_pipeline_runs_on_ingested_raws(raws, tmp_path) -> None:
    Butler.makeRepo(tmp_path / "repo")
    butler = Butler(tmp_path / "repo", writeable=True)
    MegaPrime().register(butler.registry)
    path = raws.write(tmp_path / "in" / "2400001o.fits.fz", exposure=2400001, detectors=(3, 4))
    assert not ingest_raws(butler, [str(path)]).failures
    pipeline = importlib.resources.files("pipetasks.pipelines").joinpath("MegaPrime_demo.yaml")
    run_butler = SimplePipelineExecutor.prep_butler(str(tmp_path / "repo"), inputs=["MegaPrime/raw/all"],
                                                    output="u/test/quicklook")
    executor = SimplePipelineExecutor.from_pipeline_filename(str(pipeline), butler=run_butler)
    assert len(executor.quantum_graph) == 2
    executor.run(register_dataset_types=True)
    reader = Butler(tmp_path / "repo", collections="u/test/quicklook", instrument="MegaPrime")
    with fits.open(path) as hdus:
        expected_gain_a = hdus["ccd04"].header["GAINA"]
    summary = reader.get("rawSummary", exposure=2400001, detector=4)
    assert summary["amplifiers"]["A"]["gain"] == expected_gain_a
    raw = reader.get("raw", exposure=2400001, detector=4, collections="MegaPrime/raw/all")
    overscan = raw.image.array[:4613, 0:30].astype(float)  # amp A serial overscan less 2 columns by the data
    assert summary["amplifiers"]["A"]["overscan_adu"] == pytest.approx(clipped_level_and_noise(overscan)[0])
