"""Shared simulations for the simulator tests: each CCD is simulated once per session."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import numpy as np
import pytest
from astropy.table import Table
from astropy.time import Time

from pipetasks.instruments.focal_plane import Pointing, pixel_to_sky
from pipetasks.sim import ExposureSpec, MegaPrimeSimulator, SimulatedCcd

SEED = 7
DETECTOR = 12  # ccd12: an upper-half CCD (yaw 180), 9 defect boxes
DATE = Time("2026-11-01T14:30:00", scale="utc")
BORESIGHT = (150.0, 2.2)

# Injected sources (trimmed pixel positions on DETECTOR): a grid of isolated mag-18 stars, one
# mag-12 star that bleeds, and two galaxies.
STAR_GRID = [(x, y) for x in (200.0, 600.0, 1400.0, 1800.0) for y in (600.3, 1500.7, 3100.2, 4000.5)]
BRIGHT_STAR = (520.25, 2300.5)
GALAXIES = [(1200.4, 2700.6), (800.8, 3600.2)]


@pytest.fixture(scope="session")
def sim() -> MegaPrimeSimulator:
    return MegaPrimeSimulator(seed=SEED)


def make_spec(obstype: str, exposure_id: int, exptime: float, **kwargs: object) -> ExposureSpec:
    values: dict[str, object] = {"ra": BORESIGHT[0], "dec": BORESIGHT[1], "runid": "26BQ01", "airmass": 1.2}
    values.update(kwargs)
    return ExposureSpec(exposure_id=exposure_id, obstype=obstype, physical_filter="r.MP9601", exptime=exptime,
                        date_begin=DATE, **values)


@pytest.fixture(scope="session")
def injected_truth(sim: MegaPrimeSimulator) -> Table:
    """A hand-made truth catalog placing known sources at known pixels of DETECTOR."""
    detector = sim.camera[DETECTOR]
    pointing = Pointing(*BORESIGHT, 0.0)
    positions = STAR_GRID + [BRIGHT_STAR] + GALAXIES
    x, y = np.array(positions).T
    ra, dec = pixel_to_sky(sim.camera, detector, pointing, x, y)
    n_stars = len(STAR_GRID) + 1
    table = Table()
    table["id"] = np.arange(1, len(positions) + 1)
    table["ra"], table["dec"] = ra, dec
    table["type"] = ["star"] * n_stars + ["galaxy"] * len(GALAXIES)
    table["mag_r"] = [18.0] * len(STAR_GRID) + [12.0, 19.0, 19.0]
    table["sersic_n"] = [0.0] * n_stars + [1.0, 4.0]
    table["half_light_radius"] = [0.0] * n_stars + [1.2, 0.8]
    table["g1"] = [0.0] * n_stars + [0.3, -0.1]
    table["g2"] = [0.0] * n_stars + [0.0, 0.2]
    return table


@pytest.fixture(scope="session")
def object_ccd(sim: MegaPrimeSimulator, injected_truth: Table) -> SimulatedCcd:
    return sim.simulate_ccd(make_spec("OBJECT", 2400101, 300.0, object="injected"), DETECTOR, injected_truth)


@pytest.fixture(scope="session")
def bias_ccd(sim: MegaPrimeSimulator) -> SimulatedCcd:
    return sim.simulate_ccd(make_spec("BIAS", 2400102, 0.0), DETECTOR)


@pytest.fixture(scope="session")
def dark_ccd(sim: MegaPrimeSimulator) -> SimulatedCcd:
    return sim.simulate_ccd(make_spec("DARK", 2400103, 600.0), DETECTOR)


@pytest.fixture(scope="session")
def flat_pair(sim: MegaPrimeSimulator) -> tuple[SimulatedCcd, SimulatedCcd]:
    return (sim.simulate_ccd(make_spec("FLAT", 2400104, 8.0), DETECTOR),
            sim.simulate_ccd(make_spec("FLAT", 2400105, 8.0), DETECTOR))


def _overscan_corrected(ccd: SimulatedCcd, sim: MegaPrimeSimulator) -> np.ndarray:
    """Trimmed image (ADU, float) after subtracting each amplifier's per-row overscan median."""
    detector = sim.camera[ccd.detector_id]
    raw = ccd.pixels.astype(np.float64)
    out = np.empty((4612, 2048))
    for amp in detector:
        over = amp.getRawHorizontalOverscanBBox()
        data = amp.getRawDataBBox()
        trim = amp.getBBox()
        per_row = np.median(raw[:, over.getMinX() : over.getMaxX() + 1], axis=1)
        block = raw[data.getMinY() : data.getMaxY() + 1, data.getMinX() : data.getMaxX() + 1]
        out[trim.getMinY() : trim.getMaxY() + 1, trim.getMinX() : trim.getMaxX() + 1] = (
            block - per_row[data.getMinY() : data.getMaxY() + 1, None]
        )
    return out


@pytest.fixture(scope="session")
def overscan_corrected() -> Callable[[SimulatedCcd, MegaPrimeSimulator], np.ndarray]:
    """``f(ccd, sim)``: the trimmed, per-row overscan-subtracted image in ADU."""
    return _overscan_corrected


@pytest.fixture(scope="session")
def defect_mask(sim: MegaPrimeSimulator) -> np.ndarray:
    """True on every defect-list pixel of DETECTOR (trimmed frame)."""
    mask = np.zeros((4612, 2048), bool)
    for box in sim.sensor(DETECTOR).defects:
        mask[box.slices] = True
    return mask


@pytest.fixture(scope="session")
def layout() -> SimpleNamespace:
    """The constants above, for test modules (which cannot import this conftest)."""
    return SimpleNamespace(seed=SEED, detector=DETECTOR, date=DATE, boresight=BORESIGHT, star_grid=STAR_GRID,
                           bright_star=BRIGHT_STAR, galaxies=GALAXIES)


@pytest.fixture(scope="session")
def spec_for() -> Callable[..., ExposureSpec]:
    """``spec_for(obstype, exposure_id, exptime, **fields)``: an r-band spec at the shared boresight."""
    return make_spec


@pytest.fixture(scope="session")
def master_bias(sim: MegaPrimeSimulator) -> np.ndarray:
    """The master bias pixels of DETECTOR (ADU)."""
    return sim.master_bias(DETECTOR).image.array
