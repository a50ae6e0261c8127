"""Writing one dataset's file for a `FileDatastore`: the write to its templated path, the
refusal to overwrite a file that another record refers to, the atomic temporary-name-then-rename
write of local files, and the `StoredFileInfo` describing the result (not yet recorded).
"""

from __future__ import annotations

__all__ = ["write_file"]

import contextlib
import logging
import os
from typing import TYPE_CHECKING, Any

from ..errors import ConflictingDefinitionError, DatasetTypeNotSupportedError
from .stored_file import StoredFileInfo
from .transfer import file_checksum, file_size, remove_file

if TYPE_CHECKING:
    from ..dataset_ref import DatasetRef
    from ..formatters import Formatter
    from .file_datastore import FileDatastore
    from .undo import DatastoreTransaction

_LOG = logging.getLogger(__name__)


def write_file(datastore: FileDatastore, obj: Any, ref: DatasetRef, txn: DatastoreTransaction
               ) -> StoredFileInfo:
    """Write ``obj`` to the templated path of ``ref`` and return the record to store.

    The removal of the file is registered with ``txn``; the record is not
    inserted (see `FileDatastore.put` for the exceptions raised).
    """
    if ref.datasetType.isComponent():
        raise DatasetTypeNotSupportedError(f"Cannot put a component ({ref}); put the composite dataset.")
    formatter, relative = datastore._write_plan(ref)
    storage_class = formatter.storage_class
    if not storage_class.is_type(obj):
        obj = storage_class.coerce_type(obj)
    fs = datastore.root.fs
    target = f"{datastore.root.path}/{relative}"
    created_directory = datastore.dirs.ensure_parent(fs, target)
    if fs is None:
        if not created_directory and os.path.lexists(target):
            _check_occupied(datastore, relative, ref)
        _write_local(datastore, formatter, obj, target)
    else:
        if fs.exists(target):
            _check_occupied(datastore, relative, ref)
        try:
            formatter.write(obj, fs, target)
        except BaseException:
            with contextlib.suppress(Exception):
                remove_file(fs, target)
            raise
    txn.register_undo(f"write {target}", remove_file, fs, target)
    return StoredFileInfo(
        dataset_id=ref.id,
        path=relative,
        formatter=datastore.formatters.name_of(formatter),
        storage_class=storage_class.name,
        checksum=file_checksum(fs, target, datastore.checksum_algorithm) if datastore.use_checksum else None,
        file_size=file_size(fs, target),
    )


def _check_occupied(datastore: FileDatastore, relative: str, ref: DatasetRef) -> None:
    """Refuse to overwrite a file that a record refers to; allow orphans."""
    if datastore.records is None:
        # No records to consult: the quantum graph fixed this output's path and ID, and
        # the file is a leftover of an earlier, unregistered attempt.
        _LOG.debug("Overwriting %s (no datastore records to consult).", relative)
        return
    owners = datastore.records.datasets_at(relative)
    if ref.id in owners:
        raise ConflictingDefinitionError(f"Datastore already contains dataset: {ref}")
    if owners:
        raise ConflictingDefinitionError(
            f"Cannot write {ref} to {datastore.root.url_of(relative)}: that file belongs to dataset(s) "
            f"{', '.join(str(i) for i in owners)}; the file template does not give unique paths.")
    _LOG.debug("Overwriting %s, which no record refers to.", relative)


def _write_local(datastore: FileDatastore, formatter: Formatter, obj: Any, target: str) -> None:
    """Write to a temporary name in the target's directory, then rename into place."""
    parent, _, base = target.rpartition("/")
    temporary = f"{parent}/.{base}.{os.getpid()}-{next(datastore._tmp_counter)}.tmp"
    try:
        try:
            formatter.write(obj, None, temporary)
        except FileNotFoundError:
            # The directory was removed since we last saw it.
            if os.path.isdir(parent):
                raise
            os.makedirs(parent, exist_ok=True)
            formatter.write(obj, None, temporary)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise
