"""Point-spread functions: the `Psf` interface, `GaussianPsf`, `KernelPsf` and `PolynomialPixelPsf`."""

from .base import FixedKernel, Psf, kernel_image_from_array
from .gaussian import GaussianPsf
from .kernel_psf import KernelPsf
from .polynomial_pixel import DEFAULT_BAD_MASK_PLANES, PolynomialPixelPsf

__all__ = [
    "DEFAULT_BAD_MASK_PLANES",
    "FixedKernel",
    "GaussianPsf",
    "KernelPsf",
    "PolynomialPixelPsf",
    "Psf",
    "kernel_image_from_array",
]
