"""Curated calibrations: calibrations that ship with an instrument, written by ``butler
write-curated-calibrations``.

The camera is valid forever: it goes into the RUN ``<prefix>/calib[/labels]/unbounded`` and is
certified with an unbounded timespan.  Other curated calibrations (MegaPrime: ``defects``)
come in *epochs*, each valid from one date (``CuratedCalibrationEpoch``, supplied by the
instrument's ``getCuratedCalibrationEpochs()``); an epoch's datasets go into the RUN
``<prefix>/calib/curated/<calibDate>[/labels]`` and are certified from its start until its end
(or the next epoch, or forever).  Everything is certified into one CALIBRATION collection,
``<prefix>/calib[/labels]`` unless another is given.

Examples
--------
>>> refs = write_curated_calibrations(MegaPrime(), butler)               # doctest: +SKIP
>>> butler.get("defects", instrument="MegaPrime", detector=14,            # doctest: +SKIP
...            collections="MegaPrime/calib", timespan=Timespan.fromInstant(Time.now()))
Defects(17 boxes, 13991 pixels, detector=14)
"""

from __future__ import annotations

__all__ = [
    "CURATED_DATASET_TYPES",
    "CuratedCalibrationEpoch",
    "CuratedCalibrationError",
    "write_curated_calibrations",
]

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from astropy.time import Time

from butler import CollectionType, DatasetType
from butler.errors import MissingCollectionError
from butler.timespan import Timespan

from .errors import InstrumentError

if TYPE_CHECKING:
    from butler import Butler, DatasetRef
    from butler.registry import Registry

    from .instrument import Instrument

CURATED_DATASET_TYPES: dict[str, tuple[tuple[str, ...], str]] = {
    "camera": (("instrument",), "Camera"),
    "defects": (("instrument", "detector"), "Defects"),
}
"""Dimensions and storage class of each curated calibration dataset type (all are calibrations)."""


class CuratedCalibrationError(InstrumentError, ValueError):
    """Curated calibrations cannot be written as asked."""


@dataclasses.dataclass(frozen=True)
class CuratedCalibrationEpoch:
    """The curated calibrations of one dataset type that are valid from one date on.

    Attributes
    ----------
    dataset_type : `str`
        A key of `CURATED_DATASET_TYPES`.
    calib_date : `str`
        Names the epoch's RUN (``<prefix>/calib/curated/<calib_date>``), e.g. ``20100203T000000Z``.
    valid_start, valid_end : `astropy.time.Time` or `None`
        Validity range; `None` is unbounded on that side.
    load : callable
        Returns ``(data ID, object)`` pairs; the data IDs leave out the instrument.
    """

    dataset_type: str
    calib_date: str
    valid_start: Time | None
    valid_end: Time | None
    load: Callable[[], Sequence[tuple[Mapping[str, Any], Any]]]

    @property
    def timespan(self) -> Timespan:
        """The validity range as a `Timespan`."""
        return Timespan(self.valid_start, self.valid_end)


def write_curated_calibrations(
    instrument: Instrument,
    butler: Butler,
    collection: str | None = None,
    labels: Sequence[str] = (),
) -> list[DatasetRef]:
    """Write an instrument's camera and other curated calibrations and certify them.

    Parameters
    ----------
    instrument : `Instrument`
        A registered instrument; its ``getCuratedCalibrationEpochs()`` lists the
        calibrations other than the camera.
    butler : `~butler.Butler`
        A writeable butler.
    collection : `str`, optional
        The CALIBRATION collection to certify into (registered if absent); by default
        ``instrument.makeCalibrationCollectionName(*labels)``.
    labels : sequence of `str`, optional
        Extra name components of the RUN collections (and of the default CALIBRATION collection).

    Returns
    -------
    refs : `list` [`~butler.DatasetRef`]
        The datasets written by this call; datasets already in their RUN are reused, not rewritten,
        so a second call returns an empty list and changes nothing.

    Raises
    ------
    CuratedCalibrationError
        If the instrument is not registered, ``collection`` exists but is not a CALIBRATION
        collection, or an epoch names a dataset type not in `CURATED_DATASET_TYPES`.
    butler.errors.ConflictingDefinitionError
        If a calibration of the same data ID is already certified over an overlapping time in
        ``collection``.  Nothing is written then: all of the work is one transaction.
    """
    registry = butler.registry
    _require_registered(registry, instrument)
    labels = tuple(labels)
    calib_collection = collection or instrument.makeCalibrationCollectionName(*labels)
    epochs = [_camera_epoch(instrument), *instrument.getCuratedCalibrationEpochs()]
    written: list[DatasetRef] = []
    with butler.transaction():
        _register_calibration_collection(registry, calib_collection)
        for epoch in epochs:
            run = _run_name(instrument, epoch, labels)
            written.extend(_write_epoch(butler, instrument.getName(), epoch, run, calib_collection))
    return written


def _camera_epoch(instrument: Instrument) -> CuratedCalibrationEpoch:
    return CuratedCalibrationEpoch("camera", "unbounded", None, None, lambda: [({}, instrument.getCamera())])


def _run_name(instrument: Instrument, epoch: CuratedCalibrationEpoch, labels: tuple[str, ...]) -> str:
    if epoch.valid_start is None and epoch.valid_end is None:
        return instrument.makeCalibrationCollectionName(*labels, "unbounded")
    return instrument.makeCuratedCalibrationRunName(epoch.calib_date, *labels)


def _require_registered(registry: Registry, instrument: Instrument) -> None:
    if instrument.getName() not in {r.name for r in registry.queryDimensionRecords("instrument")}:
        raise CuratedCalibrationError(
            f"instrument {instrument.getName()!r} is not registered in this repository; register it first "
            f"(`butler register-instrument REPO {instrument.class_name()}`)"
        )


def _register_calibration_collection(registry: Registry, name: str) -> None:
    try:
        kind = registry.getCollectionType(name)
    except MissingCollectionError:
        registry.registerCollection(name, CollectionType.CALIBRATION)
        return
    if kind is not CollectionType.CALIBRATION:
        raise CuratedCalibrationError(
            f"collection {name!r} is a {kind.name} collection, but calibrations are certified into a "
            "CALIBRATION collection; pass another --collection, or --label to make a new one"
        )


def _dataset_type(registry: Registry, name: str) -> DatasetType:
    try:
        dimensions, storage_class = CURATED_DATASET_TYPES[name]
    except KeyError:
        raise CuratedCalibrationError(
            f"no curated calibration dataset type {name!r}; known: {', '.join(sorted(CURATED_DATASET_TYPES))}"
        ) from None
    dataset_type = DatasetType(name, dimensions, storage_class, universe=registry.dimensions,
                               isCalibration=True)
    registry.registerDatasetType(dataset_type)
    return dataset_type


def _write_epoch(butler: Butler, instrument: str, epoch: CuratedCalibrationEpoch, run: str,
                 calib_collection: str) -> list[DatasetRef]:
    """Put the epoch's datasets missing from ``run`` and certify those not yet certified for its timespan."""
    registry = butler.registry
    dataset_type = _dataset_type(registry, epoch.dataset_type)
    registry.registerRun(run)
    timespan = epoch.timespan
    associations = registry.queryDatasetAssociations(dataset_type, collections=calib_collection)
    certified = {association.ref.id for association in associations if association.timespan == timespan}
    written: list[DatasetRef] = []
    to_certify: list[DatasetRef] = []
    for data_id, obj in epoch.load():
        full_id = {"instrument": instrument, **data_id}
        ref = registry.findDataset(dataset_type, full_id, collections=run)
        if ref is None:
            ref = butler.put(obj, dataset_type, full_id, run=run)
            written.append(ref)
        if ref.id not in certified:
            to_certify.append(ref)
    if to_certify:
        registry.certify(calib_collection, to_certify, timespan)
    return written
