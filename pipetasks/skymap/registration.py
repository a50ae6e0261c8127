"""Putting a sky map into a repository: skymap, tract and patch records, and the ``skyMap`` dataset.

Records (as LSST writes them):

* ``skymap``: ``name``, ``hash`` (the 20-byte `BaseSkyMap.getSha1`),
  ``tract_max`` (number of tracts), ``patch_nx_max``, ``patch_ny_max``;
* ``tract``: ``id`` and ``region`` = the tract's outer sky polygon;
* ``patch``: ``id`` = the sequential index ``y * nx + x``, ``cell_x`` = x,
  ``cell_y`` = y, ``region`` = the patch's *outer* sky polygon.

Everything is written in one transaction: a failure leaves the repository
as it was.
"""

from __future__ import annotations

__all__ = ["SkyMapRegistration", "register_skymap"]

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from butler import DatasetType
from butler.errors import ConflictingDefinitionError, MissingCollectionError, MissingDatasetTypeError

from .butler_skymap import ensure_registered

if TYPE_CHECKING:
    from butler import Butler, DatasetRef
    from butler.dimensions import DimensionRecord

    from .base_skymap import BaseSkyMap
    from .tract_info import TractInfo

TRACTS_PER_INSERT = 500
"""Tracts whose patch records go to the registry in one call (bounds memory for whole-sky maps)."""


@dataclasses.dataclass(frozen=True)
class SkyMapRegistration:
    """What `register_skymap` did.

    Attributes
    ----------
    name : `str`
        The skymap dimension value.
    hash : `bytes`
        The sky map's SHA-1.
    tracts : `int`
        Number of tract records of the sky map.
    patches : `int`
        Number of patch records of the sky map.
    inserted : `bool`
        `False` if the repository already had this sky map under this name
        (nothing was written).
    ref : `~butler.DatasetRef` or `None`
        The ``skyMap`` dataset written, if any.
    """

    name: str
    hash: bytes
    tracts: int
    patches: int
    inserted: bool
    ref: DatasetRef | None = None


def register_skymap(skymap: BaseSkyMap, name: str, butler: Butler, *,
                    progress: Callable[..., Iterable[Any]] | None = None) -> SkyMapRegistration:
    """Add a sky map's records to a repository and put the sky map in RUN ``skymaps``.

    Parameters
    ----------
    skymap : `BaseSkyMap`
        The sky map.
    name : `str`
        Its name in the repository (the ``skymap`` dimension value).
    butler : `~butler.Butler`
        A writeable butler.
    progress : `~collections.abc.Callable`, optional
        Wraps the iteration over batches of tracts, called as
        ``progress(batches, description=..., total=...)`` (e.g.
        `butler.cli.interaction.progress`).

    Returns
    -------
    registration : `SkyMapRegistration`
        Counts, and whether anything was written.

    Raises
    ------
    ConflictingDefinitionError
        If a different sky map is registered under ``name``, or this sky
        map under another name.  Nothing is written.
    ValueError
        If the sky map has no tracts.

    Notes
    -----
    Registering the same sky map under the same name again writes nothing
    (except the ``skyMap`` dataset, if the records came from elsewhere, e.g.
    an import, without it).
    """
    if not name:
        raise ValueError("A sky map needs a non-empty name to be registered.")
    if len(skymap) == 0:
        raise ValueError(f"{type(skymap).__name__} has no tracts; nothing to register (for a discrete "
                         "sky map set raList, decList and radiusList).")
    ensure_registered()
    sha1 = skymap.getSha1()
    existing = _check_existing(butler, name, sha1, skymap)
    num_patches = [tract.num_patches for tract in skymap]
    nx_max = max(n.x for n in num_patches)
    ny_max = max(n.y for n in num_patches)
    total_patches = sum(n.x * n.y for n in num_patches)
    registry = butler.registry
    dataset_type = DatasetType(skymap.SKYMAP_DATASET_TYPE_NAME, ["skymap"], "SkyMap",
                               universe=butler.dimensions)
    run = skymap.SKYMAP_RUN_COLLECTION_NAME
    if existing is not None:
        return SkyMapRegistration(name, sha1, len(skymap), total_patches, inserted=False,
                                  ref=_put_if_missing(butler, skymap, dataset_type, name, run))
    with butler.transaction():
        registry.registerRun(run)
        registry.registerDatasetType(dataset_type)
        registry.insertDimensionData("skymap", {
            "name": name, "hash": sha1, "tract_max": len(skymap),
            "patch_nx_max": nx_max, "patch_ny_max": ny_max,
        })
        batches: Iterable[list[TractInfo]] = _chunks(skymap, TRACTS_PER_INSERT)
        if progress is not None:
            batches = progress(batches, description=f"Registering {len(skymap)} tracts",
                               total=-(-len(skymap) // TRACTS_PER_INSERT))
        for tracts in batches:
            registry.insertDimensionData(
                "tract", *({"skymap": name, "id": t.tract_id, "region": t.outer_sky_polygon} for t in tracts))
            registry.insertDimensionData("patch", *_patch_records(name, tracts))
        ref = butler.put(skymap, dataset_type, skymap=name, run=run)
    return SkyMapRegistration(name, sha1, len(skymap), total_patches, inserted=True, ref=ref)


def _check_existing(butler: Butler, name: str, sha1: bytes, skymap: BaseSkyMap) -> DimensionRecord | None:
    """The record of this sky map under ``name``, or `None` if neither the name nor the hash is used."""
    for record in butler.query_dimension_records("skymap", limit=None, explain=False):
        stored = bytes(record.hash)
        if record.name == name:
            if stored == sha1:
                return record
            raise ConflictingDefinitionError(
                f"Sky map {name!r} is already registered with a different definition (hash {stored.hex()}, "
                f"tract_max {record.tract_max}) than this {type(skymap).__name__} (hash {sha1.hex()}, "
                f"tract_max {len(skymap)}); a registered sky map cannot change. Register it under another "
                "name."
            )
        if stored == sha1:
            raise ConflictingDefinitionError(
                f"This {type(skymap).__name__} (hash {sha1.hex()}) is already registered under the name "
                f"{record.name!r}; use that name instead of {name!r}."
            )
    return None


def _put_if_missing(butler: Butler, skymap: BaseSkyMap, dataset_type: DatasetType, name: str,
                    run: str) -> DatasetRef | None:
    try:
        if butler.find_dataset(dataset_type.name, skymap=name, collections=run) is not None:
            return None
    except (MissingDatasetTypeError, MissingCollectionError):
        pass
    with butler.transaction():
        butler.registry.registerRun(run)
        butler.registry.registerDatasetType(dataset_type)
        return butler.put(skymap, dataset_type, skymap=name, run=run)


def _chunks(skymap: BaseSkyMap, size: int) -> Iterator[list[TractInfo]]:
    chunk: list[TractInfo] = []
    for tract in skymap:
        chunk.append(tract)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _patch_records(name: str, tracts: Sequence[TractInfo]) -> Iterator[dict[str, Any]]:
    for tract in tracts:
        nx = tract.num_patches.x
        for sequential, region in enumerate(tract.patch_sky_polygons(outer=True)):
            yield {"skymap": name, "tract": tract.tract_id, "id": sequential,
                   "cell_x": sequential % nx, "cell_y": sequential // nx, "region": region}
