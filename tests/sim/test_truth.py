"""The simulated sky: deterministic, shared between overlapping fields, with sensible populations."""

from __future__ import annotations

import numpy as np
import pytest

from pipetasks.sim import MegaPrimeSimulator
from pipetasks.sim.truth import angular_separation


@pytest.fixture(scope="module")
def field(sim):
    return sim.make_truth_catalog(ra=150.0, dec=2.2, radius=0.6, physical_filter="r.MP9601")


def test_catalog_is_deterministic_in_seed_and_field(sim, field):
    again = MegaPrimeSimulator(seed=sim.seed).make_truth_catalog(150.0, 2.2, 0.6, "r.MP9601")
    assert len(field) > 1000
    assert np.array_equal(field["id"], again["id"]) and np.array_equal(field["ra"], again["ra"])
    other = MegaPrimeSimulator(seed=sim.seed + 1).make_truth_catalog(150.0, 2.2, 0.6, "r.MP9601")
    assert not np.array_equal(field["ra"][:100], other["ra"][:100])


def test_sources_lie_within_the_radius_and_ids_are_unique(field):
    assert angular_separation(field["ra"], field["dec"], 150.0, 2.2).max() <= 0.6
    assert len(np.unique(field["id"])) == len(field)


def test_overlapping_fields_share_their_sources(sim, field):
    dithered = sim.make_truth_catalog(150.2, 2.3, 0.6, "r.MP9601")
    common, in_field, in_dither = np.intersect1d(field["id"], dithered["id"], return_indices=True)
    assert len(common) > 0.5 * len(field)
    for key in ("ra", "dec", "mag", "half_light_radius", "g1"):
        assert np.array_equal(field[key][in_field], dithered[key][in_dither])


def test_mag_column_is_the_requested_band_and_colours_are_shared(sim, field):
    in_g = sim.make_truth_catalog(150.0, 2.2, 0.6, "g.MP9402")
    assert np.array_equal(field["id"], in_g["id"])
    assert np.array_equal(field["mag"], field["mag_r"]) and np.array_equal(in_g["mag"], in_g["mag_g"])
    assert np.array_equal(field["mag_g"], in_g["mag_g"])
    assert field.meta["band"] == "r" and in_g.meta["band"] == "g"


def test_densities_magnitudes_and_shapes_follow_the_config(sim, field):
    config = sim.config
    area = 2 * np.pi * (1 - np.cos(np.radians(0.6))) * (180 / np.pi) ** 2
    stars, galaxies = field[field["type"] == "star"], field[field["type"] == "galaxy"]
    assert len(stars) / area == pytest.approx(config.star_density, rel=0.1)
    assert len(galaxies) / area == pytest.approx(config.galaxy_density, rel=0.1)
    assert config.star_mag_range[0] <= stars["mag_r"].min() and stars["mag_r"].max() <= config.star_mag_range[1]
    # Exponential counts: more faint than bright sources.
    assert np.sum(galaxies["mag_r"] > 23.5) > 3 * np.sum(galaxies["mag_r"] < 20.5)
    assert (stars["half_light_radius"] == 0).all() and (stars["sersic_n"] == 0).all()
    assert (galaxies["half_light_radius"] > 0).all() and set(np.unique(galaxies["sersic_n"])) == {1.0, 4.0}
    assert np.hypot(galaxies["g1"], galaxies["g2"]).max() <= 0.8 + 1e-12


def test_radius_and_filter_are_checked(sim):
    with pytest.raises(ValueError, match="radius"):
        sim.make_truth_catalog(150.0, 2.2, 0.0, "r.MP9601")
    with pytest.raises(KeyError, match="r.MP9999"):
        sim.make_truth_catalog(150.0, 2.2, 0.5, "r.MP9999")
