"""Make ``ours_v8.yaml``: the export our code writes of the repository LSST's ``lsst_v8.yaml`` describes.

Regenerate (from the project root, with our venv) after a deliberate change
of what `Butler.export` writes::

    .venv/bin/python tests/exchange/data/make_our_export.py

It imports ``lsst_v8.yaml`` (files from ``files/``) into a temporary
repository and exports everything back with ``transfer=None``: the paths
written are those inside the datastore, which are the same as LSST's, so
``ours_v8.yaml`` names the files of ``files/`` too.  The test
``test_our_export_fixture_is_what_export_writes`` checks that the export
still writes exactly this text.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from answers import export_everything  # noqa: E402


def write_our_export(target: Path) -> None:
    """Import LSST's v8 export into a fresh repository and export it all to ``target``."""
    from butler import Butler

    with tempfile.TemporaryDirectory() as tmp:
        Butler.makeRepo(tmp)
        with Butler(tmp, writeable=True) as butler:
            butler.import_(directory=HERE / "files", filename=HERE / "lsst_v8.yaml", transfer="copy")
            export_everything(butler, target.parent, target.name, transfer=None)


if __name__ == "__main__":
    write_our_export(HERE / "ours_v8.yaml")
