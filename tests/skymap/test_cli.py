"""``butler register-skymap``: -c overrides, -C override files, idempotence and clear refusals."""

from __future__ import annotations

from pathlib import Path

from butler import Butler
from pipetasks.skymap import DiscreteSkyMap

DEMO_OVERRIDES = [
    "-c", "name=demo", "-c", "skyMap=discrete",
    "-c", "skyMap['discrete'].raList=[150.0, 152.0]",
    "-c", "skyMap['discrete'].decList=[2.2, 2.2]",
    "-c", "skyMap['discrete'].radiusList=[0.4, 0.4]",
]


def test_register_skymap_with_overrides(invoke, repo_path, demo_skymap) -> None:
    result = invoke("register-skymap", repo_path, *DEMO_OVERRIDES)
    assert result.exit_code == 0, result.output
    sha1 = demo_skymap.getSha1().hex()
    expected = f"Registered sky map 'demo' (DiscreteSkyMap, hash {sha1}): 2 tracts, 32 patches."
    assert result.output.strip() == expected
    butler = Butler(repo_path)
    try:
        assert len(butler.query_dimension_records("patch", where="skymap='demo'", limit=None)) == 32
        assert butler.get("skyMap", skymap="demo", collections="skymaps") == demo_skymap
    finally:
        butler.close()


def test_register_skymap_from_an_override_file(invoke, repo_path, tmp_path: Path) -> None:
    config_file = tmp_path / "skymap_config.py"
    config_file.write_text(
        "config.name = 'field'\n"
        "config.skyMap = 'discrete'\n"
        "config.skyMap['discrete'].raList = [10.0]\n"
        "config.skyMap['discrete'].decList = [-30.0]\n"
        "config.skyMap['discrete'].radiusList = [0.2]\n"
    )
    # -c is applied after the file.
    result = invoke("register-skymap", repo_path, "-C", config_file, "-c", "skyMap['discrete'].patchBorder=0")
    assert result.exit_code == 0, result.output
    assert "Registered sky map 'field' (DiscreteSkyMap" in result.output
    assert "1 tract, 4 patches" in result.output
    butler = Butler(repo_path)
    try:
        skymap = butler.get("skyMap", skymap="field", collections="skymaps")
    finally:
        butler.close()
    assert isinstance(skymap, DiscreteSkyMap) and skymap.config.patchBorder == 0


def test_registering_again_is_reported_as_a_no_op(invoke, repo_path) -> None:
    assert invoke("register-skymap", repo_path, *DEMO_OVERRIDES).exit_code == 0
    result = invoke("register-skymap", repo_path, *DEMO_OVERRIDES)
    assert result.exit_code == 0, result.output
    assert "already has sky map 'demo'" in result.output and "nothing changed" in result.output


def test_a_different_definition_under_the_same_name_fails_clearly(invoke, repo_path) -> None:
    assert invoke("register-skymap", repo_path, *DEMO_OVERRIDES).exit_code == 0
    result = invoke("register-skymap", repo_path, *DEMO_OVERRIDES, "-c", "skyMap['discrete'].pixelScale=0.3")
    assert result.exit_code == 1
    assert "Error: Sky map 'demo' is already registered with a different definition" in result.output
    assert "Traceback" not in result.output


def test_bad_configs_fail_with_one_line(invoke, repo_path, tmp_path: Path) -> None:
    no_name = invoke("register-skymap", repo_path, "-c", "skyMap=discrete")
    assert no_name.exit_code == 1 and "needs a name" in no_name.output

    typo = invoke("register-skymap", repo_path, "-c", "nmae=demo")
    assert typo.exit_code == 2 and "did you mean 'name'" in typo.output

    unknown_type = invoke("register-skymap", repo_path, "-c", "name=x", "-c", "skyMap=healpix")
    assert unknown_type.exit_code == 2 and "healpix" in unknown_type.output

    bad_file = tmp_path / "bad.py"
    bad_file.write_text("config.skyMap['rings'].numRing = 3\n")
    broken = invoke("register-skymap", repo_path, "-C", bad_file)
    assert broken.exit_code == 2 and "bad.py" in broken.output and "numRing" in broken.output


def test_help_describes_the_options(invoke) -> None:
    result = invoke("register-skymap", "--help")
    assert result.exit_code == 0
    for text in ("--config-file", "--config", "REPO", "skyMap['discrete'].raList"):
        assert text in result.output
