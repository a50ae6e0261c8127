"""Ingesting existing files into a `FileDatastore`.

Transfer modes (LSST's):

``auto``
    Files already under the root are recorded in place; others are copied.
``copy``, ``move``
    The file is copied (moved) to its templated path; the extension of the
    source is kept.  ``move`` deletes the source only when the transaction
    commits, unless it is a rename on one filesystem (undone by renaming back).
``link``, ``hardlink``, ``symlink``, ``relsymlink``
    A link at the templated path (local files only; ``link`` is a hard link
    falling back to a symbolic one).
``direct``
    The absolute location is recorded and the file never touched, nor ever
    deleted by the datastore.
`None`
    The file must already be under the root; it is recorded where it is.
"""

from __future__ import annotations

__all__ = ["ingest_files"]

import dataclasses
import os
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ConflictingDefinitionError
from .formatter_cache import file_extension
from .stored_file import StoredFileInfo, is_absolute_path
from .transfer import check_transfer_mode, file_checksum, file_exists, file_size, remove_file, transfer_files

if TYPE_CHECKING:
    from ..file_dataset import FileDataset
    from .file_datastore import FileDatastore
    from .undo import DatastoreTransaction

# Checking that remote files exist costs a request each; check at most this many.
_MAX_REMOTE_CHECKS = 200


@dataclasses.dataclass(slots=True)
class _Plan:
    dataset: FileDataset
    fs: Any
    path: str
    mode: str | None
    inside: str | None
    formatter: str
    target: str | None = None


def _resolve_source(datastore: FileDatastore, location: str) -> tuple[Any, str]:
    root = datastore.root
    if is_absolute_path(location) or location.startswith("file:"):
        return root.filesystem_for(location)
    fs, path = root.resolve(location)
    return fs, (os.path.normpath(path) if fs is None else path)


def ingest_files(datastore: FileDatastore, datasets: Sequence[FileDataset], transfer: str | None, *,
                 record_validation_info: bool = True) -> list[StoredFileInfo]:
    """Ingest files into ``datastore``; see the module documentation for the modes.

    Returns
    -------
    infos : `list` [`StoredFileInfo`]
        The records inserted (one per dataset ref).
    """
    check_transfer_mode(transfer)
    datasets = list(datasets)
    if not datasets:
        return []
    plans = _plan(datastore, datasets, transfer)
    _check_not_stored(datastore, plans)
    with datastore.transaction() as txn:
        _transfer(datastore, plans, txn)
        infos = _records(datastore, plans, record_validation_info)
        txn.register_undo(f"records of {len(infos)} ingested datasets", datastore.records.delete,
                          [info.dataset_id for info in infos])
        datastore.records.insert(infos, what=f"one of {len(infos)} datasets being ingested")
    return infos


def _plan(datastore: FileDatastore, datasets: list[FileDataset], transfer: str | None) -> list[_Plan]:
    root = datastore.root
    plans = []
    remote_every = max(1, len(datasets) // _MAX_REMOTE_CHECKS + 1) if len(datasets) > _MAX_REMOTE_CHECKS else 1
    for index, dataset in enumerate(datasets):
        runs = {ref.run for ref in dataset.refs}
        if len(runs) > 1:
            raise ValueError(f"Supplied refs must all share the same run. Got: {runs}")
        fs, path = _resolve_source(datastore, str(dataset.path))
        if (fs is None or index % remote_every == 0) and not file_exists(fs, path):
            shown = path if fs is None else fs.unstrip_protocol(path)
            raise FileNotFoundError(
                f"Resource at {shown} does not exist; note that paths to ingest are assumed to be relative "
                f"to {root.url} unless they are absolute.")
        inside = root.relative_path(fs, path)
        mode = transfer
        if mode == "auto":
            mode = None if inside is not None else "copy"
        if mode is None and inside is None:
            shown = path if fs is None else fs.unstrip_protocol(path)
            raise RuntimeError(f"Transfer is none but source file ({shown}) is not within datastore ({root.url})")
        extension = file_extension(path)
        formatter_class = datastore.formatters.for_ingest(dataset.refs[0].datasetType, path, dataset.formatter,
                                                          extension=extension)
        plan = _Plan(dataset, fs, path, mode, inside, datastore.formatters.name_of(formatter_class))
        if mode not in (None, "direct"):
            extension = extension or formatter_class.default_extension
            plan.target = datastore.template_path(dataset.refs[0]) + extension
        plans.append(plan)
    return plans


def _check_not_stored(datastore: FileDatastore, plans: list[_Plan]) -> None:
    """Fail before touching any file if a dataset is stored or a target path is taken."""
    refs = [ref for plan in plans for ref in plan.dataset.refs]
    known = datastore.records.get_many(ref.id for ref in refs)
    for ref in refs:
        if ref.id in known:
            raise ConflictingDefinitionError(f"Datastore already contains dataset: {ref}")
    targets: dict[str, _Plan] = {}
    for plan in plans:
        if plan.target is None:
            continue
        other = targets.setdefault(plan.target, plan)
        if other is not plan:
            raise ConflictingDefinitionError(
                f"Files {other.dataset.path} and {plan.dataset.path} would both be ingested as "
                f"{datastore.root.url_of(plan.target)}; the file template does not give unique paths.")
    taken = datastore.records.referenced(list(targets))
    if taken:
        path = min(taken)
        raise ConflictingDefinitionError(
            f"Cannot ingest {targets[path].dataset.path} as {datastore.root.url_of(path)}: that file belongs to "
            f"another dataset; the file template does not give unique paths.")


def _move_back(fs: Any, target: str, source: str) -> None:
    if fs is None:
        if os.path.lexists(target):
            os.rename(target, source)
    elif fs.exists(target):
        fs.mv(target, source)


def _transfer(datastore: FileDatastore, plans: list[_Plan], txn: DatastoreTransaction) -> None:
    root = datastore.root
    dst_fs = root.fs
    groups: dict[tuple[int, str], list[_Plan]] = defaultdict(list)
    for plan in plans:
        if plan.target is not None:
            groups[(id(plan.fs), plan.mode)].append(plan)
    for (_, mode), group in groups.items():
        src_fs = group[0].fs
        pairs = []
        renames = mode == "move" and (src_fs is dst_fs)
        for plan in group:
            target = f"{root.path}/{plan.target}"
            datastore.dirs.ensure_parent(dst_fs, target)
            if renames:
                txn.register_undo(f"move {plan.path} to {target}", _move_back, dst_fs, target, plan.path)
            else:
                txn.register_undo(f"{mode} {plan.path} to {target}", remove_file, dst_fs, target)
            pairs.append((plan.path, target))
        for source, _ in transfer_files(src_fs, dst_fs, pairs, mode):
            txn.register_on_commit(f"delete moved file {source}", remove_file, src_fs, source)


def _records(datastore: FileDatastore, plans: list[_Plan], record_validation_info: bool) -> list[StoredFileInfo]:
    root = datastore.root
    infos = []
    for plan in plans:
        if plan.target is not None:
            recorded = plan.target
            target_fs, target = root.fs, f"{root.path}/{plan.target}"
            # Measure the local side where there is one: cheaper than a request.
            # (a moved source is deleted only at commit, so it is still there).
            if target_fs is not None and plan.fs is None:
                measure_fs, measure = plan.fs, plan.path
            else:
                measure_fs, measure = target_fs, target
        elif plan.mode is None:
            recorded = plan.inside
            measure_fs, measure = plan.fs, plan.path
        else:  # direct
            recorded = plan.path if plan.fs is None else plan.fs.unstrip_protocol(plan.path)
            measure_fs, measure = plan.fs, plan.path
        size = checksum = None
        if record_validation_info:
            size = file_size(measure_fs, measure)
            if datastore.use_checksum:
                checksum = file_checksum(measure_fs, measure, datastore.checksum_algorithm)
        for ref in plan.dataset.refs:
            infos.append(StoredFileInfo(
                dataset_id=ref.id,
                path=recorded,
                formatter=plan.formatter,
                storage_class=ref.datasetType.storageClass_name,
                component=ref.datasetType.component(),
                checksum=checksum,
                file_size=size,
            ))
    return infos
