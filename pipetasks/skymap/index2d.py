"""`Index2D`: the ``(x, y)`` position of a patch in its tract's grid."""

from __future__ import annotations

__all__ = ["Index2D"]

from typing import NamedTuple


class Index2D(NamedTuple):
    """Column ``x`` and row ``y`` of a patch in its tract (LSST's ``lsst.skymap.Index2D``).

    Patch ``(0, 0)`` is at the minimum corner of the tract's bounding box.

    Examples
    --------
    >>> Index2D(x=3, y=1)
    Index2D(x=3, y=1)
    """

    x: int
    y: int
