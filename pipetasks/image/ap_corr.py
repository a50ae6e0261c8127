"""`ApCorrMap`: aperture corrections by flux-field name, each a `BoundedField` over the detector."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Iterator

from . import archive
from .archive import register
from .bounded_field import BoundedField

__all__ = ["ApCorrMap"]


@register
class ApCorrMap(MutableMapping):
    """Flux-field name (e.g. ``"base_PsfFlux_instFlux"`` and its ``..._instFluxErr``) -> `BoundedField`.

    Examples
    --------
    >>> from pipetasks.image.bounded_field import ChebyshevBoundedField
    >>> from pipetasks.image.geometry import Box2I
    >>> apc = ApCorrMap()
    >>> apc["base_PsfFlux_instFlux"] = ChebyshevBoundedField(Box2I.from_xywh(0, 0, 10, 10), [[0.98]])
    >>> apc.evaluate("base_PsfFlux_instFlux", 3.0, 4.0)
    0.98
    """

    def __init__(self, fields: dict[str, BoundedField] | None = None):
        self._fields: dict[str, BoundedField] = {}
        for name, field in (fields or {}).items():
            self[name] = field

    def __getitem__(self, name: str) -> BoundedField:
        try:
            return self._fields[name]
        except KeyError:
            known = ", ".join(sorted(self._fields)) or "none"
            raise KeyError(f"no aperture correction {name!r}; have: {known}") from None

    def __setitem__(self, name: str, field: BoundedField) -> None:
        if not isinstance(field, BoundedField):
            raise TypeError(f"aperture correction {name!r} must be a BoundedField, not {type(field).__name__}")
        self._fields[name] = field

    def __delitem__(self, name: str) -> None:
        del self._fields[name]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._fields))

    def __len__(self) -> int:
        return len(self._fields)

    def set(self, name: str, field: BoundedField) -> None:
        """LSST spelling of ``apCorrMap[name] = field``."""
        self[name] = field

    def evaluate(self, name: str, x: Any, y: Any) -> Any:
        """The correction ``name`` at ``(x, y)`` (scalars or arrays)."""
        return self[name].evaluate(x, y)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ApCorrMap):
            return NotImplemented
        return self._fields == other._fields

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ApCorrMap({', '.join(sorted(self._fields))})"

    def to_dict(self) -> dict[str, Any]:
        return {"fields": {name: archive.dump(self._fields[name]) for name in sorted(self._fields)}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ApCorrMap:
        return cls({name: archive.load(field) for name, field in data["fields"].items()})
