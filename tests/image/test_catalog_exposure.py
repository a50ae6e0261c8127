"""ExposureCatalog: per-detector rows with attached calibration objects and summary statistics."""

from __future__ import annotations

from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits

from pipetasks.image import (
    ApCorrMap,
    ConstantBoundedField,
    Detector,
    ExposureSummaryStats,
    FilterLabel,
    GaussianPsf,
    PhotoCalib,
    VisitInfo,
    makeCdMatrix,
    makeSkyWcs,
)
from pipetasks.image.errors import ImageFormatError
from pipetasks.image.geometry import Box2I, Extent2I, Point2D, Point2I
from pipetasks.image.table import ExposureCatalog, ExposureTable
from pipetasks.image.table.fits_io import read_catalog_fits, write_catalog_fits

BBOX = Box2I(Point2I(0, 0), Extent2I(2048, 4612))


def _visit_summary(n_detectors: int = 3) -> ExposureCatalog:
    schema = ExposureTable.makeMinimalSchema()
    ExposureCatalog.addSummaryStatsFields(schema)
    schema.addField("visit", type="L", doc="visit id")
    schema.addField("physical_filter", type="String", size=32, doc="physical filter")
    catalog = ExposureCatalog(schema)
    for detector in range(n_detectors):
        record = catalog.addNew()
        record.setId(detector)
        record.setBBox(BBOX)
        record.setPsf(GaussianPsf(25, 25, 1.5 + 0.1 * detector))
        record.setPhotoCalib(PhotoCalib(1.5 + detector, 0.01))
        record.setWcs(
            makeSkyWcs(
                Point2D(1024, 2306), SkyCoord(250.4 * u.deg, 36.5 * u.deg), makeCdMatrix(0.187 * u.arcsec)
            )
        )
        record.setFilter(FilterLabel(band="r", physical="r.MP9601"))
        record.setVisitInfo(VisitInfo(exposureTime=30.0, date="2006-06-01T10:00:00"))
        record.setDetector(Detector(f"ccd{detector:02d}", detector, bbox=BBOX))
        record.setApCorrMap(ApCorrMap({"base_PsfFlux_instFlux": ConstantBoundedField(BBOX, 0.98)}))
        record.setSummaryStats(
            ExposureSummaryStats(
                psfSigma=1.5 + 0.1 * detector,
                psfArea=30.0,
                zeroPoint=30.1,
                skyBg=512.0,
                raCorners=[250.0, 250.1, 250.1, 250.0],
            )
        )
        record["visit"] = 849375
        record["physical_filter"] = "r.MP9601"
    return catalog


def test_records_carry_objects_and_summary_columns_with_lsst_names() -> None:
    catalog = _visit_summary()
    names = catalog.getSchema().getNames()
    assert {
        "id",
        "bbox_min_x",
        "bbox_max_y",
        "psfSigma",
        "psfArea",
        "zeroPoint",
        "skyBg",
        "raCorners",
    } <= names
    assert catalog.getSchema().find("psfSigma").field.units == "pixel"
    record = catalog.find(1)
    assert record.getBBox() == BBOX
    assert record.hasPsf() and record.getPsf() == GaussianPsf(25, 25, 1.6)
    assert record.getFilter().bandLabel == "r"
    np.testing.assert_allclose(catalog["psfSigma"], [1.5, 1.6, 1.7])
    assert record.getSummaryStats().zeroPoint == pytest.approx(30.1)
    record.setPsf(None)
    assert not record.hasPsf()


def test_find_locates_a_detector_by_id_in_unsorted_catalogs() -> None:
    catalog = _visit_summary(4)
    catalog["id"][:] = [3, 1, 0, 2]
    assert catalog.find(2).getDetector().getName() == "ccd03"
    catalog.sort()
    assert list(catalog["id"]) == [0, 1, 2, 3]
    assert catalog.find(2).getDetector().getName() == "ccd03"
    assert catalog.find(7) is None


def test_fits_round_trip_restores_every_attached_object(tmp_path: Path) -> None:
    catalog = _visit_summary()
    catalog[2].setWcs(None)
    path = tmp_path / "visitSummary.fits"
    write_catalog_fits(catalog, path)
    back = read_catalog_fits(path)
    assert isinstance(back, ExposureCatalog) and len(back) == 3
    for name in catalog.getSchema().getOrderedNames():
        np.testing.assert_array_equal(back[name], catalog[name], err_msg=name)
    for original, read in zip(catalog, back):
        assert read.getPsf() == original.getPsf()
        assert read.getPhotoCalib() == original.getPhotoCalib()
        assert read.getFilter() == original.getFilter()
        assert read.getVisitInfo() == original.getVisitInfo()
        assert read.getDetector() == original.getDetector()
        assert read.getApCorrMap() == original.getApCorrMap()
        assert read.getSummaryStats() == original.getSummaryStats()
    assert back[2].getWcs() is None
    np.testing.assert_allclose(
        back[0].getWcs().pixel_to_world_values(10.0, 20.0),
        catalog[0].getWcs().pixel_to_world_values(10.0, 20.0),
    )
    with fits.open(path) as hdus:
        assert [h.name for h in hdus] == ["PRIMARY", "CATALOG", "ARCHIVE"]
        archive = hdus["ARCHIVE"].data
        assert set(archive.columns.names) == {"row", "id", "component", "object"}
        assert sorted(set(archive["component"])) == sorted(
            ["apCorrMap", "detector", "filter", "photoCalib", "psf", "visitInfo", "wcs"]
        )


def test_damaged_archive_entry_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "visitSummary.fits"
    write_catalog_fits(_visit_summary(1), path)
    with fits.open(path) as hdus:
        table = hdus["ARCHIVE"].data
        table["component"][0] = "nonsense"
        hdus.writeto(tmp_path / "damaged.fits")
    with pytest.raises(ImageFormatError, match="unknown component 'nonsense'"):
        read_catalog_fits(tmp_path / "damaged.fits")
