"""Files leaving or crossing datastores: retrieval, transfer between datastores, trash emptying."""

from __future__ import annotations

__all__ = ["empty_trash", "retrieve_artifacts", "transfer_between"]

import logging
import os
import posixpath
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..errors import ConflictingDefinitionError
from .location import split_url
from .stored_file import StoredFileInfo, is_absolute_path
from .transfer import DirectoryMaker, check_transfer_mode, file_exists, file_size, remove_file, transfer_files

if TYPE_CHECKING:
    from ..dataset_ref import DatasetRef
    from .file_datastore import FileDatastore

_LOG = logging.getLogger(__name__)

_OUTWARD_MODES = ("auto", "copy", "link", "hardlink", "symlink", "relsymlink")


def _path_below(recorded: str) -> str:
    """A relative path standing for an absolute location (``s3://b/k`` -> ``b/k``)."""
    if "://" in recorded:
        recorded = recorded.split("://", 1)[1]
    return recorded.lstrip("/")


def _is_safe_relative(path: str) -> bool:
    normalized = posixpath.normpath(path)
    return not (is_absolute_path(path) or normalized in (".", "..") or normalized.startswith("../"))


def retrieve_artifacts(datastore: FileDatastore, refs: Iterable[DatasetRef], destination: Any, transfer: str,
                       preserve_path: bool, overwrite: bool) -> list[str]:
    """Implement `FileDatastore.retrieveArtifacts`."""
    if transfer == "move":
        raise ValueError("Can not move artifacts out of datastore. Use copy instead.")
    check_transfer_mode(transfer, allowed=_OUTWARD_MODES)
    mode = "copy" if transfer == "auto" else transfer
    refs = list(refs)
    records = datastore.records.get_many(ref.id for ref in refs)
    missing = [ref for ref in refs if ref.id not in records]
    if missing:
        raise ValueError(f"Number of datasets missing from this datastore: {len(missing)}")
    dest_fs, dest_root = split_url(os.fspath(destination))
    dest_root = dest_root.rstrip("/")
    if dest_fs is None:
        os.makedirs(dest_root, exist_ok=True)
    chosen: dict[str, str] = {}  # recorded path -> path below the destination
    owners: dict[str, str] = {}
    for ref in refs:
        for info in records[ref.id]:
            if info.path in chosen:
                continue
            below = _path_below(info.path) if preserve_path else posixpath.basename(info.path)
            if below in owners:
                raise ValueError(f"Files {owners[below]} and {info.path} would both be retrieved as {below}; "
                                 "use preserve_path=True.")
            owners[below] = info.path
            chosen[info.path] = below
    groups: dict[int, list[tuple[str, str]]] = defaultdict(list)
    filesystems: dict[int, Any] = {}
    dirs = DirectoryMaker()
    results = []
    for recorded, below in chosen.items():
        src_fs, source = datastore.root.resolve(recorded)
        target = f"{dest_root}/{below}"
        results.append(target if dest_fs is None else dest_fs.unstrip_protocol(target))
        dirs.ensure_parent(dest_fs, target)
        if file_exists(dest_fs, target):
            if overwrite:
                remove_file(dest_fs, target)
            elif file_size(dest_fs, target) == file_size(src_fs, source):
                continue  # retrieved before
            else:
                raise FileExistsError(
                    f"Destination {results[-1]} already exists with different content and overwrite is False.")
        filesystems[id(src_fs)] = src_fs
        groups[id(src_fs)].append((source, target))
    for key, pairs in groups.items():
        transfer_files(filesystems[key], dest_fs, pairs, mode)
    return results


def transfer_between(source: FileDatastore, target: FileDatastore, refs: Iterable[DatasetRef], transfer: str
                     ) -> list[DatasetRef]:
    """Implement `FileDatastore.transfer_from`."""
    check_transfer_mode(transfer, allowed=_OUTWARD_MODES)
    mode = "copy" if transfer == "auto" else transfer
    refs = list(refs)
    already = target.records.get_many(ref.id for ref in refs)
    wanted = [ref for ref in refs if ref.id not in already]
    found = source.records.get_many(ref.id for ref in wanted)
    same_root = source.root.url == target.root.url
    infos: list[StoredFileInfo] = []
    files: list[str] = []
    transferred = []
    for ref in wanted:
        for info in found.get(ref.id, ()):
            infos.append(info)
            if not (info.is_absolute or same_root) and info.path not in files:
                files.append(info.path)
        if ref.id in found:
            transferred.append(ref)
    if not infos:
        return []
    taken = target.records.referenced(files)
    if taken:
        raise ConflictingDefinitionError(
            f"Cannot transfer {min(taken)} from {source.root.url}: {target.root.url} already has a "
            "file at that path belonging to another dataset.")
    dst_fs = target.root.fs
    with target.transaction() as txn:
        pairs = []
        for relative in files:
            destination = f"{target.root.path}/{relative}"
            target.dirs.ensure_parent(dst_fs, destination)
            txn.register_undo(f"transfer {relative}", remove_file, dst_fs, destination)
            pairs.append((source.root.join(relative), destination))
        transfer_files(source.root.fs, dst_fs, pairs, mode)
        txn.register_undo(f"records of {len(transferred)} transferred datasets", target.records.delete,
                          [ref.id for ref in transferred])
        target.records.insert(infos, what=f"one of {len(transferred)} datasets being transferred")
    return transferred


def empty_trash(datastore: FileDatastore) -> list[str]:
    """Implement `FileDatastore.emptyTrash`."""
    records = datastore.records
    paths = records.trash_paths()
    if not paths:
        return []
    referenced = records.referenced(paths)
    done = []
    doomed = []
    for path in paths:
        if path in referenced:
            done.append(path)
        elif not _is_safe_relative(path):
            _LOG.warning("Not deleting %s from the trash: it is not a path inside the datastore.", path)
            done.append(path)
        else:
            doomed.append(path)
    removed = []
    fs = datastore.root.fs
    if fs is not None and doomed:
        try:
            fs.rm([datastore.root.join(p) for p in doomed])
            fs.invalidate_cache()
            done.extend(doomed)
            removed = [datastore.root.url_of(p) for p in doomed]
            doomed = []
        except Exception as err:  # noqa: BLE001 - retry one by one below
            _LOG.debug("Bulk delete failed (%s); deleting files one by one.", err)
    for path in doomed:
        try:
            remove_file(fs, datastore.root.join(path))
        except OSError as err:
            _LOG.warning("Could not delete %s (left in the trash): %s", path, err)
            continue
        done.append(path)
        removed.append(datastore.root.url_of(path))
    records.remove_from_trash(done)
    return removed
