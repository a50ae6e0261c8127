"""Fixtures for the pipeline tests: importable LSST-style test tasks and a small real repository."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Pipeline documents name task classes by dotted name; make the test tasks importable as
# ``pipeline_test_tasks.<Class>`` (and the repository helper as ``pipeline_test_repo``).
_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from pipeline_test_repo import make_repository  # noqa: E402


@pytest.fixture
def repo(tmp_path: Path):
    """A writeable butler (default run ``inputs``) on a fresh repository, closed afterwards."""
    butler = make_repository(tmp_path / "repo")
    yield butler
    butler.close()
