"""The examples of docs/pipelines.md run as shown."""

import doctest
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_pipelines_documentation_examples_run_as_shown():
    result = doctest.testfile(str(DOCS / "pipelines.md"), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} example(s) in docs/pipelines.md no longer match; see above"
