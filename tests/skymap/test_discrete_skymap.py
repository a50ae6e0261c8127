"""DiscreteSkyMap: square tracts centred on the configured positions with the configured radii."""

from __future__ import annotations

import numpy as np
import pytest

import pipetasks.config as pexConfig
from pipetasks.skymap import DiscreteSkyMap, DiscreteSkyMapConfig


def test_tracts_are_centred_on_the_given_positions(demo_skymap) -> None:
    assert len(demo_skymap) == 2
    for tract_id, (ra, dec) in enumerate([(150.0, 2.2), (152.0, 2.2)]):
        tract = demo_skymap[tract_id]
        assert tract.tract_id == tract_id
        assert (tract.ctr_coord.ra.deg, tract.ctr_coord.dec.deg) == pytest.approx((ra, dec))
        assert tuple(tract.wcs.wcs.crval) == pytest.approx((ra, dec))
        x, y = tract.wcs.world_to_pixel(tract.ctr_coord)
        # The box grows to whole patches symmetrically: the centre stays within a pixel of the middle.
        assert abs(x - (tract.bbox.getWidth() - 1) / 2) <= 1.0
        assert abs(y - (tract.bbox.getHeight() - 1) / 2) <= 1.0


def test_tracts_reach_radius_plus_overlap_and_at_most_a_patch_more(demo_skymap) -> None:
    tract = demo_skymap[0]
    overlap = tract.tract_overlap.deg
    assert overlap == pytest.approx(1 / 60)
    for offset in ([0.4 + overlap - 1e-4, 0.0], [0.0, 0.4 + overlap - 1e-4], [-(0.4 + overlap - 1e-4), 0.0]):
        ra = 150.0 + offset[0] / np.cos(np.radians(2.2))
        assert tract.contains((ra, 2.2 + offset[1]))
    pixel_scale = 0.2 / 3600
    half_width = tract.bbox.getWidth() * pixel_scale / 2
    assert 0.4 + overlap <= half_width <= 0.4 + overlap + 4000 * pixel_scale
    assert tuple(tract.num_patches) == (4, 4)


def test_find_tract_picks_the_nearest_centre(demo_skymap) -> None:
    assert demo_skymap.findTract((150.3, 2.0)).tract_id == 0
    assert demo_skymap.findTract((151.2, 2.5)).tract_id == 1
    assert list(demo_skymap.findTractIdArray([150.1, 151.9], [2.2, 2.2], degrees=True)) == [0, 1]
    assert [t.tract_id for t in demo_skymap.findAllTracts((151.0, 2.2))] == []  # between the tracts
    assert [t.tract_id for t in demo_skymap.findAllTracts((150.0, 2.2))] == [0]


def test_find_tract_patch_lists(demo_skymap) -> None:
    points = [(149.9, 2.1), (150.1, 2.3)]
    ((tract, patches),) = demo_skymap.findTractPatchList(points)
    assert tract.tract_id == 0
    for point in points:
        assert tract.findPatch(point) in patches
    assert demo_skymap.findClosestTractPatchList(points) == [(tract, patches)]
    assert demo_skymap.findTractPatchList([(10.0, -40.0)]) == []


def test_list_lengths_must_match() -> None:
    config = DiscreteSkyMapConfig(raList=[1.0, 2.0], decList=[0.0], radiusList=[0.5, 0.5])
    with pytest.raises(pexConfig.FieldValidationError, match="equal lengths.*decList=1"):
        config.validate()
    with pytest.raises(pexConfig.FieldValidationError):
        DiscreteSkyMap(config)


def test_radius_and_declination_are_checked() -> None:
    with pytest.raises(pexConfig.FieldValidationError):
        DiscreteSkyMapConfig(radiusList=[-1.0])
    with pytest.raises(pexConfig.FieldValidationError):
        DiscreteSkyMapConfig(decList=[91.0])


def test_an_empty_discrete_sky_map_has_no_tracts() -> None:
    skymap = DiscreteSkyMap()
    assert len(skymap) == 0 and list(skymap) == []
    with pytest.raises(LookupError, match="no tracts"):
        skymap.findTract((0.0, 0.0))


def test_config_is_copied_and_frozen(demo_config_factory) -> None:
    config = demo_config_factory()
    skymap = DiscreteSkyMap(config)
    config.raList = [10.0, 20.0]  # the caller's config stays theirs
    assert list(skymap.config.raList) == [150.0, 152.0]
    with pytest.raises(pexConfig.FieldValidationError, match="frozen"):
        skymap.config.raList = [0.0, 1.0]
    with pytest.raises(TypeError, match="needs a DiscreteSkyMapConfig"):
        DiscreteSkyMap(pexConfig.Config())
