"""Registering the SkyMap storage class first in a fresh process must not deadlock.

Adding it loads the ``butler.storage_classes`` entry points, whose import of
``pipetasks.execution`` registers that package's storage classes in turn,
inside the first registration.
"""

from __future__ import annotations

import subprocess
import sys


def test_sky_map_storage_class_registers_first_in_a_fresh_process():
    code = ("from pipetasks.skymap.butler_skymap import ensure_registered; ensure_registered(); "
            "from butler.storage_class import get_storage_class_factory; "
            "f = get_storage_class_factory(); print('SkyMap' in f, 'Config' in f)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
