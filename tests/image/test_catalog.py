"""SourceCatalog: records, columns, selection, slots, ids and conversions."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from astropy.coordinates import SkyCoord

from pipetasks.image.geometry import Point2D
from pipetasks.image.table import (
    FluxKey,
    IdFactory,
    IdFactoryError,
    Point2DKey,
    Quadrupole,
    QuadrupoleKey,
    SlotNotDefinedError,
    SourceCatalog,
    SourceTable,
)


def _measured_catalog(n: int = 5) -> SourceCatalog:
    schema = SourceTable.makeMinimalSchema()
    centroid = Point2DKey.addFields(schema, "base_SdssCentroid", "centroid from SDSS", "pixel")
    schema.addField("base_SdssCentroid_flag", type="Flag", doc="centroid failed")
    shape = QuadrupoleKey.addFields(schema, "base_SdssShape", "adaptive moments")
    FluxKey.addFields(schema, "base_PsfFlux", "PSF flux")
    FluxKey.addFields(schema, "base_CircularApertureFlux_12_0", "aperture flux")
    aliases = schema.getAliasMap()
    aliases.set("slot_Centroid", "base_SdssCentroid")
    aliases.set("slot_Shape", "base_SdssShape")
    aliases.set("slot_PsfFlux", "base_PsfFlux")
    aliases.set("slot_ApFlux", "base_CircularApertureFlux_12_0")
    aliases.set("slot_CalibFlux", "base_CircularApertureFlux_12_0")
    catalog = SourceCatalog(schema)
    for i in range(n):
        record = catalog.addNew()
        record.set(centroid, Point2D(10.0 * i, 20.0 * i + 0.5))
        record.set(shape, Quadrupole(4.0 + i, 9.0, 0.5))
        record["base_PsfFlux_instFlux"] = 100.0 * (i + 1)
        record["base_PsfFlux_instFluxErr"] = 1.0 + i
        record["base_CircularApertureFlux_12_0_instFlux"] = 110.0 * (i + 1)
    return catalog


def test_new_records_get_sequential_ids_and_default_values() -> None:
    schema = SourceTable.makeMinimalSchema()
    schema.addField("flux", type="D")
    schema.addField("count", type="I")
    schema.addField("bad", type="Flag")
    catalog = SourceCatalog(schema)
    records = [catalog.addNew() for _ in range(3)]
    assert [r.getId() for r in records] == [1, 2, 3]
    assert np.isnan(records[0]["flux"]) and records[0]["count"] == 0 and records[0]["bad"] is False
    assert records[0].getParent() == 0 and np.isnan(records[0]["coord_ra"])


def test_record_views_write_through_to_columns_and_columns_are_numpy_views() -> None:
    catalog = _measured_catalog()
    catalog[1]["base_PsfFlux_instFlux"] = -5.0
    column = catalog["base_PsfFlux_instFlux"]
    assert isinstance(column, np.ndarray) and column[1] == -5.0
    column[2] = 42.0
    assert catalog[2].get("slot_PsfFlux_instFlux") == 42.0
    catalog["base_PsfFlux_instFluxErr"] = 7.0
    assert catalog[4].getPsfInstFluxErr() == 7.0


def test_record_slots_read_through_aliases() -> None:
    record = _measured_catalog()[2]
    assert record.getCentroid() == Point2D(20.0, 40.5)
    assert (record.getX(), record.getY()) == (20.0, 40.5)
    assert record.getShape() == Quadrupole(6.0, 9.0, 0.5)
    assert (record.getIxx(), record.getIyy(), record.getIxy()) == (6.0, 9.0, 0.5)
    assert record.getPsfInstFlux() == 300.0 and record.getPsfInstFluxErr() == 3.0
    assert record.getApInstFlux() == 330.0 and record.getCalibInstFlux() == 330.0
    assert record.getCentroidFlag() is False and record.getPsfFluxFlag() is False


def test_catalog_slots_are_vectorised_columns() -> None:
    catalog = _measured_catalog()
    np.testing.assert_array_equal(catalog.getX(), [0, 10, 20, 30, 40])
    np.testing.assert_array_equal(catalog.getY(), [0.5, 20.5, 40.5, 60.5, 80.5])
    np.testing.assert_array_equal(catalog.getPsfInstFlux(), [100, 200, 300, 400, 500])
    np.testing.assert_array_equal(catalog.getIxx(), [4, 5, 6, 7, 8])
    # Redefining a slot changes what the accessors return.
    catalog.getTable().definePsfFlux("base_CircularApertureFlux_12_0")
    np.testing.assert_array_equal(catalog.getPsfInstFlux(), [110, 220, 330, 440, 550])


def test_undefined_slot_raises_and_names_the_alias_to_set() -> None:
    catalog = _measured_catalog()
    with pytest.raises(SlotNotDefinedError, match="slot_GaussianFlux"):
        catalog[0].getGaussianInstFlux()
    with pytest.raises(SlotNotDefinedError, match="slot_ModelFlux"):
        catalog.getModelInstFlux()
    assert catalog.getTable().getCentroidSlot().isValid()
    assert not catalog.getTable().getModelFluxSlot().isValid()


def test_slices_share_memory_and_masks_copy() -> None:
    catalog = _measured_catalog()
    view = catalog[1:3]
    assert len(view) == 2 and list(view["id"]) == [2, 3]
    view[0]["base_SdssCentroid_x"] = -1.0
    assert catalog[1].getX() == -1.0
    selected = catalog[catalog.getPsfInstFlux() > 250]
    assert list(selected["id"]) == [3, 4, 5]
    selected[0]["base_SdssCentroid_x"] = -2.0
    assert catalog[2].getX() == 20.0
    assert list(catalog[np.array([4, 0])]["id"]) == [5, 1]
    assert catalog[-1].getId() == 5
    with pytest.raises(IndexError, match="out of range"):
        catalog[5]


def test_iteration_length_and_find_by_id() -> None:
    catalog = _measured_catalog()
    assert len(catalog) == 5
    assert [r.getId() for r in catalog] == [1, 2, 3, 4, 5]
    assert catalog.find(4).getX() == 30.0
    assert catalog.find(99) is None


def test_append_and_extend_copy_records_by_field_name() -> None:
    catalog = _measured_catalog(3)
    other = SourceCatalog(catalog.getSchema())
    added = other.append(catalog[1])
    assert added.getX() == 10.0 and added.getId() == 2
    other.extend(catalog)
    assert list(other["id"]) == [2, 1, 2, 3]
    other.extend(record for record in catalog[:2])
    assert len(other) == 6 and other[-1].getX() == 10.0


def test_appending_many_records_grows_capacity_without_losing_values() -> None:
    schema = SourceTable.makeMinimalSchema()
    schema.addField("v", type="D")
    catalog = SourceCatalog(schema)
    for i in range(10_000):
        catalog.addNew()["v"] = i
    assert len(catalog) == 10_000 and catalog.capacity() >= 10_000
    np.testing.assert_array_equal(catalog["v"], np.arange(10_000))
    np.testing.assert_array_equal(catalog["id"], np.arange(1, 10_001))


def test_deep_copy_is_independent_and_shallow_copy_shares() -> None:
    catalog = _measured_catalog()
    deep = catalog.copy(deep=True)
    shallow = catalog.copy(deep=False)
    catalog["base_PsfFlux_instFlux"][0] = 0.0
    assert deep[0].getPsfInstFlux() == 100.0
    assert shallow[0].getPsfInstFlux() == 0.0
    deep.getSchema().getAliasMap().set("slot_PsfFlux", "base_CircularApertureFlux_12_0")
    assert catalog[1].getPsfInstFlux() == 200.0


def test_sort_delete_and_children() -> None:
    catalog = _measured_catalog()
    catalog["parent"][3:] = 2
    assert list(catalog.getChildren(2)["id"]) == [4, 5]
    catalog.sort("base_PsfFlux_instFluxErr")
    catalog["base_PsfFlux_instFluxErr"][:] = [5, 4, 3, 2, 1]
    catalog.sort("base_PsfFlux_instFluxErr")
    assert list(catalog["id"]) == [5, 4, 3, 2, 1]
    del catalog[0]
    assert list(catalog["id"]) == [4, 3, 2, 1]


def test_source_id_factory_puts_exposure_id_in_high_bits() -> None:
    factory = IdFactory.makeSource(849375014, 20)
    schema = SourceTable.makeMinimalSchema()
    catalog = SourceCatalog(SourceTable.make(schema, factory))
    ids = [catalog.addNew().getId() for _ in range(3)]
    assert ids == [(849375014 << 20) | n for n in (1, 2, 3)]
    assert factory.getExposureId(ids[0]) == 849375014
    np.testing.assert_array_equal(factory.allocate(2), [(849375014 << 20) | 4, (849375014 << 20) | 5])


def test_id_factory_refuses_ids_that_do_not_fit() -> None:
    with pytest.raises(IdFactoryError, match="too large"):
        IdFactory.makeSource(2**40, 30)
    small = IdFactory.makeSource(1, 2)
    small(), small(), small()
    with pytest.raises(IdFactoryError, match="too large for 2 reserved bits"):
        small()
    with pytest.raises(IdFactoryError, match="does not have the form"):
        IdFactory.makeSource(1, 2).notify(2 << 2)


def test_coordinates_set_from_skycoord_are_stored_in_radians() -> None:
    catalog = _measured_catalog(1)
    record = catalog[0]
    record.setCoord(SkyCoord(10.0, -30.0, unit="deg"))
    assert record["coord_ra"] == pytest.approx(np.radians(10.0))
    assert record.getCoord().dec.deg == pytest.approx(-30.0)


def test_as_astropy_keeps_units_descriptions_and_aliases_and_round_trips() -> None:
    catalog = _measured_catalog()
    table = catalog.asAstropy()
    assert str(table["base_SdssCentroid_x"].unit) == "pix"
    assert table["base_SdssCentroid_x"].description == "centroid from SDSS (x)"
    assert table.meta["aliases"]["slot_Centroid"] == "base_SdssCentroid"
    back = SourceCatalog.fromAstropy(table)
    np.testing.assert_array_equal(back.getX(), catalog.getX())
    assert back.getSchema().find("coord_ra").field.type == "Angle"


def test_to_pandas_gives_one_column_per_field() -> None:
    pytest.importorskip("pandas")
    frame = _measured_catalog().to_pandas()
    assert list(frame["id"]) == [1, 2, 3, 4, 5]


def test_to_pandas_needs_pandas_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = _measured_catalog()
    monkeypatch.setitem(sys.modules, "pandas", None)  # what an environment without pandas sees
    with pytest.raises(ImportError, match="needs pandas"):
        catalog.to_pandas()


def test_catalog_repr_and_html_summarise() -> None:
    catalog = _measured_catalog()
    assert repr(catalog) == f"<SourceCatalog: 5 records, {len(catalog.getSchema())} fields>"
    assert "5 records" in catalog._repr_html_()
    assert "base_SdssCentroid_x=0.0" in repr(catalog[0])


def test_fields_added_to_the_schema_later_become_columns() -> None:
    catalog = _measured_catalog(2)
    catalog.getSchema().addField("late", type="F", doc="added after the catalog")
    assert np.isnan(catalog["late"]).all()
    catalog[1]["late"] = 3.0
    assert catalog["late"][1] == 3.0
