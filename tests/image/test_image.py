"""Images: typed pixel arrays with an origin, views by bbox and in-place arithmetic."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from pipetasks.image import (
    LOCAL,
    Box2I,
    Extent2I,
    Image,
    ImageBoundsError,
    ImageD,
    ImageF,
    ImageI,
    ImageU,
    Point2I,
)


def test_constructors_give_shape_height_by_width_and_origin():
    assert ImageF(5, 3).array.shape == (3, 5)
    assert ImageF(Extent2I(5, 3)).getDimensions() == Extent2I(5, 3)
    img = ImageD(Box2I(Point2I(10, 20), Extent2I(4, 2)), 7.0)
    assert img.getXY0() == Point2I(10, 20) and img.array.dtype == np.float64 and img.array[0, 0] == 7.0
    assert ImageU(2, 2).array.dtype == np.uint16 and ImageI(2, 2).array.dtype == np.int32


def test_generic_image_from_array_picks_the_flavour_of_its_dtype_and_shares_memory():
    array = np.zeros((3, 4), dtype=np.float32)
    img = Image(array, xy0=Point2I(1, 2))
    assert type(img) is ImageF and img.array is array and img.getBBox() == Box2I.from_xywh(1, 2, 4, 3)
    assert type(Image(np.zeros((2, 2), dtype=np.int32))) is ImageI
    assert Image(array, deep=True).array is not array


def test_bbox_view_shares_memory_and_keeps_parent_coordinates():
    img = ImageF(Box2I(Point2I(100, 200), Extent2I(10, 10)))
    sub = img[Box2I(Point2I(102, 203), Extent2I(3, 2))]
    sub += 5.0
    assert sub.getXY0() == Point2I(102, 203)
    assert img.array[3, 2] == 5.0 and img.array.sum() == 30.0
    assert img[102, 203] == 5.0 and img[Point2I(101, 203)] == 0.0
    local = img[Box2I(Point2I(2, 3), Extent2I(3, 2)), LOCAL]
    assert local.getBBox() == sub.getBBox()


def test_out_of_bounds_views_and_pixels_raise_image_bounds_error():
    img = ImageF(Box2I(Point2I(0, 0), Extent2I(4, 4)))
    with pytest.raises(ImageBoundsError, match="not inside"):
        img[Box2I(Point2I(2, 2), Extent2I(3, 3))]
    with pytest.raises(ImageBoundsError):
        img[4, 0]


def test_in_place_arithmetic_with_scalars_arrays_and_images():
    a = ImageF(3, 2, 1.0)
    b = ImageF(3, 2, 2.0)
    a += b
    a *= 2
    a -= np.ones((2, 3))
    a /= 5.0
    np.testing.assert_allclose(a.array, 1.0)
    c = a + b
    assert c.array[0, 0] == 3.0 and a.array[0, 0] == 1.0
    a.scaledPlus(0.5, b)
    assert a.array[1, 2] == 2.0


def test_clone_is_deep_and_pickle_round_trips_pixels_and_origin():
    img = ImageF(Box2I(Point2I(-3, 4), Extent2I(3, 3)), 2.0)
    copy = img.clone()
    copy.array[:] = 0
    assert img.array.sum() == 18.0
    back = pickle.loads(pickle.dumps(img))
    assert type(back) is ImageF and back.getXY0() == Point2I(-3, 4) and back.array.sum() == 18.0


def test_setitem_by_bbox_assigns_pixels_and_array_setter_writes_in_place():
    img = ImageI(4, 4)
    array = img.array
    img[Box2I(Point2I(1, 1), Extent2I(2, 2))] = 9
    assert img.array.sum() == 36
    img.array = 1
    assert img.array is array and array.sum() == 16


def test_fits_round_trip_of_every_pixel_type_with_origin(tmp_path):
    from astropy.io import fits

    for flavour, values in ((ImageF, [1.5, -2.0]), (ImageD, [1e-300, 3.0]), (ImageI, [-5, 2**31 - 1]),
                            (ImageU, [0, 65535])):
        image = flavour(Box2I(Point2I(-3, 7), Extent2I(2, 1)))
        image.array[0, :] = values
        path = tmp_path / f"{flavour.__name__}.fits"
        image.writeFits(path)
        back = flavour.readFits(path)
        assert type(back) is flavour and back.getXY0() == Point2I(-3, 7)
        assert back.array.tolist() == image.array.tolist()
        with fits.open(path) as hdus:
            assert hdus[0].data.tolist() == image.array.tolist()
    cut = ImageU.readFits(tmp_path / "ImageU.fits", Box2I(Point2I(-2, 7), Extent2I(1, 1)))
    assert cut.array.tolist() == [[65535]]
