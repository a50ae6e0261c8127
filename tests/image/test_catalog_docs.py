"""The catalog file-format page's example runs as shown."""

from __future__ import annotations

import doctest
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_catalog_formats_page_example_runs_as_shown() -> None:
    result = doctest.testfile(
        str(DOCS / "file_formats_catalogs.md"), module_relative=False, optionflags=doctest.ELLIPSIS
    )
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} example(s) in docs/file_formats_catalogs.md no longer match"
