"""Pixel <-> sky through the MegaPrime focal plane, and the header WCS built from it."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits

from pipetasks.instruments.focal_plane import (
    Pointing,
    detector_region,
    detector_wcs,
    pixel_to_sky,
    sky_to_pixel,
)
from pipetasks.instruments.resources import load_megacam_camera, megacam_file


@pytest.fixture(scope="module")
def camera():
    return load_megacam_camera()


@pytest.mark.parametrize("rotation", [0.0, 37.5])
@pytest.mark.parametrize("detector_id", [0, 14, 22, 35])
def test_round_trip(camera, detector_id: int, rotation: float) -> None:
    pointing = Pointing(150.1, 2.2, rotation)
    det = camera[detector_id]
    x = np.array([0.0, 2047.0, 1000.3, 17.0])
    y = np.array([0.0, 4611.0, 2000.7, 4000.0])
    ra, dec = pixel_to_sky(camera, det, pointing, x, y)
    x2, y2 = sky_to_pixel(camera, det, pointing, ra, dec)
    np.testing.assert_allclose(x2, x, atol=1e-6)
    np.testing.assert_allclose(y2, y, atol=1e-6)


def test_orientation_matches_real_raw_header(camera) -> None:
    """ccd02 is one of the 180-degree CCDs: RA grows with x, Dec falls with y, as CFHT's header says."""
    header = fits.Header.fromtextfile(megacam_file("headers/megaprime_raw_1038843o_ccd02.header.txt"))
    wcs = detector_wcs(camera, camera[2], Pointing(header["RA_DEG"], header["DEC_DEG"], header["ROTANGLE"]),
                       pixel_offset=(32, 0))
    assert np.sign(wcs.wcs.cd[0, 0]) == np.sign(header["CD1_1"]) == 1
    assert np.sign(wcs.wcs.cd[1, 1]) == np.sign(header["CD2_2"]) == -1
    scale = np.sqrt(abs(np.linalg.det(wcs.wcs.cd))) * 3600
    assert scale == pytest.approx(0.186, abs=0.002)  # CFHT writes 0.187; nominal 0.185
    # CFHT's rough CRPIX puts the boresight ~3150 px left of and ~9640 px above the CCD origin.
    bx, by = wcs.world_to_pixel_values(header["RA_DEG"], header["DEC_DEG"])
    assert bx == pytest.approx(header["CRPIX1"] - 1, abs=150)
    assert by == pytest.approx(header["CRPIX2"] - 1, abs=150)


def test_north_up_east_left_at_zero_rotation(camera) -> None:
    det = camera[22]  # a yaw-0 CCD near the centre
    wcs = detector_wcs(camera, det, Pointing(10.0, 0.0, 0.0))
    assert wcs.wcs.cd[0, 0] < 0 and wcs.wcs.cd[1, 1] > 0
    assert abs(wcs.wcs.cd[0, 1]) < 1e-3 * abs(wcs.wcs.cd[0, 0])


def test_linear_wcs_is_exact_at_the_centre_and_close_elsewhere(camera) -> None:
    pointing = Pointing(200.0, -30.0, 12.0)
    for det in (camera[4], camera[27]):
        wcs = detector_wcs(camera, det, pointing)
        x = np.array([1023.5, 0.0, 2047.0, 0.0, 2047.0])
        y = np.array([2305.5, 0.0, 0.0, 4611.0, 4611.0])
        ra, dec = pixel_to_sky(camera, det, pointing, x, y)
        px, py = wcs.world_to_pixel_values(ra, dec)
        assert px[0] == pytest.approx(x[0], abs=1e-6) and py[0] == pytest.approx(y[0], abs=1e-6)
        assert np.max(np.hypot(px - x, py - y)) < 12.0  # distortion left out of a linear WCS


def test_regions_contain_their_pixels_and_tile_the_focal_plane(camera) -> None:
    pointing = Pointing(35.0, -5.0, 0.0)
    rng = np.random.default_rng(3)
    regions = {det.getId(): detector_region(camera, det, pointing) for det in camera}
    for det in (camera[0], camera[17], camera[30]):
        x, y = rng.uniform(0, 2047, 50), rng.uniform(0, 4611, 50)
        ra, dec = pixel_to_sky(camera, det, pointing, x, y)
        assert np.all(regions[det.getId()].contains_lonlat(ra, dec))
        others = [i for i in regions if i != det.getId()]
        hits = [i for i in others if np.any(regions[i].contains_lonlat(ra, dec))]
        assert hits == []


def test_invalid_pointing() -> None:
    with pytest.raises(ValueError, match="Dec within"):
        Pointing(0.0, 95.0)
