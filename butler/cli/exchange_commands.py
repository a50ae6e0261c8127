"""``export`` and ``import`` in LSST's YAML export format."""

from __future__ import annotations

__all__ = ["COMMANDS"]

import click

COMMANDS: list[click.Command] = []
