"""`MegaPrimeSimulator`: raw MegaPrime exposures and master calibrations with a truth catalog.

Examples
--------
>>> from astropy.time import Time
>>> sim = MegaPrimeSimulator(seed=1)
>>> spec = ExposureSpec(exposure_id=2400001, obstype="OBJECT", physical_filter="r.MP9601",
...                     exptime=300.0, date_begin=Time("2026-11-01T08:00:00", scale="utc"),
...                     ra=150.0, dec=2.2, object="COSMOS-demo", runid="26BQ01", seeing=0.8)
>>> truth = sim.make_truth_catalog(ra=150.0, dec=2.2, radius=0.6, physical_filter="r.MP9601")
>>> path = sim.write_raw(spec, "raws", detectors=[10], truth=truth)  # doctest: +SKIP
"""

from __future__ import annotations

import collections
import dataclasses
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import galsim
import numpy as np
from astropy.io import fits
from astropy.table import Table, vstack
from astropy.time import Time

from ..image.camera import Camera
from ..image.detector import Detector
from ..image.exposure import ExposureF
from ..instruments.focal_plane import Pointing, detector_wcs
from ..instruments.resources import load_megacam_camera, megacam_file
from .calibrations import make_master_bias, make_master_dark, make_master_flat
from .charge import CosmicRay, add_shot_noise, bleed, deposit_cosmic_rays, draw_cosmic_rays
from .config import SimulatorConfig
from .electronics import AmplifierReadout, amplifier_readouts, digitize
from .errors import UnknownDetectorError
from .filters import MEGAPRIME_FILTERS, get_filter
from .headers import detector_header, exposure_cards, primary_header
from .psf import FieldPsf
from .rawfile import raw_filename, truth_filename, write_mef, write_truth
from .placement import empty_truth_rows, place_sources, saturation_flags, truth_magnitudes
from .scene import illumination, render_sources
from .sensor import SensorModel
from .spec import ExposureSpec
from .streams import random_stream
from .truth import make_truth_catalog

__all__ = ["MegaPrimeSimulator", "SimulatedCcd", "DEFECTS_FILE", "FIELD_RADIUS"]

DEFECTS_FILE = "defects/megacam_defects_test.mask.0.40.00.ecsv"
FIELD_RADIUS = 0.8
"""Degrees: the truth radius used when `write_raw` makes the catalog itself (covers the mosaic)."""

_DEFAULT_CALIB_DATE = Time("2000-01-01T00:00:00", scale="utc")


@dataclasses.dataclass
class SimulatedCcd:
    """One simulated CCD of one exposure, before it is written.

    Attributes
    ----------
    detector_id : `int`
    pixels : `numpy.ndarray`
        Raw ``uint16`` image, 4644 rows x 2112 columns.
    header : `astropy.io.fits.Header`
        The ``ccdNN`` extension header.
    truth : `astropy.table.Table`
        Sources whose centre lands on the detector (columns as in the truth file).
    readouts : `list` [`AmplifierReadout`]
        Overscan level, gain and read noise of each amplifier.
    cosmic_rays : `list` [`CosmicRay`]
    bleed_columns : `int`
        Columns in which charge bled.
    """

    detector_id: int
    pixels: np.ndarray
    header: fits.Header
    truth: Table
    readouts: list[AmplifierReadout]
    cosmic_rays: list[CosmicRay]
    bleed_columns: int

    def summary(self) -> dict[str, Any]:
        """Per-detector values for the truth file's metadata."""
        return {
            "amplifiers": {r.name: r.summary() for r in self.readouts},
            "cosmic_rays": len(self.cosmic_rays),
            "bleed_columns": int(self.bleed_columns),
        }


class MegaPrimeSimulator:
    """Simulates MegaPrime raws (and their master calibrations) from a seed.

    Parameters
    ----------
    seed : `int`, optional
        Everything simulated is a deterministic function of the seed and what is asked for.
    config : `SimulatorConfig`, optional
        Physical parameters; keyword ``overrides`` replace single fields of it.
    sensor_cache_size : `int`, optional
        How many detectors' static response maps (38 MB each) to keep between calls.
    **overrides
        `SimulatorConfig` field values, e.g. ``cosmic_ray_rate=0.0``.

    Raises
    ------
    TypeError
        If an override names no `SimulatorConfig` field.
    """

    def __init__(self, seed: int = 1, config: SimulatorConfig | None = None, *, sensor_cache_size: int = 2, **overrides: Any):
        if isinstance(seed, bool) or int(seed) != seed or seed < 0:
            raise ValueError(f"seed must be an integer >= 0, not {seed!r}")
        self.seed = int(seed)
        self.config = SimulatorConfig.from_overrides(config, **overrides)
        self.camera: Camera = load_megacam_camera()
        self.defects: Table = Table.read(megacam_file(DEFECTS_FILE), format="ascii.ecsv")
        self._sensors: collections.OrderedDict[int, SensorModel] = collections.OrderedDict()
        self._cache_size = max(int(sensor_cache_size), 1)

    def __repr__(self) -> str:
        return f"MegaPrimeSimulator(seed={self.seed})"

    # -- lookups ----------------------------------------------------------------------------

    def detector(self, detector_id: int) -> Detector:
        """The camera's detector ``detector_id``.

        Raises
        ------
        UnknownDetectorError
            If the camera has no such detector.
        """
        try:
            if isinstance(detector_id, bool) or int(detector_id) != detector_id:
                raise KeyError(detector_id)
            return self.camera[int(detector_id)]
        except (KeyError, IndexError, TypeError, ValueError):
            ids = sorted(self.camera.getIdIter())
            raise UnknownDetectorError(
                f"MegaPrime has no detector {detector_id!r}; detector ids are {ids[0]}..{ids[-1]}"
            ) from None

    def sensor(self, detector_id: int) -> SensorModel:
        """The static model (response, bias pattern, dark current, defects) of a detector."""
        detector = self.detector(detector_id)
        key = detector.getId()
        if key in self._sensors:
            self._sensors.move_to_end(key)
            return self._sensors[key]
        model = SensorModel(self.seed, self.config, detector, self.defects)
        self._sensors[key] = model
        while len(self._sensors) > self._cache_size:
            self._sensors.popitem(last=False)
        return model

    # -- truth ------------------------------------------------------------------------------

    def make_truth_catalog(self, ra: float, dec: float, radius: float, physical_filter: str) -> Table:
        """The simulated sky within ``radius`` degrees of ``(ra, dec)``; see `~pipetasks.sim.truth.make_truth_catalog`.

        Deterministic in ``(seed, ra, dec, radius)``; overlapping fields share sources and ids.
        ``mag`` holds the magnitudes of ``physical_filter``'s band; ``mag_u`` ... ``mag_z`` all bands.
        """
        return make_truth_catalog(self.seed, self.config, ra, dec, radius, physical_filter)

    # -- one CCD ------------------------------------------------------------------------------

    def simulate_ccd(self, spec: ExposureSpec, detector_id: int, truth: Table | None = None) -> SimulatedCcd:
        """Simulate one CCD of ``spec`` in memory (what `write_raw` writes for it).

        Parameters
        ----------
        spec : `ExposureSpec`
        detector_id : `int`
        truth : `astropy.table.Table`, optional
            Sources for an OBJECT exposure (columns ``ra, dec`` and ``mag_<band>`` or ``mag``;
            optional ``id, type, sersic_n, half_light_radius, g1, g2``). Default: the simulated
            sky around the boresight.
        """
        detector = self.detector(detector_id)
        return self._simulate(spec, detector, self._truth_for(spec, truth), self._exposure_cards(spec))

    def _stream(self, spec: ExposureSpec, detector_id: int, name: str) -> np.random.Generator:
        return random_stream(self.seed, "exposure", spec.exposure_id, detector_id, name)

    def _exposure_cards(self, spec: ExposureSpec) -> list[tuple[str, Any, str | None]]:
        rng = random_stream(self.seed, "exposure", spec.exposure_id, "weather")
        weather = {
            "temperature": round(float(rng.normal(1.0, 1.5)), 2),
            "pressure": round(float(rng.normal(616.0, 1.5)), 2),
            "humidity": round(float(np.clip(rng.normal(25.0, 10.0), 2.0, 95.0)), 2),
        }
        return exposure_cards(spec, weather)

    def _truth_for(self, spec: ExposureSpec, truth: Table | None) -> Table | None:
        if spec.obstype != "OBJECT":
            return None
        if truth is None:
            ra, dec = spec.boresight
            return self.make_truth_catalog(ra, dec, FIELD_RADIUS, spec.physical_filter)
        truth_magnitudes(truth, spec.band)  # refuse an unusable catalog before any work
        return truth

    def _simulate(
        self, spec: ExposureSpec, detector: Detector, truth: Table | None, cards: list[tuple[str, Any, str | None]]
    ) -> SimulatedCcd:
        det_id = detector.getId()
        sensor = self.sensor(det_id)
        pointing = Pointing(*spec.boresight, spec.rotation)
        readouts = amplifier_readouts(self.seed, self.config, spec.exposure_id, detector)
        expected: np.ndarray | None = None
        truth_rows = empty_truth_rows()
        if spec.obstype in ("OBJECT", "FLAT"):
            wcs = detector_wcs(self.camera, detector, pointing)
            cd_arcsec = np.asarray(wcs.wcs.cd, dtype=float) * 3600.0
            pixel_scale = math.sqrt(abs(np.linalg.det(cd_arcsec)))
            expected = illumination(spec, sensor, pixel_scale, self.config, self.seed)
            if spec.obstype == "OBJECT" and truth is not None:
                psf = FieldPsf(self.config, spec.seeing, self.seed, spec.exposure_id)
                placed, truth_rows = place_sources(spec, self.camera, detector, pointing, truth, pixel_scale, psf,
                                                   self.config)
                jacobian = galsim.JacobianWCS(*cd_arcsec.ravel())
                render_sources(expected, placed, jacobian, self.config.psf_beta)
            expected *= sensor.response()
        if spec.dark_time > 0:
            if expected is None:
                expected = np.zeros(sensor.shape, dtype=np.float32)
            sensor.add_dark(expected, spec.dark_time)
        if len(truth_rows) and expected is not None:
            truth_rows["saturated"] = saturation_flags(expected, truth_rows, detector, readouts, self.config.full_well)
        counts = None
        if expected is not None:
            counts = add_shot_noise(expected, self._stream(spec, det_id, "shot"), self.config.gaussian_above)
            del expected
        rays: list[CosmicRay] = []
        if spec.obstype in ("OBJECT", "DARK") and self.config.cosmic_ray_rate > 0:
            rays = draw_cosmic_rays(self._stream(spec, det_id, "cosmic"), self.config, spec.dark_time, sensor.shape)
            if rays:
                if counts is None:
                    counts = np.zeros(sensor.shape, dtype=np.float32)
                deposit_cosmic_rays(counts, rays)
        bleed_columns = bleed(counts, self.config.full_well) if counts is not None else 0
        pixels = digitize(counts, sensor.bias_pattern(), detector, readouts, self._stream(spec, det_id, "read"))
        header = detector_header(cards, self.camera, detector, pointing, self.config)
        truth_rows["detector"] = np.full(len(truth_rows), det_id, dtype=np.int16)
        return SimulatedCcd(det_id, pixels, header, truth_rows, readouts, rays, bleed_columns)

    # -- files --------------------------------------------------------------------------------

    def write_raw(
        self,
        spec: ExposureSpec,
        directory: str | os.PathLike[str],
        detectors: Sequence[int] | None = None,
        truth: Table | None = None,
        compress: bool = True,
    ) -> Path:
        """Write the raw file of ``spec`` and its truth catalog into ``directory``.

        Parameters
        ----------
        spec : `ExposureSpec`
        directory : path-like
            Created if missing.
        detectors : sequence of `int`, optional
            Which CCDs (extensions, in this order); default all 36.
        truth : `astropy.table.Table`, optional
            Sources of an OBJECT exposure; default the simulated sky (`FIELD_RADIUS` around the
            boresight).
        compress : `bool`, optional
            RICE-compressed ``.fits.fz`` (default) or plain ``.fits``.

        Returns
        -------
        path : `pathlib.Path`
            The raw file ``<exposure_id>o.fits[.fz]``. The truth catalog
            ``<exposure_id>o_truth.ecsv`` (one row per source and detector it lands on;
            metadata with the per-amplifier overscan levels, gains, read noise and cosmic-ray
            counts) is written beside it.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        ids = [self.detector(d).getId() for d in (sorted(self.camera.getIdIter()) if detectors is None else detectors)]
        if not ids or len(set(ids)) != len(ids):
            raise ValueError(f"detectors must be a non-empty list without repeats, not {list(detectors or [])}")
        truth = self._truth_for(spec, truth)
        cards = self._exposure_cards(spec)
        path = directory / raw_filename(spec.exposure_id, compress)
        tables: list[Table] = []
        summaries: dict[int, dict[str, Any]] = {}

        def extensions() -> Iterator[tuple[np.ndarray, fits.Header]]:
            for det_id in ids:
                ccd = self._simulate(spec, self.camera[det_id], truth, cards)
                tables.append(ccd.truth)
                summaries[det_id] = ccd.summary()
                yield ccd.pixels, ccd.header

        write_mef(path, primary_header(cards, len(ids)), extensions(), compress)
        write_truth(directory / truth_filename(spec.exposure_id), self._truth_table(spec, tables, summaries))
        return path

    def _truth_table(self, spec: ExposureSpec, tables: list[Table], summaries: dict[int, dict[str, Any]]) -> Table:
        table = vstack([t for t in tables if len(t)]) if any(len(t) for t in tables) else empty_truth_rows()
        if "detector" not in table.colnames:
            table["detector"] = np.zeros(len(table), dtype=np.int16)
        table = table[["detector"] + [c for c in table.colnames if c != "detector"]]
        for key, unit in (("x", "pix"), ("y", "pix"), ("ra", "deg"), ("dec", "deg"), ("mag", "mag"),
                          ("flux", "electron"), ("half_light_radius", "arcsec"), ("psf_fwhm", "arcsec")):
            table[key].unit = unit
        table.meta.update({
            "seed": self.seed,
            "exposure_id": spec.exposure_id,
            "obstype": spec.obstype,
            "physical_filter": spec.physical_filter,
            "band": spec.band,
            "exptime": float(spec.exptime),
            "airmass": float(spec.effective_airmass),
            "seeing": float(spec.seeing),
            "zero_point": float(spec.filter.zero_point),
            "conventions": "x, y: trimmed 0-based pixel centres (raw x = x + 32); flux: e- before the detector "
                           "response (electrons recorded ~ flux * response); saturated: a pixel within 2 of the "
                           "centre reaches the ADC limit or full well",
            "detectors": {int(k): v for k, v in summaries.items()},
        })
        return table

    # -- master calibrations ---------------------------------------------------------------------

    def master_bias(self, detector_id: int, date: Time | None = None) -> ExposureF:
        """The master bias of a detector (ADU after overscan subtraction)."""
        return make_master_bias(self.seed, self.config, self.sensor(detector_id), date or _DEFAULT_CALIB_DATE)

    def master_dark(self, detector_id: int, date: Time | None = None) -> ExposureF:
        """The master dark of a detector (ADU per second of dark time)."""
        return make_master_dark(self.seed, self.config, self.sensor(detector_id), date or _DEFAULT_CALIB_DATE)

    def master_flat(self, detector_id: int, physical_filter: str, date: Time | None = None) -> ExposureF:
        """The master flat of a detector in ``physical_filter`` (ADU domain, mean 1)."""
        get_filter(physical_filter)
        return make_master_flat(self.seed, self.config, self.sensor(detector_id), physical_filter,
                                date or _DEFAULT_CALIB_DATE)

    def write_master_calibrations(
        self,
        directory: str | os.PathLike[str],
        detectors: Iterable[int] | None = None,
        physical_filters: Iterable[str] | None = None,
        date: Time | None = None,
    ) -> dict[tuple[Any, ...], Path]:
        """Write master bias, dark and flat `~pipetasks.image.ExposureF` files.

        Parameters
        ----------
        directory : path-like
            Created if missing.
        detectors : iterable of `int`, optional
            Default all 36.
        physical_filters : iterable of `str`, optional
            Filters to make flats for; default every MegaPrime filter.
        date : `astropy.time.Time`, optional
            Recorded as CALIBDATE; default 2000-01-01.

        Returns
        -------
        paths : `dict`
            ``{("bias", det): path, ("dark", det): path, ("flat", det, filter): path}`` for files
            ``bias_ccdNN.fits``, ``dark_ccdNN.fits`` and ``flat_<filter>_ccdNN.fits``.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        ids = [self.detector(d).getId() for d in (sorted(self.camera.getIdIter()) if detectors is None else detectors)]
        filters = list(MEGAPRIME_FILTERS) if physical_filters is None else list(physical_filters)
        for name in filters:
            get_filter(name)
        paths: dict[tuple[Any, ...], Path] = {}
        for det_id in ids:
            made: list[tuple[tuple[Any, ...], str, ExposureF]] = [
                (("bias", det_id), f"bias_ccd{det_id:02d}.fits", self.master_bias(det_id, date)),
                (("dark", det_id), f"dark_ccd{det_id:02d}.fits", self.master_dark(det_id, date)),
            ]
            made += [((("flat", det_id, name)), f"flat_{name}_ccd{det_id:02d}.fits", self.master_flat(det_id, name, date))
                     for name in filters]
            for key, filename, exposure in made:
                path = directory / filename
                exposure.writeFits(path)
                paths[key] = path
        return paths
