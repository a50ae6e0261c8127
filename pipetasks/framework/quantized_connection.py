"""The refs of one quantum seen by connection name: what ``runQuantum`` receives as ``inputRefs``/``outputRefs``."""

from __future__ import annotations

__all__ = ["DeferredDatasetRef", "InputQuantizedConnection", "OutputQuantizedConnection", "QuantizedConnection"]

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from butler import DatasetRef


class QuantizedConnection:
    """A namespace from connection names to the `~butler.DatasetRef` (or list of refs) of one quantum.

    ``inputRefs.calexp`` is a ref for a scalar connection and a list for a
    ``multiple=True`` one.  Iterating yields ``(connection name, value)``
    pairs in the order the attributes were set.
    """

    def __init__(self, **kwargs: Any):
        object.__setattr__(self, "_values", {})
        for name, value in kwargs.items():
            setattr(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        self._values[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        object.__delattr__(self, name)
        del self._values[name]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(list(self._values.items()))

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def keys(self) -> Iterator[str]:
        """The connection names present."""
        return iter(list(self._values))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"{type(self).__name__}({inner})"


class InputQuantizedConnection(QuantizedConnection):
    """Input and prerequisite-input refs of a quantum by connection name."""


class OutputQuantizedConnection(QuantizedConnection):
    """Output refs of a quantum by connection name."""


@dataclasses.dataclass(frozen=True)
class DeferredDatasetRef:
    """A ref the task wants as a `~butler.DeferredDatasetHandle` (a ``deferLoad=True`` connection).

    Attribute access other than `datasetRef` is forwarded to the ref
    (``ref.dataId``, ``ref.datasetType``...).
    """

    datasetRef: DatasetRef

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "datasetRef":
            raise AttributeError(name)
        return getattr(self.datasetRef, name)
