"""The exposure FITS format: documented HDU layout, component reads without pixels, bbox reads of rows only."""

from __future__ import annotations

from pathlib import Path
import io
import os

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import EarthLocation, SkyCoord
from astropy.io import fits
from astropy.time import Time
from astropy.wcs import WCS

from pipetasks.image import (
    ApCorrMap,
    Box2I,
    Camera,
    ChebyshevBoundedField,
    ConstantBoundedField,
    ExposureF,
    ExposureSummaryStats,
    FilterLabel,
    GaussianPsf,
    ImageBoundsError,
    ImageFormatError,
    Mask,
    PhotoCalib,
    PolynomialPixelPsf,
    VisitInfo,
    Weather,
    makeCdMatrix,
    makeSkyWcs,
)
from pipetasks.image.fits import ExposureFitsReader, read_exposure, write_exposure
from pipetasks.image.wcs import wcs_equal
from shared_data import shared_path as _shared


CAMERA_YAML = "megacam/camera.yaml"


class CountingFile(io.FileIO):
    """A file that counts the bytes read through it."""

    def __init__(self, path: str):
        super().__init__(path, "rb")
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readinto(self, buffer) -> int:
        n = super().readinto(buffer)
        self.bytes_read += n or 0
        return n


@pytest.fixture(scope="module")
def exposure() -> ExposureF:
    rng = np.random.default_rng(5)
    exp = ExposureF(Box2I.from_xywh(100, 200, 240, 300))
    exp.image.array[:] = rng.normal(1000.0, 10.0, exp.image.array.shape)
    exp.variance.array[:] = 100.0
    exp.mask.array[10:20, 30:40] = Mask.getPlaneBitMask(["SAT", "DETECTED_NEGATIVE"])
    exp.setWcs(makeSkyWcs((220.0, 350.0), SkyCoord(250.42 * u.deg, 36.46 * u.deg), makeCdMatrix(0.187 * u.arcsec, 30 * u.deg)))
    stamps = [GaussianPsf(21, 21, 2.0).computeImage((x, y)) for x, y in [(120, 220), (300, 450), (200, 300), (330, 250)]]
    exp.setPsf(PolynomialPixelPsf.fit(stamps, [(120, 220), (300, 450), (200, 300), (330, 250)], order=1,
                                      bbox=exp.getBBox(), kernelSize=15))
    exp.setPhotoCalib(PhotoCalib(0.7, 0.01))
    apcorr = ApCorrMap()
    apcorr["base_PsfFlux_instFlux"] = ChebyshevBoundedField(exp.getBBox(), [[0.95, 0.01], [0.002, 0.0]])
    apcorr["base_PsfFlux_instFluxErr"] = ConstantBoundedField(exp.getBBox(), 0.0)
    exp.setApCorrMap(apcorr)
    exp.setVisitInfo(VisitInfo(
        exposureTime=300.0, darkTime=301.0, date=Time("2006-10-20T10:00:00", scale="tai"),
        boresightRaDec=(250.42, 36.46), boresightAzAlt=(120.0, 70.0), boresightAirmass=1.06,
        boresightRotAngle=90.0, observatory=EarthLocation.from_geodetic(-155.47 * u.deg, 19.82 * u.deg, 4204 * u.m),
        weather=Weather(2.0, 61500.0, 20.0), instrumentLabel="MegaPrime", id=849375, object="M13"))
    exp.setDetector(Camera.from_yaml(_shared(CAMERA_YAML))["ccd14"])
    exp.setFilter(FilterLabel(band="i", physical="i.MP9702"))
    exp.setSummaryStats(ExposureSummaryStats(psfSigma=2.0, zeroPoint=30.1, raCorners=[1.0, 2.0, 3.0, 4.0], nPsfStar=4))
    exp.getMetadata()["OBJECT"] = "M13"
    exp.getMetadata()["HIERARCH CFHT QRUNID"] = "06BQ01"
    exp.info.setId(849375014)
    return exp


@pytest.fixture(scope="module")
def path(exposure, tmp_path_factory) -> str:
    target = os.fspath(tmp_path_factory.mktemp("fits") / "calexp.fits")
    write_exposure(exposure, target)
    return target


def test_file_has_the_documented_hdus_and_opens_in_astropy(path):
    with fits.open(path) as hdus:
        assert [h.name for h in hdus] == ["PRIMARY", "IMAGE", "MASK", "VARIANCE", "PSF", "PHOTOCALIB", "APCORR",
                                          "VISITINFO", "DETECTOR", "FILTER", "SUMMARYSTATS"]
        assert hdus[0].header["SKYBFMT"] == "EXPOSURE" and hdus[0].header["EXPID"] == 849375014
        assert hdus[0].header["OBJECT"] == "M13"
        assert hdus["IMAGE"].data.dtype == np.dtype(">f4") and hdus["IMAGE"].data.shape == (300, 240)
        assert hdus["MASK"].header["MP_SAT"] == 1 and hdus["MASK"].header["MP_DETECTED_NEGATIVE"] == 6
        assert hdus["IMAGE"].header["CRVAL1A"] == 100 and hdus["IMAGE"].header["LTV2"] == -200
        assert hdus["VISITINFO"].data["exposureTime"][0] == 300.0
        assert list(hdus["DETECTOR"].data["name"]) == ["A", "B"] and hdus["DETECTOR"].header["DETNAME"] == "ccd14"
        assert hdus["FILTER"].data["physical"][0] == "i.MP9702"
        assert hdus["PSF"].header["ARCHTYPE"] == "PolynomialPixelPsf"


def test_wcs_in_the_file_describes_file_pixels_and_reads_back_in_parent_pixels(path, exposure):
    with fits.open(path) as hdus:
        file_wcs = WCS(hdus["IMAGE"].header)
    expected = exposure.getWcs().pixel_to_world(150.0, 260.0)
    on_file = file_wcs.pixel_to_world(150.0 - 100, 260.0 - 200)
    assert on_file.separation(expected).arcsec < 1e-6
    with ExposureFitsReader(path) as reader:
        assert wcs_equal(reader.readWcs(), exposure.getWcs())


def test_full_round_trip_keeps_pixels_and_every_component(path, exposure):
    back = read_exposure(path)
    assert type(back) is ExposureF and back.getBBox() == exposure.getBBox()
    np.testing.assert_array_equal(back.image.array, exposure.image.array)
    np.testing.assert_array_equal(back.mask.array, exposure.mask.array)
    np.testing.assert_array_equal(back.variance.array, exposure.variance.array)
    assert back.image.array.dtype == np.float32 and back.image.array.dtype.isnative
    assert back.getPsf() == exposure.getPsf()
    assert back.getPhotoCalib() == exposure.getPhotoCalib()
    assert back.getApCorrMap() == exposure.getApCorrMap()
    assert back.getVisitInfo() == exposure.getVisitInfo()
    assert back.getDetector() == exposure.getDetector()
    assert back.getFilter() == exposure.getFilter()
    assert back.getSummaryStats() == exposure.getSummaryStats()
    assert back.getMetadata()["CFHT QRUNID"] == "06BQ01" and "SKYBFMT" not in back.getMetadata()
    assert back.getId() == 849375014


def test_components_are_read_without_reading_pixels(path, exposure):
    pixel_bytes = 3 * 240 * 300 * 4
    for component in ("psf", "visitInfo", "detector", "filter", "apCorrMap", "summaryStats", "photoCalib", "wcs"):
        with CountingFile(path) as stream, ExposureFitsReader(stream) as reader:
            value = reader.readComponent(component)
            assert value is not None
            assert stream.bytes_read < pixel_bytes / 10, component
    with CountingFile(path) as stream, ExposureFitsReader(stream) as reader:
        assert reader.readBBox() == exposure.getBBox() and stream.bytes_read < 20000


def test_bbox_read_reads_only_the_rows_it_covers(path, exposure):
    box = Box2I.from_xywh(150, 300, 20, 10)
    with CountingFile(path) as stream, ExposureFitsReader(stream) as reader:
        cut = reader.readMaskedImage(box)
        assert stream.bytes_read < 3 * 10 * 240 * 4 + 20 * 2880
    np.testing.assert_array_equal(cut.image.array, exposure[box].image.array)
    np.testing.assert_array_equal(cut.mask.array, exposure[box].mask.array)
    assert cut.getXY0() == box.getMin()
    with ExposureFitsReader(path) as reader:
        with pytest.raises(ImageBoundsError, match="not inside"):
            reader.readImage(Box2I.from_xywh(0, 0, 10, 10))


@pytest.mark.parametrize("preset", ["lossless", "lossy"])
def test_tile_compressed_files_round_trip_and_cut_out(exposure, tmp_path, preset):
    target = tmp_path / f"{preset}.fits"
    write_exposure(exposure, target, compression=preset)
    with fits.open(target) as hdus:
        assert isinstance(hdus["IMAGE"], fits.CompImageHDU) and isinstance(hdus["MASK"], fits.CompImageHDU)
        assert hdus["IMAGE"].compression_type == ("GZIP_2" if preset == "lossless" else "RICE_1")
    back = read_exposure(target)
    np.testing.assert_array_equal(back.mask.array, exposure.mask.array)
    tolerance = 0 if preset == "lossless" else 10.0 / 16 * 2
    assert np.abs(back.image.array - exposure.image.array).max() <= tolerance
    box = Box2I.from_xywh(120, 210, 30, 25)
    cut = read_exposure(target, bbox=box)
    np.testing.assert_array_equal(cut.image.array, back[box].image.array)
    assert wcs_equal(cut.getWcs(), exposure.getWcs())


def test_lossy_compression_is_deterministic(exposure, tmp_path):
    write_exposure(exposure, tmp_path / "a.fits", compression="lossy")
    write_exposure(exposure, tmp_path / "b.fits", compression="lossy")
    a, b = read_exposure(tmp_path / "a.fits"), read_exposure(tmp_path / "b.fits")
    np.testing.assert_array_equal(a.image.array, b.image.array)


def test_truncated_file_raises_image_format_error_naming_the_file(path, tmp_path):
    data = open(path, "rb").read()
    broken = tmp_path / "truncated.fits"
    broken.write_bytes(data[: 2880 * 3 + 1000])
    with pytest.raises(ImageFormatError, match="truncated") as info:
        read_exposure(broken)
    assert "truncated.fits" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_file_without_the_pixel_hdus_raises_image_format_error(tmp_path):
    plain = tmp_path / "plain.fits"
    fits.HDUList([fits.PrimaryHDU()]).writeto(plain)
    with pytest.raises(ImageFormatError, match="no IMAGE HDU"):
        read_exposure(plain)
    junk = tmp_path / "junk.fits"
    junk.write_bytes(b"x" * 3000)
    with pytest.raises(ImageFormatError, match="not a FITS file"):
        read_exposure(junk)


def test_exposure_without_components_round_trips(tmp_path):
    exp = ExposureF(Box2I.from_xywh(-5, -7, 12, 9))
    exp.image.array[:] = np.arange(108).reshape(9, 12)
    write_exposure(exp, tmp_path / "bare.fits")
    back = read_exposure(tmp_path / "bare.fits")
    assert back.getBBox() == exp.getBBox() and back.getWcs() is None and back.getPsf() is None
    np.testing.assert_array_equal(back.image.array, exp.image.array)


def test_read_defers_component_decoding_but_needs_no_file_afterwards(path, exposure, tmp_path):
    copy = tmp_path / "copy.fits"
    copy.write_bytes(open(path, "rb").read())
    back = read_exposure(copy)
    assert back.getInfo().hasPsf() and back.getInfo().hasDetector()
    copy.unlink()
    assert back.getPsf() == exposure.getPsf() and back.getDetector() == exposure.getDetector()
    view = back[Box2I.from_xywh(150, 250, 10, 10)]
    assert view.getVisitInfo() is back.getVisitInfo()


def test_a_corrupt_component_table_raises_image_format_error_when_used(path, tmp_path):
    data = open(path, "rb").read()
    broken = tmp_path / "broken_filter.fits"
    broken.write_bytes(data.replace(b"ARCHTYPE= 'FilterLabel'", b"ARCHTYPE= 'FilterLabeX'"))
    back = read_exposure(broken)  # pixels and the other components are fine
    assert back.getPsf() is not None
    with pytest.raises(ImageFormatError, match="FILTER.*FilterLabeX") as info:
        back.getFilter()
    assert "broken_filter.fits" in str(info.value)


def test_formatter_reads_and_writes_through_an_fsspec_filesystem(exposure):
    import fsspec

    from butler.storage_class import get_storage_class_factory
    from pipetasks.image.image_formatters import ExposureFormatter

    fs = fsspec.filesystem("memory")
    formatter = ExposureFormatter(get_storage_class_factory().getStorageClass("ExposureF"))
    formatter.write(exposure, fs, "/bucket/calexp.fits")
    box = Box2I.from_xywh(150, 300, 20, 10)
    cut = formatter.read(fs, "/bucket/calexp.fits", parameters={"bbox": box})
    np.testing.assert_array_equal(cut.image.array, exposure[box].image.array)
    assert formatter.read(fs, "/bucket/calexp.fits", component="filter") == exposure.getFilter()
    fs.rm("/bucket/calexp.fits")


def test_an_exposure_read_from_a_file_pickles_with_its_components(path, exposure):
    import pickle

    back = pickle.loads(pickle.dumps(read_exposure(path, bbox=Box2I.from_xywh(150, 300, 20, 10))))
    assert back.getPsf() == exposure.getPsf() and back.getDetector() == exposure.getDetector()
    assert wcs_equal(back.getWcs(), exposure.getWcs()) and back.getMetadata()["OBJECT"] == "M13"
    np.testing.assert_array_equal(back.image.array, exposure[back.getBBox()].image.array)
