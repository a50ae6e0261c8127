"""Spatial queries on SQLite and PostgreSQL: OVERLAPS constraints, spatial joins, skypix dimensions.

Two registries: the real HSC records of LSST's ``hsc-rc2-subset.yaml`` export
(expected answers are LSST daf_butler's for the same import, pinned as
literals, and brute force over the decoded regions), and a synthetic one of
random visits over a small tract/patch grid (checked against brute force).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
import yaml

from butler import DatasetType, spatial
from butler.errors import InvalidQueryError
from butler.registry import Database, Registry
from butler.registry.migration import SchemaMigrator

EXPORT = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "lsst_export" / "hsc-rc2-subset.yaml"
)
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
HSC = {"instrument": "HSC", "skymap": "hsc_rings_v1"}


def _database(request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> Iterator[Database]:
    if backend == "sqlite":
        db = Database(f"sqlite:///{tmp_path}/registry.sqlite3")
        yield db
        db.close()
        return
    import psycopg

    server = request.getfixturevalue("postgres_server_url").replace("postgresql+psycopg://", "postgresql://")
    schema = f"spatial_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in server else "?"
    db = Database(f"{server}{sep}options=-csearch_path%3D{schema}")
    yield db
    db.close()
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _export_records() -> dict[str, list[dict]]:
    if not EXPORT.exists():
        pytest.skip(f"LSST export file not found at {EXPORT}")

    class Loader(yaml.SafeLoader):
        pass

    def tagged(loader, suffix, node):
        return (
            loader.construct_mapping(node)
            if isinstance(node, yaml.MappingNode)
            else loader.construct_scalar(node)
        )

    Loader.add_multi_constructor("!", tagged)
    Loader.add_multi_constructor("lsst.", tagged)
    with open(EXPORT) as stream:
        data = yaml.load(stream, Loader=Loader)
    return {d["element"]: d["records"] for d in data["data"] if d.get("type") == "dimension"}


def _load_export(registry: Registry, records: dict[str, list[dict]]) -> None:
    with registry.transaction():
        for element in (
            "instrument",
            "skymap",
            "day_obs",
            "physical_filter",
            "detector",
            "tract",
            "patch",
            "visit",
            "visit_detector_region",
        ):
            fields = set(registry.dimensions[element].RecordClass.field_names)
            rows = []
            for record in records[element]:
                row = {k: v for k, v in record.items() if k in fields}
                if "region" in row:
                    row["region"] = spatial.decode_text(row["region"]["encoded"])
                rows.append(row)
            registry.insertDimensionData(element, *rows)


@pytest.fixture(scope="module")
def export_records() -> dict[str, list[dict]]:
    return _export_records()


@pytest.fixture(scope="module", params=BACKENDS)
def hsc(request: pytest.FixtureRequest, tmp_path_factory, export_records) -> Iterator[Registry]:
    """A registry holding the HSC export's dimension records (read-only for tests)."""
    tmp = tmp_path_factory.mktemp("hsc")
    databases = _database(request, tmp, request.param)
    registry = Registry.create(next(databases))
    _load_export(registry, export_records)
    yield registry
    next(databases, None)


def _regions(records: dict[str, list[dict]], element: str, key) -> dict:
    return {key(r): spatial.decode_text(r["region"]["encoded"]) for r in records[element]}


def test_records_read_back_carry_region_objects(hsc, export_records) -> None:
    record = hsc.expandDataId(instrument="HSC", visit=1228).records["visit"]
    assert isinstance(record.region, spatial.ConvexPolygon)
    expected = next(r for r in export_records["visit"] if r["id"] == 1228)["region"]["encoded"]
    assert record.region.encode().hex() == expected


def test_visit_patch_join_matches_lsst_and_brute_force(hsc, export_records) -> None:
    data_ids = list(hsc.queryDataIds(["visit", "patch"], **HSC))
    got = {(d["visit"], d["tract"], d["patch"]) for d in data_ids}
    visits = _regions(export_records, "visit", lambda r: r["id"])
    patches = _regions(export_records, "patch", lambda r: (r["tract"], r["id"]))
    brute = {(v, *p) for v, vr in visits.items() for p, pr in patches.items() if vr.overlaps(pr)}
    assert got == brute
    assert len(got) == 160  # LSST daf_butler's answer for the same records
    assert len(data_ids) == len(got)


def test_explicit_region_overlap_in_where_states_the_automatic_join(hsc) -> None:
    implicit = set(hsc.queryDataIds(["visit", "patch"], **HSC))
    explicit = set(hsc.queryDataIds(["visit", "patch"], where="visit.region OVERLAPS patch.region", **HSC))
    assert explicit == implicit and len(explicit) == 160
    reversed_ = set(hsc.queryDataIds(["visit", "patch"], where="patch.region OVERLAPS visit.region", **HSC))
    assert reversed_ == implicit


def test_region_overlap_naming_another_element_joins_it(hsc) -> None:
    visits = {d["visit"] for d in hsc.queryDataIds(["visit"], where="visit.region OVERLAPS patch.region", **HSC)}
    assert visits == {d["visit"] for d in hsc.queryDataIds(["visit", "patch"], **HSC)}


def test_region_overlap_within_one_family_or_with_a_non_region_is_refused(hsc) -> None:
    with pytest.raises(InvalidQueryError, match="same|family"):
        hsc.queryDataIds(["visit", "detector"], where="visit.region OVERLAPS visit_detector_region.region", **HSC)
    with pytest.raises(InvalidQueryError, match="is not a region"):
        hsc.queryDataIds(["visit", "patch"], where="visit.region OVERLAPS patch.tract", **HSC)


@pytest.mark.parametrize(("tract", "patch", "lsst_count"), [(9813, 72, 218), (9615, 14, 914)])
def test_detectors_overlapping_a_patch_match_lsst(hsc, export_records, tract, patch, lsst_count) -> None:
    got = {
        (d["visit"], d["detector"])
        for d in hsc.queryDataIds(["visit", "detector"], tract=tract, patch=patch, **HSC)
    }
    patch_region = _regions(export_records, "patch", lambda r: (r["tract"], r["id"]))[(tract, patch)]
    regions = _regions(export_records, "visit_detector_region", lambda r: (r["visit"], r["detector"]))
    assert got == {key for key, region in regions.items() if region.overlaps(patch_region)}
    assert len(got) == lsst_count


def test_common_skypix_pixels_of_a_visit_match_lsst(hsc) -> None:
    pixels = sorted(d["htm7"] for d in hsc.queryDataIds(["htm7"], visit=1228, instrument="HSC"))
    assert pixels == [
        231828,
        231829,
        231830,
        231831,
        231834,
        231836,
        231838,
        231839,
        231845,
        231848,
        231850,
        231851,
        231852,
        231856,
        231857,
        231858,
        231859,
        231861,
        231862,
        231863,
        231865,
        231866,
        231867,
        231868,
        231869,
        231870,
        231871,
    ]


def test_skypix_constraint_on_visits(hsc, export_records) -> None:
    pixel = spatial.HtmPixelization(7).pixel(231858)
    visits = _regions(export_records, "visit", lambda r: r["id"])
    expected = {v for v, region in visits.items() if region.overlaps(pixel)}
    assert expected
    got = {d["visit"] for d in hsc.queryDataIds(["visit"], where="htm7 = 231858", instrument="HSC")}
    assert got == expected
    got = {d["visit"] for d in hsc.queryDataIds(["visit"], dataId={"htm7": 231858}, instrument="HSC")}
    assert got == expected
    # Other levels, given in the data ID, are related through the exact test.
    center = _visit_center(export_records, 1228)
    for name in ("htm9", "htm5", "healpix8"):
        pixelization = spatial.pixelization_from_name(name)
        index = pixelization.index(center.lon, center.lat)
        expected = {v for v, region in visits.items() if region.overlaps(pixelization.pixel(index))}
        got = {d["visit"] for d in hsc.queryDataIds(["visit"], dataId={name: index}, instrument="HSC")}
        assert 1228 in got and got == expected
        got = {d["visit"] for d in hsc.queryDataIds(["visit"], where=f"{name} = {index}", instrument="HSC")}
        assert got == expected
    # Several values in the where clause: each visit with the pixels it overlaps.
    healpix = spatial.HealpixPixelization(8)
    pixels = [healpix.index(center.lon, center.lat), healpix.index(center.lon + 0.5, center.lat)]
    got = {(d["visit"], d["healpix8"]) for d in hsc.queryDataIds(
        ["visit", "healpix8"], where="healpix8 IN (:pixels) AND instrument = 'HSC'", bind={"pixels": pixels})}
    assert got == {(v, p) for v, region in visits.items() for p in pixels if region.overlaps(healpix.pixel(p))}
    assert got


def _visit_center(export_records, visit: int) -> spatial.LonLat:
    region = _regions(export_records, "visit", lambda r: r["id"])[visit]
    return region.bounding_circle.center


@pytest.mark.parametrize(
    "shape",
    [
        "POINT({ra}, {dec})",
        "CIRCLE({ra}, {dec}, 0.3)",
        "BOX({ra}, {dec}, 0.5, 0.4)",
        "POLYGON({ra}, {dec}, {ra} + 0.2, {dec}, {ra}, {dec} + 0.2)",
        "REGION('CIRCLE {ra} {dec} 0.3')",
    ],
)
def test_overlaps_constraints_match_brute_force(hsc, export_records, shape) -> None:
    center = _visit_center(export_records, 1228)
    where = "visit.region OVERLAPS " + shape.format(ra=center.lon, dec=center.lat)
    got = {r.id for r in hsc.queryDimensionRecords("visit", where=where, instrument="HSC")}
    tree_region = {
        "POINT": spatial.Circle(center, 0.0),
        "CIRCLE": spatial.Circle(center, 0.3),
        "BOX(": spatial.Box.from_center(center.lon, center.lat, 0.5, 0.4),
        "POLYGON": spatial.ConvexPolygon.from_radec(
            [center.lon, center.lon + 0.2, center.lon], [center.lat, center.lat, center.lat + 0.2]
        ),
        "REGION": spatial.Circle(center, 0.3),
    }
    region = next(v for k, v in tree_region.items() if shape.startswith(k))
    visits = _regions(export_records, "visit", lambda r: r["id"])
    assert got == {v for v, r in visits.items() if r.overlaps(region)}
    assert 1228 in got


def test_overlaps_with_bound_regions_and_composition(hsc, export_records) -> None:
    center = _visit_center(export_records, 1228)
    visits = _regions(export_records, "visit", lambda r: r["id"])
    circle = spatial.Circle(center, 0.2)
    expected = {v for v, r in visits.items() if r.overlaps(circle)}
    for value in (circle, circle.encode()):
        got = {
            d["visit"]
            for d in hsc.queryDataIds(
                ["visit"], where="visit.region OVERLAPS :r", bind={"r": value}, instrument="HSC"
            )
        }
        assert got == expected
    got = {
        d["visit"]
        for d in hsc.queryDataIds(
            ["visit"],
            where="visit.region OVERLAPS REGION(:pos)",
            bind={"pos": f"CIRCLE {center.lon} {center.lat} 0.2"},
            instrument="HSC",
        )
    }
    assert got == expected
    got = {
        d["visit"]
        for d in hsc.queryDataIds(
            ["visit"], where="NOT visit.region OVERLAPS :r", bind={"r": circle}, instrument="HSC"
        )
    }
    assert got == set(visits) - expected
    limited = list(
        hsc.queryDataIds(
            ["visit"], where="visit.region OVERLAPS :r", bind={"r": circle}, instrument="HSC", limit=2
        )
        if _supports_limit(hsc)
        else []
    )
    assert len(limited) <= 2 and {d["visit"] for d in limited} <= expected


def _supports_limit(registry: Registry) -> bool:
    import inspect

    return "limit" in inspect.signature(registry.queryDataIds).parameters


def test_detector_regions_constrained_by_point(hsc, export_records) -> None:
    center = _visit_center(export_records, 1228)
    where = f"visit_detector_region.region OVERLAPS POINT({center.lon}, {center.lat})"
    got = {
        (d["visit"], d["detector"])
        for d in hsc.queryDataIds(["visit", "detector"], where=where, instrument="HSC")
    }
    regions = _regions(export_records, "visit_detector_region", lambda r: (r["visit"], r["detector"]))
    assert got == {k for k, r in regions.items() if r.contains(center)}


def test_invalid_spatial_expressions(hsc) -> None:
    with pytest.raises(InvalidQueryError):
        hsc.queryDataIds(
            ["visit"], where="visit.region OVERLAPS POLYGON(0, 0, 120, 0, 240, 0)", instrument="HSC"
        )
    with pytest.raises(InvalidQueryError):
        hsc.queryDataIds(["visit"], where="visit.region OVERLAPS REGION('ELLIPSE 1 2 3')", instrument="HSC")
    with pytest.raises(InvalidQueryError):
        hsc.queryDataIds(["visit"], where="visit.region OVERLAPS :r", bind={"r": 5}, instrument="HSC")


# Synthetic survey -----------------------------------------------------------------------------------


def _square(ra: float, dec: float, half: float, angle: float = 0.0) -> spatial.ConvexPolygon:
    corners = np.radians(angle) + np.array([0.25, 0.75, 1.25, 1.75]) * np.pi
    return spatial.ConvexPolygon.from_radec(
        ra + half * np.sqrt(2) * np.cos(corners) / np.cos(np.radians(dec)),
        dec + half * np.sqrt(2) * np.sin(corners),
    )


def _populate_survey(registry: Registry, rng: np.random.Generator) -> tuple[dict, dict]:
    visits = {
        n: _square(150 + rng.uniform(-2, 2), 2 + rng.uniform(-2, 2), 0.7, rng.uniform(0, 90))
        for n in range(1, 41)
    }
    patches = {}
    tract_region = _square(150, 2, 2.5)
    with registry.transaction():
        registry.insertDimensionData("instrument", {"name": "Cam"})
        registry.insertDimensionData("physical_filter", {"instrument": "Cam", "name": "Cam-r", "band": "r"})
        registry.insertDimensionData("day_obs", {"instrument": "Cam", "id": 20240101})
        registry.insertDimensionData("detector", *[{"instrument": "Cam", "id": i} for i in range(2)])
        registry.insertDimensionData(
            "visit",
            *[
                {
                    "instrument": "Cam",
                    "id": n,
                    "name": f"v{n}",
                    "physical_filter": "Cam-r",
                    "day_obs": 20240101,
                    "region": region,
                }
                for n, region in visits.items()
            ],
        )
        # Detector 0 saw the whole visit region (enough for these tests); detector 1 saw nothing.
        registry.insertDimensionData(
            "visit_detector_region",
            *[
                {"instrument": "Cam", "visit": n, "detector": 0, "region": region}
                for n, region in visits.items()
            ],
        )
        registry.insertDimensionData("skymap", {"name": "sky", "hash": b"h"})
        registry.insertDimensionData("tract", {"skymap": "sky", "id": 0, "region": tract_region})
        rows = []
        for i in range(5):
            for j in range(5):
                patches[i * 5 + j] = _square(148 + i, j, 0.5)
                rows.append(
                    {
                        "skymap": "sky",
                        "tract": 0,
                        "id": i * 5 + j,
                        "cell_x": i,
                        "cell_y": j,
                        "region": patches[i * 5 + j],
                    }
                )
        registry.insertDimensionData("patch", *rows)
    return visits, patches


@pytest.fixture(params=BACKENDS)
def survey(request: pytest.FixtureRequest, tmp_path) -> Iterator[tuple[Registry, dict, dict]]:
    databases = _database(request, tmp_path, request.param)
    registry = Registry.create(next(databases))
    visits, patches = _populate_survey(registry, np.random.default_rng(17))
    yield registry, visits, patches
    next(databases, None)


def test_synthetic_circles_match_brute_force(survey) -> None:
    registry, visits, patches = survey
    rng = np.random.default_rng(4)
    for _ in range(6):
        ra, dec, radius = 150 + rng.uniform(-3, 3), 2 + rng.uniform(-3, 3), rng.uniform(0.05, 1.0)
        circle = spatial.Circle.from_degrees(ra, dec, radius)
        got = {
            d["visit"]
            for d in registry.queryDataIds(
                ["visit"], instrument="Cam", where=f"visit.region OVERLAPS CIRCLE({ra}, {dec}, {radius})"
            )
        }
        assert got == {n for n, region in visits.items() if region.overlaps(circle)}
        got = {
            d["patch"]
            for d in registry.queryDataIds(
                ["patch"], skymap="sky", tract=0, where=f"patch.region OVERLAPS CIRCLE({ra}, {dec}, {radius})"
            )
        }
        assert got == {n for n, region in patches.items() if region.overlaps(circle)}


def test_which_visits_overlap_a_patch_for_coadds(survey) -> None:
    registry, visits, patches = survey
    registry.registerRun("run")
    calexp = DatasetType(
        "calexp", ["instrument", "visit", "detector"], "StructuredDataDict", universe=registry.dimensions
    )
    registry.registerDatasetType(calexp)
    registry.insertDatasets(
        calexp, [{"instrument": "Cam", "visit": v, "detector": 0} for v in visits], run="run"
    )
    for patch in (0, 12, 24):
        expected = {v for v, region in visits.items() if region.overlaps(patches[patch])}
        refs = registry.queryDatasets("calexp", collections="run", skymap="sky", tract=0, patch=patch)
        assert {ref.dataId["visit"] for ref in refs} == expected
        got = {
            d["visit"]
            for d in registry.queryDataIds(
                ["visit", "patch"], skymap="sky", instrument="Cam", where=f"patch = {patch} AND tract = 0"
            )
        }
        assert got == expected
    pairs = {
        (d["visit"], d["patch"])
        for d in registry.queryDataIds(["visit", "patch"], skymap="sky", instrument="Cam")
    }
    assert pairs == {(v, p) for v, vr in visits.items() for p, pr in patches.items() if vr.overlaps(pr)}
    some = (
        list(registry.queryDataIds(["visit", "patch"], skymap="sky", instrument="Cam", limit=5))
        if _supports_limit(registry)
        else []
    )
    assert len(some) == min(5, len(pairs)) or not _supports_limit(registry)


def test_reference_catalog_shards_join_visits(survey) -> None:
    registry, visits, _ = survey
    registry.registerRun("refcats")
    refcat = DatasetType("ref_cat", ["htm7"], "StructuredDataDict", universe=registry.dimensions)
    registry.registerDatasetType(refcat)
    shards = sorted(
        spatial.HtmPixelization(7).envelope(spatial.Circle.from_degrees(150, 2, 3)).indices().tolist()
    )
    registry.insertDatasets(refcat, [{"htm7": s} for s in shards], run="refcats")
    for visit in (1, 2):
        expected = {s for s in shards if spatial.HtmPixelization(7).pixel(s).overlaps(visits[visit])}
        refs = registry.queryDatasets("ref_cat", collections="refcats", instrument="Cam", visit=visit)
        assert {ref.dataId["htm7"] for ref in refs} == expected
    refs = registry.queryDatasets(
        "ref_cat", collections="refcats", where=f"htm7 IN ({shards[0]}, {shards[1]})"
    )
    assert {ref.dataId["htm7"] for ref in refs} == set(shards[:2])


def test_replacing_a_region_rewrites_its_pixels(survey) -> None:
    registry, visits, _ = survey
    moved = _square(200, -30, 0.5)
    registry.syncDimensionData(
        "visit",
        {
            "instrument": "Cam",
            "id": 1,
            "name": "v1",
            "physical_filter": "Cam-r",
            "day_obs": 20240101,
            "region": moved,
        },
        update=True,
    )
    got = {
        d["visit"]
        for d in registry.queryDataIds(
            ["visit"], instrument="Cam", where="visit.region OVERLAPS POINT(200, -30)"
        )
    }
    assert got == {1}
    old_center = visits[1].bounding_circle.center
    got = {
        d["visit"]
        for d in registry.queryDataIds(
            ["visit"],
            instrument="Cam",
            where=f"visit.region OVERLAPS POINT({old_center.lon}, {old_center.lat})",
        )
    }
    assert 1 not in got


def test_migration_0003_back_fills_overlap_tables(survey) -> None:
    registry, visits, _ = survey
    table = registry.tables.overlaps["visit"]

    def rows() -> set[tuple]:
        return {tuple(r) for r in registry.db.fetch_all(sa.select(table))}

    before = rows()
    assert {r[1] for r in before} == set(visits)
    migrator = SchemaMigrator(registry.db)
    migrator.downgrade("0002")
    assert "visit_skypix_overlap" not in sa.inspect(registry.db.engine).get_table_names()
    migrator.upgrade()
    assert rows() == before
    patch_table = registry.tables.overlaps["patch"]
    assert len(registry.db.fetch_all(sa.select(patch_table))) >= 25


def test_skip_existing_keeps_the_stored_region_pixels(survey) -> None:
    registry, visits, _ = survey
    table = registry.tables.overlaps["visit"]
    before = registry.db.fetch_all(sa.select(table).where(table.c.visit == 2))
    moved = _square(200, -30, 0.5)
    registry.insertDimensionData(
        "visit",
        {"instrument": "Cam", "id": 2, "name": "v2", "physical_filter": "Cam-r", "day_obs": 20240101,
         "region": moved},
        {"instrument": "Cam", "id": 99, "name": "v99", "physical_filter": "Cam-r", "day_obs": 20240101,
         "region": moved},
        skip_existing=True,
    )
    assert registry.db.fetch_all(sa.select(table).where(table.c.visit == 2)) == before
    got = {d["visit"] for d in registry.queryDataIds(["visit"], instrument="Cam",
                                                     where="visit.region OVERLAPS POINT(200, -30)")}
    assert got == {99}


def test_skypix_levels_without_values_are_refused_clearly(survey) -> None:
    registry, _, _ = survey
    with pytest.raises(InvalidQueryError, match="htm9 needs values"):
        registry.queryDataIds(["visit", "htm9"], instrument="Cam")


def test_a_bound_ivoa_pos_string_is_a_region(tmp_path):
    """``region OVERLAPS :pos`` with a string bind reads it as an IVOA POS region."""
    from butler import Butler
    from butler.spatial import ConvexPolygon

    Butler.makeRepo(tmp_path / "repo")
    butler = Butler(tmp_path / "repo", writeable=True)
    registry = butler.registry
    registry.insertDimensionData("instrument", {"name": "C"})
    registry.insertDimensionData("physical_filter", {"instrument": "C", "name": "C-r", "band": "r"})
    registry.insertDimensionData("day_obs", {"instrument": "C", "id": 20240101})
    registry.insertDimensionData("visit", *[
        {"instrument": "C", "id": v, "name": f"v{v}", "physical_filter": "C-r", "day_obs": 20240101,
         "region": ConvexPolygon.from_radec([10 + v, 11 + v, 11 + v, 10 + v], [0, 0, 1, 1])} for v in range(5)])
    found = butler.query_dimension_records("visit", where="visit.region OVERLAPS :pos",
                                           bind={"pos": "CIRCLE 12.5 0.5 0.1"}, instrument="C")
    assert [r.id for r in found] == [2]
    butler.close()
