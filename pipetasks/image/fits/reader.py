"""A lazy FITS reader: HDU headers on demand, pixel rows read straight from their file offsets.

`FitsReader` scans headers one HDU at a time (never touching data it does not need), so reading a
WCS or a component table costs a few header blocks, and a bbox cut-out reads only the rows it
covers. Uncompressed image data is read with ``readinto`` into a numpy array and byte-swapped in
place to native order. Tile-compressed images (``ZIMAGE = T``) and tables are decoded by
astropy from the HDU's own bytes.
"""

from __future__ import annotations

import dataclasses
import io
import os
from typing import Any, BinaryIO

import numpy as np
from astropy.io import fits

from ..errors import ImageFormatError
from .bintable import BinTable, parse_bintable
from .header import LiteHeader

__all__ = ["FitsReader", "HduInfo", "BLOCK"]

BLOCK = 2880
_CARD = 80
_BITPIX_DTYPES = {8: ">u1", 16: ">i2", 32: ">i4", 64: ">i8", -32: ">f4", -64: ">f8"}


@dataclasses.dataclass
class HduInfo:
    """Where one HDU sits in the file and its parsed header."""

    index: int
    header: LiteHeader
    header_offset: int
    data_offset: int
    data_size: int
    """Bytes of data (and heap) before padding."""
    name: str = dataclasses.field(init=False, default="")
    """EXTNAME upper-cased (``PRIMARY`` for HDU 0 without one)."""

    def __post_init__(self) -> None:
        self.name = str(self.header.get("EXTNAME", "PRIMARY" if self.index == 0 else "")).strip().upper()

    @property
    def is_compressed_image(self) -> bool:
        return bool(self.header.get("ZIMAGE", False))

    @property
    def end(self) -> int:
        return self.data_offset + _padded(self.data_size)


_CHUNK_BYTES = 256 << 10


def _has_end_card(block: bytes) -> bool:
    position = block.find(b"END     ")
    while position != -1 and position % _CARD:
        position = block.find(b"END     ", position + 1)
    return position != -1


def _padded(size: int) -> int:
    return (size + BLOCK - 1) // BLOCK * BLOCK


def _data_size(header: LiteHeader) -> int:
    naxis = int(header.get("NAXIS", 0))
    if naxis == 0:
        return 0
    count = 1
    for axis in range(1, naxis + 1):
        count *= int(header[f"NAXIS{axis}"])
    bits = abs(int(header["BITPIX"]))
    return bits // 8 * int(header.get("GCOUNT", 1)) * (int(header.get("PCOUNT", 0)) + count)


class FitsReader:
    """Read HDUs of one FITS file lazily.

    Parameters
    ----------
    source : `str`, path-like or binary file object
        The file. A path is opened (and closed by `close`); a file object is used as is.
    fs : `fsspec.AbstractFileSystem`, optional
        Filesystem for a path that is not local.
    name : `str`, optional
        How to name the file in errors (the path by default).
    """

    def __init__(self, source: Any, fs: Any = None, name: str | None = None):
        self._owns = False
        if isinstance(source, (str, os.PathLike)):
            self.name = name or os.fspath(source)
            self._file: BinaryIO = fs.open(os.fspath(source), "rb") if fs is not None else open(source, "rb")
            self._owns = True
        else:
            self.name = name or str(getattr(source, "name", "<file object>"))
            self._file = source
        self._file.seek(0, io.SEEK_END)
        self._size = self._file.tell()
        self._hdus: list[HduInfo] = []
        self._scanned_all = False

    # -- context manager ---------------------------------------------------

    def close(self) -> None:
        if self._owns:
            self._file.close()

    def __enter__(self) -> FitsReader:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def error(self, reason: str) -> ImageFormatError:
        return ImageFormatError(self.name, reason)

    # -- headers -------------------------------------------------------------

    def _read_exact(self, offset: int, size: int) -> bytes:
        self._file.seek(offset)
        data = self._file.read(size)
        if len(data) != size:
            raise self.error(f"truncated: needed {size} bytes at offset {offset}, file has {self._size} bytes")
        return data

    def _scan_next(self) -> HduInfo | None:
        offset = self._hdus[-1].end if self._hdus else 0
        if offset >= self._size:
            self._scanned_all = True
            return None
        chunks: list[bytes] = []
        position = offset
        while True:
            if position + BLOCK > self._size:
                if not self._hdus and not chunks:
                    raise self.error("not a FITS file: shorter than one 2880-byte header block")
                raise self.error(f"truncated: header of HDU {len(self._hdus)} has no END card")
            block = self._read_exact(position, BLOCK)
            chunks.append(block)
            position += BLOCK
            if not self._hdus and len(chunks) == 1 and not block.startswith(b"SIMPLE  ="):
                raise self.error("not a FITS file: it does not start with a SIMPLE card")
            if _has_end_card(block):
                break
        header = LiteHeader(b"".join(chunks))
        try:
            size = _data_size(header)
        except (KeyError, TypeError, ValueError) as err:
            raise self.error(f"HDU {len(self._hdus)} has an unreadable header: {err}") from None
        info = HduInfo(len(self._hdus), header, offset, position, size)
        if info.data_offset + info.data_size > self._size:
            raise self.error(
                f"truncated: HDU {info.index} ({info.name or 'unnamed'}) needs {info.data_size} data bytes at "
                f"offset {info.data_offset}, but the file ends at {self._size}"
            )
        self._hdus.append(info)
        return info

    def hdu(self, key: int | str, required: bool = True) -> HduInfo | None:
        """The HDU with this index or EXTNAME (case-insensitive), scanning only as far as needed."""
        def matches(info: HduInfo) -> bool:
            return info.index == key if isinstance(key, int) else info.name == key.upper()

        for info in self._hdus:
            if matches(info):
                return info
        while not self._scanned_all:
            info = self._scan_next()
            if info is not None and matches(info):
                return info
        if required:
            names = ", ".join(h.name or str(h.index) for h in self._hdus)
            raise self.error(f"no HDU {key!r} (the file has: {names})")
        return None

    def hdus(self) -> list[HduInfo]:
        """Every HDU (scans the whole file's headers)."""
        while not self._scanned_all:
            self._scan_next()
        return list(self._hdus)

    # -- data -----------------------------------------------------------------

    def read_raw(self, info: HduInfo) -> bytes:
        """The HDU's header and data bytes."""
        return self._read_exact(info.header_offset, info.end - info.header_offset)

    def read_data(self, info: HduInfo) -> bytes:
        """The HDU's data bytes (rows and heap, without padding)."""
        return self._read_exact(info.data_offset, info.data_size)

    def read_table(self, key: int | str) -> BinTable:
        """A BINTABLE HDU's columns (only its own bytes are read)."""
        info = self.hdu(key)
        assert info is not None
        if str(info.header.get("XTENSION", "")).strip() != "BINTABLE":
            raise self.error(f"HDU {key!r} is not a binary table")
        try:
            return parse_bintable(info.header, self._read_exact(info.data_offset, info.data_size))
        except (ValueError, KeyError) as err:
            raise self.error(f"HDU {key!r} is not a readable binary table: {err}") from None

    def image_shape(self, info: HduInfo) -> tuple[int, int]:
        """``(height, width)`` of a 2-d image HDU (compressed or not)."""
        header = info.header
        prefix = "ZNAXIS" if info.is_compressed_image else "NAXIS"
        if int(header.get(prefix, 0)) != 2:
            raise self.error(f"HDU {info.name or info.index} is not a 2-d image ({prefix} = {header.get(prefix)})")
        return int(header[f"{prefix}2"]), int(header[f"{prefix}1"])

    def read_image(self, info: HduInfo, rows: slice | None = None, cols: slice | None = None) -> np.ndarray:
        """Pixels of a 2-d image HDU (optionally rows ``rows`` and columns ``cols``), native byte order.

        Uncompressed data without scaling is read row range by row range; ``BZERO`` unsigned
        integers are shifted exactly; other scaled or compressed data goes through astropy.
        """
        height, width = self.image_shape(info)
        rows = rows or slice(0, height)
        cols = cols or slice(0, width)
        if info.is_compressed_image:
            return self._read_compressed(info, rows, cols)
        header = info.header
        bitpix = int(header["BITPIX"])
        if bitpix not in _BITPIX_DTYPES:
            raise self.error(f"HDU {info.name} has unsupported BITPIX {bitpix}")
        dtype = np.dtype(_BITPIX_DTYPES[bitpix])
        bzero, bscale = header.get("BZERO", 0), header.get("BSCALE", 1)
        row_bytes = width * dtype.itemsize
        n_rows = rows.stop - rows.start
        self._file.seek(info.data_offset + rows.start * row_bytes)
        readinto = getattr(self._file, "readinto", None)
        if cols.start == 0 and cols.stop == width and readinto is not None:
            array = self._read_native(readinto, n_rows * width, dtype).reshape(n_rows, width)
        else:
            array = np.empty((n_rows, width), dtype=dtype)
            self._fill(memoryview(array).cast("B"), readinto)
            if cols.start != 0 or cols.stop != width:
                array = np.ascontiguousarray(array[:, cols])
            array = array.byteswap(inplace=True).view(dtype.newbyteorder("="))
        return _apply_scaling(array, bitpix, bzero, bscale)

    def _fill(self, view: memoryview, readinto: Any) -> None:
        """Fill ``view`` from the current offset (``TruncatedError`` via `error` if the file ends)."""
        total, got = len(view), 0
        while got < total:
            if readinto is not None:
                n = readinto(view[got:])
            else:
                data = self._file.read(total - got)
                n = len(data)
                view[got : got + n] = data
            if not n:
                raise self.error("truncated: image data ends before the header's NAXIS1 x NAXIS2 pixels")
            got += n

    def _read_native(self, readinto: Any, count: int, dtype: np.dtype) -> np.ndarray:
        """``count`` big-endian values as a native array, converted chunk by chunk.

        Reading into a small reused buffer and casting into the result swaps the bytes while they
        are in cache: one pass over the result instead of a read pass plus an in-place swap pass.
        """
        result = np.empty(count, dtype=dtype.newbyteorder("="))
        step = max(1, _CHUNK_BYTES // dtype.itemsize)
        buffer = np.empty(min(step, count), dtype=dtype)
        view = memoryview(buffer).cast("B")
        for start in range(0, count, step):
            n = min(step, count - start)
            self._fill(view[: n * dtype.itemsize], readinto)
            np.copyto(result[start : start + n], buffer[:n])
        return result

    def _read_compressed(self, info: HduInfo, rows: slice, cols: slice) -> np.ndarray:
        raw = self.read_raw(info)
        try:
            with fits.open(io.BytesIO(bytes(_minimal_primary()) + raw), lazy_load_hdus=True) as hdul:
                hdu = hdul[1]
                if rows.start == 0 and cols.start == 0 and (rows.stop, cols.stop) == self.image_shape(info):
                    data = hdu.data
                else:
                    data = hdu.section[rows, cols]
                return np.array(data, dtype=np.asarray(data).dtype.newbyteorder("="))
        except ImageFormatError:
            raise
        except Exception as err:
            raise self.error(f"compressed HDU {info.name} cannot be decompressed: {err}") from None


def _apply_scaling(array: np.ndarray, bitpix: int, bzero: Any, bscale: Any) -> np.ndarray:
    """Unsigned integers stored with ``BZERO = 2**(bits-1)`` shifted exactly; other scaling to float."""
    if bitpix in (16, 32, 64) and bscale == 1 and bzero == 2 ** (bitpix - 1):
        unsigned = np.dtype(f"u{bitpix // 8}")
        array = array.view(unsigned)
        array ^= np.array(1 << (bitpix - 1), dtype=unsigned)
    elif bzero != 0 or bscale != 1:
        array = array * np.float64(bscale) + np.float64(bzero)
        array = array.astype(np.float32 if bitpix in (8, 16, -32) else np.float64)
    return array


def _minimal_primary() -> bytes:
    header = fits.Header()
    header["SIMPLE"] = True
    header["BITPIX"] = 8
    header["NAXIS"] = 0
    header["EXTEND"] = True
    return header.tostring().encode("ascii")
