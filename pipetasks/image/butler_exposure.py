"""Storage classes and formatters this module's types register with the butler (entry point).

Registered through ``[project.entry-points."butler.storage_classes"] pipetasks-image`` in
pyproject.toml; the butler never imports pipetasks. Names follow LSST's daf_butler/obs_base
configuration (``ExposureF``, ``ImageF``, ``MaskX``, ``Psf``, ``Wcs``, ...), so LSST dataset type
definitions keep working.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from butler.storage_class import StorageClassDelegate

__all__ = ["storage_class_config", "ExposureDelegate", "ImageDelegate"]

_PKG = "pipetasks.image"
_FORMATTERS = f"{_PKG}.image_formatters"


class ImageDelegate(StorageClassDelegate):
    """Components and the ``bbox``/``origin`` parameters of in-memory images, masked images and exposures."""

    _DERIVED = {
        "bbox": lambda obj: obj.getBBox(),
        "xy0": lambda obj: obj.getXY0(),
        "dimensions": lambda obj: obj.getDimensions(),
    }

    def getComponent(self, obj: Any, name: str) -> Any:
        if name in self._DERIVED:
            return self._DERIVED[name](obj)
        if name in ("image", "mask", "variance"):
            return getattr(obj, name)
        if name == "id":
            return obj.getId()
        return super().getComponent(obj, name)

    def handleParameters(self, obj: Any, parameters: Mapping[str, Any] | None) -> Any:
        if not parameters:
            return obj
        from .image import ImageOrigin

        bbox = parameters.get("bbox")
        if bbox is None:
            return obj
        origin = parameters.get("origin", "PARENT")
        origin = ImageOrigin[origin.upper()] if isinstance(origin, str) else origin
        return obj.subset(bbox, origin).clone() if hasattr(obj, "subset") else obj[bbox]


ExposureDelegate = ImageDelegate


def _image_class(name: str, pytype: str) -> dict[str, Any]:
    return {
        "pytype": pytype,
        "delegate": f"{_PKG}.butler_exposure.ImageDelegate",
        "parameters": ["bbox", "origin"],
        "derivedComponents": {"bbox": "Box2I", "xy0": "Point2I", "dimensions": "Extent2I"},
        "converters": {"numpy.ndarray": f"{_PKG}.butler_exposure.{name.lower()}_from_array"}
        if name.startswith("Image") and name != "Image"
        else {},
    }


def _masked_image_class(pytype: str, image: str) -> dict[str, Any]:
    return {
        "pytype": pytype,
        "delegate": f"{_PKG}.butler_exposure.ImageDelegate",
        "parameters": ["bbox", "origin"],
        "components": {"image": image, "mask": "MaskX", "variance": "ImageF" if image != "ImageD" else "ImageD"},
        "derivedComponents": {"bbox": "Box2I", "xy0": "Point2I", "dimensions": "Extent2I"},
    }


def _exposure_class(pytype: str, image: str) -> dict[str, Any]:
    return {
        "pytype": pytype,
        "delegate": f"{_PKG}.butler_exposure.ImageDelegate",
        "parameters": ["bbox", "origin"],
        "components": {
            "image": image,
            "mask": "MaskX",
            "variance": "ImageF" if image != "ImageD" else "ImageD",
            "wcs": "Wcs",
            "psf": "Psf",
            "photoCalib": "PhotoCalib",
            "apCorrMap": "ApCorrMap",
            "visitInfo": "VisitInfo",
            "detector": "Detector",
            "filter": "FilterLabel",
            "summaryStats": "ExposureSummaryStats",
            "metadata": "PropertyList",
        },
        "derivedComponents": {"bbox": "Box2I", "xy0": "Point2I", "dimensions": "Extent2I", "id": "int"},
    }


def storage_class_config() -> dict[str, Any]:
    """The ``butler.storage_classes`` entry-point mapping (see `butler.storage_class`)."""
    exposure_types = {"Exposure": "Image", "ExposureF": "ImageF", "ExposureD": "ImageD", "ExposureI": "ImageI",
                      "ExposureU": "ImageU"}
    storage: dict[str, Any] = {
        "Box2I": {"pytype": f"{_PKG}.geometry.Box2I"},
        "Point2I": {"pytype": f"{_PKG}.geometry.Point2I"},
        "Extent2I": {"pytype": f"{_PKG}.geometry.Extent2I"},
        "PropertyList": {"pytype": "astropy.io.fits.Header"},
        "Image": _image_class("Image", f"{_PKG}.image.Image"),
        "ImageF": _image_class("ImageF", f"{_PKG}.image.ImageF"),
        "ImageD": _image_class("ImageD", f"{_PKG}.image.ImageD"),
        "ImageI": _image_class("ImageI", f"{_PKG}.image.ImageI"),
        "ImageU": _image_class("ImageU", f"{_PKG}.image.ImageU"),
        "MaskX": _image_class("MaskX", f"{_PKG}.mask.Mask"),
        "MaskedImage": _masked_image_class(f"{_PKG}.masked_image.MaskedImage", "Image"),
        "MaskedImageF": _masked_image_class(f"{_PKG}.masked_image.MaskedImageF", "ImageF"),
        "MaskedImageD": _masked_image_class(f"{_PKG}.masked_image.MaskedImageD", "ImageD"),
        "Wcs": {"pytype": "astropy.wcs.WCS"},
        "Psf": {"pytype": f"{_PKG}.psf.Psf"},
        "PhotoCalib": {"pytype": f"{_PKG}.photo_calib.PhotoCalib"},
        "ApCorrMap": {"pytype": f"{_PKG}.ap_corr.ApCorrMap"},
        "VisitInfo": {"pytype": f"{_PKG}.visit_info.VisitInfo"},
        "Detector": {"pytype": f"{_PKG}.detector.Detector"},
        "Camera": {"pytype": f"{_PKG}.camera.Camera"},
        "FilterLabel": {"pytype": f"{_PKG}.filter_label.FilterLabel"},
        "ExposureSummaryStats": {"pytype": f"{_PKG}.summary_stats.ExposureSummaryStats"},
    }
    for name, image in exposure_types.items():
        storage[name] = _exposure_class(f"{_PKG}.exposure.{name}", image)
    formatters: dict[str, Any] = {name: f"{_FORMATTERS}.ExposureFormatter" for name in exposure_types}
    formatters.update({name: f"{_FORMATTERS}.ImageFormatter" for name in ("Image", "ImageF", "ImageD", "ImageI", "ImageU")})
    formatters.update({name: f"{_FORMATTERS}.MaskedImageFormatter" for name in ("MaskedImage", "MaskedImageF", "MaskedImageD")})
    formatters["MaskX"] = f"{_FORMATTERS}.MaskFormatter"
    formatters["Wcs"] = f"{_FORMATTERS}.WcsFormatter"
    formatters["Camera"] = f"{_FORMATTERS}.CameraFormatter"
    for name in ("Psf", "PhotoCalib", "ApCorrMap", "VisitInfo", "Detector", "FilterLabel", "ExposureSummaryStats"):
        formatters[name] = f"{_FORMATTERS}.ComponentFormatter"
    return {"storageClasses": storage, "formatters": formatters}


def _from_array(flavour: str, array: Any) -> Any:
    from . import image

    return getattr(image, flavour)(array)


def imagef_from_array(array: Any) -> Any:
    """Converter: a 2-d numpy array as an `ImageF` (xy0 = 0)."""
    return _from_array("ImageF", array)


def imaged_from_array(array: Any) -> Any:
    return _from_array("ImageD", array)


def imagei_from_array(array: Any) -> Any:
    return _from_array("ImageI", array)


def imageu_from_array(array: Any) -> Any:
    return _from_array("ImageU", array)
