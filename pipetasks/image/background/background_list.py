"""`BackgroundList`: the backgrounds subtracted from an exposure, in order (``icExpBackground``).

Each item is LSST's 7-tuple ``(background, interpStyle, undersampleStyle, approxStyle, approxOrderX,
approxOrderY, approxWeighting)``; `getImage` evaluates every item with its own settings and sums them,
so re-adding ``bgList.getImage()`` to the background-subtracted image restores the original.
"""

from __future__ import annotations

__all__ = ["BackgroundList", "BackgroundListItem"]

from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from .model import BackgroundError, BackgroundMI
from .styles import ApproximateStyle, Interpolate, UndersampleStyle


class BackgroundListItem(NamedTuple):
    """One background and how to evaluate it (unpacks like LSST's tuple)."""

    background: BackgroundMI
    interpStyle: Interpolate
    undersampleStyle: UndersampleStyle
    approxStyle: ApproximateStyle
    approxOrderX: int
    approxOrderY: int
    approxWeighting: bool

    def getImage(self, bbox: Any = None) -> Any:
        """Evaluate this item's background with its settings."""
        return self.background.getImage(
            bbox,
            interpStyle=self.interpStyle,
            undersampleStyle=self.undersampleStyle,
            approxStyle=self.approxStyle,
            approxOrderX=self.approxOrderX,
            approxOrderY=self.approxOrderY,
            approxWeighting=self.approxWeighting,
        )


def _as_item(value: Any) -> BackgroundListItem:
    if isinstance(value, BackgroundListItem):
        return value
    if isinstance(value, BackgroundMI):
        return BackgroundListItem(
            value,
            value.interpStyle,
            value.undersampleStyle,
            value.approxStyle,
            value.approxOrderX,
            value.approxOrderY,
            value.approxWeighting,
        )
    if isinstance(value, tuple) and len(value) == 7 and isinstance(value[0], BackgroundMI):
        bg, interp, under, approx, order_x, order_y, weighting = value
        order_y = int(order_y) if int(order_y) >= 0 else int(order_x)
        return BackgroundListItem(
            bg,
            Interpolate(_enum_name(interp)),
            UndersampleStyle(_enum_name(under)),
            ApproximateStyle(_enum_name(approx)),
            int(order_x),
            order_y,
            bool(weighting),
        )
    raise TypeError(
        "BackgroundList items are a BackgroundMI or a 7-tuple (background, interpStyle, undersampleStyle, "
        f"approxStyle, approxOrderX, approxOrderY, approxWeighting), not {value!r}"
    )


def _enum_name(value: Any) -> str:
    return value.value if hasattr(value, "value") else str(value)


class BackgroundList:
    """An ordered list of backgrounds whose images add up to the total background.

    Parameters
    ----------
    *items : `BackgroundMI` or 7-tuple
        Initial items (a bare background is evaluated with its own default settings).
    """

    def __init__(self, *items: Any):
        self._items: list[BackgroundListItem] = [_as_item(item) for item in items]

    def append(self, item: Any) -> None:
        """Add a background (or 7-tuple) at the end."""
        self._items.append(_as_item(item))

    def extend(self, items: Iterable[Any]) -> None:
        for item in items:
            self.append(item)

    def __iter__(self) -> Iterator[BackgroundListItem]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> BackgroundListItem:
        return self._items[index]

    def __delitem__(self, index: int) -> None:
        del self._items[index]

    def getImage(self, bbox: Any = None) -> Any:
        """Sum of every item's evaluated background, as an `ImageF`.

        Raises
        ------
        BackgroundError
            Raised if the list is empty or the backgrounds have different image bboxes.
        """
        if not self._items:
            raise BackgroundError("An empty BackgroundList has no image")
        boxes = {item.background.getImageBBox() for item in self._items}
        if len(boxes) > 1:
            raise BackgroundError(
                f"Backgrounds in the list cover different image bboxes: {sorted(map(str, boxes))}"
            )
        total = self._items[0].getImage(bbox)
        for item in self._items[1:]:
            total.array += item.getImage(bbox).array
        return total

    def writeFits(self, path: str) -> None:
        """Write the list as FITS (see ``docs/file_formats_catalogs.md``)."""
        from .fits_io import write_background_fits

        write_background_fits(self, path)

    @classmethod
    def readFits(cls, path: str) -> BackgroundList:
        from .fits_io import read_background_fits

        return read_background_fits(path)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BackgroundList):
            return NotImplemented
        return len(self) == len(other) and all(_same_item(a, b) for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"BackgroundList({len(self._items)} backgrounds)"


def _same_item(a: BackgroundListItem, b: BackgroundListItem) -> bool:
    import numpy as np

    if a[1:] != b[1:]:
        return False
    x, y = a.background, b.background
    return (
        x.getImageBBox() == y.getImageBBox()
        and x.statistic == y.statistic
        and np.array_equal(x.getStatsValues(), y.getStatsValues(), equal_nan=True)
        and np.array_equal(x.getStatsVariances(), y.getStatsVariances(), equal_nan=True)
        and np.array_equal(x.getStatsNpix(), y.getStatsNpix())
    )
