"""Paths of the instrument data shipped inside the package (``pipetasks/instruments/data``)."""

from __future__ import annotations

import functools
import importlib.resources
import pathlib

from ..image.camera import Camera

__all__ = ["megacam_file", "load_megacam_camera"]


def megacam_file(relative: str) -> pathlib.Path:
    """Path of a file under ``data/megacam`` (e.g. ``"camera.yaml"``, ``"defects/epochs.yaml"``).

    Raises
    ------
    FileNotFoundError
        If the package has no such file.
    """
    path = pathlib.Path(str(importlib.resources.files(__package__).joinpath("data", "megacam", relative)))
    if not path.exists():
        raise FileNotFoundError(f"pipetasks.instruments has no MegaCam data file {relative!r} (looked at {path})")
    return path


@functools.cache
def _cached_camera() -> Camera:
    return Camera.from_yaml(megacam_file("camera.yaml"))


def load_megacam_camera() -> Camera:
    """The MegaPrime camera (36 CCDs), read once per process from ``camera.yaml``.

    The `Camera` is treated as immutable; do not modify the returned object.
    """
    return _cached_camera()
