"""Fixtures of the export/import tests: LSST's recorded exports and answers, fresh repositories, the CLI.

``data/`` holds exports written by LSST's own Butler for dimension universe
versions 5-8 (``lsst_v<V>.yaml``, files in ``data/files``) and LSST's answers
to the questions of ``data/answers.py`` on those repositories
(``data/expected.json``); ``data/make_lsst_exports.py`` regenerates them with
the LSST venv.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import astropy.time
import pytest
from cli_runner import make_invoker
from click.testing import Result

from butler import Butler, Timespan

DATA = Path(__file__).resolve().parent / "data"
FILES = DATA / "files"
LSST_PYTHON = Path("/work/lsst-venv/bin/python")


def _load_answers_module() -> Any:
    spec = importlib.util.spec_from_file_location("exchange_answers", DATA / "answers.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


answers_module = _load_answers_module()


def our_answers(butler: Butler) -> dict[str, Any]:
    """Our butler's answers to the recorded questions, JSON-normalized as LSST's were."""
    return json.loads(json.dumps(answers_module.answers(butler, Timespan, astropy.time.Time)))


@pytest.fixture(scope="session")
def expected() -> dict[str, Any]:
    """LSST's answers on its own repository of each universe version (``{"v8": {...}, ...}``)."""
    with open(DATA / "expected.json") as stream:
        return json.load(stream)


@pytest.fixture
def new_repo(tmp_path: Path) -> Callable[[str], Butler]:
    """Make an empty repository under tmp_path and return a writeable butler on it."""
    opened: list[Butler] = []

    def make(name: str = "repo") -> Butler:
        root = tmp_path / name
        Butler.makeRepo(root)
        butler = Butler(root, writeable=True)
        opened.append(butler)
        return butler

    yield make
    for butler in opened:
        butler.close()


@pytest.fixture(scope="session")
def _imported_v8_template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("exchange-v8") / "repo"
    Butler.makeRepo(root)
    with Butler(root, writeable=True) as butler:
        butler.import_(directory=FILES, filename=DATA / "lsst_v8.yaml", transfer="copy")
    return root


@pytest.fixture
def lsst_v8_repo(_imported_v8_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of a repository holding LSST's v8 export (imported by us); its root."""
    target = tmp_path / "lsst-v8"
    shutil.copytree(_imported_v8_template, target)
    return target


def snapshot(butler: Butler) -> dict[str, Any]:
    """Everything an import could change: records, collections, dataset types, datasets, files on disk."""
    registry = butler.registry
    registry.refresh()
    state: dict[str, Any] = {
        "records": {e.name: sorted(repr(r) for r in registry.queryDimensionRecords(e))
                    for e in butler.dimensions.getStaticElements() if e.has_own_table},
        "collections": sorted((c, registry.getCollectionType(c).name)
                              for c in registry.queryCollections(...)),
        "dataset_types": sorted(t.name for t in registry.queryDatasetTypes(...)),
    }
    root = butler.datastore.root.path
    state["files"] = sorted(os.path.relpath(os.path.join(d, f), root)
                            for d, _, names in os.walk(root) for f in names
                            if not f.startswith("gen3.sqlite3") and f != "butler.yaml")
    datasets = []
    for dataset_type in registry.queryDatasetTypes(...):
        datasets.extend(str(r.id) for r in registry.queryDatasets(dataset_type, collections=...))
    state["datasets"] = sorted(set(datasets))
    return state


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """Paths and helpers for the tests (test modules cannot import this conftest).

    ``data``/``files`` (paths), ``answers(butler)``, ``snapshot(butler)``,
    ``questions`` (the ``data/answers.py`` module), ``lsst_python`` (path or `None`).
    """
    return SimpleNamespace(data=DATA, files=FILES, answers=our_answers, snapshot=snapshot,
                           questions=answers_module,
                           lsst_python=LSST_PYTHON if LSST_PYTHON.exists() else None)


@pytest.fixture
def invoke() -> Callable[..., Result]:
    """Run ``butler ARGS`` in-process; unexpected exceptions fail the test with the output."""
    return make_invoker()
