"""A small real repository and the toy pipelines of the execution tests."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from butler import Butler, DatasetType
from pipetasks.pipeline import Pipeline

RAW_RUN = "raw/all"
DETECTORS = (0, 1, 2, 3)
VISITS = (1, 2)

TOY_PIPELINE = """
description: The toy three-task pipeline (scale, offset, sum over detectors).
tasks:
  scale: execution_test_tasks.ScaleTask
  offset: execution_test_tasks.OffsetTask
  sum: execution_test_tasks.SumTask
"""

SCALE_ONLY = """
description: One task.
tasks:
  scale: execution_test_tasks.ScaleTask
"""

SCHEMA_PIPELINE = """
description: A task with an init-output read by another task's init-input.
tasks:
  schemaWriter: execution_test_tasks.SchemaTask
  schemaReader: execution_test_tasks.SchemaReaderTask
"""


def raw_value(visit: int, detector: int) -> float:
    return float(10 * visit + detector)


def make_raw_repository(root: Path) -> Butler:
    """Instrument ``Cam``, visits 1-2, detectors 0-3 and a ``raw`` dict per (visit, detector) in ``raw/all``."""
    Butler.makeRepo(str(root))
    butler = Butler(str(root), writeable=True, run=RAW_RUN)
    registry = butler.registry
    with registry.transaction():
        registry.insertDimensionData("instrument", {"name": "Cam", "detector_max": 8, "visit_max": 10,
                                                    "exposure_max": 10})
        registry.insertDimensionData("physical_filter", {"instrument": "Cam", "name": "Cam-r", "band": "r"})
        registry.insertDimensionData("day_obs", {"instrument": "Cam", "id": 20240101})
        registry.insertDimensionData("detector", *[{"instrument": "Cam", "id": i, "full_name": f"D{i}"}
                                                   for i in DETECTORS])
        registry.insertDimensionData("visit", *[{"instrument": "Cam", "id": v, "name": f"v{v}",
                                                 "day_obs": 20240101, "physical_filter": "Cam-r"}
                                                for v in VISITS])
        registry.registerDatasetType(DatasetType("raw", ("instrument", "visit", "detector"), "StructuredDataDict",
                                                 universe=butler.dimensions))
    for visit in VISITS:
        for detector in DETECTORS:
            butler.put({"value": raw_value(visit, detector)}, "raw", instrument="Cam", visit=visit,
                       detector=detector)
    return butler


def make_pipeline_graph(butler: Butler, text: str = TOY_PIPELINE,
                        overrides: Mapping[str, Mapping[str, Any]] | None = None):
    """The resolved pipeline graph of ``text`` with ``{label: {field: value}}`` config overrides."""
    pipeline = Pipeline.from_string(text)
    for label, fields in (overrides or {}).items():
        for key, value in fields.items():
            pipeline.addConfigOverride(label, key, value)
    return pipeline.to_graph(butler)


def make_graph(butler: Butler, *, text: str = TOY_PIPELINE, overrides: Mapping[str, Mapping[str, Any]] | None = None,
               where: str = "", inputs: tuple[str, ...] = (RAW_RUN,), output: str | None = "out",
               output_run: str | None = "out/run1", extend_run: bool = False, skip_existing_in: tuple[str, ...] = (),
               clobber: bool = False):
    """The quantum graph of a toy pipeline, built by the real builder as ``pipetask qgraph`` does."""
    from pipetasks.execution import resolve_output_collections
    from pipetasks.execution.building import build_quantum_graph

    collections = resolve_output_collections(butler, inputs=inputs if not extend_run else (), output=output,
                                             output_run=output_run, extend_run=extend_run)
    skip = list(skip_existing_in) + ([collections.output_run] if extend_run else [])
    return build_quantum_graph(butler, make_pipeline_graph(butler, text, overrides), collections, where=where,
                               skip_existing_in=skip, clobber_outputs=clobber)
RUN_NAME = "out/run1"
