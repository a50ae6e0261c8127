"""Functor keys: several fields read and written as one object (LSST's ``FunctorKey``).

``Point2DKey.addFields(schema, "base_SdssCentroid", "centroid", "pixel")`` adds
``base_SdssCentroid_x`` and ``_y`` and returns a key whose ``get(record)`` is a `Point2D`;
``QuadrupoleKey`` does the same for ``_xx``, ``_yy``, ``_xy`` and a `Quadrupole`. Every key also
works on a whole catalog through ``getColumns(catalog)`` (a tuple of numpy column views).
"""

from __future__ import annotations

__all__ = ["Box2IKey", "CoordKey", "FluxKey", "Point2DKey", "Point2IKey", "QuadrupoleKey"]

from typing import Any

import numpy as np

from ..geometry import Box2I, Point2D, Point2I
from .schema import Key, Schema, SubSchema
from .shapes import Quadrupole


class _CompoundKey:
    """Base: a fixed set of suffixed scalar fields under one prefix."""

    _suffixes: tuple[str, ...] = ()
    _type = "D"

    def __init__(self, *keys: Any):
        if len(keys) == 1 and isinstance(keys[0], SubSchema):
            keys = tuple(keys[0][suffix].asKey() for suffix in self._suffixes)
        if len(keys) != len(self._suffixes) or not all(isinstance(k, Key) for k in keys):
            raise TypeError(
                f"{type(self).__name__} takes a SubSchema or {len(self._suffixes)} Keys "
                f"(for suffixes {', '.join(self._suffixes)}), not {keys!r}"
            )
        self._keys: tuple[Key, ...] = keys

    @classmethod
    def _add(cls, schema: Schema, name: str, docs: list[str], units: str, type_: str | None = None) -> Any:
        keys = [
            schema.addField(f"{name}_{suffix}", type=type_ or cls._type, doc=doc, units=units)
            for suffix, doc in zip(cls._suffixes, docs)
        ]
        return cls(*keys)

    def getKeys(self) -> tuple[Key, ...]:
        return self._keys

    def isValid(self) -> bool:
        return all(k.isValid() for k in self._keys)

    def _values(self, record: Any) -> list[Any]:
        return [record[k.name] for k in self._keys]

    def _assign(self, record: Any, values: Any) -> None:
        for key, value in zip(self._keys, values):
            record[key.name] = value

    def getColumns(self, catalog: Any) -> tuple[np.ndarray, ...]:
        """Return the column views of the underlying fields on ``catalog``."""
        return tuple(catalog[k.name] for k in self._keys)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._keys == other._keys  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._keys))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(k.name for k in self._keys)})"


class Point2DKey(_CompoundKey):
    """``<name>_x``, ``<name>_y`` (double) read as a `Point2D`."""

    _suffixes = ("x", "y")
    _type = "D"

    @classmethod
    def addFields(cls, schema: Schema, name: str, doc: str, unit: str = "pixel") -> Point2DKey:
        """Add ``name_x`` and ``name_y`` to ``schema`` and return their key."""
        return cls._add(schema, name, [f"{doc} (x)", f"{doc} (y)"], unit)

    def getX(self) -> Key:
        return self._keys[0]

    def getY(self) -> Key:
        return self._keys[1]

    def get(self, record: Any) -> Point2D:
        x, y = self._values(record)
        return Point2D(x, y)

    def set(self, record: Any, value: Any) -> None:
        self._assign(record, (value[0], value[1]))


class Point2IKey(Point2DKey):
    """``<name>_x``, ``<name>_y`` (int32) read as a `Point2I`."""

    _type = "I"

    def get(self, record: Any) -> Point2I:  # type: ignore[override]
        x, y = self._values(record)
        return Point2I(int(x), int(y))


class QuadrupoleKey(_CompoundKey):
    """``<name>_xx``, ``<name>_yy``, ``<name>_xy`` (double) read as a `Quadrupole`."""

    _suffixes = ("xx", "yy", "xy")

    @classmethod
    def addFields(cls, schema: Schema, name: str, doc: str, unit: str = "pixel^2") -> QuadrupoleKey:
        """Add the three moment fields to ``schema`` and return their key."""
        return cls._add(schema, name, [f"{doc} (xx)", f"{doc} (yy)", f"{doc} (xy)"], unit)

    def getIxx(self) -> Key:
        return self._keys[0]

    def getIyy(self) -> Key:
        return self._keys[1]

    def getIxy(self) -> Key:
        return self._keys[2]

    def get(self, record: Any) -> Quadrupole:
        return Quadrupole(*self._values(record))

    def set(self, record: Any, value: Any) -> None:
        if isinstance(value, Quadrupole):
            value = (value.ixx, value.iyy, value.ixy)
        elif hasattr(value, "getIxx"):
            value = (value.getIxx(), value.getIyy(), value.getIxy())
        self._assign(record, value)


class CoordKey(_CompoundKey):
    """``<name>_ra``, ``<name>_dec`` (Angle, radians) read as an astropy `SkyCoord` (ICRS)."""

    _suffixes = ("ra", "dec")
    _type = "Angle"

    @classmethod
    def addFields(cls, schema: Schema, name: str, doc: str) -> CoordKey:
        return cls._add(schema, name, [f"{doc} (ra)", f"{doc} (dec)"], "rad")

    def getRa(self) -> Key:
        return self._keys[0]

    def getDec(self) -> Key:
        return self._keys[1]

    def get(self, record: Any) -> Any:
        from astropy.coordinates import SkyCoord

        ra, dec = self._values(record)
        return SkyCoord(ra, dec, unit="rad", frame="icrs")

    def set(self, record: Any, value: Any) -> None:
        """Set from a `SkyCoord` or an ``(ra, dec)`` pair in radians."""
        if hasattr(value, "ra") and hasattr(value, "dec"):
            value = (value.ra.rad, value.dec.rad)
        self._assign(record, value)


class Box2IKey(_CompoundKey):
    """``<name>_min_x``, ``_min_y``, ``_max_x``, ``_max_y`` (int32, inclusive) read as a `Box2I`."""

    _suffixes = ("min_x", "min_y", "max_x", "max_y")
    _type = "I"

    @classmethod
    def addFields(cls, schema: Schema, name: str, doc: str, unit: str = "pixel") -> Box2IKey:
        docs = [
            f"{doc} (minimum x)",
            f"{doc} (minimum y)",
            f"{doc} (maximum x, inclusive)",
            f"{doc} (maximum y, inclusive)",
        ]
        return cls._add(schema, name, docs, unit)

    def get(self, record: Any) -> Box2I:
        x0, y0, x1, y1 = (int(v) for v in self._values(record))
        if x1 < x0 or y1 < y0:
            return Box2I()
        return Box2I(Point2I(x0, y0), Point2I(x1, y1))

    def set(self, record: Any, value: Box2I) -> None:
        if value.isEmpty():
            self._assign(record, (0, 0, -1, -1))
        else:
            self._assign(record, (value.getMinX(), value.getMinY(), value.getMaxX(), value.getMaxY()))


class FluxKey(_CompoundKey):
    """``<name>_instFlux``, ``<name>_instFluxErr`` (double) read as an ``(instFlux, instFluxErr)`` pair.

    Parallel to meas_base's ``FluxResultKey``; ``addFields`` also adds the ``<name>_flag`` failure flag.
    """

    _suffixes = ("instFlux", "instFluxErr")

    @classmethod
    def addFields(cls, schema: Schema, name: str, doc: str, unit: str = "count") -> FluxKey:
        key = cls._add(schema, name, [f"{doc}", f"1-sigma uncertainty of {doc}"], unit)
        if f"{name}_flag" not in schema.getNames():
            schema.addField(f"{name}_flag", type="Flag", doc=f"general failure flag for {doc}")
        return key

    def getInstFlux(self) -> Key:
        return self._keys[0]

    def getInstFluxErr(self) -> Key:
        return self._keys[1]

    def get(self, record: Any) -> tuple[float, float]:
        flux, err = self._values(record)
        return (flux, err)

    def set(self, record: Any, value: Any) -> None:
        self._assign(record, value)
