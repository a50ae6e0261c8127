"""Where pipeline files (and config files they name) are read from and written to.

A location is a local path (``$VARS`` and ``~`` expanded), a ``file://`` URL,
a ``resource://package/path`` naming a file shipped inside a Python package
(``resource://pipetasks/pipelines/DRP.yaml``), or any URL fsspec can open
(``s3://...``).  A relative path is looked up next to the pipeline file that
names it first, then in the current directory.
"""

from __future__ import annotations

__all__ = ["Location", "read_text", "resolve", "write_text"]

import dataclasses
import importlib.resources
import os
import posixpath

_RESOURCE = "resource://"


@dataclasses.dataclass(frozen=True)
class Location:
    """A resolved location.

    Attributes
    ----------
    uri : `str`
        Absolute path or URL, usable as the identity of the file.
    base : `str`
        The directory (path or URL) that relative names inside it resolve against.
    """

    uri: str
    base: str


def _is_url(text: str) -> bool:
    return "://" in text


def resolve(location: str, base: str | None = None) -> Location:
    """Make ``location`` absolute, relative names first against ``base``.

    Parameters
    ----------
    location : `str`
        Path or URL as written.
    base : `str`, optional
        Directory of the file that names ``location``.
    """
    text = os.path.expanduser(os.path.expandvars(str(location)))
    if text.startswith("file://"):
        text = text[len("file://"):]
    if _is_url(text):
        return Location(text, posixpath.dirname(text))
    if not os.path.isabs(text) and base is not None:
        if _is_url(base):
            joined = posixpath.join(base, text)
            return Location(joined, posixpath.dirname(joined))
        candidate = os.path.join(base, text)
        if os.path.exists(candidate):
            text = candidate
    absolute = os.path.abspath(text)
    return Location(absolute, os.path.dirname(absolute))


def read_text(location: Location) -> str:
    """Read a resolved location as text.

    Raises
    ------
    FileNotFoundError
        Nothing exists there.
    """
    uri = location.uri
    if uri.startswith(_RESOURCE):
        package, _, path = uri[len(_RESOURCE):].partition("/")
        try:
            resource = importlib.resources.files(package).joinpath(path)
        except ModuleNotFoundError:
            raise FileNotFoundError(f"No package {package!r} for {uri}.") from None
        if not resource.is_file():
            raise FileNotFoundError(f"No file {path!r} in package {package!r} ({uri}).")
        return resource.read_text()
    if _is_url(uri):
        import fsspec

        with fsspec.open(uri, "r") as stream:
            return stream.read()
    with open(uri) as stream:
        return stream.read()


def write_text(location: str, text: str) -> None:
    """Write ``text`` to a path or URL (local files through a temporary name, then renamed)."""
    target = os.path.expanduser(os.path.expandvars(str(location)))
    if target.startswith("file://"):
        target = target[len("file://"):]
    if _is_url(target):
        import fsspec

        with fsspec.open(target, "w") as stream:
            stream.write(text)
        return
    directory = os.path.dirname(os.path.abspath(target))
    os.makedirs(directory, exist_ok=True)
    temporary = os.path.join(directory, f".{os.path.basename(target)}.tmp{os.getpid()}")
    with open(temporary, "w") as stream:
        stream.write(text)
    os.replace(temporary, target)
