"""``butler ingest-raws``: LSST's options, the summary it prints and its exit status."""

from __future__ import annotations

import os

from butler import Butler

RUN = "MegaPrime/raw/all"


def _raw_data_ids(repo: str, run: str = RUN) -> set[tuple[int, int]]:
    with Butler(repo) as butler:
        return {(r.dataId["exposure"], r.dataId["detector"]) for r in
                butler.registry.queryDatasets("raw", collections=run)}


def test_ingest_raws_reports_what_it_ingested(invoke, megaprime_repo, raws, tmp_path):
    raws.write(tmp_path / "raws" / "2400001o.fits.fz", exposure=2400001, detectors=(0, 1))
    raws.write(tmp_path / "raws" / "night2" / "2400002o.fits.fz", exposure=2400002, detectors=(3,))
    result = invoke("ingest-raws", megaprime_repo, tmp_path / "raws")
    assert result.exit_code == 0, result.output
    assert "Ingested 3 raw dataset(s) (transfer: auto)." in result.output
    assert _raw_data_ids(megaprime_repo) == {(2400001, 0), (2400001, 1), (2400002, 3)}


def test_failed_files_are_listed_with_their_reason_and_the_exit_status_is_1(invoke, megaprime_repo, raws,
                                                                             tmp_path):
    good = raws.write(tmp_path / "raws" / "2400001o.fits.fz", exposure=2400001, detectors=(0,))
    bad = raws.write(tmp_path / "raws" / "bad.fits.fz", exposure=2400002,
                     rename_cards={"OBSTYPE": "OBSTYP", "EXPTIME": "XPTIME"})
    text = tmp_path / "raws" / "notes.fits"
    text.write_text("text\n" * 700)
    result = invoke("ingest-raws", megaprime_repo, good, bad, text)
    assert result.exit_code == 1
    assert "Ingested 1 raw dataset(s)" in result.output
    assert "Failed to ingest 2 file(s):" in result.output
    assert f"  {bad}: HDU ccd00: MegaPrime header lacks required keyword(s) OBSTYPE, EXPTIME" in result.output
    assert f"  {text}: not a FITS file" in result.output
    assert _raw_data_ids(megaprime_repo) == {(2400001, 0)}


def test_running_again_reports_the_files_already_ingested(invoke, megaprime_repo, raws, tmp_path):
    path = raws.write(tmp_path / "2400001o.fits.fz", exposure=2400001, detectors=(0, 1))
    assert invoke("ingest-raws", megaprime_repo, path).exit_code == 0
    result = invoke("ingest-raws", megaprime_repo, path)
    assert result.exit_code == 0, result.output
    assert "Ingested 0 raw dataset(s)" in result.output
    assert "Skipped 1 file(s) already ingested." in result.output


def test_lsst_options_run_transfer_processes_regex_and_file_attrs(invoke, megaprime_repo, raws, tmp_path):
    raws.write(tmp_path / "raws" / "2400001o.fits.fz", exposure=2400001, detectors=(0,))
    raws.write(tmp_path / "raws" / "2400002o.fits", exposure=2400002, detectors=(1,), compress=False)
    result = invoke("ingest-raws", megaprime_repo, tmp_path / "raws", "--regex", r"\.fz$",
                    "--output-run", "my/raws", "-t", "symlink", "-j", "2", "--no-track-file-attrs")
    assert result.exit_code == 0, result.output
    assert "Ingested 1 raw dataset(s) (transfer: symlink)." in result.output
    assert _raw_data_ids(megaprime_repo, "my/raws") == {(2400001, 0)}
    with Butler(megaprime_repo) as butler:
        (ref,) = butler.registry.queryDatasets("raw", collections="my/raws")
        assert os.path.islink(butler.getURI(ref).ospath)


def test_fail_fast_stops_with_a_one_line_error(invoke, megaprime_repo, raws, tmp_path):
    bad = raws.write(tmp_path / "raws" / "a-bad.fits.fz", exposure=2400002, physical_filter="q.MP9999")
    good = raws.write(tmp_path / "raws" / "b-2400001o.fits.fz", exposure=2400001, detectors=(0,))
    result = invoke("ingest-raws", megaprime_repo, bad, good, "--fail-fast")
    assert result.exit_code == 1
    expected = f"Error: cannot ingest {bad}: HDU ccd00: unknown MegaPrime physical filter 'q.MP9999'"
    assert expected in result.output
    assert "Traceback" not in result.output
    assert _raw_data_ids(megaprime_repo) == set()


def test_help_shows_lsst_signature(invoke):
    result = invoke("ingest-raws", "--help")
    assert result.exit_code == 0
    for option in ("REPO LOCATIONS...", "--regex", "--output-run", "-t, --transfer", "-j, --processes",
                   "--fail-fast", "--track-file-attrs / --no-track-file-attrs"):
        assert option in result.output
