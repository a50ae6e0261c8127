"""Query commands: ``query-collections``, ``query-dataset-types``, ``query-datasets``, ``query-data-ids``, ``query-dimension-records``."""

from __future__ import annotations

__all__ = ["COMMANDS"]

import click

COMMANDS: list[click.Command] = []
