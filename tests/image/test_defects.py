"""Defects: boxes from LSST-style tables (real MegaCam masks), masking, and their files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from pipetasks.image.defects import Defects
from pipetasks.image.errors import ImageFormatError
from pipetasks.image.geometry import Box2I, Extent2I, Point2I
from pipetasks.image.masked_image import MaskedImageF
from shared_data import shared_path as _shared


MEGACAM_DEFECTS = "megacam/defects/megacam_defects_test.mask.0.40.00.ecsv"


@pytest.fixture(scope="module")
def megacam_table() -> Table:
    return Table.read(_shared(MEGACAM_DEFECTS))


def _painted_reference(table: Table, detector: int) -> np.ndarray:
    reference = np.zeros((4612, 2048), dtype=bool)
    for row in table[table["detector"] == detector]:
        reference[row["y0"] : row["y0"] + row["height"], row["x0"] : row["x0"] + row["width"]] = True
    return reference


def test_real_megacam_defects_mask_exactly_their_pixels(megacam_table: Table) -> None:
    defects = Defects.fromTable(megacam_table, detector=14)
    assert len(defects) == 17 and defects.getMetadata()["DETECTOR"] == 14
    image = MaskedImageF(2048, 4612)
    defects.maskPixels(image, maskName="BAD")
    bad = (image.mask.array & image.mask.getPlaneBitMask("BAD")) != 0
    np.testing.assert_array_equal(bad, _painted_reference(megacam_table, 14))
    # Every trimmed CCD has its first and last rows masked in full (README).
    assert bad[0].all() and bad[-1].all()
    assert defects.getArea() == bad.sum()


def test_all_36_megacam_detectors_have_defects(megacam_table: Table) -> None:
    counts = [len(Defects.fromTable(megacam_table, detector=d)) for d in range(36)]
    assert sum(counts) == 571 and min(counts) >= 3


def test_mask_pixels_uses_parent_coordinates_and_clips_to_the_image() -> None:
    defects = Defects([Box2I(Point2I(95, 195), Extent2I(10, 10))])
    image = MaskedImageF(Box2I(Point2I(100, 200), Extent2I(50, 50)))
    defects.maskPixels(image, "SAT")
    sat = (image.mask.array & image.mask.getPlaneBitMask("SAT")) != 0
    assert sat.sum() == 25 and sat[:5, :5].all()


def test_from_mask_and_normalize_rebuild_boxes_covering_the_same_pixels(megacam_table: Table) -> None:
    defects = Defects.fromTable(megacam_table, detector=2)
    image = MaskedImageF(2048, 4612)
    defects.maskPixels(image)
    rebuilt = Defects.fromMask(image, "BAD")
    again = MaskedImageF(2048, 4612)
    rebuilt.maskPixels(again)
    np.testing.assert_array_equal(again.mask.array, image.mask.array)
    overlapping = Defects([Box2I(Point2I(0, 0), Extent2I(4, 4)), Box2I(Point2I(2, 2), Extent2I(4, 4))])
    overlapping.normalize()
    assert overlapping.getArea() == 28
    assert sum(b.getBBox().getArea() for b in overlapping) == 28


def test_table_round_trip_and_lsst_extent_columns() -> None:
    defects = Defects(
        [Box2I(Point2I(1, 2), Extent2I(3, 4)), Box2I(Point2I(10, 0), Extent2I(1, 100))],
        metadata={"DETECTOR": 5},
    )
    table = defects.toTable()
    assert table.colnames == ["x0", "y0", "width", "height"] and table.meta["OBSTYPE"] == "defects"
    assert Defects.fromTable(table) == defects
    lsst_style = Table({"x0": [1], "y0": [2], "x_extent": [3], "y_extent": [4]})
    assert Defects.fromTable([lsst_style]).boxes() == [Box2I(Point2I(1, 2), Extent2I(3, 4))]
    with pytest.raises(ValueError, match="lacks columns"):
        Defects.fromTable(Table({"x0": [1], "y0": [2]}))
    with pytest.raises(ValueError, match="positive width"):
        Defects.fromTable(Table({"x0": [1], "y0": [2], "width": [0], "height": [4]}))


def test_fits_and_ecsv_files_round_trip(tmp_path: Path, megacam_table: Table) -> None:
    defects = Defects.fromTable(megacam_table, detector=7)
    defects.writeFits(tmp_path / "defects.fits")
    back = Defects.readFits(tmp_path / "defects.fits")
    assert back == defects and back.getMetadata()["DETECTOR"] == 7
    with fits.open(tmp_path / "defects.fits") as hdus:
        assert hdus[1].name == "DEFECTS"
        assert hdus[1].columns.names == ["x0", "y0", "width", "height"]
    defects.writeText(tmp_path / "defects.ecsv")
    assert Defects.readText(tmp_path / "defects.ecsv") == defects


def test_damaged_defect_files_raise_typed_errors(tmp_path: Path) -> None:
    Defects([Box2I(Point2I(0, 0), Extent2I(2, 2))] * 300).writeFits(tmp_path / "d.fits")
    data = (tmp_path / "d.fits").read_bytes()
    (tmp_path / "cut.fits").write_bytes(data[: len(data) - 2000])
    with pytest.raises(ImageFormatError, match="cut.fits"):
        Defects.readFits(tmp_path / "cut.fits")
    (tmp_path / "bad.ecsv").write_text("# %ECSV 1.0\nnot a table\n")
    with pytest.raises(ImageFormatError, match="bad.ecsv"):
        Defects.readText(tmp_path / "bad.ecsv")
