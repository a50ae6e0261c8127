"""Fixtures for the instrument tests: real MegaPrime raw files and repositories with MegaPrime registered.

``raws`` writes small but real MegaPrime raw multi-extension FITS files built from the real
raw extension header shipped in the package (exposure 1038843, CCD 2): a primary HDU with the
exposure-level keywords and one ``ccdNN`` image extension per detector (2112 x 4644 uint16 via
``BZERO = 32768``, RICE tile-compressed by default), with the keywords that differ between
exposures changed (EXPNUM, OBSTYPE, FILTER, DATE-OBS/UTC-OBS, RA_DEG/DEC_DEG, ...), per-CCD
gains, and the WCS of each CCD from `focal_plane.detector_wcs`.  Files are written once per
session for each set of arguments and copied where asked.

Pixels follow `RawFactory.pattern`: smooth steps (which compress to a few hundred kB per CCD)
plus a 64 x 64 window of all-distinct values, so that a misplaced or flipped read shows.

``megaprime_repo`` is the path of a fresh SQLite repository with MegaPrime registered;
``butler`` a writeable `Butler` on it; ``pg_butler`` the same with a PostgreSQL registry.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from astropy.io import fits
from astropy.time import Time, TimeDelta
from click.testing import Result

from butler import Butler
from cli_runner import make_invoker, restoring_logging
from pipetasks.instruments import MegaPrime
from pipetasks.instruments.focal_plane import Pointing, detector_wcs
from pipetasks.instruments.resources import load_megacam_camera, megacam_file

TEMPLATE_HEADER = megacam_file("headers/megaprime_raw_1038843o_ccd02.header.txt")
RAW_SHAPE = (4644, 2112)
WINDOW = (slice(100, 164), slice(200, 264))
"""Rows and columns of the window of distinct pixel values."""
_TILE = (16, 2112)
"""Compression tiles of 16 rows: CFHT's are single rows, which astropy writes three times slower."""

# Cards of the template describing its compressed storage; astropy writes its own.
_STORAGE_CARDS = ("XTENSION", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "PCOUNT", "GCOUNT", "TFIELDS",
                  "TTYPE1", "TFORM1", "ZIMAGE", "ZBITPIX", "ZNAXIS", "ZNAXIS1", "ZNAXIS2", "ZTILE1",
                  "ZTILE2", "ZCMPTYPE", "ZNAME1", "ZVAL1", "BZERO", "BSCALE")
_WCS_CARDS = ("CTYPE1", "CTYPE2", "CRVAL1", "CRVAL2", "CRPIX1", "CRPIX2", "CD1_1", "CD1_2", "CD2_1", "CD2_2")
_DETECTOR_CARDS = ("EXTNAME", "EXTVER", "CCDNAME", "CCDNICK", "AMPNAME", "GAIN", "GAINA", "GAINB",
                   "RDNOISE", "RDNOISEA", "RDNOISEB", "DETSEC", "DETSECA", "DETSECB", *_WCS_CARDS)


def wcs_cards(wcs: Any) -> dict[str, Any]:
    """The TAN cards CFHT writes (CTYPE, CRVAL, CRPIX, CD) of an `astropy.wcs.WCS` with a CD matrix."""
    (cd11, cd12), (cd21, cd22) = wcs.wcs.cd
    return dict(zip(_WCS_CARDS, (*wcs.wcs.ctype, *wcs.wcs.crval, *wcs.wcs.crpix, cd11, cd12, cd21, cd22)))


def template_header() -> fits.Header:
    """The real raw extension header without its storage cards (what an HDU gets before writing)."""
    header = fits.Header.fromtextfile(str(TEMPLATE_HEADER))
    for key in _STORAGE_CARDS:
        header.remove(key, ignore_missing=True)
    return header


class RawFactory:
    """Writes MegaPrime raw files (see the module docstring); one per session."""

    saturation = 64000.0
    window = WINDOW

    @staticmethod
    def amp_gains(detector: int) -> tuple[float, float]:
        """The GAINA, GAINB written for ``detector`` (distinct from the camera's)."""
        return 1.5 + 0.01 * detector, 1.6 + 0.01 * detector

    @staticmethod
    def amp_read_noise(detector: int) -> tuple[float, float]:
        """The RDNOISEA, RDNOISEB written for ``detector``."""
        return 3.5 + 0.1 * (detector % 5), 4.5 + 0.1 * (detector % 5)

    def __init__(self, cache: Path):
        self._cache = cache
        self._written: dict[str, Path] = {}

    @staticmethod
    def pattern(detector: int, shape: tuple[int, int] = RAW_SHAPE) -> np.ndarray:
        """The uint16 pixels written for ``detector``."""
        y, x = np.arange(shape[0])[:, None], np.arange(shape[1])[None, :]
        pixels = (1000 + 100 * detector + x // 64 + 40 * (y // 256)).astype(np.uint16)
        rows, cols = WINDOW
        if shape[0] >= rows.stop and shape[1] >= cols.stop:
            pixels[rows, cols] = 20000 + np.arange(64 * 64, dtype=np.uint16).reshape(64, 64)
        return pixels

    def write(self, path: Path | str, *, exposure: int = 2400001, detectors: Sequence[int] = (0, 1),
              obstype: str = "OBJECT", physical_filter: str = "r.MP9601",
              begin: str = "2024-03-01T10:00:00.00", exptime: float = 120.0, ra: float = 150.0,
              dec: float = 2.2, rotation: float = 0.0, target: str = "COSMOS", runid: str = "24AQ01",
              compress: bool = True, shape: tuple[int, int] = RAW_SHAPE, wcs: bool = True,
              set_cards: Mapping[str, Any] | None = None, rename_cards: Mapping[str, str] | None = None,
              extnames: Mapping[int, str] | None = None) -> Path:
        """Write a raw file at ``path`` and return it.

        ``set_cards`` sets keywords in every header (`None` deletes one), ``rename_cards``
        renames keywords in every header, ``extnames`` overrides the EXTNAME of some detectors.
        """
        arguments = dict(locals())
        del arguments["self"], arguments["path"]
        key = json.dumps(arguments, sort_keys=True, default=str)
        cached = self._written.get(key)
        if cached is None:
            cached = self._cache / f"{len(self._written):04d}{'.fits.fz' if compress else '.fits'}"
            self._write(cached, **arguments)
            self._written[key] = cached
        return _copy(cached, path)

    def _write(self, path: Path, *, exposure: int, detectors: Sequence[int], obstype: str,
               physical_filter: str, begin: str, exptime: float, ra: float, dec: float, rotation: float,
               target: str, runid: str, compress: bool, shape: tuple[int, int], wcs: bool,
               set_cards: Mapping[str, Any] | None, rename_cards: Mapping[str, str] | None,
               extnames: Mapping[int, str] | None) -> None:
        start = Time(begin, scale="utc")
        end = start + TimeDelta(exptime + 1.5, format="sec")
        exposure_cards = {
            "EXPNUM": exposure, "OBSID": exposure, "FILENAME": f"{exposure}o", "OBSTYPE": obstype,
            "EXPTYPE": obstype, "FILTER": physical_filter, "EXPTIME": exptime, "EXPREQ": exptime,
            "EXPMEAS": exptime, "DARKTIME": exptime + 1.0, "DATE-OBS": start.strftime("%Y-%m-%d"),
            "UTC-OBS": start.strftime("%H:%M:%S.%f")[:11], "UTIME": start.strftime("%H:%M:%S.%f")[:11],
            "MJD-OBS": start.mjd, "MJDATE": start.mjd, "DATEEND": end.strftime("%Y-%m-%d"),
            "UTCEND": end.strftime("%H:%M:%S.%f")[:11], "MJDEND": end.mjd, "RA_DEG": ra, "DEC_DEG": dec,
            "OBJECT": target, "OBJNAME": target, "RUNID": runid, "ROTANGLE": rotation, "BONANGLE": rotation,
            "SATURATE": self.saturation,
        }
        template = template_header()
        template.update(exposure_cards)
        primary = template.copy()
        for key in _DETECTOR_CARDS:
            primary.remove(key, ignore_missing=True)
        primary["NEXTEND"] = len(detectors)
        hdus: list[Any] = [fits.PrimaryHDU(header=primary)]
        camera = load_megacam_camera()
        for detector in detectors:
            header = template.copy()
            header["EXTNAME"] = (extnames or {}).get(detector, f"ccd{detector:02d}")
            header["EXTVER"] = detector
            gain_a, gain_b = self.amp_gains(detector)
            noise_a, noise_b = self.amp_read_noise(detector)
            header.update({"GAINA": gain_a, "GAINB": gain_b, "GAIN": (gain_a + gain_b) / 2,
                           "RDNOISEA": noise_a, "RDNOISEB": noise_b, "RDNOISE": (noise_a + noise_b) / 2,
                           "AMPNAME": f"{detector:02d}a + {detector:02d}b"})
            for key in _WCS_CARDS:
                header.remove(key, ignore_missing=True)
            if wcs and detector in camera:
                pointing = Pointing(ra, dec, rotation)
                header.update(wcs_cards(detector_wcs(camera, camera[detector], pointing, pixel_offset=(32, 0))))
            data = self.pattern(detector, shape)
            if compress:
                hdus.append(fits.CompImageHDU(data=data, header=header, compression_type="RICE_1",
                                              tile_shape=_TILE))
            else:
                hdus.append(fits.ImageHDU(data=data, header=header))
        for hdu in hdus:
            for old, new in (rename_cards or {}).items():
                if old in hdu.header:
                    hdu.header.rename_keyword(old, new)
            for key, value in (set_cards or {}).items():
                if value is None:
                    hdu.header.remove(key, ignore_missing=True)
                else:
                    hdu.header[key] = value
        fits.HDUList(hdus).writeto(path, overwrite=True)

    def write_template(self, path: Path | str, *, compress: bool = True) -> Path:
        """A file whose only extension carries the real header of exposure 1038843, CCD 2, unchanged."""
        key = f"template-{compress}"
        cached = self._written.get(key)
        if cached is None:
            cached = self._cache / f"template{'.fits.fz' if compress else '.fits'}"
            primary = fits.PrimaryHDU()
            primary.header["INSTRUME"] = "MegaPrime"
            data, header = self.pattern(2), template_header()
            image = (fits.CompImageHDU(data=data, header=header, compression_type="RICE_1",
                                       tile_shape=(1, 2112)) if compress
                     else fits.ImageHDU(data=data, header=header))
            fits.HDUList([primary, image]).writeto(cached, overwrite=True)
            self._written[key] = cached
        return _copy(cached, path)


def _copy(source: Path, path: Path | str) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


@pytest.fixture(scope="session")
def raws(tmp_path_factory) -> RawFactory:
    """The session's raw file factory (see `RawFactory.write` and `write_template`)."""
    return RawFactory(tmp_path_factory.mktemp("raw-cache"))


@pytest.fixture(scope="session")
def _template_repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("megaprime-template") / "repo"
    Butler.makeRepo(root)
    with Butler(root, writeable=True) as butler:
        MegaPrime().register(butler.registry)
    return root


@pytest.fixture
def megaprime_repo(_template_repo, tmp_path) -> str:
    """A fresh SQLite repository with MegaPrime registered; its path."""
    target = tmp_path / "repo"
    shutil.copytree(_template_repo, target)
    return str(target)


@pytest.fixture
def butler(megaprime_repo) -> Iterator[Butler]:
    """A writeable butler on `megaprime_repo`."""
    with Butler(megaprime_repo, writeable=True) as butler:
        yield butler


@pytest.fixture
def pg_butler(postgres_url, tmp_path) -> Iterator[Butler]:
    """A writeable butler whose registry is a fresh PostgreSQL schema, MegaPrime registered."""
    root = tmp_path / "pg-repo"
    Butler.makeRepo(root, config={"registry": {"db": postgres_url}})
    with Butler(root, writeable=True) as butler:
        MegaPrime().register(butler.registry)
        yield butler


@pytest.fixture
def invoke() -> Callable[..., Result]:
    """Run ``butler ARGS`` through click's runner; unexpected exceptions fail the test loudly."""
    return make_invoker()


@pytest.fixture(autouse=True)
def restore_logging():
    """The CLI configures logging process-wide; undo it between tests."""
    yield from restoring_logging()
