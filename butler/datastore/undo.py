"""The datastore's undo log: file operations to reverse if a transaction fails."""

from __future__ import annotations

__all__ = ["DatastoreTransaction"]

import logging
from collections.abc import Callable
from typing import Any

_LOG = logging.getLogger(__name__)


class DatastoreTransaction:
    """Undo actions, run in reverse order on rollback, and actions deferred to commit.

    A file written inside a transaction registers how to remove it; if the
    transaction fails the removals run, newest first.  Irreversible actions
    (deleting the source of a cross-filesystem ``move``) are deferred until
    the transaction commits.  Failures of individual actions are logged and
    do not stop the others.
    """

    __slots__ = ("_on_commit", "_undo")

    def __init__(self) -> None:
        self._undo: list[tuple[str, Callable[..., Any], tuple[Any, ...]]] = []
        self._on_commit: list[tuple[str, Callable[..., Any], tuple[Any, ...]]] = []

    def register_undo(self, name: str, action: Callable[..., Any], *args: Any) -> None:
        """Remember how to reverse something just done.

        Parameters
        ----------
        name : `str`
            Short description, used in log messages.
        action : callable
            Called as ``action(*args)`` on rollback.
        *args
            Its arguments.
        """
        self._undo.append((name, action, args))

    def register_on_commit(self, name: str, action: Callable[..., Any], *args: Any) -> None:
        """Defer an irreversible action until the transaction commits.

        Parameters
        ----------
        name : `str`
            Short description, used in log messages.
        action : callable
            Called as ``action(*args)`` on commit.
        *args
            Its arguments.
        """
        self._on_commit.append((name, action, args))

    def savepoint(self) -> tuple[int, int]:
        """A mark to roll back to: what a nested block may undo without touching the rest."""
        return len(self._undo), len(self._on_commit)

    def rollback(self, to: tuple[int, int] = (0, 0)) -> None:
        """Run the undo actions newer than ``to`` (all by default), newest first; forget newer deferred ones."""
        undo, self._undo = self._undo[to[0]:], self._undo[:to[0]]
        self._on_commit = self._on_commit[:to[1]]
        for name, action, args in reversed(undo):
            try:
                action(*args)
            except Exception as err:  # noqa: BLE001 - keep undoing the rest
                _LOG.warning("Failed to undo %s: %s", name, err)

    def commit(self) -> None:
        """Run the deferred actions and forget the undo log."""
        self._undo = []
        deferred, self._on_commit = self._on_commit, []
        for name, action, args in deferred:
            try:
                action(*args)
            except Exception as err:  # noqa: BLE001 - the transaction itself succeeded
                _LOG.warning("Failed to %s after commit: %s", name, err)

    def __len__(self) -> int:
        return len(self._undo)
