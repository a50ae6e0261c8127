"""Fixtures for the sky map tests: small sky maps, fresh repositories and the ``butler`` runner.

``demo_skymap`` is a discrete sky map of two tracts (RA 150 and 152, Dec 2.2,
radius 0.4°; 0.2 arcsec pixels, 4000-pixel patches: 4x4 patches each).
``butler_repo`` is a writeable butler on a fresh SQLite repository.
``invoke(*args)`` runs ``butler ARGS`` in-process (the pattern of
tests/cli/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from butler import Butler
from butler.cli.main import cli
from cli_runner import make_invoker, restoring_logging
from pipetasks.skymap import DiscreteSkyMap, DiscreteSkyMapConfig, RingsSkyMap, RingsSkyMapConfig

DEMO_RA = [150.0, 152.0]
DEMO_DEC = [2.2, 2.2]
DEMO_RADIUS = [0.4, 0.4]


def make_demo_config() -> DiscreteSkyMapConfig:
    return DiscreteSkyMapConfig(raList=DEMO_RA, decList=DEMO_DEC, radiusList=DEMO_RADIUS)


@pytest.fixture(scope="session")
def demo_skymap() -> DiscreteSkyMap:
    return DiscreteSkyMap(make_demo_config())


@pytest.fixture(scope="session")
def small_rings() -> RingsSkyMap:
    """A whole-sky rings map with few tracts and patches: 8 rings, 4 arcsec pixels, 2000-pixel patches."""
    return RingsSkyMap(RingsSkyMapConfig(numRings=8, pixelScale=4.0, patchInnerDimensions=[2000, 2000],
                                         patchBorder=50, raStart=10.0))


@pytest.fixture
def demo_config_factory() -> Callable[[], DiscreteSkyMapConfig]:
    return make_demo_config


@pytest.fixture
def butler_repo(tmp_path: Path) -> Iterator[Butler]:
    root = tmp_path / "repo"
    Butler.makeRepo(root)
    butler = Butler(root, writeable=True)
    yield butler
    butler.close()


@pytest.fixture
def repo_path(tmp_path: Path) -> str:
    root = tmp_path / "cli-repo"
    Butler.makeRepo(root)
    return str(root)


@pytest.fixture
def invoke() -> Callable[..., Result]:
    """Run ``butler ARGS`` through click's runner; unexpected exceptions fail the test loudly."""
    from pipetasks.skymap.cli import commands

    for command in commands():  # as the butler.cli entry point would, even before it is installed
        if command.name not in cli.commands:
            cli.add_command(command)
    return make_invoker()


@pytest.fixture(autouse=True)
def restore_logging():
    """The CLI configures logging process-wide; undo it between tests."""
    yield from restoring_logging()
