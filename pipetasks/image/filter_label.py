"""`FilterLabel`: the abstract band and the physical filter an exposure was taken through."""

from __future__ import annotations

from typing import Any

from .archive import register

__all__ = ["FilterLabel"]


@register
class FilterLabel:
    """A band (``"r"``) and/or a physical filter (``"r.MP9601"``), as LSST's ``afw.image.FilterLabel``.

    Parameters
    ----------
    band : `str`, optional
        The abstract band.
    physical : `str`, optional
        The physical filter name.

    Examples
    --------
    >>> f = FilterLabel(band="i", physical="i.MP9702")
    >>> f.bandLabel, f.hasPhysicalLabel()
    ('i', True)
    """

    __slots__ = ("_band", "_physical")

    def __init__(self, band: str | None = None, physical: str | None = None):
        if band is None and physical is None:
            raise ValueError("a FilterLabel needs a band, a physical filter, or both")
        self._band = band
        self._physical = physical

    @classmethod
    def fromBand(cls, band: str) -> FilterLabel:
        return cls(band=band)

    @classmethod
    def fromPhysical(cls, physical: str) -> FilterLabel:
        return cls(physical=physical)

    @classmethod
    def fromBandPhysical(cls, band: str, physical: str) -> FilterLabel:
        return cls(band=band, physical=physical)

    def hasBandLabel(self) -> bool:
        return self._band is not None

    def hasPhysicalLabel(self) -> bool:
        return self._physical is not None

    hasBand = hasBandLabel

    @property
    def bandLabel(self) -> str:
        """The band; `RuntimeError` if the label has none (as LSST)."""
        if self._band is None:
            raise RuntimeError(f"{self!r} has no band label")
        return self._band

    @property
    def physicalLabel(self) -> str:
        """The physical filter; `RuntimeError` if the label has none (as LSST)."""
        if self._physical is None:
            raise RuntimeError(f"{self!r} has no physical filter label")
        return self._physical

    @property
    def band(self) -> str | None:
        """The band, or `None`."""
        return self._band

    @property
    def physical(self) -> str | None:
        """The physical filter, or `None`."""
        return self._physical

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FilterLabel):
            return NotImplemented
        return (self._band, self._physical) == (other._band, other._physical)

    def __hash__(self) -> int:
        return hash((self._band, self._physical))

    def __repr__(self) -> str:
        parts = []
        if self._band is not None:
            parts.append(f'band="{self._band}"')
        if self._physical is not None:
            parts.append(f'physical="{self._physical}"')
        return f"FilterLabel({', '.join(parts)})"

    def to_dict(self) -> dict[str, Any]:
        return {"band": self._band, "physical": self._physical}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FilterLabel:
        return cls(band=data.get("band"), physical=data.get("physical"))
