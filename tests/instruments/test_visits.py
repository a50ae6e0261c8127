"""define_visits and ``butler define-visits``: visit records, detector regions, spatial lookups, reruns."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from butler import Butler
from pipetasks.instruments import MegaPrime, VisitDefinitionError
from pipetasks.instruments.focal_plane import Pointing, pixel_to_sky
from pipetasks.instruments.resources import megacam_file
from pipetasks.instruments.visits import define_visits

TEMPLATE = megacam_file("headers/megaprime_raw_1038843o_ccd02.header.txt")

# expnum: (OBSTYPE, FILTER, DATE-OBS, RA_DEG, DEC_DEG, ROTANGLE)
SCIENCE = {
    1000001: ("OBJECT", "i.MP9702", "2008-11-01T14:33:32.4", 135.409417, -2.4, 0.0),
    1000002: ("OBJECT", "r.MP9601", "2008-11-02T10:00:00.0", 150.1, 2.2, 37.5),
    1000003: ("OBJECT", "g.MP9401", "2008-11-02T11:00:00.0", 10.0, 60.0, 90.0),
}
CALIBRATION = {
    1000010: ("BIAS", "i.MP9702", "2008-11-01T20:00:00.0", 135.0, -2.0, 0.0),
    1000011: ("DARK", "i.MP9702", "2008-11-01T20:10:00.0", 135.0, -2.0, 0.0),
    1000012: ("FLAT", "r.MP9601", "2008-11-01T20:20:00.0", 135.0, -2.0, 0.0),
}


def make_header(expnum: int, obstype: str, physical_filter: str, date: str, ra: float | None,
                dec: float | None, rotation: float) -> fits.Header:
    """The real raw header with the exposure's keywords changed (end time = start + EXPTIME)."""
    header = fits.Header.fromtextfile(TEMPLATE)
    for key in ("DATEEND", "UTCEND", "MJDEND"):
        header.remove(key, ignore_missing=True)
    header.update({"EXPNUM": expnum, "OBSTYPE": obstype, "FILTER": physical_filter, "DATE-OBS": date,
                   "ROTANGLE": rotation, "OBJECT": f"field{expnum % 100}"})
    if ra is None:
        header.remove("RA_DEG")
        header.remove("DEC_DEG")
    else:
        header.update({"RA_DEG": ra, "DEC_DEG": dec})
    return header


def add_exposure(butler: Butler, expnum: int, *spec, update: bool = False) -> dict:
    """Insert the group, day_obs and exposure records of one exposure; return the exposure record."""
    megaprime = MegaPrime()
    records = megaprime.exposure_records(megaprime.translate(make_header(expnum, *spec)))
    for element in ("group", "day_obs", "exposure"):
        butler.registry.syncDimensionData(element, records[element], update=update)
    return records["exposure"]


@pytest.fixture(scope="module")
def _exposures_template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("visits-template") / "repo"
    Butler.makeRepo(root)
    with Butler(root, writeable=True) as butler:
        MegaPrime().register(butler.registry)
        for expnum, spec in {**SCIENCE, **CALIBRATION}.items():
            add_exposure(butler, expnum, *spec)
    return root


@pytest.fixture
def repo(_exposures_template, tmp_path) -> Path:
    """A fresh copy of a repository with MegaPrime registered and the exposures above (no visits)."""
    target = tmp_path / "repo"
    shutil.copytree(_exposures_template, target)
    return target


@pytest.fixture
def exposures_butler(repo) -> Iterator[Butler]:
    """A writeable butler on `repo`."""
    with Butler(repo, writeable=True) as butler:
        yield butler


@pytest.fixture(scope="module")
def camera():
    return MegaPrime().getCamera()


def records(butler: Butler, element: str, **data_id) -> list:
    return butler.registry.queryDimensionRecords(element, instrument="MegaPrime", **data_id)


def detectors_seeing(butler: Butler, ra: float, dec: float) -> list[tuple[int, int]]:
    """(visit, detector) pairs whose region overlaps the point, through a spatial query."""
    point = f"POINT({float(ra)}, {float(dec)})"
    where = f"visit_detector_region.region OVERLAPS {point}"
    found = butler.query_data_ids(["visit", "detector"], where=where)
    return [(d["visit"], d["detector"]) for d in found]


# -- the records -----------------------------------------------------------------------------------


def test_science_exposures_become_visits_with_their_exposure_values(exposures_butler) -> None:
    result = define_visits(exposures_butler, "MegaPrime")
    assert result.defined == sorted(SCIENCE) and result.existing == [] and result.updated == []
    assert result.ignored == len(CALIBRATION)
    exposures = {r.id: r for r in records(exposures_butler, "exposure")}
    visits = {r.id: r for r in records(exposures_butler, "visit")}
    assert sorted(visits) == sorted(SCIENCE)
    for visit_id, visit in visits.items():
        exposure = exposures[visit_id]
        assert visit.name == exposure.obs_id == str(visit_id)
        for field in ("physical_filter", "day_obs", "seq_num", "exposure_time", "target_name",
                      "observation_reason", "science_program", "azimuth", "zenith_angle", "timespan"):
            assert getattr(visit, field) == getattr(exposure, field), field
    assert visits[1000002].physical_filter == "r.MP9601" and visits[1000002].target_name == "field2"
    definitions = {(r.exposure, r.visit) for r in records(exposures_butler, "visit_definition")}
    assert definitions == {(v, v) for v in SCIENCE}
    memberships = {(r.visit, r.visit_system) for r in records(exposures_butler, "visit_system_membership")}
    assert memberships == {(v, 0) for v in SCIENCE}
    (system,) = records(exposures_butler, "visit_system")
    assert (system.id, system.name) == (0, "one-to-one")


def test_calibration_exposures_get_no_visit(exposures_butler) -> None:
    define_visits(exposures_butler, "MegaPrime")
    visit_ids = {r.id for r in records(exposures_butler, "visit")}
    assert visit_ids.isdisjoint(CALIBRATION)
    assert {r.exposure for r in records(exposures_butler, "visit_definition")}.isdisjoint(CALIBRATION)


def test_every_detector_gets_a_region_holding_its_pixels(exposures_butler, camera) -> None:
    define_visits(exposures_butler, "MegaPrime")
    regions = records(exposures_butler, "visit_detector_region")
    assert len(regions) == 36 * len(SCIENCE)
    by_key = {(r.visit, r.detector): r.region for r in regions}
    corners_x, corners_y = np.array([0.0, 2047.0, 2047.0, 0.0]), np.array([0.0, 0.0, 4611.0, 4611.0])
    for visit_id, (_, _, _, ra0, dec0, rotation) in SCIENCE.items():
        pointing = Pointing(ra0, dec0, rotation)
        for detector in camera:
            region = by_key[visit_id, detector.getId()]
            ra, dec = pixel_to_sky(camera, detector, pointing, corners_x, corners_y)
            assert np.all(region.contains_lonlat(ra, dec)), (visit_id, detector.getId())
            # A point 2 degrees from the boresight is well outside the 1 x 1 degree mosaic.
            assert not region.contains_lonlat(ra0, dec0 + 2.0)
        far = [v for v in SCIENCE if v != visit_id]
        assert not any(by_key[visit_id, 14].overlaps(by_key[v, 14]) for v in far)


def test_visit_region_contains_its_detector_regions(exposures_butler) -> None:
    define_visits(exposures_butler, "MegaPrime")
    visits = {r.id: r.region for r in records(exposures_butler, "visit")}
    for region_record in records(exposures_butler, "visit_detector_region"):
        vertices = region_record.region.vertices
        visit_region = visits[region_record.visit]
        outside = vertices[~visit_region.contains_vectors(vertices)]
        # Corners on the hull's boundary may fall outside by rounding (~1e-16 rad), never more.
        assert np.all(visit_region.edge_distances(outside) < 1e-12) if len(outside) else True


def test_spatial_query_finds_the_detector_that_saw_a_position(exposures_butler, camera) -> None:
    define_visits(exposures_butler, "MegaPrime")
    _, _, _, ra0, dec0, rotation = SCIENCE[1000002]
    ra, dec = pixel_to_sky(camera, camera[14], Pointing(ra0, dec0, rotation), 1000.0, 2300.0)
    assert detectors_seeing(exposures_butler, ra, dec) == [(1000002, 14)]


def test_padding_enlarges_detector_regions(exposures_butler, camera) -> None:
    define_visits(exposures_butler, "MegaPrime", padding=0.0)
    _, _, _, ra0, dec0, rotation = SCIENCE[1000001]
    ra, dec = pixel_to_sky(camera, camera[14], Pointing(ra0, dec0, rotation), -20.0, 2300.0)
    (region,) = [r.region for r in records(exposures_butler, "visit_detector_region", visit=1000001,
                                           detector=14)]
    assert not region.contains_lonlat(ra, dec)
    define_visits(exposures_butler, "MegaPrime", padding=50.0, update_records=True)
    (region,) = [r.region for r in records(exposures_butler, "visit_detector_region", visit=1000001,
                                           detector=14)]
    assert region.contains_lonlat(ra, dec)


@pytest.mark.postgres
def test_define_and_update_on_postgresql(pg_butler, camera) -> None:
    for expnum, spec in {**SCIENCE, **CALIBRATION}.items():
        add_exposure(pg_butler, expnum, *spec)
    assert define_visits(pg_butler, "MegaPrime").defined == sorted(SCIENCE)
    assert define_visits(pg_butler, "MegaPrime", update_records=True).updated == sorted(SCIENCE)
    assert len(records(pg_butler, "visit_detector_region")) == 36 * len(SCIENCE)
    _, _, _, ra0, dec0, rotation = SCIENCE[1000003]
    ra, dec = pixel_to_sky(camera, camera[30], Pointing(ra0, dec0, rotation), 1000.0, 2300.0)
    assert detectors_seeing(pg_butler, ra, dec) == [(1000003, 30)]


# -- choosing exposures ----------------------------------------------------------------------------


def test_where_restricts_the_exposures(exposures_butler) -> None:
    result = define_visits(exposures_butler, "MegaPrime", where="exposure.physical_filter = 'r.MP9601'")
    assert result.defined == [1000002] and result.ignored == 1  # the flat is also r-band
    assert [r.id for r in records(exposures_butler, "visit")] == [1000002]


def test_collections_restrict_to_exposures_with_raws(exposures_butler) -> None:
    megaprime = MegaPrime()
    exposures_butler.registry.registerDatasetType(megaprime.raw_dataset_type(exposures_butler.dimensions))
    run = megaprime.makeDefaultRawIngestRunName()
    exposures_butler.registry.registerRun(run)
    raw_id = {"instrument": "MegaPrime", "exposure": 1000003, "detector": 0}
    exposures_butler.registry.insertDatasets("raw", [raw_id], run=run)
    result = define_visits(exposures_butler, megaprime, collections=[run])
    assert result.defined == [1000003]


def test_progress_wraps_the_batches(exposures_butler) -> None:
    calls = []

    def progress(items, *, description, total):
        calls.append((description, total))
        return items

    define_visits(exposures_butler, "MegaPrime", progress=progress)
    assert calls == [("Defining visits", 1)]


# -- running again -----------------------------------------------------------------------------------


def test_running_again_skips_defined_visits(exposures_butler) -> None:
    define_visits(exposures_butler, "MegaPrime")
    before = {r.id: r for r in records(exposures_butler, "visit")}
    again = define_visits(exposures_butler, "MegaPrime")
    assert again.defined == [] and again.existing == sorted(SCIENCE) and again.updated == []
    assert {r.id: r for r in records(exposures_butler, "visit")} == before
    assert len(records(exposures_butler, "visit_detector_region")) == 36 * len(SCIENCE)


def test_new_exposures_are_defined_incrementally(exposures_butler) -> None:
    define_visits(exposures_butler, "MegaPrime")
    add_exposure(exposures_butler, 1000004, "OBJECT", "z.MP9801", "2008-11-03T09:00:00.0", 200.0, -30.0, 12.0)
    result = define_visits(exposures_butler, "MegaPrime")
    assert result.defined == [1000004] and result.existing == sorted(SCIENCE)


def test_update_records_replaces_changed_visits(exposures_butler, camera) -> None:
    define_visits(exposures_butler, "MegaPrime")
    moved = ("OBJECT", "i.MP9702", "2008-11-01T14:33:32.4", 140.0, -2.4, 0.0)
    add_exposure(exposures_butler, 1000001, *moved, update=True)
    skipped = define_visits(exposures_butler, "MegaPrime")
    (visit,) = records(exposures_butler, "visit", visit=1000001)
    assert skipped.existing == sorted(SCIENCE)
    assert visit.region.contains_lonlat(135.409417, -2.4)
    result = define_visits(exposures_butler, "MegaPrime", update_records=True)
    assert result.updated == sorted(SCIENCE) and result.defined == []
    (visit,) = records(exposures_butler, "visit", visit=1000001)
    assert visit.region.contains_lonlat(140.0, -2.4) and not visit.region.contains_lonlat(135.409417, -2.4)
    ra, dec = pixel_to_sky(camera, camera[14], Pointing(140.0, -2.4, 0.0), 1000.0, 2300.0)
    assert detectors_seeing(exposures_butler, ra, dec) == [(1000001, 14)]
    assert len(records(exposures_butler, "visit_detector_region")) == 36 * len(SCIENCE)


# -- errors ------------------------------------------------------------------------------------------------


def test_unregistered_instrument_is_refused(tmp_path) -> None:
    Butler.makeRepo(tmp_path / "empty")
    with Butler(tmp_path / "empty", writeable=True) as butler:
        with pytest.raises(VisitDefinitionError, match="'MegaPrime' is not registered.*register-instrument"):
            define_visits(butler, MegaPrime())
        with pytest.raises(VisitDefinitionError, match="no instrument 'MegaPrime' is registered"):
            define_visits(butler, "MegaPrime")


def test_no_matching_exposures_is_an_error(exposures_butler) -> None:
    with pytest.raises(VisitDefinitionError, match="no MegaPrime exposures matching .*id = 5.*--where"):
        define_visits(exposures_butler, "MegaPrime", where="exposure.id = 5")


def test_exposure_without_pointing_is_named(exposures_butler) -> None:
    add_exposure(exposures_butler, 1000020, "OBJECT", "i.MP9702", "2008-11-04T09:00:00.0", None, None, 0.0)
    with pytest.raises(VisitDefinitionError, match=r"1000020 \(1000020\) can see the sky but have no"):
        define_visits(exposures_butler, "MegaPrime")
    assert records(exposures_butler, "visit") == []


def test_unknown_visit_system_is_refused(exposures_butler) -> None:
    with pytest.raises(VisitDefinitionError, match="unknown visit system 'by-group'; known: one-to-one"):
        define_visits(exposures_butler, "MegaPrime", visit_system="by-group")


# -- command line -----------------------------------------------------------------------------------------


def test_cli_defines_visits_and_reports_counts(repo, invoke) -> None:
    first = invoke("define-visits", repo, "MegaPrime")
    assert first.exit_code == 0, first.output
    assert first.output == "Defined 3 new visit(s) (one-to-one); 3 exposure(s) ignored (not on sky).\n"
    again = invoke("define-visits", repo, "pipetasks.instruments.MegaPrime", "-j", "2")
    assert again.output == "Defined 0 new visit(s) (one-to-one); 3 already defined; 3 exposure(s) ignored " \
                           "(not on sky).\n"
    updated = invoke("define-visits", repo, "MegaPrime", "--update-records", "--where",
                     "exposure.physical_filter = 'g.MP9401'")
    assert updated.output == "Defined 0 new visit(s) (one-to-one); updated 1.\n"


def test_cli_errors_are_one_line(repo, invoke, tmp_path) -> None:
    Butler.makeRepo(tmp_path / "empty")
    result = invoke("define-visits", tmp_path / "empty", "MegaPrime")
    assert result.exit_code == 1
    assert result.output.startswith("Error: no instrument 'MegaPrime' is registered") and \
        result.output.count("\n") == 1
    result = invoke("define-visits", repo, "MegaPrime", "--visit-system", "nope")
    assert result.exit_code == 1 and "unknown visit system 'nope'" in result.output


def test_cli_where_and_collections_options(repo, invoke) -> None:
    result = invoke("define-visits", repo, "MegaPrime", "--where", "exposure.id = 1000001")
    assert result.output == "Defined 1 new visit(s) (one-to-one).\n"
    result = invoke("define-visits", repo, "MegaPrime", "--collections", "MegaPrime/raw/all")
    assert result.exit_code == 1 and "Error:" in result.output
