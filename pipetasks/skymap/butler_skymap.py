"""The ``SkyMap`` storage class: a sky map stored as its class name and config (YAML), rebuilt on read.

A sky map is fully defined by its class and config, so that is all the file
holds (no pickle)::

    format: pipetasks.skymap/1
    class: pipetasks.skymap.rings_skymap.RingsSkyMap
    sha1: 5d0c...
    config: {numRings: 120, raStart: 0.0, patchInnerDimensions: [4000, 4000], ...}

Reading checks that the rebuilt sky map has the recorded SHA-1, so a file
never silently turns into a different sky map.  The storage class reaches
the butler through the ``butler.storage_classes`` entry point
(``pipetasks-skymap``); `ensure_registered` adds it to the running process
too.
"""

from __future__ import annotations

__all__ = [
    "SkyMapFormatter", "ensure_registered", "skymap_from_dict", "skymap_to_dict", "storage_class_config",
]

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import yaml

from butler.formatters.base import Formatter, read_bytes, write_bytes
from butler.storage_class import import_dotted
from butler.storage_class_factory import add_config_once

if TYPE_CHECKING:
    import fsspec

    from .base_skymap import BaseSkyMap

FORMAT = "pipetasks.skymap/1"


def skymap_to_dict(skymap: BaseSkyMap) -> dict[str, Any]:
    """The content of a sky map file: format, class, SHA-1 and config values."""
    cls = type(skymap)
    return {
        "format": FORMAT,
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "sha1": skymap.getSha1().hex(),
        "config": skymap.config.toDict(),
    }


def skymap_from_dict(data: Mapping[str, Any]) -> BaseSkyMap:
    """The sky map described by `skymap_to_dict`'s output.

    Raises
    ------
    ValueError
        If the content is not a sky map description, names a class that is
        not a sky map, or rebuilds into a sky map with another SHA-1.
    """
    from .base_skymap import BaseSkyMap

    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, Mapping) else type(data).__name__
        raise ValueError(f"not a sky map description: format is {found!r}, expected {FORMAT!r}")
    try:
        cls = import_dotted(str(data["class"]))
    except (ImportError, AttributeError) as err:
        raise ValueError(f"sky map class {data['class']!r} cannot be imported: {err}") from err
    if not (isinstance(cls, type) and issubclass(cls, BaseSkyMap)):
        raise ValueError(f"{data['class']!r} is not a BaseSkyMap subclass")  # noqa: TRY004 - bad file content
    config = cls.ConfigClass()
    config.update(**dict(data.get("config") or {}))
    skymap = cls(config)
    recorded = data.get("sha1")
    if recorded is not None and skymap.getSha1().hex() != recorded:
        raise ValueError(f"the rebuilt {cls.__name__} has SHA-1 {skymap.getSha1().hex()}, not the recorded "
                         f"{recorded}: this version of {cls.__name__} defines the sky map differently")
    return skymap


class SkyMapFormatter(Formatter):
    """A `BaseSkyMap` as YAML: its class and config (see the module docstring)."""

    default_extension = ".yaml"
    supported_extensions = frozenset({".yaml", ".yml"})

    def _write(self, obj: Any, fs: fsspec.AbstractFileSystem | None, path: str) -> None:
        write_bytes(fs, path, yaml.safe_dump(skymap_to_dict(obj), sort_keys=False).encode())

    def _read(self, fs: fsspec.AbstractFileSystem | None, path: str, parameters: Mapping[str, Any]) -> Any:
        try:
            data = yaml.safe_load(read_bytes(fs, path))
        except yaml.YAMLError as err:
            raise self.read_error(path, f"not YAML: {err}") from err
        try:
            return skymap_from_dict(data)
        except ValueError as err:
            raise self.read_error(path, str(err)) from err


def storage_class_config() -> dict[str, Any]:
    """The ``butler.storage_classes`` entry-point mapping (see `butler.storage_class`)."""
    return {
        "storageClasses": {"SkyMap": {"pytype": "pipetasks.skymap.BaseSkyMap"}},
        "formatters": {"SkyMap": f"{__name__}.SkyMapFormatter"},
    }


def ensure_registered() -> None:
    """Add the ``SkyMap`` storage class to the process-wide registry (idempotent)."""
    add_config_once(__name__, storage_class_config)
