"""Moving datasets between repositories."""

from __future__ import annotations

__all__ = ["ZIP_INDEX_NAME", "retrieve_artifacts_zip", "transfer_between_butlers",
           "transfer_dimension_records"]

import json
import os
import posixpath
import shutil
import tempfile
import uuid
import zipfile
from typing import TYPE_CHECKING, Any

from .dataset_ref import DatasetRef
from .errors import ConflictingDefinitionError, FileNotFoundInDatastoreError, MissingDatasetTypeError

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


# Zip archives of datasets --------------------------------------------------------------

ZIP_INDEX_NAME = "_butler_zip_index.json"
"""The member of a zip written by `retrieve_artifacts_zip` that describes its datasets (LSST's name)."""

# uuid5(NAMESPACE_DNS, "lsst.org"), as for dataset IDs: LSST names its zips the same way.
_ZIP_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "lsst.org")


def _member_name(recorded: str) -> str:
    """The name inside the zip of a recorded path (``s3://b/k`` and ``/abs/k`` lose their root)."""
    if "://" in recorded:
        recorded = recorded.split("://", 1)[1]
    return posixpath.normpath(recorded).lstrip("/")


def retrieve_artifacts_zip(butler: Butler, refs: list[DatasetRef], destination: str, *,
                           overwrite: bool) -> str:
    """Implement `Butler.retrieve_artifacts_zip`: one zip of the datasets' files plus an index.

    Members keep their paths inside the datastore; ``_butler_zip_index.json``
    lists every dataset (ID, dataset type, RUN, full data ID, its members) and
    every member (its datasets and the datastore record needed to read it).
    The zip's name is a UUID5 of its member names, so the same datasets give
    the same name.
    """
    from .datastore.location import split_url

    unique = list({ref.id: ref for ref in refs}.values())
    if not unique:
        raise ValueError("Requested Zip file with no contents.")
    datastore = butler.datastore
    records = datastore.records.get_many(ref.id for ref in unique)
    missing = [ref for ref in unique if ref.id not in records]
    if missing:
        raise FileNotFoundInDatastoreError(
            f"{len(missing)} of the {len(unique)} datasets have no file in {datastore.name} "
            f"(e.g. {missing[0]}); leave them out of the zip.")
    members: dict[str, dict[str, Any]] = {}
    sources: dict[str, str] = {}
    described = []
    for ref in unique:
        names = []
        for info in records[ref.id]:
            name = _member_name(info.path)
            if name == ZIP_INDEX_NAME:
                raise ValueError(f"A datastore file is named {ZIP_INDEX_NAME}, which the zip index needs.")
            if name not in members:
                record = info.to_simple()
                del record["dataset_id"]
                members[name] = {"ids": [], "info": record}
                sources[name] = info.path
            members[name]["ids"].append(str(ref.id))
            names.append(name)
        described.append({**ref.to_simple(), "paths": names})
    index = {"index_version": "skybutler-V1", "refs": described, "artifact_map": members}
    zip_name = f"{uuid.uuid5(_ZIP_NAMESPACE, ','.join(sorted(members)))}.zip"
    dest_fs, dest_root = split_url(os.fspath(destination))
    target = f"{dest_root.rstrip('/')}/{zip_name}"
    exists = os.path.exists(target) if dest_fs is None else dest_fs.exists(target)
    if exists and not overwrite:
        raise FileExistsError(
            f"Zip file {target} already exists; pass overwrite=True (--clobber) to replace it.")
    if dest_fs is None:
        os.makedirs(dest_root, exist_ok=True)
    staging_dir = dest_root if dest_fs is None else None
    handle, staging = tempfile.mkstemp(suffix=".zip.tmp", dir=staging_dir)
    os.close(handle)
    try:
        with zipfile.ZipFile(staging, "w") as archive:
            archive.writestr(ZIP_INDEX_NAME, json.dumps(index, indent=1), compress_type=zipfile.ZIP_DEFLATED)
            for name in sorted(members):
                src_fs, source = datastore.root.resolve(sources[name])
                if src_fs is None:
                    archive.write(source, name)
                else:
                    with src_fs.open(source, "rb") as stream, archive.open(name, "w") as member:
                        shutil.copyfileobj(stream, member, 1 << 20)
        if dest_fs is None:
            os.replace(staging, target)
        else:
            dest_fs.put_file(staging, target)
    finally:
        if os.path.exists(staging):
            os.remove(staging)
    return target if dest_fs is None else dest_fs.unstrip_protocol(target)
