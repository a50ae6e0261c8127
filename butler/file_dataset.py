"""A file to ingest and the datasets it holds."""

from __future__ import annotations

__all__ = ["FileDataset"]

import dataclasses
from typing import Any

from .dataset_ref import DatasetRef


@dataclasses.dataclass
class FileDataset:
    """A file, the dataset(s) stored in it, and how to read it (for `Butler.ingest`).

    Attributes
    ----------
    path : `str`
        Local path or fsspec URL of the file.
    refs : `list` [`DatasetRef`]
        The datasets it contains (usually one).
    formatter : `str` or `type`, optional
        The formatter that reads it; chosen from the storage class and file
        extension when not given.
    """

    path: Any
    refs: list[DatasetRef] | DatasetRef
    formatter: Any = None

    def __post_init__(self) -> None:
        if isinstance(self.refs, DatasetRef):
            self.refs = [self.refs]
        else:
            self.refs = list(self.refs)
        if not self.refs:
            raise ValueError(f"FileDataset for {self.path!r} lists no datasets.")
        self.path = str(self.path)
