"""`PolynomialPixelPsf`: a pixelised PSF whose every kernel pixel is a 2-d polynomial of position.

The model is ``K(x, y) = sum_t f_t(x, y) B_t`` where ``B_t`` are basis pixel images (one per
polynomial term) and ``f_t`` are Chebyshev products ``T_i(x') T_j(y')`` (``i + j <= order``) of
the position mapped from the bbox's pixel edges onto [-1, 1]. The kernel is normalised to sum 1
after evaluation. `PolynomialPixelPsf.fit` builds it from star postage stamps by weighted linear
least squares, one independent fit per kernel pixel sharing the same design matrix.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
from numpy.polynomial import chebyshev
from scipy import ndimage

from ..archive import decode_array, encode_array, register
from ..geometry import Box2D, Box2I, Point2D
from ..image import ImageBase
from ..mask import Mask
from .base import Psf

__all__ = ["PolynomialPixelPsf", "DEFAULT_BAD_MASK_PLANES"]

DEFAULT_BAD_MASK_PLANES: tuple[str, ...] = ("BAD", "SAT", "CR", "INTRP", "EDGE", "NO_DATA", "SUSPECT")
"""Mask planes whose pixels get zero weight in `PolynomialPixelPsf.fit`."""


def _terms(order: int) -> list[tuple[int, int]]:
    return [(n - j, j) for n in range(order + 1) for j in range(n + 1)]


@register
class PolynomialPixelPsf(Psf):
    """Pixel-basis PSF varying as a polynomial over a detector.

    Parameters
    ----------
    basis : array, shape ``(nTerms, height, width)``
        Basis pixel images, odd ``height`` and ``width``; term ``t`` is ``_terms(order)[t]``.
    order : `int`
        Polynomial order; ``nTerms = (order + 1) (order + 2) / 2``.
    bbox : `Box2I`
        The region positions are normalised over (the detector).
    averagePosition : `Point2D`, optional
        Default position (the bbox centre if not given).
    """

    def __init__(self, basis: Any, order: int, bbox: Box2I, averagePosition: Point2D | None = None):
        basis = np.asarray(basis, dtype=np.float64)
        terms = _terms(order)
        if basis.ndim != 3 or basis.shape[0] != len(terms):
            raise ValueError(
                f"order {order} needs a basis of shape ({len(terms)}, h, w), got {basis.shape}"
            )
        if basis.shape[1] % 2 == 0 or basis.shape[2] % 2 == 0:
            raise ValueError(f"basis images need odd dimensions, got {basis.shape[2]} x {basis.shape[1]}")
        if bbox.isEmpty():
            raise ValueError("a PolynomialPixelPsf needs a non-empty bbox")
        self._basis = basis
        self._order = int(order)
        self._terms = terms
        self._bbox = Box2I(bbox)
        self._average = Point2D(averagePosition) if averagePosition is not None else self._bbox.getCenter()
        edges = Box2D(self._bbox)
        self._scale = (2.0 / edges.getWidth(), 2.0 / edges.getHeight())
        self._offset = (
            -(edges.getMinX() + edges.getMaxX()) / edges.getWidth(),
            -(edges.getMinY() + edges.getMaxY()) / edges.getHeight(),
        )
        self.fit_info: dict[str, Any] = {}

    # -- model ---------------------------------------------------------------

    def getOrder(self) -> int:
        return self._order

    def getBBox(self) -> Box2I:
        return Box2I(self._bbox)

    def getAveragePosition(self) -> Point2D:
        return self._average

    def getBasis(self) -> np.ndarray:
        return self._basis.copy()

    def _design(self, x: Any, y: Any) -> np.ndarray:
        """Term values, shape ``(n, nTerms)``, for positions ``x``, ``y`` (arrays of length n)."""
        ux = np.atleast_1d(np.asarray(x, dtype=float)) * self._scale[0] + self._offset[0]
        uy = np.atleast_1d(np.asarray(y, dtype=float)) * self._scale[1] + self._offset[1]
        vx = chebyshev.chebvander(ux, self._order)
        vy = chebyshev.chebvander(uy, self._order)
        return np.stack([vx[:, i] * vy[:, j] for i, j in self._terms], axis=1)

    def _raw_kernel(self, position: Point2D) -> np.ndarray:
        weights = self._design(position.x, position.y)[0]
        return np.tensordot(weights, self._basis, axes=1)

    def _kernel_array(self, position: Point2D) -> np.ndarray:
        kernel = self._raw_kernel(position)
        total = kernel.sum()
        return kernel / total if total != 0 else kernel

    def clone(self) -> PolynomialPixelPsf:
        return PolynomialPixelPsf(self._basis.copy(), self._order, self._bbox, self._average)

    # -- fitting -------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        stamps: Sequence[Any],
        positions: Sequence[Any],
        order: int = 2,
        bbox: Box2I | None = None,
        kernelSize: int | None = None,
        badMaskPlanes: Sequence[str] = DEFAULT_BAD_MASK_PLANES,
        nSigmaClip: float | None = 4.0,
        nIter: int = 3,
    ) -> PolynomialPixelPsf:
        """Fit the PSF to star postage stamps.

        Parameters
        ----------
        stamps : sequence of `Image`, `MaskedImage` or 2-d arrays
            Background-subtracted stars. Images carry their PARENT ``xy0``; a bare array is taken
            to be centred on ``round(position)`` (its middle pixel). For masked images, pixels with
            ``badMaskPlanes`` set get zero weight and the variance plane gives the weights.
        positions : sequence of point-likes
            Star centroids in PARENT pixels.
        order : `int`
            Polynomial order of the spatial variation (reduced if there are too few stars).
        bbox : `Box2I`, optional
            Domain (usually the detector bbox); the stars' bounding box by default.
        kernelSize : `int`, optional
            Odd kernel width/height; the smallest stamp dimension (made odd) by default.
        nSigmaClip : `float` or `None`
            Reject stars whose mean chi^2 per pixel is more than this many robust sigmas (MAD, at least a
            quarter of the median) above the median, then refit.
        nIter : `int`
            Fit / flux re-estimate / clip iterations.

        Raises
        ------
        ValueError
            If there are no stamps, or stamps and positions differ in number.
        """
        if len(stamps) == 0:
            raise ValueError("PolynomialPixelPsf.fit needs at least one star stamp")
        if len(stamps) != len(positions):
            raise ValueError(f"got {len(stamps)} stamps but {len(positions)} positions")
        points = [Point2D(p) for p in positions]
        if kernelSize is None:
            kernelSize = min(min(_pixels(s).shape) for s in stamps)
            kernelSize -= 1 - kernelSize % 2
        if kernelSize < 3 or kernelSize % 2 == 0:
            raise ValueError(f"kernelSize must be odd and >= 3, got {kernelSize}")
        if bbox is None:
            xs, ys = [p.x for p in points], [p.y for p in points]
            bbox = Box2I.from_box2d(Box2D(Point2D(min(xs) - 0.5, min(ys) - 0.5), Point2D(max(xs) + 0.5, max(ys) + 0.5)))
        raw = np.empty((len(stamps), kernelSize, kernelSize))
        raw_weight = np.empty_like(raw)
        has_variance = False
        for k, (stamp, point) in enumerate(zip(stamps, points)):
            raw[k], raw_weight[k], var_known = _centred_stamp(stamp, point, kernelSize, badMaskPlanes)
            has_variance = has_variance or var_known
        offsets = [(p.x - math.floor(p.x + 0.5), p.y - math.floor(p.y + 0.5)) for p in points]
        data = np.empty_like(raw)
        weight = np.empty_like(raw)
        for k, (dx, dy) in enumerate(offsets):
            data[k], weight[k] = _shift_to_centre(raw[k], raw_weight[k], dx, dy, None)
        holes = [k for k in range(len(stamps)) if not (raw_weight[k] > 0).all()]
        usable = max(1, len(stamps))
        while order > 0 and len(_terms(order)) > usable:
            order -= 1
        model = cls(np.zeros((len(_terms(order)), kernelSize, kernelSize)), order, bbox)
        model._average = Point2D(float(np.mean([p.x for p in points])), float(np.mean([p.y for p in points])))
        design = model._design([p.x for p in points], [p.y for p in points])
        flux = np.array([max(float((d * (w > 0)).sum()), 1e-300) for d, w in zip(data, weight)])
        keep = np.ones(len(stamps), dtype=bool)
        minimum = len(_terms(order)) + 1
        for iteration in range(max(1, nIter)):
            model._basis, flux, chi2 = _fit_round(design, data, weight, flux, keep, has_variance)
            if holes and iteration < nIter - 1:
                for k in holes:  # refill pixels without data from the model, now that there is one
                    fill = flux[k] * model._shifted_array(points[k], *offsets[k])
                    data[k], weight[k] = _shift_to_centre(raw[k], raw_weight[k], *offsets[k], fill)
            if nSigmaClip is None or iteration == nIter - 1 or keep.sum() <= minimum:
                continue
            median = np.median(chi2[keep])
            mad = 1.4826 * np.median(np.abs(chi2[keep] - median))
            # MAD floored at a quarter of the median: bright, well-modelled stars scatter in chi^2
            # from resampling errors alone and must not be clipped as outliers. Every star is
            # re-judged each round, so one rejected early (while an outlier skewed the fit) can return.
            new_keep = chi2 <= median + nSigmaClip * max(mad, 0.25 * median)
            if new_keep.sum() >= minimum:
                keep = new_keep
        model.fit_info = {"nStars": len(stamps), "nUsed": int(keep.sum()), "used": keep, "chi2": chi2,
                          "order": order, "flux": flux}
        return model

    # -- value semantics and persistence ----------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PolynomialPixelPsf):
            return NotImplemented
        return (
            self._order == other._order
            and self._bbox == other._bbox
            and self._basis.shape == other._basis.shape
            and bool(np.all(self._basis == other._basis))
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        h, w = self._basis.shape[1:]
        return f"PolynomialPixelPsf(order={self._order}, kernel={w}x{h}, bbox={self._bbox})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": self._order,
            "bbox": self._bbox.to_xywh(),
            "averagePosition": [self._average.x, self._average.y],
            "basis": encode_array(self._basis),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PolynomialPixelPsf:
        return cls(
            decode_array(data["basis"]),
            int(data["order"]),
            Box2I.from_xywh(**data["bbox"]),
            Point2D(*data["averagePosition"]),
        )


def _pixels(stamp: Any) -> np.ndarray:
    if hasattr(stamp, "image") and isinstance(getattr(stamp, "image"), ImageBase):
        return stamp.image.array
    if isinstance(stamp, ImageBase):
        return stamp.array
    return np.asarray(stamp)


def _centred_stamp(
    stamp: Any, point: Point2D, size: int, bad_planes: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, bool]:
    """``size`` x ``size`` (data, weight) around ``round(point)``, in the stamp's own pixel frame."""
    cx, cy = math.floor(point.x + 0.5), math.floor(point.y + 0.5)
    pixels = np.asarray(_pixels(stamp), dtype=float)
    height, width = pixels.shape
    weight = np.ones_like(pixels)
    variance_known = False
    if hasattr(stamp, "image") and isinstance(getattr(stamp, "image"), ImageBase):
        x0, y0 = stamp.image.getXY0()
        mask = getattr(stamp, "mask", None)
        if isinstance(mask, Mask):
            planes = [p for p in bad_planes if p in mask.getMaskPlaneDict()]
            if planes:
                weight[(mask.array & mask.getPlaneBitMask(planes)) != 0] = 0.0
        variance = getattr(stamp, "variance", None)
        if isinstance(variance, ImageBase):
            var = np.asarray(variance.array, dtype=float)
            good = var > 0
            weight = np.where(good, weight / np.where(good, var, 1.0), 0.0)
            variance_known = True
    elif isinstance(stamp, ImageBase):
        x0, y0 = stamp.getXY0()
    else:
        x0, y0 = cx - width // 2, cy - height // 2
    weight[~np.isfinite(pixels)] = 0.0
    pixels = np.where(np.isfinite(pixels), pixels, 0.0)
    half = size // 2
    out = np.zeros((size, size))
    wout = np.zeros((size, size))
    # overlap of the stamp with the size x size box centred on (cx, cy), in stamp and output indices
    sx0, sy0 = max(cx - half - x0, 0), max(cy - half - y0, 0)
    sx1, sy1 = min(cx + half + 1 - x0, width), min(cy + half + 1 - y0, height)
    if sx1 > sx0 and sy1 > sy0:
        ox0, oy0 = sx0 + x0 - (cx - half), sy0 + y0 - (cy - half)
        out[oy0 : oy0 + sy1 - sy0, ox0 : ox0 + sx1 - sx0] = pixels[sy0:sy1, sx0:sx1]
        wout[oy0 : oy0 + sy1 - sy0, ox0 : ox0 + sx1 - sx0] = weight[sy0:sy1, sx0:sx1]
    return out, wout, variance_known


def _shift_to_centre(
    data: np.ndarray, weight: np.ndarray, dx: float, dy: float, fill: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Move the star by ``(-dx, -dy)`` onto the middle pixel.

    Pixels without data (zero weight) are first replaced by ``fill`` (the current model), or by a
    Gaussian-weighted average of their valid neighbours: the cubic spline spreads every input
    pixel over its neighbours, so a hole left at zero would corrupt them.
    """
    valid = weight > 0
    if not valid.all():
        if fill is None:
            smooth = ndimage.gaussian_filter(np.where(valid, data, 0.0), 1.0, mode="constant")
            norm = ndimage.gaussian_filter(valid.astype(float), 1.0, mode="constant")
            fill = np.where(norm > 1e-3, smooth / np.where(norm > 1e-3, norm, 1.0), 0.0)
        data = np.where(valid, data, fill)
    if not (dx or dy):
        return data, weight
    shifted = ndimage.shift(data, (-dy, -dx), order=3, mode="constant", cval=0.0)
    still_valid = ndimage.shift(valid.astype(float), (-dy, -dx), order=1, mode="constant", cval=0.0) > 0.999
    return shifted, ndimage.shift(weight, (-dy, -dx), order=1, mode="constant", cval=0.0) * still_valid


def _fit_round(
    design: np.ndarray, data: np.ndarray, weight: np.ndarray, flux: np.ndarray, keep: np.ndarray, has_variance: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One fit of the basis to flux-normalised stamps, then new fluxes and chi^2 per pixel per star."""
    normalised = data / flux[:, None, None]
    wn = weight * (flux[:, None, None] ** 2 if has_variance else 1.0) * keep[:, None, None]
    basis = _solve_per_pixel(design, normalised, wn)
    predicted = np.einsum("st,tyx->syx", design, basis)
    predicted /= predicted.sum(axis=(1, 2))[:, None, None]
    denom = (weight * predicted**2).sum(axis=(1, 2))
    fitted = (weight * data * predicted).sum(axis=(1, 2)) / np.where(denom > 0, denom, 1.0)
    flux = np.where((denom > 0) & (fitted > 0), fitted, flux)
    resid = weight * (data - flux[:, None, None] * predicted) ** 2
    chi2 = resid.sum(axis=(1, 2)) / np.maximum((weight > 0).sum(axis=(1, 2)), 1)
    return basis, flux, chi2


def _solve_per_pixel(design: np.ndarray, data: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weighted least squares of ``data[s, y, x] ~ design[s, :] @ basis[:, y, x]`` for every pixel."""
    n_stars, height, width = data.shape
    n_terms = design.shape[1]
    d = data.reshape(n_stars, -1)
    w = weight.reshape(n_stars, -1)
    normal = np.einsum("sp,si,sj->pij", w, design, design)
    rhs = np.einsum("sp,si,sp->pi", w, design, d)
    scale = np.maximum(np.trace(normal, axis1=1, axis2=2) / n_terms, 1e-300)
    ridge = 1e-10 * scale[:, None, None] * np.eye(n_terms)[None, :, :]
    solution = np.linalg.solve(normal + ridge, rhs[..., None])[..., 0]
    return solution.T.reshape(n_terms, height, width)
