"""Camera geometry from the real MegaCam description (camera.yaml): detectors, amplifiers, focal plane."""

from __future__ import annotations

from pathlib import Path
import math

import pytest
import yaml

from pipetasks.image import FOCAL_PLANE, PIXELS, Box2I, Camera, DetectorType, Point2D, ReadoutCorner, archive
from pipetasks.image.fits import read_camera, write_camera
from shared_data import shared_path as _shared


CAMERA_YAML = "megacam/camera.yaml"


@pytest.fixture(scope="module")
def raw_yaml() -> dict:
    with open(_shared(CAMERA_YAML)) as stream:
        return yaml.load(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@pytest.fixture(scope="module")
def camera() -> Camera:
    return Camera.from_yaml(_shared(CAMERA_YAML))


def _box(entry: dict) -> Box2I:
    return Box2I.from_xywh(entry["x0"], entry["y0"], entry["width"], entry["height"])


def test_megacam_has_36_detectors_by_id_and_name_with_their_serials(camera, raw_yaml):
    assert camera.getName() == "MegaPrime" and len(camera) == 36
    assert [d.getId() for d in camera] == list(range(36))
    assert camera["ccd02"] is camera[2] and camera[2].getSerial() == "8352153"
    assert all(d.getType() is DetectorType.SCIENCE and d.getPhysicalType() == "CCD" for d in camera)
    assert sorted(d.getOrientation().getYaw() for d in camera) == [0.0] * 18 + [180.0] * 18
    for entry in raw_yaml["detectors"]:
        assert camera[entry["id"]].getName() == entry["name"] and camera[entry["id"]].getSerial() == entry["serial"]
    with pytest.raises(KeyError, match="no detector 'ccd99'"):
        camera["ccd99"]


def test_ccd02_amplifier_values_and_boxes_match_the_yaml(camera, raw_yaml):
    detector = camera["ccd02"]
    assert detector.getBBox() == Box2I.from_xywh(0, 0, 2048, 4612)
    a, b = detector["A"], detector["B"]
    assert (a.getGain(), b.getGain(), a.getReadNoise(), b.getReadNoise()) == (1.57, 1.67, 3.0, 5.0)
    assert a.getReadoutCorner() is ReadoutCorner.LL and b.getReadoutCorner() is ReadoutCorner.LR
    assert math.isnan(a.getSuspectLevel()) and a.getLinearityType() == "None"
    yaml_b = raw_yaml["detectors"][2]["amplifiers"][1]
    assert b.getRawSerialOverscanBBox() == _box(yaml_b["raw_serial_overscan_bbox"])
    assert b.getRawParallelOverscanBBox() == _box(yaml_b["raw_parallel_overscan_bbox"])
    assert b.getRawDataBBox() == Box2I.from_xywh(1056, 0, 1024, 4612)
    assert b.getRawDataBBox().getMaxX() == 2079 and b.getRawDataBBox().getEndX() == 2080
    assert a.getRawPrescanBBox().isEmpty() and not a.getRawFlipX()
    assert [amp.getName() for amp in detector] == ["A", "B"] and "B" in detector


def test_every_amplifier_tiles_the_trimmed_ccd_with_raw_offset_32(camera):
    for detector in camera:
        union = Box2I()
        for amp in detector:
            union.include(amp.getBBox())
            raw = amp.getRawDataBBox()
            assert raw.getDimensions() == amp.getBBox().getDimensions()
            assert raw.getMinX() - amp.getBBox().getMinX() == 32
        assert union == detector.getBBox()


def test_focal_plane_transform_follows_offset_refpos_and_yaw(camera, raw_yaml):
    entry = raw_yaml["detectors"][0]
    detector = camera[0]
    centre = detector.getCenter(FOCAL_PLANE)
    assert (centre.x, centre.y) == (pytest.approx(entry["offset_mm"]["x"]), pytest.approx(entry["offset_mm"]["y"]))
    corner = detector.transform(Point2D(0, 0), PIXELS, FOCAL_PLANE)
    expected_dx = -(0 - 1023.5) * 0.0135  # yaw 180 flips both axes
    assert corner.x == pytest.approx(entry["offset_mm"]["x"] + expected_dx)
    back = detector.transform(corner, FOCAL_PLANE, PIXELS)
    assert (back.x, back.y) == (pytest.approx(0.0, abs=1e-9), pytest.approx(0.0, abs=1e-9))


def test_field_angle_inverts_the_radial_polynomial(camera):
    fx, fy = camera.focalPlaneToFieldAngle(100.0, 50.0)
    x, y = camera.fieldAngleToFocalPlane(fx, fy)
    assert (float(x), float(y)) == (pytest.approx(100.0), pytest.approx(50.0))
    theta = math.hypot(float(fx), float(fy))
    assert 14805.4 * theta + 13619.3 * theta**2 + 426637.0 * theta**3 == pytest.approx(math.hypot(100, 50))


def test_camera_round_trips_through_fits_and_the_archive(camera, tmp_path):
    write_camera(camera, tmp_path / "camera.fits")
    assert read_camera(tmp_path / "camera.fits") == camera
    assert archive.load(archive.dump(camera[5])) == camera[5]
    assert archive.load(archive.dump(camera)) == camera
