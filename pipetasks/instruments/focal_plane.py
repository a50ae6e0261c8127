"""Where a detector's pixels fall on the sky for a given pointing.

The chain is pixel -> focal plane (mm, the detector's `Orientation`) -> field angle (radians,
the camera's radial distortion polynomial) -> sky.  The last step places the field angle
``(fx, fy)`` on the sky around the boresight: the focal plane's +y axis points at position
angle ``rotation`` (North through East) and +x points 90 degrees further *clockwise*
(East is to the left, as on the sky seen from inside), so that at ``rotation = 0`` +x is West
and +y North.  A point at field angle ``theta = hypot(fx, fy)`` lies ``theta`` away from the
boresight along the great circle in that direction.

This is the one definition used by the raw simulator (to draw sources and write header WCSs),
by ``define-visits`` (visit and detector regions) and by the raw formatter (the initial WCS),
so they agree by construction.  The header WCS is a local linear (TAN) approximation about the
detector centre; `pixel_to_sky` and `sky_to_pixel` are exact, distortion included.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from astropy.wcs import WCS

from butler.spatial import ConvexPolygon

from ..image.camera import Camera
from ..image.detector import Detector

__all__ = ["Pointing", "pixel_to_sky", "sky_to_pixel", "detector_wcs", "detector_corners_sky", "detector_region"]


class Pointing:
    """The boresight and the position angle of the focal plane's +y axis.

    Parameters
    ----------
    ra, dec : `float`
        Boresight, ICRS degrees.
    rotation : `float`, optional
        Position angle of focal-plane +y, degrees from North through East.
    """

    __slots__ = ("ra", "dec", "rotation")

    def __init__(self, ra: float, dec: float, rotation: float = 0.0):
        if not (-90.0 <= dec <= 90.0) or not math.isfinite(ra):
            raise ValueError(f"invalid boresight ({ra}, {dec}): RA must be finite and Dec within [-90, 90]")
        self.ra, self.dec, self.rotation = float(ra), float(dec), float(rotation)

    def __repr__(self) -> str:
        return f"Pointing(ra={self.ra!r}, dec={self.dec!r}, rotation={self.rotation!r})"

    def _frame(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unit vectors: boresight, focal-plane +x and +y directions on the sky there."""
        ra, dec = math.radians(self.ra), math.radians(self.dec)
        boresight = np.array([math.cos(dec) * math.cos(ra), math.cos(dec) * math.sin(ra), math.sin(dec)])
        east = np.array([-math.sin(ra), math.cos(ra), 0.0])
        north = np.cross(boresight, east)
        rho = math.radians(self.rotation)
        y_axis = math.cos(rho) * north + math.sin(rho) * east
        x_axis = math.sin(rho) * north - math.cos(rho) * east
        return boresight, x_axis, y_axis


def _field_angle_to_sky(pointing: Pointing, fx: np.ndarray, fy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    boresight, x_axis, y_axis = pointing._frame()
    theta = np.hypot(fx, fy)
    with np.errstate(invalid="ignore", divide="ignore"):
        cx = np.where(theta > 0, fx / np.where(theta > 0, theta, 1.0), 0.0)
        cy = np.where(theta > 0, fy / np.where(theta > 0, theta, 1.0), 0.0)
    direction = cx[..., None] * x_axis + cy[..., None] * y_axis
    vectors = np.cos(theta)[..., None] * boresight + np.sin(theta)[..., None] * direction
    ra = np.degrees(np.arctan2(vectors[..., 1], vectors[..., 0])) % 360.0
    dec = np.degrees(np.arcsin(np.clip(vectors[..., 2], -1.0, 1.0)))
    return ra, dec


def _sky_to_field_angle(pointing: Pointing, ra: Any, dec: Any) -> tuple[np.ndarray, np.ndarray]:
    boresight, x_axis, y_axis = pointing._frame()
    ra, dec = np.radians(np.asarray(ra, dtype=float)), np.radians(np.asarray(dec, dtype=float))
    vectors = np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)
    along = vectors @ boresight
    px, py = vectors @ x_axis, vectors @ y_axis
    theta = np.arctan2(np.hypot(px, py), along)
    norm = np.hypot(px, py)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(norm > 0, theta / np.where(norm > 0, norm, 1.0), 0.0)
    return px * scale, py * scale


def pixel_to_sky(camera: Camera, detector: Detector, pointing: Pointing, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Sky position (ICRS RA, Dec degrees) of trimmed-detector pixel positions, distortion included.

    Parameters
    ----------
    camera : `~pipetasks.image.camera.Camera`
    detector : `~pipetasks.image.detector.Detector`
    pointing : `Pointing`
    x, y : array-like
        Pixel positions in the detector's (trimmed, assembled) frame; pixel centres at integers.
    """
    orientation, size = detector.getOrientation(), detector.getPixelSize()
    mx, my = orientation.pixelToFocalPlane(x, y, size)
    fx, fy = camera.focalPlaneToFieldAngle(mx, my)
    return _field_angle_to_sky(pointing, np.asarray(fx), np.asarray(fy))


def sky_to_pixel(camera: Camera, detector: Detector, pointing: Pointing, ra: Any, dec: Any) -> tuple[np.ndarray, np.ndarray]:
    """Trimmed-detector pixel positions of sky positions (inverse of `pixel_to_sky`).

    Points more than 90 degrees from the boresight have no image; they come back as NaN.
    """
    fx, fy = _sky_to_field_angle(pointing, ra, dec)
    mx, my = camera.fieldAngleToFocalPlane(fx, fy)
    x, y = detector.getOrientation().focalPlaneToPixel(mx, my, detector.getPixelSize())
    return np.asarray(x), np.asarray(y)


def _gnomonic(ra: np.ndarray, dec: np.ndarray, ra0: float, dec0: float) -> tuple[np.ndarray, np.ndarray]:
    """Standard coordinates (xi, eta), degrees, of points about the tangent point (ra0, dec0)."""
    ra, dec, ra0, dec0 = np.radians(ra), np.radians(dec), math.radians(ra0), math.radians(dec0)
    cos_c = math.sin(dec0) * np.sin(dec) + math.cos(dec0) * np.cos(dec) * np.cos(ra - ra0)
    xi = np.cos(dec) * np.sin(ra - ra0) / cos_c
    eta = (math.cos(dec0) * np.sin(dec) - math.sin(dec0) * np.cos(dec) * np.cos(ra - ra0)) / cos_c
    return np.degrees(xi), np.degrees(eta)


def detector_wcs(
    camera: Camera, detector: Detector, pointing: Pointing, *, pixel_offset: tuple[float, float] = (0.0, 0.0)
) -> WCS:
    """A TAN WCS for one detector: exact at its centre, linear (the local plate scale) elsewhere.

    Parameters
    ----------
    camera, detector, pointing
        As in `pixel_to_sky`.
    pixel_offset : `tuple` [`float`, `float`], optional
        Added to trimmed pixel coordinates to get those of the image the WCS is for; a raw
        MegaPrime CCD image has its data section at ``(32, 0)``.

    Returns
    -------
    wcs : `astropy.wcs.WCS`
        0-based pixel coordinates in, ICRS degrees out (``wcs.pixel_to_world_values``).
    """
    center = detector.getCenter("PIXELS")
    cx, cy = center.x, center.y
    step = 100.0
    xs = np.array([cx, cx + step, cx - step, cx, cx])
    ys = np.array([cy, cy, cy, cy + step, cy - step])
    ra, dec = pixel_to_sky(camera, detector, pointing, xs, ys)
    xi, eta = _gnomonic(ra, dec, float(ra[0]), float(dec[0]))
    cd = np.array([[xi[1] - xi[2], xi[3] - xi[4]], [eta[1] - eta[2], eta[3] - eta[4]]]) / (2 * step)
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crval = [float(ra[0]), float(dec[0])]
    wcs.wcs.crpix = [cx + pixel_offset[0] + 1.0, cy + pixel_offset[1] + 1.0]
    wcs.wcs.cd = cd
    wcs.wcs.radesys = "ICRS"
    return wcs


def detector_corners_sky(
    camera: Camera, detector: Detector, pointing: Pointing, padding: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """RA and Dec (degrees) of the detector's outer pixel corners, pushed out by ``padding`` pixels."""
    bbox = detector.getBBox()
    x0, y0 = bbox.getMinX() - 0.5 - padding, bbox.getMinY() - 0.5 - padding
    x1, y1 = bbox.getMaxX() + 0.5 + padding, bbox.getMaxY() + 0.5 + padding
    return pixel_to_sky(camera, detector, pointing, np.array([x0, x1, x1, x0]), np.array([y0, y0, y1, y1]))


def detector_region(camera: Camera, detector: Detector, pointing: Pointing, padding: float = 0.0) -> ConvexPolygon:
    """The sky polygon a detector covers (its corners joined by great circles)."""
    ra, dec = detector_corners_sky(camera, detector, pointing, padding)
    return ConvexPolygon.from_radec(ra, dec)
