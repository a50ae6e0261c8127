"""The datastore's configuration: the packaged defaults (``butler/configs/datastore.yaml``)
and how a repository's overrides are merged into them.
"""

from __future__ import annotations

__all__ = ["load_datastore_config"]

import copy
from collections.abc import Mapping
from importlib import resources
from typing import Any

import yaml


def load_datastore_config(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The default configuration (``butler/configs/datastore.yaml``) with ``overrides`` merged in.

    ``templates`` and ``formatters`` are merged entry by entry; other keys
    are replaced.
    """
    text = resources.files("butler.configs").joinpath("datastore.yaml").read_text()
    config = yaml.safe_load(text)
    for key, value in (overrides or {}).items():
        if key in ("templates", "formatters") and isinstance(value, Mapping):
            merged = dict(config.get(key) or {})
            merged.update(value)
            config[key] = merged
        else:
            config[key] = copy.deepcopy(value)
    return config
