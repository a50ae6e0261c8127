"""Moving datasets between repositories."""

from __future__ import annotations

__all__ = ["transfer_between_butlers", "transfer_dimension_records"]

from typing import TYPE_CHECKING

from .dataset_ref import DatasetRef
from .errors import ConflictingDefinitionError, MissingDatasetTypeError

if TYPE_CHECKING:
    from .butler import Butler


def transfer_between_butlers(target: Butler, source: Butler, refs: list[DatasetRef], *, transfer: str,
                             skip_missing: bool, register_dataset_types: bool, transfer_dimensions: bool,
                             dry_run: bool) -> list[DatasetRef]:
    """Copy datasets with their IDs, runs, and (optionally) dimension records and types.

    Datasets already in the target with the same ID are skipped, so a
    transfer can be repeated.
    """
    if skip_missing:
        known = set(source.datastore.prepare_get_records(refs))
        refs = [r for r in refs if r.id in known]
    registry = target.registry
    type_names = sorted({r.datasetType.nameAndComponent()[0] for r in refs})
    for name in type_names:
        source_type = source.registry.getDatasetType(name)
        try:
            registry.getDatasetType(name)
        except MissingDatasetTypeError:
            if not register_dataset_types:
                raise MissingDatasetTypeError(
                    f"Dataset type {name!r} does not exist in the target repository; pass "
                    "register_dataset_types=True to register it.") from None
            if not dry_run:
                registry.registerDatasetType(source_type)
    if dry_run:
        return refs
    if transfer_dimensions:
        transfer_dimension_records(target, source, [ref.dataId for ref in refs])
    else:
        _check_dimension_records(target, refs)
    with target.datastore.transaction(), target.registry.db.transaction(savepoint=True):
        for run in sorted({r.run for r in refs}):
            registry.registerRun(run)
        imported = registry._importDatasets(refs)
        new_ids = {r.id for r in imported}
        target.datastore.transfer_from(source.datastore, [r for r in refs if r.id in new_ids], transfer=transfer)
    return refs


def transfer_dimension_records(target: Butler, source: Butler, data_ids: list) -> None:
    """Insert into ``target`` the source's records for these data IDs (records already there are kept)."""
    records_by_element: dict[str, dict] = {}
    for data_id in data_ids:
        expanded = source.registry.expandDataId(data_id)
        for element, record in expanded.records.items():
            if record is not None:
                records_by_element.setdefault(element, {})[record.dataId] = record
    with target.registry.transaction():
        for element in target.dimensions.getStaticElements():
            records = records_by_element.get(element.name)
            if records:
                target.registry.insertDimensionData(element.name, *records.values(), skip_existing=True)


def _check_dimension_records(target: Butler, refs: list[DatasetRef]) -> None:
    """Refuse, naming the fix, to transfer datasets whose dimension records the target lacks.

    Without this check the insert fails on a foreign key with a raw SQL
    message.  Only required dimensions are checked: a record's own foreign
    keys guarantee the records it implies.  As in LSST the error is a
    `ConflictingDefinitionError`.
    """
    storage = target.registry.dimension_records
    universe = target.dimensions
    keys: dict[str, set[tuple]] = {}
    for ref in refs:
        data_id = ref.dataId
        for name in data_id.dimensions.required:
            element = universe[name]
            if element.has_own_table:
                keys.setdefault(name, set()).add(tuple(data_id[d.name] for d in element.required))
    for name, wanted in keys.items():
        element = universe[name]
        storage.prefetch(element, wanted)
        missing = sorted((k for k in wanted if storage.fetch_one(element, k) is None), key=str)
        if missing:
            described = dict(zip([d.name for d in element.required], missing[0]))
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            raise ConflictingDefinitionError(
                f"The target repository has no {name} record for {described}{more}; pass "
                "transfer_dimensions=True to copy the dimension records from the source repository, "
                "or insert them first.")
