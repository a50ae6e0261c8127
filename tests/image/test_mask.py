"""Mask planes: named bits shared through the default dictionary, as in LSST afw."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from pipetasks.image import Box2I, Extent2I, Mask, MaskedImageF, MaskPlaneError, MaskX, Point2I
from pipetasks.image.mask import DEFAULT_MASK_PLANES


@pytest.fixture(autouse=True)
def default_planes():
    Mask.restoreDefaultMaskPlanes()
    yield
    Mask.restoreDefaultMaskPlanes()


def test_standard_planes_have_lsst_bits_and_int32_pixels():
    planes = Mask.getMaskPlaneDict()
    assert [planes[n] for n in ("BAD", "SAT", "INTRP", "CR", "EDGE", "DETECTED", "DETECTED_NEGATIVE",
                                "SUSPECT", "NO_DATA")] == list(range(9))
    for name in ("UNMASKEDNAN", "CLIPPED", "CROSSTALK", "NOT_DEBLENDED", "STREAK"):
        assert name in planes
    assert MaskX(3, 3).array.dtype == np.int32 and MaskX is Mask


def test_plane_bit_mask_of_a_name_or_a_list():
    assert Mask.getPlaneBitMask("DETECTED") == 32
    assert Mask.getPlaneBitMask(["BAD", "SAT", "CR"]) == 1 | 2 | 8
    with pytest.raises(MaskPlaneError, match="no mask plane 'NOPE'"):
        Mask.getPlaneBitMask("NOPE")


def test_added_plane_is_seen_by_existing_masks_and_new_ones():
    old = Mask(2, 2)
    bit = Mask.addMaskPlane("MY_PLANE")
    assert bit == len(DEFAULT_MASK_PLANES)
    assert old.getMaskPlane("MY_PLANE") == bit and Mask(1, 1).getPlaneBitMask("MY_PLANE") == 1 << bit
    assert old.addMaskPlane("MY_PLANE") == bit


def test_remove_and_clear_clears_pixels_and_leaves_default_unless_asked():
    mask = Mask(3, 3)
    mask.array[:] = Mask.getPlaneBitMask(["CR", "BAD"])
    mask.removeAndClearMaskPlane("CR")
    assert np.all(mask.array == 1) and "CR" not in mask.getMaskPlaneDict()
    assert "CR" in Mask.getMaskPlaneDict()
    other = Mask(1, 1)
    other.removeAndClearMaskPlane("EDGE", removeFromDefault=True)
    assert "EDGE" not in Mask.getMaskPlaneDict()


def test_clear_all_mask_planes_zeroes_pixels_only():
    mask = Mask(2, 2)
    mask |= Mask.getPlaneBitMask("SAT")
    mask.clearAllMaskPlanes()
    assert mask.array.sum() == 0 and "SAT" in mask.getMaskPlaneDict()


def test_conform_moves_bits_of_a_foreign_layout_to_the_default_one():
    foreign = Mask(np.array([[1, 2], [3, 0]], dtype=np.int32), planeDefs={"SAT": 0, "NEW_PLANE": 1})
    foreign.conformMaskPlanes()
    sat, new = Mask.getPlaneBitMask("SAT"), Mask.getPlaneBitMask("NEW_PLANE")
    assert foreign.array.tolist() == [[sat, new], [sat | new, 0]]
    assert foreign.getMaskPlaneDict() == Mask.getMaskPlaneDict()


def test_bit_ops_helpers_and_interpret():
    mask = Mask(Box2I(Point2I(5, 5), Extent2I(4, 4)))
    where = np.zeros((4, 4), dtype=bool)
    where[1, 2] = True
    mask.setPlane("DETECTED", where)
    mask[Box2I(Point2I(5, 5), Extent2I(2, 1))] |= Mask.getPlaneBitMask("BAD")
    assert mask.countPlane("DETECTED") == 1 and mask.countPlane("BAD") == 2
    assert mask.interpret(mask[7, 6]) == "DETECTED"
    assert mask.getPlaneArray(["BAD", "DETECTED"]).sum() == 3
    mask &= ~Mask.getPlaneBitMask("BAD")
    assert mask.countPlane("BAD") == 0


def test_mask_views_share_dictionary_and_pickle_keeps_planes():
    mask = Mask(4, 4, planeDefs={"A": 3})
    view = mask[Box2I(Point2I(1, 1), Extent2I(2, 2))]
    assert view.getMaskPlaneDict() == {"A": 3}
    back = pickle.loads(pickle.dumps(mask))
    assert back.getMaskPlaneDict() == {"A": 3}


def test_masked_image_view_and_variance_propagation():
    mi = MaskedImageF(Box2I(Point2I(10, 10), Extent2I(20, 30)))
    view = mi[Box2I(Point2I(12, 12), Extent2I(3, 3))]
    view.image.array[:] = 2.0
    view.variance.array[:] = 1.0
    view.mask.array[:] = Mask.getPlaneBitMask("CR")
    view *= 3.0
    assert mi.image.array.sum() == 54.0 and mi.variance.array.sum() == 81.0
    assert mi.mask.countPlane("CR") == 9 and view.getXY0() == Point2I(12, 12)
    other = mi.clone()
    mi += other
    assert mi.variance.array.sum() == 162.0 and other.variance.array.sum() == 81.0
    with pytest.raises(ValueError, match="bbox"):
        MaskedImageF(mi.image, Mask(3, 3))
