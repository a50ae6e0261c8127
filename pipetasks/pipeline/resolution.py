"""Deciding one graph-wide definition per dataset type, and refusing inconsistent ones.

For each dataset type of a pipeline graph, the definition is the
repository's (when registered), else the producing task's, else the one the
consumers agree on.  Every edge must then fit it:

* a producer's dimensions must equal it and its storage class must be
  convertible into it;
* a consumer's dimensions must equal it (``skypix`` matching any
  pixelization) and it must be able to read it as its own storage class
  (or, for a component, the parent must have that component);
* consumers of a type neither registered nor produced must agree exactly;
* a prerequisite input may not be produced by the pipeline, nor be a
  regular input of another task.

Errors name the dataset type, the tasks (or "the data repository") and
both definitions.
"""

from __future__ import annotations

__all__ = ["resolve_dataset_type"]

from collections.abc import Callable, Sequence

from butler import DatasetType, DimensionUniverse
from butler.errors import MissingDatasetTypeError

from .errors import ConnectionTypeConsistencyError, DuplicateOutputError, IncompatibleDatasetTypeError
from .graph_nodes import DatasetTypeNode, Edge, EdgeKind


def _describe_difference(wanted: DatasetType, current: DatasetType) -> str:
    if wanted.dimensions != current.dimensions:
        return f"dimensions {wanted.dimensions} differ from {current.dimensions}"
    return f"storage class {wanted.storageClass_name} cannot be converted from {current.storageClass_name}"


def _can_convert(reader: str, stored: str) -> bool:
    """Whether an object stored as ``stored`` can be read as ``reader`` (unknown storage classes: only if equal)."""
    if reader == stored:
        return True
    from butler.storage_class import StorageClassNotFoundError, get_storage_class_factory

    factory = get_storage_class_factory()
    try:
        return factory.getStorageClass(reader).can_convert(factory.getStorageClass(stored))
    except StorageClassNotFoundError:
        return False


def _edge_type(edge: Edge, universe: DimensionUniverse) -> DatasetType:
    try:
        dimensions = universe.conform(edge.raw_dimensions)
    except KeyError as err:
        raise IncompatibleDatasetTypeError(
            f"Connection {edge} of task {edge.task_label!r} uses an unknown dimension: {err}; "
            f"dimensions of this repository are {sorted(d.name for d in universe.getStaticDimensions())}."
        ) from None
    return DatasetType(edge.parent_dataset_type_name, dimensions, edge.storage_class_name,
                       isCalibration=edge.is_calibration)


def _skypix_dimensions_match(edge: Edge, current: DatasetType, universe: DimensionUniverse) -> bool:
    skypix = {d.name for d in universe.skypix_dimensions}
    declared = set(universe.conform(edge.raw_dimensions - {"skypix"}).names)
    registered = set(current.dimensions.names) - skypix
    return declared == registered and bool(set(current.dimensions.names) & skypix)


def _check_consumer(edge: Edge, current: DatasetType, origin: str, universe: DimensionUniverse,
                    exact: bool) -> None:
    name = edge.parent_dataset_type_name
    if "skypix" in edge.raw_dimensions:
        if not _skypix_dimensions_match(edge, current, universe):
            raise IncompatibleDatasetTypeError(
                f"Dataset type {name!r} is read by task {edge.task_label!r} with dimensions "
                f"{sorted(edge.raw_dimensions)} (skypix standing for any pixelization), but {origin} defines it "
                f"with dimensions {current.dimensions}."
            )
    else:
        wanted = _edge_type(edge, universe)
        if wanted.dimensions != current.dimensions:
            raise IncompatibleDatasetTypeError(
                f"Incompatible definition for input dataset type {name!r}: task {edge.task_label!r} has "
                f"{wanted}, but {origin} has {current}: {_describe_difference(wanted, current)}."
            )
    if edge.component is not None:
        from butler.storage_class import StorageClassNotFoundError

        try:
            components = current.storageClass.allComponents()
        except StorageClassNotFoundError:
            components = {}
        if edge.component not in components:
            raise IncompatibleDatasetTypeError(
                f"Dataset type {name!r} has storage class {current.storageClass_name!r} (from {origin}), which "
                f"has no component {edge.component!r} as read by task {edge.task_label!r}."
            )
        stored = components[edge.component].name
        if not _can_convert(edge.storage_class_name, stored):
            raise IncompatibleDatasetTypeError(
                f"Component {edge.dataset_type_name!r} has storage class {stored!r} (from {origin}), which cannot "
                f"be converted to {edge.storage_class_name!r} as read by task {edge.task_label!r}."
            )
        return
    if exact and edge.storage_class_name != current.storageClass_name:
        raise IncompatibleDatasetTypeError(
            f"Definitions differ for input dataset type {name!r}: task {edge.task_label!r} reads it as "
            f"{edge.storage_class_name}, but {origin} reads it as {current.storageClass_name}. Registering the "
            "dataset type in the data repository first settles which storage class it is stored as."
        )
    if not _can_convert(edge.storage_class_name, current.storageClass_name):
        raise IncompatibleDatasetTypeError(
            f"Incompatible definition for input dataset type {name!r}: task {edge.task_label!r} reads it as "
            f"storage class {edge.storage_class_name}, which cannot be converted from "
            f"{current.storageClass_name} ({origin})."
        )


def resolve_dataset_type(
    name: str,
    producers: Sequence[Edge],
    consumers: Sequence[Edge],
    universe: DimensionUniverse,
    get_registered: Callable[[str], DatasetType | None],
) -> DatasetTypeNode:
    """Build the node of one dataset type from its edges and the repository's definition.

    Parameters
    ----------
    name : `str`
        Parent dataset type name.
    producers, consumers : sequence of `Edge`
        Edges writing and reading it.
    universe : `~butler.DimensionUniverse`
        Dimensions of the repository.
    get_registered : callable
        Returns the registered `~butler.DatasetType` of a name, or `None`.

    Raises
    ------
    DuplicateOutputError
        Two tasks write it.
    ConnectionTypeConsistencyError
        Prerequisite and regular uses are mixed, or a prerequisite is produced.
    IncompatibleDatasetTypeError
        Definitions do not fit (see the module documentation).
    MissingDatasetTypeError
        A ``skypix`` or component connection needs a definition nobody gives.
    """
    if len(producers) > 1:
        raise DuplicateOutputError(
            f"Dataset type {name!r} is produced by both {producers[0].task_label!r} and {producers[1].task_label!r}."
        )
    producer = producers[0] if producers else None
    prerequisite = [e for e in consumers if e.is_prerequisite]
    if prerequisite and producer is not None:
        raise ConnectionTypeConsistencyError(
            f"Dataset type {name!r} is a prerequisite input to {prerequisite[0].task_label!r}, but it is produced "
            f"by {producer.task_label!r}; declare it as a regular Input."
        )
    regular = [e for e in consumers if not e.is_prerequisite]
    if prerequisite and regular:
        raise ConnectionTypeConsistencyError(
            f"Dataset type {name!r} is a prerequisite input to {prerequisite[0].task_label!r}, but a regular input "
            f"to {regular[0].task_label!r}; all tasks must read it the same way."
        )
    registered = get_registered(name)
    current: DatasetType | None = registered
    origin = "the data repository"
    if producer is not None:
        if "skypix" in producer.raw_dimensions:
            raise IncompatibleDatasetTypeError(
                f"Output {producer} of task {producer.task_label!r} uses the skypix placeholder; outputs must name "
                "a pixelization (e.g. htm7)."
            )
        produced = _edge_type(producer, universe)
        if registered is not None:
            if produced.dimensions != registered.dimensions or not _can_convert(
                registered.storageClass_name, produced.storageClass_name
            ):
                raise IncompatibleDatasetTypeError(
                    f"Incompatible definition for output dataset type {name!r}: task {producer.task_label!r} has "
                    f"{produced}, but the data repository has {registered}: "
                    f"{_describe_difference(produced, registered)}."
                )
        else:
            current, origin = produced, f"producing task {producer.task_label!r}"
    ordered = sorted(consumers, key=lambda e: e.component is not None)
    for edge in ordered:
        if current is None:
            if "skypix" in edge.raw_dimensions or edge.component is not None:
                raise MissingDatasetTypeError(
                    f"Dataset type {name!r} is read by task {edge.task_label!r} as {edge.dataset_type_name!r} with "
                    f"dimensions {sorted(edge.raw_dimensions)}, which needs the dataset type to be registered "
                    "in the data repository (or produced by the pipeline) first."
                )
            current, origin = _edge_type(edge, universe), f"consuming task {edge.task_label!r}"
            continue
        exact = registered is None and producer is None
        _check_consumer(edge, current, origin, universe, exact)
    assert current is not None, "a dataset type node always has an edge"
    is_init = (producer is not None and producer.kind is EdgeKind.INIT_OUTPUT) or any(
        e.kind is EdgeKind.INIT_INPUT for e in consumers
    )
    return DatasetTypeNode(
        dataset_type=current,
        is_registered=registered is not None,
        producing_edge=producer,
        consuming_edges=tuple(consumers),
        is_prerequisite=bool(prerequisite),
        is_initial_query_constraint=producer is None and not prerequisite and not is_init
        and all(not e.defer_query_constraint for e in consumers),
        is_init=is_init,
    )
