"""Image, mask and variance HDUs: pixels plus ``xy0``, WCS and mask-plane cards; optional tile compression.

Write side: `image_hdu` / `mask_hdu` build astropy HDUs. Read side: `read_pixels` turns an HDU
of a `FitsReader` into an `Image` or `Mask`, reading only the rows of a ``bbox``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.io.fits.verify import VerifyWarning
from astropy.wcs import WCS

from ..errors import ImageBoundsError
from ..geometry import Box2I, Point2I
from ..image import ImageBase, image_type_for
from ..mask import Mask
from ..wcs import wcs_from_header, wcs_to_header, xy0_cards, xy0_from_header
from .reader import FitsReader, HduInfo

__all__ = [
    "COMPRESSION_PRESETS",
    "image_hdu",
    "mask_hdu",
    "read_pixels",
    "pixel_bbox",
    "mask_planes_from_header",
    "resolve_compression",
    "read_wcs",
]

COMPRESSION_PRESETS: dict[str, dict[str, dict[str, Any] | None]] = {
    "none": {"image": None, "mask": None, "variance": None},
    "lossless": {
        "image": {"algorithm": "GZIP_2", "quantize_level": 0.0},
        "mask": {"algorithm": "RICE_1"},
        "variance": {"algorithm": "GZIP_2", "quantize_level": 0.0},
    },
    "lossy": {
        "image": {"algorithm": "RICE_1", "quantize_level": 16.0, "quantize_method": 2, "dither_seed": -1},
        "mask": {"algorithm": "RICE_1"},
        "variance": {"algorithm": "RICE_1", "quantize_level": 16.0, "quantize_method": 2, "dither_seed": -1},
    },
}
"""Named compression settings per plane. ``lossy`` quantises floats (RICE, q = 16, dither 2, seed from
the data checksum so output is deterministic); masks are always compressed losslessly."""

_ALGORITHMS = {"RICE_1", "GZIP_1", "GZIP_2", "HCOMPRESS_1", "PLIO_1", "NOCOMPRESS"}


def resolve_compression(compression: Any) -> dict[str, dict[str, Any] | None]:
    """Per-plane settings from a preset name, `None`, or a ``{"image"|"mask"|"variance": settings}`` dict.

    Raises
    ------
    ValueError
        For an unknown preset, plane or algorithm, with the valid choices.
    """
    if compression is None:
        return dict(COMPRESSION_PRESETS["none"])
    if isinstance(compression, str):
        if compression not in COMPRESSION_PRESETS:
            raise ValueError(f"unknown compression preset {compression!r}; valid: {sorted(COMPRESSION_PRESETS)}")
        return dict(COMPRESSION_PRESETS[compression])
    result: dict[str, dict[str, Any] | None] = dict(COMPRESSION_PRESETS["none"])
    for plane, settings in dict(compression).items():
        if plane not in result:
            raise ValueError(f"compression plane must be one of image, mask, variance, not {plane!r}")
        if settings is not None:
            algorithm = settings.get("algorithm", "RICE_1")
            if algorithm not in _ALGORITHMS:
                raise ValueError(f"unknown compression algorithm {algorithm!r}; valid: {sorted(_ALGORITHMS)}")
        result[plane] = None if settings is None else dict(settings)
    return result


def _make_hdu(array: np.ndarray, header: fits.Header, extname: str | None, primary: bool,
              compression: dict[str, Any] | None) -> Any:
    if compression is not None and not primary:
        options = dict(compression)
        algorithm = options.pop("algorithm", "RICE_1")
        kwargs: dict[str, Any] = {"compression_type": algorithm}
        for key in ("quantize_level", "quantize_method", "dither_seed", "tile_shape", "hcomp_scale", "hcomp_smooth"):
            if key in options:
                kwargs[key] = tuple(options[key]) if key == "tile_shape" else options[key]
        if "tile_shape" not in kwargs:
            kwargs["tile_shape"] = (1, array.shape[1]) if array.ndim == 2 and array.shape[1] else None
        return fits.CompImageHDU(data=array, header=header, name=extname, **kwargs)
    if primary:
        hdu = fits.PrimaryHDU(data=array, header=header)
    else:
        hdu = fits.ImageHDU(data=array, header=header, name=extname)
    return hdu


def _geometry_header(xy0: Point2I, wcs: WCS | None) -> fits.Header:
    return wcs_to_header(wcs, xy0) if wcs is not None else xy0_cards(xy0)


def image_hdu(
    image: ImageBase,
    extname: str | None,
    wcs: WCS | None = None,
    primary: bool = False,
    compression: dict[str, Any] | None = None,
    extra: fits.Header | None = None,
) -> Any:
    """An HDU for an image's pixels with its ``xy0`` and (optionally) WCS cards."""
    header = fits.Header()
    if extra is not None:
        header.extend(extra, update=True)
    header.extend(_geometry_header(image.getXY0(), wcs), update=True)
    if extname is not None:
        header["EXTNAME"] = extname
    array = image.array
    if array.dtype == np.uint16 and compression is None:
        header["BZERO"] = 32768
    return _make_hdu(array, header, extname, primary, compression)


def mask_hdu(
    mask: Mask,
    extname: str | None,
    wcs: WCS | None = None,
    primary: bool = False,
    compression: dict[str, Any] | None = None,
) -> Any:
    """An HDU for a mask, with one ``MP_<NAME> = bit`` card per plane (HIERARCH for long names)."""
    planes = fits.Header()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VerifyWarning)
        for name, bit in sorted(mask.getMaskPlaneDict().items(), key=lambda kv: kv[1]):
            planes[f"MP_{name}"] = (bit, "mask plane bit")
    return image_hdu(mask, extname, wcs, primary, compression, extra=planes)


def mask_planes_from_header(header: fits.Header) -> dict[str, int]:
    """``{name: bit}`` from the ``MP_<NAME>`` cards of a mask HDU header."""
    return {key[3:]: int(header[key]) for key in header.keys() if key.startswith("MP_")}


def pixel_bbox(reader: FitsReader, info: HduInfo) -> Box2I:
    """PARENT bbox of an image HDU from its shape and ``xy0`` cards."""
    height, width = reader.image_shape(info)
    return Box2I.from_xywh(*xy0_from_header(info.header), width, height)


def read_pixels(
    reader: FitsReader, info: HduInfo, bbox: Box2I | None = None, kind: str = "image", dtype: Any = None
) -> ImageBase:
    """The `Image` (``kind="image"``) or `Mask` (``kind="mask"``) in an HDU, optionally cut to ``bbox``.

    Raises
    ------
    ImageBoundsError
        If ``bbox`` is not inside the HDU's PARENT bbox.
    """
    full = pixel_bbox(reader, info)
    rows = cols = None
    origin = full.getMin()
    if bbox is not None:
        if not full.contains(bbox) or bbox.isEmpty():
            raise ImageBoundsError(f"bbox {bbox} is not inside the stored image's bbox {full} in {reader.name}")
        rows, cols = bbox.slices(full.getMin())
        origin = bbox.getMin()
    array = reader.read_image(info, rows, cols)
    if kind == "mask":
        mask = Mask(array.astype(np.int32, copy=False), xy0=origin, planeDefs=mask_planes_from_header(info.header))
        mask.conformMaskPlanes()
        return mask
    if dtype is not None and array.dtype != np.dtype(dtype):
        array = array.astype(dtype)
    elif array.dtype.kind in "iub" and array.dtype not in (np.int32, np.int64, np.uint16):
        # external files: int8/uint8/int16 become ImageI, uint32/uint64 ImageL
        array = array.astype(np.int32 if array.dtype.itemsize < 4 else np.int64)
    elif array.dtype.kind == "f" and array.dtype.itemsize < 4:
        array = array.astype(np.float32)
    return image_type_for(array.dtype)(array, xy0=origin)


def read_wcs(info: HduInfo) -> WCS | None:
    """The WCS of an image HDU in PARENT coordinates (`None` if the header has none)."""
    if "CTYPE1" not in info.header:
        return None
    header = info.header.astropy
    if info.is_compressed_image:
        header = _uncompressed_header(header)
    return wcs_from_header(header)


def _uncompressed_header(header: fits.Header) -> fits.Header:
    """The image header inside a tile-compressed table header (Z-keywords mapped back)."""
    plain = fits.Header()
    skip = {"XTENSION", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "PCOUNT", "GCOUNT", "TFIELDS", "THEAP"}
    for card in header.cards:
        key = card.keyword
        if key in skip or key.startswith(("TTYPE", "TFORM", "TUNIT", "TDIM", "ZTILE", "ZNAME", "ZVAL")):
            continue
        if key in ("ZIMAGE", "ZCMPTYPE", "ZQUANTIZ", "ZDITHER0", "ZSIMPLE", "ZTENSION", "ZEXTEND",
                   "ZBLOCKED", "ZPCOUNT", "ZGCOUNT", "ZHECKSUM", "ZDATASUM"):
            continue
        if key == "ZBITPIX":
            plain["BITPIX"] = card.value
        elif key.startswith("ZNAXIS"):
            plain["NAXIS" + key[6:]] = card.value
        else:
            plain.append(card)
    return plain
