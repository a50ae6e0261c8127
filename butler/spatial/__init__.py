"""Sky regions and pixelizations.

Regions (`ConvexPolygon`, `Circle`, `Box`, `Ellipse`, `UnionRegion`,
`IntersectionRegion`) test containment and overlap exactly in numpy and
encode to LSST sphgeom's bytes.  Pixelizations (`HtmPixelization`,
`HealpixPixelization`) give the same indices as LSST sphgeom.  Importing
this package makes the registry decode stored regions into these objects.
"""

from __future__ import annotations

__all__ = [
    "Box",
    "Circle",
    "ConvexPolygon",
    "Ellipse",
    "HealpixPixelization",
    "HtmPixelization",
    "IntersectionRegion",
    "LonLat",
    "Pixelization",
    "RangeSet",
    "Region",
    "UnionRegion",
    "are_convex_ccw",
    "decode",
    "decode_text",
    "pixelization_from_name",
    "region_from_ivoa_pos",
]

from .. import spatial_hooks
from .box import Box
from .circle import Circle
from .compound import IntersectionRegion, UnionRegion
from .ellipse import Ellipse
from .encoding import decode, decode_text
from .healpix import HealpixPixelization
from .htm import HtmPixelization
from .ivoa import region_from_ivoa_pos
from .pixelization import Pixelization, pixelization_from_name
from .polygon import ConvexPolygon, are_convex_ccw
from .ranges import RangeSet
from .region import Region
from .vectors import LonLat

spatial_hooks.set_decoder(decode)
