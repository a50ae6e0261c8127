"""The datasets of one type found in an ordered list of collections, as one subquery.

A query for datasets joins a subquery ``ds`` with the columns ``dataset_id``,
``collection_id`` and the dataset type's required dimensions.  Its rows are
the datasets of the type in the RUN and TAGGED collections searched (from the
type's tags table) and those certified in the CALIBRATION collections (from
its calibs table).  A find-first search keeps, per data ID, the dataset of the
first collection in search order, ranking the candidates with
``row_number() OVER (PARTITION BY <data ID> ORDER BY <collection position>)``.
"""

from __future__ import annotations

__all__ = ["DatasetSearch"]

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from ..collection_type import CollectionType
from ..errors import InvalidQueryError
from .collections import CollectionRecord


class DatasetSearch:
    """The subquery of the datasets of one type found in ordered collections.

    Parameters
    ----------
    db
        The registry's `~butler.registry.database.Database`.
    record
        The dataset type's storage record (its key, tags and calibs tables).
    collections : sequence of `CollectionRecord`
        The collections searched, in search order (chains already flattened).
    find_first : `bool`
        Keep only the first dataset in search order for each data ID.

    Raises
    ------
    InvalidQueryError
        If a find-first search goes through a CALIBRATION collection that
        holds several datasets for one data ID (the answer would depend on a
        time the query does not give).
    """

    def __init__(self, db: Any, record: Any, collections: Sequence[CollectionRecord], find_first: bool):
        self.dimensions = list(record.dataset_type.dimensions.required)
        searched = [c for c in collections if c.type in (CollectionType.RUN, CollectionType.TAGGED)
                    or (c.type is CollectionType.CALIBRATION and record.calibs is not None)]
        if find_first:
            _refuse_ambiguous_calibrations(db, record, searched, collections)
        candidates = _candidates(record, searched, self.dimensions)
        if not (find_first and len(searched) > 1):
            self.subquery = candidates.subquery("ds")
            return
        rank = sa.case({c.key: i for i, c in enumerate(searched)}, value=candidates.selected_columns.collection_id)
        partition = [candidates.selected_columns[d] for d in self.dimensions]
        ranked = candidates.add_columns(
            sa.func.row_number().over(partition_by=partition, order_by=rank).label("rank")
        ).subquery("ranked")
        self.subquery = sa.select(*[c for c in ranked.c if c.name != "rank"]).where(ranked.c.rank == 1).subquery("ds")


def _candidates(record: Any, searched: Sequence[CollectionRecord], dimensions: list[str]) -> sa.Select:
    """Every dataset of the type in the searched collections: ``dataset_id, collection_id, *dimensions``."""
    plain_keys = [c.key for c in searched if c.type is not CollectionType.CALIBRATION]
    calib_keys = [c.key for c in searched if c.type is CollectionType.CALIBRATION]
    tags = record.tags
    selects = []
    if plain_keys:
        selects.append(sa.select(tags.c.dataset_id, tags.c.collection_id, *[tags.c[d] for d in dimensions])
                       .where(tags.c.dataset_type_id == record.key, tags.c.collection_id.in_(plain_keys)))
    if calib_keys:
        calibs = record.calibs
        selects.append(sa.select(calibs.c.dataset_id, calibs.c.collection_id, *[calibs.c[d] for d in dimensions])
                       .where(calibs.c.dataset_type_id == record.key, calibs.c.collection_id.in_(calib_keys))
                       .distinct())
    if not selects:
        return sa.select(tags.c.dataset_id, tags.c.collection_id, *[tags.c[d] for d in dimensions]).where(sa.false())
    if len(selects) == 1:
        return selects[0]
    candidates = sa.union_all(*selects).subquery("candidates")
    return sa.select(*candidates.c)


def _refuse_ambiguous_calibrations(db: Any, record: Any, searched: Sequence[CollectionRecord],
                                   collections: Sequence[CollectionRecord]) -> None:
    calib_keys = [c.key for c in searched if c.type is CollectionType.CALIBRATION]
    if not calib_keys:
        return
    calibs = record.calibs
    dims = [calibs.c[d] for d in record.dataset_type.dimensions.required]
    clash = db.fetch_all(
        sa.select(calibs.c.collection_id, *dims)
        .where(calibs.c.dataset_type_id == record.key, calibs.c.collection_id.in_(calib_keys))
        .group_by(calibs.c.collection_id, *dims)
        .having(sa.func.count(sa.distinct(calibs.c.dataset_id)) > 1)
        .limit(1)
    )
    if clash:
        row = clash[0]
        name = next(c.name for c in collections if c.key == row[0])
        data_id = dict(zip(record.dataset_type.dimensions.required, row[1:]))
        raise InvalidQueryError(
            f"Find-first search for {record.dataset_type.name} is ambiguous: CALIBRATION collection {name!r} "
            f"holds several datasets for {data_id}, valid at different times. Use butler.find_dataset(..., "
            "timespan=...) or a data ID with an exposure/visit, or query with find_first=False."
        )
