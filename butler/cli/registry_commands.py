"""Registry editing commands: ``register-dataset-type``, ``remove-dataset-type``, ``collection-chain``, ``associate``, ``certify-calibrations``."""

from __future__ import annotations

__all__ = ["COMMANDS"]

import click

COMMANDS: list[click.Command] = []
