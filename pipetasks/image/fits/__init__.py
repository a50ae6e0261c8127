"""FITS persistence of images, masks, exposures and cameras (layout: docs/file_formats.md)."""

from .exposure_fits import ExposureFitsReader, read_exposure, read_masked_image, write_exposure, write_masked_image
from .image_fits import read_camera, read_image, read_image_wcs, read_mask, write_camera, write_image, write_mask
from .reader import FitsReader

__all__ = [
    "ExposureFitsReader",
    "FitsReader",
    "read_camera",
    "read_exposure",
    "read_image",
    "read_image_wcs",
    "read_mask",
    "read_masked_image",
    "write_camera",
    "write_exposure",
    "write_image",
    "write_mask",
    "write_masked_image",
]
