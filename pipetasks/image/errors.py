"""Exceptions raised by `pipetasks.image`."""

from __future__ import annotations

__all__ = ["ImageFormatError", "ImageBoundsError", "MaskPlaneError", "ArchiveError"]

from butler.formatters.errors import FormatterReadError


class ImageFormatError(FormatterReadError):
    """A file cannot be read as the image, mask, exposure or component asked for.

    The file exists and opens, but it is truncated, lacks an HDU or keyword the format requires, or
    holds something else. Derives from `butler.formatters.errors.FormatterReadError` (a `ValueError`),
    so the butler reports it like any other unreadable dataset.

    Parameters
    ----------
    path : `str`
        The file that could not be read.
    reason : `str`
        What is missing or wrong, and what was expected.
    """

    def __init__(self, path: str, reason: str, formatter: str | None = None):
        super().__init__(str(path), reason, formatter)


class ImageBoundsError(IndexError):
    """A box or pixel lies outside an image (LSST's ``LengthError`` on sub-images)."""


class MaskPlaneError(KeyError):
    """A mask plane name is unknown, or no bit is free for a new plane."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ArchiveError(ValueError):
    """A dict given to `pipetasks.image.archive.load` names an unknown type or lacks a field."""
