"""The record of who set each config field, and its human-readable form."""

from __future__ import annotations

__all__ = ("HistoryEntry", "format_history")

from typing import TYPE_CHECKING, Any, NamedTuple

from .callstack import StackFrame

if TYPE_CHECKING:
    from .config import Config


class HistoryEntry(NamedTuple):
    """One change of a field: the value set, the call stack and a label.

    Unpacks as ``value, stack, label`` like pex_config's history tuples.
    Labels: ``"default"`` (field default), ``"assignment"``, ``"update"``,
    ``"retarget"``, ``"selection"``, ``"deletion"``, ``"override"`` (``-c``),
    or the one a caller passed.
    """

    value: Any
    stack: tuple[StackFrame, ...]
    label: str

    @property
    def location(self) -> str:
        """``file:line`` of the innermost frame outside the config package."""
        return self.stack[-1].location if self.stack else "<unknown>"


def format_history(config: Config, name: str, *, full_stack: bool = False) -> str:
    """Describe every change of ``config.<name>``, oldest first.

    Parameters
    ----------
    config : `Config`
        Config holding the field.
    name : `str`
        Field name.
    full_stack : `bool`, optional
        Show every recorded frame, not only the innermost one.

    Returns
    -------
    text : `str`
        One block per change: ``value  [label]`` then the frame(s) with source lines.
    """
    lines = []
    for entry in config.history[name]:
        lines.append(f"{entry.value!r}  [{entry.label}]")
        frames = entry.stack if full_stack else entry.stack[-1:]
        lines.extend(frame.format(full=True) for frame in frames)
    return "\n".join(lines)
