"""Exposure components: VisitInfo, FilterLabel, PhotoCalib, ApCorrMap, bounded fields, summary stats, archive."""

from __future__ import annotations

import json
import math

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import EarthLocation, SkyCoord
from astropy.time import Time

from pipetasks.image import (
    ApCorrMap,
    ArchiveError,
    Box2I,
    ChebyshevBoundedField,
    ConstantBoundedField,
    ExposureSummaryStats,
    FilterLabel,
    ImageF,
    MaskedImageF,
    PhotoCalib,
    Point2D,
    RotType,
    VisitInfo,
    Weather,
    archive,
)
from pipetasks.image.photo_calib import makePhotoCalibFromCalibZeroPoint


def _visit_info() -> VisitInfo:
    return VisitInfo(
        exposureTime=300.0, darkTime=301.5, date=Time("2006-10-20T10:00:00", scale="tai"),
        boresightRaDec=SkyCoord(250.42 * u.deg, 36.46 * u.deg), boresightAzAlt=(120.0, 70.0),
        boresightAirmass=1.06, boresightRotAngle=90.0, rotType=RotType.SKY,
        observatory=EarthLocation.from_geodetic(-155.47 * u.deg, 19.82 * u.deg, 4204 * u.m),
        weather=Weather(2.0, 61500.0, 20.0), instrumentLabel="MegaPrime", id=849375, object="M13",
    )


def test_visit_info_getters_return_astropy_types():
    info = _visit_info()
    assert isinstance(info.getDate(), Time) and info.getDate().tai.isot == "2006-10-20T10:00:00.000"
    assert info.getExposureTime() == 300.0 and info.getDarkTime() == 301.5
    assert info.getBoresightRaDec().ra.deg == pytest.approx(250.42)
    assert info.getBoresightAzAlt().alt.deg == pytest.approx(70.0)
    assert info.getBoresightZenithDistance().deg == pytest.approx(20.0)
    assert info.getBoresightRotAngle().deg == 90.0 and info.getRotType() is RotType.SKY
    assert info.getObservatory().height.to_value(u.m) == pytest.approx(4204)
    assert info.getWeather().getAirPressure() == 61500.0
    assert (info.getInstrumentLabel(), info.getId(), info.getObject()) == ("MegaPrime", 849375, "M13")


def test_hour_angle_and_parallactic_angle_from_era_longitude_and_latitude():
    info = _visit_info().copyWith(era=100.0, boresightRaDec=(300.0, 0.0))
    assert info.getLocalEra().deg == pytest.approx(100.0 - 155.47 + 360.0)
    assert info.getBoresightHourAngle().deg == pytest.approx(100.0 - 155.47 + 360.0 - 300.0)
    on_meridian = info.copyWith(era=155.47 + 300.0 - 360.0)
    assert on_meridian.getBoresightHourAngle().deg == pytest.approx(0.0, abs=1e-9)
    assert on_meridian.getBoresightParAngle().deg == pytest.approx(0.0, abs=1e-6)
    assert math.isnan(VisitInfo().getBoresightParAngle().deg)


def test_visit_info_defaults_are_nan_or_none_and_copy_with_replaces_fields():
    empty = VisitInfo()
    assert math.isnan(empty.getExposureTime()) and empty.getDate() is None and empty.getBoresightRaDec() is None
    changed = _visit_info().copyWith(exposureTime=10.0)
    assert changed.getExposureTime() == 10.0 and changed.getId() == 849375


def test_visit_info_and_empty_visit_info_round_trip_through_json():
    for info in (_visit_info(), VisitInfo()):
        text = json.dumps(archive.dump(info))
        assert archive.load(json.loads(text)) == info


def test_filter_label_has_band_and_physical_and_compares_by_value():
    label = FilterLabel(band="i", physical="i.MP9702")
    assert label.hasBandLabel() and label.hasPhysicalLabel() and label.bandLabel == "i"
    only_band = FilterLabel.fromBand("r")
    assert not only_band.hasPhysicalLabel()
    with pytest.raises(RuntimeError, match="no physical"):
        only_band.physicalLabel
    assert {label, FilterLabel(band="i", physical="i.MP9702")} == {label}
    assert archive.load(archive.dump(only_band)) == only_band
    with pytest.raises(ValueError):
        FilterLabel()


def test_photo_calib_converts_fluxes_magnitudes_and_errors():
    calib = PhotoCalib(2.0, 0.1)
    assert calib.instFluxToNanojansky(100.0) == 200.0
    flux = calib.instFluxToNanojansky(100.0, 10.0)
    assert flux.value == 200.0 and flux.error == pytest.approx(200.0 * math.hypot(0.1, 0.05))
    assert calib.instFluxToMagnitude(100.0) == pytest.approx(-2.5 * math.log10(200.0) + 31.4)
    assert calib.magnitudeToInstFlux(calib.instFluxToMagnitude(123.0)) == pytest.approx(123.0)
    assert calib.getInstFluxAtZeroMagnitude() == pytest.approx(3631e9 / 2.0, rel=1e-4)
    np.testing.assert_allclose(calib.instFluxToNanojansky(np.array([1.0, 2.0])), [2.0, 4.0])
    zero = makePhotoCalibFromCalibZeroPoint(1e11)
    assert zero.instFluxToMagnitude(1e11) == pytest.approx(0.0, abs=1e-9)


def test_photo_calib_calibrates_images_and_supports_spatial_fields():
    mi = MaskedImageF(ImageF(np.full((4, 5), 10.0, dtype=np.float32)))
    mi.variance.array[:] = 4.0
    calibrated = PhotoCalib(3.0).calibrateImage(mi)
    assert calibrated.image.array[0, 0] == 30.0 and calibrated.variance.array[0, 0] == 36.0
    assert mi.image.array[0, 0] == 10.0
    field = ChebyshevBoundedField(mi.getBBox(), [[2.0, 0.5]])
    spatial = PhotoCalib(field)
    assert not spatial.isConstant()
    assert spatial.instFluxToNanojansky(1.0, point=Point2D(4.5, 0)) == pytest.approx(2.5)
    assert PhotoCalib.from_dict(spatial.to_dict()) == spatial
    assert np.allclose(spatial.uncalibrateImage(spatial.calibrateImage(mi)).image.array, 10.0)


def test_chebyshev_field_fits_a_plane_and_maps_bbox_edges_to_unit_interval():
    box = Box2I.from_xywh(0, 0, 100, 50)
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 99, 200), rng.uniform(0, 49, 200)
    field = ChebyshevBoundedField.fit(box, x, y, 1.0 + 0.01 * x - 0.02 * y, orderX=1)
    assert field.evaluate(30.0, 20.0) == pytest.approx(1.0 + 0.3 - 0.4)
    np.testing.assert_allclose(field.evaluate(x, y), 1.0 + 0.01 * x - 0.02 * y, atol=1e-10)
    edge = ChebyshevBoundedField(box, [[0.0, 1.0]])
    assert edge.evaluate(-0.5, 0.0) == pytest.approx(-1.0) and edge.evaluate(99.5, 0.0) == pytest.approx(1.0)
    image = ImageF(box)
    field.fillImage(image)
    assert image[30, 20] == pytest.approx(0.9, rel=1e-6)


def test_ap_corr_map_is_a_mapping_of_bounded_fields_and_round_trips():
    box = Box2I.from_xywh(0, 0, 10, 10)
    apcorr = ApCorrMap()
    apcorr["base_PsfFlux_instFlux"] = ChebyshevBoundedField(box, [[0.98, 0.01]])
    apcorr.set("base_PsfFlux_instFluxErr", ConstantBoundedField(box, 0.002))
    assert list(apcorr) == ["base_PsfFlux_instFlux", "base_PsfFlux_instFluxErr"] and len(apcorr) == 2
    assert apcorr.evaluate("base_PsfFlux_instFluxErr", 3.0, 4.0) == 0.002
    with pytest.raises(TypeError, match="BoundedField"):
        apcorr["x"] = 1.0
    with pytest.raises(KeyError, match="no aperture correction"):
        apcorr["missing"]
    assert archive.load(json.loads(json.dumps(archive.dump(apcorr)))) == apcorr


def test_summary_stats_use_lsst_names_and_round_trip_with_nans():
    stats = ExposureSummaryStats(psfSigma=1.9, zeroPoint=30.2, raCorners=[1.0, 2.0, 3.0, 4.0], nPsfStar=12)
    assert math.isnan(stats.skyBg) and all(math.isnan(v) for v in stats.decCorners)
    assert ExposureSummaryStats.from_dict(stats.to_dict()) == stats
    assert ExposureSummaryStats.from_dict({"decl": 12.0, "unknownField": 3}).dec == 12.0
    for name in ("psfArea", "ra", "dec", "zenithDistance", "skyNoise", "meanVar", "astromOffsetMean",
                 "astromOffsetStd", "psfStarDeltaE1Median", "effTime", "magLim"):
        assert name in ExposureSummaryStats.field_types()


def test_archive_rejects_unknown_types_and_missing_fields():
    with pytest.raises(ArchiveError, match="unknown archived type 'Nope'"):
        archive.load({"type": "Nope"})
    with pytest.raises(ArchiveError, match="'type' key"):
        archive.load({"band": "r"})
    with pytest.raises(ArchiveError, match="lacks the field 'sigma'"):
        archive.load({"type": "GaussianPsf", "width": 5, "height": 5})
    with pytest.raises(ArchiveError, match="not registered"):
        archive.dump(object())
    registered = archive.registered_types()
    for name in ("GaussianPsf", "PolynomialPixelPsf", "KernelPsf", "PhotoCalib", "ApCorrMap", "VisitInfo",
                 "Detector", "FilterLabel", "SkyWcs", "Camera", "ExposureSummaryStats"):
        assert name in registered
