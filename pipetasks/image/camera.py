"""`Camera`: a named set of `Detector` objects and the focal-plane <-> field-angle mapping.

``Camera.from_yaml(path)`` reads the plain-data camera description format of
``/work/shared/data/megacam/camera.yaml`` (boxes as ``{x0, y0, width, height}``, min inclusive and
max exclusive, which `Box2I.from_xywh` takes directly).
"""

from __future__ import annotations

import math
import os
from typing import Any, Iterator

import numpy as np
import yaml

from .archive import register
from .detector import Amplifier, Detector, DetectorType, Orientation
from .geometry import Box2I, Extent2D, Extent2I, Point2D

__all__ = ["Camera"]

# camera.yaml amplifier key -> Amplifier attribute
_YAML_AMP_BOXES = {
    "bbox": "bbox",
    "raw_bbox": "rawBBox",
    "raw_data_bbox": "rawDataBBox",
    "raw_serial_overscan_bbox": "rawHorizontalOverscanBBox",
    "raw_parallel_overscan_bbox": "rawVerticalOverscanBBox",
    "raw_serial_prescan_bbox": "rawPrescanBBox",
}
_YAML_AMP_SCALARS = {
    "gain": "gain",
    "read_noise": "readNoise",
    "saturation": "saturation",
    "suspect_level": "suspectLevel",
    "linearity_type": "linearityType",
    "raw_flip_x": "rawFlipX",
    "raw_flip_y": "rawFlipY",
}


@register
class Camera:
    """Detectors by id and name, with the optical distortion as a radial polynomial.

    Parameters
    ----------
    name : `str`
    detectors : `list` [`Detector`]
    plateScale : `float`
        arcsec per mm on the focal plane.
    radialCoeffs : `list` [`float`], optional
        ``r_mm = sum(c[i] * theta**i)`` for field angle ``theta`` (radians); the FocalPlane ->
        FieldAngle transform is its inverse. Defaults to the linear plate scale.

    Examples
    --------
    >>> cam = Camera.from_yaml("/work/shared/data/megacam/camera.yaml")  # doctest: +SKIP
    >>> cam["ccd02"].getSerial(), cam[2]["A"].getGain()                   # doctest: +SKIP
    ('8352153', 1.57)
    """

    def __init__(
        self,
        name: str,
        detectors: list[Detector],
        plateScale: float = math.nan,
        radialCoeffs: list[float] | None = None,
    ):
        self._name = name
        self._detectors = sorted(detectors, key=lambda d: d.getId())
        self._by_id = {d.getId(): d for d in self._detectors}
        self._by_name = {d.getName(): d for d in self._detectors}
        if len(self._by_id) != len(self._detectors) or len(self._by_name) != len(self._detectors):
            raise ValueError(f"camera {name!r} has duplicate detector ids or names")
        self._plateScale = float(plateScale)
        if radialCoeffs is None and not math.isnan(plateScale):
            radialCoeffs = [0.0, 206264.80624709636 / plateScale]
        self._radial = list(radialCoeffs or [0.0, 1.0])

    # -- access ------------------------------------------------------------------

    def getName(self) -> str:
        return self._name

    def getPlateScale(self) -> float:
        """arcsec per mm."""
        return self._plateScale

    def getRadialCoeffs(self) -> list[float]:
        return list(self._radial)

    def __getitem__(self, key: int | str) -> Detector:
        table = self._by_name if isinstance(key, str) else self._by_id
        try:
            return table[key]
        except KeyError:
            raise KeyError(
                f"camera {self._name!r} has no detector {key!r}; ids {min(self._by_id)}..{max(self._by_id)}"
                if self._by_id
                else f"camera {self._name!r} has no detectors"
            ) from None

    def get(self, key: int | str, default: Any = None) -> Detector | Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        return key in self._by_id or key in self._by_name

    def __iter__(self) -> Iterator[Detector]:
        return iter(self._detectors)

    def __len__(self) -> int:
        return len(self._detectors)

    def getIdIter(self) -> Iterator[int]:
        return iter(self._by_id)

    def getNameIter(self) -> Iterator[str]:
        return iter(self._by_name)

    # -- focal plane <-> field angle ------------------------------------------------

    def fieldAngleToFocalPlane(self, x: Any, y: Any) -> tuple[Any, Any]:
        """Focal-plane mm of field angles (radians, x/y components) through the radial polynomial."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        theta = np.hypot(x, y)
        r = np.polynomial.polynomial.polyval(theta, self._radial)
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.where(theta > 0, r / np.where(theta > 0, theta, 1.0), self._radial[1])
        return x * scale, y * scale

    def focalPlaneToFieldAngle(self, x: Any, y: Any) -> tuple[Any, Any]:
        """Field angles (radians) of focal-plane mm, inverting the radial polynomial by Newton steps."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        r = np.hypot(x, y)
        coeffs = np.asarray(self._radial, dtype=float)
        slope = np.polynomial.polynomial.polyder(coeffs)
        theta = r / coeffs[1]
        for _ in range(20):
            step = (np.polynomial.polynomial.polyval(theta, coeffs) - r) / np.polynomial.polynomial.polyval(theta, slope)
            theta = theta - step
            if np.all(np.abs(step) < 1e-15):
                break
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.where(r > 0, theta / np.where(r > 0, r, 1.0), 1.0 / coeffs[1])
        return x * scale, y * scale

    # -- reading the plain-data YAML description -----------------------------------------

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str]) -> Camera:
        """Read a camera description YAML (the ``camera:`` / ``detectors:`` layout of camera.yaml).

        Raises
        ------
        ValueError
            If the file lacks the ``camera`` or ``detectors`` section or a detector lacks a key.
        """
        with open(path) as stream:
            data = yaml.load(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        if not isinstance(data, dict) or "camera" not in data or "detectors" not in data:
            raise ValueError(f"{path}: a camera YAML needs top-level 'camera' and 'detectors' sections")
        info = data["camera"]
        try:
            detectors = [_detector_from_yaml(entry) for entry in data["detectors"]]
        except KeyError as err:
            raise ValueError(f"{path}: a detector entry lacks the key {err.args[0]!r}") from None
        radial = None
        transform = info.get("field_angle_transform") or {}
        if transform.get("type") == "inverted_radial":
            radial = [float(c) for c in transform["radial_coeffs"]]
        return cls(info["name"], detectors, info.get("plate_scale_arcsec_per_mm", math.nan), radial)

    # -- persistence ----------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self._name,
            "plateScale": self._plateScale,
            "radialCoeffs": self._radial,
            "detectors": [d.to_dict() for d in self._detectors],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Camera:
        return cls(
            data["name"],
            [Detector.from_dict(d) for d in data["detectors"]],
            data.get("plateScale", math.nan),
            data.get("radialCoeffs"),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Camera):
            return NotImplemented
        return self._name == other._name and self._detectors == other._detectors and self._radial == other._radial

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Camera({self._name!r}, {len(self)} detectors)"


def _xywh(value: dict[str, int]) -> Box2I:
    return Box2I.from_xywh(value["x0"], value["y0"], value["width"], value["height"])


def _amplifier_from_yaml(entry: dict[str, Any]) -> Amplifier:
    fields: dict[str, Any] = {attr: entry[key] for key, attr in _YAML_AMP_SCALARS.items() if key in entry}
    fields.update({attr: _xywh(entry[key]) for key, attr in _YAML_AMP_BOXES.items() if key in entry})
    if "readout_corner" in entry:
        fields["readoutCorner"] = entry["readout_corner"]
    if "linearity_coeffs" in entry:
        fields["linearityCoeffs"] = entry["linearity_coeffs"]
    if "raw_xy_offset" in entry:
        fields["rawXYOffset"] = Extent2I(entry["raw_xy_offset"]["x"], entry["raw_xy_offset"]["y"])
    return Amplifier(entry["name"], **{k: v for k, v in fields.items()})


def _detector_from_yaml(entry: dict[str, Any]) -> Detector:
    offset, ref = entry["offset_mm"], entry["refpos_pix"]
    orientation = Orientation(
        Point2D(offset["x"], offset["y"]),
        Point2D(ref["x"], ref["y"]),
        entry.get("yaw_deg", 0.0),
        entry.get("pitch_deg", 0.0),
        entry.get("roll_deg", 0.0),
        offset.get("z", 0.0),
    )
    size = entry["pixel_size_mm"]
    return Detector(
        name=entry["name"],
        id=entry["id"],
        type=DetectorType[entry.get("type", "SCIENCE")],
        serial=str(entry.get("serial", "")),
        bbox=_xywh(entry["bbox"]),
        amplifiers=[_amplifier_from_yaml(a) for a in entry.get("amplifiers", [])],
        orientation=orientation,
        pixelSize=Extent2D(size["x"], size["y"]),
        physicalType=entry.get("physical_type", "CCD"),
    )
