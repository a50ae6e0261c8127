"""What the datastore records about each stored file."""

from __future__ import annotations

__all__ = ["StoredFileInfo"]

import dataclasses
import uuid
from collections.abc import Mapping
from typing import Any


@dataclasses.dataclass(frozen=True, slots=True)
class StoredFileInfo:
    """One row of the ``file_datastore_records`` table.

    Attributes
    ----------
    dataset_id : `uuid.UUID`
        The dataset.
    path : `str`
        Path relative to the datastore root (``/`` separated), or an absolute
        local path or URL for files ingested with ``transfer="direct"``.
    formatter : `str`
        Dotted name of the formatter class that reads the file.
    storage_class : `str`
        Name of the storage class the file was written as.
    component : `str` or `None`
        The component held by this file when a composite is stored as one
        file per component; `None` for a file holding the whole dataset.
    checksum : `str` or `None`
        Hex digest, if checksums are enabled.
    file_size : `int` or `None`
        Size in bytes, if known.
    """

    dataset_id: uuid.UUID
    path: str
    formatter: str
    storage_class: str
    component: str | None = None
    checksum: str | None = None
    file_size: int | None = None

    @property
    def is_absolute(self) -> bool:
        """Whether ``path`` is outside the datastore root (``direct`` ingest)."""
        return is_absolute_path(self.path)

    def to_row(self) -> dict[str, Any]:
        """The table row (the component is ``''`` for a whole-dataset file)."""
        return {
            "dataset_id": self.dataset_id,
            "component": self.component or "",
            "path": self.path,
            "formatter": self.formatter,
            "storage_class": self.storage_class,
            "checksum": self.checksum,
            "file_size": self.file_size,
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> StoredFileInfo:
        """Build from a table row (or a `to_row`/`to_simple` mapping)."""
        dataset_id = row["dataset_id"]
        if not isinstance(dataset_id, uuid.UUID):
            dataset_id = uuid.UUID(str(dataset_id))
        return cls(
            dataset_id=dataset_id,
            path=row["path"],
            formatter=row["formatter"],
            storage_class=row["storage_class"],
            component=row.get("component") or None,
            checksum=row.get("checksum"),
            file_size=row.get("file_size"),
        )

    def to_simple(self) -> dict[str, Any]:
        """JSON-friendly form (for exports)."""
        simple = self.to_row()
        simple["dataset_id"] = str(self.dataset_id)
        return simple

    from_simple = from_row

    def replace(self, **kwargs: Any) -> StoredFileInfo:
        """A copy with some fields replaced."""
        return dataclasses.replace(self, **kwargs)


def is_absolute_path(path: str) -> bool:
    """Whether a recorded path is absolute (a URL or a rooted local path)."""
    return path.startswith("/") or "://" in path
