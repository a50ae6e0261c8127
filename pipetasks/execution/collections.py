"""Output collections of a pipeline run, laid out as LSST's ``pipetask`` does.

Outputs go to a RUN collection (``--output-run``, by default
``<output>/<UTC timestamp>``), placed first in a CHAINED collection
``<output>`` followed by the inputs, so that ``<output>`` finds the newest
results first and everything they were made from after them::

    u/me/coadds            CHAINED  [u/me/coadds/20240301T101500Z, u/me/coadds/20240229T..., HSC/defaults]
    u/me/coadds/2024...Z   RUN
"""

from __future__ import annotations

__all__ = ["OutputCollections", "make_collection_timestamp", "resolve_output_collections",
           "setup_output_collections"]

import dataclasses
import datetime
from collections.abc import Iterable
from typing import Any

from butler import CollectionType
from butler.errors import MissingCollectionError

from .errors import OutputCollectionError, OutputExistsError


def make_collection_timestamp(now: datetime.datetime | None = None) -> str:
    """``20240301T101500Z``: the UTC time LSST appends to ``--output`` to name a new run."""
    now = now or datetime.datetime.now(datetime.UTC)
    return now.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclasses.dataclass(frozen=True)
class OutputCollections:
    """Where a run reads and writes.

    Attributes
    ----------
    inputs : `tuple` [`str`, ...]
        Collections searched for inputs, in order (the existing output
        chain itself when extending one).
    output : `str` or `None`
        The CHAINED output collection.
    output_run : `str`
        The RUN collection that receives the outputs.
    extend_run : `bool`
        Whether ``output_run`` already exists and is being added to.
    new_chain : `tuple` [`str`, ...]
        Children of ``output`` once the run is set up (empty without ``output``).
    """

    inputs: tuple[str, ...]
    output: str | None
    output_run: str
    extend_run: bool = False
    new_chain: tuple[str, ...] = ()


def _collection_type(butler: Any, name: str) -> CollectionType | None:
    try:
        return butler.registry.getCollectionType(name)
    except MissingCollectionError:
        return None


def resolve_output_collections(butler: Any, *, inputs: Iterable[str] = (), output: str | None = None,
                               output_run: str | None = None, extend_run: bool = False) -> OutputCollections:
    """Work out the collections of a run from ``-i/-o/--output-run/--extend-run``, without changing anything.

    Parameters
    ----------
    butler : `~butler.Butler`
    inputs : iterable of `str`
        Input collections (``-i``).  Required for a new ``output`` chain; for
        an existing one they must be the chain's last children.
    output : `str`, optional
        The CHAINED output collection (``-o``).
    output_run : `str`, optional
        The RUN (``--output-run``); default ``<output>/<timestamp>``, or with
        ``extend_run`` the first child of ``output``.
    extend_run : `bool`
        Add to an existing run instead of making a new one.

    Raises
    ------
    OutputCollectionError
        The options do not fit together or with the repository.
    OutputExistsError
        ``output_run`` exists and ``extend_run`` is false.
    """
    inputs = tuple(inputs)
    if output is None and output_run is None:
        raise OutputCollectionError("Give an output collection: -o/--output CHAIN and/or --output-run RUN.")
    chain: tuple[str, ...] | None = None
    if output is not None:
        kind = _collection_type(butler, output)
        if kind is not None and kind is not CollectionType.CHAINED:
            raise OutputCollectionError(f"Output collection {output!r} exists and is {kind.name}, not CHAINED; "
                                        "choose another --output name.")
        if kind is not None:
            chain = tuple(butler.registry.getCollectionChain(output))
    if chain is not None and inputs:
        if len(inputs) > len(chain) or chain[len(chain) - len(inputs):] != inputs:
            raise OutputCollectionError(
                f"Output chain {output!r} exists as {list(chain)}, which does not end with the given inputs "
                f"{list(inputs)}; leave out -i to reuse its inputs, or choose a new --output.")
    if chain is None and output is not None and not inputs:
        raise OutputCollectionError(f"Output chain {output!r} does not exist yet: give its inputs with -i.")
    for name in inputs:
        if _collection_type(butler, name) is None:
            raise OutputCollectionError(f"Input collection {name!r} does not exist in the repository.")
    if output_run is None:
        if extend_run:
            if not chain or _collection_type(butler, chain[0]) is not CollectionType.RUN:
                raise OutputCollectionError(
                    f"--extend-run needs --output-run, or an existing --output chain whose first child is a RUN "
                    f"({output!r} is {'missing' if chain is None else list(chain)}).")
            output_run = chain[0]
        else:
            output_run = f"{output}/{make_collection_timestamp()}"
    run_kind = _collection_type(butler, output_run)
    if run_kind is not None and run_kind is not CollectionType.RUN:
        raise OutputCollectionError(f"Output run {output_run!r} exists and is {run_kind.name}, not RUN.")
    if run_kind is not None and not extend_run:
        raise OutputExistsError(f"Output run {output_run!r} already exists; pass --extend-run to add to it, or "
                                "choose another --output-run.")
    if run_kind is None and extend_run:
        raise OutputCollectionError(f"--extend-run was given but output run {output_run!r} does not exist.")
    if chain is not None:
        search = (output,) if output is not None else ()
        new_chain = (output_run, *(c for c in chain if c != output_run))
    else:
        search = inputs
        new_chain = (output_run, *inputs) if output is not None else ()
    if output is None:
        search = ((output_run,) if extend_run else ()) + inputs
    return OutputCollections(search, output, output_run, extend_run, new_chain)


def setup_output_collections(butler: Any, output_run: str, output: str | None = None,
                             inputs: Iterable[str] = ()) -> bool:
    """Create the output RUN, and create the output chain or put the run first in it; one transaction.

    Parameters
    ----------
    butler : `~butler.Butler`
    output_run : `str`
    output : `str`, optional
        CHAINED collection; a new one is ``[output_run, *inputs]``.
    inputs : iterable of `str`
        The input collections (``output`` itself is left out of a new chain).

    Returns
    -------
    existed : `bool`
        Whether ``output_run`` existed already (an extended run).
    """
    registry = butler.registry
    with butler.transaction():
        existed = not registry.registerRun(output_run)
        if output is not None:
            if registry.registerCollection(output, CollectionType.CHAINED):
                registry.setCollectionChain(output, [output_run, *(c for c in inputs if c not in (output, output_run))])
            else:
                children = [c for c in registry.getCollectionChain(output) if c != output_run]
                registry.setCollectionChain(output, [output_run, *children])
    return existed
