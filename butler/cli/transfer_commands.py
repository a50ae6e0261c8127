"""Transfer commands: ``retrieve-artifacts`` and ``transfer-datasets``."""

from __future__ import annotations

__all__ = ["COMMANDS"]

import click

COMMANDS: list[click.Command] = []
