"""``ingest-files``: ingest files listed in a table with their data IDs."""

from __future__ import annotations

__all__ = ["COMMANDS"]

import click

COMMANDS: list[click.Command] = []
