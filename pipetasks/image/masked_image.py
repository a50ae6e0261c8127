"""`MaskedImage`: an image, its mask and its variance over the same pixels (LSST ``afw.image.MaskedImage``).

``masked_image[bbox]`` is a view: the three planes of the result share memory with the original.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from .geometry import Box2I, Extent2I, Point2I
from .image import PARENT, Image, ImageBase, ImageD, ImageF, ImageI, ImageOrigin, ImageU, image_type_for
from .mask import Mask

__all__ = ["MaskedImage", "MaskedImageF", "MaskedImageD", "MaskedImageI", "MaskedImageU"]


class MaskedImage:
    """Image, mask and variance planes of identical bbox.

    Parameters
    ----------
    *args
        Either ``image[, mask[, variance]]`` (missing planes are made as zeros with the image's
        bbox), or the geometry forms of `Image`: ``width, height``; ``Extent2I``; ``Box2I``.
        ``MaskedImage(other_masked_image[, bbox[, origin]], deep=...)`` copies or views another.
    deep : `bool`
        Copy the planes given instead of sharing them.

    Raises
    ------
    ValueError
        If the planes' bboxes differ.
    """

    image_type: ClassVar[type[Image]] = ImageF

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is MaskedImage and args and isinstance(args[0], Image):
            flavour = _MASKED_TYPES.get(args[0].array.dtype)
            if flavour is not None:
                return object.__new__(flavour)
        return object.__new__(cls)

    def __init__(self, *args: Any, deep: bool = False, dtype: Any = None):
        pixel_type = image_type_for(dtype) if dtype is not None else type(self).image_type
        first = args[0] if args else None
        if isinstance(first, MaskedImage):
            rest = args[1:]
            self._image = type(first._image)(first._image, *rest, deep=deep)
            self._mask = Mask(first._mask, *rest, deep=deep)
            self._variance = type(first._variance)(first._variance, *rest, deep=deep)
        elif isinstance(first, Image):
            image = first
            mask = args[1] if len(args) > 1 else None
            variance = args[2] if len(args) > 2 else None
            self._image = type(image)(image, deep=deep) if deep else image
            box = image.getBBox()
            self._mask = Mask(box) if mask is None else (Mask(mask, deep=True) if deep else mask)
            if variance is None:
                self._variance = type(self)._variance_type_for(image)(box)
            else:
                self._variance = type(variance)(variance, deep=True) if deep else variance
            for name, plane in (("mask", self._mask), ("variance", self._variance)):
                if plane.getBBox() != box:
                    raise ValueError(f"the {name} bbox {plane.getBBox()} differs from the image bbox {box}")
        else:
            self._image = pixel_type(*args)
            box = self._image.getBBox()
            self._mask = Mask(box)
            self._variance = self._variance_type_for(self._image)(box)

    @staticmethod
    def _variance_type_for(image: Image) -> type[Image]:
        return ImageD if image.array.dtype == np.float64 else ImageF

    # -- planes -------------------------------------------------------------

    def getImage(self) -> Image:
        return self._image

    def getMask(self) -> Mask:
        return self._mask

    def getVariance(self) -> Image:
        return self._variance

    def _set_plane(self, attr: str, value: Any) -> None:
        plane = getattr(self, attr)
        if isinstance(value, ImageBase):
            if value.getBBox() != plane.getBBox():
                raise ValueError(f"cannot set {attr[1:]} with bbox {value.getBBox()} on {plane.getBBox()}")
            value = value.array
        plane.array[...] = value

    def setImage(self, value: Any) -> None:
        self._set_plane("_image", value)

    def setMask(self, value: Any) -> None:
        self._set_plane("_mask", value)

    def setVariance(self, value: Any) -> None:
        self._set_plane("_variance", value)

    image = property(getImage, setImage, doc="The image plane (assigning copies pixels in).")
    mask = property(getMask, setMask, doc="The mask plane (assigning copies pixels in).")
    variance = property(getVariance, setVariance, doc="The variance plane (assigning copies pixels in).")

    def getArrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(image, mask, variance)`` numpy arrays."""
        return self._image.array, self._mask.array, self._variance.array

    # -- geometry -----------------------------------------------------------

    def getBBox(self, origin: ImageOrigin = PARENT) -> Box2I:
        return self._image.getBBox(origin)

    def getXY0(self) -> Point2I:
        return self._image.getXY0()

    def setXY0(self, x: Any, y: Any = None) -> None:
        for plane in (self._image, self._mask, self._variance):
            plane.setXY0(x, y)

    def getX0(self) -> int:
        return self._image.getX0()

    def getY0(self) -> int:
        return self._image.getY0()

    def getDimensions(self) -> Extent2I:
        return self._image.getDimensions()

    def getWidth(self) -> int:
        return self._image.getWidth()

    def getHeight(self) -> int:
        return self._image.getHeight()

    width = property(getWidth)
    height = property(getHeight)

    # -- views and copies ---------------------------------------------------------

    def _from_planes(self, image: Image, mask: Mask, variance: Image) -> MaskedImage:
        new = object.__new__(type(self))
        new._image, new._mask, new._variance = image, mask, variance
        return new

    def subset(self, bbox: Box2I, origin: ImageOrigin = PARENT) -> MaskedImage:
        """A view of ``bbox`` (no pixel copies)."""
        return self._from_planes(
            self._image.subset(bbox, origin), self._mask.subset(bbox, origin), self._variance.subset(bbox, origin)
        )

    def __getitem__(self, key: Any) -> Any:
        """``mi[bbox]`` -> view; ``mi[x, y]`` -> ``(image, mask, variance)`` values at that pixel."""
        if isinstance(key, Box2I) or (isinstance(key, tuple) and key and isinstance(key[0], (Box2I, slice))):
            box = self._image._key_to_bbox(key)
            assert box is not None
            return self.subset(*box)
        return (self._image[key], self._mask[key], self._variance[key])

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(value, MaskedImage):
            self._image[key] = value.image
            self._mask[key] = value.mask
            self._variance[key] = value.variance
        elif isinstance(value, tuple):
            self._image[key], self._mask[key], self._variance[key] = value
        else:
            self._image[key] = value

    def set(self, value: float, mask: int = 0, variance: float = 0.0) -> None:
        """Set every pixel of the three planes."""
        self._image.set(value)
        self._mask.set(mask)
        self._variance.set(variance)

    def assign(self, rhs: MaskedImage, bbox: Box2I | None = None, origin: ImageOrigin = PARENT) -> None:
        """Copy ``rhs``'s three planes into ``bbox`` (the whole image by default)."""
        self._image.assign(rhs.image, bbox, origin)
        self._mask.assign(rhs.mask, bbox, origin)
        self._variance.assign(rhs.variance, bbox, origin)

    def clone(self) -> MaskedImage:
        """A deep copy."""
        return self._from_planes(self._image.clone(), self._mask.clone(), self._variance.clone())

    def __deepcopy__(self, memo: Any) -> MaskedImage:
        return self.clone()

    # -- arithmetic (variance propagated, masks OR-ed) -----------------------

    def __iadd__(self, other: Any) -> MaskedImage:
        if isinstance(other, MaskedImage):
            self._image += other.image
            self._mask |= other.mask
            self._variance += other.variance
        else:
            self._image += other
        return self

    def __isub__(self, other: Any) -> MaskedImage:
        if isinstance(other, MaskedImage):
            self._image -= other.image
            self._mask |= other.mask
            self._variance += other.variance
        else:
            self._image -= other
        return self

    def __imul__(self, other: Any) -> MaskedImage:
        if isinstance(other, MaskedImage):
            a, b = self._image.array.copy(), other.image.array
            self._variance.array[...] = self._variance.array * b**2 + other.variance.array * a**2
            self._image *= other.image
            self._mask |= other.mask
        else:
            scale = other.array if isinstance(other, ImageBase) else other
            self._image *= scale
            self._variance *= np.square(scale)
        return self

    def __itruediv__(self, other: Any) -> MaskedImage:
        if isinstance(other, MaskedImage):
            a, b = self._image.array.copy(), other.image.array
            self._variance.array[...] = (self._variance.array + other.variance.array * (a / b) ** 2) / b**2
            self._image /= other.image
            self._mask |= other.mask
        else:
            scale = other.array if isinstance(other, ImageBase) else other
            self._image /= scale
            self._variance /= np.square(scale)
        return self

    def scaledPlus(self, scale: float, other: MaskedImage) -> None:
        """``self += scale * other`` with variance ``+= scale**2 * var``."""
        self._image.scaledPlus(scale, other.image)
        self._mask |= other.mask
        self._variance.scaledPlus(scale * scale, other.variance)

    def scaledMinus(self, scale: float, other: MaskedImage) -> None:
        self._image.scaledMinus(scale, other.image)
        self._mask |= other.mask
        self._variance.scaledPlus(scale * scale, other.variance)

    def writeFits(self, path: Any, metadata: Any = None, compression: Any = None) -> None:
        """Write PRIMARY + IMAGE + MASK + VARIANCE HDUs."""
        from .fits import write_masked_image

        write_masked_image(self, path, metadata=metadata, compression=compression)

    @classmethod
    def readFits(cls, path: Any, bbox: Box2I | None = None) -> MaskedImage:
        """Read a masked-image or exposure file (optionally a PARENT ``bbox``)."""
        from .fits import ExposureFitsReader

        with ExposureFitsReader(path) as reader:
            return reader.readMaskedImage(bbox, cls.image_type.dtype if cls is not MaskedImage else None)

    # -- display ------------------------------------------------------------

    def __repr__(self) -> str:
        box = self.getBBox()
        return (
            f"{type(self).__name__}({box.getWidth()}x{box.getHeight()}, xy0=({box.getMinX()}, {box.getMinY()}), "
            f"dtype={self._image.array.dtype})"
        )

    def _repr_html_(self) -> str:
        from .display import html_summary

        return html_summary(self)

    def plot(self, **kwargs: Any) -> Any:
        """Show the image (with mask overlay) using `pipetasks.image.display.display`."""
        from .display import display

        return display(self, **kwargs)


class MaskedImageF(MaskedImage):
    """Float32 image and variance."""

    image_type = ImageF


class MaskedImageD(MaskedImage):
    """Float64 image and variance."""

    image_type = ImageD


class MaskedImageI(MaskedImage):
    """Int32 image with a float32 variance."""

    image_type = ImageI


class MaskedImageU(MaskedImage):
    """Uint16 image with a float32 variance."""

    image_type = ImageU


_MASKED_TYPES: dict[np.dtype, type[MaskedImage]] = {
    flavour.image_type.dtype: flavour  # type: ignore[misc]
    for flavour in (MaskedImageF, MaskedImageD, MaskedImageI, MaskedImageU)
}


def masked_image_type_for(dtype: Any) -> type[MaskedImage]:
    """The `MaskedImage` flavour whose image holds ``dtype`` pixels."""
    try:
        return _MASKED_TYPES[np.dtype(dtype)]
    except KeyError:
        raise TypeError(f"no MaskedImage flavour for dtype {np.dtype(dtype)}") from None
