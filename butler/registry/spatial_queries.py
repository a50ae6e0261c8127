"""Spatial constraints and joins for the query builder.

Regions live in the element tables as bytes; each spatial element also has
an overlap table of the common-skypix pixels (htm7) its region touches.
Queries use those tables as an indexed pre-filter and then test the real
regions in Python:

* ``x.region OVERLAPS <region>`` in a where clause: candidate records are the
  ones sharing a pixel with the region's envelope; those whose regions truly
  overlap become an exact ``key IN (...)`` condition, so the clause composes
  with ``NOT``/``OR`` and ``limit`` in SQL stays correct.
* Two spatial families in one query (``visit`` with ``patch``), or a skypix
  dimension (``htm7``) with a spatial element: the element tables are joined
  through their overlap tables on a common pixel; the fetched rows carry the
  regions (and skypix values) and `SpatialRefiner` keeps the rows whose
  regions overlap, applying ``limit`` afterwards.
"""

from __future__ import annotations

__all__ = ["SpatialRefiner", "element_key_columns", "region_from_node", "skypix_values_in_where"]

import itertools
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from .. import spatial
from ..dimensions import DimensionElement
from ..dimensions.elements import SkyPixDimension
from ..errors import InvalidQueryError
from ..queries.expression_tree import (
    BinaryOp,
    BindName,
    BoxNode,
    CircleNode,
    FloatLiteral,
    Identifier,
    IntLiteral,
    IsIn,
    Node,
    RangeLiteral,
    PointNode,
    PolygonNode,
    RegionNode,
    StringLiteral,
    UnaryOp,
)

if TYPE_CHECKING:
    from .query_engine import QueryBuilder

_MAX_PIXEL_RANGES = 64
_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "%": operator.mod,
}


# Regions from where-expression nodes ------------------------------------------------------------


def _number(node: Node, bind: Mapping[str, Any]) -> float:
    if isinstance(node, IntLiteral | FloatLiteral):
        return float(node.value)
    if isinstance(node, BindName):
        value = bind.get(node.name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise InvalidQueryError(f"Bind parameter {node} must be a number for a region coordinate, "
                                f"not {value!r}.")
    if isinstance(node, UnaryOp) and node.op in "+-":
        value = _number(node.operand, bind)
        return -value if node.op == "-" else value
    if isinstance(node, BinaryOp) and node.op in _ARITHMETIC:
        return _ARITHMETIC[node.op](_number(node.lhs, bind), _number(node.rhs, bind))
    raise InvalidQueryError(f"Region coordinate {node} must be a number or a bind parameter, not a column.")


def region_from_node(node: Node, bind: Mapping[str, Any]) -> spatial.Region:
    """The region a where-expression node describes (degrees throughout).

    ``POINT(ra, dec)`` is a zero-radius circle; ``BOX(ra, dec, width, height)``
    an RA/Dec box of full width and height centred on the point;
    ``REGION('...')`` an IVOA SIAv2 ``POS`` string; a bind value may be a
    region (ours or LSST sphgeom's), its bytes, a ``POS`` string or a `LonLat`.
    """
    try:
        if isinstance(node, PointNode):
            return spatial.Circle(spatial.LonLat(_number(node.ra, bind), _number(node.dec, bind)), 0.0)
        if isinstance(node, CircleNode):
            return spatial.Circle.from_degrees(_number(node.ra, bind), _number(node.dec, bind),
                                               _number(node.radius, bind))
        if isinstance(node, BoxNode):
            return spatial.Box.from_center(_number(node.ra, bind), _number(node.dec, bind),
                                           _number(node.width, bind), _number(node.height, bind))
        if isinstance(node, PolygonNode):
            return spatial.ConvexPolygon.from_radec([_number(ra, bind) for ra, _ in node.vertices],
                                                    [_number(dec, bind) for _, dec in node.vertices])
        if isinstance(node, RegionNode):
            spec = node.spec
            text = spec.value if isinstance(spec, StringLiteral) else bind.get(getattr(spec, "name", ""))
            if not isinstance(text, str):
                raise InvalidQueryError(f"REGION() needs an IVOA POS string, not {text!r}.")
            return spatial.region_from_ivoa_pos(text)
        if isinstance(node, BindName):
            if node.name not in bind:
                raise InvalidQueryError(f"No value given for bind parameter {node}.")
            return _region_from_value(bind[node.name], node)
    except ValueError as err:
        raise InvalidQueryError(f"Invalid region {node}: {err}") from None
    raise InvalidQueryError(
        f"{node} is not a region; use POINT(), CIRCLE(), BOX(), POLYGON(), REGION() or a bound region.")


def _region_from_value(value: Any, node: Node) -> spatial.Region:
    if isinstance(value, spatial.Region):
        return value
    if isinstance(value, spatial.LonLat):
        return spatial.Circle(value, 0.0)
    if isinstance(value, bytes):
        return spatial.decode(value)
    if isinstance(value, str):
        return spatial.region_from_ivoa_pos(value)
    encode = getattr(value, "encode", None)
    if callable(encode):
        return spatial.decode(encode())  # an LSST sphgeom region
    raise InvalidQueryError(f"Bind parameter {node} = {value!r} is not a region.")


def skypix_values_in_where(tree: Node | None, bind: Mapping[str, Any], names: Iterable[str]
                           ) -> dict[str, list[int]]:
    """Values the where clause requires of skypix dimensions (``htm9 = 5``, ``healpix8 IN (1, 2)``).

    Only terms joined to the whole expression by ``AND`` count, so every
    result row has one of these values; the clause itself still applies.
    """
    wanted = set(names)
    found: dict[str, list[int]] = {}

    def integers(node: Node) -> list[int] | None:
        if isinstance(node, IntLiteral):
            return [node.value]
        if isinstance(node, RangeLiteral) and node.stop_value - node.start_value <= 10000 * node.stride:
            return list(range(node.start_value, node.stop_value + 1, node.stride))
        if isinstance(node, BindName):
            value = bind.get(node.name)
            if isinstance(value, int) and not isinstance(value, bool):
                return [value]
            if isinstance(value, list | tuple | set | range) and all(isinstance(v, int) for v in value):
                return list(value)
        return None

    def visit(node: Node) -> None:
        if isinstance(node, BinaryOp) and node.op.upper() == "AND":
            visit(node.lhs)
            visit(node.rhs)
            return
        if isinstance(node, BinaryOp) and node.op == "=":
            for side, other in ((node.lhs, node.rhs), (node.rhs, node.lhs)):
                values = integers(other)
                if isinstance(side, Identifier) and side.name in wanted and values is not None:
                    found.setdefault(side.name, values)
            return
        if isinstance(node, IsIn) and not node.negated and isinstance(node.lhs, Identifier):
            if node.lhs.name in wanted:
                values = [integers(item) for item in node.items]
                if all(v is not None for v in values):
                    found.setdefault(node.lhs.name, [i for v in values for i in v])  # type: ignore[union-attr]

    if tree is not None:
        visit(tree)
    return found


# SQL pieces ------------------------------------------------------------------------------------


def element_key_columns(element: DimensionElement, table: sa.FromClause) -> list[sa.ColumnElement]:
    """The columns of an element table (or alias) holding its required dimensions, in order."""
    fields = dict(element.RecordClass._dimension_fields)
    return [table.c[fields[d.name]] for d in element.required]


def _pixel_condition(column: sa.ColumnElement, ranges: spatial.RangeSet) -> sa.ColumnElement[bool]:
    singles = [b for b, e in ranges if e - b == 1]
    spans = [sa.between(column, b, e - 1) for b, e in ranges if e - b > 1]
    terms = spans + ([column.in_(singles)] if singles else [])
    if not terms:
        return sa.false()
    return terms[0] if len(terms) == 1 else sa.or_(*terms)


def keys_condition(columns: Sequence[sa.ColumnElement], keys: Iterable[tuple]) -> sa.ColumnElement[bool]:
    """SQL true exactly for the given key tuples (values inlined: no bind-parameter limit)."""
    keys = sorted(set(keys))
    if not keys:
        return sa.false()
    *prefix, last = columns
    terms = []
    for head, group in itertools.groupby(keys, key=lambda k: k[:-1]):
        values = [k[-1] for k in group]
        member = last.in_(sa.bindparam(None, values, expanding=True, literal_execute=True))
        terms.append(sa.and_(*[c == v for c, v in zip(prefix, head)], member) if prefix else member)
    return terms[0] if len(terms) == 1 else sa.or_(*terms)


class FixedRegionConstraint:
    """``element.region OVERLAPS region``, resolved into the exact set of matching records."""

    def __init__(self, builder: QueryBuilder, element: DimensionElement, region: spatial.Region):
        self.builder = builder
        self.element = element
        self.region = region

    def matching_keys(self) -> list[tuple]:
        storage = self.builder.registry.dimension_records
        overlaps = storage.overlap_table(self.element)
        table = storage.table(self.element)
        if overlaps is None:
            raise InvalidQueryError(f"{self.element.name} records have no region to test.")
        pixelization = storage.common_pixelization
        ranges = pixelization.envelope(self.region).simplify(_MAX_PIXEL_RANGES)
        keys = element_key_columns(self.element, table)
        on = [overlaps.c[d.name] == k for d, k in zip(self.element.required, keys)]
        stmt = (sa.select(*keys, table.c.region).distinct()
                .select_from(table.join(overlaps, sa.and_(*on)))
                .where(overlaps.c.skypix_system == pixelization.system,
                       overlaps.c.skypix_level == pixelization.level,
                       _pixel_condition(overlaps.c.skypix_index, ranges)))
        matches = []
        for row in self.builder.registry.db.fetch_all(stmt):
            if row[-1] is not None and spatial.decode(bytes(row[-1])).overlaps(self.region):
                matches.append(tuple(row[:-1]))
        return matches

    def condition(self, key_columns: Sequence[sa.ColumnElement]) -> sa.ColumnElement[bool]:
        """SQL true where ``key_columns`` (the element's required dimensions) name an overlapping record.

        Give the query's own dimension columns (e.g. those of the dataset search) rather than
        the element table's: the database can then apply the condition before ranking or joining.
        """
        return keys_condition(list(key_columns), self.matching_keys())


# Joins between spatial families ------------------------------------------------------------------


class SpatialRefiner:
    """Joins the spatial participants of a query through overlap tables; filters fetched rows exactly.

    A participant is the most specific spatial element of each family in the
    query's dimensions (``visit_detector_region`` over ``visit``, ``patch``
    over ``tract``) or a skypix dimension.  Every pair of participants must
    overlap.
    """

    def __init__(self, builder: QueryBuilder):
        self.builder = builder
        self.pairs: list[tuple[str, str]] = []
        self.extra: list[sa.ColumnElement] = []
        self._positions: dict[str, int] = {}

    @property
    def active(self) -> bool:
        """Whether fetched rows need the Python overlap test."""
        return bool(self.pairs)

    def participants(self) -> list[str]:
        b = self.builder
        universe = b.universe
        chosen: dict[str, DimensionElement] = {}
        for name in b.dimensions.elements:
            element = universe[name]
            if not element.spatial or isinstance(element, SkyPixDimension):
                continue
            if b.registry.dimension_records.overlap_table(element) is None:
                continue
            best = chosen.get(element.spatial)
            if best is None or len(element.required) > len(best.required):
                chosen[element.spatial] = element
        skypix = [n for n in b.dimensions.names if isinstance(universe[n], SkyPixDimension)]
        return [e.name for e in chosen.values()] + skypix

    def plan(self) -> None:
        """Add the overlap-table joins and remember the pairs to test."""
        participants = self.participants()
        if len(participants) < 2:
            return
        universe = self.builder.universe
        for a, b in itertools.combinations(participants, 2):
            a_sky, b_sky = isinstance(universe[a], SkyPixDimension), isinstance(universe[b], SkyPixDimension)
            if a_sky and not b_sky:
                a, b = b, a
                a_sky, b_sky = b_sky, a_sky
            if not a_sky and not b_sky:
                self._join_elements(universe[a], universe[b])
            elif not a_sky:
                self._join_element_skypix(universe[a], universe[b])  # type: ignore[arg-type]
            elif any(s not in self.builder.dim_columns for s in (a, b)):
                raise InvalidQueryError(f"Skypix dimensions {a} and {b} need values from the query "
                                        "(a data ID or a dataset's dimensions).")
            self.pairs.append((a, b))
        for name in dict.fromkeys(n for pair in self.pairs for n in pair):
            self._positions[name] = len(self.extra)
            if isinstance(universe[name], SkyPixDimension):
                self.extra.append(self.builder.dim_columns[name].label(f"sp_{name}"))
            else:
                table = self.builder.join_element(universe[name])
                self.extra.append(table.c.region.label(f"sp_{name}"))

    def _overlap_alias(self, element: DimensionElement, suffix: str) -> tuple[sa.FromClause, list]:
        storage = self.builder.registry.dimension_records
        table_of_element = storage.overlap_table(element)
        assert table_of_element is not None
        overlaps = table_of_element.alias(f"o_{element.name}_{suffix}")
        table = self.builder.join_element(element)
        pixelization = storage.common_pixelization
        on = [overlaps.c[d.name] == k for d, k in zip(element.required, element_key_columns(element, table))]
        on += [overlaps.c.skypix_system == pixelization.system, overlaps.c.skypix_level == pixelization.level]
        return overlaps, on

    def _join_elements(self, a: DimensionElement, b: DimensionElement) -> None:
        oa, on_a = self._overlap_alias(a, b.name)
        ob, on_b = self._overlap_alias(b, a.name)
        builder = self.builder
        builder.from_clause = (builder.from_clause.join(oa, sa.and_(*on_a))  # type: ignore[union-attr]
                               .join(ob, sa.and_(ob.c.skypix_index == oa.c.skypix_index, *on_b)))

    def _join_element_skypix(self, element: DimensionElement, skypix: SkyPixDimension) -> None:
        builder = self.builder
        common = builder.registry.dimension_records.common_pixelization
        column = builder.dim_columns.get(skypix.name)
        if column is None and skypix.name != common.name:
            raise InvalidQueryError(
                f"{skypix.name} needs values from the query (a data ID or a dataset's "
                f"dimensions); only the common skypix dimension {common.name} can be derived from "
                f"{element.name} regions.")
        if column is not None and skypix.system != common.system:
            return  # no pixel relation to pre-filter with: the exact test does it all
        overlaps, on = self._overlap_alias(element, skypix.name)
        if column is None:
            builder.dim_columns[skypix.name] = overlaps.c.skypix_index
        elif skypix.level >= common.level:
            scale = 4 ** (skypix.level - common.level)
            on += [overlaps.c.skypix_index * scale <= column, column < (overlaps.c.skypix_index + 1) * scale]
        else:
            scale = 4 ** (common.level - skypix.level)
            on += [column * scale <= overlaps.c.skypix_index, overlaps.c.skypix_index < (column + 1) * scale]
        builder.from_clause = builder.from_clause.join(overlaps, sa.and_(*on))  # type: ignore[union-attr]

    def filter(self, rows: Iterable[Any], width: int, limit: int | None) -> list[Any]:
        """The rows whose participants all overlap, up to ``limit``.

        Rows end with the `extra` columns; rows repeating the first ``width``
        columns (the same result joined through several shared pixels) are dropped.
        """
        universe = self.builder.universe
        regions: dict[tuple[str, Any], spatial.Region | None] = {}
        results: dict[tuple, bool] = {}
        seen: set[tuple] = set()
        kept = []

        def region_of(name: str, value: Any) -> spatial.Region | None:
            key = (name, value)
            if key not in regions:
                dimension = universe[name]
                if isinstance(dimension, SkyPixDimension):
                    regions[key] = spatial.pixelization_from_name(name).pixel(int(value))
                else:
                    regions[key] = None if value is None else spatial.decode(bytes(value))
            return regions[key]

        for row in rows:
            main = tuple(row[:width])
            if main in seen:
                continue
            extra = row[len(row) - len(self.extra):]
            ok = True
            for a, b in self.pairs:
                va, vb = extra[self._positions[a]], extra[self._positions[b]]
                pair = (a, va, b, vb)
                if pair not in results:
                    ra, rb = region_of(a, va), region_of(b, vb)
                    results[pair] = ra is not None and rb is not None and ra.overlaps(rb)
                if not results[pair]:
                    ok = False
                    break
            if ok:
                seen.add(main)
                kept.append(row)
                if limit is not None and 0 <= limit <= len(kept):
                    break
        return kept
