"""Fixtures for the quantum graph tests: the repository of ``graph_test_repo``, copied fresh for each test."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from butler import Butler

# Tasks are named by dotted name in graphs and graph files: make ``graph_test_tasks`` (and the
# repository helper ``graph_test_repo``) importable.
_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from graph_test_repo import make_graph_repository  # noqa: E402


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One repository built per test module; tests copy it (see ``repo``)."""
    root = tmp_path_factory.mktemp("graph_repo") / "repo"
    make_graph_repository(root).close()
    return root


@pytest.fixture
def repo(template_repo: Path, tmp_path: Path) -> Iterator[Butler]:
    """A writeable butler on a fresh copy of the test repository."""
    root = tmp_path / "repo"
    shutil.copytree(template_repo, root)
    butler = Butler(str(root), writeable=True)
    yield butler
    butler.close()
