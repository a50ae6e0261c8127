"""Columnar catalogs: `BaseTable`, `BaseRecord`, `BaseCatalog`.

Storage
-------
A catalog keeps one contiguous numpy array per field (a "struct of arrays"), each with spare
capacity that doubles when full, so ``addNew()`` is amortised O(1) and ``catalog["field"]`` is a
contiguous numpy view of the first ``len(catalog)`` values. Per-record Python objects (a source's
footprint, an exposure row's PSF/WCS...) live in object arrays managed the same way. This layout was
chosen by measurement over astropy `~astropy.table.Table` and numpy structured arrays (numbers in
``docs/file_formats_catalogs.md``).

Views and copies
----------------
* ``catalog["x"]`` / ``catalog.get(key)`` is a view: writing into it writes the catalog.
* ``catalog[i]`` is a `BaseRecord`, a view of row ``i`` (``record["x"] = 1.0`` writes the catalog).
* ``catalog[a:b]`` is a catalog sharing the parent's memory (numpy basic slicing);
  ``catalog[mask]`` and ``catalog[indices]`` are copies (numpy fancy indexing).
* Appending to a catalog may reallocate its arrays: column views and slices taken before no longer
  follow it, and records hold a row number, so sorting or deleting rows moves what they point at.
  (LSST's ``getColumnView`` has the same contiguity caveat.)
"""

from __future__ import annotations

__all__ = ["BaseCatalog", "BaseRecord", "BaseTable"]

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar

import numpy as np

from .ids import IdFactory
from .records import BaseRecord
from .schema import Field, Key, Schema

_MIN_CAPACITY = 16


def _default_value(field: Field) -> Any:
    if field.type in ("F", "D", "Angle", "ArrayF", "ArrayD"):
        return np.nan
    if field.type == "String":
        return ""
    return 0


def _empty_column(field: Field, capacity: int) -> np.ndarray:
    return np.full((capacity, *field.shape), _default_value(field), dtype=field.dtype)


class BaseTable:
    """What the records of a catalog share: schema, id factory and metadata.

    Parameters
    ----------
    schema : `Schema`
        The fields (the table keeps this object; aliases set on it apply to its catalogs).
    idFactory : `IdFactory`, optional
        Makes the ``id`` of new records when the schema has an ``id`` field; simple by default.
    metadata : `dict`, optional
        Free-form metadata (written to file headers when scalar).
    """

    def __init__(
        self, schema: Schema, idFactory: IdFactory | None = None, metadata: Mapping[str, Any] | None = None
    ):
        if not isinstance(schema, Schema):
            raise TypeError(f"{type(self).__name__} needs a Schema, not a {type(schema).__name__}")
        self._schema = schema
        self._idFactory = idFactory if idFactory is not None else IdFactory.makeSimple()
        self._metadata: dict[str, Any] = dict(metadata or {})

    @classmethod
    def make(cls, schema: Schema, idFactory: IdFactory | None = None) -> BaseTable:
        return cls(schema, idFactory)

    @classmethod
    def makeMinimalSchema(cls) -> Schema:
        return Schema()

    def getSchema(self) -> Schema:
        return self._schema

    @property
    def schema(self) -> Schema:
        return self._schema

    def getIdFactory(self) -> IdFactory:
        return self._idFactory

    def setIdFactory(self, idFactory: IdFactory) -> None:
        self._idFactory = idFactory

    def getMetadata(self) -> dict[str, Any]:
        return self._metadata

    def setMetadata(self, metadata: Mapping[str, Any] | None) -> None:
        self._metadata = dict(metadata or {})

    def clone(self) -> BaseTable:
        """Return a table with a copy of the schema, a clone of the id factory and the metadata."""
        return type(self)(self._schema.copy(), self._idFactory.clone(), dict(self._metadata))

    def makeRecord(self) -> BaseRecord:
        """Return a new record not (yet) in any user catalog; `BaseCatalog.append` copies it in."""
        return self._catalog_class()(self).addNew()

    def _catalog_class(self) -> type[BaseCatalog]:
        return BaseCatalog

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self._schema)} fields)"


class BaseCatalog:
    """A columnar catalog of records sharing one `BaseTable`.

    Parameters
    ----------
    table : `BaseTable` or `Schema`
        The table, or a schema from which a table (simple id factory) is made.
    capacity : `int`, optional
        Rows to allocate up front.
    """

    Table: ClassVar[type[BaseTable]] = BaseTable
    Record: ClassVar[type[BaseRecord]] = BaseRecord
    _object_columns: ClassVar[tuple[str, ...]] = ()

    def __init__(self, table: BaseTable | Schema, capacity: int = 0):
        if isinstance(table, Schema):
            table = self.Table(table)
        elif not isinstance(table, BaseTable):
            raise TypeError(
                f"{type(self).__name__} needs a Schema or a {self.Table.__name__}, not {type(table).__name__}"
            )
        self._table = table
        self._size = 0
        self._capacity = int(capacity)
        self._data: dict[str, np.ndarray] = {
            f.name: _empty_column(f, self._capacity) for f in table.getSchema().fields()
        }
        self._objects: dict[str, np.ndarray] = {
            name: np.full(self._capacity, None, dtype=object) for name in self._object_columns
        }
        self._names: dict[str, str] = {}
        self._alias_version = -1

    # -- construction helpers -------------------------------------------------

    @classmethod
    def _from_columns(
        cls,
        table: BaseTable,
        data: Mapping[str, np.ndarray],
        objects: Mapping[str, np.ndarray] | None,
        size: int,
    ) -> Any:
        """Make a catalog whose arrays are exactly ``data`` (no copy); capacity = ``size``."""
        catalog = cls.__new__(cls)
        catalog._table = table
        catalog._size = size
        catalog._capacity = size
        catalog._data = dict(data)
        catalog._objects = {
            name: (objects or {}).get(name, np.full(size, None, dtype=object)) for name in cls._object_columns
        }
        catalog._names = {}
        catalog._alias_version = -1
        return catalog

    def __getstate__(self) -> dict[str, Any]:
        # Pickle only the rows in use, not the spare capacity.
        state = dict(self.__dict__)
        state["_data"] = {n: a[: self._size] for n, a in self._data.items()}
        state["_objects"] = {n: a[: self._size] for n, a in self._objects.items()}
        state["_capacity"] = self._size
        state["_names"] = {}
        state["_alias_version"] = -1
        return state

    # -- table and schema -------------------------------------------------------

    def getTable(self) -> BaseTable:
        return self._table

    @property
    def table(self) -> BaseTable:
        return self._table

    def getSchema(self) -> Schema:
        return self._table.getSchema()

    @property
    def schema(self) -> Schema:
        return self._table.getSchema()

    def getMetadata(self) -> dict[str, Any]:
        return self._table.getMetadata()

    def setMetadata(self, metadata: Mapping[str, Any] | None) -> None:
        self._table.setMetadata(metadata)

    # -- storage ---------------------------------------------------------------

    def _resolve(self, key: Any) -> str:
        if isinstance(key, Key):
            name = key.name
        elif isinstance(key, str):
            schema = self._table.getSchema()
            aliases = schema.getAliasMap()
            if aliases.version != self._alias_version:
                self._names.clear()
                self._alias_version = aliases.version
            name = self._names.get(key)
            if name is None:
                name = schema.resolve(key)
                self._names[key] = name
        else:
            raise TypeError(f"Catalog fields are named by str or Key, not {type(key).__name__} ({key!r})")
        if name not in self._data:
            self._sync_columns()
            if name not in self._data:
                raise KeyError(f"Field {name!r} is not in this catalog's schema")
        return name

    def _sync_columns(self) -> None:
        """Allocate columns for fields added to the schema after the catalog was made."""
        for field in self._table.getSchema().fields():
            if field.name not in self._data:
                self._data[field.name] = _empty_column(field, self._capacity)

    def _column_storage(self, key: Any) -> np.ndarray:
        return self._data[self._resolve(key)]

    def _reserve(self, needed: int) -> None:
        if needed <= self._capacity:
            return
        capacity = max(needed, 2 * self._capacity, _MIN_CAPACITY)
        fields = {f.name: f for f in self._table.getSchema().fields()}
        for name, old in self._data.items():
            new = (
                _empty_column(fields[name], capacity)
                if name in fields
                else np.zeros((capacity, *old.shape[1:]), old.dtype)
            )
            new[: self._size] = old[: self._size]
            self._data[name] = new
        for name, old in self._objects.items():
            new = np.full(capacity, None, dtype=object)
            new[: self._size] = old[: self._size]
            self._objects[name] = new
        self._capacity = capacity

    def reserve(self, n: int) -> None:
        """Make room for ``n`` records in total without reallocating."""
        self._reserve(int(n))

    def capacity(self) -> int:
        return self._capacity

    def _common_fields(self, other: BaseCatalog) -> list[tuple[str, str]]:
        return [(name, name) for name in other._data if name in self._data]

    # -- rows ------------------------------------------------------------------

    def __len__(self) -> int:
        return self._size

    def _record(self, index: int) -> BaseRecord:
        return self.Record(self, index)

    def addNew(self) -> BaseRecord:
        """Append a record with default values (NaN floats, 0 ints, False flags) and a new id."""
        self._reserve(self._size + 1)
        index = self._size
        self._size += 1
        if "id" in self._data:
            self._data["id"][index] = self._table.getIdFactory()()
        return self._record(index)

    def append(self, record: BaseRecord) -> BaseRecord:
        """Copy ``record`` (from any catalog; common fields by name) to a new last row; return it."""
        if not isinstance(record, BaseRecord):
            raise TypeError(f"{type(self).__name__}.append takes a record, not a {type(record).__name__}")
        self._reserve(self._size + 1)
        index = self._size
        self._size += 1
        new = self._record(index)
        new.assign(record)
        return new

    def extend(
        self, other: Iterable[BaseRecord] | BaseCatalog, deep: bool = True, mapper: Any = None
    ) -> None:
        """Append the records of a catalog (vectorised) or an iterable of records.

        Parameters
        ----------
        other : `BaseCatalog` or iterable of `BaseRecord`
            What to append; fields are matched by name, or by ``mapper``.
        deep : `bool`, optional
            Accepted for LSST compatibility; records are always copied.
        mapper : `SchemaMapper`, optional
            Field mapping from ``other``'s schema to this one.
        """
        if not isinstance(other, BaseCatalog):
            for record in other:
                self.append(record) if mapper is None else self._append_mapped(record, mapper)
            return
        count = len(other)
        start = self._size
        self._reserve(start + count)
        pairs = mapper.pairs() if mapper is not None else self._common_fields(other)
        for source, target in pairs:
            self._column_storage(target)[start : start + count] = other._column_storage(source)[:count]
        for name in self._object_columns:
            if name in other._objects:
                self._objects[name][start : start + count] = other._objects[name][:count]
        self._size = start + count

    def _append_mapped(self, record: BaseRecord, mapper: Any) -> BaseRecord:
        new = self.addNew()
        new.assign(record, mapper)
        return new

    def __iter__(self) -> Iterator[BaseRecord]:
        for index in range(self._size):
            yield self._record(index)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, (str, Key)):
            return self._column_storage(key)[: self._size]
        if isinstance(key, (int, np.integer)):
            index = int(key)
            if index < 0:
                index += self._size
            if not 0 <= index < self._size:
                raise IndexError(
                    f"Record index {int(key)} out of range for a catalog of {self._size} records"
                )
            return self._record(index)
        if isinstance(key, slice):
            return self._subset(key)
        selector = np.asarray(key)
        if selector.dtype == bool:
            if selector.shape != (self._size,):
                raise IndexError(
                    f"Boolean selection of shape {selector.shape} for a catalog of {self._size} records"
                )
            return self._subset(selector)
        if selector.dtype.kind in "iu":
            return self._subset(selector)
        raise TypeError(
            f"Catalogs are indexed by int, slice, bool/int array, field name or Key, not {type(key).__name__}"
        )

    def _subset(self, selector: Any) -> Any:
        data = {name: array[: self._size][selector] for name, array in self._data.items()}
        objects = {name: array[: self._size][selector] for name, array in self._objects.items()}
        size = len(next(iter(data.values()))) if data else len(np.arange(self._size)[selector])
        return self._from_columns(self._table, data, objects, size)

    def subset(self, mask: np.ndarray) -> Any:
        """Return the records where ``mask`` is true (a copy)."""
        return self[np.asarray(mask, dtype=bool)]

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, (str, Key)):
            self._column_storage(key)[: self._size] = value
            return
        raise TypeError(
            "Assign columns by field name or Key (catalog['x'] = values); set records with record.set"
        )

    def __delitem__(self, key: Any) -> None:
        keep = np.ones(self._size, dtype=bool)
        keep[key] = False
        for name, array in self._data.items():
            self._data[name] = array[: self._size][keep].copy()
        for name, array in self._objects.items():
            self._objects[name] = array[: self._size][keep].copy()
        self._size = self._capacity = int(keep.sum())

    def get(self, key: Any) -> np.ndarray:
        """Return a column view (also for functor keys: a tuple of views)."""
        if not isinstance(key, (str, Key)) and hasattr(key, "getColumns"):
            return key.getColumns(self)
        return self[key]

    def set(self, key: Any, values: Any) -> None:
        self[key] = values

    def getColumnView(self) -> BaseCatalog:
        """LSST compatibility: the catalog itself gives column views."""
        return self

    def isContiguous(self) -> bool:
        return True

    def copy(self, deep: bool = True) -> Any:
        """Return a copy; ``deep=False`` shares the column arrays and attached objects."""
        if not deep:
            data = {n: a[: self._size] for n, a in self._data.items()}
            objects = {n: a[: self._size] for n, a in self._objects.items()}
            return self._from_columns(self._table, data, objects, self._size)
        data = {n: a[: self._size].copy() for n, a in self._data.items()}
        objects = {n: a[: self._size].copy() for n, a in self._objects.items()}
        return self._from_columns(self._table.clone(), data, objects, self._size)

    # -- sorting and lookup -----------------------------------------------------

    def sort(self, key: Any = "id") -> None:
        """Sort the records in place by a field (stable); records taken before now point elsewhere."""
        order = np.argsort(self[key], kind="stable")
        for array in (*self._data.values(), *self._objects.values()):
            array[: self._size] = array[: self._size][order]

    def isSorted(self, key: Any = "id") -> bool:
        values = self[key]
        return bool(np.all(values[1:] >= values[:-1]))

    def find(self, value: Any, key: Any = "id") -> BaseRecord | None:
        """Return the record whose ``key`` equals ``value`` (binary search if sorted), or `None`."""
        values = self[key]
        if self.isSorted(key):
            index = int(np.searchsorted(values, value))
            if index < self._size and values[index] == value:
                return self._record(index)
            return None
        hits = np.flatnonzero(values == value)
        return self._record(int(hits[0])) if len(hits) else None

    # -- conversions (implemented in `convert`) ----------------------------------

    def asAstropy(self, copy: bool = True) -> Any:
        """Return an `astropy.table.Table` with units and descriptions (aliases in ``meta``).

        ``copy=False`` gives columns sharing memory with the catalog.
        """
        from .convert import catalog_to_astropy

        return catalog_to_astropy(self, copy)

    def to_pandas(self) -> Any:
        """Return a `pandas.DataFrame` of the columns.

        Raises
        ------
        ImportError
            Raised if pandas is not installed (it is optional).
        """
        from .convert import catalog_to_pandas

        return catalog_to_pandas(self)

    @classmethod
    def fromAstropy(cls, table: Any, schema: Schema | None = None) -> Any:
        """Make a catalog from an astropy table (types, units and descriptions become fields).

        Parameters
        ----------
        table : `astropy.table.Table`
            Source table; ``meta["aliases"]`` (a mapping) becomes the alias map.
        schema : `Schema`, optional
            Schema to use instead of one inferred from the columns (matched by name).
        """
        from .convert import catalog_from_astropy

        return catalog_from_astropy(cls, table, schema)

    # -- display -----------------------------------------------------------------

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self._size} records, {len(self.getSchema())} fields>"

    def _repr_html_(self) -> str:
        head = self[: min(self._size, 10)].asAstropy()
        return (
            f"<p>{type(self).__name__}: {self._size} records, {len(self.getSchema())} fields</p>"
            + head._repr_html_()
        )
