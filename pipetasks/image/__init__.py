"""LSST's astronomical data model on numpy and astropy: images, exposures, PSFs, catalogs, backgrounds."""

from . import archive
from .ap_corr import ApCorrMap
from .background import (
    ApproximateStyle,
    BackgroundList,
    BackgroundMI,
    Interpolate,
    Statistic,
    UndersampleStyle,
)
from .bounded_field import BoundedField, ChebyshevBoundedField, ConstantBoundedField
from .camera import Camera
from .defects import Defect, Defects
from .detector import FOCAL_PLANE, PIXELS, Amplifier, Detector, DetectorType, Orientation, ReadoutCorner
from .display import display
from .errors import ArchiveError, ImageBoundsError, ImageFormatError, MaskPlaneError
from .exposure import Exposure, ExposureD, ExposureF, ExposureI, ExposureU
from .exposure_info import ExposureInfo
from .filter_label import FilterLabel
from .geometry import Box2D, Box2I, Extent2D, Extent2I, Point2D, Point2I
from .image import LOCAL, PARENT, Image, ImageD, ImageF, ImageI, ImageL, ImageOrigin, ImageU
from .mask import Mask, MaskX
from .masked_image import MaskedImage, MaskedImageD, MaskedImageF, MaskedImageI, MaskedImageU
from .photo_calib import Measurement, PhotoCalib
from .psf import FixedKernel, GaussianPsf, KernelPsf, PolynomialPixelPsf, Psf
from .summary_stats import ExposureSummaryStats
from .table import (
    AliasMap,
    ExposureCatalog,
    ExposureRecord,
    ExposureTable,
    Field,
    Footprint,
    HeavyFootprint,
    IdFactory,
    Key,
    PeakRecord,
    Point2DKey,
    Quadrupole,
    QuadrupoleKey,
    Schema,
    SchemaMapper,
    SimpleCatalog,
    SourceCatalog,
    SourceRecord,
    SourceTable,
    Span,
    SpanSet,
)
from .visit_info import RotType, VisitInfo, Weather
from .wcs import SkyWcs, makeCdMatrix, makeSkyWcs, pixelToSky, skyToPixel
