"""Point, extent and box conventions match LSST geom (max inclusive, end exclusive)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from pipetasks.image.geometry import Box2D, Box2I, Extent2D, Extent2I, Point2D, Point2I


def test_box_from_point_and_extent_has_inclusive_max_and_exclusive_end():
    box = Box2I(Point2I(10, 20), Extent2I(5, 3))
    assert (box.getMinX(), box.getMinY(), box.getMaxX(), box.getMaxY()) == (10, 20, 14, 22)
    assert (box.getBeginX(), box.getEndX(), box.getBeginY(), box.getEndY()) == (10, 15, 20, 23)
    assert (box.getWidth(), box.getHeight(), box.getArea()) == (5, 3, 15)
    assert box.getDimensions() == Extent2I(5, 3)


def test_box_from_two_inclusive_corners_in_any_order():
    assert Box2I(Point2I(14, 22), Point2I(10, 20)) == Box2I(Point2I(10, 20), Extent2I(5, 3))
    assert Box2I(Point2I(3, 3), Point2I(3, 3)).getArea() == 1
    assert Box2I(Point2I(4, 4), Point2I(3, 3), invert=False).isEmpty()


def test_box_slices_select_the_box_in_an_array_with_an_origin():
    array = np.arange(100).reshape(10, 10)
    box = Box2I(Point2I(102, 53), Extent2I(4, 2))
    view = array[box.slices(Point2I(100, 50))]
    assert view.shape == (2, 4)
    assert view[0, 0] == array[3, 2]
    assert Box2I.from_slices(box.slices(Point2I(100, 50)), Point2I(100, 50)) == box


def test_box_contains_points_boxes_and_vectorised_coordinates():
    box = Box2I(Point2I(0, 0), Extent2I(10, 5))
    assert box.contains(Point2I(9, 4)) and not box.contains(Point2I(10, 4))
    assert box.contains(Point2D(9.4, 4.4)) and not box.contains(Point2D(9.6, 0))
    assert box.contains(Box2I(Point2I(2, 2), Extent2I(8, 3)))
    assert not box.contains(Box2I(Point2I(2, 2), Extent2I(9, 3)))
    assert list(box.contains(np.array([0, 9, 10]), np.array([0, 4, 4]))) == [True, True, False]


def test_clipped_dilated_and_grown_boxes():
    a = Box2I(Point2I(0, 0), Extent2I(10, 10))
    b = Box2I(Point2I(5, 8), Extent2I(10, 10))
    assert a.clippedTo(b) == Box2I(Point2I(5, 8), Point2I(9, 9))
    assert a.clippedTo(Box2I(Point2I(20, 20), Extent2I(2, 2))).isEmpty()
    assert a.dilatedBy(2) == Box2I(Point2I(-2, -2), Point2I(11, 11))
    assert a.erodedBy(Extent2I(1, 2)) == Box2I(Point2I(1, 2), Point2I(8, 7))
    c = Box2I(a)
    c.grow(1)
    assert c == Box2I(Point2I(-1, -1), Extent2I(12, 12)) and a.getWidth() == 10
    assert a.expandedTo(Point2I(12, -3)) == Box2I(Point2I(0, -3), Point2I(12, 9))


def test_boxes_hash_and_compare_by_value_and_all_empty_boxes_are_equal():
    assert len({Box2I(Point2I(1, 2), Extent2I(3, 4)), Box2I.from_xywh(1, 2, 3, 4)}) == 1
    assert Box2I() == Box2I(Point2I(5, 5), Extent2I(0, 3))
    assert pickle.loads(pickle.dumps(Box2I.from_xywh(1, 2, 3, 4))) == Box2I.from_xywh(1, 2, 3, 4)


def test_box2d_of_box2i_covers_pixel_edges_and_rounds_back():
    box = Box2I(Point2I(0, 0), Extent2I(4, 2))
    fbox = Box2D(box)
    assert (fbox.getMinX(), fbox.getMaxX(), fbox.getMinY(), fbox.getMaxY()) == (-0.5, 3.5, -0.5, 1.5)
    assert Box2I.from_box2d(fbox) == box
    assert fbox.getCenter() == Point2D(1.5, 0.5) == box.getCenter()
    assert Box2I.makeCenteredBox(Point2D(10, 10), Extent2I(5, 5)) == Box2I(Point2I(8, 8), Extent2I(5, 5))


def test_point_and_extent_arithmetic_follows_affine_rules():
    assert Point2I(3, 4) - Point2I(1, 1) == Extent2I(2, 3)
    assert Point2I(3, 4) + Extent2I(1, 1) == Point2I(4, 5)
    assert Point2D(1.5, 2) + Extent2D(1, 1) == Point2D(2.5, 3.0)
    assert Extent2D(3, 4).computeNorm() == 5.0
    assert tuple(Point2I(1, 2)) == (1, 2) and Point2I(1, 2)[1] == 2
    with pytest.raises(TypeError):
        Point2I(1, 2) + Point2I(1, 1)
