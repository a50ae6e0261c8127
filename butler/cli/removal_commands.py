"""Removal commands: ``prune-datasets``, ``remove-runs``, ``remove-collections``."""

from __future__ import annotations

__all__ = ["COMMANDS"]

import click

COMMANDS: list[click.Command] = []
