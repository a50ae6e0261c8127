"""Footprint HDUs of catalog FITS files: ``FOOTPRINTS``, ``FOOTPRINT_SPANS``, ``_PEAKS``, ``_HEAVY``.

Layout in ``docs/file_formats_catalogs.md``. Footprints are matched to records by
``FOOTPRINTS.row``; spans, peaks and heavy pixels follow in ``FOOTPRINTS`` order, ``n_spans`` and
``n_peaks`` rows (and ``area`` pixels for heavy ones) per footprint.
"""

from __future__ import annotations

__all__ = ["FOOTPRINT_HDUS", "footprint_hdus", "read_footprints"]

import numpy as np
from astropy.io import fits

from ..errors import ImageFormatError
from ..geometry import Box2I, Point2I
from .base import BaseCatalog
from .fits_hdus import extension, table_data
from .footprint import Footprint, HeavyFootprint, PeakRecord
from .spans import SpanSet

FOOTPRINT_HDUS = ("FOOTPRINTS", "FOOTPRINT_SPANS", "FOOTPRINT_PEAKS")


def footprint_hdus(catalog: BaseCatalog, include_heavy: bool) -> list[fits.BinTableHDU]:
    footprints = catalog._objects.get("footprint")
    if footprints is None:
        return []
    size = len(catalog)
    rows = [i for i in range(size) if footprints[i] is not None]
    if not rows:
        return []
    ids = catalog._data["id"][:size] if "id" in catalog._data else np.zeros(size, np.int64)
    prints: list[Footprint] = [footprints[i] for i in rows]
    heavy = np.array([include_heavy and fp.isHeavy() for fp in prints], dtype=bool)
    n_spans = np.array([len(fp.getSpans()) for fp in prints], dtype=np.int32)
    n_peaks = np.array([len(fp.getPeaks()) for fp in prints], dtype=np.int32)
    row_ids = ids[rows]
    regions = np.array(
        [
            (r.getMinX(), r.getMinY(), r.getMaxX(), r.getMaxY()) if not r.isEmpty() else (0, 0, -1, -1)
            for r in (fp.getRegion() for fp in prints)
        ],
        dtype=np.int32,
    ).reshape(-1, 4)
    index = fits.BinTableHDU.from_columns(
        [
            fits.Column("row", "K", array=np.asarray(rows, np.int64)),
            fits.Column("id", "K", array=row_ids),
            fits.Column("n_spans", "J", array=n_spans),
            fits.Column("n_peaks", "J", array=n_peaks),
            fits.Column("heavy", "L", array=heavy),
            fits.Column("region_min_x", "J", array=regions[:, 0]),
            fits.Column("region_min_y", "J", array=regions[:, 1]),
            fits.Column("region_max_x", "J", array=regions[:, 2]),
            fits.Column("region_max_y", "J", array=regions[:, 3]),
        ],
        name="FOOTPRINTS",
    )
    spans = np.concatenate([fp.getSpans().asArray() for fp in prints]).reshape(-1, 3)
    span_ids = np.repeat(row_ids, n_spans)
    span_hdu = fits.BinTableHDU.from_columns(
        [
            fits.Column("id", "K", array=span_ids),
            fits.Column("y", "J", array=spans[:, 0]),
            fits.Column("x0", "J", array=spans[:, 1]),
            fits.Column("x1", "J", array=spans[:, 2]),
        ],
        name="FOOTPRINT_SPANS",
    )
    peaks = [p for fp in prints for p in fp.getPeaks()]
    peak_hdu = fits.BinTableHDU.from_columns(
        [
            fits.Column("id", "K", array=np.repeat(row_ids, n_peaks)),
            fits.Column("peak_id", "K", array=np.array([p.id for p in peaks], np.int64)),
            fits.Column("f_x", "D", array=np.array([p.fx for p in peaks], np.float64)),
            fits.Column("f_y", "D", array=np.array([p.fy for p in peaks], np.float64)),
            fits.Column("i_x", "J", array=np.array([p.ix for p in peaks], np.int32)),
            fits.Column("i_y", "J", array=np.array([p.iy for p in peaks], np.int32)),
            fits.Column("peakValue", "D", array=np.array([p.peakValue for p in peaks], np.float64)),
        ],
        name="FOOTPRINT_PEAKS",
    )
    hdus = [index, span_hdu, peak_hdu]
    if heavy.any():
        heavies = [fp for fp, h in zip(prints, heavy) if h]
        areas = np.array([fp.getArea() for fp in heavies], dtype=np.int64)
        hdus.append(
            fits.BinTableHDU.from_columns(
                [
                    fits.Column("id", "K", array=np.repeat(row_ids[heavy], areas)),
                    fits.Column("image", "E", array=np.concatenate([fp.getImageArray() for fp in heavies])),
                    fits.Column("mask", "J", array=np.concatenate([fp.getMaskArray() for fp in heavies])),
                    fits.Column(
                        "variance", "E", array=np.concatenate([fp.getVarianceArray() for fp in heavies])
                    ),
                ],
                name="FOOTPRINT_HEAVY",
            )
        )
    return hdus


def _offsets(counts: np.ndarray) -> np.ndarray:
    return np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))


def read_footprints(hdus: fits.HDUList, catalog: BaseCatalog, extnames: list[str], name: str) -> None:
    tables = {e: table_data(extension(hdus, e, name), e, name) for e in FOOTPRINT_HDUS}
    index = tables["FOOTPRINTS"]
    rows = np.asarray(index["row"], np.int64)
    n_spans = np.asarray(index["n_spans"], np.int64)
    n_peaks = np.asarray(index["n_peaks"], np.int64)
    heavy = np.asarray(index["heavy"], bool)
    regions = np.column_stack(
        [np.asarray(index[c]) for c in ("region_min_x", "region_min_y", "region_max_x", "region_max_y")]
    )
    spans = np.column_stack([np.asarray(tables["FOOTPRINT_SPANS"][c], np.int32) for c in ("y", "x0", "x1")])
    peaks = tables["FOOTPRINT_PEAKS"]
    if len(rows) and (rows.min() < 0 or rows.max() >= len(catalog)):
        raise ImageFormatError(name, "FOOTPRINTS refers to a row beyond the CATALOG table")
    if len(spans) and np.any(spans[:, 2] < spans[:, 1]):
        raise ImageFormatError(name, "FOOTPRINT_SPANS has a span with x1 < x0")
    if n_spans.sum() != len(spans) or n_peaks.sum() != len(peaks):
        raise ImageFormatError(
            name,
            f"FOOTPRINTS counts {int(n_spans.sum())} spans and {int(n_peaks.sum())} peaks but "
            f"FOOTPRINT_SPANS has {len(spans)} rows and FOOTPRINT_PEAKS {len(peaks)}",
        )
    peak_columns = [
        np.asarray(peaks[c]).tolist() for c in ("peak_id", "f_x", "f_y", "peakValue", "i_x", "i_y")
    ]
    heavy_data = None
    if heavy.any():
        if "FOOTPRINT_HEAVY" not in extnames:
            raise ImageFormatError(
                name, "FOOTPRINTS marks heavy footprints but there is no FOOTPRINT_HEAVY HDU"
            )
        heavy_data = table_data(extension(hdus, "FOOTPRINT_HEAVY", name), "FOOTPRINT_HEAVY", name)
        heavy_pixels = [np.asarray(heavy_data[c]) for c in ("image", "mask", "variance")]
    span_off, peak_off = _offsets(n_spans), _offsets(n_peaks)
    pixel_start = 0
    objects = catalog._objects["footprint"]
    for k, row in enumerate(rows.tolist()):
        spanset = SpanSet(spans[span_off[k] : span_off[k + 1]], normalize=False)
        x0, y0, x1, y1 = (int(v) for v in regions[k])
        region = Box2I(Point2I(x0, y0), Point2I(x1, y1)) if x1 >= x0 and y1 >= y0 else Box2I()
        plist = [PeakRecord(*(col[j] for col in peak_columns)) for j in range(peak_off[k], peak_off[k + 1])]
        footprint = Footprint(spanset, region, plist)
        if heavy[k]:
            area = spanset.getArea()
            end = pixel_start + area
            if end > len(heavy_data):
                raise ImageFormatError(
                    name, "FOOTPRINT_HEAVY has fewer pixels than the heavy footprints' areas"
                )
            footprint = HeavyFootprint(footprint, *(p[pixel_start:end] for p in heavy_pixels))
            pixel_start = end
        objects[row] = footprint
