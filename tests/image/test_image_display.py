"""Notebook display: matplotlib plots of images, masks and exposures (Agg backend, no window)."""

from __future__ import annotations

from pathlib import Path
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from astropy.table import Table  # noqa: E402

from pipetasks.image import Box2I, ExposureF, GaussianPsf, ImageF, Mask, display  # noqa: E402
from pipetasks.image.fits import read_image  # noqa: E402
from shared_data import shared_path as _shared


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _exposure() -> ExposureF:
    exp = ExposureF(Box2I.from_xywh(100, 50, 60, 40))
    rng = np.random.default_rng(2)
    exp.image.array[:] = rng.normal(10.0, 1.0, exp.image.array.shape)
    exp.mask.array[5:10, 5:10] = Mask.getPlaneBitMask("SAT")
    exp.mask.array[20, :] = Mask.getPlaneBitMask("DETECTED")
    exp.setPsf(GaussianPsf(11, 11, 1.5))
    return exp


def test_plot_draws_image_in_parent_coordinates_with_a_mask_overlay():
    ax = _exposure().plot(stretch="asinh", title="calexp")
    assert isinstance(ax, matplotlib.axes.Axes) and isinstance(ax.figure, matplotlib.figure.Figure)
    assert ax.get_xlim() == (99.5, 159.5) and ax.get_ylim() == (49.5, 89.5)
    assert len(ax.images) == 2 and ax.get_title() == "calexp"
    overlay = ax.images[1].get_array()
    assert overlay.shape == (40, 60, 4) and overlay[7, 7, 3] > 0 and overlay[0, 0, 3] == 0


def test_sources_from_arrays_tables_and_records_are_marked():
    exp = _exposure()
    ax = display(exp, sources=(np.array([110.0, 120.0]), np.array([60.0, 70.0])), mask_planes=False)
    assert len(ax.images) == 1 and ax.collections[0].get_offsets().shape == (2, 2)
    table = Table({"slot_Centroid_x": [105.0], "slot_Centroid_y": [55.0]})
    ax2 = display(exp, sources=table)
    assert ax2.collections[0].get_offsets().tolist() == [[105.0, 55.0]]

    class Record:
        def __init__(self, x, y):
            self.x, self.y = x, y

        def getX(self):
            return self.x

        def getY(self):
            return self.y

    ax3 = display(exp.image, sources=[Record(101.0, 51.0), Record(102.0, 52.0)])
    assert ax3.collections[0].get_offsets().shape == (2, 2)


def test_real_frame_zscale_plot_into_existing_axes_and_bad_stretch():
    image = read_image(_shared("real_frames/m13.fits"))
    fig, ax = plt.subplots()
    assert image.plot(ax=ax, colorbar=True) is ax
    low, high = ax.images[0].norm.vmin, ax.images[0].norm.vmax
    assert np.percentile(image.array, 1) <= high and low < high
    with pytest.raises(ValueError, match="stretch"):
        display(ImageF(3, 3), stretch="log10")
