"""The kinds of connection a `PipelineTaskConnections` class declares.

A connection names a dataset type (possibly with ``{template}`` parts filled
from the task's config), its storage class and, for per-quantum datasets, its
dimensions.  Declared as class attributes, exactly as in LSST::

    import pipetasks.framework.connectionTypes as cT

    class MyConnections(PipelineTaskConnections, dimensions=("instrument", "visit", "detector")):
        exposure = cT.Input(name="postISRCCD", storageClass="Exposure",
                            dimensions=("instrument", "exposure", "detector"), doc="Input image.")
        catalog = cT.Output(name="src", storageClass="SourceCatalog",
                            dimensions=("instrument", "visit", "detector"), doc="Detected sources.")
"""

from __future__ import annotations

__all__ = [
    "BaseConnection",
    "BaseInput",
    "DimensionedConnection",
    "InitInput",
    "InitOutput",
    "Input",
    "Output",
    "PrerequisiteInput",
]

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from butler import DataCoordinate, DatasetRef, DatasetType, Registry


@dataclasses.dataclass(frozen=True)
class BaseConnection:
    """What every connection has: a dataset type name, a storage class, a doc.

    Parameters
    ----------
    name : `str`
        Dataset type name; may hold ``{template}`` fields filled from the
        config's ``connections`` section.
    storageClass : `str`
        Storage class the task reads or writes the dataset as.
    doc : `str`, optional
        What the dataset is, for the config's documentation.
    multiple : `bool`, optional
        Whether the task receives (or writes) a list of datasets for this
        connection per quantum instead of one.
    deprecated : `str`, optional
        Why the connection is deprecated; a `FutureWarning` carrying it is
        issued when the connections are built.
    """

    name: str
    storageClass: str
    doc: str = ""
    multiple: bool = False
    deprecated: str | None = dataclasses.field(default=None, kw_only=True)

    _connection_type_set: ClassVar[str] = ""
    """Name of the `PipelineTaskConnections` set (``inputs``, ``outputs``...) this kind belongs to."""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"A connection's name must be a non-empty dataset type name, not {self.name!r}.")
        if not isinstance(self.storageClass, str):
            # LSST accepts only names; a class here is a common slip when porting.
            raise TypeError(
                f"Connection {self.name!r}: storageClass must be a storage class name (str), "
                f"not {self.storageClass!r}."
            )

    def __get__(self, instance: Any, owner: type) -> Any:
        # On a connections *instance* the attribute is the configured copy
        # (final dataset type name); on the class it is the declaration.
        if instance is None:
            return self
        var_name = getattr(self, "varName", None)
        try:
            return instance.allConnections[var_name]
        except (KeyError, AttributeError):
            raise AttributeError(
                f"Connection {var_name!r} of {owner.__name__} has been removed by its __init__."
            ) from None


@dataclasses.dataclass(frozen=True)
class DimensionedConnection(BaseConnection):
    """A connection to per-quantum datasets, which have dimensions.

    Parameters
    ----------
    dimensions : iterable of `str`, optional
        Dimensions of the dataset type (``("instrument", "visit", "detector")``).
        ``"skypix"`` stands for the pixelization dimension a registered
        dataset type (a reference catalog) actually uses.
    isCalibration : `bool`, optional
        Whether the dataset type may live in CALIBRATION collections.
    """

    dimensions: Iterable[str] = ()
    isCalibration: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.dimensions, str):
            raise TypeError(
                f"Connection {self.name!r}: dimensions must be an iterable of dimension names, got the "
                f"string {self.dimensions!r} (a missing trailing comma in a one-element tuple?)."
            )
        if not isinstance(self.dimensions, Iterable):
            raise TypeError(
                f"Connection {self.name!r}: dimensions must be an iterable of dimension names, "
                f"not {self.dimensions!r}."
            )
        object.__setattr__(self, "dimensions", tuple(self.dimensions))


@dataclasses.dataclass(frozen=True)
class BaseInput(DimensionedConnection):
    """An input read while the quantum runs.

    Parameters
    ----------
    deferLoad : `bool`, optional
        Hand the task a `~butler.DeferredDatasetHandle` instead of the
        object, so it reads (a part of) it when it wants.
    minimum : `int`, optional
        Fewest datasets a quantum needs for this connection.  Fewer make the
        default `PipelineTaskConnections.adjustQuantum` raise `NoWorkFound`
        (regular inputs) or `FileNotFoundError` (prerequisites).  More than
        one requires ``multiple=True``; zero makes a prerequisite optional.
    """

    deferLoad: bool = False
    minimum: int = 1

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.minimum > 1 and not self.multiple:
            raise TypeError(f"Cannot set minimum={self.minimum} if multiple=False (connection {self.name!r}).")
        if self.minimum < 0:
            raise ValueError(f"Connection {self.name!r}: minimum must be 0 or more, not {self.minimum}.")


@dataclasses.dataclass(frozen=True)
class Input(BaseInput):
    """A regular input: found, or produced upstream, when the quantum graph is built.

    Parameters
    ----------
    deferGraphConstraint : `bool`, optional
        Leave this dataset type out of the initial data-ID query of graph
        building (its existence does not constrain which quanta are made).
    deferBinding : `bool`, optional
        Leave the connection out of the pipeline graph entirely; a custom
        graph builder binds it.  Implies ``deferGraphConstraint``.
    """

    deferGraphConstraint: bool = False
    deferBinding: bool = False

    _connection_type_set: ClassVar[str] = "inputs"


@dataclasses.dataclass(frozen=True)
class PrerequisiteInput(BaseInput):
    """An input that must exist before the pipeline runs (never produced by it).

    Prerequisites are looked up per quantum: calibrations by the quantum's
    validity time, spatial datasets (reference catalogs) by its region, or
    by ``lookupFunction`` when given.

    Parameters
    ----------
    lookupFunction : callable, optional
        ``lookupFunction(datasetType, registry, quantumDataId, collections)``
        returning the `~butler.DatasetRef` objects to use.
    """

    lookupFunction: (
        Callable[[DatasetType, Registry, DataCoordinate, Sequence[str]], Iterable[DatasetRef]] | None
    ) = None

    _connection_type_set: ClassVar[str] = "prerequisiteInputs"


@dataclasses.dataclass(frozen=True)
class Output(DimensionedConnection):
    """A dataset written by the quantum."""

    _connection_type_set: ClassVar[str] = "outputs"


@dataclasses.dataclass(frozen=True)
class InitInput(BaseConnection):
    """A dataset (no dimensions) read once when the task is constructed, e.g. a schema."""

    _connection_type_set: ClassVar[str] = "initInputs"


@dataclasses.dataclass(frozen=True)
class InitOutput(BaseConnection):
    """A dataset (no dimensions) written once per run from the task attribute of the same name."""

    _connection_type_set: ClassVar[str] = "initOutputs"
