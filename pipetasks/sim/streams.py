"""Independent, reproducible random streams keyed by what they simulate.

Every random quantity is drawn from a stream named by the seed and a key path such as
``(seed, "exposure", exposure_id, detector, "overscan")``. Streams for different keys are
statistically independent (NumPy `~numpy.random.SeedSequence` entropy pools), so simulating one
detector, a subset or the whole mosaic gives the same pixels for each detector.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["random_stream"]


def _key_word(key: int | str) -> int:
    if isinstance(key, str):
        # A stable 32-bit word for a name (Python's hash() is salted per process).
        return zlib.crc32(key.encode("utf-8"))
    value = int(key)
    if value < 0:
        raise ValueError(f"random stream keys must be non-negative integers or strings, not {key!r}")
    return value


def random_stream(seed: int, *keys: int | str) -> np.random.Generator:
    """A `numpy.random.Generator` determined by ``seed`` and the ``keys`` path alone.

    Parameters
    ----------
    seed : `int`
        The simulator's seed (>= 0).
    *keys : `int` or `str`
        What the stream is for, e.g. ``"static", detector_id, "qe"``.

    Examples
    --------
    >>> a = random_stream(1, "static", 10, "qe").standard_normal(3)
    >>> b = random_stream(1, "static", 10, "qe").standard_normal(3)
    >>> bool((a == b).all())
    True
    """
    words = [_key_word(seed)] + [_key_word(key) for key in keys]
    # The path length is part of the entropy, so paths differing only by trailing zero keys stay distinct.
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([len(words), *words])))
