"""Fixtures for the pipetask command tests: a real repository with raws and a toy pipeline file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The toy tasks and repository helpers of the execution tests.
_EXECUTION = str(Path(__file__).parents[1] / "execution")
if _EXECUTION not in sys.path:
    sys.path.insert(0, _EXECUTION)

from execution_repo import TOY_PIPELINE, make_raw_repository  # noqa: E402


@pytest.fixture
def repo_root(tmp_path: Path) -> str:
    """Path of a repository: instrument Cam, visits 1-2, detectors 0-3, raws in ``raw/all``."""
    make_raw_repository(tmp_path / "repo").close()
    return str(tmp_path / "repo")


@pytest.fixture
def toy_pipeline(tmp_path: Path) -> str:
    """Path of the scale → offset → sum pipeline file."""
    path = tmp_path / "toy.yaml"
    path.write_text(TOY_PIPELINE)
    return str(path)
