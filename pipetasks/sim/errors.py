"""Exceptions raised by the MegaPrime raw simulator."""

from __future__ import annotations

__all__ = ["SimulationError", "InvalidExposureSpecError", "UnknownFilterError", "UnknownDetectorError", "TruthCatalogError"]


class SimulationError(ValueError):
    """Base class: a request to the simulator cannot be honoured as given."""


class InvalidExposureSpecError(SimulationError):
    """An `ExposureSpec` field has a value no MegaPrime exposure can have (the message says which)."""


class UnknownFilterError(SimulationError, KeyError):
    """A physical filter name is not one of MegaPrime's broad-band filters."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownDetectorError(SimulationError, KeyError):
    """A detector id is not one of the camera's (0..35)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class TruthCatalogError(SimulationError):
    """A truth catalog passed to the simulator lacks a column it needs or is for another band."""
