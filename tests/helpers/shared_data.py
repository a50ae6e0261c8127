"""Where the real reference files of ``../shared/data`` are (see its README), for tests that read them.

Importable from any test module (``tests/helpers`` is put on ``sys.path``
by ``tests/conftest.py``): ``from shared_data import shared_path``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def shared_path(relative: str) -> Path:
    """A file or folder of ``../shared/data``; the calling test is skipped where it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/data holds the real reference files)")
    return path
