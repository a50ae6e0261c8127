"""Butler formatters for exposures, images, masks, masked images, their components and cameras (FITS).

Every formatter reads local files by path (seeking to the parts it needs) and other filesystems
through ``fs.open``; component reads never read pixels, and the ``bbox`` read parameter (PARENT
coordinates, or LOCAL ones with ``origin="LOCAL"``) reads only the rows it covers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from astropy.io import fits

from butler.formatters.base import Formatter, local_path

from .exposure_info import COMPONENT_NAMES
from .fits.exposure_fits import FORMAT_KEY, FORMAT_VERSION_KEY, ExposureFitsReader, _write, write_exposure, write_masked_image
from .fits.image_fits import read_camera, read_image, read_mask, write_camera, write_image, write_mask
from .fits.image_hdus import pixel_bbox, read_wcs
from .fits.reader import FitsReader
from .fits.tables import COMPONENT_EXTNAMES, component_to_table, table_to_component
from .geometry import Box2I
from .image import LOCAL, PARENT, ImageOrigin
from .wcs import wcs_from_header, wcs_to_header

__all__ = [
    "ExposureFormatter",
    "ImageFormatter",
    "MaskFormatter",
    "MaskedImageFormatter",
    "ComponentFormatter",
    "WcsFormatter",
    "CameraFormatter",
]

_FITS_EXTENSIONS = frozenset({".fits", ".fit", ".fits.fz"})
_BBOX_PARAMETERS = frozenset({"bbox", "origin"})


def _source(fs: Any, path: str) -> tuple[Any, Any]:
    """``(path_or_name, fs)`` for `FitsReader`: local paths are opened directly."""
    local = local_path(fs, path)
    return (local, None) if local is not None else (path, fs)


def _parent_bbox(parameters: Mapping[str, Any], xy0: Any) -> Box2I | None:
    """The PARENT bbox asked for by ``bbox`` (and ``origin``) read parameters."""
    bbox = parameters.get("bbox")
    if bbox is None:
        return None
    if not isinstance(bbox, Box2I):
        raise TypeError(f"the bbox read parameter must be a Box2I, not {type(bbox).__name__}")
    origin = parameters.get("origin", PARENT)
    if isinstance(origin, str):
        origin = ImageOrigin[origin.upper()]
    if origin is LOCAL:
        return bbox.shiftedBy(xy0 - type(xy0)(0, 0))
    return bbox


def _pixel_dtype(storage_class: Any, attribute: str) -> Any:
    """The numpy dtype the storage class's Python type fixes (None for the generic classes)."""
    pytype = storage_class.pytype
    if attribute == "exposure":
        flavour = getattr(pytype, "masked_image_type", None)
        pytype = getattr(flavour, "image_type", None) if flavour is not None else None
    elif attribute == "masked_image":
        pytype = getattr(pytype, "image_type", None)
    return getattr(pytype, "dtype", None) if pytype is not None else None


class _FitsFormatter(Formatter):
    default_extension = ".fits"
    supported_extensions = _FITS_EXTENSIONS

    def _conform(self, obj: Any, storage_class: Any, path: str) -> Any:
        # An absent component (no PSF, no WCS, no id) reads as None, as in LSST.
        return None if obj is None else super()._conform(obj, storage_class, path)

    def _write_fits(self, write: Any, obj: Any, fs: Any, path: str, **kwargs: Any) -> None:
        local = local_path(fs, path)
        if local is not None:
            write(obj, local, **kwargs)
        else:
            write(obj, path, fs=fs, **kwargs)


class ExposureFormatter(_FitsFormatter):
    """Exposures as multi-extension FITS (docs/file_formats.md).

    Write parameter ``compression``: ``"lossless"``, ``"lossy"`` or per-plane settings.
    """

    supported_write_parameters = frozenset({"compression"})
    supported_read_parameters = _BBOX_PARAMETERS
    readable_components = frozenset(COMPONENT_NAMES) | {"image", "mask", "variance", "metadata", "bbox",
                                                        "xy0", "dimensions", "id"}

    def _reader(self, fs: Any, path: str) -> ExposureFitsReader:
        source, filesystem = _source(fs, path)
        return ExposureFitsReader(source, fs=filesystem, name=path)

    def _read(self, fs: Any, path: str, parameters: Mapping[str, Any]) -> Any:
        with self._reader(fs, path) as reader:
            bbox = _parent_bbox(parameters, reader.readXY0()) if parameters else None
            return reader.read(bbox, _pixel_dtype(self.storage_class, "exposure"))

    def _read_component(self, fs: Any, path: str, component: str, parameters: Mapping[str, Any]) -> Any:
        with self._reader(fs, path) as reader:
            bbox = _parent_bbox(parameters, reader.readXY0()) if parameters else None
            if component == "image":
                return reader.readImage(bbox, _pixel_dtype(self.storage_class, "exposure"))
            if component == "mask":
                return reader.readMask(bbox)
            if component == "variance":
                return reader.readVariance(bbox)
            if component == "bbox":
                return bbox if bbox is not None else reader.readBBox()
            if component == "xy0":
                return (bbox or reader.readBBox()).getMin()
            if component == "dimensions":
                return (bbox or reader.readBBox()).getDimensions()
            return reader.readComponent(component)

    def _write(self, obj: Any, fs: Any, path: str) -> None:
        self._write_fits(write_exposure, obj, fs, path, compression=self.write_parameters.get("compression"))


class MaskedImageFormatter(_FitsFormatter):
    """Masked images as PRIMARY + IMAGE + MASK + VARIANCE (also reads exposure files)."""

    supported_write_parameters = frozenset({"compression"})
    supported_read_parameters = _BBOX_PARAMETERS
    readable_components = frozenset({"image", "mask", "variance", "bbox"})

    def _read(self, fs: Any, path: str, parameters: Mapping[str, Any]) -> Any:
        source, filesystem = _source(fs, path)
        with ExposureFitsReader(source, fs=filesystem, name=path) as reader:
            bbox = _parent_bbox(parameters, reader.readXY0()) if parameters else None
            return reader.readMaskedImage(bbox, _pixel_dtype(self.storage_class, "masked_image"))

    def _read_component(self, fs: Any, path: str, component: str, parameters: Mapping[str, Any]) -> Any:
        source, filesystem = _source(fs, path)
        with ExposureFitsReader(source, fs=filesystem, name=path) as reader:
            bbox = _parent_bbox(parameters, reader.readXY0()) if parameters else None
            if component == "bbox":
                return bbox if bbox is not None else reader.readBBox()
            return {"image": reader.readImage, "mask": reader.readMask, "variance": reader.readVariance}[component](bbox)

    def _write(self, obj: Any, fs: Any, path: str) -> None:
        self._write_fits(write_masked_image, obj, fs, path, compression=self.write_parameters.get("compression"))


class ImageFormatter(_FitsFormatter):
    """Single images in the primary HDU (an IMAGE extension when compressed)."""

    supported_write_parameters = frozenset({"compression"})
    supported_read_parameters = _BBOX_PARAMETERS
    readable_components = frozenset({"bbox", "xy0", "dimensions"})

    def _bbox(self, fs: Any, path: str) -> Box2I:
        source, filesystem = _source(fs, path)
        with FitsReader(source, fs=filesystem, name=path) as reader:
            info = reader.hdu("IMAGE", required=False) or reader.hdu(0)
            return pixel_bbox(reader, info)

    def _read(self, fs: Any, path: str, parameters: Mapping[str, Any]) -> Any:
        source, filesystem = _source(fs, path)
        bbox = _parent_bbox(parameters, self._bbox(fs, path).getMin()) if parameters.get("bbox") is not None else None
        return read_image(source, bbox, _pixel_dtype(self.storage_class, "image"), fs=filesystem)

    def _read_component(self, fs: Any, path: str, component: str, parameters: Mapping[str, Any]) -> Any:
        box = self._bbox(fs, path)
        if parameters.get("bbox") is not None:
            box = _parent_bbox(parameters, box.getMin())
        return {"bbox": box, "xy0": box.getMin(), "dimensions": box.getDimensions()}[component]

    def _write(self, obj: Any, fs: Any, path: str) -> None:
        self._write_fits(write_image, obj, fs, path, compression=self.write_parameters.get("compression"))


class MaskFormatter(ImageFormatter):
    """Single masks in the primary HDU with ``MP_<NAME>`` plane cards."""

    def _bbox(self, fs: Any, path: str) -> Box2I:
        source, filesystem = _source(fs, path)
        with FitsReader(source, fs=filesystem, name=path) as reader:
            info = reader.hdu("MASK", required=False) or reader.hdu(0)
            return pixel_bbox(reader, info)

    def _read(self, fs: Any, path: str, parameters: Mapping[str, Any]) -> Any:
        source, filesystem = _source(fs, path)
        bbox = _parent_bbox(parameters, self._bbox(fs, path).getMin()) if parameters.get("bbox") is not None else None
        return read_mask(source, bbox, fs=filesystem)

    def _write(self, obj: Any, fs: Any, path: str) -> None:
        self._write_fits(write_mask, obj, fs, path, compression=self.write_parameters.get("compression"))


def _component_name_of(obj: Any) -> str:
    from .ap_corr import ApCorrMap
    from .detector import Detector
    from .filter_label import FilterLabel
    from .photo_calib import PhotoCalib
    from .psf import Psf
    from .summary_stats import ExposureSummaryStats
    from .visit_info import VisitInfo

    for kind, name in ((Psf, "psf"), (PhotoCalib, "photoCalib"), (ApCorrMap, "apCorrMap"), (VisitInfo, "visitInfo"),
                       (Detector, "detector"), (FilterLabel, "filter"), (ExposureSummaryStats, "summaryStats")):
        if isinstance(obj, kind):
            return name
    raise TypeError(f"no FITS component table layout for a {type(obj).__name__}")


class ComponentFormatter(_FitsFormatter):
    """One exposure component on its own: PRIMARY (``COMPNAME`` card) plus that component's table.

    The table is the same one an exposure file holds (PSF, PHOTOCALIB, APCORR, VISITINFO,
    DETECTOR, FILTER or SUMMARYSTATS); an exposure file can be read with this formatter too.
    """

    def _read(self, fs: Any, path: str, parameters: Mapping[str, Any]) -> Any:
        source, filesystem = _source(fs, path)
        with FitsReader(source, fs=filesystem, name=path) as reader:
            component = str(reader.hdu(0).header.get("COMPNAME", ""))
            if component not in COMPONENT_EXTNAMES:
                component = self._component_from_storage_class(reader)
            return table_to_component(component, reader.read_table(COMPONENT_EXTNAMES[component]), path)

    def _component_from_storage_class(self, reader: FitsReader) -> str:
        wanted = {"Psf": "psf", "PhotoCalib": "photoCalib", "ApCorrMap": "apCorrMap", "VisitInfo": "visitInfo",
                  "Detector": "detector", "FilterLabel": "filter", "ExposureSummaryStats": "summaryStats"}
        name = wanted.get(self.storage_class.name)
        if name is None:
            raise reader.error(f"no COMPNAME card and storage class {self.storage_class.name} names no component")
        return name

    def _write(self, obj: Any, fs: Any, path: str) -> None:
        component = _component_name_of(obj)
        primary = fits.PrimaryHDU()
        primary.header[FORMAT_KEY] = "COMPONENT"
        primary.header[FORMAT_VERSION_KEY] = 1
        primary.header["COMPNAME"] = component
        hdus = fits.HDUList([primary, component_to_table(component, obj)])
        self._write_fits(lambda o, dest, fs=None: _write(o, dest, fs), hdus, fs, path)


class WcsFormatter(_FitsFormatter):
    """A WCS as the cards of an empty primary HDU (readable from any image or exposure file too)."""

    def _read(self, fs: Any, path: str, parameters: Mapping[str, Any]) -> Any:
        source, filesystem = _source(fs, path)
        with FitsReader(source, fs=filesystem, name=path) as reader:
            primary = reader.hdu(0)
            wcs = wcs_from_header(primary.header.astropy)
            if wcs is None:
                image = reader.hdu("IMAGE", required=False)
                wcs = read_wcs(image) if image is not None else None
            if wcs is None:
                raise reader.error("no celestial WCS in the primary or IMAGE header")
            return wcs

    def _write(self, obj: Any, fs: Any, path: str) -> None:
        header = wcs_to_header(obj, (0, 0))
        primary = fits.PrimaryHDU(header=header)
        primary.header[FORMAT_KEY] = "WCS"
        self._write_fits(lambda o, dest, fs=None: _write(o, dest, fs), fits.HDUList([primary]), fs, path)


class CameraFormatter(_FitsFormatter):
    """Cameras: PRIMARY plus one DETECTOR table per detector."""

    def _read(self, fs: Any, path: str, parameters: Mapping[str, Any]) -> Any:
        source, filesystem = _source(fs, path)
        return read_camera(source, fs=filesystem)

    def _write(self, obj: Any, fs: Any, path: str) -> None:
        self._write_fits(write_camera, obj, fs, path)

