"""Master bias, dark and flat frames made from the same static sensor model as the raws.

Each master is what combining N simulated frames would give: the true static pattern plus the
noise of an average of N frames (``SimulatorConfig.master_*_frames``). Conventions, as LSST's
classic ``IsrTask`` expects them (trimmed, assembled 2048 x 4612 ``ExposureF``, detector
attached):

* bias: ADU, after overscan subtraction (the static bias pattern);
* dark: ADU per second of dark time;
* flat: the response divided by each amplifier's gain, normalized to mean 1 over the detector
  (the ADU-domain flat: dividing an overscan-, bias- and dark-corrected raw by it leaves an
  image proportional to the illumination).
"""

from __future__ import annotations

import numpy as np
from astropy.time import Time

from ..image.detector import Detector
from ..image.exposure import ExposureF
from ..image.filter_label import FilterLabel
from ..image.image import ImageF
from ..image.masked_image import MaskedImageF
from .config import SimulatorConfig
from .filters import get_filter
from .sensor import SensorModel
from .streams import random_stream

__all__ = ["make_master_bias", "make_master_dark", "make_master_flat"]


def _per_amp(detector: Detector, shape: tuple[int, int], values: list[float]) -> np.ndarray:
    """A float32 image holding ``values[i]`` on amplifier ``i``'s pixels."""
    image = np.empty(shape, dtype=np.float32)
    for amp, value in zip(detector, values):
        box = amp.getBBox()
        image[box.getMinY() : box.getMaxY() + 1, box.getMinX() : box.getMaxX() + 1] = value
    return image


def _exposure(image: np.ndarray, variance: np.ndarray, detector: Detector, metadata: dict[str, object]) -> ExposureF:
    masked = MaskedImageF(ImageF(image.astype(np.float32, copy=False)))
    masked.variance.array[...] = variance
    exposure = ExposureF(masked)
    exposure.setDetector(detector)
    header = exposure.getMetadata()
    for key, value in metadata.items():
        header[key if len(key) <= 8 else f"HIERARCH {key}"] = value
    return exposure


def _metadata(kind: str, detector: Detector, date: Time, seed: int, frames: int, physical_filter: str | None) -> dict[str, object]:
    return {
        "OBSTYPE": kind,
        "INSTRUME": "MegaPrime",
        "DETECTOR": detector.getId(),
        "DET_NAME": detector.getName(),
        "DET_SER": detector.getSerial(),
        "FILTER": physical_filter or "",
        "CALIBDATE": Time(date.utc, precision=0).isot,
        "CALIB_NFRAMES": frames,
        "SIMSEED": seed,
        "SIMULATE": True,
    }


def make_master_bias(seed: int, config: SimulatorConfig, sensor: SensorModel, date: Time) -> ExposureF:
    """The master bias (ADU after overscan subtraction) of ``sensor``'s detector."""
    detector = sensor.detector
    frames = int(config.master_bias_frames)
    sigma = _per_amp(detector, sensor.shape, [amp.getReadNoise() / amp.getGain() / np.sqrt(frames) for amp in detector])
    noise = random_stream(seed, "master", "bias", sensor.det_id).standard_normal(sensor.shape, dtype=np.float32)
    image = sensor.bias_pattern() + noise * sigma
    return _exposure(image, sigma**2, detector, _metadata("bias", detector, date, seed, frames, None))


def make_master_dark(seed: int, config: SimulatorConfig, sensor: SensorModel, date: Time) -> ExposureF:
    """The master dark (ADU per second of dark time) of ``sensor``'s detector."""
    detector = sensor.detector
    frames, seconds = int(config.master_dark_frames), float(config.master_dark_time)
    gain = _per_amp(detector, sensor.shape, [amp.getGain() for amp in detector])
    read_noise = _per_amp(detector, sensor.shape, [amp.getReadNoise() for amp in detector])
    rate = sensor.dark_image()
    sigma_e = np.sqrt(rate * seconds + read_noise**2) / (seconds * np.sqrt(frames))
    noise = random_stream(seed, "master", "dark", sensor.det_id).standard_normal(sensor.shape, dtype=np.float32)
    image = (rate + noise * sigma_e) / gain
    return _exposure(image, (sigma_e / gain) ** 2, detector, _metadata("dark", detector, date, seed, frames, None))


def make_master_flat(seed: int, config: SimulatorConfig, sensor: SensorModel, physical_filter: str, date: Time) -> ExposureF:
    """The master flat of ``sensor``'s detector in ``physical_filter`` (ADU domain, mean 1)."""
    band = get_filter(physical_filter).band
    detector = sensor.detector
    frames, level = int(config.master_flat_frames), float(config.master_flat_level)
    gain = _per_amp(detector, sensor.shape, [amp.getGain() for amp in detector])
    read_noise = _per_amp(detector, sensor.shape, [amp.getReadNoise() for amp in detector])
    response = sensor.response()
    signal = response * np.float32(level)
    relative = np.sqrt(signal + read_noise**2) / np.maximum(signal, np.float32(1e-3)) / np.float32(np.sqrt(frames))
    noise = random_stream(seed, "master", "flat", sensor.det_id, physical_filter).standard_normal(sensor.shape, dtype=np.float32)
    model = response / gain
    model /= np.float32(model.mean(dtype=np.float64))
    image = model * (1.0 + noise * relative)
    exposure = _exposure(image, (model * relative) ** 2, detector, _metadata("flat", detector, date, seed, frames, physical_filter))
    exposure.setFilter(FilterLabel(band=band, physical=physical_filter))
    return exposure
