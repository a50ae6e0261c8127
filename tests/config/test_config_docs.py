"""The examples in docs/config.md and in the config and task docstrings run as shown."""

import doctest
import importlib
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_config_guide_examples_run_as_shown():
    result = doctest.testfile(str(DOCS / "config.md"), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10
    assert result.failed == 0, f"{result.failed} example(s) in docs/config.md no longer match; see above"


@pytest.mark.parametrize(
    "module",
    [
        "pipetasks.config.config",
        "pipetasks.config.field",
        "pipetasks.config.range_field",
        "pipetasks.config.choice_field",
        "pipetasks.framework.struct",
        "pipetasks.framework.task_metadata",
    ],
)
def test_docstring_examples_run_as_shown(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} docstring example(s) in {module} fail; see the output above"
