"""Bad-pixel regions of a detector: `Defects` (LSST's ``ip.isr.Defects``), a list of `Box2I`.

Tables use LSST's defect columns ``x0``, ``y0``, ``width``, ``height`` (pixels, 0-based, trimmed
detector frame; a box covers ``x0 <= x < x0 + width``, ``y0 <= y < y0 + height``). LSST's newer
names ``x_extent``/``y_extent`` are read as well. ``Defects.readFits``/``writeFits`` use one FITS
binary table (``DEFECTS``) with the metadata as header cards; ECSV files (``.ecsv``) keep the
metadata in the YAML header.

Examples
--------
>>> from astropy.table import Table
>>> table = Table.read("megacam_defects_test.mask.0.40.00.ecsv")  # doctest: +SKIP
>>> defects = Defects.fromTable(table, detector=14)                # doctest: +SKIP
>>> defects.maskPixels(exposure.maskedImage, maskName="BAD")       # doctest: +SKIP
"""

from __future__ import annotations

__all__ = ["Defect", "Defects"]

import io
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from .errors import ImageFormatError
from .geometry import Box2I, Extent2I, Point2I

FORMAT_VERSION = 1


class Defect:
    """One bad-pixel box (LSST's ``meas.algorithms.Defect``)."""

    __slots__ = ("_bbox",)

    def __init__(self, bbox: Box2I):
        if bbox.isEmpty():
            raise ValueError("A defect box cannot be empty")
        self._bbox = bbox

    def getBBox(self) -> Box2I:
        return self._bbox

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Defect):
            return self._bbox == other._bbox
        if isinstance(other, Box2I):
            return self._bbox == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._bbox)

    def __repr__(self) -> str:
        return f"Defect({self._bbox})"


def _box(value: Any) -> Box2I:
    if isinstance(value, Defect):
        return value.getBBox()
    if isinstance(value, Box2I):
        if value.isEmpty():
            raise ValueError("A defect box cannot be empty")
        return value
    if hasattr(value, "getBBox"):
        return _box(value.getBBox())
    raise TypeError(f"Defects hold Box2I (or Defect) objects, not {type(value).__name__}")


class Defects:
    """An ordered list of bad-pixel boxes with calibration metadata.

    Parameters
    ----------
    defectList : iterable of `Box2I` or `Defect`, optional
        The boxes.
    metadata : `dict`, optional
        Calibration metadata (``OBSTYPE``, ``DETECTOR``, ``CALIBDATE``, ...).
    normalize_on_init : `bool`, optional
        Merge overlapping boxes into a minimal non-overlapping set (see `normalize`).
    """

    def __init__(
        self,
        defectList: Iterable[Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        normalize_on_init: bool = False,
    ):
        self._boxes: list[Box2I] = [_box(d) for d in (defectList or [])]
        self._metadata: dict[str, Any] = {"OBSTYPE": "defects"}
        self._metadata.update(metadata or {})
        if normalize_on_init:
            self.normalize()

    # -- list behaviour -------------------------------------------------------

    def __len__(self) -> int:
        return len(self._boxes)

    def __iter__(self) -> Iterator[Defect]:
        return (Defect(box) for box in self._boxes)

    def __getitem__(self, index: int) -> Defect:
        return Defect(self._boxes[index])

    def __setitem__(self, index: int, value: Any) -> None:
        self._boxes[index] = _box(value)

    def __delitem__(self, index: int) -> None:
        del self._boxes[index]

    def append(self, value: Any) -> None:
        """Add a `Box2I` (or `Defect`)."""
        self._boxes.append(_box(value))

    def insert(self, index: int, value: Any) -> None:
        self._boxes.insert(index, _box(value))

    def boxes(self) -> list[Box2I]:
        """The boxes as a new list."""
        return list(self._boxes)

    def getMetadata(self) -> dict[str, Any]:
        return self._metadata

    def setMetadata(self, metadata: Mapping[str, Any] | None) -> None:
        self._metadata = dict(metadata or {})

    def copy(self) -> Defects:
        return Defects(self._boxes, dict(self._metadata))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Defects):
            return NotImplemented
        return self._boxes == other._boxes

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        detector = self._metadata.get("DETECTOR")
        where = f", detector={detector}" if detector is not None else ""
        return f"Defects({len(self)} boxes, {self.getArea()} pixels{where})"

    def getArea(self) -> int:
        """Pixels covered (overlaps counted once)."""
        if not self._boxes:
            return 0
        return int(self._painted()[0].sum())

    # -- pixels ---------------------------------------------------------------

    def _painted(self, bbox: Box2I | None = None) -> tuple[np.ndarray, Box2I]:
        if bbox is None:
            bbox = self._boxes[0]
            for box in self._boxes[1:]:
                bbox = bbox.expandedTo(box)
        painted = np.zeros((bbox.getHeight(), bbox.getWidth()), dtype=bool)
        for box in self._boxes:
            clipped = box.clippedTo(bbox)
            if not clipped.isEmpty():
                painted[clipped.slices(bbox.getMin())] = True
        return painted, bbox

    def maskPixels(self, maskedImage: Any, maskName: str = "BAD") -> None:
        """Set plane ``maskName`` on every defect pixel of a `MaskedImage`, `Exposure` or `Mask`.

        Boxes are in parent coordinates; the parts outside the image are ignored.
        """
        if hasattr(maskedImage, "getMaskedImage"):
            maskedImage = maskedImage.getMaskedImage()
        mask = maskedImage.mask if hasattr(maskedImage, "mask") else maskedImage
        bit = mask.getPlaneBitMask(maskName)
        bbox = mask.getBBox()
        array = mask.array
        for box in self._boxes:
            clipped = box.clippedTo(bbox)
            if not clipped.isEmpty():
                array[clipped.slices(bbox.getMin())] |= np.asarray(bit).astype(array.dtype)

    @classmethod
    def fromMask(cls, maskedImage: Any, maskName: str = "BAD") -> Defects:
        """Return the boxes covering the pixels with ``maskName`` set (rows of equal runs merged)."""
        if hasattr(maskedImage, "getMaskedImage"):
            maskedImage = maskedImage.getMaskedImage()
        mask = maskedImage.mask if hasattr(maskedImage, "mask") else maskedImage
        selected = (mask.array & mask.getPlaneBitMask(maskName)) != 0
        origin = mask.getBBox().getMin()
        return cls(_boxes_from_array(selected, origin.getX(), origin.getY()))

    def normalize(self) -> None:
        """Replace the boxes by a non-overlapping set covering the same pixels."""
        if not self._boxes:
            return
        painted, bbox = self._painted()
        self._boxes = _boxes_from_array(painted, bbox.getMinX(), bbox.getMinY())

    # -- tables -----------------------------------------------------------------

    def toTable(self) -> Any:
        """Return an `astropy.table.Table` with ``x0``, ``y0``, ``width``, ``height`` and the metadata."""
        from astropy.table import Table

        rows = np.array(
            [(b.getMinX(), b.getMinY(), b.getWidth(), b.getHeight()) for b in self._boxes], dtype=np.int32
        ).reshape(-1, 4)
        table = Table(
            [rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]],
            names=("x0", "y0", "width", "height"),
            units=("pix", "pix", "pix", "pix"),
            descriptions=(
                "first defective column",
                "first defective row",
                "number of columns",
                "number of rows",
            ),
        )
        table.meta.update(self._metadata)
        return table

    @classmethod
    def fromTable(cls, table: Any, detector: int | None = None, normalize_on_init: bool = False) -> Defects:
        """Build from an astropy table (or a one-table list, as LSST passes) of boxes.

        Parameters
        ----------
        table : `astropy.table.Table` or `list` of one
            Columns ``x0``, ``y0`` and ``width``/``height`` (or ``x_extent``/``y_extent``).
        detector : `int`, optional
            Keep only rows whose ``detector`` column equals this (multi-detector tables).

        Raises
        ------
        ValueError
            Raised if a column is missing or a box has a non-positive size.
        """
        if isinstance(table, list):
            if len(table) != 1:
                raise ValueError(f"Defects.fromTable takes one table, not a list of {len(table)}")
            table = table[0]
        names = set(table.colnames)
        width_name = "width" if "width" in names else "x_extent"
        height_name = "height" if "height" in names else "y_extent"
        missing = [c for c in ("x0", "y0", width_name, height_name) if c not in names]
        if missing:
            raise ValueError(
                f"Defect table lacks columns {missing}; "
                "it needs x0, y0 and width/height (or x_extent/y_extent)"
            )
        rows = table
        metadata = {k: v for k, v in table.meta.items() if _is_scalar(v)}
        if detector is not None:
            if "detector" not in names:
                raise ValueError("detector= was given but the table has no 'detector' column")
            rows = table[np.asarray(table["detector"]) == detector]
            metadata["DETECTOR"] = int(detector)
        x0, y0 = np.asarray(rows["x0"], np.int64), np.asarray(rows["y0"], np.int64)
        w, h = np.asarray(rows[width_name], np.int64), np.asarray(rows[height_name], np.int64)
        if np.any(w <= 0) or np.any(h <= 0):
            raise ValueError("Defect boxes must have positive width and height")
        boxes = [Box2I(Point2I(int(a), int(b)), Extent2I(int(c), int(d))) for a, b, c, d in zip(x0, y0, w, h)]
        return cls(boxes, metadata, normalize_on_init=normalize_on_init)

    # -- files --------------------------------------------------------------------

    def writeFits(self, destination: Any) -> None:
        """Write a FITS file: primary HDU + ``DEFECTS`` binary table (metadata in its header)."""
        from astropy.io import fits

        table = self.toTable()
        table.meta.clear()
        hdu = fits.table_to_hdu(table)
        hdu.name = "DEFECTS"
        for key, value in self._metadata.items():
            if _is_scalar(value) and value is not None:
                card = key if len(key) <= 8 and key.isupper() else f"HIERARCH {key}"
                hdu.header[card] = value
        primary = fits.PrimaryHDU()
        primary.header["DFCLASS"] = ("Defects", "skybutler defect list")
        primary.header["DFVERS"] = (FORMAT_VERSION, "defects FITS layout version")
        hdus = fits.HDUList([primary, hdu])
        if isinstance(destination, (str, os.PathLike)):
            hdus.writeto(destination, overwrite=True)
        else:
            hdus.writeto(destination)

    @classmethod
    def readFits(cls, source: Any, name: str | None = None) -> Defects:
        """Read a file written by `writeFits` (or any FITS table with the defect columns in HDU 1).

        Raises
        ------
        ImageFormatError
            Raised if the file is not FITS, is truncated, or lacks the defect columns.
        """
        from astropy.io import fits
        from astropy.table import Table

        name = name or (os.fspath(source) if isinstance(source, (str, os.PathLike)) else "<stream>")
        if isinstance(source, (bytes, bytearray, memoryview)):
            source = io.BytesIO(source)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with fits.open(source, memmap=False) as hdus:
                    if len(hdus) < 2:
                        raise ImageFormatError(name, "no table HDU after the primary HDU (truncated?)")
                    hdu = hdus["DEFECTS"] if "DEFECTS" in hdus else hdus[1]
                    expected = hdu.header.get("NAXIS2", 0)
                    table = Table(hdu.data)
                    if len(table) != expected:
                        raise ImageFormatError(
                            name, f"DEFECTS has {len(table)} rows, its header says {expected}"
                        )
                    header = hdu.header
        except (FileNotFoundError, ImageFormatError):
            raise
        except Exception as exc:
            raise ImageFormatError(name, f"not a readable defects FITS file ({exc})") from None
        skip = {"XTENSION", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "PCOUNT", "GCOUNT", "TFIELDS", "EXTNAME"}
        metadata = {
            k: v
            for k, v in header.items()
            if k not in skip and not k.startswith(("TTYPE", "TFORM", "TUNIT", "TDISP", "TNULL", "TCOMM"))
        }
        try:
            return cls.fromTable(Table(table, meta=metadata))
        except ValueError as exc:
            raise ImageFormatError(name, str(exc)) from None

    @classmethod
    def readText(cls, source: Any, name: str | None = None) -> Defects:
        """Read an ECSV table (path, text or lines) of defect boxes."""
        from astropy.table import Table

        name = name or (os.fspath(source) if isinstance(source, (str, os.PathLike)) else "<text>")
        try:
            table = Table.read(source, format="ascii.ecsv")
        except FileNotFoundError:
            raise
        except Exception as exc:
            raise ImageFormatError(name, f"not a valid ECSV defect table ({exc})") from None
        try:
            return cls.fromTable(table)
        except ValueError as exc:
            raise ImageFormatError(name, str(exc)) from None

    def writeText(self, destination: Any) -> None:
        """Write an ECSV table (path or text stream)."""
        options = {"overwrite": True} if isinstance(destination, (str, os.PathLike)) else {}
        self.toTable().write(destination, format="ascii.ecsv", **options)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool, np.integer, np.floating, np.bool_))


def _boxes_from_array(selected: np.ndarray, x0: int, y0: int) -> list[Box2I]:
    """Boxes covering the true pixels: runs per row, stacked while consecutive rows repeat a run."""
    open_boxes: dict[tuple[int, int], list[int]] = {}
    boxes: list[tuple[int, int, int, int]] = []
    padded = np.zeros((selected.shape[0], selected.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = selected
    steps = np.diff(padded, axis=1)
    for y in range(selected.shape[0]):
        starts = np.flatnonzero(steps[y] == 1)
        ends = np.flatnonzero(steps[y] == -1)
        runs = set(zip(starts.tolist(), ends.tolist()))
        for run in list(open_boxes):
            if run not in runs:
                first = open_boxes.pop(run)[0]
                boxes.append((run[0], first, run[1] - run[0], y - first))
        for run in sorted(runs):
            open_boxes.setdefault(run, [y])
    for run, (first,) in open_boxes.items():
        boxes.append((run[0], first, run[1] - run[0], selected.shape[0] - first))
    boxes.sort(key=lambda b: (b[1], b[0]))
    return [Box2I(Point2I(x + x0, y + y0), Extent2I(w, h)) for x, y, w, h in boxes]
