"""Visits from exposures: `define_visits`, the work of ``butler define-visits``.

A visit is what pipelines process together: one or more exposures of one pointing and filter.
Which exposures make a visit is a *visit system*; as in LSST, ``one-to-one`` (visit system 0)
makes one visit of each exposure, with the exposure's ID as visit ID and its ``obs_id`` as
visit name.  For each visit `define_visits` writes the ``visit`` record (with the sky region
and timespan), ``visit_definition`` (exposure -> visit), ``visit_system_membership`` and one
``visit_detector_region`` per detector of the camera, whose region is the detector's padded
outline on the sky (`~pipetasks.instruments.focal_plane.detector_region`) for the exposure's
boresight and rotation.  The visit region is the convex hull of the detector regions.

Examples
--------
>>> result = define_visits(butler, "MegaPrime")           # doctest: +SKIP
>>> result.defined, result.existing, result.ignored        # doctest: +SKIP
([1038843, 1038844], [], 3)
"""

from __future__ import annotations

__all__ = ["VisitGroup", "VisitSystem", "OneToOneVisitSystem", "VISIT_SYSTEMS", "DefineVisitsResult",
           "define_visits"]

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from butler.spatial import ConvexPolygon
from butler.timespan import Timespan

from .errors import UnknownInstrumentError, VisitDefinitionError
from .focal_plane import Pointing, detector_region
from .instrument import Instrument

if TYPE_CHECKING:
    from butler import Butler
    from butler.dimensions import DimensionRecord
    from butler.registry import Registry

    from ..image.camera import Camera

T = TypeVar("T")
ProgressFactory = Callable[..., Iterable[Any]]
"""``progress(items, description=..., total=...)`` yielding ``items`` (`butler.cli.interaction.progress`)."""

_BATCH_SIZE = 200
"""Visits written per transaction (one bulk insert per element each)."""


@dataclasses.dataclass(frozen=True)
class VisitGroup:
    """The exposures of one visit, as a visit system grouped them."""

    id: int
    name: str
    exposures: tuple[DimensionRecord, ...]


class VisitSystem:
    """A way of grouping exposures into visits (LSST's ``lsst.daf.butler.VisitSystem``).

    Subclasses set `id` and `name` (the ``visit_system`` record) and implement `group`.
    """

    id: int
    name: str

    def group(self, exposures: Sequence[DimensionRecord]) -> list[VisitGroup]:
        """The visits the exposures make."""
        raise NotImplementedError

    def record(self, instrument: str) -> dict[str, Any]:
        """The ``visit_system`` record of this system for ``instrument``."""
        return {"instrument": instrument, "id": self.id, "name": self.name}


class OneToOneVisitSystem(VisitSystem):
    """Each exposure is its own visit: same ID, the exposure's ``obs_id`` as name."""

    id = 0
    name = "one-to-one"

    def group(self, exposures: Sequence[DimensionRecord]) -> list[VisitGroup]:
        return [VisitGroup(e.id, e.obs_id or str(e.id), (e,)) for e in exposures]


VISIT_SYSTEMS: dict[str, VisitSystem] = {system.name: system for system in (OneToOneVisitSystem(),)}
"""Visit systems by name."""


@dataclasses.dataclass
class DefineVisitsResult:
    """What `define_visits` did.

    Attributes
    ----------
    defined : `list` [`int`]
        IDs of the visits defined now.
    existing : `list` [`int`]
        IDs of visits that were defined already and left as they were.
    updated : `list` [`int`]
        IDs of visits that were defined already and whose records were replaced
        (``update_records=True``).
    ignored : `int`
        Matching exposures that cannot become visits (calibration exposures, dome closed).
    """

    defined: list[int] = dataclasses.field(default_factory=list)
    existing: list[int] = dataclasses.field(default_factory=list)
    updated: list[int] = dataclasses.field(default_factory=list)
    ignored: int = 0


def define_visits(
    butler: Butler,
    instrument: Instrument | str,
    *,
    collections: Any = None,
    where: str = "",
    visit_system: str = "one-to-one",
    update_records: bool = False,
    padding: float = 50.0,
    progress: ProgressFactory | None = None,
) -> DefineVisitsResult:
    """Define visits, with their sky regions, from an instrument's exposure records.

    Parameters
    ----------
    butler : `~butler.Butler`
        A writeable butler.
    instrument : `Instrument` or `str`
        The instrument, or its registered name or class path.
    collections : `str` or sequence of `str`, optional
        Only exposures with a ``raw`` dataset in these collections; all exposures by default.
    where : `str`, optional
        A query expression restricting the exposures (``"exposure.day_obs = 20081101"``).
    visit_system : `str`, optional
        How exposures make visits; one of `VISIT_SYSTEMS` (``one-to-one``).
    update_records : `bool`, optional
        Replace the records of visits that exist already instead of skipping them.
    padding : `float`, optional
        Pixels added around each detector's outline for its sky region (conservatively large).
    progress : callable, optional
        Wraps the iteration over batches of visits (e.g. `butler.cli.interaction.progress`).

    Returns
    -------
    result : `DefineVisitsResult`

    Raises
    ------
    VisitDefinitionError
        If the instrument is not registered, the visit system is unknown, no exposure matches,
        or an exposure that can see the sky has no tracking RA/Dec or rotation angle.

    Notes
    -----
    An exposure becomes a visit when its ``can_see_sky`` is true, or, when that is unknown,
    when its ``observation_type`` is ``science``.  All records of a visit are written in one
    transaction (batches of visits share one).
    """
    registry = butler.registry
    inst = _resolve_instrument(instrument, registry)
    name = inst.getName()
    system = _visit_system(visit_system)
    exposures = _query_exposures(registry, inst, collections, where)
    on_sky = [e for e in exposures if _can_be_visit(e)]
    _check_pointings(on_sky)
    result = DefineVisitsResult(ignored=len(exposures) - len(on_sky))
    groups = system.group(on_sky)
    existing_ids = _existing_visits(registry, name, system) if groups else set()
    to_write: list[tuple[VisitGroup, bool]] = []
    for group in groups:
        if group.id not in existing_ids:
            result.defined.append(group.id)
            to_write.append((group, False))
        elif update_records:
            result.updated.append(group.id)
            to_write.append((group, True))
        else:
            result.existing.append(group.id)
    if not to_write:
        return result
    camera = inst.getCamera()
    registry.syncDimensionData("visit_system", system.record(name))
    batches = list(_batched(to_write, _BATCH_SIZE))
    shown = progress(batches, description="Defining visits", total=len(batches)) if progress else batches
    for batch in shown:
        _write_batch(registry, camera, system, batch, padding)
    return result


# -- finding exposures ---------------------------------------------------------------------------


def _resolve_instrument(instrument: Instrument | str, registry: Registry) -> Instrument:
    if isinstance(instrument, str):
        try:
            instrument = Instrument.from_string(instrument, registry)
        except UnknownInstrumentError as err:
            raise VisitDefinitionError(str(err)) from None
    registered = {r.name for r in registry.queryDimensionRecords("instrument")}
    if instrument.getName() not in registered:
        raise VisitDefinitionError(
            f"instrument {instrument.getName()!r} is not registered in this repository; register it "
            f"(`butler register-instrument REPO {instrument.class_name()}`) and ingest its raws first"
        )
    return instrument


def _visit_system(name: str) -> VisitSystem:
    try:
        return VISIT_SYSTEMS[name]
    except KeyError:
        raise VisitDefinitionError(
            f"unknown visit system {name!r}; known: {', '.join(sorted(VISIT_SYSTEMS))}"
        ) from None


def _query_exposures(registry: Registry, instrument: Instrument, collections: Any, where: str
                     ) -> list[DimensionRecord]:
    name = instrument.getName()
    raw = instrument.raw_definition[0] if collections else None
    records = registry.queryDimensionRecords("exposure", datasets=raw, collections=collections or None,
                                             where=where, instrument=name)
    if not records:
        constraints = [f"with a {raw} dataset in {collections!r}"] if raw else []
        if where:
            constraints.append(f"matching {where!r}")
        detail = f" {' and '.join(constraints)}" if constraints else ""
        raise VisitDefinitionError(
            f"no {name} exposures{detail}; ingest raws first (`butler ingest-raws`)"
            + (" or loosen --where/--collections" if detail else "")
        )
    return sorted(records, key=lambda r: r.id)


def _can_be_visit(exposure: DimensionRecord) -> bool:
    if exposure.can_see_sky is not None:
        return bool(exposure.can_see_sky)
    return (exposure.observation_type or "").lower() == "science"


def _check_pointings(exposures: Sequence[DimensionRecord]) -> None:
    lacking = [e for e in exposures if e.tracking_ra is None or e.tracking_dec is None or e.sky_angle is None]
    if not lacking:
        return
    named = ", ".join(f"{e.id} ({e.obs_id})" for e in lacking[:5])
    more = f" and {len(lacking) - 5} more" if len(lacking) > 5 else ""
    raise VisitDefinitionError(
        f"exposure(s) {named}{more} can see the sky but have no tracking_ra/tracking_dec/sky_angle, so "
        "their sky regions are unknown; fix their headers and re-ingest them (--update-records), or leave "
        "them out with --where \"exposure NOT IN (...)\""
    )


def _existing_visits(registry: Registry, instrument: str, system: VisitSystem) -> set[int]:
    memberships = registry.queryDimensionRecords("visit_system_membership", instrument=instrument,
                                                 visit_system=system.id)
    return {r.visit for r in memberships}


# -- records -----------------------------------------------------------------------------------------


def _batched(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _write_batch(registry: Registry, camera: Camera, system: VisitSystem,
                 batch: Sequence[tuple[VisitGroup, bool]], padding: float) -> None:
    """Insert (or, for ``replace`` groups, replace) every record of a batch of visits in one transaction."""
    elements = ("visit", "visit_definition", "visit_system_membership", "visit_detector_region")
    records: dict[bool, dict[str, list[dict[str, Any]]]] = {
        replace: {element: [] for element in elements} for replace in (False, True)
    }
    for group, replace in batch:
        for element, rows in _visit_records(camera, system, group, padding).items():
            records[replace][element].extend(rows)
    with registry.transaction():
        for replace, by_element in records.items():
            for element, rows in by_element.items():
                if rows:
                    registry.insertDimensionData(element, *rows, replace=replace)


def _visit_records(camera: Camera, system: VisitSystem, group: VisitGroup, padding: float
                   ) -> dict[str, list[dict[str, Any]]]:
    """The records of one visit, by element."""
    first = group.exposures[0]
    instrument = first.instrument
    pointing = Pointing(first.tracking_ra, first.tracking_dec, first.sky_angle)
    detector_regions = {det.getId(): detector_region(camera, det, pointing, padding) for det in camera}
    visit_region = ConvexPolygon(np.concatenate([r.vertices for r in detector_regions.values()]))
    key = {"instrument": instrument, "visit": group.id}
    return {
        "visit": [{
            "instrument": instrument,
            "id": group.id,
            "name": group.name,
            "physical_filter": first.physical_filter,
            "day_obs": first.day_obs,
            "seq_num": first.seq_num,
            "exposure_time": _total_exposure_time(group.exposures),
            "target_name": first.target_name,
            "observation_reason": first.observation_reason,
            "science_program": first.science_program,
            "azimuth": first.azimuth,
            "zenith_angle": first.zenith_angle,
            "region": visit_region,
            "timespan": _union_timespan(group.exposures),
        }],
        "visit_definition": [{**key, "exposure": e.id} for e in group.exposures],
        "visit_system_membership": [{**key, "visit_system": system.id}],
        "visit_detector_region": [{**key, "detector": det, "region": region}
                                  for det, region in detector_regions.items()],
    }


def _total_exposure_time(exposures: Sequence[DimensionRecord]) -> float | None:
    times = [e.exposure_time for e in exposures]
    return None if any(t is None for t in times) else float(sum(times))


def _union_timespan(exposures: Sequence[DimensionRecord]) -> Timespan | None:
    spans = [e.timespan for e in exposures]
    if any(s is None for s in spans):
        return None
    return Timespan.from_nsec(min(s.nsec[0] for s in spans), max(s.nsec[1] for s in spans))
