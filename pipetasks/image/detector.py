"""Camera geometry of one sensor: `Detector`, its `Amplifier` list and its focal-plane `Orientation`.

Names and getters follow LSST ``afw.cameraGeom``. Boxes are `Box2I` (LSST inclusive-max convention).
Coordinate systems are named by the strings `PIXELS` and `FOCAL_PLANE` (mm).
"""

from __future__ import annotations

import copy
import enum
import math
from typing import Any, Iterator

import numpy as np

from .archive import register
from .geometry import Box2D, Box2I, Extent2D, Extent2I, Point2D

__all__ = [
    "Amplifier",
    "Detector",
    "DetectorType",
    "Orientation",
    "ReadoutCorner",
    "PIXELS",
    "FOCAL_PLANE",
    "FIELD_ANGLE",
]

PIXELS = "PIXELS"
FOCAL_PLANE = "FOCAL_PLANE"
FIELD_ANGLE = "FIELD_ANGLE"


class ReadoutCorner(enum.IntEnum):
    """Corner of the assembled amplifier image read out first."""

    LL = 0
    LR = 1
    UR = 2
    UL = 3


class DetectorType(enum.IntEnum):
    """What a sensor is for."""

    SCIENCE = 0
    FOCUS = 1
    GUIDER = 2
    WAVEFRONT = 3


def _box_dict(box: Box2I) -> dict[str, int]:
    return box.to_xywh()


def _box(value: Any) -> Box2I:
    if isinstance(value, Box2I):
        return Box2I(value)
    return Box2I.from_xywh(value["x0"], value["y0"], value["width"], value["height"])


_AMP_BOXES = (
    "bbox",
    "rawBBox",
    "rawDataBBox",
    "rawHorizontalOverscanBBox",
    "rawVerticalOverscanBBox",
    "rawPrescanBBox",
)
_AMP_SCALARS = {
    "name": str,
    "gain": float,
    "readNoise": float,
    "saturation": float,
    "suspectLevel": float,
    "linearityType": str,
    "linearityThreshold": float,
    "linearityMaximum": float,
    "linearityUnits": str,
    "rawFlipX": bool,
    "rawFlipY": bool,
}


@register
class Amplifier:
    """One amplifier: where its pixels are in the raw and the assembled image, and its electronics.

    Every field has an LSST getter and setter (``getGain()``/``setGain()``, ...); LSST's
    ``Amplifier.Builder`` is this class itself (``rebuild()`` and ``finish()`` return copies).
    The serial/parallel names are aliases: ``getRawSerialOverscanBBox`` = horizontal overscan,
    ``getRawParallelOverscanBBox`` = vertical overscan, ``getRawSerialPrescanBBox`` = prescan.
    """

    def __init__(self, name: str = "", **fields: Any):
        self.name = name
        self.bbox = Box2I()
        self.gain = math.nan
        self.readNoise = math.nan
        self.saturation = math.nan
        self.suspectLevel = math.nan
        self.readoutCorner = ReadoutCorner.LL
        self.linearityCoeffs = np.zeros(0)
        self.linearityType = ""
        self.linearityThreshold = math.nan
        self.linearityMaximum = math.nan
        self.linearityUnits = "DN"
        self.rawBBox = Box2I()
        self.rawDataBBox = Box2I()
        self.rawFlipX = False
        self.rawFlipY = False
        self.rawXYOffset = Extent2I(0, 0)
        self.rawHorizontalOverscanBBox = Box2I()
        self.rawVerticalOverscanBBox = Box2I()
        self.rawPrescanBBox = Box2I()
        for key, value in fields.items():
            if not hasattr(self, key):
                raise TypeError(f"Amplifier has no field {key!r}")
            setattr(self, key, value)
        self.readoutCorner = ReadoutCorner(self.readoutCorner) if not isinstance(self.readoutCorner, str) else ReadoutCorner[self.readoutCorner]
        self.linearityCoeffs = np.asarray(self.linearityCoeffs, dtype=float)
        self.rawXYOffset = Extent2I(self.rawXYOffset)

    # aliases by serial/parallel naming
    def getRawSerialOverscanBBox(self) -> Box2I:
        return self.rawHorizontalOverscanBBox

    def getRawParallelOverscanBBox(self) -> Box2I:
        return self.rawVerticalOverscanBBox

    def getRawSerialPrescanBBox(self) -> Box2I:
        return self.rawPrescanBBox

    def getRawHorizontalPrescanBBox(self) -> Box2I:
        return self.rawPrescanBBox

    def setRawSerialOverscanBBox(self, box: Box2I) -> None:
        self.rawHorizontalOverscanBBox = box

    def setRawParallelOverscanBBox(self, box: Box2I) -> None:
        self.rawVerticalOverscanBBox = box

    def setRawSerialPrescanBBox(self, box: Box2I) -> None:
        self.rawPrescanBBox = box

    def rebuild(self) -> Amplifier:
        return copy.deepcopy(self)

    def finish(self) -> Amplifier:
        return copy.deepcopy(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Amplifier):
            return NotImplemented
        return _same_dict(self.to_dict(), other.to_dict())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Amplifier({self.name!r}, bbox={self.bbox}, gain={self.gain}, readNoise={self.readNoise})"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {key: getattr(self, key) for key in _AMP_SCALARS}
        for key in _AMP_BOXES:
            data[key] = _box_dict(getattr(self, key))
        data["readoutCorner"] = self.readoutCorner.name
        data["linearityCoeffs"] = [float(c) for c in self.linearityCoeffs]
        data["rawXYOffset"] = [self.rawXYOffset.x, self.rawXYOffset.y]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Amplifier:
        fields: dict[str, Any] = {key: kind(data[key]) for key, kind in _AMP_SCALARS.items() if key in data}
        for key in _AMP_BOXES:
            if key in data:
                fields[key] = _box(data[key])
        if "readoutCorner" in data:
            fields["readoutCorner"] = ReadoutCorner[data["readoutCorner"]]
        if "linearityCoeffs" in data:
            fields["linearityCoeffs"] = np.asarray(data["linearityCoeffs"], dtype=float)
        if "rawXYOffset" in data:
            fields["rawXYOffset"] = Extent2I(*data["rawXYOffset"])
        return cls(**fields)


def _add_accessors(cls: type, names: tuple[str, ...]) -> None:
    """Give ``cls`` LSST-style ``getX()``/``setX(value)`` for each attribute ``x`` in ``names``."""
    for attr in names:
        cap = "BBox" if attr == "bbox" else attr[0].upper() + attr[1:]

        def getter(self: Any, _attr: str = attr) -> Any:
            return getattr(self, _attr)

        def setter(self: Any, value: Any, _attr: str = attr) -> None:
            setattr(self, _attr, value)

        getter.__name__, setter.__name__ = f"get{cap}", f"set{cap}"
        getter.__doc__ = f"The amplifier's ``{attr}``."
        setattr(cls, f"get{cap}", getter)
        setattr(cls, f"set{cap}", setter)


_add_accessors(
    Amplifier,
    tuple(_AMP_SCALARS) + _AMP_BOXES + ("readoutCorner", "linearityCoeffs", "rawXYOffset"),
)
Amplifier.Builder = Amplifier  # type: ignore[attr-defined]


class Orientation:
    """Where a detector sits on the focal plane (LSST ``cameraGeom.Orientation``).

    Parameters
    ----------
    fpPosition : `Point2D`
        Focal-plane position (mm) of the reference point.
    referencePoint : `Point2D`
        Pixel position that lands on ``fpPosition`` (usually the detector centre).
    yaw, pitch, roll : `float`
        Degrees. Only ``yaw`` (rotation in the focal plane, counter-clockwise) enters the
        pixel <-> focal-plane transform; pitch and roll are recorded (they are 0 for flat cameras).
    """

    def __init__(
        self,
        fpPosition: Point2D = Point2D(0, 0),
        referencePoint: Point2D = Point2D(-0.5, -0.5),
        yaw: float = 0.0,
        pitch: float = 0.0,
        roll: float = 0.0,
        height: float = 0.0,
    ):
        self.fpPosition = Point2D(fpPosition)
        self.referencePoint = Point2D(referencePoint)
        self.yaw, self.pitch, self.roll = float(yaw), float(pitch), float(roll)
        self.height = float(height)

    def getFpPosition(self) -> Point2D:
        return self.fpPosition

    def getReferencePoint(self) -> Point2D:
        return self.referencePoint

    def getYaw(self) -> float:
        return self.yaw

    def getPitch(self) -> float:
        return self.pitch

    def getRoll(self) -> float:
        return self.roll

    def getHeight(self) -> float:
        return self.height

    def _rotation(self) -> np.ndarray:
        c, s = math.cos(math.radians(self.yaw)), math.sin(math.radians(self.yaw))
        return np.array([[c, -s], [s, c]])

    def pixelToFocalPlane(self, x: Any, y: Any, pixelSize: Extent2D) -> tuple[Any, Any]:
        """Focal-plane mm of pixel positions (scalars or arrays)."""
        dx = (np.asarray(x, dtype=float) - self.referencePoint.x) * pixelSize.x
        dy = (np.asarray(y, dtype=float) - self.referencePoint.y) * pixelSize.y
        r = self._rotation()
        return self.fpPosition.x + r[0, 0] * dx + r[0, 1] * dy, self.fpPosition.y + r[1, 0] * dx + r[1, 1] * dy

    def focalPlaneToPixel(self, fx: Any, fy: Any, pixelSize: Extent2D) -> tuple[Any, Any]:
        """Pixel positions of focal-plane mm (inverse of `pixelToFocalPlane`)."""
        ux = np.asarray(fx, dtype=float) - self.fpPosition.x
        uy = np.asarray(fy, dtype=float) - self.fpPosition.y
        r = self._rotation().T
        dx, dy = r[0, 0] * ux + r[0, 1] * uy, r[1, 0] * ux + r[1, 1] * uy
        return dx / pixelSize.x + self.referencePoint.x, dy / pixelSize.y + self.referencePoint.y

    def to_dict(self) -> dict[str, Any]:
        return {
            "fpPosition": [self.fpPosition.x, self.fpPosition.y],
            "referencePoint": [self.referencePoint.x, self.referencePoint.y],
            "yaw": self.yaw,
            "pitch": self.pitch,
            "roll": self.roll,
            "height": self.height,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Orientation:
        return cls(
            Point2D(*data["fpPosition"]),
            Point2D(*data["referencePoint"]),
            data.get("yaw", 0.0),
            data.get("pitch", 0.0),
            data.get("roll", 0.0),
            data.get("height", 0.0),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Orientation) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Orientation(fpPosition={self.fpPosition}, referencePoint={self.referencePoint}, yaw={self.yaw})"


@register
class Detector:
    """One sensor: identity, pixel bbox, focal-plane orientation and amplifiers.

    Iterating gives the amplifiers; ``detector["A"]`` or ``detector[0]`` looks one up.

    Parameters
    ----------
    name : `str`
    id : `int`
    type : `DetectorType`
    serial : `str`
    bbox : `Box2I`
        The assembled, trimmed image.
    amplifiers : `list` [`Amplifier`]
    orientation : `Orientation`
    pixelSize : `Extent2D`
        mm per pixel.
    physicalType : `str`
        e.g. ``"CCD"``.
    crosstalk : array, optional
        ``(nAmp, nAmp)`` coefficients.
    """

    def __init__(
        self,
        name: str,
        id: int,
        type: DetectorType = DetectorType.SCIENCE,
        serial: str = "",
        bbox: Box2I | None = None,
        amplifiers: list[Amplifier] | None = None,
        orientation: Orientation | None = None,
        pixelSize: Extent2D = Extent2D(1.0, 1.0),
        physicalType: str = "CCD",
        crosstalk: Any = None,
    ):
        self._name = name
        self._id = int(id)
        self._type = DetectorType[type] if isinstance(type, str) else DetectorType(type)
        self._serial = serial
        self._bbox = Box2I(bbox) if bbox is not None else Box2I()
        self._amplifiers = list(amplifiers or [])
        self._orientation = orientation or Orientation()
        self._pixelSize = Extent2D(pixelSize)
        self._physicalType = physicalType
        self._crosstalk = None if crosstalk is None else np.asarray(crosstalk, dtype=float)

    def getName(self) -> str:
        return self._name

    def getId(self) -> int:
        return self._id

    def getType(self) -> DetectorType:
        return self._type

    def getSerial(self) -> str:
        return self._serial

    def getPhysicalType(self) -> str:
        return self._physicalType

    def getBBox(self) -> Box2I:
        return Box2I(self._bbox)

    def getOrientation(self) -> Orientation:
        return self._orientation

    def getPixelSize(self) -> Extent2D:
        return self._pixelSize

    def getAmplifiers(self) -> list[Amplifier]:
        return list(self._amplifiers)

    def hasCrosstalk(self) -> bool:
        return self._crosstalk is not None and self._crosstalk.size > 0

    def getCrosstalk(self) -> np.ndarray:
        return np.zeros((0, 0)) if self._crosstalk is None else self._crosstalk

    def __iter__(self) -> Iterator[Amplifier]:
        return iter(self._amplifiers)

    def __len__(self) -> int:
        return len(self._amplifiers)

    def __getitem__(self, key: int | str) -> Amplifier:
        if isinstance(key, str):
            for amp in self._amplifiers:
                if amp.name == key:
                    return amp
            names = ", ".join(a.name for a in self._amplifiers)
            raise KeyError(f"detector {self._name!r} has no amplifier {key!r}; it has: {names}")
        return self._amplifiers[key]

    def __contains__(self, name: object) -> bool:
        return any(amp.name == name for amp in self._amplifiers)

    # -- coordinates ------------------------------------------------------

    def transform(self, points: Any, fromSys: str, toSys: str) -> Any:
        """Map a point (or list of points) between `PIXELS` and `FOCAL_PLANE`."""
        single = isinstance(points, (Point2D, tuple)) and np.ndim(points[0]) == 0
        pts = [points] if single else list(points)
        xs = np.array([p[0] for p in pts], dtype=float)
        ys = np.array([p[1] for p in pts], dtype=float)
        if (fromSys, toSys) == (PIXELS, FOCAL_PLANE):
            ox, oy = self._orientation.pixelToFocalPlane(xs, ys, self._pixelSize)
        elif (fromSys, toSys) == (FOCAL_PLANE, PIXELS):
            ox, oy = self._orientation.focalPlaneToPixel(xs, ys, self._pixelSize)
        elif fromSys == toSys:
            ox, oy = xs, ys
        else:
            raise ValueError(f"a Detector maps between {PIXELS!r} and {FOCAL_PLANE!r}, not {fromSys!r} -> {toSys!r}")
        out = [Point2D(float(a), float(b)) for a, b in zip(ox, oy)]
        return out[0] if single else out

    def getCorners(self, cameraSys: str = FOCAL_PLANE) -> list[Point2D]:
        """The bbox's outer corners (pixel edges), counter-clockwise from the minimum."""
        return self.transform(Box2D(self._bbox).getCorners(), PIXELS, cameraSys)

    def getCenter(self, cameraSys: str = FOCAL_PLANE) -> Point2D:
        return self.transform(Box2D(self._bbox).getCenter(), PIXELS, cameraSys)

    # -- value semantics and persistence ----------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Detector):
            return NotImplemented
        return _same_dict(self.to_dict(), other.to_dict())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Detector({self._name!r}, id={self._id}, serial={self._serial!r}, bbox={self._bbox}, {len(self)} amps)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self._name,
            "id": self._id,
            "detectorType": self._type.name,
            "serial": self._serial,
            "physicalType": self._physicalType,
            "bbox": _box_dict(self._bbox),
            "pixelSize": [self._pixelSize.x, self._pixelSize.y],
            "orientation": self._orientation.to_dict(),
            "crosstalk": None if self._crosstalk is None else self._crosstalk.tolist(),
            "amplifiers": [amp.to_dict() for amp in self._amplifiers],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Detector:
        return cls(
            name=data["name"],
            id=data["id"],
            type=DetectorType[data.get("detectorType", "SCIENCE")],
            serial=data.get("serial", ""),
            bbox=_box(data["bbox"]),
            amplifiers=[Amplifier.from_dict(a) for a in data.get("amplifiers", [])],
            orientation=Orientation.from_dict(data["orientation"]) if "orientation" in data else None,
            pixelSize=Extent2D(*data.get("pixelSize", (1.0, 1.0))),
            physicalType=data.get("physicalType", "CCD"),
            crosstalk=data.get("crosstalk"),
        )


def _same_dict(a: Any, b: Any) -> bool:
    """Equality of nested dicts/lists that treats NaN as equal to NaN."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_dict(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same_dict(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b
