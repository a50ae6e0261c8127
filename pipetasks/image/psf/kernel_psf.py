"""`KernelPsf`: the same pixel kernel everywhere (LSST ``meas.algorithms.KernelPsf`` with a FixedKernel)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..archive import decode_array, encode_array, register
from ..geometry import Point2D
from .base import FixedKernel, Psf, kernel_image_from_array

__all__ = ["KernelPsf"]


@register
class KernelPsf(Psf):
    """A spatially constant PSF given by an odd-sized kernel image (normalised on use).

    Parameters
    ----------
    kernel : `FixedKernel`, `ImageD` or 2-d array
        The kernel, centred on its middle pixel.
    averagePosition : `Point2D`, optional
    """

    def __init__(self, kernel: Any, averagePosition: Point2D | None = None):
        array = kernel.getArray() if isinstance(kernel, FixedKernel) else np.asarray(
            getattr(kernel, "array", kernel), dtype=float
        )
        kernel_image_from_array(array)  # validates odd dimensions
        total = array.sum()
        if not total > 0:
            raise ValueError(f"a KernelPsf kernel must have a positive sum, got {total}")
        self._array = np.array(array / total, dtype=np.float64)
        self._average = Point2D(averagePosition) if averagePosition is not None else Point2D(0.0, 0.0)

    def getAveragePosition(self) -> Point2D:
        return self._average

    def getKernel(self) -> FixedKernel:
        return FixedKernel(kernel_image_from_array(self._array))

    def _kernel_array(self, position: Point2D) -> np.ndarray:
        return self._array.copy()

    def clone(self) -> KernelPsf:
        return KernelPsf(self._array, self._average)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KernelPsf):
            return NotImplemented
        return self._array.shape == other._array.shape and bool(np.all(self._array == other._array))

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        return {"kernel": encode_array(self._array), "averagePosition": [self._average.x, self._average.y]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KernelPsf:
        return cls(decode_array(data["kernel"]), Point2D(*data.get("averagePosition", (0.0, 0.0))))
