"""docs/cli.md is a real session: replay every ``$ butler ...`` line and compare the output.

Run with ``UPDATE_CLI_DOC=1`` to rewrite the outputs in the document after a
deliberate change of behaviour (then read the diff before committing).

The session runs in a fresh directory holding ``lsst-export/``: the files of
``tests/exchange/data/files`` and the LSST export ``lsst_v8.yaml`` as
``export.yaml``. Paths of that directory are written ``/home/me/work`` in the
document. A command whose expected output contains ``[y/N]: y`` gets ``y`` on
stdin.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

from click.testing import CliRunner

from butler.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "cli.md"
DATA = ROOT / "tests" / "exchange" / "data"
SHOWN_WORKDIR = "/home/me/work"
_BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def _steps(text: str) -> list[tuple[str, list[str]]]:
    steps: list[tuple[str, list[str]]] = []
    for block in _BLOCK.findall(text):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
    return steps


def _run(command: str, expected: list[str], workdir: Path) -> list[str]:
    args = shlex.split(command)
    assert args[0] == "butler", f"docs/cli.md runs only butler commands, not {command!r}"
    answer = "y\n" if any("[y/N]: y" in line for line in expected) else None
    result = CliRunner().invoke(cli, args[1:], input=answer)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{command} crashed") from result.exception
    text = result.output.replace(str(workdir), SHOWN_WORKDIR)
    return text.rstrip("\n").split("\n") if text.strip() else []


def test_the_documented_session_gives_the_documented_output(tmp_path, monkeypatch):
    workdir = tmp_path / "work"
    shutil.copytree(DATA / "files", workdir / "lsst-export")
    shutil.copy(DATA / "lsst_v8.yaml", workdir / "lsst-export" / "export.yaml")
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("COLUMNS", "80")
    text = DOC.read_text()
    steps = _steps(text)
    assert len(steps) > 20
    actual = [(command, _run(command, expected, workdir)) for command, expected in steps]
    if os.environ.get("UPDATE_CLI_DOC"):
        outputs = iter(actual)

        def fill(match: re.Match) -> str:
            lines = []
            for line in match.group(1).splitlines():
                if line.startswith("$ "):
                    command, output = next(outputs)
                    lines += [f"$ {command}", *output]
            return "```console\n" + "\n".join(lines) + "\n```"

        DOC.write_text(_BLOCK.sub(fill, text))
        return
    for (command, expected), (_, got) in zip(steps, actual):
        assert got == expected, f"$ {command}\n--- documented ---\n" + "\n".join(expected) + \
            "\n--- actual ---\n" + "\n".join(got)
