"""Fixtures for the execution tests: a real SQLite repository with raws, and the toy pipeline."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Pipelines name task classes by dotted name: make ``execution_test_tasks`` importable.
_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from execution_repo import make_raw_repository  # noqa: E402


@pytest.fixture
def repo(tmp_path: Path):
    """A writeable butler on a fresh repository: instrument Cam, visits 1-2, detectors 0-3, raws in ``raw/all``."""
    butler = make_raw_repository(tmp_path / "repo")
    yield butler
    butler.close()
