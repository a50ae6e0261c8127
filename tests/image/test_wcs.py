"""WCS helpers on astropy.wcs.WCS: LSST pixel conventions, xy0 in headers, the real m13 frame."""

from __future__ import annotations

from pathlib import Path
import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS

from pipetasks.image import Point2D, archive, makeCdMatrix, makeSkyWcs, pixelToSky, skyToPixel
from pipetasks.image.fits import read_image, read_image_wcs, write_image
from pipetasks.image.wcs import getPixelScale, wcs_equal, wcs_from_header, wcs_to_header, xy0_from_header
from shared_data import shared_path as _shared


M13 = "real_frames/m13.fits"


def test_cd_matrix_puts_north_along_y_rotated_by_the_orientation_with_east_left():
    wcs = makeSkyWcs(Point2D(100, 200), SkyCoord(10 * u.deg, 20 * u.deg), makeCdMatrix(0.2 * u.arcsec, 30 * u.deg))
    centre = pixelToSky(wcs, 100, 200)
    assert centre.separation(SkyCoord(10 * u.deg, 20 * u.deg)).arcsec < 1e-8
    assert centre.position_angle(pixelToSky(wcs, 100, 210)).deg == pytest.approx(30.0, abs=1e-6)
    assert centre.position_angle(pixelToSky(wcs, 110, 200)).deg == pytest.approx(300.0, abs=1e-6)
    assert getPixelScale(wcs).arcsec == pytest.approx(0.2, rel=1e-6)
    flipped = makeSkyWcs(Point2D(0, 0), SkyCoord(10 * u.deg, 20 * u.deg), makeCdMatrix(0.2, 0.0, flipX=True))
    assert pixelToSky(flipped, 0, 0).position_angle(pixelToSky(flipped, 10, 0)).deg == pytest.approx(90.0, abs=1e-6)


def test_sky_to_pixel_inverts_pixel_to_sky_for_points_and_arrays():
    wcs = makeSkyWcs(Point2D(50, 60), SkyCoord(200 * u.deg, -30 * u.deg), makeCdMatrix(1.0 * u.arcsec, 12 * u.deg))
    point = skyToPixel(wcs, pixelToSky(wcs, 12.5, 80.25))
    assert (point.x, point.y) == (pytest.approx(12.5), pytest.approx(80.25))
    xs, ys = skyToPixel(wcs, pixelToSky(wcs, np.array([1.0, 2.0]), np.array([3.0, 4.0])))
    np.testing.assert_allclose(xs, [1.0, 2.0]) and np.testing.assert_allclose(ys, [3.0, 4.0])


def test_header_round_trip_with_xy0_shifts_crpix_and_records_the_origin():
    wcs = makeSkyWcs(Point2D(500, 600), SkyCoord(1 * u.deg, 2 * u.deg), makeCdMatrix(0.3 * u.arcsec))
    header = wcs_to_header(wcs, (100, 200))
    assert header["CRPIX1"] == pytest.approx(401.0) and header["CRPIX2"] == pytest.approx(401.0)
    assert xy0_from_header(header) == (100, 200) and header["LTV1"] == -100
    assert wcs_equal(wcs_from_header(header), wcs)
    assert wcs_from_header(fits.Header()) is None


def test_real_m13_wcs_survives_image_files_and_the_archive(tmp_path):
    with fits.open(_shared(M13)) as hdus:
        header = hdus[0].header
        reference = WCS(header)
    wcs = read_image_wcs(_shared(M13))
    assert wcs_equal(wcs, reference)
    assert pixelToSky(wcs, 150, 150).separation(reference.pixel_to_world(150, 150)).arcsec < 1e-9
    image = read_image(_shared(M13))
    target = tmp_path / "m13_copy.fits"
    write_image(image, target, wcs=wcs)
    assert wcs_equal(read_image_wcs(target), wcs)
    np.testing.assert_array_equal(read_image(target).array, image.array)
    assert wcs_equal(archive.load(archive.dump(wcs)), wcs)
    assert archive.dump(wcs)["type"] == "SkyWcs"
