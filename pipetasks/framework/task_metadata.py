"""`TaskMetadata`: the nested, JSON-serializable record of what a task did.

The JSON layout is LSST's (``{"scalars": {...}, "arrays": {...},
"metadata": {...}}``), so ``<label>_metadata`` files are interchangeable
with LSST's.  Keys may be dotted (``md["calibrate.numSources"]``) to reach
nested metadata; ``add`` appends to a list (timings of repeated calls).
"""

from __future__ import annotations

__all__ = ("TaskMetadata",)

import itertools
import numbers
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

_PRIMITIVES = (str, float, int, bool)

Scalar = StrictFloat | StrictInt | StrictBool | StrictStr
Array = list[StrictFloat] | list[StrictInt] | list[StrictBool] | list[StrictStr]


def _split(key: str) -> tuple[str, str | None]:
    if not isinstance(key, str):
        raise KeyError(f"Invalid key {key!r}: only string keys are allowed")
    head, _, rest = key.partition(".")
    return head, (rest or None)


class TaskMetadata(BaseModel):
    """Dict-like task metadata: scalars, same-typed lists, and nested `TaskMetadata`.

    Examples
    --------
    >>> md = TaskMetadata()
    >>> md["numSources"] = 12
    >>> md.add("psfSigma", 1.5)
    >>> md.add("psfSigma", 1.7)
    >>> md["psfSigma"], md.getArray("psfSigma")
    (1.7, [1.5, 1.7])
    >>> md["calibrate.numStars"] = 3
    >>> md.to_dict()
    {'numSources': 12, 'psfSigma': [1.5, 1.7], 'calibrate': {'numStars': 3}}
    >>> TaskMetadata.model_validate_json(md.model_dump_json()) == md
    True
    """

    model_config = ConfigDict(ser_json_inf_nan="constants")

    scalars: dict[str, Scalar] = Field(default_factory=dict)
    arrays: dict[str, Array] = Field(default_factory=dict)
    metadata: dict[str, TaskMetadata] = Field(default_factory=dict)

    # -- construction and conversion ---------------------------------------------

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TaskMetadata:
        """Build from a (possibly nested) mapping; nested mappings become nested metadata."""
        metadata = cls()
        for key, value in d.items():
            metadata[key] = value
        return metadata

    @classmethod
    def from_metadata(cls, ps: Any) -> TaskMetadata:
        """Copy any object with ``paramNames(topLevelOnly)`` and ``getArray`` (another `TaskMetadata`)."""
        metadata = cls()
        for key in sorted(ps.paramNames(topLevelOnly=False)):
            values = ps.getArray(key)
            metadata[key] = values[0] if len(values) == 1 else values
        return metadata

    def to_dict(self) -> dict[str, Any]:
        """Plain nested `dict` (lists for arrays)."""
        result: dict[str, Any] = dict(self.scalars)
        result.update({key: list(values) for key, values in self.arrays.items()})
        result.update({key: value.to_dict() for key, value in self.metadata.items()})
        return result

    def to_json(self) -> str:
        """JSON text in LSST's layout (NaN and infinities as JSON constants)."""
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str | bytes) -> TaskMetadata:
        """Read JSON written by `to_json` (or by LSST)."""
        return cls.model_validate_json(text)

    # -- values ------------------------------------------------------------------

    @staticmethod
    def _classify(value: Any) -> tuple[str, Any]:
        if type(value) in _PRIMITIVES:
            return "scalar", value
        if isinstance(value, TaskMetadata):
            return "metadata", value
        if isinstance(value, Mapping):
            return "metadata", TaskMetadata.from_dict(value)
        is_list = isinstance(value, Sequence) and not isinstance(value, (str, bytes))
        if is_list or type(value).__name__ == "ndarray":
            items = list(value)
            if not items:
                return "array", items
            first = type(items[0])
            if any(type(item) is not first for item in items):
                kinds = sorted({type(item).__name__ for item in items})
                raise ValueError(f"TaskMetadata lists must hold one type; got {kinds}")
            if first not in _PRIMITIVES:
                if isinstance(items[0], numbers.Integral):
                    items = [int(item) for item in items]
                elif isinstance(items[0], numbers.Real):
                    items = [float(item) for item in items]
                else:
                    raise ValueError(
                        f"TaskMetadata lists can hold str, int, float or bool, not {first.__name__}"
                    )
            return "array", items
        if isinstance(value, numbers.Integral):
            return "scalar", int(value)
        if isinstance(value, numbers.Real):
            return "scalar", float(value)
        raise ValueError(f"TaskMetadata does not support values of type {type(value).__name__}: {value!r}")

    def add(self, name: str, value: Any) -> None:
        """Append ``value`` (or the items of a list) to the list stored at ``name``.

        A scalar already stored there becomes the first item of the list.

        Raises
        ------
        ValueError
            The type differs from what the list holds, or ``name`` holds nested metadata.
        """
        head, rest = _split(name)
        if rest is not None:
            self.metadata.setdefault(head, TaskMetadata()).add(rest, value)
            self.scalars.pop(head, None)
            self.arrays.pop(head, None)
            return
        kind, value = self._classify(value)
        if kind == "metadata":
            raise ValueError("add() can only be used for primitive types or sequences of those types")
        items = value if kind == "array" else [value]
        if head in self.metadata:
            raise ValueError(f"Can not add() to key {name!r} since that is a TaskMetadata")
        if head in self.scalars:
            self.arrays[head] = [self.scalars.pop(head)]
        if head in self.arrays and self.arrays[head] and items:
            current, new = type(self.arrays[head][0]), type(items[0])
            if current is not new:
                raise ValueError(
                    f"Type mismatch in add() for {name!r}: holds {current.__name__}, adding {new.__name__}"
                )
            self.arrays[head].extend(items)
        else:
            self.arrays[head] = list(items)

    def __setitem__(self, key: str, value: Any) -> None:
        head, rest = _split(key)
        if rest is not None:
            self.metadata.setdefault(head, TaskMetadata())[rest] = value
            self.scalars.pop(head, None)
            self.arrays.pop(head, None)
            return
        kind, value = self._classify(value)
        slots = {"scalar": self.scalars, "array": self.arrays, "metadata": self.metadata}
        for slot_kind, slot in slots.items():
            if slot_kind == kind:
                slot[head] = value
            else:
                slot.pop(head, None)

    def __getitem__(self, key: str) -> Any:
        """The value at ``key``; for a list, its last item (as LSST's ``PropertySet``)."""
        head, rest = _split(key)
        try:
            if rest is not None:
                return self.metadata[head][rest]
            if head in self.scalars:
                return self.scalars[head]
            if head in self.metadata:
                return self.metadata[head]
            if self.arrays.get(head):
                return self.arrays[head][-1]
        except KeyError:
            pass
        raise KeyError(f"{key!r} not found")

    def get(self, key: str, default: Any = None) -> Any:
        """``self[key]``, or ``default`` when absent."""
        try:
            return self[key]
        except KeyError:
            return default

    def getScalar(self, key: str) -> Any:
        """Same as ``self[key]`` (the last item of a list)."""
        return self[key]

    def getArray(self, key: str) -> list[Any]:
        """The value(s) at ``key`` as a list, even for a scalar."""
        head, rest = _split(key)
        try:
            if rest is not None:
                return self.metadata[head].getArray(rest)
            if head in self.arrays:
                return self.arrays[head]
            if head in self.scalars:
                return [self.scalars[head]]
            if head in self.metadata:
                return [self.metadata[head]]
        except KeyError:
            pass
        raise KeyError(f"{key!r} not found")

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        head, rest = _split(key)
        if rest is None:
            return head in self.scalars or head in self.arrays or head in self.metadata
        return head in self.metadata and rest in self.metadata[head]

    def __delitem__(self, key: str) -> None:
        head, rest = _split(key)
        if rest is not None:
            if head not in self.metadata:
                raise KeyError(f"{key!r} not found")
            try:
                del self.metadata[head][rest]
            except KeyError:
                raise KeyError(f"{key!r} not found") from None
            return
        for slot in (self.scalars, self.arrays, self.metadata):
            if head in slot:
                del slot[head]
                return
        raise KeyError(f"{key!r} not found")

    def get_dict(self, key: str) -> dict[str, Any]:
        """The nested metadata at ``key`` as a plain dict (empty if absent)."""
        value = self.get(key)
        return value.to_dict() if isinstance(value, TaskMetadata) else {}

    def set_dict(self, key: str, value: Mapping[str, Any]) -> None:
        """Store a nested mapping at ``key``."""
        self[key] = value

    # -- mapping-like view ----------------------------------------------------------

    def keys(self) -> tuple[str, ...]:
        """Top-level keys."""
        return tuple(self)

    def items(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        """Top-level ``(key, value)`` pairs (lists whole)."""
        yield from itertools.chain(self.scalars.items(), self.arrays.items(), self.metadata.items())

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        return itertools.chain(iter(self.scalars), iter(self.arrays), iter(self.metadata))

    def __len__(self) -> int:
        return len(self.scalars) + len(self.arrays) + len(self.metadata)

    def names(self) -> set[str]:
        """All keys, nested ones dotted, including the names of nested metadata themselves."""
        result = set()
        for key, value in self.items():
            result.add(key)
            if isinstance(value, TaskMetadata):
                result.update(f"{key}.{name}" for name in value.names())
        return result

    def paramNames(self, topLevelOnly: bool) -> set[str]:
        """Keys holding values (not nested metadata); nested ones dotted unless ``topLevelOnly``."""
        result = set()
        for key, value in self.items():
            if isinstance(value, TaskMetadata):
                if not topLevelOnly:
                    result.update(f"{key}.{name}" for name in value.paramNames(topLevelOnly=False))
            else:
                result.add(key)
        return result


TaskMetadata.model_rebuild()
