"""Notebook display of images, masked images and exposures: text/HTML summaries and matplotlib plots.

``display(obj)`` (or ``obj.plot()``) draws the image in PARENT pixel coordinates with a zscale or
asinh stretch from `astropy.visualization`, overlays the mask planes in colour, and marks sources.
It returns the matplotlib `~matplotlib.axes.Axes` (its figure is ``ax.figure``) and never opens a
window itself; call ``plt.show()`` or rely on the notebook.
"""

from __future__ import annotations

import html
from typing import Any, Iterable

import numpy as np

__all__ = ["display", "text_summary", "html_summary", "MASK_COLORS"]

MASK_COLORS: dict[str, str] = {
    "BAD": "red",
    "SAT": "green",
    "INTRP": "lime",
    "CR": "magenta",
    "EDGE": "yellow",
    "DETECTED": "blue",
    "DETECTED_NEGATIVE": "cyan",
    "SUSPECT": "orange",
    "NO_DATA": "darkorange",
    "STREAK": "purple",
    "CROSSTALK": "pink",
}
"""Overlay colour per mask plane (as LSST's afw.display defaults); other planes are grey."""


def _parts(obj: Any) -> tuple[Any, Any, Any]:
    """(image, mask or None, exposure or None) of an Image, Mask, MaskedImage or Exposure."""
    from .exposure import Exposure
    from .mask import Mask
    from .masked_image import MaskedImage

    if isinstance(obj, Exposure):
        return obj.image, obj.mask, obj
    if isinstance(obj, MaskedImage):
        return obj.image, obj.mask, None
    if isinstance(obj, Mask):
        return None, obj, None
    return obj, None, None


def _psf_sigma(exposure: Any) -> float | None:
    psf = exposure.getPsf() if exposure is not None else None
    if psf is None:
        return None
    try:
        return float(psf.computeShape(psf.getAveragePosition()).getDeterminantRadius())
    except Exception:  # noqa: BLE001 - a summary must not fail because a PSF cannot evaluate
        return None


def _summary_items(obj: Any) -> list[tuple[str, str]]:
    image, mask, exposure = _parts(obj)
    plane = image if image is not None else mask
    box = plane.getBBox()
    items = [
        ("type", type(obj).__name__),
        ("shape", f"{box.getWidth()} x {box.getHeight()} ({plane.array.dtype})"),
        ("bbox", f"({box.getMinX()}, {box.getMinY()}) - ({box.getMaxX()}, {box.getMaxY()})"),
    ]
    if mask is not None:
        counts = [f"{name}={n}" for name in sorted(mask.getMaskPlaneDict()) if (n := mask.countPlane(name))]
        items.append(("mask planes set", ", ".join(counts) or "none"))
    if exposure is not None:
        f = exposure.getFilter()
        items.append(("filter", f"{f.band or '-'} / {f.physical or '-'}" if f is not None else "none"))
        sigma = _psf_sigma(exposure)
        items.append(("PSF", f"{type(exposure.getPsf()).__name__}, sigma {sigma:.3f} px" if sigma else "none"))
        wcs = exposure.getWcs()
        if wcs is not None:
            centre = box.getCenter()
            sky = wcs.pixel_to_world(centre.x, centre.y)
            items.append(("WCS centre", f"RA {sky.ra.deg:.5f}, Dec {sky.dec.deg:.5f} deg"))
        else:
            items.append(("WCS", "none"))
        det = exposure.getDetector()
        if det is not None:
            items.append(("detector", f"{det.getName()} (id {det.getId()})"))
        visit = exposure.getVisitInfo()
        if visit is not None and visit.getDate() is not None:
            items.append(("date", f"{visit.getDate().tai.isot} TAI, exptime {visit.getExposureTime()} s"))
        if exposure.getPhotoCalib() is not None:
            items.append(("photoCalib", f"{exposure.getPhotoCalib().getCalibrationMean():.4g} nJy/count"))
    return items


def text_summary(obj: Any) -> str:
    """One-line summary: type, shape, bbox and (exposures) filter, PSF size, WCS, detector."""
    items = _summary_items(obj)
    rest = ", ".join(f"{k}={v}" for k, v in items[1:])
    return f"{items[0][1]}({rest})"


def html_summary(obj: Any) -> str:
    """The summary as an HTML table (Jupyter's rich display)."""
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>{html.escape(v)}</td></tr>"
        for k, v in _summary_items(obj)
    )
    return f"<table>{rows}</table>"


def _source_xy(sources: Any) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(sources, tuple) and len(sources) == 2:
        return np.asarray(sources[0], dtype=float), np.asarray(sources[1], dtype=float)
    if hasattr(sources, "getX") and hasattr(sources, "getY"):
        x, y = sources.getX(), sources.getY()
        if np.ndim(x) > 0:
            return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    colnames = getattr(sources, "colnames", None)
    if colnames is not None:
        for xname, yname in (("x", "y"), ("slot_Centroid_x", "slot_Centroid_y"), ("xcentroid", "ycentroid")):
            if xname in colnames and yname in colnames:
                return np.asarray(sources[xname], dtype=float), np.asarray(sources[yname], dtype=float)
    records = list(sources)
    return (
        np.array([r.getX() for r in records], dtype=float),
        np.array([r.getY() for r in records], dtype=float),
    )


def display(
    obj: Any,
    ax: Any = None,
    stretch: str = "zscale",
    mask_planes: Iterable[str] | bool = True,
    mask_alpha: float = 0.4,
    sources: Any = None,
    source_color: str = "orange",
    source_size: float = 12.0,
    cmap: str = "gray",
    title: str | None = None,
    colorbar: bool = False,
) -> Any:
    """Draw an image-like object with matplotlib.

    Parameters
    ----------
    obj : `Image`, `Mask`, `MaskedImage` or `Exposure`
    ax : `matplotlib.axes.Axes`, optional
        Where to draw; a new figure is made otherwise.
    stretch : `str`
        ``"zscale"`` (linear between IRAF zscale limits), ``"asinh"`` (asinh on the zscale
        interval) or ``"minmax"``.
    mask_planes : `bool` or iterable of `str`
        Planes to overlay (`True`: every plane set somewhere; `False`: none).
    mask_alpha : `float`
        Overlay opacity.
    sources : optional
        ``(x, y)`` arrays, a catalog with ``getX()``/``getY()`` columns, an astropy table with
        ``x``/``y`` (or ``slot_Centroid_x``/``_y``) columns, or records with ``getX()``/``getY()``;
        positions in PARENT pixels.
    cmap, title, colorbar
        Matplotlib options.

    Returns
    -------
    ax : `matplotlib.axes.Axes`
    """
    import matplotlib.colors as mcolors
    import matplotlib.pyplot as plt
    from astropy.visualization import AsinhStretch, ImageNormalize, LinearStretch, MinMaxInterval, ZScaleInterval

    image, mask, _ = _parts(obj)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 7))
    plane = image if image is not None else mask
    box = plane.getBBox()
    extent = (box.getMinX() - 0.5, box.getMaxX() + 0.5, box.getMinY() - 0.5, box.getMaxY() + 0.5)
    if image is not None:
        data = np.asarray(image.array, dtype=float)
        finite = data[np.isfinite(data)]
        interval = MinMaxInterval() if stretch == "minmax" or finite.size == 0 else ZScaleInterval()
        choice = {"zscale": LinearStretch(), "minmax": LinearStretch(), "asinh": AsinhStretch(0.1)}
        if stretch not in choice:
            raise ValueError(f"stretch must be one of {sorted(choice)}, not {stretch!r}")
        norm = ImageNormalize(finite if finite.size else np.zeros(1), interval=interval, stretch=choice[stretch])
        shown = ax.imshow(data, origin="lower", extent=extent, cmap=cmap, norm=norm, interpolation="nearest")
        if colorbar:
            ax.figure.colorbar(shown, ax=ax)
    if mask is not None and mask_planes is not False:
        planes = mask.getMaskPlaneDict()
        names = [n for n in planes if mask.countPlane(n)] if mask_planes is True else list(mask_planes)
        overlay = np.zeros(mask.array.shape + (4,), dtype=float)
        for name in names:
            rgba = mcolors.to_rgba(MASK_COLORS.get(name, "grey"), alpha=mask_alpha)
            overlay[mask.getPlaneArray(name)] = rgba
        if names:
            ax.imshow(overlay, origin="lower", extent=extent, interpolation="nearest")
    if sources is not None:
        x, y = _source_xy(sources)
        ax.scatter(x, y, s=source_size**2 / 4, facecolors="none", edgecolors=source_color, linewidths=1.0)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel("x (pixels)")
    ax.set_ylabel("y (pixels)")
    if title is not None:
        ax.set_title(title)
    return ax
