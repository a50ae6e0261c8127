"""Bad export files give typed errors and leave the repository exactly as it was (one transaction).

Bad files are made from LSST's ``lsst_v8.yaml``, so that everything before
the fault would be importable: a partial import would show in the snapshot
(records, collections, dataset types, datasets and files on disk).
"""

from __future__ import annotations

import pytest

from butler import Butler
from butler.errors import ConflictingDefinitionError
from butler.exchange import ExportFormatError, IncompatibleVersionError, InconsistentUniverseError


@pytest.fixture
def lsst_text(kit) -> str:
    return (kit.data / "lsst_v8.yaml").read_text()


@pytest.fixture
def empty(new_repo, kit):
    """A fresh repository and its (empty) snapshot."""
    butler = new_repo("target")
    return butler, kit.snapshot(butler)


def _write(tmp_path, text: str, name: str = "bad.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _appended(text: str, entry: str) -> str:
    return text.rstrip("\n") + "\n" + entry.strip("\n") + "\n"


BAD_FILES = {
    "not_yaml": ("description: [unclosed\n  - {\n", ExportFormatError, "not a readable export"),
    "not_an_export": ("just: a mapping\n", ExportFormatError, "not a repository export"),
    "a_list": ("- 1\n- 2\n", ExportFormatError, "not a repository export"),
    "empty_file": ("", ExportFormatError, "not a repository export"),
    "major_version_2": ("version: 2.0.0\ndata: []\n", IncompatibleVersionError,
                        r"version=2\.0\.0 \(1\.0\.x required\)"),
    "minor_version_1_1": ("version: 1.1.0\ndata: []\n", IncompatibleVersionError, "1.0.x required"),
    "version_not_a_number": ("version: latest\ndata: []\n", IncompatibleVersionError, "MAJOR.MINOR.PATCH"),
    "unknown_entry_type": ("version: 1.0.2\ndata:\n- type: spaceship\n", ExportFormatError,
                           "unknown type 'spaceship'"),
    "unknown_tag": ("version: 1.0.2\ndata:\n- type: dimension\n  element: instrument\n  records:\n"
                    "  - name: !python/object:os.system x\n", ExportFormatError, "python/object"),
    "dimension_without_element": ("version: 1.0.2\ndata:\n- type: dimension\n  records: []\n",
                                  ExportFormatError, "no 'element' key"),
    "record_without_its_key": ("version: 1.0.2\ndata:\n- type: dimension\n  element: instrument\n  records:\n"
                               "  - visit_max: 3\n", ExportFormatError, "invalid instrument record"),
    "bad_region_hex": ("version: 1.0.2\ndata:\n- type: dimension\n  element: tract\n  records:\n"
                       "  - {skymap: s, id: 1, region: !<lsst.sphgeom.ConvexPolygon> {encoded: zz}}\n",
                       ExportFormatError, "no valid 'encoded' hex"),
    "bad_uuid": ("version: 1.0.2\ndata:\n- type: associations\n  collection: t\n  collection_type: TAGGED\n"
                 "  dataset_ids: [!uuid 'not-a-uuid']\n", ExportFormatError, "is not a UUID"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_malformed_files_are_refused_with_typed_errors(empty, tmp_path, kit, case) -> None:
    butler, before = empty
    text, error, match = BAD_FILES[case]
    with pytest.raises(error, match=match):
        butler.import_(filename=_write(tmp_path, text))
    assert kit.snapshot(butler) == before


def test_record_of_an_unknown_element_is_refused_unless_skipped(empty, tmp_path, kit, lsst_text) -> None:
    butler, before = empty
    text = _appended(lsst_text, "- type: dimension\n  element: spaceship\n  records:\n  - name: enterprise\n")
    path = _write(tmp_path, text)
    with pytest.raises(InconsistentUniverseError, match="element 'spaceship'.*--skip-dimensions spaceship"):
        butler.import_(directory=kit.files, filename=path, transfer="copy")
    assert kit.snapshot(butler) == before
    butler.import_(directory=kit.files, filename=path, transfer="copy", skip_dimensions={"spaceship"})
    assert len(butler.registry.queryDimensionRecords("visit")) == 3


def test_record_with_a_field_the_universe_lacks_is_refused(empty, tmp_path, kit, lsst_text) -> None:
    butler, before = empty
    text = lsst_text.replace("    raft: R0\n", "    raft: R0\n    colour: blue\n", 1)
    with pytest.raises(InconsistentUniverseError, match=r"detector records have field\(s\) \['colour'\]"):
        butler.import_(directory=kit.files, filename=_write(tmp_path, text), transfer="copy")
    assert kit.snapshot(butler) == before


def test_dataset_type_with_an_unknown_dimension_is_refused(empty, tmp_path, kit, lsst_text) -> None:
    butler, before = empty
    text = lsst_text.replace("  - detector\n  storage_class", "  - detector\n  - warp_drive\n  storage_class")
    with pytest.raises(InconsistentUniverseError, match="warp_drive"):
        butler.import_(directory=kit.files, filename=_write(tmp_path, text), transfer="copy")
    assert kit.snapshot(butler) == before


def test_missing_file_late_in_the_import_rolls_everything_back(empty, tmp_path, kit, lsst_text) -> None:
    butler, before = empty
    file_name = "summary_Cam_g_Cam-g_1_D1_Cam_runs_r2.yaml"  # in the last RUN of the last dataset type
    text = lsst_text.replace(f"path: Cam/runs/r2/summary/20240101/g/Cam-g/1/{file_name}",
                             "path: Cam/runs/r2/no_such_file.yaml")
    assert text != lsst_text
    with pytest.raises(FileNotFoundError, match="no_such_file"):
        butler.import_(directory=kit.files, filename=_write(tmp_path, text), transfer="copy")
    assert kit.snapshot(butler) == before


def test_association_with_an_unknown_dataset_rolls_back_records_datasets_and_files(empty, tmp_path, kit,
                                                                                   lsst_text) -> None:
    butler, before = empty
    text = _appended(lsst_text, "- type: associations\n  collection: Cam/tagged/best\n"
                                "  collection_type: TAGGED\n"
                                "  dataset_ids:\n  - !uuid '00000000-0000-4000-8000-000000000000'\n")
    with pytest.raises(ExportFormatError, match="neither in the export nor in the repository"):
        butler.import_(directory=kit.files, filename=_write(tmp_path, text), transfer="copy")
    assert kit.snapshot(butler) == before  # the 42 files copied in were removed again
    assert butler.registry.queryDatasetTypes(...) == []


def test_dataset_type_conflicting_with_the_repository_is_refused(new_repo, tmp_path, kit, lsst_text) -> None:
    from butler import DatasetType

    butler = new_repo("target")
    butler.registry.registerDatasetType(DatasetType("bias", ("instrument",), "StructuredDataDict",
                                                    universe=butler.dimensions))
    before = kit.snapshot(butler)
    with pytest.raises(ConflictingDefinitionError, match="bias"):
        butler.import_(directory=kit.files, filename=kit.data / "lsst_v8.yaml", transfer="copy")
    assert kit.snapshot(butler) == before


def test_transfer_none_with_files_outside_the_datastore_is_refused(empty, kit) -> None:
    butler, before = empty
    with pytest.raises(RuntimeError, match="not within datastore"):
        butler.import_(directory=kit.files, filename=kit.data / "lsst_v8.yaml", transfer=None)
    assert kit.snapshot(butler) == before


def test_read_only_butler_cannot_import(lsst_v8_repo, kit) -> None:
    with Butler(lsst_v8_repo) as butler, pytest.raises(TypeError, match="read-only"):
        butler.import_(directory=kit.files, filename=kit.data / "lsst_v8.yaml")


def test_missing_export_file_names_both_places_looked_in(empty, tmp_path) -> None:
    butler, _ = empty
    with pytest.raises(FileNotFoundError, match="could not be found in .*nope.yaml or .*nope.yaml"):
        butler.import_(directory=tmp_path, filename="nope.yaml")


def test_unknown_import_format_is_refused(empty, kit) -> None:
    butler, _ = empty
    with pytest.raises(ValueError, match="Unknown export format 'json'"):
        butler.import_(directory=kit.files, filename=kit.data / "lsst_v8.yaml", format="json")
