"""Region bytes: the format the registry stores, which is LSST sphgeom's.

Storing regions in sphgeom's byte layout means an LSST export (hex of
``Region.encode()``) decodes here unchanged, and regions written here decode
in LSST.  Every encoding is one type byte followed by little-endian IEEE-754
float64 values (``f8``), or, for compound regions, by length-prefixed
operands:

=========  ======  ============================================================
type byte  region  payload
=========  ======  ============================================================
``p``      ConvexPolygon  ``3·N`` f8: the N ≥ 3 vertices as unit vectors
                   ``x, y, z``, counter-clockwise seen from outside the sphere
``c``      Circle  5 f8: centre ``x, y, z``; squared chord length
                   ``4 sin²(θ/2)`` (−1 if empty, 4 if full); opening angle θ in
                   radians (−1 if empty)
``b``      Box     4 f8: longitude interval ``a, b`` in ``[0, 2π]`` radians
                   (``a > b`` wraps through 0; ``[0, 2π]`` is full; NaN empty),
                   latitude interval ``min, max`` radians (``min > max`` empty)
``e``      Ellipse 14 f8: the 3×3 rotation to the ellipse frame, row-major (last
                   row is the centre); ``α − π/2``, ``β − π/2`` (semi-axis
                   angles); γ; ``cot α``; ``cot β``
``u``      UnionRegion         for each operand: a little-endian uint64 byte
``i``      IntersectionRegion  length, then the operand's own encoding
=========  ======  ============================================================

`decode` dispatches on the type byte; `decode_text` also accepts the hex
strings of LSST export files and the base64 strings of LSST's JSON.
"""

from __future__ import annotations

__all__ = ["decode", "decode_text", "encode"]

import base64
import binascii
import struct

import numpy as np

from .box import Box
from .circle import Circle
from .compound import IntersectionRegion, UnionRegion
from .ellipse import Ellipse
from .polygon import ConvexPolygon
from .region import Region


def encode(region: Region) -> bytes:
    """The bytes of a region."""
    return region.encode()


def decode(data: bytes | bytearray | memoryview) -> Region:
    """The region encoded in ``data``.

    Raises
    ------
    ValueError
        If the bytes are not a region encoding.
    """
    data = bytes(data)
    if not data:
        raise ValueError("Cannot decode a region from no bytes.")
    code = data[0]
    payload = len(data) - 1
    if code == ConvexPolygon.TYPE_CODE:
        if payload % 24 != 0 or payload < 72:
            raise ValueError(f"A polygon encoding needs 3 or more vertices of 24 bytes, not {payload} bytes.")
        vertices = np.frombuffer(data, dtype="<f8", offset=1).reshape(-1, 3).astype(float)
        return ConvexPolygon._from_vertices_unchecked(vertices)
    if code == Circle.TYPE_CODE:
        _check_size("circle", payload, 40)
        x, y, z, chord2, angle = struct.unpack("<5d", data[1:])
        return Circle._from_parts(np.array([x, y, z]), chord2, angle)
    if code == Box.TYPE_CODE:
        _check_size("box", payload, 32)
        return Box._from_radians(*struct.unpack("<4d", data[1:]))
    if code == Ellipse.TYPE_CODE:
        _check_size("ellipse", payload, 112)
        return Ellipse._decode(data)
    if code in (UnionRegion.TYPE_CODE, IntersectionRegion.TYPE_CODE):
        operands = []
        offset = 1
        while offset < len(data):
            if offset + 8 > len(data):
                raise ValueError("Truncated compound region encoding.")
            (size,) = struct.unpack_from("<Q", data, offset)
            offset += 8
            if offset + size > len(data):
                raise ValueError("Truncated compound region encoding.")
            operands.append(decode(data[offset:offset + size]))
            offset += size
        cls = UnionRegion if code == UnionRegion.TYPE_CODE else IntersectionRegion
        return cls(*operands)
    raise ValueError(f"Unknown region type byte {code:#04x} ({chr(code)!r}); known: p, c, b, e, u, i.")


def decode_text(text: str) -> Region:
    """The region in a hex string (LSST export files) or base64 string (LSST JSON)."""
    text = text.strip()
    try:
        return decode(bytes.fromhex(text))
    except ValueError:
        pass
    try:
        return decode(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        raise ValueError(f"{text[:40]!r}... is neither hex nor base64 of a region encoding.") from None


def _check_size(what: str, payload: int, expected: int) -> None:
    if payload != expected:
        raise ValueError(f"A {what} encoding has {expected} bytes after the type byte, not {payload}.")
