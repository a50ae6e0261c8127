"""`ExposureSpec` validation and derived values; `SimulatorConfig` overrides; simulator lookups."""

from __future__ import annotations

import pytest
from astropy.table import Table
from astropy.time import Time

from pipetasks.sim import (
    ExposureSpec,
    InvalidExposureSpecError,
    MegaPrimeSimulator,
    SimulatorConfig,
    TruthCatalogError,
    UnknownDetectorError,
    get_filter,
)
from pipetasks.sim.observatory import CFHT_LATITUDE

DATE = Time("2026-11-01T14:30:00", scale="utc")


def spec(**overrides):
    values = dict(exposure_id=2400401, obstype="OBJECT", physical_filter="r.MP9601", exptime=300.0,
                  date_begin=DATE, ra=150.0, dec=2.2)
    values.update(overrides)
    return ExposureSpec(**values)


def test_obstype_is_normalized_and_times_follow_the_exposure():
    made = spec(obstype="object", darktime=310.0)
    assert made.obstype == "OBJECT"
    assert abs((made.date_end - DATE).sec - 300.0) < 1e-6
    assert made.dark_time == 310.0 and spec().dark_time == 300.0
    assert made.band == "r" and made.filter is get_filter("r.MP9601")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"obstype": "SKYFLAT"}, "obstype"),
        ({"physical_filter": "r.MP9999"}, "r.MP9999"),
        ({"obstype": "BIAS", "exptime": 1.0}, "BIAS has exptime 0"),
        ({"exptime": -1.0}, "exptime"),
        ({"exposure_id": 0}, "exposure_id"),
        ({"date_begin": "2026-11-01"}, "date_begin"),
        ({"ra": None, "dec": None}, "boresight"),
        ({"dec": None}, "both ra and dec"),
        ({"seeing": 0.0}, "seeing"),
        ({"airmass": 0.9}, "airmass"),
        ({"darktime": 10.0}, "darktime"),
        ({"date_begin": Time("2026-11-01T08:00:00", scale="utc")}, "altitude -49"),
    ],
)
def test_invalid_specs_say_what_is_wrong(overrides, message):
    with pytest.raises(InvalidExposureSpecError, match=message):
        spec(**overrides)


def test_an_explicit_airmass_allows_any_time_and_calibrations_ignore_altitude():
    night = Time("2026-11-01T08:00:00", scale="utc")  # COSMOS is below the horizon
    assert spec(date_begin=night, airmass=1.1).effective_airmass == 1.1
    assert spec(date_begin=night, obstype="FLAT", exptime=5.0).alt_az[0] < 0


def test_calibration_frames_point_at_the_zenith_by_default():
    bias = spec(obstype="BIAS", exptime=0.0, ra=None, dec=None)
    ra, dec = bias.boresight
    assert dec == pytest.approx(CFHT_LATITUDE)
    assert bias.alt_az[0] == pytest.approx(90.0, abs=1e-6)
    assert bias.effective_airmass == pytest.approx(1.0, abs=1e-3)
    assert bias.object_name == "bias"


def test_config_overrides_are_validated():
    sim = MegaPrimeSimulator(seed=3, cosmic_ray_rate=0.0, psf_beta=3.0)
    assert sim.config.cosmic_ray_rate == 0.0 and sim.config.psf_beta == 3.0
    with pytest.raises(TypeError, match="no field"):
        MegaPrimeSimulator(seed=3, cosmic_rays=0.0)
    with pytest.raises(ValueError, match="qe_pixel_rms"):
        SimulatorConfig(qe_pixel_rms=-0.1)
    with pytest.raises(ValueError, match="seed"):
        MegaPrimeSimulator(seed=-1)


def test_unknown_detectors_and_unusable_truth_are_refused(sim):
    with pytest.raises(UnknownDetectorError, match="0..35"):
        sim.detector(36)
    g_truth = Table({"ra": [150.0], "dec": [2.2], "mag": [20.0]}, meta={"band": "g"})
    with pytest.raises(TruthCatalogError, match="band 'g'"):
        sim.simulate_ccd(spec(), 12, g_truth)
    with pytest.raises(TruthCatalogError, match="'dec'"):
        sim.simulate_ccd(spec(), 12, Table({"ra": [150.0], "mag_r": [20.0]}))
