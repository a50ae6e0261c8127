"""Raw ingest: find raw files, read their headers, create the exposure records and ingest the datasets.

`ingest_raws` is the library behind ``butler ingest-raws`` (LSST's ``RawIngestTask``).  It works
in two phases that data flows through one way:

1. *Scan* (`scan_raw_file`, in a pool of worker processes when ``processes > 1``): read the
   primary and every image extension header of a file (no pixels), find the registered
   instrument whose translator reads them, translate each extension, and check that they
   describe one exposure and known detectors and filter.  Workers never touch the registry.
2. *Ingest* (main process, one transaction per file): sync the ``group``, ``day_obs`` and
   ``exposure`` records, register the ``raw`` dataset type and the run, and ingest the
   datasets missing from the run (one per detector, all pointing at the file).

A file that cannot be ingested is reported with the reason and leaves nothing behind (its
transaction is rolled back and any file transferred is removed); the others are ingested.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from butler import DatasetIdGenEnum, DatasetRef, FileDataset
from butler.errors import ButlerError, ConflictingDefinitionError
from butler.formatters.errors import FormatterReadError

from ..image.fits.reader import FitsReader, HduInfo
from .errors import HeaderTranslationError, RawIngestError, UnknownInstrumentError
from .instrument import Instrument
from .observation_info import ObservationInfo
from .raw_formatter import merged_raw_header

if TYPE_CHECKING:
    from butler import Butler

__all__ = ["RawIngestResult", "ScannedRawFile", "find_raw_files", "ingest_raws", "scan_raw_file"]

_LOG = logging.getLogger(__name__)

DEFAULT_REGEX = r"\.fit[s]?(\.fz)?$"
"""Files of directories given to `ingest_raws` are ingested when their name matches this."""

_RECORD_ELEMENTS = ("group", "day_obs", "exposure")
"""Dimension records of an exposure, in the order they must be inserted."""

T = TypeVar("T")
Progress = Callable[..., Iterable[Any]]


@dataclasses.dataclass
class RawIngestResult:
    """What `ingest_raws` did.

    Attributes
    ----------
    ingested : `list` [`DatasetRef`]
        The datasets added (one per detector of each file ingested).
    already : `list` [`str`]
        Files skipped because all their datasets were already in the run.
    failures : `list` [`tuple` [`str`, `str`]]
        Files not ingested and why (one line each).
    """

    ingested: list[DatasetRef] = dataclasses.field(default_factory=list)
    already: list[str] = dataclasses.field(default_factory=list)
    failures: list[tuple[str, str]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class ScannedRawFile:
    """What the headers of one raw file say, ready to be written to a registry.

    Attributes
    ----------
    path : `str`
        The file.
    instrument : `str`
        Dotted class name of the instrument that reads it.
    records : `dict` [`str`, `dict`]
        The ``group``, ``day_obs`` and ``exposure`` records (`Instrument.exposure_records`).
    detectors : `tuple` [`int`, ...]
        The detectors it holds, one image HDU each, in file order.
    """

    path: str
    instrument: str
    records: dict[str, dict[str, Any]]
    detectors: tuple[int, ...]

    @property
    def exposure(self) -> int:
        return int(self.records["exposure"]["id"])


class _Unreadable(Exception):
    """A file the scan rejects; the message is the one-line reason."""


# -- finding files ---------------------------------------------------------------------------------


def _is_url(location: str) -> bool:
    return "://" in location and not location.startswith("file://")


def find_raw_files(locations: Iterable[str | os.PathLike[str]], regex: str = DEFAULT_REGEX
                   ) -> tuple[list[str], list[tuple[str, str]]]:
    """The files named by ``locations``: files as given, directories searched recursively.

    Parameters
    ----------
    locations : iterable of `str` or path-like
        Files, directories, or fsspec URLs of either.
    regex : `str`, optional
        Files found in directories are kept when `re.search` finds this in their name.

    Returns
    -------
    files : `list` [`str`]
        Absolute paths (or URLs), without duplicates, directory contents sorted.
    missing : `list` [`tuple` [`str`, `str`]]
        Locations that do not exist, with the reason.
    """
    pattern = re.compile(regex)
    files: dict[str, None] = {}
    missing: list[tuple[str, str]] = []
    for location in map(os.fspath, locations):
        if _is_url(location):
            found = _find_remote(location, pattern)
            if found is None:
                missing.append((location, "no such file or directory"))
            files.update(dict.fromkeys(found or ()))
            continue
        path = os.path.abspath(location.removeprefix("file://"))
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs.sort()
                files.update(dict.fromkeys(os.path.join(root, n) for n in sorted(names) if pattern.search(n)))
        elif os.path.exists(path):
            files[path] = None
        else:
            missing.append((location, "no such file or directory"))
    return list(files), missing


def _find_remote(url: str, pattern: re.Pattern[str]) -> list[str] | None:
    import fsspec

    fs, path = fsspec.core.url_to_fs(url)
    if fs.isdir(path):
        return sorted(fs.unstrip_protocol(p) for p in fs.find(path) if pattern.search(p.rsplit("/", 1)[-1]))
    return [url] if fs.exists(path) else None


# -- scanning headers (worker side) ------------------------------------------------------------------


@functools.cache
def _instrument(class_name: str) -> Instrument:
    return Instrument.from_string(class_name)


def _holds_pixels(hdu: HduInfo) -> bool:
    """A tile-compressed image, or a primary or IMAGE extension with NAXIS > 0."""
    if hdu.is_compressed_image:
        return True
    if not int(hdu.header.get("NAXIS", 0) or 0):
        return False
    return hdu.index == 0 or str(hdu.header.get("XTENSION", "")).strip() == "IMAGE"


def _read_headers(path: str) -> tuple[HduInfo, list[HduInfo]]:
    """The primary HDU and the image HDUs of a file (headers only)."""
    try:
        if _is_url(path):
            import fsspec

            fs, inner = fsspec.core.url_to_fs(path)
            reader = FitsReader(inner, fs=fs, name=path)
        else:
            reader = FitsReader(path)
        with reader:
            hdus = reader.hdus()
    except FormatterReadError as err:
        raise _Unreadable(err.reason) from None
    except OSError as err:
        raise _Unreadable(f"cannot be read: {err.strerror or err}") from None
    images = [hdu for hdu in hdus if _holds_pixels(hdu)]
    if not images:
        raise _Unreadable(f"has no image HDU (it has {len(hdus)} HDU(s) without pixels)")
    return hdus[0], images


def _pick_instrument(path: str, header: Mapping[str, Any], instruments: Sequence[str]) -> str:
    """The first of ``instruments`` whose translator reads ``header``."""
    for name in instruments:
        if _instrument(name).translatorClass.can_translate(header):
            return name
    registered = ", ".join(_instrument(name).getName() for name in instruments) or "none"
    raise _Unreadable(
        f"no registered instrument can read {path}: INSTRUME={header.get('INSTRUME')!r} "
        f"(registered: {registered}); register its instrument with `butler register-instrument`")


def _translate_hdu(instrument: Instrument, name: str, header: Mapping[str, Any]) -> ObservationInfo:
    """One image HDU's translation, checked to name a detector and a filter the instrument has."""
    try:
        info = instrument.translate(header)
    except HeaderTranslationError as err:
        raise _Unreadable(f"{name}: {err}") from None
    camera = instrument.getCamera()
    if info.detector_num not in camera:
        ids = sorted(camera.getIdIter())
        raise _Unreadable(f"{name} is detector {info.detector_num}, which the {instrument.getName()} "
                          f"camera does not have (detectors {ids[0]}..{ids[-1]})")
    if info.physical_filter not in instrument.filterDefinitions:
        known = ", ".join(d.physical_filter for d in instrument.filterDefinitions)
        raise _Unreadable(f"{name}: unknown {instrument.getName()} physical filter "
                          f"{info.physical_filter!r}; known: {known}")
    return info


def _check_same_exposure(records: Mapping[str, Mapping[str, Any]], first: str,
                         other: Mapping[str, Mapping[str, Any]], name: str) -> None:
    for element in _RECORD_ELEMENTS:
        mine, theirs = records[element], other[element]
        differ = [key for key in mine if mine[key] != theirs.get(key)]
        if differ:
            shown = ", ".join(f"{key}={theirs[key]!r} (not {mine[key]!r})" for key in differ)
            raise _Unreadable(f"its HDUs describe different exposures: {name} has {shown} of {first}")


def scan_raw_file(path: str, instruments: Sequence[str]) -> ScannedRawFile | tuple[str, str]:
    """Read the headers of one raw file and translate them (no pixels, no registry).

    Parameters
    ----------
    path : `str`
        The file (a local path or an fsspec URL).
    instruments : sequence of `str`
        Dotted class names of the candidate instruments; the first whose translator can read
        the first image header is used.

    Returns
    -------
    scanned : `ScannedRawFile` or `tuple` [`str`, `str`]
        What the file holds, or ``(path, reason)`` if it cannot be ingested: not FITS,
        truncated, from no candidate instrument, a header the translator cannot read, a
        detector the camera lacks, an unknown filter, or extensions of different exposures.
    """
    try:
        return _scan(path, instruments)
    except _Unreadable as err:
        return path, str(err)


def _scan(path: str, instruments: Sequence[str]) -> ScannedRawFile:
    primary, images = _read_headers(path)
    headers = [(f"HDU {str(hdu.header.get('EXTNAME') or hdu.index).strip()}",
                merged_raw_header(primary.header, hdu.header)) for hdu in images]
    instrument_name = _pick_instrument(path, headers[0][1], instruments)
    instrument = _instrument(instrument_name)
    records: dict[str, dict[str, Any]] = {}
    detectors: list[int] = []
    for name, header in headers:
        info = _translate_hdu(instrument, name, header)
        if info.detector_num in detectors:
            raise _Unreadable(f"{name} holds detector {info.detector_num} again (an earlier HDU has it)")
        these = instrument.exposure_records(info)
        if records:
            _check_same_exposure(records, headers[0][0], these, name)
        else:
            records = these
        detectors.append(info.detector_num)
    return ScannedRawFile(path, instrument_name, records, tuple(detectors))


@contextlib.contextmanager
def _scanning(paths: Sequence[str], instruments: Sequence[str], processes: int
              ) -> Iterator[Iterator[ScannedRawFile | tuple[str, str]]]:
    """`scan_raw_file` of each path, in order; in a pool of ``processes`` workers if more than one.

    The pool is started on entering (before any progress bar starts its thread) and stopped on
    leaving, also when the loop over the results ends early.
    """
    scan = functools.partial(scan_raw_file, instruments=tuple(instruments))
    workers = min(processes, len(paths))
    if workers <= 1:
        yield map(scan, paths)
        return
    # Workers only read files, so forking (fast, nothing re-imported) is safe where it exists.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(workers) as pool:
        yield pool.imap(scan, paths, chunksize=1)


# -- writing to the repository (main process) --------------------------------------------------------


def _registered_instruments(butler: Butler) -> dict[str, Instrument]:
    """The instruments of the repository's instrument records that can be imported, by class name."""
    found: dict[str, Instrument] = {}
    for record in butler.registry.queryDimensionRecords("instrument"):
        try:
            instrument = Instrument.fromName(record.name, butler.registry)
        except UnknownInstrumentError as err:
            _LOG.warning("Instrument %s cannot be used to read raws: %s", record.name, err)
            continue
        found[instrument.class_name()] = instrument
    return found


def _conflict_message(butler: Butler, records: Mapping[str, Mapping[str, Any]], error: Exception) -> str:
    """Which stored record differs from the file's, field by field (else the error's own words)."""
    registry = butler.registry
    for element in _RECORD_ELEMENTS:
        record = records[element]
        key = record.get("id", record.get("name"))
        data_id = {"instrument": record["instrument"], element: key}
        stored = registry.queryDimensionRecords(element, dataId=data_id)
        if not stored:
            continue
        differ = [(field, getattr(stored[0], field), value) for field, value in record.items()
                  if field in stored[0].field_names and getattr(stored[0], field) != value]
        if differ:
            shown = "; ".join(f"{field} is {new!r} here but {old!r} in the repository"
                              for field, old, new in differ)
            return (f"its {element} record {key!r} conflicts with the one already registered: {shown} "
                    "(another file of the same exposure with different headers?)")
    return str(error)


def _ingest_file(butler: Butler, scanned: ScannedRawFile, instrument: Instrument, run: str | None,
                 transfer: str | None, track_file_attrs: bool) -> list[DatasetRef] | None:
    """Write one file's records and datasets in one transaction; `None` if all were there already."""
    registry = butler.registry
    dataset_type = instrument.raw_dataset_type(butler.dimensions)
    run_name = run or instrument.makeDefaultRawIngestRunName()
    exposure_id = {"instrument": instrument.getName(), "exposure": scanned.exposure}
    with butler.transaction():
        for element in _RECORD_ELEMENTS:
            registry.syncDimensionData(element, scanned.records[element])
        registry.registerDatasetType(dataset_type)
        registry.registerRun(run_name)
        present = {ref.dataId["detector"] for ref in
                   registry.queryDatasets(dataset_type, collections=run_name, dataId=exposure_id)}
        missing = [DatasetRef(dataset_type, dict(exposure_id, detector=detector), run=run_name,
                              id_generation_mode=DatasetIdGenEnum.DATAID_TYPE_RUN)
                   for detector in scanned.detectors if detector not in present]
        if not missing:
            return None
        dataset = FileDataset(scanned.path, missing, formatter=instrument.rawFormatterClass)
        butler.ingest(dataset, transfer=transfer, record_validation_info=track_file_attrs)
    return list(dataset.refs)  # type: ignore[arg-type]


def _no_progress(items: Iterable[T], *, description: str = "", total: int | None = None) -> Iterable[T]:
    return items


def ingest_raws(
    butler: Butler,
    locations: Iterable[str | os.PathLike[str]],
    *,
    transfer: str | None = "auto",
    run: str | None = None,
    regex: str = DEFAULT_REGEX,
    processes: int = 1,
    fail_fast: bool = False,
    progress: Progress | None = None,
    track_file_attrs: bool = True,
) -> RawIngestResult:
    """Ingest raw files: exposure records and one ``raw`` dataset per detector of each file.

    Parameters
    ----------
    butler : `~butler.Butler`
        A writeable butler; the instruments that read the files must be registered in it.
    locations : iterable of `str` or path-like
        Files (ingested whatever their name) and directories (searched recursively for names
        matching ``regex``); local paths or fsspec URLs.
    transfer : `str` or `None`, optional
        How files get into the datastore, as in `~butler.Butler.ingest`: ``auto``, ``copy``,
        ``move``, ``symlink``, ``relsymlink``, ``hardlink``, ``link``, ``direct`` (recorded
        where they are), or `None` (already inside the datastore).
    run : `str`, optional
        RUN collection of the datasets; ``<instrument>/raw/all`` by default.
    regex : `str`, optional
        Which files of directories to ingest (default: ``.fits``, ``.fit``, ``.fits.fz``).
    processes : `int`, optional
        Worker processes reading headers.
    fail_fast : `bool`, optional
        Raise at the first file that cannot be ingested instead of reporting it and going on.
    progress : callable, optional
        ``progress(iterable, description=..., total=...)`` wrapping the loop over files (such
        as `butler.cli.interaction.progress`).
    track_file_attrs : `bool`, optional
        Record each file's size (and checksum, if the datastore is configured to).

    Returns
    -------
    result : `RawIngestResult`
        Datasets ingested, files already ingested, files that failed and why.

    Raises
    ------
    RawIngestError
        With ``fail_fast``, for the first file that cannot be ingested (files before it stay
        ingested; nothing of that file is left behind).

    Notes
    -----
    Each file is ingested in its own transaction: its ``group``, ``day_obs`` and ``exposure``
    records are synced (identical records already there are fine; different ones make the
    file fail), then the datasets of its detectors not yet in the run are ingested.  Dataset
    IDs are made from the data ID and run (``DATAID_TYPE_RUN``), so ingesting again is a
    no-op and the same file gets the same IDs in every repository.

    Examples
    --------
    >>> result = ingest_raws(butler, ["raw/2008-11-01"], transfer="symlink", processes=2)  # doctest: +SKIP
    >>> len(result.ingested), result.failures                                            # doctest: +SKIP
    (72, [])
    """
    progress = progress or _no_progress
    result = RawIngestResult()

    def fail(path: str, reason: str) -> None:
        if fail_fast:
            raise RawIngestError(f"cannot ingest {path}: {reason}")
        _LOG.warning("Not ingesting %s: %s", path, reason)
        result.failures.append((path, reason))

    files, missing = find_raw_files(locations, regex)
    for path, reason in missing:
        fail(path, reason)
    instruments = _registered_instruments(butler)
    with _scanning(files, list(instruments), processes) as scanned_files:
        for scanned in progress(scanned_files, description="Ingesting raw files", total=len(files)):
            if isinstance(scanned, tuple):
                fail(*scanned)
                continue
            try:
                refs = _ingest_file(butler, scanned, instruments[scanned.instrument], run, transfer,
                                    track_file_attrs)
            except ConflictingDefinitionError as err:
                fail(scanned.path, _conflict_message(butler, scanned.records, err))
                continue
            except (ButlerError, OSError) as err:
                fail(scanned.path, str(err))
                continue
            if refs is None:
                _LOG.info("Skipping %s: its %d dataset(s) are already ingested", scanned.path,
                          len(scanned.detectors))
                result.already.append(scanned.path)
            else:
                _LOG.debug("Ingested %s: exposure %d, %d detector(s)", scanned.path, scanned.exposure,
                           len(refs))
                result.ingested.extend(refs)
    _LOG.info("Ingested %d raw dataset(s); %d file(s) already ingested; %d file(s) failed",
              len(result.ingested), len(result.already), len(result.failures))
    return result
