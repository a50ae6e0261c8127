"""Formatters: reading and writing in-memory datasets to files.

Concrete formatter classes are imported lazily on first attribute access
(``from butler.formatters import ParquetFormatter``), so importing this
package does not import pyarrow or astropy.
"""

from __future__ import annotations

import importlib
from typing import Any

from .base import Formatter
from .errors import FormatterNotFoundError, FormatterReadError
from .registry import LSST_FORMATTER_ALIASES, FormatterFactory, get_formatter_factory

_LAZY = {
    "YamlFormatter": "yaml",
    "JsonFormatter": "json",
    "ParquetFormatter": "parquet",
    "AstropyTableFormatter": "astropy_table",
    "AstropyFitsTableFormatter": "astropy_table",
    "NpyFormatter": "numpy",
}

__all__ = [
    "LSST_FORMATTER_ALIASES",
    "Formatter",
    "FormatterFactory",
    "FormatterNotFoundError",
    "FormatterReadError",
    "get_formatter_factory",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
