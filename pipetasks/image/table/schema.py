"""Typed, documented catalog fields: `Schema`, `Field`, `Key` and the alias map.

A `Schema` is an ordered set of `Field` objects, each with a name following LSST's convention
(``<plugin>_<quantity>``, e.g. ``base_SdssCentroid_x``, ``base_PsfFlux_flag``), a type code, a
documentation string, units and, for strings and arrays, a size. Adding a field returns a `Key`, the
handle used to read and write that field on records and catalogs. The `AliasMap` renames prefixes:
``slot_Centroid`` -> ``base_SdssCentroid`` makes ``slot_Centroid_x`` find ``base_SdssCentroid_x``.


Field types are listed in `pipetasks.image.table.fields`.
"""

from __future__ import annotations

__all__ = [
    "AliasMap",
    "Field",
    "FieldNotFoundError",
    "Key",
    "Schema",
    "SchemaItem",
    "SubSchema",
    "FIELD_TYPES",
    "type_code_for",
]

import difflib
import fnmatch
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from .aliases import AliasMap
from .fields import FIELD_TYPES, Field, FieldNotFoundError, Key, SchemaItem, type_code_for


class SubSchema:
    """A name prefix of a schema: ``schema["base_SdssCentroid"]["x"].asKey()``."""

    def __init__(self, schema: Schema, prefix: str):
        self._schema = schema
        self._prefix = prefix

    def __getitem__(self, name: str) -> SubSchema:
        return SubSchema(self._schema, f"{self._prefix}_{name}")

    def getPrefix(self) -> str:
        return self._prefix

    def asKey(self) -> Key:
        """Return the key of the field named by this prefix."""
        return self._schema.find(self._prefix).key

    def asField(self) -> Field:
        """Return the field named by this prefix."""
        return self._schema.find(self._prefix).field

    def find(self, name: str) -> SchemaItem:
        return self._schema.find(f"{self._prefix}_{name}")

    def getNames(self, topOnly: bool = False) -> set[str]:
        """Return the names under this prefix, without it (``{"x", "y", "flag"}``)."""
        full = self._schema.getAliasMap().apply(self._prefix) + "_"
        names = {name[len(full) :] for name in self._schema.getNames() if name.startswith(full)}
        if topOnly:
            names = {name.split("_", 1)[0] for name in names}
        return names

    def __repr__(self) -> str:
        return f"SubSchema({self._prefix!r})"


class Schema:
    """Ordered fields of a catalog, with the alias map.

    Examples
    --------
    >>> schema = Schema()
    >>> xKey = schema.addField("base_SdssCentroid_x", type="D", doc="centroid x", units="pixel")
    >>> schema.getAliasMap().set("slot_Centroid", "base_SdssCentroid")
    >>> schema.find("slot_Centroid_x").key == xKey
    True
    """

    def __init__(self, fields: Iterable[Field] = (), aliases: AliasMap | Mapping[str, str] | None = None):
        self._fields: dict[str, Field] = {}
        for field in fields:
            self.addField(field, parse_strict="silent")
        self._aliases = aliases if isinstance(aliases, AliasMap) else AliasMap(aliases)

    def addField(
        self,
        field: str | Field,
        type: Any = None,  # noqa: A002 (LSST's keyword)
        doc: str = "",
        units: str = "",
        size: int | None = None,
        doReplace: bool = False,
        parse_strict: str = "raise",
    ) -> Key:
        """Add a field; return its key.

        Parameters
        ----------
        field : `str` or `Field`
            The field, or its name (then ``type`` is required).
        type : `str`, `type` or `numpy.dtype`
            Type code (``"D"``, ``"F"``, ``"I"``, ``"L"``, ``"Flag"``, ``"Angle"``, ``"String"``,
            ``"ArrayF"``...) or a Python/numpy type.
        doc, units : `str`, optional
            Documentation and units (units are checked with astropy unless ``parse_strict`` is
            ``"silent"``).
        size : `int`, optional
            Maximum length of a ``String``, element count of an ``Array*`` field.
        doReplace : `bool`, optional
            Replace an existing field of the same name (which must have the same type) instead of
            raising.

        Raises
        ------
        ValueError
            Raised if the field exists and ``doReplace`` is false, the name is invalid, the units
            cannot be parsed, or a replacement changes the type.
        TypeError
            Raised for an unknown type.
        """
        if not isinstance(field, Field):
            if type is None:
                raise TypeError(f"addField({field!r}) needs a type; valid types: {', '.join(FIELD_TYPES)}")
            field = Field(field, type, doc, units, size or 0)
        if field.units and parse_strict != "silent":
            _check_units(field)
        existing = self._fields.get(field.name)
        if existing is not None:
            if not doReplace:
                raise ValueError(
                    f"Field {field.name!r} already exists in the schema (use doReplace=True to replace)"
                )
            if (existing.type, existing.size) != (field.type, field.size):
                raise ValueError(
                    f"Cannot replace field {field.name!r} of type {existing.type} "
                    f"with one of type {field.type}"
                )
        self._fields[field.name] = field
        return Key(field.name, field.type, field.size)

    def find(self, name: str | Key) -> SchemaItem:
        """Return the `SchemaItem` (key and field) for a name, alias or key.

        Raises
        ------
        FieldNotFoundError
            Raised if no field has that name after aliases are applied; the message suggests
            close names.
        """
        if isinstance(name, Key):
            name = name.name
        field = self._fields.get(name)
        if field is None:
            resolved = self._aliases.apply(name)
            field = self._fields.get(resolved)
            if field is None:
                close = difflib.get_close_matches(name, list(self._fields), n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                shown = name if resolved == name else f"{name} (alias of {resolved})"
                raise FieldNotFoundError(f"Field {shown!r} not found in schema{hint}")
        return SchemaItem(Key(field.name, field.type, field.size), field)

    def resolve(self, name: str | Key) -> str:
        """Return the true field name for a name, alias or key (raises like `find`)."""
        if isinstance(name, Key):
            return name.name
        if name in self._fields:
            return name
        return self.find(name).field.name

    def __getitem__(self, name: str) -> SubSchema:
        return SubSchema(self, name)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, Key):
            name = name.name
        if not isinstance(name, str):
            return False
        return name in self._fields or self._aliases.apply(name) in self._fields

    def contains(self, other: Schema | Key | str) -> bool:
        """Return whether a key/name is here, or every field of another schema is."""
        if isinstance(other, Schema):
            return all(self._fields.get(n) == f for n, f in other._fields.items())
        return other in self

    def __iter__(self) -> Iterator[SchemaItem]:
        for field in self._fields.values():
            yield SchemaItem(Key(field.name, field.type, field.size), field)

    def __len__(self) -> int:
        return len(self._fields)

    def getFieldCount(self) -> int:
        return len(self._fields)

    def getNames(self, topOnly: bool = False) -> set[str]:
        """Return the field names (LSST returns a set; see `getOrderedNames`)."""
        if topOnly:
            return {name.split("_", 1)[0] for name in self._fields}
        return set(self._fields)

    def getOrderedNames(self) -> list[str]:
        """Return the field names in the order the fields were added."""
        return list(self._fields)

    def fields(self) -> list[Field]:
        """Return the fields in order."""
        return list(self._fields.values())

    def getAliasMap(self) -> AliasMap:
        return self._aliases

    def setAliasMap(self, aliases: AliasMap | Mapping[str, str] | None) -> None:
        self._aliases = aliases if isinstance(aliases, AliasMap) else AliasMap(aliases)

    def extract(
        self, *patterns: str, regex: str | None = None, sub: str | None = None, ordered: bool = True
    ) -> dict[str, SchemaItem]:
        """Return ``{name: SchemaItem}`` for the fields whose names (or aliased names) match.

        Parameters
        ----------
        *patterns : `str`
            Shell-style globs (``"base_*Flux_instFlux"``).
        regex : `str`, optional
            A regular expression matched (``re.match``) as well.
        sub : `str`, optional
            Replacement template for the keys of regex matches (needs ``regex``).
        """
        if sub is not None and regex is None:
            raise ValueError("'sub' needs 'regex' in Schema.extract")
        result: dict[str, SchemaItem] = {}
        for item in self:
            true_name = item.field.name
            names = [true_name]
            for alias, target in self._aliases.items():
                if true_name.startswith(target):
                    names.append(alias + true_name[len(target) :])
            for name in names:
                if regex is not None:
                    match = re.match(regex, name)
                    if match is not None:
                        result[match.expand(sub) if sub is not None else name] = item
                        continue
                if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
                    result[name] = item
        return result

    def subset(self, names: Iterable[str | Key] | str) -> Schema:
        """Return a schema of the named fields (names, aliases or keys), in this schema's order.

        The alias map is copied whole. Raises `FieldNotFoundError` for an unknown name.
        """
        if isinstance(names, (str, Key)):
            names = [names]
        wanted = {self.resolve(name) for name in names}
        return Schema(
            [f for f in self._fields.values() if f.name in wanted], AliasMap(self._aliases.toDict())
        )

    def copy(self) -> Schema:
        """Return an independent copy (fields are immutable; the alias map is copied)."""
        return Schema(self._fields.values(), AliasMap(self._aliases.toDict()))

    def numpy_dtype(self) -> np.dtype:
        """Return the numpy structured dtype of one record of this schema."""
        return np.dtype([(f.name, f.dtype, f.shape) for f in self._fields.values()])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Schema):
            return NotImplemented
        return list(self._fields.values()) == list(other._fields.values()) and self._aliases == other._aliases

    def compare(self, other: Schema) -> bool:
        """Return whether the two schemas have the same names and types in the same order."""
        mine = [(f.name, f.type, f.size) for f in self._fields.values()]
        theirs = [(f.name, f.type, f.size) for f in other._fields.values()]
        return mine == theirs

    def __repr__(self) -> str:
        lines = [f"Schema({len(self._fields)} fields)"]
        for f in self._fields.values():
            extra = f"[{f.size}]" if f.size else ""
            units = f" [{f.units}]" if f.units else ""
            lines.append(f"  {f.name}: {f.type}{extra}{units}  {f.doc}")
        if len(self._aliases):
            lines.append("  aliases: " + ", ".join(f"{a}->{t}" for a, t in self._aliases.items()))
        return "\n".join(lines)

    # -- minimal schemas ----------------------------------------------------

    @classmethod
    def makeMinimalSimpleSchema(cls) -> Schema:
        """``id``, ``coord_ra``, ``coord_dec`` (LSST's ``SimpleTable.makeMinimalSchema``)."""
        schema = cls()
        schema.addField("id", type="L", doc="unique ID")
        schema.addField("coord_ra", type="Angle", doc="position in ra/dec", units="rad")
        schema.addField("coord_dec", type="Angle", doc="position in ra/dec", units="rad")
        return schema


def _check_units(field: Field) -> None:
    import astropy.units as u

    try:
        u.Unit(field.units, parse_strict="raise")
    except ValueError as exc:
        raise ValueError(
            f"Units {field.units!r} of field {field.name!r} are not understood by astropy ({exc}); "
            "use e.g. 'pixel', 'count', 'rad', 'nJy', or parse_strict='silent'"
        ) from None
