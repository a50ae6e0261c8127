"""The file datastore: datasets as files on local disk or any fsspec filesystem."""

from __future__ import annotations

from .file_datastore import FileDatastore, load_datastore_config
from .location import DatastoreRoot
from .stored_file import StoredFileInfo
from .templates import FileTemplate, FileTemplates, FileTemplateValidationError
from .transfer import TRANSFER_MODES
from .undo import DatastoreTransaction

__all__ = [
    "TRANSFER_MODES",
    "DatastoreRoot",
    "DatastoreTransaction",
    "FileDatastore",
    "FileTemplate",
    "FileTemplateValidationError",
    "FileTemplates",
    "StoredFileInfo",
    "load_datastore_config",
]
