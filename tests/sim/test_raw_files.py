"""Raw files as written: MEF layout, pixel type, header keywords, WCS, truth file."""

from __future__ import annotations

import math

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from astropy.time import Time
from astropy.wcs import WCS

from pipetasks.instruments.focal_plane import Pointing, detector_wcs

EXPOSURE_ID = 2400201


@pytest.fixture(scope="module")
def written(sim, spec_for, injected_truth, tmp_path_factory):
    directory = tmp_path_factory.mktemp("raws")
    spec = spec_for("OBJECT", EXPOSURE_ID, 120.0, object="COSMOS-demo", rotation=0.0, seeing=0.9)
    path = sim.write_raw(spec, directory, detectors=[12, 13], truth=injected_truth)
    return spec, path


@pytest.fixture(scope="module")
def hdus(written):
    with fits.open(written[1]) as opened:
        yield opened


def test_file_is_a_compressed_mef_with_one_ccd_extension_each(written, hdus):
    assert written[1].name == f"{EXPOSURE_ID}o.fits.fz"
    assert [hdu.name for hdu in hdus] == ["PRIMARY", "ccd12", "ccd13"]
    assert hdus[0].header["NEXTEND"] == 2
    for hdu in hdus[1:]:
        assert isinstance(hdu, fits.CompImageHDU)
        assert hdu.compression_type == "RICE_1"
        assert hdu.data.shape == (4644, 2112)
        assert hdu.data.dtype == np.uint16
        assert hdu.header["BZERO"] == 32768
        assert hdu.header["INHERIT"] is False


def test_extension_headers_describe_their_ccd(sim, hdus):
    for hdu in hdus[1:]:
        header = hdu.header
        det_id = header["EXTVER"]
        detector = sim.camera[det_id]
        assert header["EXTNAME"] == f"ccd{det_id:02d}"
        assert header["CCDNAME"] == detector.getSerial()
        assert header["AMPNAME"] == f"{det_id:02d}a + {det_id:02d}b"
        assert (header["GAINA"], header["GAINB"]) == (detector[0].getGain(), detector[1].getGain())
        assert header["GAIN"] == pytest.approx((detector[0].getGain() + detector[1].getGain()) / 2)
        assert (header["RDNOISEA"], header["RDNOISEB"]) == (detector[0].getReadNoise(), detector[1].getReadNoise())
        assert header["SATURATE"] == header["MAXLINA"] == 65535
        assert header["DATASEC"] == "[33:2080,1:4612]"
        assert (header["DSECA"], header["DSECB"]) == ("[33:1056,1:4612]", "[1057:2080,1:4612]")
        assert (header["BSECA"], header["BSECB"]) == ("[1:32,1:4644]", "[2081:2112,1:4644]")
        assert header["SIMULATE"] is True


def test_detsec_follows_the_focal_plane_as_in_real_headers(sim):
    from pipetasks.sim.headers import _detsec

    # Real raw headers: ccd02 (exposure 1038843) and ccd14 (exposure 849375).
    for det_id, whole, amp_a, amp_b in (
        (2, "[8394:6347,19353:14742]", "[8394:7371,19353:14742]", "[6347:7370,19353:14742]"),
        (14, "[14745:12698,14316:9705]", "[14745:13722,14316:9705]", "[12698:13721,14316:9705]"),
    ):
        detector = sim.camera[det_id]
        assert _detsec(detector, 0, 2047) == whole
        assert _detsec(detector, 0, 1023) == amp_a
        assert _detsec(detector, 2047, 1024) == amp_b


def test_exposure_keywords_are_in_primary_and_extensions(written, hdus):
    spec = written[0]
    for header in (hdus[0].header, hdus[1].header):
        assert header["EXPNUM"] == header["OBSID"] == EXPOSURE_ID
        assert header["FILENAME"] == f"{EXPOSURE_ID}o"
        assert header["OBSTYPE"] == header["EXPTYPE"] == "OBJECT"
        assert header["FILTER"] == "r.MP9601" and header["FILTERID"] == 1305
        assert header["EXPTIME"] == header["EXPREQ"] == header["EXPMEAS"] == header["DARKTIME"] == 120.0
        assert header["OBJECT"] == header["OBJNAME"] == "COSMOS-demo"
        assert header["RUNID"] == "26BQ01" and header["CRUNID"] == "26Bm04"
        assert header["RA"] == "10:00:00.00" and header["DEC"] == "2:12:00.0"
        assert (header["RA_DEG"], header["DEC_DEG"]) == (150.0, 2.2)
        assert header["AIRMASS"] == 1.2
        assert header["ROTANGLE"] == header["BONANGLE"] == 0.0
        for key in ("TELALT", "TELAZ", "TEMPERAT", "PRESSURE", "RELHUMID"):
            assert isinstance(header[key], float)
        begin = Time(f"{header['DATE-OBS']}T{header['UTC-OBS']}", scale="utc")
        end = Time(f"{header['DATEEND']}T{header['UTCEND']}", scale="utc")
        assert abs((begin - spec.date_begin).sec) < 0.01 and abs((end - begin).sec - 120.0) < 0.01
        assert header["MJD-OBS"] == header["MJDATE"] == pytest.approx(spec.date_begin.mjd, abs=1e-6)
        assert header["MJDEND"] == pytest.approx(spec.date_end.mjd, abs=1e-6)
        assert header["UTIME"] == header["UTC-OBS"]
        assert Time(header["DATE"]) > end
    assert "EXTNAME" not in hdus[0].header and "GAINA" not in hdus[0].header


def test_telescope_altitude_and_airmass_agree_when_airmass_is_not_given(spec_for):
    spec = spec_for("OBJECT", 2400202, 30.0, airmass=None)
    alt, _ = spec.alt_az
    assert alt > 30  # 14:30 UTC: COSMOS is up over Mauna Kea
    assert spec.effective_airmass == pytest.approx(1 / math.sin(math.radians(alt)), rel=0.01)


# CFHT's DATE-OBS holds the date only, so wcslib finds MJD-OBS "inconsistent" (real raws do the same).
@pytest.mark.filterwarnings("ignore:.*MJD-OBS and DATE-OBS are inconsistent")
def test_header_wcs_is_the_detector_wcs_in_raw_pixels(sim, hdus):
    for hdu in hdus[1:]:
        detector = sim.camera[hdu.header["EXTVER"]]
        expected = detector_wcs(sim.camera, detector, Pointing(150.0, 2.2, 0.0), pixel_offset=(32, 0))
        actual = WCS(hdu.header)
        x = np.array([0.0, 32.0, 1055.5, 2111.0])
        y = np.array([0.0, 2305.5, 4000.0, 4643.0])
        assert np.allclose(actual.pixel_to_world_values(x, y), expected.pixel_to_world_values(x, y), atol=1e-10, rtol=0)


def test_truth_file_has_a_row_per_source_and_detector(written, layout):
    truth = Table.read(written[1].with_name(f"{EXPOSURE_ID}o_truth.ecsv"))
    expected_columns = {"detector", "id", "x", "y", "ra", "dec", "mag", "flux", "response", "type", "saturated"}
    assert expected_columns <= set(truth.colnames)
    assert set(truth["detector"]) == {layout.detector}  # the injected sources are all on ccd12
    assert len(truth) == len(layout.star_grid) + 1 + len(layout.galaxies)
    meta = truth.meta
    assert meta["exposure_id"] == EXPOSURE_ID and meta["band"] == "r"
    assert set(meta["detectors"]) == {12, 13}
    assert set(meta["detectors"][12]["amplifiers"]) == {"A", "B"}
    assert meta["detectors"][13]["cosmic_rays"] > 0
    assert str(truth["flux"].unit) == "electron"


def test_uncompressed_raw_holds_the_same_pixels(sim, spec_for, tmp_path):
    spec = spec_for("BIAS", 2400203, 0.0)
    packed = sim.write_raw(spec, tmp_path / "fz", detectors=[12])
    plain = sim.write_raw(spec, tmp_path / "plain", detectors=[12], compress=False)
    assert plain.name == "2400203o.fits"
    with fits.open(packed) as a, fits.open(plain) as b:
        assert isinstance(b[1], fits.ImageHDU) and b[1].header["BITPIX"] == 16 and b[1].header["BZERO"] == 32768
        assert np.array_equal(a[1].data, b[1].data)
        assert b[1].header["OBSTYPE"] == "BIAS" and b[1].header["EXPTIME"] == 0.0
    truth = Table.read(tmp_path / "plain" / "2400203o_truth.ecsv")
    assert len(truth) == 0 and truth.meta["detectors"][12]["cosmic_rays"] == 0
