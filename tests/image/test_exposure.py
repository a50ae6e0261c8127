"""Exposures: pixels plus components, views by bbox, deep clones and summaries."""

from __future__ import annotations

import numpy as np
import pytest

from pipetasks.image import (
    Box2I,
    Exposure,
    ExposureD,
    ExposureF,
    ExposureI,
    ExposureInfo,
    Extent2I,
    FilterLabel,
    GaussianPsf,
    MaskedImageF,
    PhotoCalib,
    Point2I,
)


def test_constructors_from_size_bbox_and_masked_image():
    assert ExposureF(10, 5).getDimensions() == Extent2I(10, 5)
    box = Box2I(Point2I(3, 4), Extent2I(6, 7))
    exp = ExposureF(box)
    assert exp.getBBox() == box and exp.getXY0() == Point2I(3, 4)
    assert exp.image.array.dtype == np.float32 and exp.mask.array.dtype == np.int32
    mi = MaskedImageF(box)
    assert ExposureF(mi).maskedImage is mi
    assert ExposureD(2, 2).image.array.dtype == np.float64 and ExposureI(2, 2).image.array.dtype == np.int32
    assert type(Exposure(mi)) is ExposureF


def test_bbox_view_shares_pixels_and_component_objects():
    exp = ExposureF(Box2I(Point2I(0, 0), Extent2I(50, 40)))
    psf = GaussianPsf(11, 11, 2.0)
    exp.setPsf(psf)
    view = exp[Box2I(Point2I(10, 5), Extent2I(4, 3))]
    view.image.array[:] = 7.0
    assert exp.image.array[5:8, 10:14].sum() == 7.0 * 12
    assert view.getPsf() is psf and view.getXY0() == Point2I(10, 5)
    view.setFilter(FilterLabel(band="g"))
    assert exp.getFilter() is None  # a view has its own ExposureInfo container


def test_clone_copies_pixels_and_components():
    exp = ExposureF(5, 5)
    exp.setPhotoCalib(PhotoCalib(2.0))
    exp.getMetadata()["OBJECT"] = "M13"
    copy = exp.clone()
    copy.image.array[:] = 1.0
    copy.getMetadata()["OBJECT"] = "M92"
    assert exp.image.array.sum() == 0.0 and exp.getMetadata()["OBJECT"] == "M13"
    assert copy.getPhotoCalib() == exp.getPhotoCalib() and copy.getPhotoCalib() is not exp.getPhotoCalib()


def test_exposure_info_getters_setters_and_type_checks():
    info = ExposureInfo()
    assert not info.hasWcs() and not info.hasPsf() and info.getId() is None
    info.setPsf(GaussianPsf(5, 5, 1.0))
    info.setId(42)
    info.setMetadata({"EXPTIME": 30.0})
    assert info.hasPsf() and info.getId() == 42 and info.getMetadata()["EXPTIME"] == 30.0
    with pytest.raises(TypeError, match="psf"):
        info.setPsf("not a psf")
    with pytest.raises(KeyError, match="unknown exposure component"):
        info.get("nope")


def test_repr_and_html_summaries_name_shape_bbox_filter_and_psf_sigma():
    exp = ExposureF(Box2I(Point2I(1, 2), Extent2I(30, 20)))
    exp.setPsf(GaussianPsf(11, 11, 1.5))
    exp.setFilter(FilterLabel(band="r", physical="r.MP9601"))
    text = repr(exp)
    assert "30 x 20" in text and "(1, 2) - (30, 21)" in text and "r.MP9601" in text and "1.500" in text
    html = exp._repr_html_()
    assert html.startswith("<table>") and "GaussianPsf" in html
