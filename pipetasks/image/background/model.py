"""`BackgroundMI`: a background measured in bins and evaluated back to pixels (LSST ``afw.math``).

The image is cut into ``nx * ny`` bins (``nx = ceil(width / binSize)``, bins of nearly equal size laid
out as LSST does: bin ``i`` ends at ``((i + 1) * width + nx // 2) // nx``). Each bin keeps one
statistic of its unmasked, finite pixels (mean, median, or clipped mean), their variance and count.

Evaluation (`BackgroundMI.getImage`) either

* interpolates, as LSST: first along each column of bins (y) to every pixel row, skipping empty
  (NaN) bins, then along each row (x) to every pixel, with the chosen `Interpolate` style and, when
  there are too few bins, the `UndersampleStyle` rule; or
* approximates (``approxStyle=CHEBYSHEV``): a least-squares 2-d Chebyshev polynomial of order
  ``(approxOrderX, approxOrderY)`` (terms ``T_i(x) T_j(y)`` with ``i <= orderX``, ``j <= orderY``,
  ``i + j <= max(orderX, orderY)``) fitted to the bin values over the image bbox, weighted by
  ``npix / variance`` when ``approxWeighting``.
"""

from __future__ import annotations

__all__ = ["BackgroundError", "BackgroundMI", "bin_edges"]

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.polynomial import chebyshev

from ..geometry import Box2I, Extent2I, Point2I
from .interpolate import InterpolationError, interpolate_1d
from .styles import (
    ApproximateStyle,
    Interpolate,
    Statistic,
    UndersampleStyle,
    lookupMaxInterpStyle,
    lookupMinInterpPoints,
)

DEFAULT_BAD_MASK_PLANES = ("BAD", "EDGE", "DETECTED", "DETECTED_NEGATIVE", "NO_DATA")
"""Mask planes ignored when measuring a background (LSST's ``ignoredPixelMask`` default)."""


class BackgroundError(ValueError):
    """A background cannot be built or evaluated as asked (too few bins, bbox outside the image...)."""


def bin_edges(length: int, nbins: int) -> np.ndarray:
    """Return the ``nbins + 1`` pixel edges of bins over ``length`` pixels, laid out as LSST does."""
    ends = np.minimum(((np.arange(1, nbins + 1) * length) + nbins // 2) // nbins, length)
    return np.concatenate(([0], ends)).astype(np.int64)


def _clipped_mean(values: np.ndarray, n_sigma: float, n_iter: int) -> tuple[float, float, int]:
    """Mean and variance after sigma clipping around the median (first pass: IQR-based sigma)."""
    center = float(np.median(values))
    q25, q75 = np.percentile(values, (25, 75))
    sigma = 0.741 * float(q75 - q25)
    kept = values
    for _ in range(n_iter):
        if not sigma > 0:
            break
        kept = values[np.abs(values - center) < n_sigma * sigma]
        if len(kept) == 0:
            break
        center = float(kept.mean())
        sigma = float(kept.std())
    variance = float(kept.var(ddof=1)) if len(kept) > 1 else math.nan
    return center, variance, len(kept)


class BackgroundMI:
    """Binned background model of one image.

    Parameters
    ----------
    imageBBox : `Box2I`
        Bounding box (parent coordinates) of the image the background describes.
    values : `numpy.ndarray`
        Statistic per bin, shape (ny, nx); NaN for a bin with no usable pixel.
    variances, npix : `numpy.ndarray`, optional
        Variance of the pixels and number of pixels per bin, shape (ny, nx).
    statistic : `Statistic`, optional
        The statistic ``values`` hold (recorded).
    interpStyle, undersampleStyle, approxStyle, approxOrderX, approxOrderY, approxWeighting : optional
        Default evaluation settings (a `BackgroundList` entry may override them).
    """

    def __init__(
        self,
        imageBBox: Box2I,
        values: np.ndarray,
        variances: np.ndarray | None = None,
        npix: np.ndarray | None = None,
        *,
        statistic: Statistic | str = Statistic.MEANCLIP,
        interpStyle: Interpolate | str = Interpolate.AKIMA_SPLINE,
        undersampleStyle: UndersampleStyle | str = UndersampleStyle.REDUCE_INTERP_ORDER,
        approxStyle: ApproximateStyle | str = ApproximateStyle.UNKNOWN,
        approxOrderX: int = 6,
        approxOrderY: int = -1,
        approxWeighting: bool = True,
    ):
        values = np.array(values, dtype=np.float64)
        if values.ndim != 2 or values.size == 0:
            raise BackgroundError(
                f"Bin values must be a non-empty 2-d array (ny, nx), not shape {values.shape}"
            )
        ny, nx = values.shape
        if nx > imageBBox.getWidth() or ny > imageBBox.getHeight():
            raise BackgroundError(f"{nx} x {ny} bins do not fit in an image of bbox {imageBBox}")
        self._bbox = imageBBox
        self._values = values
        self._variances = (
            np.full_like(values, np.nan) if variances is None else np.array(variances, np.float64)
        )
        self._npix = np.zeros(values.shape, np.int64) if npix is None else np.array(npix, np.int64)
        for name, array in (("variances", self._variances), ("npix", self._npix)):
            if array.shape != values.shape:
                raise BackgroundError(f"Bin {name} have shape {array.shape}, values {values.shape}")
        self.statistic = Statistic(statistic)
        self.interpStyle = Interpolate(interpStyle)
        self.undersampleStyle = UndersampleStyle(undersampleStyle)
        self.approxStyle = ApproximateStyle(approxStyle)
        self.approxOrderX = int(approxOrderX)
        self.approxOrderY = int(approxOrderY) if int(approxOrderY) >= 0 else int(approxOrderX)
        self.approxWeighting = bool(approxWeighting)

    # -- construction from pixels -----------------------------------------------

    @classmethod
    def from_image(
        cls,
        image: Any,
        binSize: int | tuple[int, int] = 128,
        statistic: Statistic | str = Statistic.MEANCLIP,
        badMaskPlanes: Iterable[str] = DEFAULT_BAD_MASK_PLANES,
        *,
        nSigmaClip: float = 3.0,
        nIter: int = 3,
        **settings: Any,
    ) -> BackgroundMI:
        """Measure a background from a `MaskedImage`, `Image` or 2-d array.

        Parameters
        ----------
        image : `MaskedImage`, `Exposure`, `Image` or `numpy.ndarray`
            The pixels; a masked image's pixels with any of ``badMaskPlanes`` set are ignored (planes
            the mask does not define are skipped), as are non-finite pixels.
        binSize : `int` or (`int`, `int`)
            Bin size in pixels (x, y); ``nx = ceil(width / binSizeX)``.
        statistic : `Statistic`
            ``MEAN``, ``MEDIAN`` or ``MEANCLIP`` (clipped at ``nSigmaClip``, ``nIter`` times).
        **settings
            Default evaluation settings (``interpStyle``, ``approxStyle``, ...; see the class).
        """
        array, mask, bbox = _pixels_of(image, badMaskPlanes)
        size_x, size_y = (binSize, binSize) if isinstance(binSize, (int, np.integer)) else binSize
        if size_x <= 0 or size_y <= 0:
            raise BackgroundError(f"binSize must be positive, not {binSize}")
        height, width = array.shape
        nx, ny = math.ceil(width / size_x), math.ceil(height / size_y)
        x_edges, y_edges = bin_edges(width, nx), bin_edges(height, ny)
        statistic = Statistic(statistic)
        values = np.full((ny, nx), np.nan)
        variances = np.full((ny, nx), np.nan)
        npix = np.zeros((ny, nx), np.int64)
        good = np.isfinite(array) if mask is None else (np.isfinite(array) & ~mask)
        for iy in range(ny):
            for ix in range(nx):
                box = (slice(y_edges[iy], y_edges[iy + 1]), slice(x_edges[ix], x_edges[ix + 1]))
                pixels = array[box][good[box]].astype(np.float64)
                if len(pixels) == 0:
                    continue
                if statistic is Statistic.MEANCLIP:
                    values[iy, ix], variances[iy, ix], npix[iy, ix] = _clipped_mean(pixels, nSigmaClip, nIter)
                    continue
                values[iy, ix] = pixels.mean() if statistic is Statistic.MEAN else np.median(pixels)
                variances[iy, ix] = pixels.var(ddof=1) if len(pixels) > 1 else np.nan
                npix[iy, ix] = len(pixels)
        return cls(bbox, values, variances, npix, statistic=statistic, **settings)

    # -- geometry -----------------------------------------------------------------

    def getImageBBox(self) -> Box2I:
        return self._bbox

    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)`` bins."""
        return self._values.shape  # type: ignore[return-value]

    def binEdges(self) -> tuple[np.ndarray, np.ndarray]:
        """Pixel edges (relative to the bbox origin) of the bins in x and y."""
        ny, nx = self._values.shape
        return bin_edges(self._bbox.getWidth(), nx), bin_edges(self._bbox.getHeight(), ny)

    def binCenters(self) -> tuple[np.ndarray, np.ndarray]:
        """Bin centres in x and y, in pixels relative to the bbox origin (LSST: ``origin + size/2 - 0.5``)."""
        x_edges, y_edges = self.binEdges()
        return 0.5 * (x_edges[:-1] + x_edges[1:]) - 0.5, 0.5 * (y_edges[:-1] + y_edges[1:]) - 0.5

    def getStatsValues(self) -> np.ndarray:
        """Per-bin statistic (a view; edit it to adjust the model)."""
        return self._values

    def getStatsVariances(self) -> np.ndarray:
        return self._variances

    def getStatsNpix(self) -> np.ndarray:
        return self._npix

    def getStatsImage(self) -> Any:
        """The bins as an `ImageD` (LSST returns a MaskedImage of bins)."""
        from ..image import ImageD

        return ImageD(self._values.copy())

    def __iadd__(self, delta: float) -> BackgroundMI:
        self._values += delta
        return self

    def __isub__(self, delta: float) -> BackgroundMI:
        self._values -= delta
        return self

    # -- evaluation ---------------------------------------------------------------

    def getImage(
        self,
        bbox: Box2I | None = None,
        interpStyle: Interpolate | str | None = None,
        undersampleStyle: UndersampleStyle | str | None = None,
        approxStyle: ApproximateStyle | str | None = None,
        approxOrderX: int | None = None,
        approxOrderY: int | None = None,
        approxWeighting: bool | None = None,
    ) -> Any:
        """Evaluate the background as an `ImageF` over ``bbox`` (default: the whole image).

        Settings left `None` take this object's defaults.

        Raises
        ------
        BackgroundError
            Raised if ``bbox`` is not inside the image, a bin column/row is empty everywhere, or
            there are too few bins and ``undersampleStyle`` is ``THROW_EXCEPTION``.
        """
        from ..image import ImageF

        bbox = self._bbox if bbox is None else bbox
        if not self._bbox.contains(bbox):
            raise BackgroundError(f"bbox {bbox} is not inside the background's image bbox {self._bbox}")
        xs = np.arange(bbox.getMinX(), bbox.getMaxX() + 1) - self._bbox.getMinX()
        ys = np.arange(bbox.getMinY(), bbox.getMaxY() + 1) - self._bbox.getMinY()
        approx = ApproximateStyle(approxStyle) if approxStyle is not None else self.approxStyle
        if approx is ApproximateStyle.CHEBYSHEV:
            pixels = self._approximate(
                xs,
                ys,
                self.approxOrderX if approxOrderX is None else int(approxOrderX),
                self.approxOrderY if approxOrderY is None or approxOrderY < 0 else int(approxOrderY),
                self.approxWeighting if approxWeighting is None else bool(approxWeighting),
            )
        else:
            style = Interpolate(interpStyle) if interpStyle is not None else self.interpStyle
            under = (
                UndersampleStyle(undersampleStyle) if undersampleStyle is not None else self.undersampleStyle
            )
            pixels = self._interpolate(xs, ys, style, under)
        return ImageF(pixels.astype(np.float32), xy0=bbox.getMin())

    getImageF = getImage

    def _style_for(self, n: int, style: Interpolate, under: UndersampleStyle, axis: str) -> Interpolate:
        if n >= lookupMinInterpPoints(style):
            return style
        if under is UndersampleStyle.REDUCE_INTERP_ORDER:
            return lookupMaxInterpStyle(n)
        if under is UndersampleStyle.INCREASE_NXNYSAMPLE:
            raise BackgroundError("UndersampleStyle INCREASE_NXNYSAMPLE is not supported (as in LSST)")
        raise BackgroundError(
            f"{n} bins in {axis} are too few for {style.value} interpolation "
            f"(needs {lookupMinInterpPoints(style)}); use REDUCE_INTERP_ORDER or smaller bins"
        )

    def _interpolate(
        self, xs: np.ndarray, ys: np.ndarray, style: Interpolate, under: UndersampleStyle
    ) -> np.ndarray:
        if style is Interpolate.UNKNOWN:
            raise BackgroundError(
                "Interpolation style UNKNOWN cannot be evaluated; choose one or approximate"
            )
        ny, nx = self._values.shape
        # LSST chooses the style for the smaller dimension when undersampled.
        global_style = style
        if min(nx, ny) < lookupMinInterpPoints(style):
            global_style = self._style_for(min(nx, ny), style, under, "x" if nx < ny else "y")
        x_centers, y_centers = self.binCenters()
        columns = np.full((len(ys), nx), np.nan)
        for ix in range(nx):
            good = np.isfinite(self._values[:, ix])
            if not good.any():
                continue
            column_style = self._style_for(
                int(good.sum()),
                global_style,
                UndersampleStyle.REDUCE_INTERP_ORDER
                if under is not UndersampleStyle.THROW_EXCEPTION
                else under,
                "y",
            )
            columns[:, ix] = interpolate_1d(y_centers[good], self._values[good, ix], ys, column_style)
        usable = np.isfinite(columns[0]) if len(ys) else np.zeros(nx, bool)
        if not usable.any():
            raise BackgroundError("Every bin of the background is empty (NaN): nothing to interpolate")
        row_style = self._style_for(
            int(usable.sum()),
            global_style,
            UndersampleStyle.REDUCE_INTERP_ORDER if under is not UndersampleStyle.THROW_EXCEPTION else under,
            "x",
        )
        try:
            return interpolate_1d(x_centers[usable], columns[:, usable].T, xs, row_style).T
        except InterpolationError as exc:
            raise BackgroundError(str(exc)) from None

    def _approximate(
        self, xs: np.ndarray, ys: np.ndarray, order_x: int, order_y: int, weighting: bool
    ) -> np.ndarray:
        x_centers, y_centers = self.binCenters()
        width, height = self._bbox.getWidth(), self._bbox.getHeight()
        gx, gy = np.meshgrid(x_centers, y_centers)
        good = np.isfinite(self._values)
        terms = [
            (i, j) for i in range(order_x + 1) for j in range(order_y + 1) if i + j <= max(order_x, order_y)
        ]
        if good.sum() < len(terms):
            raise BackgroundError(
                f"{int(good.sum())} usable bins are too few for a Chebyshev fit of order "
                f"({order_x}, {order_y}) with {len(terms)} terms; lower the order or use smaller bins"
            )
        u = _scaled(gx[good], width)
        v = _scaled(gy[good], height)
        design = _chebyshev_terms(u, v, terms, order_x, order_y)
        rhs = self._values[good]
        if weighting:
            variance = self._variances[good]
            npix = np.maximum(self._npix[good], 1)
            weights = np.where(np.isfinite(variance) & (variance > 0), np.sqrt(npix / variance), 0.0)
            if not weights.any():
                weights = np.ones_like(rhs)
            design, rhs = design * weights[:, None], rhs * weights
        coefficients, *_ = np.linalg.lstsq(design, rhs, rcond=None)
        matrix = np.zeros((order_x + 1, order_y + 1))
        for (i, j), c in zip(terms, coefficients):
            matrix[i, j] = c
        # chebgrid2d(x, y, c) evaluates sum c[i, j] T_i(x) T_j(y) on the grid x (rows) by y (cols).
        return chebyshev.chebgrid2d(_scaled(xs, width), _scaled(ys, height), matrix).T

    def __repr__(self) -> str:
        ny, nx = self._values.shape
        return (
            f"BackgroundMI({nx}x{ny} bins of {self.statistic.value} over {self._bbox}, "
            f"interp={self.interpStyle.value}, approx={self.approxStyle.value})"
        )


def _scaled(positions: np.ndarray, length: int) -> np.ndarray:
    """Map pixel positions 0..length-1 to [-1, 1]."""
    return 2.0 * (np.asarray(positions, np.float64) + 0.5) / length - 1.0


def _chebyshev_terms(
    u: np.ndarray, v: np.ndarray, terms: list[tuple[int, int]], order_x: int, order_y: int
) -> np.ndarray:
    tu = chebyshev.chebvander(u, order_x)
    tv = chebyshev.chebvander(v, order_y)
    return np.column_stack([tu[:, i] * tv[:, j] for i, j in terms])


def _pixels_of(image: Any, bad_planes: Iterable[str]) -> tuple[np.ndarray, np.ndarray | None, Box2I]:
    """Return (image array, bad-pixel boolean array or None, bbox) of an image-like object."""
    if isinstance(image, np.ndarray):
        height, width = image.shape
        return image, None, Box2I(Point2I(0, 0), Extent2I(width, height))
    if hasattr(image, "getMaskedImage"):
        image = image.getMaskedImage()
    bbox = image.getBBox()
    if hasattr(image, "mask") and hasattr(image, "image"):
        mask = image.mask
        planes = [p for p in bad_planes if p in mask.getMaskPlaneDict()]
        bad = (mask.array & mask.getPlaneBitMask(planes)) != 0 if planes else None
        return image.image.array, bad, bbox
    return image.array, None, bbox
