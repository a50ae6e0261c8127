"""Moving bytes: transfer modes, file copies between filesystems, small file operations.

Every function takes ``fs`` = `None` for local paths and uses `os` /
`shutil` directly then; fsspec is used only for other filesystems.  Batches
of cross-filesystem copies go through fsspec's list forms of ``put``,
``get`` and ``copy``, which asynchronous filesystems such as s3fs run
concurrently.
"""

from __future__ import annotations

__all__ = [
    "LINK_MODES",
    "TRANSFER_MODES",
    "DirectoryMaker",
    "check_transfer_mode",
    "file_checksum",
    "file_exists",
    "file_size",
    "remove_file",
    "transfer_files",
]

import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import fsspec

    FS = fsspec.AbstractFileSystem | None
else:
    FS = object

TRANSFER_MODES = ("auto", "copy", "move", "link", "hardlink", "symlink", "relsymlink", "direct")
"""Every transfer mode accepted by ``ingest`` (besides `None`)."""

LINK_MODES = frozenset({"link", "hardlink", "symlink", "relsymlink"})
"""Modes that make links instead of copies; local files only."""

_CHUNK = 1 << 20

# Bounds the memory of DirectoryMaker over millions of writes.
_MAX_KNOWN_DIRECTORIES = 100_000


def check_transfer_mode(mode: str | None, *, allowed: Sequence[str | None] = (None, *TRANSFER_MODES)) -> None:
    """Raise `NotImplementedError` (as LSST does) for an unsupported mode."""
    if mode not in allowed:
        raise NotImplementedError(f"Transfer mode {mode} not supported.")


def file_exists(fs: FS, path: str) -> bool:
    """Whether a file (or a link, even dangling) exists."""
    if fs is None:
        return os.path.lexists(path)
    return fs.exists(path)


def remove_file(fs: FS, path: str) -> None:
    """Remove a file; a missing file is not an error."""
    if fs is None:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
        return
    try:
        fs.rm_file(path)
    except FileNotFoundError:
        pass


def file_size(fs: FS, path: str) -> int:
    """Size of a file in bytes."""
    if fs is None:
        return os.stat(path).st_size
    return int(fs.size(path))


def file_checksum(fs: FS, path: str, algorithm: str = "blake2b") -> str:
    """Hex digest of a file's content (``blake2b`` or ``md5``)."""
    if algorithm not in ("blake2b", "md5"):
        raise ValueError(f"Unsupported checksum algorithm {algorithm!r}; use 'blake2b' or 'md5'.")
    digest = hashlib.blake2b() if algorithm == "blake2b" else hashlib.md5(usedforsecurity=False)
    stream = open(path, "rb") if fs is None else fs.open(path, "rb")
    with stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class DirectoryMaker:
    """Create parent directories, remembering which already exist.

    Object stores have no directories; for them nothing is done.
    """

    __slots__ = ("_known",)

    def __init__(self) -> None:
        self._known: set[str] = set()

    def ensure_parent(self, fs: FS, path: str) -> bool:
        """Make sure the directory holding ``path`` exists.

        Returns
        -------
        created : `bool`
            `True` if the directory was just created (so ``path`` cannot
            exist yet); `False` if it existed or is not known to be new.
        """
        parent = path.rpartition("/")[0]
        if not parent or parent in self._known:
            return False
        if len(self._known) >= _MAX_KNOWN_DIRECTORIES:
            self._known.clear()
        created = False
        if fs is None:
            try:
                os.mkdir(parent)
                created = True
            except FileExistsError:
                pass
            except FileNotFoundError:
                os.makedirs(parent, exist_ok=True)
                created = True
        elif not _is_object_store(fs):
            fs.makedirs(parent, exist_ok=True)
        self._known.add(parent)
        return created

    def forget(self) -> None:
        """Forget what is known (directories may have been removed)."""
        self._known.clear()


def _is_object_store(fs: fsspec.AbstractFileSystem) -> bool:
    protocol = fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)
    return bool({"s3", "s3a", "gs", "gcs", "abfs", "az", "adl"} & set(protocol))


def _replacing(make: Callable[[], None], dst: str) -> None:
    """Run ``make`` (which creates ``dst``), replacing a leftover file at ``dst`` if needed."""
    try:
        make()
    except FileExistsError:
        os.remove(dst)
        make()


def _local_link(src: str, dst: str, mode: str) -> None:
    if mode == "hardlink":
        os.link(src, dst)
    elif mode == "symlink":
        os.symlink(os.path.abspath(src), dst)
    elif mode == "relsymlink":
        os.symlink(os.path.relpath(os.path.abspath(src), os.path.dirname(dst)), dst)
    else:  # "link": a hard link where possible, else a symbolic one
        try:
            os.link(src, dst)
        except FileExistsError:
            raise
        except OSError:
            os.symlink(os.path.abspath(src), dst)


def _copy_local(src: str, dst: str) -> None:
    """Copy with two opens and ``sendfile``: none of `shutil.copyfile`'s extra stat calls.

    ``O_EXCL`` makes a leftover file (or a link) at ``dst`` an error instead
    of something written through.
    """
    source = os.open(src, os.O_RDONLY)
    try:
        target = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            remaining = os.fstat(source).st_size
            offset = 0
            try:
                while remaining > 0:
                    sent = os.sendfile(target, source, offset, min(remaining, 1 << 30))
                    if sent == 0:
                        break
                    offset += sent
                    remaining -= sent
            except (AttributeError, OSError):
                os.lseek(source, offset, os.SEEK_SET)
                while chunk := os.read(source, _CHUNK):
                    os.write(target, chunk)
        finally:
            os.close(target)
    finally:
        os.close(source)


def transfer_files(src_fs: FS, dst_fs: FS, pairs: Sequence[tuple[str, str]], mode: str) -> list[tuple[str, str]]:
    """Transfer files from one filesystem to another.

    The destinations' parent directories must exist.  A file already at a
    destination is replaced (callers make sure no record refers to it).

    Parameters
    ----------
    src_fs, dst_fs : `fsspec.AbstractFileSystem` or `None`
        Source and destination filesystems (`None` for local).
    pairs : sequence of (`str`, `str`)
        Source and destination paths.
    mode : `str`
        ``copy``, ``move``, ``link``, ``hardlink``, ``symlink`` or
        ``relsymlink``.

    Returns
    -------
    pending : `list` [(`str`, `str`)]
        For a ``move`` between filesystems: the pairs that were copied and
        whose source still has to be deleted once the caller commits.  Empty
        otherwise.

    Raises
    ------
    ValueError
        Raised for a link mode involving a non-local file.
    """
    if not pairs:
        return []
    if mode in LINK_MODES:
        if src_fs is not None or dst_fs is not None:
            raise ValueError(f"Transfer mode {mode!r} needs local source and destination files.")
        for src, dst in pairs:
            _replacing(lambda: _local_link(src, dst, mode), dst)  # noqa: B023 - called at once
        return []
    if src_fs is None and dst_fs is None:
        if mode == "move":
            for src, dst in pairs:
                try:
                    os.rename(src, dst)
                except OSError:  # another device
                    shutil.move(src, dst)
        else:
            for src, dst in pairs:
                _replacing(lambda: _copy_local(src, dst), dst)  # noqa: B023 - called at once
        return []
    if src_fs is not None and src_fs is dst_fs:
        if mode == "move":
            for src, dst in pairs:
                src_fs.mv(src, dst)
            return []
        _batched(src_fs, "copy", "cp_file", pairs)
        return []
    if src_fs is None:
        _batched(dst_fs, "put", "put_file", pairs)
    elif dst_fs is None:
        _batched(src_fs, "get", "get_file", pairs)
    else:
        for src, dst in pairs:
            with src_fs.open(src, "rb") as source, dst_fs.open(dst, "wb") as target:
                shutil.copyfileobj(source, target, _CHUNK)
    return list(pairs) if mode == "move" else []


def _batched(fs: fsspec.AbstractFileSystem, many: str, one: str, pairs: Sequence[tuple[str, str]]) -> None:
    if len(pairs) > 1 and getattr(fs, "async_impl", False):
        getattr(fs, many)([s for s, _ in pairs], [d for _, d in pairs])
        return
    method = getattr(fs, one)
    for src, dst in pairs:
        method(src, dst)
