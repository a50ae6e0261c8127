"""Same seed, same pixels: whole files, and any detector whatever subset is simulated."""

from __future__ import annotations

import numpy as np
from astropy.io import fits
from astropy.table import Table

from pipetasks.sim import MegaPrimeSimulator


def test_same_seed_writes_identical_bytes(sim, spec_for, injected_truth, tmp_path):
    spec = spec_for("OBJECT", 2400301, 300.0)
    first = sim.write_raw(spec, tmp_path / "a", detectors=[12], truth=injected_truth)
    second = MegaPrimeSimulator(seed=sim.seed).write_raw(spec, tmp_path / "b", detectors=[12], truth=injected_truth)
    assert first.read_bytes() == second.read_bytes()
    truth_a = (tmp_path / "a" / "2400301o_truth.ecsv").read_text()
    assert truth_a == (tmp_path / "b" / "2400301o_truth.ecsv").read_text()


def test_a_detector_is_the_same_whichever_subset_is_simulated(sim, spec_for, tmp_path):
    spec = spec_for("DARK", 2400302, 300.0)
    alone = sim.write_raw(spec, tmp_path / "alone", detectors=[12], compress=False)
    together = sim.write_raw(spec, tmp_path / "together", detectors=[13, 12], compress=False)
    with fits.open(alone) as a, fits.open(together) as b:
        assert [hdu.name for hdu in b] == ["PRIMARY", "ccd13", "ccd12"]
        assert np.array_equal(a["ccd12"].data, b["ccd12"].data)
        assert a["ccd12"].header == b["ccd12"].header
    meta_a = Table.read(tmp_path / "alone" / "2400302o_truth.ecsv").meta["detectors"][12]
    meta_b = Table.read(tmp_path / "together" / "2400302o_truth.ecsv").meta["detectors"][12]
    assert meta_a == meta_b


def test_different_seeds_and_exposures_differ(sim, spec_for):
    other = MegaPrimeSimulator(seed=sim.seed + 1)
    spec = spec_for("BIAS", 2400304, 0.0)
    mine = sim.simulate_ccd(spec, 12)
    theirs = other.simulate_ccd(spec, 12)
    next_exposure = sim.simulate_ccd(spec_for("BIAS", 2400305, 0.0), 12)
    assert not np.array_equal(mine.pixels, theirs.pixels)
    assert not np.array_equal(mine.pixels, next_exposure.pixels)
    # The static bias pattern belongs to the detector, not the exposure.
    assert np.array_equal(sim.sensor(12).bias_pattern(), MegaPrimeSimulator(seed=sim.seed).sensor(12).bias_pattern())
    assert mine.readouts[0].overscan_level != next_exposure.readouts[0].overscan_level
