"""`MegaPrimeRawFormatter`: one CCD of a raw file as an ExposureU; components from the headers alone."""

from __future__ import annotations

import math
from pathlib import Path

import astropy.units as u
import fsspec
import numpy as np
import pytest
from astropy.time import Time

from butler.formatters.errors import FormatterReadError
from butler.storage_class import get_storage_class_factory
from pipetasks.image.errors import ImageBoundsError
from pipetasks.image.exposure import ExposureU
from pipetasks.image.filter_label import FilterLabel
from pipetasks.image.fits.reader import FitsReader
from pipetasks.image.geometry import Box2I, Extent2I, Point2I
from pipetasks.image.visit_info import RotType
from pipetasks.instruments.focal_plane import Pointing, detector_wcs
from pipetasks.instruments.raw_formatter import MegaPrimeRawFormatter
from pipetasks.instruments.resources import load_megacam_camera


@pytest.fixture(scope="module")
def formatter() -> MegaPrimeRawFormatter:
    return MegaPrimeRawFormatter(get_storage_class_factory().getStorageClass("Exposure"))


@pytest.fixture
def raw_file(raws, tmp_path) -> str:
    return str(raws.write(tmp_path / "2400001o.fits.fz", exposure=2400001, detectors=(0, 1, 35)))


def _sky(wcs, x, y):
    return np.array(wcs.pixel_to_world_values(x, y))


def _forbid_pixel_reads(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("pixels were read for a component that lives in the header")

    monkeypatch.setattr(FitsReader, "read_image", refuse)


@pytest.mark.parametrize("compress", [True, False], ids=["tile-compressed", "plain"])
def test_read_returns_the_detector_hdu_pixels_as_an_exposure_u(formatter, raws, tmp_path, compress):
    path = raws.write(tmp_path / "raw.fits", exposure=2400001, detectors=(0, 1, 35), compress=compress)
    exposure = formatter.read(None, str(path), data_id={"instrument": "MegaPrime", "exposure": 2400001,
                                                         "detector": 35})
    assert isinstance(exposure, ExposureU)
    assert exposure.getBBox() == Box2I(Point2I(0, 0), Extent2I(2112, 4644))
    np.testing.assert_array_equal(exposure.image.array, raws.pattern(35))
    assert not exposure.mask.array.any()
    assert not exposure.variance.array.any()


def test_detector_takes_this_exposures_gain_read_noise_and_saturation(formatter, raws, raw_file):
    camera_detector = load_megacam_camera()[1]
    nominal = [(amp.getGain(), amp.getReadNoise()) for amp in camera_detector]
    detector = formatter.read(None, raw_file, component="detector", data_id={"detector": 1})
    assert detector.getName() == "ccd01" and detector.getSerial() == camera_detector.getSerial()
    assert [amp.getName() for amp in detector] == ["A", "B"]
    assert [amp.getGain() for amp in detector] == pytest.approx(raws.amp_gains(1))
    assert [amp.getReadNoise() for amp in detector] == pytest.approx(raws.amp_read_noise(1))
    assert [amp.getSaturation() for amp in detector] == [64000.0, 64000.0]
    assert detector.getBBox() == camera_detector.getBBox()
    assert [amp.getRawDataBBox() for amp in detector] == [amp.getRawDataBBox() for amp in camera_detector]
    # the shared camera is untouched
    assert [(amp.getGain(), amp.getReadNoise()) for amp in load_megacam_camera()[1]] == nominal


def test_placeholder_per_amplifier_read_noise_falls_back_to_the_ccd_value(formatter, raws, tmp_path):
    path = raws.write(tmp_path / "old.fits.fz", detectors=(3,),
                      set_cards={"RDNOISEA": 65535, "RDNOISE": 4.25})
    detector = formatter.read(None, str(path), component="detector", data_id={"detector": 3})
    assert [amp.getReadNoise() for amp in detector] == pytest.approx([4.25, raws.amp_read_noise(3)[1]])


def test_visit_info_comes_from_the_translated_header(formatter, raws, tmp_path):
    path = raws.write(tmp_path / "v.fits.fz", exposure=2400007, detectors=(4,), obstype="OBJECT",
                      begin="2024-03-01T10:00:00.00", exptime=120.0, ra=150.25, dec=2.5, rotation=90.0,
                      target="COSMOS-4", runid="24AQ09", set_cards={"SIMULATE": True})
    visit_info = formatter.read(None, str(path), component="visitInfo", data_id={"detector": 4})
    assert visit_info.getId() == 2400007
    assert visit_info.getExposureTime() == 120.0
    assert visit_info.getDarkTime() == 121.0
    # the header ends 121.5 s after it starts (DATEEND/UTCEND): the middle, in TAI
    expected_middle = Time("2024-03-01T10:00:00", scale="utc") + 60.75 * u.s
    assert visit_info.getDate().scale == "tai"
    assert abs((visit_info.getDate() - expected_middle).to_value(u.s)) < 1e-6
    radec = visit_info.getBoresightRaDec()
    assert (radec.ra.deg, radec.dec.deg) == pytest.approx((150.25, 2.5))
    azalt = visit_info.getBoresightAzAlt()
    assert (azalt.az.deg, azalt.alt.deg) == pytest.approx((122.34, 52.02))
    assert visit_info.getBoresightAirmass() == pytest.approx(1.269)
    assert visit_info.getBoresightRotAngle().deg == pytest.approx(90.0)
    assert visit_info.getRotType() is RotType.SKY
    assert visit_info.getObservatory().lat.deg == pytest.approx(19.825252)
    weather = visit_info.getWeather()
    assert (weather.airTemperature, weather.airPressure, weather.humidity) == \
        pytest.approx((0.9, 61765.0, 39.77))  # pressure in Pa
    assert visit_info.getInstrumentLabel() == "MegaPrime"
    assert (visit_info.getObservationType(), visit_info.getObservationReason()) == ("science", "science")
    assert (visit_info.getScienceProgram(), visit_info.getObject()) == ("24AQ09", "COSMOS-4")
    assert visit_info.getHasSimulatedContent() is True
    assert 0.0 <= visit_info.getEra().deg < 360.0


def test_wcs_is_the_header_tan_solution_in_the_raw_pixel_frame(formatter, raws, tmp_path):
    path = raws.write(tmp_path / "w.fits.fz", detectors=(12,), ra=150.0, dec=2.2, rotation=0.0)
    wcs = formatter.read(None, str(path), component="wcs", data_id={"detector": 12})
    camera = load_megacam_camera()
    expected = detector_wcs(camera, camera[12], Pointing(150.0, 2.2, 0.0), pixel_offset=(32, 0))
    x, y = np.array([0.0, 1055.0, 2111.0]), np.array([0.0, 2300.0, 4643.0])
    np.testing.assert_allclose(_sky(wcs, x, y), _sky(expected, x, y), atol=1e-9)


def test_wcs_is_computed_from_the_boresight_when_the_header_has_none(formatter, raws, tmp_path):
    path = raws.write(tmp_path / "nowcs.fits.fz", detectors=(20,), ra=10.0, dec=-30.0, rotation=45.0,
                      wcs=False)
    wcs = formatter.read(None, str(path), component="wcs", data_id={"detector": 20})
    camera = load_megacam_camera()
    expected = detector_wcs(camera, camera[20], Pointing(10.0, -30.0, 45.0), pixel_offset=(32, 0))
    x, y = np.array([32.0, 1000.0]), np.array([0.0, 4000.0])
    np.testing.assert_allclose(_sky(wcs, x, y), _sky(expected, x, y), atol=1e-12)


def test_filter_id_and_metadata(formatter, raw_file):
    exposure = formatter.read(None, raw_file, data_id={"detector": 0})
    assert exposure.getFilter() == FilterLabel(band="r", physical="r.MP9601")
    assert exposure.getId() == 2400001 * 36 + 0
    metadata = exposure.getMetadata()
    assert metadata["EXPNUM"] == 2400001 and metadata["EXTNAME"] == "ccd00" and metadata["GAINA"] == 1.5
    for storage_or_wcs in ("NAXIS1", "ZIMAGE", "ZCMPTYPE", "BZERO", "XTENSION", "CTYPE1", "CD1_1", "CRPIX1"):
        assert storage_or_wcs not in metadata
    assert "ZPROBE" in metadata  # an observation keyword that merely starts with Z stays


def test_metadata_takes_primary_keywords_the_extension_lacks(formatter, raws, tmp_path):
    path = raws.write(tmp_path / "m.fits.fz", detectors=(2,))
    from astropy.io import fits

    with fits.open(path, mode="update") as hdus:
        hdus[0].header["PRIONLY"] = ("only in the primary", "a primary-only keyword")
        hdus[1].header.remove("OBSERVER")
    metadata = formatter.read(None, str(path), component="metadata", data_id={"detector": 2})
    assert metadata["PRIONLY"] == "only in the primary"
    assert metadata["OBSERVER"] == "QSO Team"
    assert metadata["EXTNAME"] == "ccd02"


@pytest.mark.parametrize("component", ["wcs", "visitInfo", "detector", "metadata", "filter", "bbox", "xy0",
                                       "dimensions", "id", "psf", "photoCalib", "mask", "variance"])
def test_components_are_read_from_the_headers_without_pixels(formatter, raw_file, monkeypatch, component):
    whole = formatter.read(None, raw_file, data_id={"detector": 35})
    _forbid_pixel_reads(monkeypatch)
    value = formatter.read(None, raw_file, component=component, data_id={"detector": 35})
    expected = formatter.storage_class.get_delegate().getComponent(whole, component)
    if component == "wcs":
        np.testing.assert_allclose(_sky(value, 5.0, 7.0), _sky(expected, 5.0, 7.0), atol=1e-12)
    elif component == "metadata":
        assert dict(value) == dict(expected)
    elif component in ("mask", "variance"):
        assert value.getBBox() == expected.getBBox() and not value.array.any()
    else:
        assert value == expected


def test_bbox_parameter_reads_only_the_requested_pixels(formatter, raws, raw_file):
    rows, cols = raws.window
    box = Box2I(Point2I(cols.start - 10, rows.start - 5), Extent2I(84, 40))
    ccd1 = {"detector": 1}
    cut = formatter.read(None, raw_file, parameters={"bbox": box}, data_id=ccd1)
    assert cut.getBBox() == box
    expected = _pattern_in(raws, 1, box)
    np.testing.assert_array_equal(cut.image.array, expected)
    image = formatter.read(None, raw_file, component="image", parameters={"bbox": box}, data_id=ccd1)
    assert image.getXY0() == box.getMin()
    np.testing.assert_array_equal(image.array, expected)
    assert formatter.read(None, raw_file, component="bbox", parameters={"bbox": box}, data_id=ccd1) == box
    local = formatter.read(None, raw_file, parameters={"bbox": box, "origin": "LOCAL"}, data_id=ccd1)
    np.testing.assert_array_equal(local.image.array, expected)  # the raw's origin is (0, 0)


def _pattern_in(raws, detector: int, box: Box2I) -> np.ndarray:
    return raws.pattern(detector)[box.getMinY() : box.getMaxY() + 1, box.getMinX() : box.getMaxX() + 1]


def test_bbox_outside_the_raw_image_is_refused(formatter, raw_file):
    box = Box2I(Point2I(2100, 0), Extent2I(20, 10))
    with pytest.raises(ImageBoundsError, match="not inside the raw image"):
        formatter.read(None, raw_file, parameters={"bbox": box}, data_id={"detector": 1})


def test_missing_hdu_names_the_file_and_the_hdu(formatter, raw_file):
    expected = r"has no HDU 'ccd07' for detector 7 \(its extensions: ccd00, ccd01, ccd35\)"
    with pytest.raises(FormatterReadError, match=expected) as info:
        formatter.read(None, raw_file, data_id={"detector": 7})
    assert info.value.path == raw_file


def test_truncated_file_raises_formatter_read_error(formatter, raw_file, tmp_path):
    data = Path(raw_file).read_bytes()
    truncated = tmp_path / "truncated.fits.fz"
    truncated.write_bytes(data[: len(data) - 200_000])
    with pytest.raises(FormatterReadError, match=r"truncated") as info:
        formatter.read(None, str(truncated), data_id={"detector": 35})
    assert "ccd35" in str(info.value) and str(truncated) in str(info.value)


def test_not_a_fits_file_raises_formatter_read_error(formatter, tmp_path):
    text = tmp_path / "notes.fits"
    text.write_text("not a FITS file\n" * 400)
    with pytest.raises(FormatterReadError, match="not a FITS file"):
        formatter.read(None, str(text), component="visitInfo", data_id={"detector": 0})


def test_header_the_translator_cannot_read_raises_formatter_read_error(formatter, raws, tmp_path):
    path = raws.write(tmp_path / "bad.fits.fz", detectors=(0,), rename_cards={"OBSTYPE": "OBSTYP"})
    expected = r"HDU 'ccd00': MegaPrime header lacks required keyword\(s\) OBSTYPE"
    with pytest.raises(FormatterReadError, match=expected):
        formatter.read(None, str(path), component="visitInfo", data_id={"detector": 0})


def test_reading_needs_the_data_id(formatter, raw_file):
    with pytest.raises(ValueError, match="needs its data ID"):
        formatter.read(None, raw_file)


def test_writing_raws_is_refused(formatter, raw_file, tmp_path):
    exposure = formatter.read(None, raw_file, data_id={"detector": 0})
    with pytest.raises(NotImplementedError, match="only reads raw files"):
        formatter.write(exposure, None, str(tmp_path / "out.fits"))


def test_files_on_other_filesystems_are_read_through_fsspec(formatter, raws, raw_file):
    memory = fsspec.filesystem("memory")
    memory.pipe_file("/raws/2400001o.fits.fz", Path(raw_file).read_bytes())
    try:
        exposure = formatter.read(memory, "/raws/2400001o.fits.fz", data_id={"detector": 1})
        np.testing.assert_array_equal(exposure.image.array, _pattern_in(raws, 1, exposure.getBBox()))
        assert exposure.getVisitInfo().getId() == 2400001
    finally:
        memory.rm("/raws", recursive=True)


def test_the_real_header_reads_as_exposure_1038843_ccd02(formatter, raws, tmp_path):
    path = str(raws.write_template(tmp_path / "1038843o.fits.fz"))
    exposure = formatter.read(None, path, data_id={"detector": 2})
    visit_info = exposure.getVisitInfo()
    assert visit_info.getId() == 1038843
    assert visit_info.getExposureTime() == 615.037 and visit_info.getDarkTime() == 615.0
    begin, end = Time("2008-11-01T14:33:32.40", scale="utc"), Time("2008-11-01T14:44:41.96", scale="utc")
    assert abs((visit_info.getDate() - (begin + (end - begin) / 2)).to_value(u.s)) < 1e-6
    assert visit_info.getObject() == "w2.+2+2" and visit_info.getScienceProgram() == "08BL05"
    assert [(amp.getGain(), amp.getReadNoise(), amp.getSaturation()) for amp in exposure.getDetector()] == \
        [(1.57, 3.0, 65535.0), (1.67, 5.0, 65535.0)]
    assert exposure.getFilter() == FilterLabel(band="i", physical="i.MP9702")
    assert exposure.getId() == 37398350
    wcs = exposure.getWcs()
    assert tuple(wcs.wcs.crval) == pytest.approx((135.40942, -2.4))
    # CRPIX1 = -3118.8, CRPIX2 = 9640.5 (FITS, 1-based): the reference pixel in 0-based raw coordinates
    assert _sky(wcs, -3119.8, 9639.5) == pytest.approx([135.40942, -2.4])
    assert math.isclose(visit_info.getBoresightAirmass(), 1.269)
