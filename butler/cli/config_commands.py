"""Configuration commands: ``config-dump`` and ``config-validate``."""

from __future__ import annotations

__all__ = ["COMMANDS"]

import click

COMMANDS: list[click.Command] = []
