"""Why the data ID query of a subgraph returned nothing, in sentences a user can act on."""

from __future__ import annotations

__all__ = ["explain_no_rows"]

from butler.errors import MissingDatasetTypeError

from .skeleton import BuildContext, SubgraphSkeleton


def _describe_query(context: BuildContext) -> str:
    parts = []
    if context.where:
        parts.append(f"where {context.where!r}")
    if context.bind:
        parts.append(f"bind {context.bind!r}")
    if context.data_id:
        parts.append(f"data ID {context.data_id}")
    return " and ".join(parts) if parts else "no constraint"


def explain_no_rows(context: BuildContext, skeleton: SubgraphSkeleton) -> list[str]:
    """Reasons, most specific first, why ``skeleton.query()`` found no data IDs."""
    butler = context.butler
    engine = context.engine
    collections = context.input_collections
    labels = ", ".join(skeleton.labels)
    reasons: list[str] = []
    missing_inputs = []
    for name in skeleton.empty_constraints + skeleton.constraints:
        try:
            dataset_type = butler.get_dataset_type(name)
        except MissingDatasetTypeError:
            reasons.append(f"Input dataset type {name!r} (read by {labels}) is not registered in the repository, "
                           "so no such datasets exist.")
            missing_inputs.append(name)
            continue
        total = engine.datasets(dataset_type, collections=collections, data_id=None, where="", find_first=False,
                                bind=None, kwargs={}, count=True)
        if not total:
            reasons.append(f"No input datasets of type {name!r} in collections {collections}.")
            missing_inputs.append(name)
            continue
        if context.where or context.data_id:
            matching = engine.datasets(dataset_type, collections=collections, data_id=context.data_id or None,
                                       where=context.where, find_first=False, bind=context.bind, kwargs={},
                                       count=True)
            if not matching:
                reasons.append(f"None of the {total} {name!r} datasets in collections {collections} matches "
                               f"{_describe_query(context)}.")
                missing_inputs.append(name)
    data_ids = engine.data_ids(skeleton.dimensions, data_id=context.data_id or None, datasets=None,
                               collections=None, where=context.where, bind=context.bind, kwargs={}, count=True)
    if not data_ids:
        reasons.insert(0, f"No data IDs of dimensions {skeleton.dimensions} (of tasks {labels}) match "
                          f"{_describe_query(context)}.")
    if not reasons and skeleton.constraints:
        reasons.append(f"Data IDs of {skeleton.dimensions} match {_describe_query(context)} and every input "
                       f"({', '.join(skeleton.constraints)}) exists in {collections}, but no data ID has all of "
                       "them at once.")
    if not reasons:
        with butler.query() as query:
            query = query.join_dimensions(skeleton.dimensions.names)
            for name in skeleton.constraints:
                query = query.join_dataset_search(name, collections)
            query = query.where(context.data_id, context.where, bind=context.bind)
            reasons.extend(query.explain_no_results())
    return reasons
