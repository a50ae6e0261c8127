"""SourceCatalog files: FITS layout, round trips, Parquet, column subsets and damaged files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from pipetasks.image.errors import ImageFormatError
from pipetasks.image.geometry import Box2I, Extent2I, Point2D, Point2I
from pipetasks.image.masked_image import MaskedImageF
from pipetasks.image.table import (
    FluxKey,
    Footprint,
    Point2DKey,
    SourceCatalog,
    SourceTable,
    SpanSet,
    makeHeavyFootprint,
)
from pipetasks.image.table.fits_io import read_catalog_fits, read_catalog_header, write_catalog_fits
from pipetasks.image.table.parquet_io import read_catalog_parquet, write_catalog_parquet


def _rich_catalog(n: int = 20) -> SourceCatalog:
    schema = SourceTable.makeMinimalSchema()
    centroid = Point2DKey.addFields(schema, "base_SdssCentroid", "centroid from SDSS", "pixel")
    schema.addField("base_SdssCentroid_flag", type="Flag", doc="centroid failed")
    FluxKey.addFields(schema, "base_PsfFlux", "PSF flux")
    schema.addField("f32", type="F", doc="a float32", units="mag")
    schema.addField("i32", type="I", doc="an int32")
    schema.addField("u16", type="U", doc="an uint16")
    schema.addField("u8", type="B", doc="an uint8")
    schema.addField("label", type="String", size=10, doc="a label")
    schema.addField("vec", type="ArrayD", size=3, doc="a vector", units="pixel")
    schema.getAliasMap().set("slot_Centroid", "base_SdssCentroid")
    schema.getAliasMap().set("slot_PsfFlux", "base_PsfFlux")
    catalog = SourceCatalog(schema)
    catalog.getTable().setMetadata({"VISIT": 849375, "comment": "test catalog"})
    rng = np.random.default_rng(7)
    image = MaskedImageF(Box2I(Point2I(0, 0), Extent2I(200, 200)))
    image.image.array[:] = rng.normal(size=(200, 200)).astype(np.float32)
    for i in range(n):
        record = catalog.addNew()
        x, y = rng.uniform(10, 190, size=2)
        record.set(centroid, Point2D(x, y))
        record.setCoord((rng.uniform(0, 6), rng.uniform(-1, 1)))
        record["base_PsfFlux_instFlux"] = rng.normal()
        record["base_SdssCentroid_flag"] = bool(i % 3 == 0)
        record["f32"], record["i32"], record["u16"], record["u8"] = 1.5 * i, -i, 60000 + i, 200 + i % 50
        record["label"] = f"src{i}"
        record["vec"] = [i, 2 * i, 3 * i]
        if i % 4 == 3:
            continue
        footprint = Footprint(SpanSet.fromShape(1 + i % 3, offset=(int(x), int(y))), image.getBBox())
        footprint.addPeak(x, y, 10.0 + i)
        record.setFootprint(makeHeavyFootprint(footprint, image) if i % 5 == 0 else footprint)
    if n > 2:
        catalog[2].setParent(catalog[1].getId())
    return catalog


def _assert_same_columns(a: SourceCatalog, b: SourceCatalog) -> None:
    assert a.getSchema() == b.getSchema()
    for name in a.getSchema().getOrderedNames():
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_fits_round_trip_keeps_every_field_type_aliases_metadata_and_footprints(tmp_path: Path) -> None:
    catalog = _rich_catalog()
    path = tmp_path / "src.fits"
    catalog.writeFits(str(path))
    back = SourceCatalog.readFits(str(path))
    _assert_same_columns(catalog, back)
    assert back.getMetadata() == {"VISIT": 849375, "comment": "test catalog"}
    assert back[4].getCentroid() == catalog[4].getCentroid()
    for original, read in zip(catalog.getFootprints(), back.getFootprints()):
        assert read == original
    assert back[0].getFootprint().isHeavy() and not back[1].getFootprint().isHeavy()
    assert back[3].getFootprint() is None
    # New ids continue after the ones read.
    assert back.addNew().getId() == len(catalog) + 1


def test_fits_layout_is_readable_with_astropy(tmp_path: Path) -> None:
    path = tmp_path / "src.fits"
    write_catalog_fits(_rich_catalog(), path)
    with fits.open(path) as hdus:
        assert [h.name for h in hdus] == [
            "PRIMARY",
            "CATALOG",
            "FOOTPRINTS",
            "FOOTPRINT_SPANS",
            "FOOTPRINT_PEAKS",
            "FOOTPRINT_HEAVY",
        ]
        assert hdus[0].header["CATCLASS"] == "SourceCatalog"
        header = hdus["CATALOG"].header
        names = [header[f"TTYPE{n}"] for n in range(1, header["TFIELDS"] + 1)]
        n_x = names.index("base_SdssCentroid_x") + 1
        assert header[f"TDOC{n_x}"] == "centroid from SDSS (x)" and header[f"TUNIT{n_x}"] == "pixel"
        assert header[f"TCCLS{names.index('coord_ra') + 1}"] == "Angle"
        assert header["AFW_TYPE"] == "SOURCE"
        aliases = [card.value for card in header.cards if card.keyword == "ALIAS"]
        assert aliases == ["slot_Centroid:base_SdssCentroid", "slot_PsfFlux:base_PsfFlux"]
        assert hdus["CATALOG"].data["u16"].dtype == np.uint16
        spans = hdus["FOOTPRINT_SPANS"].data
        assert set(spans.columns.names) == {"id", "y", "x0", "x1"}
        assert set(hdus["FOOTPRINT_PEAKS"].data.columns.names) >= {"id", "peak_id", "f_x", "f_y", "peakValue"}


def test_reading_a_column_subset_returns_only_those_fields(tmp_path: Path) -> None:
    path = tmp_path / "src.fits"
    catalog = _rich_catalog()
    write_catalog_fits(catalog, path)
    subset = read_catalog_fits(path, columns=["id", "slot_Centroid_x"])
    assert subset.getSchema().getOrderedNames() == ["id", "base_SdssCentroid_x"]
    np.testing.assert_array_equal(subset["slot_Centroid_x"], catalog.getX())
    assert subset.getFootprints() == [None] * len(catalog)
    with pytest.raises(ValueError, match="nope"):
        read_catalog_fits(path, columns=["nope"])
    cls, schema, rows = read_catalog_header(path)
    assert cls is SourceCatalog and rows == len(catalog) and schema == catalog.getSchema()


def test_heavy_pixels_can_be_left_out(tmp_path: Path) -> None:
    path = tmp_path / "light.fits"
    write_catalog_fits(_rich_catalog(), path, include_heavy=False)
    back = read_catalog_fits(path)
    assert not any(fp.isHeavy() for fp in back.getFootprints() if fp is not None)
    with fits.open(path) as hdus:
        assert "FOOTPRINT_HEAVY" not in [h.name for h in hdus]


def test_empty_catalog_round_trips(tmp_path: Path) -> None:
    catalog = SourceCatalog(_rich_catalog(0).getSchema())
    write_catalog_fits(catalog, tmp_path / "empty.fits")
    back = read_catalog_fits(tmp_path / "empty.fits")
    assert len(back) == 0 and back.getSchema() == catalog.getSchema()


def test_parquet_round_trip_keeps_fields_docs_units_and_aliases(tmp_path: Path) -> None:
    catalog = _rich_catalog()
    write_catalog_parquet(catalog, tmp_path / "src.parq")
    back = read_catalog_parquet(tmp_path / "src.parq")
    _assert_same_columns(catalog, back)
    assert back.getMetadata() == catalog.getMetadata()
    subset = read_catalog_parquet(tmp_path / "src.parq", columns=["slot_PsfFlux_instFlux"])
    assert subset.getSchema().getOrderedNames() == ["base_PsfFlux_instFlux"]
    np.testing.assert_array_equal(subset.getPsfInstFlux(), catalog.getPsfInstFlux())


def test_truncated_fits_catalog_raises_a_typed_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "src.fits"
    write_catalog_fits(_rich_catalog(200), path)
    data = path.read_bytes()
    for cut in (len(data) // 3, len(data) - 2880, 2880 + 100):
        damaged = tmp_path / f"cut{cut}.fits"
        damaged.write_bytes(data[:cut])
        with pytest.raises(ImageFormatError, match="cut") as info:
            read_catalog_fits(damaged)
        assert str(damaged) in str(info.value)


def test_file_cut_at_an_hdu_boundary_names_the_missing_hdu(tmp_path: Path) -> None:
    path = tmp_path / "src.fits"
    write_catalog_fits(_rich_catalog(), path)
    with fits.open(path) as hdus:
        boundary = hdus.fileinfo(3)["hdrLoc"]  # start of FOOTPRINT_SPANS
    cut = tmp_path / "boundary.fits"
    cut.write_bytes(path.read_bytes()[:boundary])
    with pytest.raises(ImageFormatError, match="HDU 'FOOTPRINT_SPANS' is missing"):
        read_catalog_fits(cut)
    # The main table alone is still readable when footprints are not asked for.
    assert len(read_catalog_fits(cut, columns=["id"])) == 20


def test_fits_file_that_is_not_a_catalog_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "image.fits"
    fits.HDUList([fits.PrimaryHDU(np.zeros((4, 4)))]).writeto(path)
    with pytest.raises(ImageFormatError, match="CATCLASS"):
        read_catalog_fits(path)
    garbage = tmp_path / "garbage.fits"
    garbage.write_bytes(b"this is not FITS at all" * 200)
    with pytest.raises(ImageFormatError, match="garbage.fits"):
        read_catalog_fits(garbage)
    with pytest.raises(FileNotFoundError):
        read_catalog_fits(tmp_path / "missing.fits")


def test_non_ascii_strings_are_refused_before_writing(tmp_path: Path) -> None:
    catalog = _rich_catalog(2)
    catalog[0]["label"] = "étoile"
    with pytest.raises(ValueError, match="non-ASCII"):
        write_catalog_fits(catalog, tmp_path / "bad.fits")
    assert not (tmp_path / "bad.fits").exists()
