"""Footprints: span sets, peaks, heavy footprints, and footprints attached to sources."""

from __future__ import annotations

import numpy as np
import pytest

from pipetasks.image.geometry import Box2I, Extent2I, Point2I
from pipetasks.image.image import ImageF
from pipetasks.image.masked_image import MaskedImageF
from pipetasks.image.table import (
    Footprint,
    HeavyFootprint,
    SourceCatalog,
    SourceTable,
    SpanSet,
    Stencil,
    makeHeavyFootprint,
)


def test_spans_are_sorted_and_overlapping_or_touching_runs_merge() -> None:
    spans = SpanSet([(1, 5, 6), (0, 0, 3), (0, 2, 5), (0, 7, 8), (1, 0, 1), (1, 3, 3), (1, 2, 2)])
    assert spans.asArray().tolist() == [[0, 0, 5], [0, 7, 8], [1, 0, 3], [1, 5, 6]]
    assert spans.getArea() == 14
    assert spans.getBBox() == Box2I(Point2I(0, 0), Point2I(8, 1))
    with pytest.raises(ValueError, match="x1 < x0"):
        SpanSet([(0, 5, 4)])


def test_span_set_of_a_box_covers_it_exactly() -> None:
    box = Box2I(Point2I(3, -2), Extent2I(4, 3))
    spans = SpanSet(box)
    assert spans.getArea() == 12 and spans.getBBox() == box
    assert spans.contains(Point2I(6, 0)) and not spans.contains(Point2I(7, 0))


def test_circle_stencil_dilate_and_erode() -> None:
    disc = SpanSet.fromShape(2, Stencil.CIRCLE, offset=(10, 20))
    assert disc.getArea() == 13
    assert disc.getBBox() == Box2I(Point2I(8, 18), Point2I(12, 22))
    assert SpanSet.fromShape(1, Stencil.BOX).getArea() == 9
    assert SpanSet.fromShape(1, Stencil.MANHATTAN).getArea() == 5
    grown = SpanSet.fromShape(0, offset=(5, 5)).dilated(2)
    assert grown == SpanSet.fromShape(2, offset=(5, 5))
    assert grown.eroded(2) == SpanSet([(5, 5, 5)])


def test_set_operations_and_split_into_connected_pieces() -> None:
    a = SpanSet(Box2I(Point2I(0, 0), Extent2I(3, 3)))
    b = SpanSet(Box2I(Point2I(2, 2), Extent2I(3, 3)))
    assert a.intersect(b).getArea() == 1
    assert a.union(b).getArea() == 17
    assert a.intersectNot(b).getArea() == 8
    far = a.union(SpanSet([(10, 10, 12)]))
    pieces = far.split()
    assert [p.getArea() for p in pieces] == [9, 3]
    assert a.contains(SpanSet([(1, 0, 2)]))


def test_span_set_from_mask_bits_and_flatten_round_trip() -> None:
    image = MaskedImageF(Box2I(Point2I(100, 200), Extent2I(20, 10)))
    bit = image.mask.getPlaneBitMask("DETECTED")
    image.mask.array[2:5, 3:7] = bit
    spans = SpanSet.fromMask(image.mask, bit)
    assert spans.getBBox() == Box2I(Point2I(103, 202), Extent2I(4, 3))
    image.image.array[:] = np.arange(200, dtype=np.float32).reshape(10, 20)
    values = spans.flatten(image.image)
    assert values.tolist() == image.image.array[2:5, 3:7].ravel().tolist()
    target = ImageF(Box2I(Point2I(100, 200), Extent2I(20, 10)))
    spans.unflatten(target, values)
    np.testing.assert_array_equal(target.array[2:5, 3:7], image.image.array[2:5, 3:7])
    spans.setMask(image.mask, image.mask.getPlaneBitMask("BAD"))
    assert ((image.mask.array & image.mask.getPlaneBitMask("BAD")) != 0).sum() == 12


def test_footprint_peaks_area_bbox_and_dilate() -> None:
    footprint = Footprint(SpanSet.fromShape(3, offset=(50, 60)), Box2I(Point2I(0, 0), Extent2I(100, 100)))
    footprint.addPeak(50.2, 60.1, 10.0)
    footprint.addPeak(52.0, 61.0, 30.0)
    footprint.sortPeaks()
    peaks = footprint.getPeaks()
    assert [p.getId() for p in peaks] == [2, 1]
    assert (peaks[1].getIx(), peaks[1].getIy(), peaks[1].getPeakValue()) == (50, 60, 10.0)
    assert footprint.getArea() == 29 and footprint.contains(Point2I(53, 60))
    footprint.dilate(1)
    assert footprint.getArea() == SpanSet.fromShape(3, offset=(50, 60)).dilated(1).getArea()
    assert footprint.getCentroid().getX() == pytest.approx(50.0)


def test_heavy_footprint_carries_pixels_and_reinserts_them() -> None:
    image = MaskedImageF(30, 30)
    rng = np.random.default_rng(3)
    image.image.array[:] = rng.normal(size=(30, 30)).astype(np.float32)
    image.variance.array[:] = 2.0
    image.mask.array[12, 10] = 4
    footprint = Footprint(SpanSet.fromShape(2, offset=(10, 12)))
    heavy = makeHeavyFootprint(footprint, image)
    assert heavy.isHeavy() and len(heavy.getImageArray()) == footprint.getArea()
    assert heavy.getMaskArray().sum() == 4 and set(heavy.getVarianceArray()) == {2.0}
    blank = MaskedImageF(30, 30)
    heavy.insert(blank)
    inside = footprint.getSpans().asBoolArray(blank.getBBox())
    np.testing.assert_array_equal(blank.image.array[inside], image.image.array[inside])
    assert (blank.image.array[~inside] == 0).all()
    with pytest.raises(ValueError, match="3 values for a footprint of area 13"):
        HeavyFootprint(footprint, np.zeros(3))


def test_footprints_attach_to_source_records_and_follow_selection() -> None:
    catalog = SourceCatalog(SourceTable.makeMinimalSchema())
    for i in range(4):
        catalog.addNew().setFootprint(Footprint(SpanSet.fromShape(i, offset=(20, 20))))
    assert catalog[2].getFootprint().getArea() == 13
    subset = catalog[np.array([False, True, False, True])]
    assert [fp.getArea() for fp in subset.getFootprints()] == [5, 29]
    copied = catalog.copy()
    assert copied[3].getFootprint() is catalog[3].getFootprint()
    with pytest.raises(TypeError, match="takes a Footprint"):
        catalog[0].setFootprint("not a footprint")
