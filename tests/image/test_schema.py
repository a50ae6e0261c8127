"""Schema: typed fields, keys, aliases, functor keys and the schema mapper."""

from __future__ import annotations

import numpy as np
import pytest

from pipetasks.image.geometry import Box2I, Extent2I, Point2D, Point2I
from pipetasks.image.table import (
    Box2IKey,
    Field,
    FieldNotFoundError,
    Point2DKey,
    Quadrupole,
    QuadrupoleKey,
    Schema,
    SchemaMapper,
    SourceCatalog,
    SourceTable,
)
from pipetasks.image.table.schema import FIELD_TYPES


def test_add_field_returns_key_and_find_gives_field_with_doc_and_units() -> None:
    schema = Schema()
    key = schema.addField("base_SdssCentroid_x", type="D", doc="centroid x", units="pixel")
    item = schema.find("base_SdssCentroid_x")
    assert item.key == key
    assert (item.field.getDoc(), item.field.getUnits(), item.field.getTypeString()) == (
        "centroid x",
        "pixel",
        "D",
    )
    assert schema["base_SdssCentroid_x"].asKey() == key
    assert schema["base_SdssCentroid"]["x"].asKey() == key


@pytest.mark.parametrize(
    ("type_", "dtype", "shape"),
    [
        ("D", np.float64, ()),
        ("F", np.float32, ()),
        ("I", np.int32, ()),
        ("L", np.int64, ()),
        ("U", np.uint16, ()),
        ("B", np.uint8, ()),
        ("Flag", np.bool_, ()),
        ("Angle", np.float64, ()),
        ("String", np.dtype("U12"), ()),
        ("ArrayF", np.float32, (3,)),
        ("ArrayD", np.float64, (3,)),
    ],
)
def test_every_field_type_has_its_numpy_storage(type_: str, dtype: object, shape: tuple) -> None:
    field = Field("f", type_, size=12 if type_ == "String" else 3)
    assert field.dtype == np.dtype(dtype)
    assert field.shape == shape


def test_python_and_numpy_types_are_accepted_as_field_types() -> None:
    schema = Schema()
    assert schema.addField("a", type=float).type == "D"
    assert schema.addField("b", type=np.int32).type == "I"
    assert schema.addField("c", type=bool).type == "Flag"
    assert set(FIELD_TYPES) >= {"D", "F", "I", "L", "Flag", "Angle", "String"}


def test_bad_field_definitions_raise_clear_errors() -> None:
    schema = Schema()
    schema.addField("x", type="D")
    with pytest.raises(ValueError, match="already exists"):
        schema.addField("x", type="D")
    with pytest.raises(TypeError, match="Unknown field type 'Z'"):
        schema.addField("y", type="Z")
    with pytest.raises(ValueError, match="needs a positive size"):
        schema.addField("s", type="String")
    with pytest.raises(ValueError, match="not understood by astropy"):
        schema.addField("u", type="D", units="furlongs per fortnight squared!")
    with pytest.raises(ValueError, match="Invalid field name"):
        schema.addField("1bad", type="D")
    assert schema.getOrderedNames() == ["x"]


def test_replacing_a_field_keeps_its_type() -> None:
    schema = Schema()
    schema.addField("x", type="D", doc="old")
    schema.addField("x", type="D", doc="new", doReplace=True)
    assert schema.find("x").field.doc == "new"
    with pytest.raises(ValueError, match="Cannot replace"):
        schema.addField("x", type="F", doReplace=True)


def test_alias_prefix_resolves_to_target_field() -> None:
    schema = Schema()
    key = schema.addField("base_SdssCentroid_x", type="D")
    schema.getAliasMap().set("slot_Centroid", "base_SdssCentroid")
    assert schema.find("slot_Centroid_x").key == key
    assert "slot_Centroid_x" in schema
    assert schema["slot_Centroid"].getNames() == {"x"}
    # Aliases may point at aliases.
    schema.getAliasMap().set("best", "slot_Centroid")
    assert schema.find("best_x").key == key


def test_unknown_field_error_suggests_close_names() -> None:
    schema = Schema()
    schema.addField("base_PsfFlux_instFlux", type="D")
    with pytest.raises(FieldNotFoundError, match="did you mean base_PsfFlux_instFlux"):
        schema.find("base_PsfFlux_instflux")


def test_extract_matches_globs_on_names_and_aliases() -> None:
    schema = Schema()
    schema.addField("base_PsfFlux_instFlux", type="D")
    schema.addField("base_PsfFlux_flag", type="Flag")
    schema.addField("base_GaussianFlux_instFlux", type="D")
    schema.getAliasMap().set("slot_PsfFlux", "base_PsfFlux")
    assert set(schema.extract("*_instFlux")) == {
        "base_PsfFlux_instFlux",
        "base_GaussianFlux_instFlux",
        "slot_PsfFlux_instFlux",
    }
    assert set(schema.extract("slot_*")) == {"slot_PsfFlux_instFlux", "slot_PsfFlux_flag"}


def test_functor_keys_add_suffixed_fields_and_read_objects() -> None:
    schema = SourceTable.makeMinimalSchema()
    centroid = Point2DKey.addFields(schema, "base_SdssCentroid", "centroid", "pixel")
    shape = QuadrupoleKey.addFields(schema, "base_SdssShape", "shape")
    box = Box2IKey.addFields(schema, "bbox", "box")
    assert {
        "base_SdssCentroid_x",
        "base_SdssCentroid_y",
        "base_SdssShape_xx",
        "base_SdssShape_yy",
        "base_SdssShape_xy",
        "bbox_min_x",
        "bbox_max_y",
    } <= schema.getNames()
    assert schema.find("base_SdssShape_xx").field.units == "pixel^2"
    assert Point2DKey(schema["base_SdssCentroid"]) == centroid
    catalog = SourceCatalog(schema)
    record = catalog.addNew()
    record.set(centroid, Point2D(3.5, 4.5))
    record.set(shape, Quadrupole(4.0, 9.0, 1.0))
    record.set(box, Box2I(Point2I(1, 2), Extent2I(10, 20)))
    assert record.get(centroid) == Point2D(3.5, 4.5)
    assert record.get(shape) == Quadrupole(4.0, 9.0, 1.0)
    assert record.get(box) == Box2I(Point2I(1, 2), Extent2I(10, 20))
    xs, ys = catalog.get(centroid)
    assert (xs[0], ys[0]) == (3.5, 4.5)


def test_schema_mapper_copies_mapped_fields_into_an_extended_schema() -> None:
    schema = SourceTable.makeMinimalSchema()
    schema.addField("flux", type="D", doc="a flux")
    source = SourceCatalog(schema)
    for value in (1.0, 2.0):
        source.addNew()["flux"] = value
    mapper = SchemaMapper(schema)
    mapper.addMinimalSchema(SourceTable.makeMinimalSchema())
    mapper.addMapping("flux", "calib_flux")
    mapper.editOutputSchema().addField("extra", type="F", doc="new measurement")
    out = SourceCatalog(mapper.getOutputSchema())
    out.extend(source, mapper=mapper)
    assert list(out["calib_flux"]) == [1.0, 2.0]
    assert list(out["id"]) == list(source["id"])
    assert np.isnan(out["extra"]).all()
    assert mapper.getMapping("flux").name == "calib_flux"


def test_schema_equality_includes_docs_units_and_aliases() -> None:
    a = Schema()
    a.addField("x", type="D", doc="d", units="pixel")
    b = a.copy()
    assert a == b
    b.getAliasMap().set("slot_Centroid", "x")
    assert a != b
    assert a.compare(b)
