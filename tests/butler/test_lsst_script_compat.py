"""A script written for LSST runs unchanged on skybutler except for its import line.

``data/lsst_style_script.py`` uses only ``lsst.daf.butler``'s public API,
imported by one line at the top.  It was run unmodified with
lsst-daf-butler 30.2026.4300 (``/work/lsst-venv``); ``LSST_OUTPUT`` below is
what it printed.  The test rewrites that line to ``from butler import ...``,
runs the script in a subprocess with this interpreter, and expects the same
output, line for line -- including the deterministic (DATAID_TYPE_RUN)
dataset ID, which is LSST's UUID5 of the same type, data ID and run.

To re-check against LSST::

    /work/lsst-venv/bin/python tests/butler/data/lsst_style_script.py /tmp/somewhere/repo
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("data") / "lsst_style_script.py"
IMPORT_LINE = re.compile(r"^from lsst\.daf\.butler import (.+)$", re.MULTILINE)

LSST_OUTPUT = """\
== create
instrument MyCam: 4 exposures, 3 detectors, 2 filters
registered raw: True
registered calexpSummary: True
registered sourceTable_visit: True
registered bias: True
registered again: False
== ingest
ingested 12 raws into MyCam/raw/all; first id dfaaef7a-d10e-5874-b23f-0ae8bb10ad97
raws in the registry: 12
ingest again: ConflictingDefinitionError
after re-ingest: 12
== process
processed 12 summaries
== organize
register chain: True
chain u/someone/processing (CHAINED): ['u/someone/processing/run1', 'MyCam/raw/all']
collections: ['MyCam/raw/all'] + ['u/someone/processing', 'u/someone/processing/run1']
== calibrations
bias for exposure 1: level 100
bias for exposure 2: level 100
bias for exposure 3: level 105
bias for exposure 4: level 105
bias at the start of the night: 100
== analyse
r-band summaries: [(1, 0), (1, 2), (2, 0), (2, 2)]
late, detector 1: ['MC_O_20250301_000003', 'MC_O_20250301_000004']
summary visit 2 detector 1: {'mean': 21.0, 'seq': 2, 'obs_id': 'MC_O_20250301_000002'}
summary by detector name: mean 32.0
raw by day_obs and seq_num: [40, 40, 40, 40]
fluxes: [40.0, 41.0, 42.0] nJy; columns ['flux']
rows: 3
find missing: None
find existing: run u/someone/processing/run1, exists True
calexpSummary is not in the raw run
no calexp dataset type
i-band data IDs: [(3, 'MyCam-i'), (4, 'MyCam-i')]
== rerun
chain now: ['u/someone/processing/run2', 'u/someone/processing/run1', 'MyCam/raw/all']
shadowed: -1.0
put twice: ConflictingDefinitionError
after removeRuns: ['u/someone/processing', 'u/someone/processing/run1']
back to: 10.0
done
"""


def _rewritten_script() -> str:
    text = SCRIPT.read_text()
    assert len(IMPORT_LINE.findall(text)) == 1, "the script must import lsst.daf.butler on exactly one line"
    rewritten = IMPORT_LINE.sub(r"from butler import \1", text)
    assert "lsst" not in re.sub(r"(#.*|\"\"\"[\s\S]*?\"\"\")", "", rewritten).replace("lsst_style", "")
    return rewritten


def test_the_script_imports_the_butler_package_on_one_line_only():
    text = SCRIPT.read_text()
    imports = [line for line in text.splitlines() if re.match(r"\s*(from|import)\s+lsst", line)]
    assert imports == [IMPORT_LINE.search(text).group(0)]


def test_an_lsst_script_with_only_its_import_changed_prints_what_lsst_printed(tmp_path: Path):
    script = tmp_path / "script.py"
    script.write_text(_rewritten_script())
    result = subprocess.run([sys.executable, str(script), str(tmp_path / "repo")], capture_output=True,
                            text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == LSST_OUTPUT.splitlines()
