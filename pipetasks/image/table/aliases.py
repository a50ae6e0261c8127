"""`AliasMap`: prefix aliases of a schema (LSST's slots are aliases)."""

from __future__ import annotations

__all__ = ["AliasMap"]

from collections.abc import Iterator, Mapping

from .fields import FieldNotFoundError


class AliasMap:
    """Prefix aliases of a schema (``slot_Centroid`` -> ``base_SdssCentroid``).

    An alias applies to a name equal to it or starting with it; the longest matching alias wins, and
    the result is resolved again (aliases may point at aliases), a bounded number of times so that a
    cycle cannot loop forever.
    """

    def __init__(self, items: Mapping[str, str] | None = None):
        self._map: dict[str, str] = dict(items or {})
        self.version = 0
        """Incremented by every change, so users of the map can cache resolved names."""

    def set(self, alias: str, target: str) -> None:
        """Define or replace ``alias`` -> ``target``."""
        if not alias or not target:
            raise ValueError(f"Alias and target must be non-empty, not {alias!r} -> {target!r}")
        self._map[alias] = target
        self.version += 1

    def get(self, alias: str) -> str:
        """Return the target of ``alias``.

        Raises
        ------
        FieldNotFoundError
            Raised if ``alias`` is not defined.
        """
        try:
            return self._map[alias]
        except KeyError:
            raise FieldNotFoundError(f"Alias {alias!r} not found; aliases: {sorted(self._map)}") from None

    def erase(self, alias: str) -> bool:
        """Remove ``alias``; return whether it existed."""
        self.version += 1
        return self._map.pop(alias, None) is not None

    def apply(self, name: str) -> str:
        """Return ``name`` with every applicable alias prefix replaced."""
        for _ in range(len(self._map) + 1):
            best = None
            for alias in self._map:
                if name.startswith(alias) and (best is None or len(alias) > len(best)):
                    best = alias
            if best is None:
                return name
            name = self._map[best] + name[len(best) :]
        return name

    def items(self) -> Iterator[tuple[str, str]]:
        return iter(list(self._map.items()))

    def keys(self) -> list[str]:
        return list(self._map)

    def __contains__(self, alias: object) -> bool:
        return alias in self._map

    def __getitem__(self, alias: str) -> str:
        return self.get(alias)

    def __setitem__(self, alias: str, target: str) -> None:
        self.set(alias, target)

    def __len__(self) -> int:
        return len(self._map)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._map))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AliasMap):
            return self._map == other._map
        if isinstance(other, Mapping):
            return self._map == dict(other)
        return NotImplemented

    def toDict(self) -> dict[str, str]:
        return dict(self._map)

    def __repr__(self) -> str:
        return f"AliasMap({self._map!r})"
