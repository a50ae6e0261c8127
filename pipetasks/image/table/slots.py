"""Slots: the schema aliases naming the measurement a source's ``getCentroid()`` etc. returns.

LSST defines slots as aliases in the schema's alias map; the accessors then read through them:

===========================  ==========================  =========================================
slot alias                   typical target              record / catalog accessors
===========================  ==========================  =========================================
``slot_Centroid``            ``base_SdssCentroid``       ``getCentroid()``, ``getX()``, ``getY()``,
                                                         ``getCentroidFlag()``
``slot_Shape``               ``base_SdssShape``          ``getShape()``, ``getIxx/Iyy/Ixy()``,
                                                         ``getShapeFlag()``
``slot_PsfFlux``             ``base_PsfFlux``            ``getPsfInstFlux()``, ``getPsfInstFluxErr()``,
                                                         ``getPsfFluxFlag()``
``slot_ApFlux``              ``base_CircularApertureFlux_12_0``  ``getApInstFlux()``, ...Err, ...Flag
``slot_CalibFlux``           ``base_CircularApertureFlux_12_0``  ``getCalibInstFlux()``, ...
``slot_GaussianFlux``        ``base_GaussianFlux``       ``getGaussianInstFlux()``, ...
``slot_ModelFlux``           ``modelfit_CModel``         ``getModelInstFlux()``, ...
===========================  ==========================  =========================================

A centroid slot reads ``<target>_x``/``_y`` (and ``_flag``), a shape slot ``_xx``/``_yy``/``_xy``, a flux
slot ``_instFlux``/``_instFluxErr``/``_flag``. An accessor whose slot is not defined raises
`SlotNotDefinedError` naming the alias to set.
"""

from __future__ import annotations

__all__ = [
    "CentroidSlotDefinition",
    "FluxSlotDefinition",
    "ShapeSlotDefinition",
    "SlotNotDefinedError",
    "FLUX_SLOTS",
]

from typing import Any

from .keys import Point2DKey, QuadrupoleKey
from .schema import FieldNotFoundError, Key, Schema

FLUX_SLOTS = ("PsfFlux", "ApFlux", "CalibFlux", "GaussianFlux", "ModelFlux")
"""Names of the flux slots (LSST's set)."""


class SlotNotDefinedError(LookupError):
    """A slot accessor was used but its alias is not set (or its fields are missing)."""


class _SlotDefinition:
    """A slot: an alias name and the schema it resolves in."""

    _suffixes: tuple[str, ...] = ()

    def __init__(self, schema: Schema, name: str):
        self._schema = schema
        self._name = name

    def getName(self) -> str:
        return self._name

    def getAlias(self) -> str:
        """The alias (``slot_<name>``)."""
        return f"slot_{self._name}"

    def getTarget(self) -> str | None:
        """The measurement the slot points at, or `None` if undefined."""
        aliases = self._schema.getAliasMap()
        return aliases.get(self.getAlias()) if self.getAlias() in aliases else None

    def isValid(self) -> bool:
        """Whether the slot is defined and its measurement fields exist."""
        return all(f"{self.getAlias()}_{suffix}" in self._schema for suffix in self._suffixes)

    def field_names(self) -> list[str]:
        """True names of the measurement fields, in suffix order.

        Raises
        ------
        SlotNotDefinedError
            Raised if the slot is not defined or a field is missing.
        """
        try:
            return [self._schema.resolve(f"{self.getAlias()}_{suffix}") for suffix in self._suffixes]
        except FieldNotFoundError:
            raise SlotNotDefinedError(self._missing_message()) from None

    def flag_name(self) -> str:
        try:
            return self._schema.resolve(f"{self.getAlias()}_flag")
        except FieldNotFoundError:
            raise SlotNotDefinedError(self._missing_message("flag")) from None

    def getFlagKey(self) -> Key:
        return self._schema.find(self.flag_name()).key

    def _missing_message(self, what: str = "measurement") -> str:
        target = self.getTarget()
        if target is None:
            return (
                f"Slot {self._name} is not defined: set the alias, e.g. "
                f"schema.getAliasMap().set({self.getAlias()!r}, '<measurement prefix>')"
            )
        return f"Slot {self._name} points at {target!r}, whose {what} fields are not in the schema"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._name!r} -> {self.getTarget()!r})"


class CentroidSlotDefinition(_SlotDefinition):
    """``slot_Centroid``: ``_x``, ``_y`` (and ``_flag``)."""

    _suffixes = ("x", "y")

    def getMeasKey(self) -> Point2DKey:
        x, y = self.field_names()
        return Point2DKey(self._schema.find(x).key, self._schema.find(y).key)


class ShapeSlotDefinition(_SlotDefinition):
    """``slot_Shape``: ``_xx``, ``_yy``, ``_xy`` (and ``_flag``)."""

    _suffixes = ("xx", "yy", "xy")

    def getMeasKey(self) -> QuadrupoleKey:
        return QuadrupoleKey(*(self._schema.find(n).key for n in self.field_names()))


class FluxSlotDefinition(_SlotDefinition):
    """``slot_<X>Flux``: ``_instFlux``, ``_instFluxErr`` (and ``_flag``)."""

    _suffixes = ("instFlux",)

    def getMeasKey(self) -> Key:
        return self._schema.find(self.field_names()[0]).key

    def err_name(self) -> str:
        try:
            return self._schema.resolve(f"{self.getAlias()}_instFluxErr")
        except FieldNotFoundError:
            raise SlotNotDefinedError(self._missing_message("instFluxErr")) from None

    def getErrKey(self) -> Key:
        return self._schema.find(self.err_name()).key


def slot_definition(schema: Schema, name: str) -> Any:
    """Return the definition object of slot ``name`` (``Centroid``, ``Shape``, ``PsfFlux``...)."""
    if name == "Centroid":
        return CentroidSlotDefinition(schema, name)
    if name == "Shape":
        return ShapeSlotDefinition(schema, name)
    if name in FLUX_SLOTS:
        return FluxSlotDefinition(schema, name)
    raise KeyError(f"Unknown slot {name!r}; slots: Centroid, Shape, {', '.join(FLUX_SLOTS)}")
