"""Component objects <-> FITS binary tables (the non-pixel HDUs of an exposure file).

Most components are one-row tables built from their `archive` dict: each scalar becomes a column
(``L`` bool, ``K`` int, ``D`` float, ``A`` string), a list of numbers a fixed-length vector
column, an archived numpy array (``{"dtype", "shape", "data"}``) an array column with ``TDIM``
(listed in the ``ARRCOLS`` header card), and anything nested or `None` a JSON string column
(listed in ``JSONCOLS``). ``ARCHTYPE`` names the archive type, so `table_to_object` rebuilds the
object with `pipetasks.image.archive.load`.

Two components have their own row layouts: ``APCORR`` (one row per aperture correction) and
``DETECTOR`` (detector fields as header cards, one row per amplifier). See docs/file_formats.md.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import numpy as np
from astropy.io import fits

from .. import archive
from ..ap_corr import ApCorrMap
from ..bounded_field import ChebyshevBoundedField, ConstantBoundedField
from ..detector import Amplifier, Detector, DetectorType, Orientation
from ..errors import ImageFormatError
from ..geometry import Box2I, Extent2D, Extent2I, Point2D
from .bintable import BinTable

__all__ = [
    "FORMAT_VERSION",
    "object_to_table",
    "table_to_object",
    "apcorr_to_table",
    "table_to_apcorr",
    "detector_to_table",
    "table_to_detector",
    "camera_to_tables",
    "tables_to_detectors",
    "component_to_table",
    "table_to_component",
    "COMPONENT_EXTNAMES",
]

FORMAT_VERSION = 1

COMPONENT_EXTNAMES: dict[str, str] = {
    "psf": "PSF",
    "photoCalib": "PHOTOCALIB",
    "apCorrMap": "APCORR",
    "visitInfo": "VISITINFO",
    "detector": "DETECTOR",
    "filter": "FILTER",
    "summaryStats": "SUMMARYSTATS",
}
"""EXTNAME of the table holding each exposure component."""

_ARRAY_KEYS = {"dtype", "shape", "data"}
_NUMPY_FORMATS = {"f8": "D", "f4": "E", "i8": "K", "i4": "J", "i2": "I", "u1": "B", "b1": "L"}


def _string_column(name: str, text: str) -> fits.Column:
    encoded = text.encode("utf-8")
    width = max(len(encoded), 1)
    return fits.Column(name=name, format=f"{width}A", array=np.array([encoded], dtype=f"S{width}"))


def object_to_table(obj: Any, extname: str) -> fits.BinTableHDU:
    """A one-row table of ``archive.dump(obj)`` (see the module docstring for the column rules)."""
    data = archive.dump(obj)
    type_name = data.pop("type")
    columns: list[fits.Column] = []
    json_cols: list[str] = []
    array_cols: list[str] = []
    for key, value in data.items():
        if isinstance(value, bool):
            columns.append(fits.Column(name=key, format="L", array=np.array([value])))
        elif isinstance(value, int):
            columns.append(fits.Column(name=key, format="K", array=np.array([value], dtype=np.int64)))
        elif isinstance(value, float):
            columns.append(fits.Column(name=key, format="D", array=np.array([value])))
        elif isinstance(value, str):
            columns.append(_string_column(key, value))
        elif (
            isinstance(value, list)
            and value
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        ):
            columns.append(fits.Column(name=key, format=f"{len(value)}D", array=np.array([value], dtype=float)))
        elif isinstance(value, dict) and set(value) == _ARRAY_KEYS:
            array = archive.decode_array(value)
            code = _NUMPY_FORMATS.get(array.dtype.str[1:])
            if code is None or array.ndim == 0 or array.size == 0:
                columns.append(_string_column(key, json.dumps(value)))
                json_cols.append(key)
                continue
            tdim = "(" + ",".join(str(n) for n in reversed(array.shape)) + ")"
            columns.append(
                fits.Column(name=key, format=f"{array.size}{code}", dim=tdim, array=array[np.newaxis, ...])
            )
            array_cols.append(key)
        else:
            columns.append(_string_column(key, json.dumps(value, allow_nan=True)))
            json_cols.append(key)
    hdu = fits.BinTableHDU.from_columns(columns, name=extname)
    hdu.header["ARCHTYPE"] = (type_name, "archive type name")
    hdu.header["FMTVER"] = (FORMAT_VERSION, "component table layout version")
    if json_cols:
        hdu.header["JSONCOLS"] = (",".join(json_cols), "columns holding JSON text")
    if array_cols:
        hdu.header["ARRCOLS"] = (",".join(array_cols), "columns holding one numpy array each")
    return hdu


def _cell(value: Any) -> Any:
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8").rstrip()
    if isinstance(value, np.str_):
        return str(value).rstrip()
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return [float(v) for v in value.ravel()]
    return value


def table_to_object(table: BinTable, name: str = "") -> Any:
    """Inverse of `object_to_table`."""
    header = table.header
    type_name = header.get("ARCHTYPE")
    if not type_name:
        raise ImageFormatError(name, f"table {table.name} has no ARCHTYPE card naming its component type")
    if len(table) != 1:
        raise ImageFormatError(name, f"table {table.name} must have exactly one row, it has {len(table)}")
    json_cols = set(filter(None, str(header.get("JSONCOLS", "")).split(",")))
    array_cols = set(filter(None, str(header.get("ARRCOLS", "")).split(",")))
    fields: dict[str, Any] = {"type": type_name}
    for key in table.colnames:
        value = table[key][0]
        if key in array_cols:
            fields[key] = archive.encode_array(np.asarray(value))
        elif key in json_cols:
            fields[key] = json.loads(_cell(value))
        else:
            fields[key] = _cell(value)
    try:
        return archive.load(fields)
    except (ValueError, KeyError, TypeError) as err:
        raise ImageFormatError(name, f"table {table.name} does not describe a valid {type_name}: {err}") from None


# -- aperture corrections -----------------------------------------------------------


def apcorr_to_table(apcorr: ApCorrMap, extname: str = "APCORR") -> fits.BinTableHDU:
    """One row per correction: name, field type, bbox, Chebyshev coefficient array."""
    names, kinds, boxes, shapes, coefficients = [], [], [], [], []
    for key in apcorr:
        field = apcorr[key]
        if isinstance(field, ConstantBoundedField):
            coeffs = np.array([[field.value]])
        elif isinstance(field, ChebyshevBoundedField):
            coeffs = field.getCoefficients()
        else:
            raise TypeError(f"cannot write aperture correction {key!r} of type {type(field).__name__}")
        names.append(key)
        kinds.append(type(field).__name__)
        boxes.append(field.getBBox().to_xywh())
        shapes.append(coeffs.shape)
        coefficients.append(coeffs.ravel().astype(float))
    width = max([len(n) for n in names] + [1])
    columns = [
        fits.Column(name="name", format=f"{width}A", array=np.array(names, dtype=f"S{width}")),
        fits.Column(name="field_type", format="24A", array=np.array(kinds, dtype="S24")),
        *[
            fits.Column(name=f"bbox_{k}", format="K", array=np.array([b[k] for b in boxes], dtype=np.int64))
            for k in ("x0", "y0", "width", "height")
        ],
        fits.Column(name="order_y", format="K", array=np.array([s[0] - 1 for s in shapes], dtype=np.int64)),
        fits.Column(name="order_x", format="K", array=np.array([s[1] - 1 for s in shapes], dtype=np.int64)),
        fits.Column(name="coefficients", format="PD()", array=_object_array(coefficients)),
    ]
    hdu = fits.BinTableHDU.from_columns(columns, name=extname, nrows=len(names))
    hdu.header["ARCHTYPE"] = "ApCorrMap"
    hdu.header["FMTVER"] = FORMAT_VERSION
    return hdu


def table_to_apcorr(table: BinTable, name: str = "") -> ApCorrMap:
    """Inverse of `apcorr_to_table`."""
    result = ApCorrMap()
    try:
        for i in range(len(table)):
            box = Box2I.from_xywh(*(int(table[f"bbox_{k}"][i]) for k in ("x0", "y0", "width", "height")))
            shape = (int(table["order_y"][i]) + 1, int(table["order_x"][i]) + 1)
            coeffs = np.asarray(table["coefficients"][i], dtype=float).reshape(shape)
            if table["field_type"][i] == "ConstantBoundedField":
                field: Any = ConstantBoundedField(box, float(coeffs[0, 0]))
            else:
                field = ChebyshevBoundedField(box, coeffs)
            result[str(table["name"][i])] = field
    except (KeyError, ValueError) as err:
        raise ImageFormatError(name, f"table {table.name} is not an aperture-correction table: {err}") from None
    return result


# -- detector ---------------------------------------------------------------------

_DETECTOR_CARDS: list[tuple[str, str, Callable[[Detector], Any]]] = [
    ("DETNAME", "detector name", lambda d: d.getName()),
    ("DETID", "detector id", lambda d: d.getId()),
    ("DETSER", "detector serial", lambda d: d.getSerial()),
    ("DETTYPE", "detector type", lambda d: d.getType().name),
    ("PHYSTYPE", "physical type", lambda d: d.getPhysicalType()),
    ("BBOX_X0", "detector bbox min x (pixels)", lambda d: d.getBBox().getMinX()),
    ("BBOX_Y0", "detector bbox min y (pixels)", lambda d: d.getBBox().getMinY()),
    ("BBOX_W", "detector bbox width (pixels)", lambda d: d.getBBox().getWidth()),
    ("BBOX_H", "detector bbox height (pixels)", lambda d: d.getBBox().getHeight()),
    ("PIXSIZEX", "pixel size x (mm)", lambda d: d.getPixelSize().x),
    ("PIXSIZEY", "pixel size y (mm)", lambda d: d.getPixelSize().y),
    ("FPX", "focal-plane x of the reference point (mm)", lambda d: d.getOrientation().fpPosition.x),
    ("FPY", "focal-plane y of the reference point (mm)", lambda d: d.getOrientation().fpPosition.y),
    ("FPZ", "focal-plane height (mm)", lambda d: d.getOrientation().height),
    ("REFX", "reference point x (pixels)", lambda d: d.getOrientation().referencePoint.x),
    ("REFY", "reference point y (pixels)", lambda d: d.getOrientation().referencePoint.y),
    ("YAW", "yaw (deg)", lambda d: d.getOrientation().yaw),
    ("PITCH", "pitch (deg)", lambda d: d.getOrientation().pitch),
    ("ROLL", "roll (deg)", lambda d: d.getOrientation().roll),
]

_AMP_BOX_COLUMNS = ("bbox", "rawBBox", "rawDataBBox", "rawHorizontalOverscanBBox", "rawVerticalOverscanBBox", "rawPrescanBBox")
_AMP_FLOATS = ("gain", "readNoise", "saturation", "suspectLevel", "linearityThreshold", "linearityMaximum")
_AMP_STRINGS = ("name", "readoutCorner", "linearityType", "linearityUnits")


def _amplifier_columns(amps: list[Amplifier]) -> list[fits.Column]:
    columns: list[fits.Column] = []
    for key in _AMP_STRINGS:
        values = [str(getattr(a, key).name if key == "readoutCorner" else getattr(a, key)) for a in amps]
        width = max([len(v) for v in values] + [1])
        columns.append(fits.Column(name=key, format=f"{width}A", array=np.array(values, dtype=f"S{width}")))
    for key in _AMP_FLOATS:
        columns.append(fits.Column(name=key, format="D", array=np.array([getattr(a, key) for a in amps], dtype=float)))
    for key in ("rawFlipX", "rawFlipY"):
        columns.append(fits.Column(name=key, format="L", array=np.array([getattr(a, key) for a in amps], dtype=bool)))
    for axis in ("x", "y"):
        values = np.array([getattr(a.rawXYOffset, axis) for a in amps], dtype=np.int64)
        columns.append(fits.Column(name=f"rawXYOffset_{axis}", format="K", array=values))
    for box in _AMP_BOX_COLUMNS:
        for part in ("x0", "y0", "width", "height"):
            values = np.array([getattr(a, box).to_xywh()[part] for a in amps], dtype=np.int64)
            columns.append(fits.Column(name=f"{box}_{part}", format="K", array=values))
    coeffs = [np.asarray(a.linearityCoeffs, dtype=float) for a in amps]
    columns.append(fits.Column(name="linearityCoeffs", format="PD()", array=_object_array(coeffs)))
    return columns


def _object_array(arrays: list[np.ndarray]) -> np.ndarray:
    result = np.empty(len(arrays), dtype=object)
    result[:] = arrays
    return result


def _crosstalk_rows(detector: Detector) -> list[np.ndarray]:
    if not detector.hasCrosstalk():
        return [np.zeros(0) for _ in range(len(detector))]
    return [np.asarray(row, dtype=float) for row in detector.getCrosstalk()]


def _amplifiers_from_table(table: BinTable, rows: Any) -> list[Amplifier]:
    amps = []
    for i in rows:
        fields: dict[str, Any] = {key: _cell(table[key][i]) for key in _AMP_STRINGS + _AMP_FLOATS}
        fields["rawFlipX"], fields["rawFlipY"] = bool(table["rawFlipX"][i]), bool(table["rawFlipY"][i])
        fields["rawXYOffset"] = Extent2I(int(table["rawXYOffset_x"][i]), int(table["rawXYOffset_y"][i]))
        for box in _AMP_BOX_COLUMNS:
            fields[box] = Box2I.from_xywh(*(int(table[f"{box}_{p}"][i]) for p in ("x0", "y0", "width", "height")))
        fields["linearityCoeffs"] = np.asarray(table["linearityCoeffs"][i], dtype=float)
        amp_name = fields.pop("name")
        amps.append(Amplifier(amp_name, **fields))
    return amps


def _detector_from_fields(fields: Any, amps: list[Amplifier], crosstalk: list[Any] | None) -> Detector:
    matrix = None
    if crosstalk is not None and any(len(row) for row in crosstalk):
        matrix = np.array([np.asarray(row, dtype=float) for row in crosstalk])
    orientation = Orientation(
        Point2D(float(fields["FPX"]), float(fields["FPY"])),
        Point2D(float(fields["REFX"]), float(fields["REFY"])),
        float(fields["YAW"]),
        float(fields["PITCH"]),
        float(fields["ROLL"]),
        float(fields["FPZ"]),
    )
    return Detector(
        name=str(fields["DETNAME"]),
        id=int(fields["DETID"]),
        type=DetectorType[str(fields["DETTYPE"])],
        serial=str(fields["DETSER"]),
        bbox=Box2I.from_xywh(*(int(fields[k]) for k in ("BBOX_X0", "BBOX_Y0", "BBOX_W", "BBOX_H"))),
        amplifiers=amps,
        orientation=orientation,
        pixelSize=Extent2D(float(fields["PIXSIZEX"]), float(fields["PIXSIZEY"])),
        physicalType=str(fields["PHYSTYPE"]),
        crosstalk=matrix,
    )


def detector_to_table(detector: Detector, extname: str = "DETECTOR") -> fits.BinTableHDU:
    """Detector fields as header cards; one row per amplifier (boxes as ``<box>_x0/_y0/_width/_height``)."""
    amps = detector.getAmplifiers()
    columns = _amplifier_columns(amps)
    columns.append(fits.Column(name="crosstalk", format="PD()", array=_object_array(_crosstalk_rows(detector))))
    hdu = fits.BinTableHDU.from_columns(columns, name=extname, nrows=len(amps))
    hdu.header["ARCHTYPE"] = "Detector"
    hdu.header["FMTVER"] = FORMAT_VERSION
    for key, comment, getter in _DETECTOR_CARDS:
        hdu.header[key] = (getter(detector), comment)
    return hdu


def table_to_detector(table: BinTable, name: str = "") -> Detector:
    """Inverse of `detector_to_table`."""
    try:
        amps = _amplifiers_from_table(table, range(len(table)))
        crosstalk = table["crosstalk"] if "crosstalk" in table else None
        return _detector_from_fields(table.header, amps, crosstalk)
    except (KeyError, ValueError) as err:
        raise ImageFormatError(name, f"table {table.name} is not a detector table: missing or bad {err}") from None


def camera_to_tables(detectors: list[Detector]) -> list[fits.BinTableHDU]:
    """``DETECTORS`` (one row per detector; the DETECTOR card names as columns) and ``AMPLIFIERS``
    (one row per amplifier, with its ``detector`` id and ``crosstalk`` row)."""
    det_columns = []
    for key, _comment, getter in _DETECTOR_CARDS:
        values = [getter(d) for d in detectors]
        if all(isinstance(v, str) for v in values):
            width = max([len(v) for v in values] + [1])
            det_columns.append(fits.Column(name=key, format=f"{width}A", array=np.array(values, dtype=f"S{width}")))
        elif all(isinstance(v, int) for v in values):
            det_columns.append(fits.Column(name=key, format="K", array=np.array(values, dtype=np.int64)))
        else:
            det_columns.append(fits.Column(name=key, format="D", array=np.array(values, dtype=float)))
    amps = [a for d in detectors for a in d.getAmplifiers()]
    amp_columns = [fits.Column(name="detector", format="K",
                               array=np.array([d.getId() for d in detectors for _ in d.getAmplifiers()], dtype=np.int64))]
    amp_columns += _amplifier_columns(amps)
    crosstalk = [row for d in detectors for row in _crosstalk_rows(d)]
    amp_columns.append(fits.Column(name="crosstalk", format="PD()", array=_object_array(crosstalk)))
    tables = [fits.BinTableHDU.from_columns(det_columns, name="DETECTORS", nrows=len(detectors)),
              fits.BinTableHDU.from_columns(amp_columns, name="AMPLIFIERS", nrows=len(amps))]
    for hdu in tables:
        hdu.header["FMTVER"] = FORMAT_VERSION
    return tables


def tables_to_detectors(detectors: BinTable, amplifiers: BinTable, name: str = "") -> list[Detector]:
    """Inverse of `camera_to_tables`."""
    try:
        owner = np.asarray(amplifiers["detector"])
        result = []
        for i in range(len(detectors)):
            fields = {key: detectors[key][i] for key, _c, _g in _DETECTOR_CARDS}
            rows = np.flatnonzero(owner == int(fields["DETID"]))
            amps = _amplifiers_from_table(amplifiers, rows)
            result.append(_detector_from_fields(fields, amps, [amplifiers["crosstalk"][r] for r in rows]))
        return result
    except (KeyError, ValueError) as err:
        raise ImageFormatError(name, f"DETECTORS/AMPLIFIERS tables are incomplete: missing or bad {err}") from None


# -- dispatch by component name ---------------------------------------------------------


def component_to_table(component: str, obj: Any) -> fits.BinTableHDU:
    """The table HDU (EXTNAME from `COMPONENT_EXTNAMES`) holding exposure component ``component``."""
    extname = COMPONENT_EXTNAMES[component]
    if component == "apCorrMap":
        return apcorr_to_table(obj, extname)
    if component == "detector":
        return detector_to_table(obj, extname)
    return object_to_table(obj, extname)


def table_to_component(component: str, table: BinTable, name: str = "") -> Any:
    """Inverse of `component_to_table`."""
    if component == "apCorrMap":
        return table_to_apcorr(table, name)
    if component == "detector":
        return table_to_detector(table, name)
    return table_to_object(table, name)

