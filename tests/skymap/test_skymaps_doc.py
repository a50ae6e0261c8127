"""docs/skymaps.md and the package's docstring examples run as shown."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "skymaps.md"


def test_skymaps_page_examples_run_as_shown() -> None:
    result = doctest.testfile(str(DOC), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} example(s) in docs/skymaps.md no longer match"


@pytest.mark.parametrize("module", ["rings_skymap", "discrete_skymap", "index2d", "skymap_registry"])
def test_docstring_examples_run_as_shown(module: str) -> None:
    result = doctest.testmod(importlib.import_module(f"pipetasks.skymap.{module}"))
    assert result.attempted > 0 and result.failed == 0
