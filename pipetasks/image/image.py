"""Pixel arrays with an origin: `Image` and its typed flavours `ImageF`, `ImageD`, `ImageI`, `ImageU`.

An image is a 2-d numpy array (shape ``(height, width)``, indexed ``array[y, x]``) plus ``xy0``, the
PARENT coordinates of ``array[0, 0]``. Boxes and pixel positions are in PARENT coordinates unless
``LOCAL`` is passed, as in LSST afw. ``image[bbox]`` is a view sharing memory with ``image``.

Examples
--------
>>> img = ImageF(Box2I(Point2I(100, 200), Extent2I(4, 3)))
>>> sub = img[Box2I(Point2I(101, 201), Extent2I(2, 2))]
>>> sub += 1.0
>>> float(img.array.sum()), sub.getXY0()
(4.0, Point2I(101, 201))
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar

import numpy as np

from .errors import ImageBoundsError
from .geometry import Box2I, Extent2I, Point2I

__all__ = [
    "ImageOrigin",
    "PARENT",
    "LOCAL",
    "ImageBase",
    "Image",
    "ImageF",
    "ImageD",
    "ImageI",
    "ImageU",
    "ImageL",
]


class ImageOrigin(enum.Enum):
    """Whether boxes and positions are in PARENT coordinates (include ``xy0``) or LOCAL ones (array)."""

    PARENT = 0
    LOCAL = 1


PARENT = ImageOrigin.PARENT
LOCAL = ImageOrigin.LOCAL


class ImageBase:
    """An array with an origin; the geometry shared by `Image` and `~pipetasks.image.mask.Mask`.

    Parameters
    ----------
    *args
        One of: nothing (0x0); ``width, height[, initialValue]``; ``Extent2I[, initialValue]``;
        ``Box2I[, initialValue]`` (sets ``xy0``); a 2-d ``numpy.ndarray``; another image, optionally
        followed by a ``Box2I`` (and an `ImageOrigin`) selecting a sub-region.
    deep : `bool`
        Copy pixels from an array or image instead of sharing them.
    xy0 : `Point2I` or `tuple`, optional
        Origin for an image made from an array.
    dtype : numpy dtype, optional
        Only for the generic class (`Image`): the pixel type.
    """

    dtype: ClassVar[np.dtype | None] = None
    _by_dtype: ClassVar[dict[np.dtype, type]] = {}

    def __init__(self, *args: Any, deep: bool = False, xy0: Any = None, dtype: Any = None):
        pixel_type = np.dtype(dtype) if dtype is not None else self.dtype
        array, origin = self._array_from_args(args, deep, pixel_type)
        if xy0 is not None:
            origin = Point2I(xy0)
        self._array: np.ndarray = array
        self._xy0: Point2I = origin

    # -- construction ------------------------------------------------------

    @classmethod
    def _array_from_args(
        cls, args: tuple[Any, ...], deep: bool, pixel_type: np.dtype | None
    ) -> tuple[np.ndarray, Point2I]:
        pixel_type = pixel_type if pixel_type is not None else np.dtype(np.float32)
        if not args:
            return np.zeros((0, 0), dtype=pixel_type), Point2I(0, 0)
        first, rest = args[0], args[1:]
        if isinstance(first, ImageBase):
            origin = first.getXY0()
            source = first.array
            if rest and isinstance(rest[0], Box2I):
                where = rest[1] if len(rest) > 1 else PARENT
                source = first._subarray(rest[0], where)
                origin = rest[0].getMin() if where is PARENT else rest[0].getMin() + (origin - Point2I(0, 0))
            array = np.array(source, dtype=pixel_type) if deep else cls._as_type(source, pixel_type)
            return array, origin
        if isinstance(first, np.ndarray):
            if first.ndim != 2:
                raise ValueError(f"an image needs a 2-d array (height, width), not shape {first.shape}")
            array = np.array(first, dtype=pixel_type) if deep else cls._as_type(first, pixel_type)
            return array, Point2I(0, 0)
        if isinstance(first, Box2I):
            array = cls._filled(first.getHeight(), first.getWidth(), pixel_type, rest)
            return array, first.getMin()
        if isinstance(first, Extent2I):
            return cls._filled(first.y, first.x, pixel_type, rest), Point2I(0, 0)
        if isinstance(first, (int, np.integer)) and rest and isinstance(rest[0], (int, np.integer)):
            return cls._filled(int(rest[0]), int(first), pixel_type, rest[1:]), Point2I(0, 0)
        raise TypeError(
            f"cannot make a {cls.__name__} from {tuple(type(a).__name__ for a in args)}; give "
            "(width, height), an Extent2I, a Box2I, a 2-d numpy array or another image"
        )

    @staticmethod
    def _as_type(array: np.ndarray, pixel_type: np.dtype) -> np.ndarray:
        if array.dtype == pixel_type:
            return array
        return array.astype(pixel_type)

    @staticmethod
    def _filled(height: int, width: int, pixel_type: np.dtype, rest: tuple[Any, ...]) -> np.ndarray:
        if height < 0 or width < 0:
            raise ValueError(f"image dimensions must not be negative, got {width} x {height}")
        if rest:
            return np.full((height, width), rest[0], dtype=pixel_type)
        return np.zeros((height, width), dtype=pixel_type)

    # -- pixels ------------------------------------------------------------

    @property
    def array(self) -> np.ndarray:
        """The pixels, shape ``(height, width)``; assigning writes into the existing array."""
        return self._array

    @array.setter
    def array(self, value: Any) -> None:
        self._array[...] = value

    def getArray(self) -> np.ndarray:
        return self._array

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._array if dtype is None else self._array.astype(dtype)

    def set(self, value: Any) -> None:
        """Set every pixel to ``value``."""
        self._array[...] = value

    # -- geometry ----------------------------------------------------------

    def getXY0(self) -> Point2I:
        return Point2I(self._xy0)

    def setXY0(self, x: Any, y: Any = None) -> None:
        self._xy0 = Point2I(x, y) if y is not None else Point2I(x)

    xy0 = property(getXY0, setXY0)

    def getX0(self) -> int:
        return self._xy0.x

    def getY0(self) -> int:
        return self._xy0.y

    def getWidth(self) -> int:
        return self._array.shape[1]

    def getHeight(self) -> int:
        return self._array.shape[0]

    def getDimensions(self) -> Extent2I:
        return Extent2I(self._array.shape[1], self._array.shape[0])

    width = property(getWidth)
    height = property(getHeight)

    def getBBox(self, origin: ImageOrigin = PARENT) -> Box2I:
        """The pixels this image covers, in PARENT (default) or LOCAL coordinates."""
        corner = self._xy0 if origin is PARENT else Point2I(0, 0)
        return Box2I(corner, self.getDimensions())

    def indexToPosition(self, index: int, axis: str = "x") -> int:
        """PARENT coordinate of array index ``index`` along ``axis`` (``"x"`` or ``"y"``)."""
        return index + (self._xy0.x if axis.lower() == "x" else self._xy0.y)

    def positionToIndex(self, position: int, axis: str = "x") -> int:
        """Array index of PARENT coordinate ``position`` along ``axis``."""
        return position - (self._xy0.x if axis.lower() == "x" else self._xy0.y)

    def _subarray(self, bbox: Box2I, origin: ImageOrigin = PARENT) -> np.ndarray:
        full = self.getBBox(origin)
        if not full.contains(bbox):
            raise ImageBoundsError(f"box {bbox} is not inside the image's {origin.name} bbox {full}")
        return self._array[bbox.slices(full.getMin())]

    # -- views and copies ----------------------------------------------------

    def subset(self, bbox: Box2I, origin: ImageOrigin = PARENT) -> Any:
        """A view of the pixels in ``bbox`` (sharing memory), with ``xy0`` at the box's PARENT corner."""
        view = self._array if bbox == self.getBBox(origin) else self._subarray(bbox, origin)
        corner = bbox.getMin() if origin is PARENT else bbox.getMin() + (self._xy0 - Point2I(0, 0))
        return self._new_like(view, corner)

    def _new_like(self, array: np.ndarray, xy0: Point2I) -> Any:
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new._array = array
        new._xy0 = Point2I(xy0)
        return new

    def clone(self) -> Any:
        """A deep copy (new pixel memory)."""
        return self._new_like(self._array.copy(), self._xy0)

    def __copy__(self) -> Any:
        return self._new_like(self._array, self._xy0)

    def __deepcopy__(self, memo: Any) -> Any:
        return self.clone()

    def _key_to_bbox(self, key: Any) -> tuple[Box2I, ImageOrigin] | None:
        if isinstance(key, Box2I):
            return key, PARENT
        if isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], Box2I):
            return key[0], key[1]
        if isinstance(key, tuple) and len(key) >= 2 and isinstance(key[0], slice) and isinstance(key[1], slice):
            origin = key[2] if len(key) > 2 else PARENT
            full = self.getBBox(origin)
            xs, ys = key[0], key[1]
            x0 = full.getMinX() if xs.start is None else xs.start
            x1 = full.getEndX() if xs.stop is None else xs.stop
            y0 = full.getMinY() if ys.start is None else ys.start
            y1 = full.getEndY() if ys.stop is None else ys.stop
            return Box2I.from_xywh(x0, y0, x1 - x0, y1 - y0), origin
        return None

    def _pixel_index(self, key: Any) -> tuple[int, int]:
        if isinstance(key, Point2I):
            x, y, origin = key.x, key.y, PARENT
        elif isinstance(key, tuple) and len(key) in (2, 3):
            x, y = int(key[0]), int(key[1])
            origin = key[2] if len(key) == 3 else PARENT
        else:
            raise TypeError(
                f"index an image with a Box2I, (x, y), (x, y, origin), a Point2I or slices, not {key!r}"
            )
        ix, iy = (x - self._xy0.x, y - self._xy0.y) if origin is PARENT else (x, y)
        if not (0 <= ix < self.getWidth() and 0 <= iy < self.getHeight()):
            raise ImageBoundsError(f"pixel ({x}, {y}) {origin.name} is outside the image's bbox {self.getBBox()}")
        return iy, ix

    def __getitem__(self, key: Any) -> Any:
        """``image[bbox]`` -> view; ``image[x, y]`` / ``image[Point2I]`` -> pixel value (PARENT)."""
        box = self._key_to_bbox(key)
        if box is not None:
            return self.subset(*box)
        return self._array[self._pixel_index(key)]

    def __setitem__(self, key: Any, value: Any) -> None:
        box = self._key_to_bbox(key)
        if box is not None:
            target = self._subarray(*box)
            target[...] = value.array if isinstance(value, ImageBase) else value
            return
        self._array[self._pixel_index(key)] = value

    def assign(self, rhs: ImageBase, bbox: Box2I | None = None, origin: ImageOrigin = PARENT) -> None:
        """Copy ``rhs``'s pixels into ``bbox`` of this image (the whole image by default)."""
        target = self._array if bbox is None else self._subarray(bbox, origin)
        if target.shape != rhs.array.shape:
            raise ValueError(f"cannot assign a {rhs.array.shape} image into a {target.shape} region")
        target[...] = rhs.array

    # -- misc ---------------------------------------------------------------

    def __len__(self) -> int:
        return self.getHeight()

    def __repr__(self) -> str:
        box = self.getBBox()
        return (
            f"{type(self).__name__}({box.getWidth()}x{box.getHeight()}, xy0=({box.getMinX()}, {box.getMinY()}), "
            f"dtype={self._array.dtype})"
        )

    def _repr_html_(self) -> str:
        from .display import html_summary

        return html_summary(self)

    def plot(self, **kwargs: Any) -> Any:
        """Show the image with matplotlib; see `pipetasks.image.display.display` for options."""
        from .display import display

        return display(self, **kwargs)


class Image(ImageBase):
    """A numeric image; ``Image(array)`` returns the flavour matching the array's dtype.

    See `ImageBase` for the constructor forms. In-place arithmetic (``+=``, ``-=``, ``*=``, ``/=``)
    takes scalars, arrays or images of the same dimensions; binary operators return new images.
    """

    def __new__(cls, *args: Any, dtype: Any = None, **kwargs: Any) -> Any:
        if cls is Image:
            if dtype is not None:
                target = np.dtype(dtype)
            elif args and isinstance(args[0], (np.ndarray, ImageBase)):
                target = args[0].dtype if isinstance(args[0], np.ndarray) else args[0].array.dtype
            else:
                target = np.dtype(np.float32)
            flavour = _IMAGE_TYPES.get(target)
            if flavour is not None:
                return object.__new__(flavour)
        return object.__new__(cls)

    def __init__(self, *args: Any, deep: bool = False, xy0: Any = None, dtype: Any = None):
        if type(self).dtype is not None:
            dtype = None
        elif dtype is None and args and isinstance(args[0], np.ndarray):
            dtype = args[0].dtype
        super().__init__(*args, deep=deep, xy0=xy0, dtype=dtype)

    def __reduce__(self) -> Any:
        return (_rebuild_image, (type(self), self._array, tuple(self._xy0)))

    # -- arithmetic --------------------------------------------------------

    @staticmethod
    def _operand(other: Any) -> Any:
        return other.array if isinstance(other, ImageBase) else other

    def __iadd__(self, other: Any) -> Image:
        self._array += self._operand(other)
        return self

    def __isub__(self, other: Any) -> Image:
        self._array -= self._operand(other)
        return self

    def __imul__(self, other: Any) -> Image:
        self._array *= self._operand(other)
        return self

    def __itruediv__(self, other: Any) -> Image:
        if np.issubdtype(self._array.dtype, np.integer):
            self._array //= self._operand(other)
        else:
            self._array /= self._operand(other)
        return self

    def _binary(self, other: Any, op: Any) -> Image:
        result = self.clone()
        op(result, other)
        return result

    def __add__(self, other: Any) -> Image:
        return self._binary(other, Image.__iadd__)

    def __sub__(self, other: Any) -> Image:
        return self._binary(other, Image.__isub__)

    def __mul__(self, other: Any) -> Image:
        return self._binary(other, Image.__imul__)

    def __truediv__(self, other: Any) -> Image:
        return self._binary(other, Image.__itruediv__)

    __radd__ = __add__
    __rmul__ = __mul__

    def scaledPlus(self, scale: float, other: ImageBase) -> None:
        """``self += scale * other`` in place."""
        self._array += scale * other.array

    def scaledMinus(self, scale: float, other: ImageBase) -> None:
        """``self -= scale * other`` in place."""
        self._array -= scale * other.array

    def scaledMultiplies(self, scale: float, other: ImageBase) -> None:
        self._array *= scale * other.array

    def scaledDivides(self, scale: float, other: ImageBase) -> None:
        self._array /= scale * other.array

    def writeFits(self, path: Any, wcs: Any = None, metadata: Any = None, compression: Any = None) -> None:
        """Write to a FITS file (see `pipetasks.image.fits.write_image`)."""
        from .fits import write_image

        write_image(self, path, wcs=wcs, metadata=metadata, compression=compression)

    @classmethod
    def readFits(cls, path: Any, bbox: Box2I | None = None) -> Image:
        """Read a FITS image (or an exposure file's IMAGE plane), optionally a PARENT ``bbox``."""
        from .fits import read_image

        return read_image(path, bbox, dtype=cls.dtype)

    def convertF(self) -> ImageF:
        return ImageF(self._array, deep=True, xy0=self._xy0)

    def convertD(self) -> ImageD:
        return ImageD(self._array, deep=True, xy0=self._xy0)


class ImageF(Image):
    """A 32-bit float image."""

    dtype = np.dtype(np.float32)


class ImageD(Image):
    """A 64-bit float image."""

    dtype = np.dtype(np.float64)


class ImageI(Image):
    """A 32-bit signed integer image."""

    dtype = np.dtype(np.int32)


class ImageL(Image):
    """A 64-bit signed integer image."""

    dtype = np.dtype(np.int64)


class ImageU(Image):
    """A 16-bit unsigned integer image (raw data)."""

    dtype = np.dtype(np.uint16)


_IMAGE_TYPES: dict[np.dtype, type[Image]] = {
    flavour.dtype: flavour for flavour in (ImageF, ImageD, ImageI, ImageL, ImageU)  # type: ignore[misc]
}


def image_type_for(dtype: Any) -> type[Image]:
    """The `Image` flavour holding pixels of ``dtype`` (e.g. ``float32`` -> `ImageF`)."""
    try:
        return _IMAGE_TYPES[np.dtype(dtype)]
    except KeyError:
        names = ", ".join(str(k) for k in _IMAGE_TYPES)
        raise TypeError(f"no Image flavour for dtype {np.dtype(dtype)}; supported: {names}") from None


def _rebuild_image(flavour: type[Image], array: np.ndarray, xy0: tuple[int, int]) -> Image:
    return flavour(array, xy0=Point2I(*xy0))
