"""`ingest_raws`: exposure records from the headers, one dataset per CCD, bad files reported and left out."""

from __future__ import annotations

import os
from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
import yaml
from astropy.time import Time

from butler import Butler
from pipetasks.image.exposure import ExposureU
from pipetasks.image.filter_label import FilterLabel
from pipetasks.image.fits.reader import FitsReader
from pipetasks.image.geometry import Box2I, Extent2I, Point2I
from pipetasks.instruments import MegaPrime, RawIngestError
from pipetasks.instruments.ingest import RawIngestResult, find_raw_files, ingest_raws

RUN = "MegaPrime/raw/all"
_NOT_DATASETS = {"butler.yaml", "gen3.sqlite3", "gen3.sqlite3-wal", "gen3.sqlite3-shm",
                 "gen3.sqlite3-journal"}


def _stored_files(butler: Butler) -> list[str]:
    """Files in the repository directory that are not its configuration or database."""
    root = Path(butler._config.root)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if (p.is_file() or p.is_symlink()) and p.name not in _NOT_DATASETS)


def _raw_refs(butler: Butler, run: str = RUN) -> list:
    return butler.registry.queryDatasets("raw", collections=run)


def _exposure(butler: Butler, exposure: int):
    (record,) = butler.registry.queryDimensionRecords("exposure", instrument="MegaPrime", exposure=exposure)
    return record


def _data_ids(result: RawIngestResult) -> set[tuple[int, int]]:
    return {(ref.dataId["exposure"], ref.dataId["detector"]) for ref in result.ingested}


# -- what is created ---------------------------------------------------------------------------------


def test_exposure_records_match_the_headers(butler, raws, tmp_path):
    path = raws.write(tmp_path / "in" / "2400011o.fits.fz", exposure=2400011, obstype="FLAT",
                      physical_filter="g.MP9401", begin="2024-03-02T11:22:33.25", exptime=7.5, ra=210.5,
                      dec=-12.25, target="domeflat", runid="24AQ99")
    result = ingest_raws(butler, [path])
    assert result.failures == [] and result.already == []
    record = _exposure(butler, 2400011)
    assert (record.obs_id, record.group, record.physical_filter) == ("2400011", "2400011", "g.MP9401")
    assert (record.exposure_time, record.dark_time) == (7.5, 8.5)
    assert (record.observation_type, record.observation_reason) == ("flat", "flat")
    assert (record.target_name, record.science_program) == ("domeflat", "24AQ99")
    assert (record.tracking_ra, record.tracking_dec) == pytest.approx((210.5, -12.25))
    assert record.zenith_angle == pytest.approx(90.0 - 52.02)
    assert record.day_obs == 20240302
    begin = Time("2024-03-02T11:22:33.25", scale="utc")
    assert abs((record.timespan.begin - begin).to_value(u.s)) < 1e-6
    assert abs((record.timespan.end - (begin + 9.0 * u.s)).to_value(u.s)) < 1e-6  # UTCEND = start + 9 s
    (group,) = butler.registry.queryDimensionRecords("group", instrument="MegaPrime", group="2400011")
    assert group.name == "2400011"
    (day_obs,) = butler.registry.queryDimensionRecords("day_obs", instrument="MegaPrime", day_obs=20240302)
    assert day_obs.id == 20240302


def test_each_ccd_extension_is_one_dataset_of_the_same_file(butler, raws, tmp_path):
    path = raws.write(tmp_path / "2400001o.fits.fz", exposure=2400001, detectors=(0, 17, 35))
    result = ingest_raws(butler, [path], transfer="copy")
    assert _data_ids(result) == {(2400001, 0), (2400001, 17), (2400001, 35)}
    refs = _raw_refs(butler)
    assert len(refs) == 3
    assert len({butler.getURI(ref).ospath for ref in refs}) == 1
    assert len(_stored_files(butler)) == 1
    assert refs[0].datasetType.storageClass_name == "Exposure"


def test_get_returns_the_ccd_with_pixels_detector_visit_info_and_wcs(butler, raws, tmp_path):
    ingest_raws(butler, [raws.write(tmp_path / "2400001o.fits.fz", exposure=2400001, detectors=(5, 6))])
    exposure = butler.get("raw", instrument="MegaPrime", exposure=2400001, detector=6, collections=RUN)
    assert isinstance(exposure, ExposureU)
    np.testing.assert_array_equal(exposure.image.array, raws.pattern(6))
    assert [amp.getGain() for amp in exposure.getDetector()] == pytest.approx(raws.amp_gains(6))
    assert exposure.getDetector().getId() == 6
    assert exposure.getVisitInfo().getId() == 2400001
    assert exposure.getFilter() == FilterLabel(band="r", physical="r.MP9601")
    ra, dec = exposure.getWcs().pixel_to_world_values(1055.5, 2321.5)
    assert abs(ra - 150.0) < 1.0 and abs(dec - 2.2) < 1.0


def test_components_and_bbox_reads_through_the_butler_read_only_what_they_need(butler, raws, tmp_path,
                                                                                monkeypatch):
    ingest_raws(butler, [raws.write(tmp_path / "2400001o.fits.fz", exposure=2400001, detectors=(5,))])
    data_id = {"instrument": "MegaPrime", "exposure": 2400001, "detector": 5}
    box = Box2I(Point2I(190, 90), Extent2I(100, 30))
    cut = butler.get("raw", data_id, collections=RUN, parameters={"bbox": box})
    assert cut.getBBox() == box
    np.testing.assert_array_equal(cut.image.array, raws.pattern(5)[90:120, 190:290])

    def refuse(*args, **kwargs):
        raise AssertionError("a header component read pixels")

    monkeypatch.setattr(FitsReader, "read_image", refuse)
    assert butler.get("raw.visitInfo", data_id, collections=RUN).getExposureTime() == 120.0
    assert butler.get("raw.detector", data_id, collections=RUN).getName() == "ccd05"
    assert butler.get("raw.filter", data_id, collections=RUN).physicalLabel == "r.MP9601"
    assert butler.get("raw.bbox", data_id, collections=RUN) == Box2I(Point2I(0, 0), Extent2I(2112, 4644))
    assert butler.get("raw.metadata", data_id, collections=RUN)["EXPNUM"] == 2400001
    assert butler.get("raw.wcs", data_id, collections=RUN) is not None


def test_the_real_header_ingests_as_exposure_1038843(butler, raws, tmp_path):
    path = raws.write_template(tmp_path / "1038843o.fits.fz")
    result = ingest_raws(butler, [path])
    assert _data_ids(result) == {(1038843, 2)}
    record = _exposure(butler, 1038843)
    assert (record.physical_filter, record.exposure_time, record.dark_time) == ("i.MP9702", 615.037, 615.0)
    assert (record.observation_type, record.target_name, record.science_program) == \
        ("science", "w2.+2+2", "08BL05")
    assert (record.day_obs, record.group, record.obs_id) == (20081101, "1038843", "1038843")
    assert record.timespan.begin.utc.isot == "2008-11-01T14:33:32.400"
    assert record.timespan.end.utc.isot == "2008-11-01T14:44:41.960"


def test_the_real_header_matches_astro_metadata_translators_expected_values(butler, raws, tmp_path):
    from shared_data import shared_path

    expected = yaml.safe_load(shared_path("megacam/headers/expected_translations.yaml").read_text())[
        "megaprime_raw_1038843o_ccd02.header.txt"]
    ingest_raws(butler, [raws.write_template(tmp_path / "1038843o.fits.fz")])
    record = _exposure(butler, expected["exposure_id"])
    assert record.obs_id == expected["observation_id"]
    assert record.group == expected["exposure_group"]
    assert record.physical_filter == expected["physical_filter"]
    assert record.exposure_time == expected["exposure_time_s"]
    assert record.dark_time == expected["dark_time_s"]
    assert record.observation_type == expected["observation_type"]
    assert record.observation_reason == expected["observation_reason"]
    assert record.target_name == expected["object"]
    assert record.science_program == expected["science_program"]
    assert record.day_obs == expected["observing_day"]
    assert (record.seq_num, record.seq_start, record.seq_end) == (
        expected["observation_counter"], expected["group_counter_start"], expected["group_counter_end"])
    assert record.sky_angle == expected["boresight_rotation_angle_deg"]
    assert record.has_simulated == expected["has_simulated_content"]
    assert record.timespan.begin.utc.isot == expected["datetime_begin_utc"]
    assert record.timespan.end.utc.isot == expected["datetime_end_utc"]
    visit_info = butler.get("raw.visitInfo", instrument="MegaPrime", exposure=1038843,
                            detector=expected["detector_num"], collections=RUN)
    assert visit_info.getWeather().airTemperature == expected["temperature_degC"]
    assert visit_info.getWeather().airPressure == pytest.approx(expected["pressure_hPa"] * 100)
    assert visit_info.getWeather().humidity == expected["relative_humidity"]
    assert butler.get("raw.id", instrument="MegaPrime", exposure=1038843, detector=2,
                      collections=RUN) == expected["detector_exposure_id"]


# -- duplicates ----------------------------------------------------------------------------------------


def test_ingesting_again_skips_the_file_and_transfers_nothing(butler, raws, tmp_path):
    path = raws.write(tmp_path / "2400001o.fits.fz", exposure=2400001, detectors=(0, 1))
    first = ingest_raws(butler, [path], transfer="copy")
    files = _stored_files(butler)
    second = ingest_raws(butler, [path], transfer="copy")
    assert second == RawIngestResult(ingested=[], already=[str(path)], failures=[])
    assert _stored_files(butler) == files
    assert sorted(r.id for r in _raw_refs(butler)) == sorted(r.id for r in first.ingested)


def test_a_file_with_some_ccds_already_ingested_adds_the_others(butler, raws, tmp_path):
    ingest_raws(butler, [raws.write(tmp_path / "a" / "2400001o.fits.fz", exposure=2400001, detectors=(0, 1))])
    more = raws.write(tmp_path / "b" / "2400001o.fits.fz", exposure=2400001, detectors=(0, 1, 2))
    result = ingest_raws(butler, [more])
    assert _data_ids(result) == {(2400001, 2)}
    assert len(_raw_refs(butler)) == 3


def test_dataset_ids_depend_only_on_data_id_and_run(butler, raws, tmp_path):
    path = raws.write(tmp_path / "2400001o.fits.fz", exposure=2400001, detectors=(0, 1))
    first = ingest_raws(butler, [path], transfer="copy")
    other_root = tmp_path / "other"
    Butler.makeRepo(other_root)
    with Butler(other_root, writeable=True) as other:
        MegaPrime().register(other.registry)
        second = ingest_raws(other, [path], transfer="copy")
    assert sorted(r.id for r in first.ingested) == sorted(r.id for r in second.ingested)


def test_a_conflicting_exposure_record_fails_the_file_and_names_the_fields(butler, raws, tmp_path):
    ingest_raws(butler, [raws.write(tmp_path / "a" / "2400001o.fits.fz", exposure=2400001, detectors=(0,))])
    files_before = _stored_files(butler)
    clash = raws.write(tmp_path / "b" / "2400001o.fits.fz", exposure=2400001, detectors=(1,), exptime=90.0)
    result = ingest_raws(butler, [clash], transfer="move")
    ((path, reason),) = result.failures
    assert path == str(clash)
    assert "exposure record 2400001 conflicts" in reason
    assert "exposure_time is 90.0 here but 120.0 in the repository" in reason
    assert _exposure(butler, 2400001).exposure_time == 120.0
    assert {ref.dataId["detector"] for ref in _raw_refs(butler)} == {0}
    assert _stored_files(butler) == files_before
    assert clash.exists()  # the move was undone


# -- bad input ------------------------------------------------------------------------------------------


def _bad_files(raws, directory: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, text its failure reason contains)."""
    good = raws.write(directory / "good-for-truncation.fits.fz", exposure=2400090, detectors=(0, 1))
    truncated = directory / "truncated.fits.fz"
    data = good.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    good.unlink()
    text = directory / "notes.fits"
    text.write_text("these are not pixels\n" * 300)
    return {
        "text": (text, "not a FITS file"),
        "truncated": (truncated, "truncated"),
        "other-instrument": (raws.write(directory / "wircam.fits", exposure=2400091,
                                        set_cards={"INSTRUME": "WIRCam"}),
                             "no registered instrument can read"),
        "bad-megaprime": (raws.write(directory / "bad.fits.fz", exposure=2400092,
                                     rename_cards={"OBSTYPE": "OBSTYP", "EXPTIME": "XPTIME"}),
                          "lacks required keyword(s) OBSTYPE, EXPTIME"),
        "unknown-filter": (raws.write(directory / "filter.fits.fz", exposure=2400093,
                                      physical_filter="q.MP9999"),
                           "unknown MegaPrime physical filter 'q.MP9999'"),
        "unknown-detector": (raws.write(directory / "ccd40.fits.fz", exposure=2400094, detectors=(0, 40)),
                             "is detector 40, which the MegaPrime camera does not have"),
    }


@pytest.mark.parametrize("kind", ["text", "truncated", "other-instrument", "bad-megaprime", "unknown-filter",
                                  "unknown-detector"])
def test_a_bad_file_is_reported_and_leaves_nothing_behind_while_good_ones_ingest(butler, raws, tmp_path,
                                                                                 kind):
    bad, reason_text = _bad_files(raws, tmp_path / "bad")[kind]
    good = raws.write(tmp_path / "good" / "2400001o.fits.fz", exposure=2400001, detectors=(0, 1))
    result = ingest_raws(butler, [bad, good], transfer="copy")
    ((path, reason),) = result.failures
    assert path == str(bad) and reason_text in reason
    assert _data_ids(result) == {(2400001, 0), (2400001, 1)}
    assert [r.id for r in butler.registry.queryDimensionRecords("exposure")] == [2400001]
    assert len(_stored_files(butler)) == 1


def test_a_file_whose_extensions_disagree_on_the_exposure_is_refused(butler, raws, tmp_path):
    path = raws.write(tmp_path / "mixed.fits.fz", exposure=2400001, detectors=(0, 1))
    from astropy.io import fits

    with fits.open(path, mode="update") as hdus:
        hdus[2].header["EXPTIME"] = 99.0
    result = ingest_raws(butler, [path])
    ((_, reason),) = result.failures
    assert "describe different exposures: HDU ccd01 has exposure_time=99.0 (not 120.0) of HDU ccd00" in reason
    assert butler.registry.queryDimensionRecords("exposure") == []


def test_a_missing_location_is_reported(butler, tmp_path):
    result = ingest_raws(butler, [tmp_path / "nowhere.fits"])
    assert result.failures == [(str(tmp_path / "nowhere.fits"), "no such file or directory")]


def test_without_a_registered_instrument_every_file_says_how_to_register_one(tmp_path, raws):
    Butler.makeRepo(tmp_path / "empty")
    with Butler(tmp_path / "empty", writeable=True) as butler:
        path = raws.write(tmp_path / "2400001o.fits.fz")
        result = ingest_raws(butler, [path])
    ((_, reason),) = result.failures
    assert "no registered instrument can read" in reason and "butler register-instrument" in reason


@pytest.mark.parametrize("processes", [1, 2])
def test_fail_fast_raises_at_the_first_bad_file_after_ingesting_those_before(butler, raws, tmp_path,
                                                                            processes):
    good = raws.write(tmp_path / "a" / "2400001o.fits.fz", exposure=2400001, detectors=(0,))
    bad = raws.write(tmp_path / "b" / "bad.fits.fz", exposure=2400002, rename_cards={"OBSTYPE": "OBSTYP"})
    later = raws.write(tmp_path / "c" / "2400003o.fits.fz", exposure=2400003, detectors=(0,))
    with pytest.raises(RawIngestError, match=f"cannot ingest {bad}: HDU ccd00: .*lacks required keyword"):
        ingest_raws(butler, [good, bad, later], fail_fast=True, processes=processes)
    assert [r.id for r in butler.registry.queryDimensionRecords("exposure")] == [2400001]


def test_progress_wraps_the_loop_over_files(butler, raws, tmp_path):
    calls = []

    def progress(items, *, description, total):
        calls.append((description, total))
        yield from items

    paths = [raws.write(tmp_path / f"{n}.fits.fz", exposure=2400000 + n, detectors=(0,)) for n in (1, 2)]
    result = ingest_raws(butler, paths, progress=progress)
    assert calls == [("Ingesting raw files", 2)]
    assert len(result.ingested) == 2


# -- finding files, workers, transfers ---------------------------------------------------------------------


def test_directories_are_searched_with_the_regex_and_named_files_always_taken(raws, tmp_path):
    raws.write(tmp_path / "d" / "x" / "2400001o.fits.fz")
    raws.write(tmp_path / "d" / "2400002o.fits")
    (tmp_path / "d" / "notes.txt").write_text("no")
    (tmp_path / "d" / "2400003o.fits.gz").write_text("not matched by the default regex")
    explicit = tmp_path / "named.dat"
    explicit.write_text("taken because it is named")
    files, missing = find_raw_files([tmp_path / "d", explicit, tmp_path / "d" / "2400002o.fits"])
    assert files == [str(tmp_path / "d" / "2400002o.fits"), str(tmp_path / "d" / "x" / "2400001o.fits.fz"),
                     str(explicit)]
    assert missing == []
    only_fz, _ = find_raw_files([tmp_path / "d"], regex=r"\.fz$")
    assert only_fz == [str(tmp_path / "d" / "x" / "2400001o.fits.fz")]


def test_two_worker_processes_give_the_same_result_as_one(tmp_path, raws):
    directory = tmp_path / "raws"
    for n in range(4):
        raws.write(directory / f"24000{n:02d}o.fits.fz", exposure=2400000 + n, detectors=(n, n + 1))
    (directory / "junk.fits").write_text("junk")
    results, records = [], []
    for processes in (1, 2):
        root = tmp_path / f"repo-j{processes}"
        Butler.makeRepo(root)
        with Butler(root, writeable=True) as butler:
            MegaPrime().register(butler.registry)
            results.append(ingest_raws(butler, [directory], processes=processes, transfer="direct"))
            records.append(sorted(repr(r) for r in butler.registry.queryDimensionRecords("exposure")))
    assert results[0] == results[1]
    assert records[0] == records[1]
    assert len(results[1].ingested) == 8 and len(results[1].failures) == 1


@pytest.mark.parametrize("transfer", ["direct", "copy", "symlink", "relsymlink", "hardlink", "move"])
def test_transfer_modes(butler, raws, tmp_path, transfer):
    source = raws.write(tmp_path / "incoming" / "2400001o.fits.fz", exposure=2400001, detectors=(0, 1))
    ingest_raws(butler, [source], transfer=transfer)
    uris = {butler.getURI(ref).ospath for ref in _raw_refs(butler)}
    (location,) = uris
    root = os.path.realpath(butler._config.root)
    if transfer == "direct":
        assert location == str(source)
        assert _stored_files(butler) == []
    else:
        assert location.startswith(root + os.sep)
        assert os.path.islink(location) == (transfer in ("symlink", "relsymlink"))
        assert source.exists() == (transfer != "move")
    exposure = butler.get("raw", instrument="MegaPrime", exposure=2400001, detector=1, collections=RUN)
    np.testing.assert_array_equal(exposure.image.array[:5, :5], raws.pattern(1)[:5, :5])


def test_output_run_and_untracked_file_attributes(butler, raws, tmp_path):
    path = raws.write(tmp_path / "2400001o.fits.fz", detectors=(0,))
    result = ingest_raws(butler, [path], run="u/someone/raws", track_file_attrs=False)
    assert [ref.run for ref in result.ingested] == ["u/someone/raws"]
    assert _raw_refs(butler, "u/someone/raws")


@pytest.mark.postgres
def test_postgres_ingest_is_all_or_nothing_per_file(pg_butler, raws, tmp_path):
    good = raws.write(tmp_path / "a" / "2400001o.fits.fz", exposure=2400001, detectors=(0, 1))
    clash = raws.write(tmp_path / "b" / "2400001o.fits.fz", exposure=2400001, detectors=(2,), exptime=90.0)
    unknown = raws.write(tmp_path / "c" / "ccd40.fits.fz", exposure=2400094, detectors=(0, 40))
    result = ingest_raws(pg_butler, [good, clash, unknown], transfer="copy", processes=2)
    assert _data_ids(result) == {(2400001, 0), (2400001, 1)}
    assert [path for path, _ in result.failures] == [str(clash), str(unknown)]
    assert {ref.dataId["detector"] for ref in _raw_refs(pg_butler)} == {0, 1}
    assert len(_stored_files(pg_butler)) == 1
    again = ingest_raws(pg_butler, [good], transfer="copy")
    assert again.already == [str(good)]
