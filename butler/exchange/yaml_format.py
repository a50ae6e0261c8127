"""LSST's YAML export dialect: its tags, and reading and writing the whole document.

An export file (``butler export`` / ``Butler.export``) is one YAML mapping::

    description: Butler Data Repository Export
    version: 1.0.2                  # format version; 1.0.x is read, 1.0.2 written
    universe_version: 8             # dimension universe the records follow
    universe_namespace: daf_butler
    data: [...]                     # entries, each a mapping with a "type"

Values that plain YAML cannot say carry LSST's tags:

=================================  ==========================================
``!uuid 'e3d2...'``                a dataset ID (`uuid.UUID`)
``!butler_time/tai/iso '2024-...'`` a time, TAI, ISO with nanoseconds
                                    (`astropy.time.Time`)
``!lsst.daf.butler.Timespan``      a validity range: mapping ``begin``/``end``
                                    (times or null), or the scalar ``EMPTY``
``!<lsst.sphgeom.ConvexPolygon>``  a region: mapping ``encoded`` = hex of
                                    sphgeom's bytes (also ``Circle``, ``Box``,
                                    ``Ellipse``, ``UnionRegion``,
                                    ``IntersectionRegion``)
``!!binary``                       bytes (e.g. ``skymap.hash``), base64
=================================  ==========================================

Old exports with plain YAML timestamps are read too (as UTC, as LSST
does).  Any other tag is an `ExportFormatError` naming it.
"""

from __future__ import annotations

__all__ = [
    "FORMAT_VERSION", "DESCRIPTION", "as_time", "dump_document", "load_document", "parse_version",
    "time_text",
]

import datetime
import uuid
from collections.abc import Mapping
from typing import IO, Any

import astropy.time
import numpy as np
import yaml

from .. import spatial
from ..timespan import Timespan
from .errors import ExportFormatError, IncompatibleVersionError

FORMAT_VERSION = (1, 0, 2)
"""The format version written; files of major version 1 and minor version 0 are read."""

DESCRIPTION = "Butler Data Repository Export"

_UUID_TAG = "!uuid"
_TIME_TAG = "!butler_time/tai/iso"
_TIMESPAN_TAG = "!lsst.daf.butler.Timespan"
_REGION_TAG_PREFIX = "lsst.sphgeom."
_REGION_NAMES = ("ConvexPolygon", "Circle", "Box", "Ellipse", "UnionRegion", "IntersectionRegion")


# Reading -----------------------------------------------------------------------------------


# libyaml's C parser and emitter when PyYAML has them (several times faster on large exports).
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _ExportLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader plus LSST's export tags (registered on this subclass only)."""


def _construct_uuid(loader: yaml.SafeLoader, node: yaml.Node) -> uuid.UUID | None:
    text = loader.construct_scalar(node)  # type: ignore[arg-type]
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ExportFormatError(f"{text!r} (line {node.start_mark.line + 1}) is not a UUID.") from None


def _construct_time(loader: yaml.SafeLoader, node: yaml.Node) -> astropy.time.Time | None:
    text = loader.construct_scalar(node)  # type: ignore[arg-type]
    if not text or text == "null":
        return None
    try:
        return astropy.time.Time(text, format="iso", scale="tai")
    except ValueError:
        raise ExportFormatError(
            f"{text!r} (line {node.start_mark.line + 1}) is not an ISO time such as "
            "'2024-01-01 00:00:00.000000000'."
        ) from None


def _construct_timespan(loader: yaml.SafeLoader, node: yaml.Node) -> Timespan | None:
    if isinstance(node, yaml.ScalarNode):
        text = loader.construct_scalar(node)
        if text == "EMPTY":
            return Timespan.makeEmpty()
        if not text:
            return None
        raise ExportFormatError(
            f"Timespan {text!r} (line {node.start_mark.line + 1}) is neither EMPTY nor a mapping.")
    values = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return Timespan(as_time(values.get("begin")), as_time(values.get("end")))


def _construct_region(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> spatial.Region:
    where = f"line {node.start_mark.line + 1}"
    if suffix not in _REGION_NAMES or not isinstance(node, yaml.MappingNode):
        raise ExportFormatError(f"Unknown sphgeom object lsst.sphgeom.{suffix} at {where}; "
                                f"regions are one of {', '.join(_REGION_NAMES)} with an 'encoded' key.")
    values = loader.construct_mapping(node)
    try:
        return spatial.decode_text(str(values["encoded"]))
    except (KeyError, ValueError) as err:
        raise ExportFormatError(
            f"Region lsst.sphgeom.{suffix} at {where} has no valid 'encoded' hex: {err}") from None


_ExportLoader.add_constructor(_UUID_TAG, _construct_uuid)
_ExportLoader.add_constructor(_TIME_TAG, _construct_time)
_ExportLoader.add_constructor(_TIMESPAN_TAG, _construct_timespan)
_ExportLoader.add_multi_constructor(_REGION_TAG_PREFIX, _construct_region)


def as_time(value: Any) -> astropy.time.Time | None:
    """A time from a tagged time, a plain YAML timestamp (UTC, as LSST reads it) or `None`."""
    if isinstance(value, datetime.datetime):
        return astropy.time.Time(value, scale="utc")
    if isinstance(value, datetime.date):
        return astropy.time.Time(value.isoformat(), scale="utc")
    return value


def _bad_version(value: Any) -> str:
    return f"Export format version {value!r} is not of the form MAJOR.MINOR.PATCH."


def parse_version(value: Any) -> tuple[int, int, int]:
    """The ``(major, minor, patch)`` of a ``version`` value; ``0`` (very old files) is 1.0.0.

    Raises
    ------
    IncompatibleVersionError
        If the version is not one this code reads (major 1, minor 0).
    """
    if value == 0:
        return (1, 0, 0)
    parts = str(value).split(".")
    try:
        numbers = tuple(int(p) for p in parts)
    except ValueError:
        raise IncompatibleVersionError(_bad_version(value)) from None
    if len(numbers) != 3:
        raise IncompatibleVersionError(_bad_version(value))
    if numbers[0] != FORMAT_VERSION[0] or numbers[1] > FORMAT_VERSION[1]:
        supported = f"{FORMAT_VERSION[0]}.{FORMAT_VERSION[1]}.x"
        raise IncompatibleVersionError(
            f"Cannot read repository export file with version={value} ({supported} required).")
    return numbers  # type: ignore[return-value]


def load_document(stream: IO[str] | str, source: str = "the export file") -> dict[str, Any]:
    """Read an export document: the top-level mapping with LSST's tags resolved.

    Parameters
    ----------
    stream : file-like or `str`
        The YAML text or a stream of it.
    source : `str`, optional
        How to name the file in errors.

    Returns
    -------
    document : `dict`
        ``version`` checked, ``universe_version`` and ``universe_namespace``
        defaulted (0 and ``daf_butler``, as LSST), ``data`` a list of mappings.

    Raises
    ------
    ExportFormatError
        If the text is not YAML, not an export's mapping, or holds an
        unknown tag.
    IncompatibleVersionError
        If its format version is not readable here.
    """
    try:
        document = yaml.load(stream, Loader=_ExportLoader)  # noqa: S506 - a SafeLoader subclass
    except ExportFormatError:
        raise
    except yaml.YAMLError as err:
        detail = " ".join(str(err).split())
        raise ExportFormatError(f"{source} is not a readable export (YAML error: {detail}).") from None
    if not isinstance(document, Mapping) or "data" not in document or "version" not in document:
        raise ExportFormatError(
            f"{source} is not a repository export: expected a YAML mapping with 'version' and 'data' keys, "
            "as written by `butler export` or Butler.export().")
    document = dict(document)
    document["version"] = parse_version(document["version"])
    document.setdefault("universe_version", 0)
    document.setdefault("universe_namespace", "daf_butler")
    if not isinstance(document["universe_version"], int):
        raise ExportFormatError(f"{source}: universe_version must be an integer, not "
                                f"{document['universe_version']!r}.")
    data = document["data"] or []
    if not isinstance(data, list) or not all(isinstance(entry, Mapping) for entry in data):
        raise ExportFormatError(f"{source}: 'data' must be a list of mappings, each with a 'type'.")
    document["data"] = data
    return document


# Writing ---------------------------------------------------------------------------------


class _ExportDumper(_SafeDumper):  # type: ignore[valid-type,misc]
    """SafeDumper plus LSST's export tags (registered on this subclass only)."""


def _represent_uuid(dumper: yaml.SafeDumper, value: uuid.UUID) -> yaml.Node:
    return dumper.represent_scalar(_UUID_TAG, str(value), style="'")


def time_text(value: astropy.time.Time) -> str:
    """A time as LSST writes it: TAI, ISO, nanoseconds (``2024-01-01 00:00:00.000000000``)."""
    tai = value.tai.copy()
    tai.precision = 9
    tai.format = "iso"
    return str(tai.value)


def _represent_time(dumper: yaml.SafeDumper, value: astropy.time.Time) -> yaml.Node:
    return dumper.represent_scalar(_TIME_TAG, time_text(value), style="'")


def _represent_timespan(dumper: yaml.SafeDumper, value: Timespan) -> yaml.Node:
    if value.isEmpty():
        return dumper.represent_scalar(_TIMESPAN_TAG, "EMPTY")
    return dumper.represent_mapping(_TIMESPAN_TAG, {"begin": value.begin, "end": value.end})


def _represent_region(dumper: yaml.SafeDumper, value: spatial.Region) -> yaml.Node:
    return dumper.represent_mapping(f"{_REGION_TAG_PREFIX}{type(value).__name__}",
                                    {"encoded": value.encode().hex()})


def _represent_numpy(dumper: yaml.SafeDumper, value: np.generic) -> yaml.Node:
    return dumper.represent_data(value.item())


def _represent_tuple(dumper: yaml.SafeDumper, value: tuple) -> yaml.Node:
    return dumper.represent_list(list(value))


_ExportDumper.add_representer(uuid.UUID, _represent_uuid)
_ExportDumper.add_representer(astropy.time.Time, _represent_time)
_ExportDumper.add_representer(Timespan, _represent_timespan)
_ExportDumper.add_multi_representer(spatial.Region, _represent_region)
_ExportDumper.add_multi_representer(np.generic, _represent_numpy)
_ExportDumper.add_representer(tuple, _represent_tuple)


def dump_document(data: list[dict[str, Any]], stream: IO[str], *, universe_version: int,
                  universe_namespace: str) -> None:
    """Write an export document (format 1.0.2) with LSST's tags.

    Parameters
    ----------
    data : `list` [`dict`]
        The entries, in the order an importer should read them.
    stream : file-like
        Where to write.
    universe_version, universe_namespace
        The dimension universe the records follow.
    """
    document = {
        "description": DESCRIPTION,
        "version": ".".join(str(n) for n in FORMAT_VERSION),
        "universe_version": universe_version,
        "universe_namespace": universe_namespace,
        "data": data,
    }
    yaml.dump(document, stream, Dumper=_ExportDumper, sort_keys=False, default_flow_style=False)
