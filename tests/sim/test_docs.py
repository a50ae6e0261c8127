"""docs/simulator.md's examples run, so what it shows stays true."""

from __future__ import annotations

import doctest
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_simulator_page_examples_run_as_shown():
    result = doctest.testfile(str(DOCS / "simulator.md"), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} example(s) in docs/simulator.md no longer match; see the output above"
