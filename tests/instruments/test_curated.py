"""write_curated_calibrations and ``butler write-curated-calibrations``: camera and defects, certified."""

from __future__ import annotations

from pathlib import Path

import pytest
from astropy.io import fits
from astropy.time import Time

from butler import Butler, CollectionType, Timespan
from butler.errors import DatasetNotFoundError
from pipetasks.instruments import MegaPrime
from pipetasks.instruments.curated import CuratedCalibrationError, write_curated_calibrations
from pipetasks.instruments.resources import megacam_file

CALIB = "MegaPrime/calib"
CAMERA_RUN = "MegaPrime/calib/unbounded"
DEFECTS_RUN = "MegaPrime/calib/curated/20100203T000000Z"
RELEASE = Time("2010-02-03T00:00:00", scale="utc")


def at(iso: str) -> Timespan:
    return Timespan.fromInstant(Time(iso, scale="utc"))


def associations(butler: Butler, name: str, collection: str = CALIB) -> list:
    return list(butler.registry.queryDatasetAssociations(name, collections=collection))


def test_writes_camera_and_one_defects_per_detector(butler) -> None:
    refs = write_curated_calibrations(MegaPrime(), butler)
    assert len(refs) == 37
    assert butler.registry.getCollectionType(CALIB) is CollectionType.CALIBRATION
    (camera,) = butler.query_datasets("camera", collections=CAMERA_RUN)
    defects = butler.query_datasets("defects", collections=DEFECTS_RUN)
    assert sorted(ref.dataId["detector"] for ref in defects) == list(range(36))
    assert all(butler.get_dataset_type(name).isCalibration() for name in ("camera", "defects"))
    assert butler.get_dataset_type("defects").storageClass_name == "Defects"
    assert butler.get_dataset_type("camera").storageClass_name == "Camera"
    (camera_cert,) = associations(butler, "camera")
    assert camera_cert.ref == camera and camera_cert.timespan == Timespan(None, None)
    defect_certs = associations(butler, "defects")
    assert len(defect_certs) == 36
    assert {a.timespan for a in defect_certs} == {Timespan(RELEASE, None)}


def test_calibration_lookup_by_time(butler) -> None:
    write_curated_calibrations(MegaPrime(), butler)
    defects = butler.get("defects", instrument="MegaPrime", detector=14, collections=CALIB,
                         timespan=at("2010-02-03T00:00:01"))
    assert len(defects) == 17
    assert defects.getMetadata()["DETECTOR"] == 14 and defects.getMetadata()["DET_SER"] == "8434135"
    assert len(butler.get("defects", instrument="MegaPrime", detector=16, collections=CALIB,
                          timespan=at("2024-06-01T00:00:00"))) == 78
    with pytest.raises(DatasetNotFoundError):
        butler.get("defects", instrument="MegaPrime", detector=14, collections=CALIB,
                   timespan=at("2010-02-02T23:59:59"))
    camera = butler.get("camera", instrument="MegaPrime", collections=CALIB,
                        timespan=at("2003-01-01T00:00:00"))
    assert len(camera) == 36 and camera[14].getSerial() == "8434135"


def test_lookup_with_an_exposure_takes_its_time(butler) -> None:
    write_curated_calibrations(MegaPrime(), butler)
    megaprime = MegaPrime()
    header = fits.Header.fromtextfile(megacam_file("headers/megaprime_raw_1038843o_ccd02.header.txt"))
    for expnum, date in ((1038843, None), (1500000, "2012-03-04")):
        if date is not None:
            header.update({"EXPNUM": expnum, "DATE-OBS": date, "DATEEND": date})
        records = megaprime.exposure_records(megaprime.translate(header))
        for element in ("group", "day_obs", "exposure"):
            butler.registry.syncDimensionData(element, records[element])
    later = butler.get("defects", instrument="MegaPrime", detector=14, exposure=1500000, collections=CALIB)
    assert len(later) == 17
    with pytest.raises(DatasetNotFoundError):  # 2008: before the mask's release
        butler.get("defects", instrument="MegaPrime", detector=14, exposure=1038843, collections=CALIB)


def test_running_again_writes_and_certifies_nothing_new(butler) -> None:
    write_curated_calibrations(MegaPrime(), butler)
    assert write_curated_calibrations(MegaPrime(), butler) == []
    assert len(butler.query_datasets("defects", collections=DEFECTS_RUN)) == 36
    assert len(butler.query_datasets("camera", collections=CAMERA_RUN)) == 1
    assert len(associations(butler, "defects")) == 36 and len(associations(butler, "camera")) == 1


def test_existing_datasets_are_certified_into_a_new_collection(butler) -> None:
    write_curated_calibrations(MegaPrime(), butler)
    assert write_curated_calibrations(MegaPrime(), butler, collection="other/calib") == []
    assert len(associations(butler, "defects", "other/calib")) == 36
    assert len(associations(butler, "camera", "other/calib")) == 1


def test_labels_name_the_runs_and_the_collection(butler) -> None:
    refs = write_curated_calibrations(MegaPrime(), butler, labels=("v1",))
    assert {ref.run for ref in refs} == {"MegaPrime/calib/v1/unbounded",
                                         "MegaPrime/calib/curated/20100203T000000Z/v1"}
    assert len(associations(butler, "defects", "MegaPrime/calib/v1")) == 36
    assert CALIB not in butler.registry.queryCollections("MegaPrime/*")


def test_a_failure_leaves_the_repository_as_it_was(megaprime_repo, butler, monkeypatch) -> None:
    real_put = Butler.put
    calls = []

    def failing_put(self, obj, *args, **kwargs):
        calls.append(1)
        if len(calls) == 20:
            raise OSError("disk full")
        return real_put(self, obj, *args, **kwargs)

    monkeypatch.setattr(Butler, "put", failing_put)
    with pytest.raises(OSError, match="disk full"):
        write_curated_calibrations(MegaPrime(), butler)
    monkeypatch.undo()
    assert butler.registry.queryCollections("MegaPrime/*") == []
    assert butler.registry.queryDatasetTypes(["camera", "defects"]) == []
    assert list(Path(megaprime_repo).rglob("*.fits")) == []
    assert len(write_curated_calibrations(MegaPrime(), butler)) == 37


@pytest.mark.postgres
def test_write_and_rerun_on_postgresql(pg_butler) -> None:
    assert len(write_curated_calibrations(MegaPrime(), pg_butler)) == 37
    assert write_curated_calibrations(MegaPrime(), pg_butler) == []
    assert len(associations(pg_butler, "defects")) == 36
    defects = pg_butler.get("defects", instrument="MegaPrime", detector=14, collections=CALIB,
                            timespan=at("2015-01-01T00:00:00"))
    assert len(defects) == 17


def test_unregistered_instrument_is_refused(tmp_path) -> None:
    Butler.makeRepo(tmp_path / "empty")
    with Butler(tmp_path / "empty", writeable=True) as butler:
        with pytest.raises(CuratedCalibrationError, match="'MegaPrime' is not registered.*register-instr"):
            write_curated_calibrations(MegaPrime(), butler)


def test_collection_of_another_type_is_refused(butler) -> None:
    butler.registry.registerRun("not/calib")
    with pytest.raises(CuratedCalibrationError, match="'not/calib' is a RUN collection.*CALIBRATION"):
        write_curated_calibrations(MegaPrime(), butler, collection="not/calib")
    assert butler.registry.queryCollections("MegaPrime/*") == []


def test_megaprime_provides_its_defect_epoch() -> None:
    (epoch,) = MegaPrime().getCuratedCalibrationEpochs()
    assert epoch.dataset_type == "defects" and epoch.calib_date == "20100203T000000Z"
    assert epoch.valid_start == RELEASE and epoch.valid_end is None
    assert MegaPrime().getCuratedCalibrationNames() == {"camera", epoch.dataset_type}


def test_instrument_method_delegates(butler) -> None:
    assert len(MegaPrime().writeCuratedCalibrations(butler)) == 37


# -- command line -----------------------------------------------------------------------------------------


def test_cli_reports_what_it_wrote(megaprime_repo, invoke) -> None:
    result = invoke("write-curated-calibrations", megaprime_repo, "MegaPrime")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Wrote 1 camera dataset(s) into {CAMERA_RUN}.",
        f"Wrote 36 defects dataset(s) into {DEFECTS_RUN}.",
        f"Certified them in {CALIB}.",
    ]
    again = invoke("write-curated-calibrations", megaprime_repo, "pipetasks.instruments.MegaPrime")
    assert again.output == ("Nothing new to write: the curated calibrations of MegaPrime were written "
                            f"before; they are certified in {CALIB}.\n")


def test_cli_labels_prefix_and_collection(megaprime_repo, invoke) -> None:
    result = invoke("write-curated-calibrations", megaprime_repo, "MegaPrime", "a", "--label", "b",
                    "--prefix", "u/me")
    assert result.exit_code == 0, result.output
    assert "into u/me/calib/a/b/unbounded." in result.output
    assert "into u/me/calib/curated/20100203T000000Z/a/b." in result.output
    assert result.output.endswith("Certified them in u/me/calib/a/b.\n")
    result = invoke("write-curated-calibrations", megaprime_repo, "MegaPrime", "--collection", "calib/custom")
    assert result.output.endswith("Certified them in calib/custom.\n")
    with Butler(megaprime_repo) as butler:
        assert len(associations(butler, "defects", "calib/custom")) == 36


def test_cli_errors_are_one_line(megaprime_repo, invoke, tmp_path) -> None:
    Butler.makeRepo(tmp_path / "empty")
    result = invoke("write-curated-calibrations", tmp_path / "empty", "MegaPrime")
    assert result.exit_code == 1
    assert result.output.startswith("Error: no instrument 'MegaPrime' is registered")
    assert result.output.count("\n") == 1
    result = invoke("write-curated-calibrations", tmp_path / "empty", "pipetasks.instruments.MegaPrime")
    assert result.exit_code == 1
    assert result.output.startswith("Error: instrument 'MegaPrime' is not registered")
