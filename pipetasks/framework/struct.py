"""`Struct`: the attribute bag tasks return from ``run``."""

from __future__ import annotations

__all__ = ("Struct",)

from types import SimpleNamespace
from typing import Any


class Struct(SimpleNamespace):
    """A bag of named values: ``Struct(exposure=exp, sourceCat=cat).exposure``.

    Returning a `Struct` instead of a tuple lets callers read results by
    name, so adding a result never breaks them.  Names may not start with
    ``__`` and may not be given twice.

    Examples
    --------
    >>> result = Struct(nSources=12, background=None)
    >>> result.nSources
    12
    >>> result.getDict()
    {'nSources': 12, 'background': None}
    """

    def __init__(self, **keyArgs: Any):
        for name, value in keyArgs.items():
            self._add(name, value)

    def _add(self, name: str, value: Any) -> None:
        if name.startswith("__"):
            raise RuntimeError(f"Item name {name!r} invalid; must not begin with __")
        if name in self.__dict__ or hasattr(type(self), name):
            raise RuntimeError(f"Item {name!r} already exists")
        setattr(self, name, value)

    def getDict(self) -> dict[str, Any]:
        """Return a shallow copy of the items as a `dict`."""
        return self.__dict__.copy()

    def mergeItems(self, struct: Struct, *nameList: str) -> None:
        """Copy the named items of ``struct`` into this one.

        Raises
        ------
        RuntimeError
            An item already exists here (items before it have been copied).
        """
        for name in nameList:
            self._add(name, getattr(struct, name))

    def copy(self) -> Struct:
        """Return a one-level copy (the values themselves are shared)."""
        return type(self)(**self.getDict())

    def __len__(self) -> int:
        return len(self.__dict__)

    def __repr__(self) -> str:
        items = "; ".join(f"{name}={value}" for name, value in self.__dict__.items())
        return f"{type(self).__name__}({items})"
