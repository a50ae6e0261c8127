"""The one-command demo builds a complete repository (a small plan, to keep the suite fast)."""

from __future__ import annotations

import pytest
from rich.console import Console

from butler import Butler
from pipetasks.demo import DemoPlan, main, run_demo


@pytest.mark.slow
def test_small_demo_builds_a_complete_repository(tmp_path) -> None:
    repo = tmp_path / "demo"
    plan = DemoPlan(detectors=[22], science_exposures=1, processes=1)
    counts = run_demo(repo, plan, console=Console(file=open(tmp_path / "log.txt", "w")))
    assert counts == {"raws": 3, "visits": 1, "curated": 37, "masters": 3, "quanta": 3, "repo": str(repo)}
    butler = Butler(repo, collections="MegaPrime/defaults", instrument="MegaPrime")
    exposures = {r.id: r for r in butler.query_dimension_records("exposure")}
    assert {r.observation_type for r in exposures.values()} == {"science", "bias", "flat"}
    assert exposures[2600001].physical_filter == "r.MP9601" and exposures[2600001].has_simulated
    (visit,) = butler.query_dimension_records("visit")
    assert visit.id == 2600001 and visit.region.contains_lonlat(150.1, 2.2)
    raw = butler.get("raw", exposure=2600001, detector=22)
    assert raw.getDimensions().getX() == 2112
    assert butler.get("flat", exposure=2600001, detector=22).getDimensions().getX() == 2048
    assert len(butler.get("defects", exposure=2600001, detector=22)) > 0
    summary = butler.get("rawSummary", exposure=2600001, detector=22, collections="u/demo/quicklook")
    assert summary["amplifiers"]["A"]["signal_electrons"] > 500
    patches = butler.query_data_ids(["visit", "patch"], skymap="demo")
    assert len(patches) > 0


@pytest.mark.slow
def test_relative_repository_path(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    counts = run_demo("rel", DemoPlan(detectors=[22], science_exposures=1, processes=1),
                      console=Console(file=open(tmp_path / "log.txt", "w")))
    assert counts["masters"] == 3 and counts["repo"] == str(tmp_path / "rel")


def test_refuses_to_overwrite_what_it_did_not_make(tmp_path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "precious.txt").write_text("keep me")
    with pytest.raises(SystemExit, match="is not a demo repository made by this command"):
        main([str(tmp_path / "mine")])
    assert (tmp_path / "mine" / "precious.txt").read_text() == "keep me"
