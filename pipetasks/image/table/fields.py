"""Field definitions of catalog schemas: `Field`, `Key`, `SchemaItem` and the type codes.

Type codes (LSST's, with their numpy storage):

============  ====================  ==========================================
code          numpy dtype           notes
============  ====================  ==========================================
``B``         uint8
``U``         uint16
``I``         int32
``L``         int64                 record ids
``F``         float32
``D``         float64               also Python `float`
``Flag``      bool
``Angle``     float64               radians (LSST's ``lsst.geom.Angle``)
``String``    ``U<size>``           fixed maximum length ``size``
``ArrayB/U/I/F/D``  (dtype, (size,))   fixed-length arrays
============  ====================  ==========================================
"""

from __future__ import annotations

__all__ = ["FIELD_TYPES", "Field", "FieldNotFoundError", "Key", "SchemaItem", "type_code_for"]

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

_SCALAR_DTYPES: dict[str, np.dtype] = {
    "B": np.dtype(np.uint8),
    "U": np.dtype(np.uint16),
    "I": np.dtype(np.int32),
    "L": np.dtype(np.int64),
    "F": np.dtype(np.float32),
    "D": np.dtype(np.float64),
    "Flag": np.dtype(bool),
    "Angle": np.dtype(np.float64),
}
_ARRAY_TYPES = {f"Array{code}": code for code in ("B", "U", "I", "F", "D")}

FIELD_TYPES: tuple[str, ...] = (*_SCALAR_DTYPES, "String", *_ARRAY_TYPES)
"""Every type code `Schema.addField` accepts."""

_PYTHON_TYPE_CODES: dict[Any, str] = {
    float: "D",
    int: "L",
    bool: "Flag",
    str: "String",
    np.float64: "D",
    np.float32: "F",
    np.int64: "L",
    np.int32: "I",
    np.uint16: "U",
    np.uint8: "B",
    np.bool_: "Flag",
}

_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")


class FieldNotFoundError(KeyError):
    """A field or alias name is not in a schema (LSST's ``NotFoundError``)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def type_code_for(type_: Any) -> str:
    """Return the LSST type code for a code string, Python type or numpy dtype.

    Parameters
    ----------
    type_ : `str`, `type` or `numpy.dtype`
        ``"D"``, ``"Flag"``, ``float``, ``np.int32``...

    Returns
    -------
    code : `str`
        One of `FIELD_TYPES`.

    Raises
    ------
    TypeError
        Raised if the type has no field type.
    """
    if isinstance(type_, str):
        if type_ in FIELD_TYPES:
            return type_
        raise TypeError(f"Unknown field type {type_!r}; valid types: {', '.join(FIELD_TYPES)}")
    if type_ in _PYTHON_TYPE_CODES:
        return _PYTHON_TYPE_CODES[type_]
    try:
        dtype = np.dtype(type_)
    except TypeError:
        dtype = None
    if dtype is not None:
        for code, candidate in _SCALAR_DTYPES.items():
            if candidate == dtype and code != "Angle":
                return code
        if dtype.kind in "US":
            return "String"
    raise TypeError(
        f"No field type for {type_!r}; valid types: {', '.join(FIELD_TYPES)} or float/int/bool/str"
    )


@dataclass(frozen=True)
class Field:
    """Name, type, documentation, units and size of one catalog column.

    Parameters
    ----------
    name : `str`
        Field name, e.g. ``base_SdssCentroid_x``.
    type : `str`
        Type code (see module docstring).
    doc : `str`, optional
        What the field holds.
    units : `str`, optional
        Units as an astropy-parseable string (``pixel``, ``count``, ``rad``); empty if none.
    size : `int`, optional
        Maximum length for ``String``, number of elements for ``Array*``; ignored otherwise.
    """

    name: str
    type: str
    doc: str = ""
    units: str = ""
    size: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME_PATTERN.match(self.name):
            raise ValueError(
                f"Invalid field name {self.name!r}: "
                "names start with a letter and hold letters, digits, '_' or '.'"
            )
        code = type_code_for(self.type)
        object.__setattr__(self, "type", code)
        if code == "String" or code in _ARRAY_TYPES:
            if self.size is None or int(self.size) <= 0:
                raise ValueError(
                    f"Field {self.name!r} of type {code} needs a positive size, not {self.size!r}"
                )
            object.__setattr__(self, "size", int(self.size))
        else:
            object.__setattr__(self, "size", 0)
        object.__setattr__(self, "doc", self.doc or "")
        object.__setattr__(self, "units", self.units or "")

    @property
    def dtype(self) -> np.dtype:
        """numpy dtype of one element of this field's column (`numpy.dtype`)."""
        if self.type == "String":
            return np.dtype(f"U{self.size}")
        if self.type in _ARRAY_TYPES:
            return _SCALAR_DTYPES[_ARRAY_TYPES[self.type]]
        return _SCALAR_DTYPES[self.type]

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of one record's value: ``()`` for scalars, ``(size,)`` for arrays."""
        return (self.size,) if self.type in _ARRAY_TYPES else ()

    def getName(self) -> str:
        return self.name

    def getDoc(self) -> str:
        return self.doc

    def getUnits(self) -> str:
        return self.units

    def getTypeString(self) -> str:
        return self.type

    def getSize(self) -> int:
        return self.size

    def copyRenamed(self, name: str) -> Field:
        """Return this field with another name (LSST's ``Field.copyRenamed``)."""
        return Field(name, self.type, self.doc, self.units, self.size)


@dataclass(frozen=True)
class Key:
    """Handle of one field: what `BaseRecord.get`/`set` and column access take.

    Keys compare equal when they name the same field with the same type.
    """

    name: str
    type: str
    size: int = 0

    def getName(self) -> str:
        return self.name

    def getTypeString(self) -> str:
        return self.type

    def isValid(self) -> bool:
        return bool(self.name)

    def get(self, record: Any) -> Any:
        """Return this field's value on ``record`` (so plain and functor keys read alike)."""
        return record[self.name]

    def set(self, record: Any, value: Any) -> None:
        """Set this field's value on ``record``."""
        record[self.name] = value


@dataclass(frozen=True)
class SchemaItem:
    """A `Key` with its `Field`, as returned by `Schema.find`."""

    key: Key
    field: Field
