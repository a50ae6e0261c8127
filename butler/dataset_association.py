"""A dataset's membership of one collection (with validity, for calibrations)."""

from __future__ import annotations

__all__ = ["DatasetAssociation"]

import dataclasses

from .dataset_ref import DatasetRef
from .timespan import Timespan


@dataclasses.dataclass(frozen=True)
class DatasetAssociation:
    """One row of ``registry.queryDatasetAssociations``.

    Attributes
    ----------
    ref : `DatasetRef`
        The dataset.
    collection : `str`
        The RUN, TAGGED or CALIBRATION collection it belongs to.
    timespan : `Timespan` or `None`
        Its validity range in a CALIBRATION collection; `None` elsewhere.
    """

    ref: DatasetRef
    collection: str
    timespan: Timespan | None
