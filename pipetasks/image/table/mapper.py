"""`SchemaMapper`: build an output schema from an input one and copy records between them.

As in LSST, a task that adds measurements to sources read from another catalog makes a mapper,
copies the fields it keeps (``addMinimalSchema``, ``addMapping``), adds its own
(``editOutputSchema().addField``), then ``outCatalog.extend(inCatalog, mapper=mapper)``.
"""

from __future__ import annotations

__all__ = ["SchemaMapper"]

from .schema import Field, Key, Schema


class SchemaMapper:
    """Field mapping from an input schema to an output schema.

    Parameters
    ----------
    input : `Schema`
        Schema records are copied from.
    output : `Schema`, optional
        Starting output schema (empty by default).
    """

    def __init__(self, input: Schema, output: Schema | None = None):  # noqa: A002 (LSST's name)
        self._input = input
        self._output = output if output is not None else Schema()
        self._mapping: dict[str, str] = {}

    def getInputSchema(self) -> Schema:
        return self._input

    def getOutputSchema(self) -> Schema:
        return self._output

    def editOutputSchema(self) -> Schema:
        return self._output

    def addMapping(
        self, inputKey: Key | str, outputField: Field | str | None = None, doReplace: bool = False
    ) -> Key:
        """Map an input field to an output field (same field, or renamed); return the output key."""
        item = self._input.find(inputKey)
        if outputField is None:
            field = item.field
        elif isinstance(outputField, str):
            field = item.field.copyRenamed(outputField)
        else:
            field = outputField
        existing = self._output.find(field.name) if field.name in self._output.getNames() else None
        if existing is not None and existing.field == field:
            key = existing.key
        else:
            key = self._output.addField(field, doReplace=doReplace, parse_strict="silent")
        self._mapping[item.field.name] = key.name
        return key

    def addMinimalSchema(self, minimal: Schema, doMap: bool = True) -> None:
        """Add the fields of ``minimal`` to the output (mapped from the input when ``doMap``)."""
        for item in minimal:
            if doMap and item.field.name in self._input.getNames():
                self.addMapping(item.field.name)
            elif item.field.name not in self._output.getNames():
                self._output.addField(item.field, parse_strict="silent")

    def addOutputField(self, field: Field, doReplace: bool = False) -> Key:
        return self._output.addField(field, doReplace=doReplace, parse_strict="silent")

    def getMapping(self, inputKey: Key | str) -> Key:
        """Return the output key an input field is mapped to."""
        name = self._input.resolve(inputKey)
        try:
            return self._output.find(self._mapping[name]).key
        except KeyError:
            raise KeyError(f"Input field {name!r} is not mapped") from None

    def isMapped(self, inputKey: Key | str) -> bool:
        return self._input.resolve(inputKey) in self._mapping

    def pairs(self) -> list[tuple[str, str]]:
        """``(input name, output name)`` of every mapping, in insertion order."""
        return list(self._mapping.items())

    @classmethod
    def removeMinimalSchema(cls, input: Schema, minimal: Schema) -> SchemaMapper:  # noqa: A002
        """Return a mapper copying every field of ``input`` except those of ``minimal``."""
        mapper = cls(input)
        skip = minimal.getNames()
        for item in input:
            if item.field.name not in skip:
                mapper.addMapping(item.key)
        return mapper

    def __repr__(self) -> str:
        return f"SchemaMapper({len(self._mapping)} mappings)"
