"""Exposures, images and their components through a real butler repository (SQLite)."""

from __future__ import annotations

from pathlib import Path
import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS

from butler import Butler, DatasetType
from pipetasks.image import (
    ApCorrMap,
    Box2I,
    Camera,
    ConstantBoundedField,
    Detector,
    ExposureF,
    ExposureSummaryStats,
    FilterLabel,
    GaussianPsf,
    ImageF,
    ImageFormatError,
    Mask,
    MaskedImageF,
    PhotoCalib,
    Point2I,
    Psf,
    VisitInfo,
    makeCdMatrix,
    makeSkyWcs,
)
from pipetasks.image.wcs import wcs_equal
from shared_data import shared_path as _shared


DATA_ID = {"instrument": "Cam", "detector": 1}
DATASET_TYPES = {
    "calexp": "ExposureF",
    "postISRCCD": "Exposure",
    "calexp_image": "ImageF",
    "bad_pixels": "MaskX",
    "mimage": "MaskedImageF",
    "psf_model": "Psf",
    "wcs_model": "Wcs",
    "calib": "PhotoCalib",
    "apcorr": "ApCorrMap",
    "visit_info": "VisitInfo",
    "filter_label": "FilterLabel",
    "detector_model": "Detector",
    "camera": "Camera",
    "summary": "ExposureSummaryStats",
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> str:
    """One repository for the module; each test writes into its own RUN collection."""
    root = str(tmp_path_factory.mktemp("repo"))
    Butler.makeRepo(root)
    with Butler(root, writeable=True) as butler:
        butler.registry.insertDimensionData("instrument", {"name": "Cam", "detector_max": 4, "visit_max": 10,
                                                           "exposure_max": 10})
        butler.registry.insertDimensionData("detector", {"instrument": "Cam", "id": 1, "full_name": "D1"})
        for name, storage_class in DATASET_TYPES.items():
            butler.registry.registerDatasetType(DatasetType(name, ("instrument", "detector"), storage_class,
                                                            universe=butler.dimensions))
    return root


@pytest.fixture
def butler(repo, request):
    run = "run_" + "".join(c if c.isalnum() else "_" for c in request.node.name)
    butler = Butler(repo, writeable=True, run=run)
    yield butler
    butler.close()


@pytest.fixture(scope="module")
def camera() -> Camera:
    return Camera.from_yaml(_shared("megacam/camera.yaml"))


@pytest.fixture
def exposure(camera) -> ExposureF:
    exp = ExposureF(Box2I.from_xywh(10, 20, 64, 48))
    exp.image.array[:] = np.arange(64 * 48, dtype=np.float32).reshape(48, 64)
    exp.variance.array[:] = 4.0
    exp.mask.array[3, 4] = Mask.getPlaneBitMask("CR")
    exp.setWcs(makeSkyWcs((40.0, 44.0), SkyCoord(150.0 * u.deg, 2.0 * u.deg), makeCdMatrix(0.2 * u.arcsec)))
    exp.setPsf(GaussianPsf(15, 15, 1.8))
    exp.setPhotoCalib(PhotoCalib(1.5, 0.02))
    exp.setApCorrMap(ApCorrMap({"base_PsfFlux_instFlux": ConstantBoundedField(exp.getBBox(), 0.97)}))
    exp.setVisitInfo(VisitInfo(exposureTime=30.0, date="2024-01-01T00:00:00", id=7, instrumentLabel="Cam"))
    exp.setDetector(camera[1])
    exp.setFilter(FilterLabel(band="r", physical="Cam-r"))
    exp.setSummaryStats(ExposureSummaryStats(psfSigma=1.8))
    exp.getMetadata()["OBJECT"] = "field"
    return exp


def test_exposure_put_get_round_trip_writes_a_fits_file(butler, exposure):
    ref = butler.put(exposure, "calexp", **DATA_ID)
    assert butler.getURI(ref).path.endswith(".fits")
    back = butler.get("calexp", **DATA_ID)
    assert isinstance(back, ExposureF) and back.getBBox() == exposure.getBBox()
    np.testing.assert_array_equal(back.image.array, exposure.image.array)
    np.testing.assert_array_equal(back.mask.array, exposure.mask.array)
    assert back.getPsf() == exposure.getPsf() and back.getFilter() == exposure.getFilter()
    with fits.open(butler.getURI(ref).path) as hdus:
        assert hdus[1].name == "IMAGE" and hdus[0].header["OBJECT"] == "field"


@pytest.mark.parametrize(
    "component, check",
    [
        ("wcs", lambda value, exp: isinstance(value, WCS) and wcs_equal(value, exp.getWcs())),
        ("psf", lambda value, exp: isinstance(value, Psf) and value == exp.getPsf()),
        ("photoCalib", lambda value, exp: value == exp.getPhotoCalib()),
        ("apCorrMap", lambda value, exp: value == exp.getApCorrMap()),
        ("visitInfo", lambda value, exp: value == exp.getVisitInfo()),
        ("detector", lambda value, exp: isinstance(value, Detector) and value == exp.getDetector()),
        ("filter", lambda value, exp: value == exp.getFilter()),
        ("summaryStats", lambda value, exp: value == exp.getSummaryStats()),
        ("metadata", lambda value, exp: value["OBJECT"] == "field"),
        ("bbox", lambda value, exp: value == exp.getBBox()),
        ("xy0", lambda value, exp: value == Point2I(10, 20)),
        ("id", lambda value, exp: value is None),
        ("image", lambda value, exp: isinstance(value, ImageF) and np.array_equal(value.array, exp.image.array)),
        ("mask", lambda value, exp: isinstance(value, Mask) and value.countPlane("CR") == 1),
        ("variance", lambda value, exp: float(value.array.mean()) == 4.0),
    ],
)
def test_exposure_components_read_from_the_file(butler, exposure, component, check):
    butler.put(exposure, "calexp", **DATA_ID)
    assert check(butler.get(f"calexp.{component}", **DATA_ID), exposure)


def test_bbox_parameter_reads_a_cutout_of_the_exposure_and_its_planes(butler, exposure):
    butler.put(exposure, "calexp", **DATA_ID)
    box = Box2I.from_xywh(20, 30, 8, 5)
    cut = butler.get("calexp", **DATA_ID, parameters={"bbox": box})
    assert cut.getBBox() == box and cut.getPsf() == exposure.getPsf()
    np.testing.assert_array_equal(cut.image.array, exposure[box].image.array)
    image = butler.get("calexp.image", **DATA_ID, parameters={"bbox": box})
    np.testing.assert_array_equal(image.array, exposure[box].image.array)
    local = butler.get("calexp", **DATA_ID, parameters={"bbox": Box2I.from_xywh(10, 10, 8, 5), "origin": "LOCAL"})
    assert local.getBBox() == box
    assert butler.get("calexp.bbox", **DATA_ID, parameters={"bbox": box}) == box


def test_generic_exposure_storage_class_keeps_the_pixel_type(butler):
    raw = ExposureF(4, 3)
    raw.image.array[:] = 2.5
    butler.put(raw, "postISRCCD", **DATA_ID)
    back = butler.get("postISRCCD", **DATA_ID)
    assert isinstance(back, ExposureF) and back.image.array[0, 0] == 2.5


def test_image_mask_and_masked_image_round_trips_with_bbox(butler, exposure):
    box = Box2I.from_xywh(12, 22, 5, 6)
    butler.put(exposure.image, "calexp_image", **DATA_ID)
    butler.put(exposure.mask, "bad_pixels", **DATA_ID)
    butler.put(exposure.maskedImage, "mimage", **DATA_ID)
    image = butler.get("calexp_image", **DATA_ID, parameters={"bbox": box})
    np.testing.assert_array_equal(image.array, exposure[box].image.array)
    assert butler.get("calexp_image.bbox", **DATA_ID) == exposure.getBBox()
    assert butler.get("bad_pixels", **DATA_ID).countPlane("CR") == 1
    mi = butler.get("mimage", **DATA_ID)
    assert isinstance(mi, MaskedImageF)
    np.testing.assert_array_equal(mi.variance.array, exposure.variance.array)
    assert butler.get("mimage.mask", **DATA_ID, parameters={"bbox": box}).getBBox() == box


@pytest.mark.parametrize(
    "name, getter",
    [
        ("psf_model", lambda e: e.getPsf()),
        ("calib", lambda e: e.getPhotoCalib()),
        ("apcorr", lambda e: e.getApCorrMap()),
        ("visit_info", lambda e: e.getVisitInfo()),
        ("filter_label", lambda e: e.getFilter()),
        ("detector_model", lambda e: e.getDetector()),
        ("summary", lambda e: e.getSummaryStats()),
    ],
)
def test_component_storage_classes_round_trip_on_their_own(butler, exposure, name, getter):
    butler.put(getter(exposure), name, **DATA_ID)
    assert butler.get(name, **DATA_ID) == getter(exposure)


def test_wcs_and_camera_storage_classes_round_trip(butler, exposure, camera):
    butler.put(exposure.getWcs(), "wcs_model", **DATA_ID)
    assert wcs_equal(butler.get("wcs_model", **DATA_ID), exposure.getWcs())
    butler.put(camera, "camera", **DATA_ID)
    assert butler.get("camera", **DATA_ID) == camera


def test_corrupt_exposure_file_gives_image_format_error(butler, exposure):
    ref = butler.put(exposure, "calexp", **DATA_ID)
    path = butler.getURI(ref).path
    data = open(path, "rb").read()
    with open(path, "wb") as stream:
        stream.write(data[: len(data) // 2])
    with pytest.raises(ImageFormatError, match="truncated"):
        butler.get("calexp", **DATA_ID)


def test_repository_configured_for_lossy_compression_writes_tile_compressed_exposures(tmp_path, exposure):
    root = str(tmp_path / "lossy_repo")
    spec = {"formatter": "pipetasks.image.image_formatters.ExposureFormatter", "parameters": {"compression": "lossy"}}
    Butler.makeRepo(root, config={"datastore": {"formatters": {"calexp": spec}}})
    with Butler(root, writeable=True, run="run1") as butler:
        butler.registry.insertDimensionData("instrument", {"name": "Cam", "detector_max": 4})
        butler.registry.insertDimensionData("detector", {"instrument": "Cam", "id": 1, "full_name": "D1"})
        butler.registry.registerDatasetType(DatasetType("calexp", ("instrument", "detector"), "ExposureF",
                                                        universe=butler.dimensions))
        ref = butler.put(exposure, "calexp", **DATA_ID)
        with fits.open(butler.getURI(ref).path) as hdus:
            assert isinstance(hdus["IMAGE"], fits.CompImageHDU) and hdus["IMAGE"].compression_type == "RICE_1"
        back = butler.get("calexp", **DATA_ID)
        np.testing.assert_array_equal(back.mask.array, exposure.mask.array)
        assert np.abs(back.image.array - exposure.image.array).max() < 1.0
