"""Physical filters of an instrument and the bands they belong to."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

__all__ = ["FilterDefinition", "FilterDefinitionCollection"]


@dataclasses.dataclass(frozen=True)
class FilterDefinition:
    """One filter in the beam.

    Parameters
    ----------
    physical_filter : `str`
        The instrument's own name (``r.MP9601``), the value of ``physical_filter`` data IDs.
    band : `str`
        The instrument-independent band (``r``).
    doc : `str`, optional
        What the filter is.
    """

    physical_filter: str
    band: str
    doc: str = ""


class FilterDefinitionCollection:
    """The filters of one instrument, looked up by physical filter name.

    Raises
    ------
    ValueError
        If two definitions share a physical filter name.
    """

    def __init__(self, definitions: Iterable[FilterDefinition]):
        self._by_name: dict[str, FilterDefinition] = {}
        for definition in definitions:
            if definition.physical_filter in self._by_name:
                raise ValueError(f"physical filter {definition.physical_filter!r} is defined twice")
            self._by_name[definition.physical_filter] = definition

    def __iter__(self) -> Iterator[FilterDefinition]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> FilterDefinition:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"unknown physical filter {name!r}; known: {', '.join(self._by_name)}") from None

    def band_of(self, physical_filter: str) -> str:
        """The band of a physical filter (`KeyError` naming the known filters if unknown)."""
        return self[physical_filter].band

    @property
    def bands(self) -> list[str]:
        """The distinct bands, in definition order."""
        return list(dict.fromkeys(d.band for d in self))
