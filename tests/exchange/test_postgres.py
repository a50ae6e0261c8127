"""Import and its all-or-nothing guarantee on a PostgreSQL registry (where dataset types create tables)."""

from __future__ import annotations

import pytest

from butler import Butler
from butler.exchange import ExportFormatError

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_butler(postgres_url, tmp_path):
    root = tmp_path / "pg-repo"
    Butler.makeRepo(root, config={"registry": {"db": postgres_url}})
    with Butler(root, writeable=True) as butler:
        yield butler


def test_lsst_export_imports_into_postgres_and_answers_as_lsst(pg_butler, kit, expected) -> None:
    pg_butler.import_(directory=kit.files, filename=kit.data / "lsst_v6.yaml", transfer="copy")
    got = kit.answers(pg_butler)
    for key in ("visits_at_point", "visit_patch", "visit_detector_patch", "datasets", "calib_lookup",
                "certifications", "collections", "contents"):
        assert got[key] == expected["v6"][key], key


def test_failed_import_into_postgres_leaves_nothing_behind(pg_butler, kit, tmp_path) -> None:
    before = kit.snapshot(pg_butler)
    text = (kit.data / "lsst_v8.yaml").read_text().rstrip("\n") + (
        "\n- type: associations\n  collection: Cam/tagged/best\n  collection_type: TAGGED\n"
        "  dataset_ids:\n  - !uuid '00000000-0000-4000-8000-000000000000'\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(ExportFormatError, match="neither in the export nor in the repository"):
        pg_butler.import_(directory=kit.files, filename=bad, transfer="copy")
    assert kit.snapshot(pg_butler) == before
    pg_butler.import_(directory=kit.files, filename=kit.data / "lsst_v8.yaml", transfer="copy")
    assert len(pg_butler.registry.queryDatasetTypes(...)) == 4
