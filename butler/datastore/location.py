"""Where files are: the datastore root, and the filesystem of any recorded path.

Local paths are handled with plain `os` calls (``fs`` is `None`), which is
several times faster than going through fsspec; everything else (``s3://``,
``gs://``, ``memory://``...) goes through an fsspec filesystem.
"""

from __future__ import annotations

__all__ = ["DatastoreRoot", "split_url"]

import os
import posixpath
from collections.abc import Mapping
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

from .stored_file import is_absolute_path


def _is_local_url(location: str) -> bool:
    return "://" not in location or location.startswith("file://")


def _local_path(location: str) -> str:
    location = location.removeprefix("file://")
    return os.path.abspath(os.path.expanduser(location))


def split_url(location: str, storage_options: Mapping[str, Any] | None = None
              ) -> tuple[fsspec.AbstractFileSystem | None, str]:
    """Return the filesystem (`None` for local) and the path on it of a location.

    Parameters
    ----------
    location : `str`
        Local path (relative paths are made absolute) or fsspec URL.
    storage_options : `~collections.abc.Mapping`, optional
        Passed to the fsspec filesystem.
    """
    location = os.fspath(location)
    if _is_local_url(location):
        return None, _local_path(location)
    fs, path = fsspec.core.url_to_fs(location, **dict(storage_options or {}))
    if isinstance(fs, LocalFileSystem):
        return None, _local_path(path)
    return fs, path


class DatastoreRoot:
    """The root directory of a datastore.

    Parameters
    ----------
    root : `str` or path-like
        Local directory or fsspec URL such as ``s3://bucket/prefix``.
    storage_options : `~collections.abc.Mapping`, optional
        fsspec options for the root's filesystem (and for other URLs with
        the same protocol).

    Attributes
    ----------
    fs : `fsspec.AbstractFileSystem` or `None`
        The root's filesystem; `None` when local.
    path : `str`
        The root as a path on ``fs`` (an absolute local path when local).
    url : `str`
        The root as given to users: the local path, or the URL.
    """

    def __init__(self, root: str | os.PathLike[str], storage_options: Mapping[str, Any] | None = None):
        self.storage_options = dict(storage_options or {})
        root = os.fspath(root)
        self.fs, path = split_url(root, self.storage_options)
        self.path = path.rstrip("/") or "/"
        if self.fs is None:
            self.url = self.path
            self.protocol = "file"
        else:
            protocol = self.fs.protocol
            self.protocol = protocol if isinstance(protocol, str) else protocol[0]
            self.url = self.fs.unstrip_protocol(self.path).rstrip("/")
        self._other_fs: dict[str, fsspec.AbstractFileSystem] = {}

    @property
    def is_local(self) -> bool:
        """Whether the root is a local directory."""
        return self.fs is None

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"DatastoreRoot({self.url!r})"

    def join(self, relative: str) -> str:
        """The path on `fs` of a path relative to the root."""
        return f"{self.path}/{relative}"

    def resolve(self, recorded: str) -> tuple[fsspec.AbstractFileSystem | None, str]:
        """The filesystem and path of a recorded path (relative or absolute)."""
        if not is_absolute_path(recorded):
            return self.fs, f"{self.path}/{recorded}"
        return self.filesystem_for(recorded)

    def filesystem_for(self, location: str) -> tuple[fsspec.AbstractFileSystem | None, str]:
        """The filesystem and path of an absolute location (local path or URL)."""
        if _is_local_url(location):
            return None, _local_path(location)
        protocol = location.split("://", 1)[0]
        if self.fs is not None and protocol in (self.fs.protocol if isinstance(self.fs.protocol, tuple)
                                                else (self.fs.protocol,)):
            return self.fs, self.fs._strip_protocol(location)
        fs = self._other_fs.get(protocol)
        if fs is None:
            fs, path = split_url(location)
            if fs is None:
                return None, path
            self._other_fs[protocol] = fs
            return fs, path
        return fs, fs._strip_protocol(location)

    def url_of(self, recorded: str) -> str:
        """What users see for a recorded path: a local path or a URL."""
        if not is_absolute_path(recorded):
            return f"{self.url}/{recorded}"
        return recorded

    def relative_path(self, fs: fsspec.AbstractFileSystem | None, path: str) -> str | None:
        """The path relative to the root of a file on ``fs``, or `None` if it is outside the root."""
        if (fs is None) != self.is_local or (fs is not None and type(fs) is not type(self.fs)):
            return None
        prefix = self.path.rstrip("/") + "/"
        if not path.startswith(prefix):
            return None
        relative = posixpath.normpath(path[len(prefix):])
        if relative in (".", "..") or relative.startswith("../"):
            return None
        return relative
