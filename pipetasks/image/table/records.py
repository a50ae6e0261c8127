"""`BaseRecord`: a view of one row of a catalog, read and written by name, alias or key."""

from __future__ import annotations

__all__ = ["BaseRecord"]

from typing import TYPE_CHECKING, Any

import numpy as np

from .fields import Key
from .schema import Schema

if TYPE_CHECKING:
    from .base import BaseCatalog, BaseTable


class BaseRecord:
    """One row of a catalog, read and written by field name, alias, `Key` or functor key."""

    __slots__ = ("_catalog", "_index")

    def __init__(self, catalog: BaseCatalog, index: int):
        self._catalog = catalog
        self._index = index

    def get(self, key: Any) -> Any:
        """Return a field's value (Python scalar; numpy view for array fields)."""
        if not isinstance(key, (str, Key)) and hasattr(key, "get"):
            return key.get(self)
        value = self._catalog._column_storage(key)[self._index]
        return value.item() if isinstance(value, np.generic) else value

    def set(self, key: Any, value: Any) -> None:
        """Set a field's value (functor keys set all their fields)."""
        if not isinstance(key, (str, Key)) and hasattr(key, "set"):
            key.set(self, value)
            return
        self._catalog._column_storage(key)[self._index] = value

    __getitem__ = get
    __setitem__ = set

    def getSchema(self) -> Schema:
        return self._catalog.getSchema()

    @property
    def schema(self) -> Schema:
        return self._catalog.getSchema()

    def getTable(self) -> BaseTable:
        return self._catalog.getTable()

    def getId(self) -> int:
        return self.get("id")

    def setId(self, value: int) -> None:
        self.set("id", value)

    def assign(self, other: BaseRecord, mapper: Any = None) -> None:
        """Copy field values (and attached objects) from ``other``.

        Without a mapper, every field whose name is in both schemas is copied; with a `SchemaMapper`,
        its mappings are.
        """
        pairs = mapper.pairs() if mapper is not None else self._catalog._common_fields(other._catalog)
        for source, target in pairs:
            self._catalog._column_storage(target)[self._index] = other._catalog._column_storage(source)[
                other._index
            ]
        for name in self._catalog._object_columns:
            if name in other._catalog._objects:
                self._catalog._objects[name][self._index] = other._catalog._objects[name][other._index]

    def extract(self, *patterns: str, regex: str | None = None, sub: str | None = None) -> dict[str, Any]:
        """Return ``{name: value}`` for the fields matching glob patterns (all fields by default)."""
        schema = self.getSchema()
        items = schema.extract(*(patterns or ("*",)), regex=regex, sub=sub)
        return {name: self.get(item.key) for name, item in items.items()}

    def _object(self, name: str) -> Any:
        return self._catalog._objects[name][self._index]

    def _set_object(self, name: str, value: Any) -> None:
        self._catalog._objects[name][self._index] = value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseRecord):
            return NotImplemented
        return other._catalog is self._catalog and other._index == self._index

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        names = self.getSchema().getOrderedNames()
        values = ", ".join(f"{name}={self.get(name)!r}" for name in names[:8])
        more = ", ..." if len(self.getSchema()) > 8 else ""
        return f"{type(self).__name__}({values}{more})"
