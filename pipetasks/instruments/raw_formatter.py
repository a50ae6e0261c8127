"""Raw formatters: one detector of a multi-extension raw FITS file as an `ExposureU`.

A raw MegaPrime file holds a primary header and up to 36 image extensions ``ccdNN`` (2112 x 4644
uint16, often tile-compressed); the butler's ``raw`` dataset (instrument, exposure, detector) is
one of those extensions, so many datasets share one file and the formatter needs the dataset's
data ID (``needs_data_id``) to know which extension to read.

Only the primary header and the detector's own HDU are read: headers are scanned block by block
with `~pipetasks.image.fits.reader.FitsReader` (a 36-extension file's last CCD is found in ~10 ms,
where ``astropy.io.fits.open(lazy_load_hdus=True)`` parses every header before it in ~0.3 s),
and tile-compressed pixels are decompressed by astropy, only the tiles a ``bbox`` covers.

Everything but the pixels comes from the headers: the detector (the camera's, with the gain,
read noise and saturation of this exposure), the `VisitInfo` (from the instrument's header
translation), the WCS (the header's TAN cards, else one computed from the boresight), the
filter and the metadata.
"""

from __future__ import annotations

import functools
import math
import re
from collections import ChainMap
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

import erfa
from astropy.io import fits
from astropy.time import Time
from astropy.wcs import WCS

from butler.formatters.base import Formatter, local_path

from ..image.detector import Detector
from ..image.errors import ImageBoundsError, ImageFormatError
from ..image.exposure import ExposureU
from ..image.exposure_info import ExposureInfo
from ..image.filter_label import FilterLabel
from ..image.fits.reader import FitsReader, HduInfo
from ..image.geometry import Box2I, Extent2I, Point2I
from ..image.image import LOCAL, ImageF, ImageOrigin, ImageU
from ..image.mask import Mask
from ..image.masked_image import MaskedImageU
from ..image.visit_info import RotType, VisitInfo, Weather
from ..image.wcs import wcs_from_header
from .errors import HeaderTranslationError
from .focal_plane import Pointing, detector_wcs
from .instrument import Instrument
from .megaprime import MegaPrime
from .observation_info import ObservationInfo

__all__ = ["FitsRawFormatter", "MegaPrimeRawFormatter", "merged_raw_header", "visit_info_from_observation"]

# Cards describing how an HDU is stored (image or compressed-table structure), not the observation.
_STRUCTURAL = re.compile(
    r"^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|EXTEND|NEXTEND|PCOUNT|GCOUNT|TFIELDS|T(TYPE|FORM|UNIT|DIM)\d+"
    r"|BZERO|BSCALE|BLANK|CHECKSUM|DATASUM|END"
    r"|ZIMAGE|ZSIMPLE|ZTENSION|ZEXTEND|ZBLOCKED|ZBITPIX|ZNAXIS\d*|ZTILE\d+|ZCMPTYPE|ZNAME\d+|ZVAL\d+"
    r"|ZMASKCMP|ZQUANTIZ|ZDITHER0|ZPCOUNT|ZGCOUNT|ZHECKSUM|ZDATASUM|ZBLANK|ZSCALE|ZZERO)$"
)
# Cards a celestial WCS is read from; LSST strips them from the metadata once the WCS is built.
_WCS_CARDS = re.compile(
    r"^(CTYPE|CRPIX|CRVAL|CUNIT|CDELT|CROTA)\d[A-Z]?$|^(CD|PC|PV)\d_\d+[A-Z]?$"
    r"|^(RADESYS|RADECSYS|EQUINOX|LONPOLE|LATPOLE|WCSAXES|WCSNAME)[A-Z]?$|^LT[VM]\d(_\d)?$"
)
_COMMENTARY = frozenset({"COMMENT", "HISTORY", ""})
_CARD = 80


def merged_raw_header(primary: Mapping[str, Any], extension: Mapping[str, Any]) -> Mapping[str, Any]:
    """Keyword values of one detector: the extension's, then the primary header's for keywords it lacks.

    Parameters
    ----------
    primary, extension : `~collections.abc.Mapping`
        Headers (``astropy.io.fits.Header`` or `~pipetasks.image.fits.header.LiteHeader`).

    Returns
    -------
    header : `~collections.abc.Mapping`
        A read-only view (no copy), what `Instrument.translate` is given.
    """
    return ChainMap(extension, primary)  # type: ignore[arg-type]


def _cards(raw: bytes) -> Iterator[tuple[str, str]]:
    """``(keyword, 80-character card)`` of a header's raw bytes, up to its END card."""
    text = raw.decode("ascii", "replace")
    for start in range(0, len(text), _CARD):
        card = text[start : start + _CARD]
        keyword = card[:8].rstrip()
        if keyword == "END":
            return
        yield keyword, card


def _header_of(cards: list[str]) -> fits.Header:
    return fits.Header.fromstring("".join(cards))


def _metadata(primary: bytes, extension: bytes) -> fits.Header:
    """The extension's cards, then the primary's it lacks; storage and WCS cards left out.

    Cards are chosen from the raw text and parsed once, which is several times faster than
    parsing both headers with astropy and merging the results.
    """
    kept = [(keyword, card) for keyword, card in _cards(extension)
            if not _STRUCTURAL.match(keyword) and not _WCS_CARDS.match(keyword)]
    present = {keyword for keyword, _ in kept}
    for keyword, card in _cards(primary):
        if keyword in _COMMENTARY or keyword in present:
            continue
        if _STRUCTURAL.match(keyword) or _WCS_CARDS.match(keyword):
            continue
        kept.append((keyword, card))
        present.add(keyword)
    return _header_of([card for _, card in kept])


def _header_wcs(raw: bytes) -> WCS | None:
    """The celestial WCS of a header's cards, or `None` if it has none."""
    cards = [card for keyword, card in _cards(raw) if _WCS_CARDS.match(keyword)]
    return wcs_from_header(_header_of(cards)) if cards else None


def visit_info_from_observation(info: ObservationInfo) -> VisitInfo:
    """The `VisitInfo` of a translated raw header, as LSST's ``MakeRawVisitInfoViaObsInfo`` makes it.

    The date is the middle of the exposure (TAI); the Earth rotation angle is computed at that
    date from UTC (UT1 - UTC < 0.9 s, a few arcseconds of angle, and no IERS table is needed);
    pressure is converted from hPa to Pa; the rotator angle is SKY when the header says so.

    Parameters
    ----------
    info : `ObservationInfo`
        A translated header.
    """
    begin, end = info.datetime_begin, info.datetime_end
    middle = begin + 0.5 * (end - begin)
    utc = middle.utc
    era = math.degrees(erfa.era00(utc.jd1, utc.jd2))
    tracking = info.tracking_radec
    altaz = info.altaz_begin

    def number(value: float | None) -> float:
        return math.nan if value is None else float(value)

    return VisitInfo(
        exposureTime=info.exposure_time,
        darkTime=info.dark_time,
        date=Time(middle.tai, precision=9),
        boresightRaDec=None if tracking is None else (tracking.icrs.ra.deg, tracking.icrs.dec.deg),
        boresightAzAlt=None if altaz is None else (float(altaz.az.deg), float(altaz.alt.deg)),
        boresightAirmass=number(info.boresight_airmass),
        boresightRotAngle=number(info.boresight_rotation_angle),
        rotType=RotType.SKY if info.boresight_rotation_coord == "sky" else RotType.UNKNOWN,
        observatory=info.location,
        weather=Weather(
            number(info.temperature),
            math.nan if info.pressure is None else info.pressure * 100.0,
            number(info.relative_humidity),
        ),
        era=era,
        instrumentLabel=info.instrument,
        id=info.exposure_id,
        focusZ=info.focus_z,
        observationType=info.observation_type,
        scienceProgram=info.science_program or "",
        observationReason=info.observation_reason,
        object=info.object or "",
        hasSimulatedContent=info.has_simulated_content,
    )


class _RawHdu:
    """The headers of one detector's HDU."""

    def __init__(self, path: str, primary: HduInfo, hdu: HduInfo):
        self.path = path
        self.primary = primary
        self.hdu = hdu
        self.header = merged_raw_header(primary.header, hdu.header)
        self.info: ObservationInfo | None = None
        """The translated header, once `FitsRawFormatter._translation` made it."""

    @property
    def name(self) -> str:
        """EXTNAME as written (or the HDU's index)."""
        return _extname(self.hdu)


class FitsRawFormatter(Formatter):
    """Reads one detector of a multi-extension raw FITS file; subclasses name the instrument.

    Subclasses set `instrument_class` and implement `hdu_name`; they may override
    `amplifier_overrides` (per-exposure amplifier electronics from the header) and set
    `wcs_pixel_offset` (raw pixel position of trimmed pixel (0, 0), for the computed WCS).

    Read parameters ``bbox`` (a `Box2I`, PARENT coordinates unless ``origin="LOCAL"``; the raw
    image's origin is (0, 0)) read only the rows and, for compressed HDUs, the tiles needed.
    Every component except the pixel planes is read from the headers alone.
    """

    instrument_class: ClassVar[type[Instrument]]
    """The instrument whose camera, filters and header translator are used."""

    wcs_pixel_offset: ClassVar[tuple[float, float]] = (0.0, 0.0)

    needs_data_id = True
    default_extension = ".fits"
    supported_extensions = frozenset({".fits", ".fit", ".fits.fz", ".fit.fz"})
    supported_read_parameters = frozenset({"bbox", "origin"})
    readable_components = frozenset({
        "image", "mask", "variance", "wcs", "psf", "photoCalib", "apCorrMap", "visitInfo", "detector",
        "filter", "summaryStats", "metadata", "bbox", "xy0", "dimensions", "id",
    })

    # -- subclass hooks ------------------------------------------------------------------

    @classmethod
    def hdu_name(cls, detector: int) -> str:
        """EXTNAME of the HDU holding ``detector``."""
        raise NotImplementedError(f"{cls.__name__} must say which HDU holds each detector")

    def amplifier_overrides(self, header: Mapping[str, Any], amplifier: str) -> dict[str, float]:
        """Amplifier fields (``gain``, ``readNoise``, ``saturation``) this exposure's header sets.

        The camera's nominal values are kept for fields not returned.
        """
        return {}

    # -- Formatter interface ------------------------------------------------------------------

    @classmethod
    def instrument(cls) -> Instrument:
        """The instrument (made once per process)."""
        return _instance_of(cls.instrument_class)

    def _read(self, fs: Any, path: str, parameters: Mapping[str, Any], data_id: Any = None) -> ExposureU:
        with self._opened(fs, path) as reader:
            raw = self._locate(reader, path, data_id)
            bbox = self._bbox(raw, parameters)
            image = self._pixels(reader, raw, bbox)
            return ExposureU(MaskedImageU(image), exposureInfo=self._exposure_info(raw))

    def _read_component(self, fs: Any, path: str, component: str, parameters: Mapping[str, Any],
                        data_id: Any = None) -> Any:
        with self._opened(fs, path) as reader:
            raw = self._locate(reader, path, data_id)
            bbox = self._bbox(raw, parameters)
            if component == "image":
                return self._pixels(reader, raw, bbox)
            if component == "mask":
                return Mask(bbox)
            if component == "variance":
                return ImageF(bbox)
            if component == "bbox":
                return bbox
            if component == "xy0":
                return bbox.getMin()
            if component == "dimensions":
                return bbox.getDimensions()
            if component in ("psf", "photoCalib", "apCorrMap", "summaryStats"):
                return None  # a raw has none of these
            if component == "metadata":
                return _metadata(raw.primary.header.raw, raw.hdu.header.raw)
            info = self._translation(raw)
            if component == "id":
                return info.detector_exposure_id
            if component == "visitInfo":
                return visit_info_from_observation(info)
            if component == "detector":
                return self._detector(raw, info)
            if component == "filter":
                return self._filter(info)
            assert component == "wcs", component
            return self._wcs(raw, info)

    def _write(self, obj: Any, fs: Any, path: str) -> None:
        raise NotImplementedError(
            f"{type(self).__name__} only reads raw files written by the instrument; to store an "
            "exposure made from a raw, use a dataset type with storage class ExposureF (or ExposureU)"
        )

    def _conform(self, obj: Any, storage_class: Any, path: str) -> Any:
        # Components a raw does not have (psf, photoCalib, ...) read as None, as in LSST.
        return None if obj is None else super()._conform(obj, storage_class, path)

    # -- reading ------------------------------------------------------------------------------

    @contextmanager
    def _opened(self, fs: Any, path: str) -> Iterator[FitsReader]:
        local = local_path(fs, path)
        try:
            reader = FitsReader(local, name=path) if local is not None else \
                FitsReader(path, fs=fs, name=path)
        except FileNotFoundError:
            raise
        except OSError as err:
            raise self.read_error(path, f"cannot be opened: {err}") from None
        with reader:
            yield reader

    def _locate(self, reader: FitsReader, path: str, data_id: Any) -> _RawHdu:
        detector = int(data_id["detector"])
        name = self.hdu_name(detector)
        try:
            primary = reader.hdu(0)
            hdu = reader.hdu(name, required=False)
        except ImageFormatError as err:
            raise self.read_error(path, f"looking for HDU {name!r} (detector {detector}): {err.reason}") \
                from None
        assert primary is not None
        if hdu is None:
            present = ", ".join(_extname(h) for h in reader.hdus()[1:]) or "none"
            raise self.read_error(
                path, f"has no HDU {name!r} for detector {detector} (its extensions: {present})")
        return _RawHdu(path, primary, hdu)

    def _translation(self, raw: _RawHdu) -> ObservationInfo:
        if raw.info is None:
            try:
                raw.info = self.instrument().translate(raw.header)
            except HeaderTranslationError as err:
                raise self.read_error(raw.path, f"HDU {raw.name!r}: {err}") from None
        return raw.info

    def _image_bbox(self, raw: _RawHdu) -> Box2I:
        header = raw.hdu.header
        prefix = "ZNAXIS" if raw.hdu.is_compressed_image else "NAXIS"
        if int(header.get(prefix, 0)) != 2:
            raise self.read_error(raw.path,
                                  f"HDU {raw.name!r} is not a 2-d image ({prefix} = {header.get(prefix)})")
        return Box2I(Point2I(0, 0), Extent2I(int(header[f"{prefix}1"]), int(header[f"{prefix}2"])))

    def _bbox(self, raw: _RawHdu, parameters: Mapping[str, Any]) -> Box2I:
        """The PARENT box to read: the whole image, or the ``bbox`` parameter (checked to lie inside)."""
        whole = self._image_bbox(raw)
        bbox = parameters.get("bbox") if parameters else None
        if bbox is None:
            return whole
        if not isinstance(bbox, Box2I):
            raise TypeError(f"the bbox read parameter must be a Box2I, not {type(bbox).__name__}")
        origin = parameters.get("origin", "PARENT")
        if isinstance(origin, str):
            origin = ImageOrigin[origin.upper()]
        if origin is LOCAL:
            bbox = bbox.shiftedBy(whole.getMin() - Point2I(0, 0))
        if not whole.contains(bbox):
            raise ImageBoundsError(
                f"bbox {bbox} is not inside the raw image {whole} of {raw.path} HDU {raw.name!r}")
        return bbox

    def _pixels(self, reader: FitsReader, raw: _RawHdu, bbox: Box2I) -> ImageU:
        rows = slice(bbox.getMinY(), bbox.getMaxY() + 1)
        cols = slice(bbox.getMinX(), bbox.getMaxX() + 1)
        try:
            array = reader.read_image(raw.hdu, rows, cols)
        except ImageFormatError as err:
            raise self.read_error(raw.path, f"HDU {raw.name!r}: {err.reason}") from None
        return ImageU(array, xy0=bbox.getMin())

    # -- components ------------------------------------------------------------------------------

    def _exposure_info(self, raw: _RawHdu) -> ExposureInfo:
        info = self._translation(raw)
        return ExposureInfo(
            wcs=self._wcs(raw, info),
            visitInfo=visit_info_from_observation(info),
            detector=self._detector(raw, info),
            filter=self._filter(info),
            metadata=_metadata(raw.primary.header.raw, raw.hdu.header.raw),
            id=info.detector_exposure_id,
        )

    def _detector(self, raw: _RawHdu, info: ObservationInfo) -> Detector:
        camera = self.instrument().getCamera()
        if info.detector_num not in camera:
            raise self.read_error(
                raw.path, f"HDU {raw.name!r} is detector {info.detector_num}, which the "
                f"{self.instrument().getName()} camera does not have")
        # The camera is shared and immutable: build a new detector with this exposure's amplifiers.
        data = camera[info.detector_num].to_dict()
        for amplifier in data["amplifiers"]:
            amplifier.update(self.amplifier_overrides(raw.header, amplifier["name"]))
        return Detector.from_dict(data)

    def _wcs(self, raw: _RawHdu, info: ObservationInfo) -> WCS | None:
        """The extension's WCS cards, else the primary's, else one computed from the boresight."""
        for header in (raw.hdu.header, raw.primary.header):
            wcs = _header_wcs(header.raw)
            if wcs is not None:
                return wcs
        tracking = info.tracking_radec
        camera = self.instrument().getCamera()
        if tracking is None or info.detector_num not in camera:
            return None
        pointing = Pointing(float(tracking.icrs.ra.deg), float(tracking.icrs.dec.deg),
                            info.boresight_rotation_angle or 0.0)
        return detector_wcs(camera, camera[info.detector_num], pointing, pixel_offset=self.wcs_pixel_offset)

    def _filter(self, info: ObservationInfo) -> FilterLabel:
        definitions = self.instrument().filterDefinitions
        physical = info.physical_filter
        band = definitions.band_of(physical) if physical in definitions else None
        return FilterLabel(band=band, physical=physical)


class MegaPrimeRawFormatter(FitsRawFormatter):
    """One CCD (extension ``ccdNN``) of a CFHT MegaPrime raw file (``1038843o.fits.fz``).

    The amplifiers take this exposure's gains (``GAINA``/``GAINB``), read noise
    (``RDNOISEA``/``RDNOISEB``; the CCD's ``RDNOISE`` where a per-amplifier value is the
    65535 placeholder of some old files) and saturation (``SATURATE``), as obs_cfht's
    ``CfhtIsrTask`` does.  Without header WCS cards the WCS is computed from ``RA_DEG``,
    ``DEC_DEG`` and ``ROTANGLE`` (`~pipetasks.instruments.focal_plane.detector_wcs`).

    Examples
    --------
    >>> butler.get("raw", instrument="MegaPrime", exposure=1038843, detector=2,
    ...            collections="MegaPrime/raw/all")                              # doctest: +SKIP
    """

    instrument_class = MegaPrime
    wcs_pixel_offset = (32.0, 0.0)

    _PLACEHOLDER_NOISE = 60000.0

    @classmethod
    def hdu_name(cls, detector: int) -> str:
        return f"ccd{detector:02d}"

    def amplifier_overrides(self, header: Mapping[str, Any], amplifier: str) -> dict[str, float]:
        values: dict[str, float] = {}
        gain = _float(header.get(f"GAIN{amplifier}"))
        if gain is not None and gain > 0:
            values["gain"] = gain
        noise = _float(header.get(f"RDNOISE{amplifier}"))
        if noise is None or noise > self._PLACEHOLDER_NOISE:
            noise = _float(header.get("RDNOISE"))
        if noise is not None and noise <= self._PLACEHOLDER_NOISE:
            values["readNoise"] = noise
        saturation = _float(header.get("SATURATE"))
        if saturation is not None and saturation > 0:
            values["saturation"] = saturation
        return values


@functools.cache
def _instance_of(instrument_class: type[Instrument]) -> Instrument:
    return instrument_class()


def _extname(hdu: HduInfo) -> str:
    """EXTNAME as written (or the HDU's index)."""
    return str(hdu.header.get("EXTNAME") or hdu.index).strip()


def _float(value: Any) -> float | None:
    """A header value as a float, or `None` if absent or not a number."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
