"""The Instrument API and MegaPrime: records, collection names, lookup, register-instrument."""

from __future__ import annotations

import pytest
from astropy.io import fits
from click.testing import CliRunner

from butler import Butler
from butler.cli.main import cli
from butler.errors import ConflictingDefinitionError
from pipetasks.instruments import Instrument, MegaPrime, UnknownInstrumentError
from pipetasks.instruments.resources import megacam_file


@pytest.fixture
def butler(tmp_path) -> Butler:
    Butler.makeRepo(tmp_path / "repo")
    return Butler(tmp_path / "repo", writeable=True)


def test_megaprime_description() -> None:
    megaprime = MegaPrime()
    camera = megaprime.getCamera()
    assert len(camera) == 36 and camera[2].getSerial() == "8352153"
    assert [amp.getName() for amp in camera[2]] == ["A", "B"]
    assert camera[2]["A"].getGain() == 1.57 and camera[2]["B"].getReadNoise() == 5.0
    assert sum(d.getOrientation().getYaw() == 180.0 for d in camera) == 18
    assert camera.getPlateScale() == 13.7
    assert megaprime.filterDefinitions.band_of("z.MP9801") == "z"
    assert set(megaprime.filterDefinitions.bands) >= {"u", "g", "r", "i", "z"}
    with pytest.raises(KeyError, match="unknown physical filter 'y.MP0000'; known: u.MP9301"):
        megaprime.filterDefinitions["y.MP0000"]


def test_collection_names() -> None:
    megaprime = MegaPrime()
    assert megaprime.makeDefaultRawIngestRunName() == "MegaPrime/raw/all"
    assert megaprime.makeCalibrationCollectionName() == "MegaPrime/calib"
    assert megaprime.makeCuratedCalibrationRunName("20100203T000000Z") == "MegaPrime/calib/curated/20100203T000000Z"
    assert megaprime.makeUmbrellaCollectionName() == "MegaPrime/defaults"
    assert MegaPrime(collection_prefix="u/me").makeCollectionName("runs", "a") == "u/me/runs/a"


def test_register_is_idempotent_and_complete(butler: Butler) -> None:
    MegaPrime().register(butler.registry)
    MegaPrime().register(butler.registry)
    (record,) = butler.registry.queryDimensionRecords("instrument")
    assert record.name == "MegaPrime" and record.detector_max == 36
    assert record.class_name == "pipetasks.instruments.megaprime.MegaPrime"
    detectors = {r.id: r for r in butler.registry.queryDimensionRecords("detector")}
    assert len(detectors) == 36 and detectors[14].full_name == "ccd14" and detectors[14].purpose == "SCIENCE"
    filters = {r.name: r.band for r in butler.registry.queryDimensionRecords("physical_filter")}
    assert filters["r.MP9601"] == "r" and len(filters) == len(MegaPrime.filterDefinitions)


def test_register_conflict_needs_update(butler: Butler) -> None:
    class Renamed(MegaPrime):
        visit_max = 10**9

    MegaPrime().register(butler.registry)
    with pytest.raises(ConflictingDefinitionError):
        Renamed().register(butler.registry)
    Renamed().register(butler.registry, update=True)
    (record,) = butler.registry.queryDimensionRecords("instrument")
    assert record.visit_max == 10**9


def test_from_string(butler: Butler) -> None:
    assert isinstance(Instrument.from_string("pipetasks.instruments.MegaPrime"), MegaPrime)
    with pytest.raises(UnknownInstrumentError, match="no instrument 'MegaPrime' is registered.*register-instrument"):
        Instrument.from_string("MegaPrime", butler.registry)
    MegaPrime().register(butler.registry)
    assert isinstance(Instrument.from_string("MegaPrime", butler.registry), MegaPrime)
    with pytest.raises(UnknownInstrumentError, match="cannot import instrument class 'nowhere.Cam'"):
        Instrument.from_string("nowhere.Cam")
    with pytest.raises(UnknownInstrumentError, match="is not an Instrument subclass"):
        Instrument.from_string("butler.Butler")
    with pytest.raises(UnknownInstrumentError, match="no registry"):
        Instrument.from_string("MegaPrime")


def test_exposure_records_from_real_header(butler: Butler) -> None:
    megaprime = MegaPrime()
    megaprime.register(butler.registry)
    header = fits.Header.fromtextfile(megacam_file("headers/megaprime_raw_1038843o_ccd02.header.txt"))
    records = megaprime.exposure_records(megaprime.translate(header))
    for element in ("group", "day_obs", "exposure"):
        butler.registry.insertDimensionData(element, records[element])
    (exposure,) = butler.registry.queryDimensionRecords("exposure")
    assert (exposure.id, exposure.physical_filter, exposure.day_obs) == (1038843, "i.MP9702", 20081101)
    assert exposure.observation_type == "science" and exposure.target_name == "w2.+2+2"
    assert exposure.tracking_ra == pytest.approx(135.409417) and exposure.zenith_angle == pytest.approx(37.98)
    assert exposure.timespan.begin.utc.isot == "2008-11-01T14:33:32.400"
    rows = butler.query_data_ids(["exposure"], where="exposure.exposure_time > 600 AND band = 'i'",
                                 instrument="MegaPrime")
    assert [row["exposure"] for row in rows] == [1038843]


def test_register_instrument_command(tmp_path) -> None:
    runner = CliRunner()
    repo = str(tmp_path / "repo")
    assert runner.invoke(cli, ["create", repo]).exit_code == 0
    result = runner.invoke(cli, ["register-instrument", repo, "pipetasks.instruments.MegaPrime"])
    assert result.exit_code == 0, result.output
    assert "Registered instrument MegaPrime" in result.output and "36 detectors" in result.output
    result = runner.invoke(cli, ["register-instrument", repo, "pipetasks.instruments.Nope"])
    assert result.exit_code == 1
    assert "Error: cannot import instrument class 'pipetasks.instruments.Nope'" in result.output
    result = runner.invoke(cli, ["query-dimension-records", repo, "detector", "--where", "detector = 14"])
    assert result.exit_code == 0 and "ccd14" in result.output
