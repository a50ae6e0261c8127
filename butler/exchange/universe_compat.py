"""Bringing records exported under an older LSST dimension universe into this repository's one.

LSST's ``daf_butler`` universe has versions 0-8 (``configs/old_dimensions/``
in daf_butler); ours is version 8 (namespace ``butler``, LSST's element set
less the solar-system ``ssp_*`` elements).  An export says which version
its records follow; `conform` rewrites them, step by step, the way LSST's
own ``YamlRepoImportBackend`` and its ``daf_butler_migrate`` universe
migrations do:

===========  =================================================================
to version   what changed, and what `conform` does
===========  =================================================================
1            ``visit.seeing`` removed: dropped.  ``visit.day_obs`` added:
             taken from the date (TAI) of ``datetime_begin`` when missing
             (LSST subtracts the instrument's day_obs offset when it can
             import the instrument class; we cannot, so none).
2            ``visit.visit_system`` became the ``visit_system_membership``
             element: a membership record per visit, field dropped;
             ``visit_definition`` lost ``visit_system``; dataset types with
             both ``visit`` and ``visit_system`` lose ``visit_system``.
3-5          only string lengths, ``populated_by`` and documentation: nothing.
6            ``group`` and ``day_obs`` became dimensions: ``exposure.group``
             from ``group_name`` (``group_id`` dropped), one ``group`` record
             per distinct name, one ``day_obs`` record per distinct
             (instrument, day_obs) of exposures and visits, with no timespan
             (LSST computes it from the instrument's offset when it can load
             the instrument class; lacking that it also leaves it empty).
7            ``exposure.can_see_sky`` added: set from ``observation_type`` as
             the daf_butler_migrate migration does (True for science, object,
             standard, sky flat, standard_star, skyflat, focus, focusing,
             exp, skyexp; False for dark, bias, agexp, domeflat, dome flat,
             zero, spot; otherwise unknown).  (LSST's import leaves it null.)
8            new ``ssp_*`` elements only: nothing.
===========  =================================================================

Fields a record lacks that the universe has are left null; fields or
elements the universe does not have are refused (`InconsistentUniverseError`)
by the importer.  Conversions apply only to LSST's ``daf_butler`` namespace
(ours, ``butler``, is its version 8); an export of another namespace must fit
as it is.
"""

from __future__ import annotations

__all__ = ["conform", "same_family", "CAN_SEE_SKY", "CANNOT_SEE_SKY"]

import logging
from collections.abc import Callable
import astropy.time

from ..dimensions import DimensionUniverse
from .contents import ExportContents

_LOG = logging.getLogger(__name__)

LSST_NAMESPACE = "daf_butler"

CAN_SEE_SKY = frozenset({"science", "object", "standard", "sky flat", "standard_star", "skyflat", "focus",
                         "focusing", "exp", "skyexp"})
CANNOT_SEE_SKY = frozenset({"dark", "bias", "agexp", "domeflat", "dome flat", "zero", "spot"})


def same_family(namespace: str, universe: DimensionUniverse) -> bool:
    """Whether an export's universe namespace is (a version of) this universe's."""
    ours = {universe.namespace}
    if universe.namespace in ("butler", LSST_NAMESPACE):
        ours |= {"butler", LSST_NAMESPACE}
    return namespace in ours


def _to_v1(contents: ExportContents) -> list[str]:
    notes = []
    visits = contents.records.get("visit", [])
    if any(r.pop("seeing", None) is not None for r in visits):
        notes.append("dropped visit.seeing (removed in universe 1)")
    missing = [r for r in visits if r.get("day_obs") is None and r.get("datetime_begin") is not None]
    for record in missing:
        record["day_obs"] = int(astropy.time.Time(record["datetime_begin"]).tai.strftime("%Y%m%d"))
    if missing:
        notes.append(f"set visit.day_obs of {len(missing)} visits from the TAI date of datetime_begin")
    return notes


def _to_v2(contents: ExportContents) -> list[str]:
    notes = []
    memberships = contents.records.setdefault("visit_system_membership", [])
    added = 0
    for record in contents.records.get("visit", []):
        system = record.pop("visit_system", None)
        if system is not None:
            memberships.append({"instrument": record["instrument"], "visit_system": system,
                                "visit": record["id"]})
            added += 1
    if added:
        notes.append(f"made {added} visit_system_membership records from visit.visit_system")
    for record in contents.records.get("visit_definition", []):
        record.pop("visit_system", None)
    for spec in contents.dataset_types.values():
        if "visit" in spec.dimensions and "visit_system" in spec.dimensions:
            spec.dimensions.remove("visit_system")
            notes.append(f"dropped visit_system from the dimensions of dataset type {spec.name!r}")
    if not memberships:
        del contents.records["visit_system_membership"]
    return notes


def _to_v6(contents: ExportContents) -> list[str]:
    notes = []
    exposures = contents.records.get("exposure", [])
    groups: dict[tuple[str, str], None] = {}
    for record in exposures:
        name = record.pop("group_name", None)
        record.pop("group_id", None)
        if record.get("group") is None and name is not None:
            record["group"] = name
        if record.get("group") is not None:
            groups[(record["instrument"], record["group"])] = None
    known_groups = {(r.get("instrument"), r.get("name")) for r in contents.records.get("group", [])}
    new_groups = [{"instrument": i, "name": n} for i, n in groups if (i, n) not in known_groups]
    if new_groups:
        contents.records.setdefault("group", []).extend(new_groups)
        notes.append(f"made {len(new_groups)} group records from exposure.group_name")
    days: dict[tuple[str, int], None] = {}
    for element in ("exposure", "visit"):
        for record in contents.records.get(element, []):
            if record.get("day_obs") is not None:
                days[(record["instrument"], int(record["day_obs"]))] = None
    known_days = {(r.get("instrument"), r.get("id")) for r in contents.records.get("day_obs", [])}
    new_days = [{"instrument": i, "id": d} for i, d in days if (i, d) not in known_days]
    if new_days:
        contents.records.setdefault("day_obs", []).extend(new_days)
        notes.append(f"made {len(new_days)} day_obs records (without timespans: the instrument's day_obs "
                     "offset is unknown here) from exposure and visit day_obs values")
    return notes


def _to_v7(contents: ExportContents) -> list[str]:
    counts = {True: 0, False: 0, None: 0}
    for record in contents.records.get("exposure", []):
        if "can_see_sky" in record:
            continue
        kind = record.get("observation_type")
        value = True if kind in CAN_SEE_SKY else False if kind in CANNOT_SEE_SKY else None
        record["can_see_sky"] = value
        counts[value] += 1
    if not any(counts.values()):
        return []
    return [f"set exposure.can_see_sky from observation_type ({counts[True]} true, {counts[False]} false, "
            f"{counts[None]} unknown)"]


_STEPS: tuple[tuple[int, Callable[[ExportContents], list[str]]], ...] = (
    (1, _to_v1),
    (2, _to_v2),
    (6, _to_v6),
    (7, _to_v7),
)


def conform(contents: ExportContents, universe: DimensionUniverse) -> list[str]:
    """Rewrite the records and dataset types of an older universe version for ``universe``, in place.

    Parameters
    ----------
    contents : `ExportContents`
        Read from an export file; its ``universe_version`` and
        ``universe_namespace`` say what the records follow.
    universe : `DimensionUniverse`
        The repository's universe.

    Returns
    -------
    notes : `list` [`str`]
        One line per conversion applied (also appended to ``contents.notes``
        and logged).
    """
    if not same_family(contents.universe_namespace, universe):
        return []
    source, target = contents.universe_version, universe.version
    notes: list[str] = []
    for version, step in _STEPS:
        if source < version <= target:
            notes.extend(f"universe {version - 1} -> {version}: {note}" for note in step(contents))
    for note in notes:
        _LOG.info("Import conversion: %s", note)
    contents.notes.extend(notes)
    return notes

