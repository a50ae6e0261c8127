"""Catalog, background and defects storage classes in a real butler repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from butler import Butler, DatasetRef, DatasetType, FileDataset
from butler.formatters.errors import FormatterReadError
from pipetasks.image.background import BackgroundList, BackgroundMI
from pipetasks.image.defects import Defects
from pipetasks.image.errors import ImageFormatError
from pipetasks.image.geometry import Box2I, Extent2I, Point2D, Point2I
from pipetasks.image.masked_image import MaskedImageF
from pipetasks.image.psf import GaussianPsf
from pipetasks.image.table import (
    ExposureCatalog,
    ExposureTable,
    FluxKey,
    Footprint,
    Point2DKey,
    Schema,
    SourceCatalog,
    SourceTable,
    SpanSet,
)
from shared_data import shared_path as _shared


DATA_ID = {"instrument": "MegaPrime", "visit": 849375, "detector": 14}
MEGACAM_DEFECTS = "megacam/defects/megacam_defects_test.mask.0.40.00.ecsv"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One repository per module with MegaPrime dimensions and the dataset types; tests use own runs."""
    root = str(tmp_path_factory.mktemp("catalog_repo") / "repo")
    Butler.makeRepo(root)
    butler = Butler(root, writeable=True)
    registry = butler.registry
    registry.insertDimensionData("instrument", {"name": "MegaPrime", "detector_max": 40, "visit_max": 10**7})
    registry.insertDimensionData(
        "physical_filter", {"instrument": "MegaPrime", "name": "r.MP9601", "band": "r"}
    )
    registry.insertDimensionData("day_obs", {"instrument": "MegaPrime", "id": 20060601})
    registry.insertDimensionData(
        "detector", *[{"instrument": "MegaPrime", "id": d, "full_name": f"ccd{d:02d}"} for d in (2, 14)]
    )
    registry.insertDimensionData(
        "visit",
        {
            "instrument": "MegaPrime",
            "id": 849375,
            "name": "849375",
            "physical_filter": "r.MP9601",
            "day_obs": 20060601,
        },
    )
    per_detector = ("instrument", "visit", "detector")
    for name, storage_class, dimensions in [
        ("icSrc", "SourceCatalog", per_detector),
        ("src", "SourceCatalogParquet", per_detector),
        ("icExpBackground", "Background", per_detector),
        ("skyCorr", "BackgroundList", per_detector),
        ("finalVisitSummary", "ExposureCatalog", ("instrument", "visit")),
        ("defects", "Defects", ("instrument", "detector")),
    ]:
        registry.registerDatasetType(DatasetType(name, dimensions, storage_class, universe=butler.dimensions))
    return root


@pytest.fixture
def butler(repo: str, request: pytest.FixtureRequest) -> Butler:
    run = request.node.name
    butler = Butler(repo, writeable=True)
    butler.registry.registerRun(run)
    return Butler(repo, writeable=True, run=run)


def _sources(n: int = 50) -> SourceCatalog:
    schema = SourceTable.makeMinimalSchema()
    centroid = Point2DKey.addFields(schema, "base_SdssCentroid", "centroid", "pixel")
    FluxKey.addFields(schema, "base_PsfFlux", "PSF flux")
    schema.getAliasMap().set("slot_Centroid", "base_SdssCentroid")
    schema.getAliasMap().set("slot_PsfFlux", "base_PsfFlux")
    catalog = SourceCatalog(schema)
    for i in range(n):
        record = catalog.addNew()
        record.set(centroid, Point2D(1.5 * i, 100 - i))
        record["base_PsfFlux_instFlux"] = 10.0 * i
        record.setFootprint(Footprint(SpanSet.fromShape(2, offset=(int(1.5 * i), 100 - i))))
    return catalog


def test_source_catalog_put_get_keeps_columns_slots_and_footprints(butler: Butler) -> None:
    catalog = _sources()
    ref = butler.put(catalog, "icSrc", **DATA_ID)
    assert butler.getURI(ref).endswith(".fits")
    back = butler.get("icSrc", **DATA_ID)
    assert isinstance(back, SourceCatalog) and len(back) == 50
    np.testing.assert_array_equal(back.getX(), catalog.getX())
    np.testing.assert_array_equal(back.getPsfInstFlux(), catalog.getPsfInstFlux())
    assert back[7].getFootprint() == catalog[7].getFootprint()


def test_derived_components_come_from_the_header(butler: Butler) -> None:
    catalog = _sources()
    butler.put(catalog, "icSrc", **DATA_ID)
    assert butler.get("icSrc.columns", **DATA_ID) == catalog.getSchema().getOrderedNames()
    assert butler.get("icSrc.rowcount", **DATA_ID) == 50
    schema = butler.get("icSrc.schema", **DATA_ID)
    assert isinstance(schema, Schema) and schema == catalog.getSchema()


def test_columns_parameter_reads_only_the_named_fields(butler: Butler) -> None:
    catalog = _sources()
    butler.put(catalog, "icSrc", **DATA_ID)
    butler.put(catalog, "src", **DATA_ID)
    for name in ("icSrc", "src"):
        subset = butler.get(name, **DATA_ID, parameters={"columns": ["id", "slot_PsfFlux_instFlux"]})
        assert subset.getSchema().getOrderedNames() == ["id", "base_PsfFlux_instFlux"]
        np.testing.assert_array_equal(subset.getPsfInstFlux(), catalog.getPsfInstFlux())
    with pytest.raises(ValueError, match="nope"):
        butler.get("icSrc", **DATA_ID, parameters={"columns": ["nope"]})


def test_parquet_storage_class_round_trips_columns_without_footprints(butler: Butler) -> None:
    catalog = _sources()
    ref = butler.put(catalog, "src", **DATA_ID)
    assert butler.getURI(ref).endswith(".parq")
    back = butler.get("src", **DATA_ID)
    assert back.getSchema() == catalog.getSchema()
    np.testing.assert_array_equal(back["id"], catalog["id"])
    assert back[0].getFootprint() is None
    assert butler.get("src.rowcount", **DATA_ID) == 50
    assert butler.get("src.columns", **DATA_ID)[:4] == ["id", "coord_ra", "coord_dec", "parent"]
    # A FITS catalog can be read as the Parquet storage class and vice versa.
    butler.put(catalog, "icSrc", **DATA_ID)
    assert len(butler.get("icSrc", **DATA_ID, storageClass="SourceCatalogParquet")) == 50


def test_exposure_catalog_put_get_with_attached_psf(butler: Butler) -> None:
    schema = ExposureTable.makeMinimalSchema()
    ExposureCatalog.addSummaryStatsFields(schema)
    summary = ExposureCatalog(schema)
    for detector in (2, 14):
        record = summary.addNew()
        record.setId(detector)
        record.setBBox(Box2I(Point2I(0, 0), Extent2I(2048, 4612)))
        record.setPsf(GaussianPsf(21, 21, 1.8))
        record["psfSigma"] = 1.8
    butler.put(summary, "finalVisitSummary", instrument="MegaPrime", visit=849375)
    back = butler.get("finalVisitSummary", instrument="MegaPrime", visit=849375)
    assert isinstance(back, ExposureCatalog)
    assert back.find(14).getPsf() == GaussianPsf(21, 21, 1.8)
    assert butler.get("finalVisitSummary.rowcount", instrument="MegaPrime", visit=849375) == 2
    assert "psfSigma" in butler.get("finalVisitSummary.columns", instrument="MegaPrime", visit=849375)


def test_background_and_background_list_storage_classes(butler: Butler) -> None:
    image = MaskedImageF(400, 300)
    yy, xx = np.mgrid[0:300, 0:400]
    image.image.array[:] = 50.0 + 0.01 * xx + 0.02 * yy
    backgrounds = BackgroundList(BackgroundMI.from_image(image, binSize=64))
    butler.put(backgrounds, "icExpBackground", **DATA_ID)
    butler.put(backgrounds, "skyCorr", **DATA_ID)
    for name in ("icExpBackground", "skyCorr"):
        back = butler.get(name, **DATA_ID)
        assert back == backgrounds
        np.testing.assert_array_equal(back.getImage().array, backgrounds.getImage().array)


def test_defects_put_get_and_ingest_of_an_ecsv_file(butler: Butler, tmp_path: Path) -> None:
    from astropy.table import Table

    defects = Defects.fromTable(Table.read(_shared(MEGACAM_DEFECTS)), detector=14)
    butler.put(defects, "defects", instrument="MegaPrime", detector=14)
    assert butler.get("defects", instrument="MegaPrime", detector=14) == defects
    staged = tmp_path / "ccd02.ecsv"
    Defects.fromTable(Table.read(_shared(MEGACAM_DEFECTS)), detector=2).writeText(staged)
    dataset_type = butler.get_dataset_type("defects")
    ref = DatasetRef(dataset_type, {"instrument": "MegaPrime", "detector": 2}, run=butler.run)
    butler.ingest(FileDataset(str(staged), ref), transfer="copy")
    ingested = butler.get("defects", instrument="MegaPrime", detector=2)
    assert len(ingested) == len(Defects.fromTable(Table.read(_shared(MEGACAM_DEFECTS)), detector=2))


def test_a_damaged_catalog_in_the_repository_raises_a_typed_error(butler: Butler) -> None:
    ref = butler.put(_sources(200), "icSrc", **DATA_ID)
    path = Path(butler.getURI(ref))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageFormatError) as info:
        butler.get("icSrc", **DATA_ID)
    assert isinstance(info.value, FormatterReadError) and str(path) in str(info.value)
    shutil.copy(_shared(MEGACAM_DEFECTS), path)
    with pytest.raises(FormatterReadError):
        butler.get("icSrc.rowcount", **DATA_ID)
