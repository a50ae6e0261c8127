"""Readout electronics: per-amplifier overscan baseline, read noise, gain and the 16-bit ADC.

Each amplifier of each exposure has an overscan level (drawn in
``SimulatorConfig.overscan_level_range``) and a row-to-row baseline structure: a smooth drift
(a slow sinusoid plus a linear trend, zero mean over the rows) and a per-row jitter. The baseline
applies to every pixel of a row of that amplifier (data and overscan alike); read noise is
added per pixel. Raw ADU = baseline(row) + bias pattern + electrons / gain + read noise / gain,
rounded and clipped to [0, 65535].
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..image.detector import Amplifier, Detector
from .config import SimulatorConfig
from .streams import random_stream

__all__ = ["AmplifierReadout", "amplifier_readouts", "digitize", "ADC_MAX"]

ADC_MAX = 65535
"""Largest value the 16-bit ADC delivers (the SATURATE card)."""


@dataclasses.dataclass(frozen=True)
class AmplifierReadout:
    """One amplifier's electronics during one exposure.

    Attributes
    ----------
    name : `str`
    gain : `float`
        e-/ADU.
    read_noise : `float`
        e- rms per pixel.
    overscan_level : `float`
        Mean overscan baseline over all raw rows, ADU.
    baseline : `numpy.ndarray`
        Baseline (ADU) of each raw row: level + drift + jitter.
    """

    name: str
    gain: float
    read_noise: float
    overscan_level: float
    baseline: np.ndarray = dataclasses.field(repr=False)

    @property
    def read_noise_adu(self) -> float:
        return self.read_noise / self.gain

    def summary(self) -> dict[str, float]:
        """The values a test needs to check the pixels (for the truth file's metadata)."""
        return {
            "gain": self.gain,
            "read_noise": self.read_noise,
            "overscan_level": self.overscan_level,
            "overscan_row_rms": float(np.std(self.baseline)),
        }


def _raw_height(detector: Detector) -> int:
    return max(amp.getRawBBox().getMaxY() for amp in detector) + 1


def _baseline(rng: np.random.Generator, config: SimulatorConfig, level: float, n_rows: int) -> np.ndarray:
    rows = np.arange(n_rows, dtype=float)
    period = rng.uniform(1500.0, 6000.0)
    phase = rng.uniform(0.0, 2 * np.pi)
    slope = rng.uniform(-1.0, 1.0)
    drift = config.overscan_drift * np.sin(2 * np.pi * rows / period + phase) + slope * config.overscan_drift * (
        rows / n_rows - 0.5
    )
    drift -= drift.mean()
    jitter = rng.normal(0.0, config.overscan_row_jitter, n_rows)
    jitter -= jitter.mean()
    return (level + drift + jitter).astype(np.float32)


def amplifier_readouts(seed: int, config: SimulatorConfig, exposure_id: int, detector: Detector) -> list[AmplifierReadout]:
    """The readout state of each amplifier of ``detector`` in exposure ``exposure_id``."""
    n_rows = _raw_height(detector)
    readouts = []
    for amp in detector:
        rng = random_stream(seed, "exposure", exposure_id, detector.getId(), "overscan", amp.getName())
        level = float(rng.uniform(*config.overscan_level_range))
        readouts.append(
            AmplifierReadout(amp.getName(), float(amp.getGain()), float(amp.getReadNoise()), level,
                             _baseline(rng, config, level, n_rows))
        )
    return readouts


def _raw_columns(amp: Amplifier) -> slice:
    box = amp.getRawBBox()
    return slice(box.getMinX(), box.getMaxX() + 1)


def digitize(
    electrons: np.ndarray | None,
    bias_pattern: np.ndarray,
    detector: Detector,
    readouts: list[AmplifierReadout],
    rng: np.random.Generator,
) -> np.ndarray:
    """The raw ``uint16`` image (4644 x 2112) of a trimmed electron image.

    Parameters
    ----------
    electrons : `numpy.ndarray` or `None`
        Charge per pixel (trimmed frame, float32); `None` for a bias (no charge).
    bias_pattern : `numpy.ndarray`
        Static bias structure (trimmed frame, ADU).
    detector : `~pipetasks.image.detector.Detector`
    readouts : `list` [`AmplifierReadout`]
        One per amplifier, in the detector's order.
    rng : `numpy.random.Generator`
        Read-noise stream.
    """
    height = _raw_height(detector)
    width = max(amp.getRawBBox().getMaxX() for amp in detector) + 1
    raw = rng.standard_normal((height, width), dtype=np.float32)
    for amp, readout in zip(detector, readouts):
        columns = _raw_columns(amp)
        block = raw[:, columns]
        block *= np.float32(readout.read_noise_adu)
        block += readout.baseline[:, None]
        data = amp.getRawDataBBox()
        trimmed = amp.getBBox()
        data_slices = (slice(data.getMinY(), data.getMaxY() + 1), slice(data.getMinX(), data.getMaxX() + 1))
        trim_slices = (slice(trimmed.getMinY(), trimmed.getMaxY() + 1), slice(trimmed.getMinX(), trimmed.getMaxX() + 1))
        target = raw[data_slices]
        target += bias_pattern[trim_slices]
        if electrons is not None:
            target += electrons[trim_slices] * np.float32(1.0 / readout.gain)
    np.rint(raw, out=raw)
    np.clip(raw, 0, ADC_MAX, out=raw)
    return raw.astype(np.uint16)
