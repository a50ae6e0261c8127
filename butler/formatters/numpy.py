"""NumPy ``.npy`` files for arrays."""

from __future__ import annotations

__all__ = ("NpyFormatter",)

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .base import Formatter, local_path, read_bytes, write_bytes

if TYPE_CHECKING:
    import fsspec

_MMAP_MODES = frozenset({"r", "c"})


class NpyFormatter(Formatter):
    """Read and write `numpy.ndarray` as ``.npy`` files (never pickled).

    Notes
    -----
    The ``mmap_mode`` read parameter (``"r"`` read-only or ``"c"``
    copy-on-write) memory-maps local files instead of reading them; the
    mapping stays valid after the file is removed on POSIX systems.  On
    other filesystems the parameter is ignored and the array is read into
    memory, since it only changes how, not what, is read.
    """

    default_extension = ".npy"
    supported_extensions = frozenset({".npy"})
    supported_read_parameters = frozenset({"mmap_mode"})

    def _read(self, fs: fsspec.AbstractFileSystem | None, path: str, parameters: Mapping[str, Any]) -> Any:
        mmap_mode = parameters.get("mmap_mode")
        if mmap_mode is not None and mmap_mode not in _MMAP_MODES:
            raise ValueError(f"mmap_mode must be one of {sorted(_MMAP_MODES)} or None, not {mmap_mode!r}")
        local = local_path(fs, path)
        try:
            if mmap_mode is not None and local is not None:
                return np.load(local, mmap_mode=mmap_mode, allow_pickle=False)
            data = read_bytes(fs, path)
            return np.load(io.BytesIO(data), allow_pickle=False)
        except (ValueError, EOFError) as exc:
            raise self.read_error(path, f"not a valid .npy file: {exc}") from exc

    def _write(self, obj: Any, fs: fsspec.AbstractFileSystem | None, path: str) -> None:
        if isinstance(obj, np.ma.MaskedArray):
            raise TypeError(f"{type(self).__name__} would lose the mask of a masked array; use Parquet")
        if obj.dtype.hasobject:
            raise TypeError(
                f"{type(self).__name__} cannot write object arrays (dtype {obj.dtype}) without pickle"
            )
        buffer = io.BytesIO()
        np.save(buffer, obj, allow_pickle=False)
        write_bytes(fs, path, buffer.getvalue())
