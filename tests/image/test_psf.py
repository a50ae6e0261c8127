"""PSF models: LSST image conventions, shapes, aperture fluxes, a fitted spatially varying pixel PSF."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pipetasks.image import (
    Box2I,
    GaussianPsf,
    ImageF,
    KernelPsf,
    Mask,
    MaskedImageF,
    Point2D,
    Point2I,
    PolynomialPixelPsf,
    archive,
)
from pipetasks.image.psf.moments import adaptive_moments


def test_kernel_image_is_odd_centred_on_zero_and_normalised():
    kernel = GaussianPsf(21, 15, 2.0).computeKernelImage(Point2D(100, 100))
    assert kernel.getBBox() == Box2I(Point2I(-10, -7), Point2I(10, 7))
    assert kernel.array.sum() == pytest.approx(1.0)
    assert np.unravel_index(kernel.array.argmax(), kernel.array.shape) == (7, 10)


def test_compute_image_puts_the_centre_on_the_position_with_subpixel_shift():
    psf = GaussianPsf(25, 25, 2.0)
    image = psf.computeImage(Point2D(100.3, 50.8))
    assert image.getBBox().getCenter() == Point2D(100, 51)
    yy, xx = np.indices(image.array.shape)
    total = image.array.sum()
    cx = (image.array * (xx + image.getX0())).sum() / total
    cy = (image.array * (yy + image.getY0())).sum() / total
    assert (cx, cy) == (pytest.approx(100.3, abs=1e-4), pytest.approx(50.8, abs=1e-4))


def test_gaussian_shape_aperture_flux_peak_and_persistence():
    psf = GaussianPsf(31, 31, 2.5)
    shape = psf.computeShape(Point2D(0, 0))
    assert (shape.getIxx(), shape.getIyy(), shape.getIxy()) == (6.25, 6.25, 0.0)
    assert shape.getDeterminantRadius() == pytest.approx(2.5)
    assert psf.computeApertureFlux(2.5) == pytest.approx(1 - math.exp(-0.5))
    assert psf.computePeak() == pytest.approx(1 / (2 * math.pi * 2.5**2), rel=1e-3)
    assert archive.load(archive.dump(psf)) == psf
    with pytest.raises(ValueError, match="odd"):
        GaussianPsf(20, 21, 2.0)


def test_generic_shape_and_aperture_flux_of_a_pixel_kernel_match_the_gaussian():
    gaussian = GaussianPsf(41, 41, 2.0)
    pixel = KernelPsf(gaussian.computeKernelImage())
    assert pixel.computeShape().getDeterminantRadius() == pytest.approx(2.0, rel=2e-3)
    # pixel sampling of the kernel shifts the enclosed light by < 1% against the continuous profile
    assert pixel.computeApertureFlux(4.0) == pytest.approx(gaussian.computeApertureFlux(4.0), abs=1e-2)
    kernel = pixel.getLocalKernel(Point2D(3, 4))
    assert kernel.getCtr() == Point2I(20, 20) and kernel.getSum() == pytest.approx(1.0)
    assert archive.load(archive.dump(pixel)) == pixel


def test_adaptive_moments_of_an_elliptical_gaussian():
    yy, xx = np.indices((61, 61), dtype=float) - 30
    ixx, iyy, ixy = 9.0, 4.0, 1.5
    det = ixx * iyy - ixy**2
    array = np.exp(-0.5 * (iyy * xx**2 - 2 * ixy * xx * yy + ixx * yy**2) / det)
    assert adaptive_moments(array, 30, 30) == pytest.approx((ixx, iyy, ixy), rel=1e-4)


def _star_stamps(rng, n, sigma_of, bbox, noise=1.0, flux=2e4, size=31):
    stamps, positions = [], []
    for _ in range(n):
        x = rng.uniform(bbox.getMinX() + 20, bbox.getMaxX() - 20)
        y = rng.uniform(bbox.getMinY() + 20, bbox.getMaxY() - 20)
        model = GaussianPsf(size, size, sigma_of(x, y)).computeImage(Point2D(x, y))
        stamp = MaskedImageF(ImageF((model.array * flux).astype(np.float32), xy0=model.getXY0()))
        stamp.image.array[:] += rng.normal(0.0, noise, stamp.image.array.shape)
        stamp.variance.array[:] = noise**2
        stamps.append(stamp)
        positions.append(Point2D(x, y))
    return stamps, positions


def test_polynomial_pixel_psf_fit_recovers_a_spatially_varying_width():
    rng = np.random.default_rng(11)
    bbox = Box2I.from_xywh(0, 0, 2048, 4612)

    def sigma_of(x, y):
        return 1.6 + 0.6 * x / 2048 + 0.3 * y / 4612

    stamps, positions = _star_stamps(rng, 60, sigma_of, bbox)
    psf = PolynomialPixelPsf.fit(stamps, positions, order=2, bbox=bbox, kernelSize=25)
    for x, y in [(200, 300), (1800, 4300), (1024, 2306), (300, 4000)]:
        assert psf.computeShape(Point2D(x, y)).getDeterminantRadius() == pytest.approx(sigma_of(x, y), rel=0.015)
    kernel = psf.computeKernelImage(Point2D(500, 500))
    assert kernel.array.shape == (25, 25) and kernel.array.sum() == pytest.approx(1.0)
    assert psf.getAveragePosition().x == pytest.approx(np.mean([p.x for p in positions]))
    assert archive.load(archive.dump(psf)) == psf


def test_polynomial_pixel_psf_fit_ignores_masked_pixels_and_clips_outlier_stars():
    rng = np.random.default_rng(3)
    bbox = Box2I.from_xywh(0, 0, 1000, 1000)
    stamps, positions = _star_stamps(rng, 30, lambda x, y: 2.0, bbox)
    centre = stamps[0].getBBox().getCenter()
    stamps[0].image[int(centre.x), int(centre.y)] = 1e7
    stamps[0].mask[int(centre.x), int(centre.y)] = Mask.getPlaneBitMask("CR")
    galaxy, _ = _star_stamps(rng, 1, lambda x, y: 5.0, bbox)
    stamps.append(galaxy[0])
    positions.append(galaxy[0].getBBox().getCenter())
    psf = PolynomialPixelPsf.fit(stamps, positions, order=1, bbox=bbox, kernelSize=21)
    assert psf.fit_info["used"][-1] == np.False_ and psf.fit_info["nUsed"] == 30
    assert psf.computeShape(Point2D(500, 500)).getDeterminantRadius() == pytest.approx(2.0, rel=0.01)


def test_polynomial_pixel_psf_fit_takes_plain_arrays_centred_on_the_rounded_position():
    arrays = [GaussianPsf(21, 21, 1.8).computeImage(Point2D(x, y)).array for x, y in [(10.2, 10.4), (90.7, 80.1)]]
    psf = PolynomialPixelPsf.fit(arrays, [(10.2, 10.4), (90.7, 80.1)], order=0, bbox=Box2I.from_xywh(0, 0, 100, 100))
    assert psf.computeShape().getDeterminantRadius() == pytest.approx(1.8, rel=0.01)
    with pytest.raises(ValueError, match="positions"):
        PolynomialPixelPsf.fit(arrays, [(1, 1)], order=0)
