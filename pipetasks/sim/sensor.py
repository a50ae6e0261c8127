"""The static properties of one CCD: response (vignetting x QE x defects), bias pattern, dark current.

These never change between exposures; they are drawn from streams keyed by the seed and the
detector only, so raws and master calibrations share them exactly. All arrays are in the
trimmed, assembled frame (``array[y, x]``, 4612 x 2048).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from astropy.table import Table

from ..image.detector import Detector
from .config import SimulatorConfig
from .streams import random_stream

__all__ = ["DefectBox", "SensorModel"]

_HOT_CANDIDATE_MAX_AREA = 200  # pixels; only small defect boxes (hot pixels, short columns) may be hot


@dataclasses.dataclass(frozen=True)
class DefectBox:
    """A defect-list box in trimmed coordinates (``x0 <= x < x0 + width``) and what the simulator makes of it."""

    x0: int
    y0: int
    width: int
    height: int
    hot: bool

    @property
    def slices(self) -> tuple[slice, slice]:
        """numpy ``[y, x]`` slices of the box."""
        return slice(self.y0, self.y0 + self.height), slice(self.x0, self.x0 + self.width)


class SensorModel:
    """Static pixel properties of one detector.

    Parameters
    ----------
    seed : `int`
    config : `SimulatorConfig`
    detector : `~pipetasks.image.detector.Detector`
    defects : `astropy.table.Table`
        The camera's defect list (all detectors; this one's rows are used).
    """

    def __init__(self, seed: int, config: SimulatorConfig, detector: Detector, defects: Table):
        self.seed, self.config, self.detector = seed, config, detector
        self.det_id = detector.getId()
        bbox = detector.getBBox()
        self.shape = (bbox.getHeight(), bbox.getWidth())
        self.defects = self._choose_defects(defects)
        self._response: np.ndarray | None = None

    def _stream(self, name: str) -> np.random.Generator:
        return random_stream(self.seed, "static", self.det_id, name)

    def _choose_defects(self, defects: Table) -> tuple[DefectBox, ...]:
        rows = defects[defects["detector"] == self.det_id]
        boxes = [(int(r["x0"]), int(r["y0"]), int(r["width"]), int(r["height"])) for r in rows]
        candidates = [i for i, (_, _, w, h) in enumerate(boxes) if w * h <= _HOT_CANDIDATE_MAX_AREA]
        n_hot = 0
        if candidates and self.config.hot_defect_fraction > 0:
            n_hot = max(1, int(round(self.config.hot_defect_fraction * len(candidates))))
        hot = set(self._stream("hot").choice(candidates, size=n_hot, replace=False).tolist()) if n_hot else set()
        return tuple(DefectBox(*box, hot=i in hot) for i, box in enumerate(boxes))

    # -- light response -------------------------------------------------------------------

    def focal_plane_radius_squared(self) -> tuple[np.ndarray, np.ndarray]:
        """Focal-plane radius squared (mm^2) of every pixel centre as ``X[x] + Y[y]``.

        For pixel offsets ``(dx, dy)`` (mm) from the reference point, rotation ``(c, s)`` and
        reference position ``(a, b)``, the ``dx * dy`` terms of ``fx**2 + fy**2`` cancel, so the
        radius squared is a sum of a column term and a row term: ``(X, Y)`` is returned.
        """
        orientation, size = self.detector.getOrientation(), self.detector.getPixelSize()
        ref, fp = orientation.getReferencePoint(), orientation.getFpPosition()
        yaw = math.radians(orientation.getYaw())
        c, s = math.cos(yaw), math.sin(yaw)
        dx = (np.arange(self.shape[1]) - ref.x) * size.x
        dy = (np.arange(self.shape[0]) - ref.y) * size.y
        columns = (fp.x + c * dx) ** 2 + (fp.y + s * dx) ** 2
        rows = dy**2 + 2 * dy * (fp.y * c - fp.x * s)
        return columns, rows

    def vignetting(self) -> np.ndarray:
        """Illumination relative to the field centre (float32, ``1 - v (r / R)**2``)."""
        columns, rows = self.focal_plane_radius_squared()
        scale = self.config.vignetting_edge / self.config.field_radius_mm**2
        image = np.empty(self.shape, dtype=np.float32)
        image[...] = (-scale * rows).astype(np.float32)[:, None]
        image += (1.0 - scale * columns).astype(np.float32)[None, :]
        return image

    def response(self) -> np.ndarray:
        """Electrons detected per electron of nominal illumination (float32; computed once).

        Vignetting times static per-pixel QE scatter; pixels of dead defect boxes respond at
        ``dead_response``. Read-only: the array is shared between calls.
        """
        if self._response is None:
            response = self._stream("qe").standard_normal(self.shape, dtype=np.float32)
            response *= np.float32(self.config.qe_pixel_rms)
            response += np.float32(1.0)
            response *= self.vignetting()
            for box in self.defects:
                if not box.hot:
                    response[box.slices] = np.float32(self.config.dead_response)
            response.flags.writeable = False
            self._response = response
        return self._response

    # -- dark current -----------------------------------------------------------------------

    @property
    def dark_rate(self) -> float:
        """Dark current of ordinary pixels, e-/s."""
        return self.config.dark_current / 3600.0

    def dark_image(self) -> np.ndarray:
        """Dark current of every pixel, e-/s (float32): the uniform rate plus hot defect boxes."""
        image = np.full(self.shape, self.dark_rate, dtype=np.float32)
        for box in self.defects:
            if box.hot:
                image[box.slices] = np.float32(self.config.hot_dark_rate)
        return image

    def add_dark(self, target: np.ndarray, seconds: float) -> None:
        """Add the expected dark charge of ``seconds`` to ``target`` (e-, in place)."""
        if seconds <= 0:
            return
        target += np.float32(self.dark_rate * seconds)
        for box in self.defects:
            if box.hot:
                target[box.slices] += np.float32((self.config.hot_dark_rate - self.dark_rate) * seconds)

    # -- bias ---------------------------------------------------------------------------------

    def bias_pattern(self) -> np.ndarray:
        """The static 2-D bias structure (ADU, float32) left after overscan subtraction.

        Per amplifier: an offset from the overscan level, a column pattern, and a ramp in the
        first rows read out that decays exponentially.
        """
        rng = self._stream("bias")
        height = self.shape[0]
        rows = np.arange(height, dtype=np.float32)
        pattern = np.empty(self.shape, dtype=np.float32)
        for amp in self.detector:
            box = amp.getBBox()
            xs = slice(box.getMinX(), box.getMaxX() + 1)
            offset = rng.normal(0.0, self.config.bias_offset_rms)
            columns = rng.normal(0.0, self.config.bias_column_rms, box.getWidth()).astype(np.float32)
            ramp_amplitude = self.config.bias_ramp * rng.uniform(0.5, 1.0)
            ramp = (ramp_amplitude * np.exp(-rows / np.float32(max(self.config.bias_ramp_rows, 1e-6)))).astype(np.float32)
            pattern[:, xs] = np.float32(offset) + columns[None, :] + ramp[:, None]
        return pattern
