"""`Mask` (alias `MaskX`): an int32 bit-plane image whose bits are named (BAD, SAT, DETECTED, ...).

As in LSST afw, names map to bits through a *mask plane dictionary* shared by every mask made with
the default: ``Mask.addMaskPlane("STREAK")`` is seen by all of them. ``removeAndClearMaskPlane``
gives one mask its own copy of the dictionary (unless ``removeFromDefault=True``). The methods
that LSST declares static (`addMaskPlane`, `getPlaneBitMask`, `getMaskPlane`, ...) work on the class
(the default dictionary) and on an instance (that mask's dictionary).

Examples
--------
>>> mask = Mask(4, 3)
>>> mask.array[1, 2] |= Mask.getPlaneBitMask(["BAD", "SAT"])
>>> mask.interpret(mask[2, 1])
'BAD,SAT'
"""

from __future__ import annotations

import types
from typing import Any, Callable, Iterable

import numpy as np

from .errors import MaskPlaneError
from .image import ImageBase

__all__ = ["Mask", "MaskX", "DEFAULT_MASK_PLANES"]

DEFAULT_MASK_PLANES: tuple[str, ...] = (
    "BAD",
    "SAT",
    "INTRP",
    "CR",
    "EDGE",
    "DETECTED",
    "DETECTED_NEGATIVE",
    "SUSPECT",
    "NO_DATA",
    "UNMASKEDNAN",
    "CLIPPED",
    "CROSSTALK",
    "NOT_DEBLENDED",
    "STREAK",
    "SENSOR_EDGE",
    "INEXACT_PSF",
    "VIGNETTED",
    "REJECTED",
    "BRIGHT_OBJECT",
)
"""The standard planes and their bits (bit = position in this tuple), as LSST pipelines use them."""

_MAX_PLANES = 32


class _classOrInstance:
    """Descriptor: the method receives the class when called on it, the instance otherwise."""

    def __init__(self, function: Callable[..., Any]):
        self.function = function
        self.__doc__ = function.__doc__

    def __get__(self, obj: Any, owner: type) -> Any:
        return types.MethodType(self.function, obj if obj is not None else owner)


def _planes_of(target: Any) -> dict[str, int]:
    return target._planes if isinstance(target, Mask) else Mask._default_planes


class Mask(ImageBase):
    """An int32 image of named bit planes (LSST ``afw.image.Mask``, pixel type ``MaskPixel``).

    Parameters
    ----------
    *args
        As for `~pipetasks.image.image.ImageBase` (``width, height``; ``Box2I``; ``Extent2I``;
        an array; another mask, optionally with a sub-box).
    planeDefs : `dict` [`str`, `int`], optional
        Plane name -> bit for this mask; the pixels are left as given and the mask keeps its own
        dictionary (use `conformMaskPlanes` to move bits to the default layout).
    deep, xy0
        As for `ImageBase`.
    """

    dtype = np.dtype(np.int32)
    _default_planes: dict[str, int] = {name: bit for bit, name in enumerate(DEFAULT_MASK_PLANES)}

    def __init__(self, *args: Any, planeDefs: dict[str, int] | None = None, deep: bool = False, xy0: Any = None):
        super().__init__(*args, deep=deep, xy0=xy0)
        if planeDefs is not None:
            self._planes = dict(planeDefs)
        elif args and isinstance(args[0], Mask):
            self._planes = args[0]._planes
        else:
            self._planes = Mask._default_planes

    def __reduce__(self) -> Any:
        return (_rebuild_mask, (self._array, tuple(self._xy0), dict(self._planes)))

    # -- plane dictionary -----------------------------------------------------

    @_classOrInstance
    def getMaskPlaneDict(self) -> dict[str, int]:
        """A copy of the plane name -> bit mapping."""
        return dict(_planes_of(self))

    @_classOrInstance
    def addMaskPlane(self, name: str) -> int:
        """Add a plane (to the default dictionary and this mask's) and return its bit.

        An existing plane returns its bit unchanged.

        Raises
        ------
        MaskPlaneError
            If all 32 bits are in use.
        """
        planes = _planes_of(self)
        if name in planes:
            return planes[name]
        default = Mask._default_planes
        bit = default.get(name)
        if bit is None or bit in planes.values():
            used = set(planes.values()) | set(default.values())
            free = [b for b in range(_MAX_PLANES) if b not in used]
            if not free:
                raise MaskPlaneError(f"cannot add mask plane {name!r}: all {_MAX_PLANES} bits are in use")
            bit = free[0]
        if name not in default and bit not in default.values():
            default[name] = bit
        planes[name] = bit
        return bit

    @_classOrInstance
    def getMaskPlane(self, name: str) -> int:
        """The bit number of plane ``name``."""
        return _lookup(_planes_of(self), name)

    @_classOrInstance
    def getPlaneBitMask(self, names: str | Iterable[str]) -> int:
        """The OR of ``1 << bit`` for one plane name or a list of names."""
        if isinstance(names, str):
            names = [names]
        planes = _planes_of(self)
        value = 0
        for name in names:
            value |= 1 << _lookup(planes, name)
        return _as_int32(value)

    @_classOrInstance
    def getNumPlanesUsed(self) -> int:
        return len(_planes_of(self))

    @staticmethod
    def getNumPlanesMax() -> int:
        return _MAX_PLANES

    @staticmethod
    def removeMaskPlane(name: str) -> None:
        """Remove a plane from the default dictionary (masks sharing it lose it too)."""
        Mask._default_planes.pop(name, None)

    @staticmethod
    def clearMaskPlaneDict() -> None:
        """Empty the default dictionary (LSST semantics; `restoreDefaultMaskPlanes` undoes it)."""
        Mask._default_planes.clear()

    @staticmethod
    def restoreDefaultMaskPlanes() -> None:
        """Reset the default dictionary to `DEFAULT_MASK_PLANES` (used by tests)."""
        Mask._default_planes.clear()
        Mask._default_planes.update({name: bit for bit, name in enumerate(DEFAULT_MASK_PLANES)})

    def removeAndClearMaskPlane(self, name: str, removeFromDefault: bool = False) -> None:
        """Zero plane ``name`` in the pixels and drop it from this mask's dictionary.

        The mask stops sharing the default dictionary unless ``removeFromDefault`` is true, in
        which case the plane leaves the default dictionary too.
        """
        bit = self.getMaskPlane(name)
        self._array &= ~_as_int32(1 << bit)
        if removeFromDefault:
            if Mask._default_planes.get(name) == bit:
                del Mask._default_planes[name]
            if self._planes is not Mask._default_planes:
                self._planes.pop(name, None)
        else:
            self._planes = {k: v for k, v in self._planes.items() if k != name}

    def conformMaskPlanes(self, planeDefs: dict[str, int] | None = None) -> None:
        """Move this mask's bits to the layout of ``planeDefs`` (the default dictionary if `None`).

        Planes missing from the target are added to it (the default one) when a bit is free.
        """
        target = Mask._default_planes if planeDefs is None else planeDefs
        current = self._planes
        if target is current:
            return
        for name in current:
            if name not in target:
                if target is Mask._default_planes:
                    Mask.addMaskPlane(name)
                else:
                    raise MaskPlaneError(f"mask plane {name!r} is not in the target dictionary {target}")
        if any(target[name] != bit for name, bit in current.items()):
            old = self._array.copy()
            self._array[...] = 0
            for name, bit in current.items():
                self._array |= ((old >> bit) & 1).astype(np.int32) << target[name]
        self._planes = target

    def clearAllMaskPlanes(self) -> None:
        """Set every pixel to 0 (the dictionary is unchanged)."""
        self._array[...] = 0

    def clearMaskPlane(self, plane: int | str) -> None:
        """Zero one plane in every pixel."""
        bit = self.getMaskPlane(plane) if isinstance(plane, str) else plane
        self._array &= ~_as_int32(1 << bit)

    def interpret(self, value: int) -> str:
        """The comma-separated names of the planes set in pixel value ``value``."""
        names = sorted(self._planes, key=self._planes.get)
        return ",".join(name for name in names if int(value) & (1 << self._planes[name]))

    def printMaskPlanes(self) -> str:
        """``"name: bit"`` lines of this mask's dictionary (also printed)."""
        text = "\n".join(f"{name}: {bit}" for name, bit in sorted(self._planes.items(), key=lambda kv: kv[1]))
        print(text)
        return text

    def getPlaneArray(self, names: str | Iterable[str]) -> np.ndarray:
        """Boolean array: pixels with any of the named planes set."""
        return (self._array & self.getPlaneBitMask(names)) != 0

    def setPlane(self, names: str | Iterable[str], where: np.ndarray) -> None:
        """OR the named planes into the pixels where the boolean array ``where`` is true."""
        self._array[where] |= self.getPlaneBitMask(names)

    def countPlane(self, name: str) -> int:
        """Number of pixels with plane ``name`` set."""
        return int(np.count_nonzero(self.getPlaneArray(name)))

    def writeFits(self, path: Any, metadata: Any = None, compression: Any = None) -> None:
        """Write to a FITS file with ``MP_<NAME>`` plane cards."""
        from .fits import write_mask

        write_mask(self, path, metadata=metadata, compression=compression)

    @classmethod
    def readFits(cls, path: Any, bbox: Any = None) -> Mask:
        """Read a FITS mask (or an exposure file's MASK plane); bits are conformed to the default planes."""
        from .fits import read_mask

        return read_mask(path, bbox)

    # -- bit arithmetic --------------------------------------------------------

    @staticmethod
    def _operand(other: Any) -> Any:
        if isinstance(other, ImageBase):
            return other.array
        if isinstance(other, (int, np.integer)):
            return _as_int32(int(other))
        return other

    def __ior__(self, other: Any) -> Mask:
        self._array |= self._operand(other)
        return self

    def __iand__(self, other: Any) -> Mask:
        self._array &= self._operand(other)
        return self

    def __ixor__(self, other: Any) -> Mask:
        self._array ^= self._operand(other)
        return self

    def __or__(self, other: Any) -> Mask:
        result = self.clone()
        result |= other
        return result

    def __and__(self, other: Any) -> Mask:
        result = self.clone()
        result &= other
        return result


MaskX = Mask


def _lookup(planes: dict[str, int], name: str) -> int:
    try:
        return planes[name]
    except KeyError:
        known = ", ".join(sorted(planes, key=planes.get))
        raise MaskPlaneError(f"no mask plane {name!r}; known planes: {known}") from None


def _as_int32(value: int) -> int:
    """Two's-complement int32 value of a bit pattern (bit 31 makes it negative)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def _rebuild_mask(array: np.ndarray, xy0: tuple[int, int], planes: dict[str, int]) -> Mask:
    from .geometry import Point2I

    mask = Mask(array, xy0=Point2I(*xy0))
    if planes != Mask._default_planes:
        mask._planes = planes
    return mask
