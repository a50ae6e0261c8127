"""The init step of a run: configs, init-outputs and package versions, written once per RUN.

Before any quantum runs, the driver writes with its full butler (as LSST's
``pre-exec-init``):

* ``<label>_config`` — each task's config (storage class ``Config``);
* each task's ``InitOutput`` connections (schemas...), taken from a task
  built with its init-inputs;
* ``packages`` — versions of Python, key libraries and the tasks' packages.

When the run already holds them (``--extend-run``) they are compared
instead: a different config, or a package at a different version, is a
`ProvenanceMismatchError` (outputs of one run must come from one
configuration and one software stack).
"""

from __future__ import annotations

__all__ = ["InitOutputsWritten", "write_init_outputs"]

import dataclasses
from collections.abc import Iterator
from typing import Any

from butler import DatasetRef
from pipetasks.framework import automatic_connections as acc

from .butler_types import ensure_registered
from .errors import ProvenanceMismatchError
from .packages import Packages


@dataclasses.dataclass
class InitOutputsWritten:
    """The init-output datasets as registered (existing ones when the run is extended).

    Attributes
    ----------
    refs : `dict` [`str`, `~butler.DatasetRef`]
        By dataset type name.
    """

    refs: dict[str, DatasetRef] = dataclasses.field(default_factory=dict)

    def init_inputs_for(self, graph: Any) -> dict[str, dict[str, DatasetRef]]:
        """Per task label, its init-input refs as registered (by dataset type name)."""
        result: dict[str, dict[str, DatasetRef]] = {}
        for label, node in graph.pipeline_graph.tasks.items():
            refs = {}
            for edge in node.init_inputs.values():
                name = edge.parent_dataset_type_name
                ref = self.refs.get(name) or _graph_init_input(graph, label, name)
                if ref is not None:
                    refs[name] = ref
            result[label] = refs
        return result


def _graph_init_input(graph: Any, label: str, name: str) -> DatasetRef | None:
    for ref in (getattr(graph, "init_inputs", {}).get(label) or {}).values():
        if ref.datasetType.name == name:
            return ref
    return None


def _iter_init_output_refs(graph: Any) -> Iterator[DatasetRef]:
    for refs in (getattr(graph, "init_outputs", None) or {}).values():
        yield from refs.values()


def write_init_outputs(butler: Any, graph: Any, *, save_versions: bool = True) -> InitOutputsWritten:
    """Write (or check) every task's config and init-outputs and the packages dataset.

    Parameters
    ----------
    butler : `~butler.Butler`
        Writeable, on the repository of the graph.
    graph : `QuantumGraph`
        Its ``init_outputs`` give the refs (IDs and RUN) to write.
    save_versions : `bool`
        Write (or check) ``packages``.

    Returns
    -------
    written : `InitOutputsWritten`

    Raises
    ------
    ProvenanceMismatchError
        The run already has a config or packages that differ (checked
        before anything is written).
    """
    ensure_registered()
    pipeline_graph = graph.pipeline_graph
    by_name = {ref.datasetType.name: ref for ref in _iter_init_output_refs(graph)}
    existing = {name: butler.find_dataset(name, collections=[ref.run]) for name, ref in by_name.items()}
    current: dict[str, Any] = {}
    for label, node in pipeline_graph.tasks.items():
        config_name = acc.CONFIG_INIT_OUTPUT_TEMPLATE.format(label=label)
        if existing.get(config_name) is not None:
            _compare_configs(label, butler.get(existing[config_name]), node.config)
    packages_ref = by_name.get(acc.PACKAGES_INIT_OUTPUT_NAME)
    if save_versions and packages_ref is not None:
        modules = {node.task_class.__module__ for node in pipeline_graph.tasks.values()}
        current[packages_ref.datasetType.name] = Packages.from_environment(modules)
        if existing.get(packages_ref.datasetType.name) is not None:
            _compare_packages(butler.get(existing[packages_ref.datasetType.name]),
                              current[packages_ref.datasetType.name])
    # Everything that exists matches: write what is missing.
    written = InitOutputsWritten({name: ref for name, ref in existing.items() if ref is not None})
    for label, node in pipeline_graph.tasks.items():
        config_name = acc.CONFIG_INIT_OUTPUT_TEMPLATE.format(label=label)
        if config_name in by_name and config_name not in written.refs:
            written.refs[config_name] = butler.put(node.config, by_name[config_name])
        missing = {conn_name: by_name[edge.parent_dataset_type_name] for conn_name, edge in node.init_outputs.items()
                   if edge.parent_dataset_type_name in by_name
                   and edge.parent_dataset_type_name not in written.refs}
        if missing:
            task = _make_task_for_init_outputs(butler, node, written, graph)
            for conn_name, ref in missing.items():
                written.refs[ref.datasetType.name] = butler.put(getattr(task, conn_name), ref)
    for name, value in current.items():
        if name not in written.refs:
            written.refs[name] = butler.put(value, by_name[name])
    return written


def _compare_configs(label: str, stored: Any, current: Any) -> None:
    if stored.saveToString() != current.saveToString():
        differences = _config_differences(stored, current)
        raise ProvenanceMismatchError(
            f"Task {label!r} is configured differently from the run being extended ({differences}); use a new "
            "output run, or the same configuration.")


def _config_differences(stored: Any, current: Any) -> str:
    old = set(stored.saveToString(skipImports=True).splitlines())
    new = current.saveToString(skipImports=True).splitlines()
    changed = [line for line in new if line not in old and line.startswith("config.")]
    return "now " + "; ".join(changed[:3]) if changed else f"{type(current).__name__} differs"


def _compare_packages(stored: Packages, current: Packages) -> None:
    differences = current.difference(stored)
    if differences:
        listed = ", ".join(f"{name} {old} → {new}" for name, (new, old) in sorted(differences.items()))
        raise ProvenanceMismatchError(
            f"Package versions differ from the run being extended: {listed}; use a new output run, or skip "
            "the check with --no-versions.")


def _make_task_for_init_outputs(butler: Any, node: Any, written: InitOutputsWritten, graph: Any) -> Any:
    init_inputs = {}
    for conn_name, edge in node.init_inputs.items():
        name = edge.parent_dataset_type_name
        ref = written.refs.get(name) or _graph_init_input(graph, node.label, name)
        if ref is None:
            ref = butler.find_dataset(name)
        init_inputs[conn_name] = butler.get(ref)
    return node.task_class(config=node.config, initInputs=init_inputs, name=node.label)
