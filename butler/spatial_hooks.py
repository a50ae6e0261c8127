"""How stored region bytes become region objects.

The registry stores regions as bytes.  A spatial library registers a decoder
here so that records read back carry region objects; without one the bytes
are returned as they are.
"""

from __future__ import annotations

__all__ = ["decode", "set_decoder"]

from collections.abc import Callable
from typing import Any

_decoder: Callable[[bytes], Any] | None = None


def set_decoder(decoder: Callable[[bytes], Any] | None) -> None:
    """Register the function that turns stored bytes into region objects."""
    global _decoder
    _decoder = decoder


def decode(data: bytes) -> Any:
    """Decode stored region bytes with the registered decoder (or return them)."""
    return data if _decoder is None else _decoder(data)
