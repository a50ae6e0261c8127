"""Background: binned statistics, interpolation/approximation, BackgroundList and its FITS file."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from pipetasks.image.background import (
    ApproximateStyle,
    BackgroundError,
    BackgroundList,
    BackgroundMI,
    Interpolate,
    UndersampleStyle,
)
from pipetasks.image.background.model import bin_edges
from pipetasks.image.errors import ImageFormatError
from pipetasks.image.geometry import Box2I, Extent2I, Point2I
from pipetasks.image.masked_image import MaskedImageF
from shared_data import shared_path as _shared


SEP = "sep_reference"


def _ramp_image(width: int = 300, height: int = 200, x0: int = 0, y0: int = 0) -> MaskedImageF:
    image = MaskedImageF(Box2I(Point2I(x0, y0), Extent2I(width, height)))
    yy, xx = np.mgrid[0:height, 0:width]
    image.image.array[:] = 100.0 + 0.05 * xx - 0.02 * yy
    return image


def test_bins_are_laid_out_as_lsst_does() -> None:
    assert bin_edges(100, 3).tolist() == [0, 33, 67, 100]
    assert bin_edges(4612, 37).tolist()[:3] == [0, 125, 249]
    background = BackgroundMI.from_image(_ramp_image(), binSize=64)
    assert background.shape == (4, 5)
    x_centers, _ = background.binCenters()
    assert x_centers[0] == pytest.approx(29.5)


def test_clipped_mean_background_of_a_real_frame_matches_sextractor() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        image = fits.getdata(_shared(SEP) / "image.fits").astype(np.float32)
        reference = fits.getdata(_shared(SEP) / "back.fits")
        rms = fits.getdata(_shared(SEP) / "rms.fits")
    background = BackgroundMI.from_image(image, binSize=64, statistic="MEANCLIP")
    difference = np.abs(background.getImage().array - reference)
    # SExtractor's estimator differs (mode, median filter); agreement to a fraction of the noise.
    assert difference.max() < 0.5 * rms.mean()
    assert np.median(difference) < 0.1 * rms.mean()


@pytest.mark.parametrize("style", ["LINEAR", "NATURAL_SPLINE", "CUBIC_SPLINE", "AKIMA_SPLINE"])
def test_interpolation_reproduces_a_plane_everywhere(style: str) -> None:
    image = _ramp_image(x0=10, y0=-5)
    background = BackgroundMI.from_image(image, binSize=50, statistic="MEAN", interpStyle=style)
    model = background.getImage()
    assert model.getBBox() == image.getBBox()
    np.testing.assert_allclose(model.array, image.image.array, atol=2e-3)


def test_chebyshev_approximation_fits_a_plane() -> None:
    image = _ramp_image()
    background = BackgroundMI.from_image(image, binSize=40, statistic="MEAN")
    model = background.getImage(approxStyle=ApproximateStyle.CHEBYSHEV, approxOrderX=2, approxOrderY=2)
    np.testing.assert_allclose(model.array, image.image.array, atol=2e-3)
    with pytest.raises(BackgroundError, match="too few for a Chebyshev fit"):
        background.getImage(approxStyle="CHEBYSHEV", approxOrderX=10)


def test_masked_planes_and_nonfinite_pixels_are_ignored() -> None:
    image = MaskedImageF(300, 200)
    image.image.array[:] = 100.0
    image.image.array[50:90, 60:140] += 5000.0
    image.mask.array[50:90, 60:140] |= image.mask.getPlaneBitMask("DETECTED")
    image.image.array[10, 10] = np.nan
    background = BackgroundMI.from_image(image, binSize=50, statistic="MEAN")
    np.testing.assert_allclose(background.getImage().array, 100.0, atol=1e-4)
    assert background.getStatsNpix()[1, 1] == 2500 - 40 * 40
    unmasked = BackgroundMI.from_image(image, binSize=50, statistic="MEAN", badMaskPlanes=[])
    assert np.abs(unmasked.getImage().array - 100.0).max() > 100


def test_empty_bins_are_skipped_when_interpolating() -> None:
    image = _ramp_image()
    image.mask.array[0:50, 0:50] |= image.mask.getPlaneBitMask("NO_DATA")
    background = BackgroundMI.from_image(image, binSize=50, statistic="MEAN")
    assert np.isnan(background.getStatsValues()[0, 0]) and background.getStatsNpix()[0, 0] == 0
    np.testing.assert_allclose(
        background.getImage(interpStyle="LINEAR").array, _ramp_image().image.array, atol=2e-3
    )


def test_too_few_bins_reduce_the_order_or_raise() -> None:
    image = _ramp_image()
    background = BackgroundMI.from_image(image, binSize=200, statistic="MEAN")
    assert background.shape == (1, 2)
    reduced = background.getImage(interpStyle="AKIMA_SPLINE", undersampleStyle="REDUCE_INTERP_ORDER")
    assert np.isfinite(reduced.array).all()
    with pytest.raises(BackgroundError, match="too few for AKIMA_SPLINE"):
        background.getImage(interpStyle="AKIMA_SPLINE", undersampleStyle=UndersampleStyle.THROW_EXCEPTION)


def test_sub_bbox_evaluation_equals_the_matching_part_of_the_full_image() -> None:
    image = _ramp_image(x0=100, y0=200)
    image.image.array[:] += np.random.default_rng(1).normal(0, 1, image.image.array.shape)
    background = BackgroundMI.from_image(image, binSize=40)
    full = background.getImage()
    box = Box2I(Point2I(150, 230), Extent2I(40, 25))
    part = background.getImage(box)
    assert part.getBBox() == box
    np.testing.assert_allclose(part.array, full.array[30:55, 50:90], rtol=1e-6)
    with pytest.raises(BackgroundError, match="not inside"):
        background.getImage(Box2I(Point2I(0, 0), Extent2I(10, 10)))


def test_background_list_sums_items_and_restores_the_subtracted_image() -> None:
    image = _ramp_image()
    original = image.image.array.copy()
    rng = np.random.default_rng(2)
    image.image.array[:] += rng.normal(0, 2, original.shape)
    noisy = image.image.array.copy()
    backgrounds = BackgroundList()
    first = BackgroundMI.from_image(image, binSize=64)
    backgrounds.append(first)
    image.image.array[:] -= first.getImage().array
    second = BackgroundMI.from_image(image, binSize=32, interpStyle="LINEAR")
    backgrounds.append(
        (
            second,
            Interpolate.LINEAR,
            UndersampleStyle.REDUCE_INTERP_ORDER,
            ApproximateStyle.UNKNOWN,
            6,
            6,
            True,
        )
    )
    image.image.array[:] -= second.getImage().array
    assert len(backgrounds) == 2
    bg, interp, undersample, approx, order_x, order_y, weighting = backgrounds[1]
    assert bg is second and interp is Interpolate.LINEAR and (order_x, order_y, weighting) == (6, 6, True)
    image.image.array[:] += backgrounds.getImage().array
    np.testing.assert_allclose(image.image.array, noisy, atol=1e-3)
    with pytest.raises(BackgroundError, match="empty"):
        BackgroundList().getImage()


def test_background_list_fits_round_trip_and_layout(tmp_path: Path) -> None:
    image = _ramp_image(x0=5, y0=7)
    image.mask.array[:40, :40] |= image.mask.getPlaneBitMask("BAD")
    backgrounds = BackgroundList(
        BackgroundMI.from_image(image, binSize=40),
        BackgroundMI.from_image(
            image,
            binSize=100,
            statistic="MEDIAN",
            approxStyle="CHEBYSHEV",
            approxOrderX=1,
            approxWeighting=False,
        ),
    )
    path = tmp_path / "icExpBackground.fits"
    backgrounds.writeFits(str(path))
    back = BackgroundList.readFits(str(path))
    assert back == backgrounds
    np.testing.assert_array_equal(back.getImage().array, backgrounds.getImage().array)
    assert back[1].approxStyle is ApproximateStyle.CHEBYSHEV and back[1].approxWeighting is False
    with fits.open(path) as hdus:
        assert [h.name for h in hdus] == ["PRIMARY", "BACKGROUND", "BACKGROUND"]
        header = hdus[1].header
        assert (header["NXBINS"], header["NYBINS"], header["INTERP"]) == (8, 5, "AKIMA_SPLINE")
        assert (header["BBOX_X0"], header["BBOX_Y0"]) == (5, 7)
        assert {"value", "variance", "npix", "x_center"} <= set(hdus[1].data.columns.names)


def test_truncated_background_file_raises_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "bg.fits"
    BackgroundList(BackgroundMI.from_image(_ramp_image(), binSize=20)).writeFits(str(path))
    data = path.read_bytes()
    cut = tmp_path / "cut.fits"
    cut.write_bytes(data[: len(data) - 2880])
    with pytest.raises(ImageFormatError, match="cut.fits"):
        BackgroundList.readFits(str(cut))
    other = tmp_path / "other.fits"
    fits.PrimaryHDU().writeto(other)
    with pytest.raises(ImageFormatError, match="BGCLASS"):
        BackgroundList.readFits(str(other))
