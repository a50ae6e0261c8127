"""Dimension elements: the kinds of things a data ID can name."""

from __future__ import annotations

__all__ = ["FieldSpec", "DimensionElement", "Dimension", "SkyPixDimension"]

import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .records import DimensionRecord
    from .universe import DimensionUniverse

_PYTHON_TYPES: dict[str, type] = {
    "int": int,
    "float": float,
    "string": str,
    "bool": bool,
    "hash": bytes,
}


@dataclasses.dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a dimension record.

    Attributes
    ----------
    name : `str`
        Field name (also the column name).
    type : `str`
        One of ``int``, ``float``, ``string``, ``bool``, ``hash``, ``region``,
        ``timespan``.
    length : `int`, optional
        Maximum length of a string field.
    nbytes : `int`, optional
        Size of a hash field.
    nullable : `bool`
        Whether the field may be missing.
    doc : `str`
        What the field means.
    """

    name: str
    type: str
    length: int | None = None
    nbytes: int | None = None
    nullable: bool = True
    doc: str = ""

    @property
    def pytype(self) -> type | None:
        """The Python type values are converted to, or `None` for structured types."""
        return _PYTHON_TYPES.get(self.type)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> FieldSpec:
        """Build from one ``keys:``/``metadata:`` entry of the universe YAML."""
        return cls(
            name=config["name"],
            type=config.get("type", "string"),
            length=config.get("length"),
            nbytes=config.get("nbytes"),
            nullable=config.get("nullable", True),
            doc=" ".join(str(config.get("doc", "")).split()),
        )


class DimensionElement:
    """A table of records keyed by dimensions, e.g. ``visit`` or ``visit_detector_region``.

    Elements that have their own primary key are `Dimension` instances and
    can appear in data IDs; the rest (join elements such as
    ``visit_definition``) only relate dimensions to each other.
    """

    def __init__(
        self,
        name: str,
        *,
        doc: str = "",
        requires: tuple[str, ...] = (),
        implies: tuple[str, ...] = (),
        metadata: tuple[FieldSpec, ...] = (),
        spatial: str | None = None,
        temporal: str | None = None,
        populated_by: str | None = None,
        always_join: bool = False,
        governor: bool = False,
        view_of: str | None = None,
    ):
        self.name = name
        self.doc = doc
        self.direct_requires = requires
        self.direct_implies = implies
        self.metadata = metadata
        self.spatial = spatial
        self.temporal = temporal
        self.populated_by = populated_by
        self.always_join = always_join
        self.is_governor = governor
        self.view_of = view_of
        self.universe: DimensionUniverse  # set by the universe
        self.index: int = -1
        # Filled in by DimensionUniverse once every element exists.
        self.required: tuple[Dimension, ...] = ()
        self.implied: tuple[Dimension, ...] = ()
        self._record_class: type[DimensionRecord] | None = None

    @property
    def keys(self) -> tuple[FieldSpec, ...]:
        """Unique key fields; none for a join element."""
        return ()

    @property
    def has_own_table(self) -> bool:
        """Whether records of this element are stored in a table of their own."""
        return True

    @property
    def dimensions(self) -> tuple[Dimension, ...]:
        """Required then implied dimensions."""
        return self.required + self.implied

    @property
    def minimal_group(self):
        """The `DimensionGroup` of this element's required and implied dimensions."""
        return self.universe.conform([d.name for d in self.required])

    @property
    def schema(self) -> tuple[FieldSpec, ...]:
        """All record fields in storage order."""
        return self.RecordClass.fields

    @property
    def RecordClass(self) -> type[DimensionRecord]:
        """The record class of this element (built on first use)."""
        if self._record_class is None:
            from .records import make_record_class

            self._record_class = make_record_class(self)
        return self._record_class

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    def __str__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return self.name == other
        if isinstance(other, DimensionElement):
            return self.name == other.name
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.name)

    def __lt__(self, other: DimensionElement) -> bool:
        return self.index < other.index


class Dimension(DimensionElement):
    """An element with a primary key, whose values appear in data IDs."""

    def __init__(self, name: str, *, keys: tuple[FieldSpec, ...], **kwargs: Any):
        super().__init__(name, **kwargs)
        self._keys = keys

    @property
    def keys(self) -> tuple[FieldSpec, ...]:
        return self._keys

    @property
    def primary_key(self) -> FieldSpec:
        """The field whose value is this dimension's data ID value."""
        return self._keys[0]

    @property
    def alternate_keys(self) -> tuple[FieldSpec, ...]:
        """Other unique fields (e.g. ``detector.full_name``)."""
        return self._keys[1:]


class SkyPixDimension(Dimension):
    """A level of a hierarchical sky pixelization (``htm7``, ``healpix10``).

    Sky pixels have no table: every integer in range is a valid value.
    """

    def __init__(self, system: str, level: int):
        super().__init__(
            f"{system}{level}",
            keys=(FieldSpec("id", "int", nullable=False),),
            doc=f"Level {level} of the {system} sky pixelization.",
            spatial="skypix",
        )
        self.system = system
        self.level = level

    @property
    def has_own_table(self) -> bool:
        return False
