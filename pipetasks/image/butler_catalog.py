"""Storage classes and formatters this module's types register with the butler (entry point)."""

from __future__ import annotations

from typing import Any


def storage_class_config() -> dict[str, Any]:
    """The ``butler.storage_classes`` entry-point mapping (see `butler.storage_class`)."""
    return {"storageClasses": {}, "formatters": {}}
