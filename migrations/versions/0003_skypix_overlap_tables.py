"""Skypix overlap tables for spatial elements, back-filled from stored regions.

Each spatial element (visit, visit_detector_region, tract, patch in the
default universe) gets ``<element>_skypix_overlap``: the element's required
dimensions and the common skypix pixels (htm7) of its region's envelope.
Spatial queries and joins between spatial elements use them as an indexed
pre-filter.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import context, op

from butler.dimensions import DimensionUniverse
from butler.registry.dimension_records import region_overlap_rows
from butler.registry.schema import make_overlap_tables, spatial_elements
from butler.spatial import pixelization_from_name

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BATCH = 1000


def _universe(bind: sa.Connection) -> DimensionUniverse:
    universe = context.config.attributes.get("universe")
    if universe is not None:
        return universe
    attributes = sa.table("butler_attributes", sa.column("name"), sa.column("value"))
    value = bind.execute(sa.select(attributes.c.value)
                         .where(attributes.c.name == "config:dimensions.yaml")).scalar()
    return DimensionUniverse.from_yaml(value) if value is not None else DimensionUniverse.default()


def upgrade() -> None:
    bind = op.get_bind()
    universe = _universe(bind)
    tables = make_overlap_tables(universe)
    for table in tables.values():
        table.create(bind)
    pixelization = pixelization_from_name(universe.commonSkyPix.name)
    for element in spatial_elements(universe):
        source = sa.table(element.name, *[sa.column(f) for f in _key_fields(element)], sa.column("region"))
        key_columns = [source.c[f] for f in _key_fields(element)]
        rows = bind.execute(sa.select(*key_columns, source.c.region).where(source.c.region.is_not(None)))
        while batch := rows.fetchmany(_BATCH):
            overlap_rows = region_overlap_rows(element, [tuple(r[:-1]) for r in batch],
                                               [bytes(r[-1]) for r in batch], pixelization)
            if overlap_rows:
                bind.execute(tables[element.name].insert(), overlap_rows)


def downgrade() -> None:
    bind = op.get_bind()
    for table in make_overlap_tables(_universe(bind)).values():
        table.drop(bind, checkfirst=True)


def _key_fields(element) -> list[str]:
    """The element table's columns holding its required dimensions, in ``element.required`` order."""
    fields = dict(element.RecordClass._dimension_fields)
    return [fields[d.name] for d in element.required]
