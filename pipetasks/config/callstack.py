"""Where a config value was set: the call stack outside this package.

History entries and field definitions remember the frames that led to them,
innermost last, with the frames of `pipetasks.config` itself left out, so
``history[-1].location`` is the ``file:line`` of the user's assignment (an
override file line, a ``setDefaults`` body, a ``-c`` option's caller...).
"""

from __future__ import annotations

__all__ = ("StackFrame", "capture_stack", "caller_frame")

import linecache
import os
import sys
from typing import NamedTuple

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class StackFrame(NamedTuple):
    """One frame of a recorded call stack."""

    filename: str
    lineno: int
    function: str

    @property
    def content(self) -> str:
        """The source line executed (read on demand; empty if unavailable)."""
        return linecache.getline(self.filename, self.lineno).strip()

    @property
    def location(self) -> str:
        """``filename:lineno``."""
        return f"{self.filename}:{self.lineno}"

    def format(self, full: bool = False) -> str:
        """Format as ``  File name:line (function)``, plus the source line if ``full``."""
        text = f"  File {self.filename}:{self.lineno} ({self.function})"
        if full and self.content:
            text += f"\n    {self.content}"
        return text


def _outside_package(filename: str) -> bool:
    return not filename.startswith(_PACKAGE_DIR)


def capture_stack() -> tuple[StackFrame, ...]:
    """Return the current call stack without this package's frames, innermost last."""
    frames = []
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if _outside_package(code.co_filename):
            frames.append(StackFrame(code.co_filename, frame.f_lineno, code.co_name))
        frame = frame.f_back
    frames.reverse()
    return tuple(frames)


def caller_frame(skip_functions: frozenset[str] = frozenset()) -> StackFrame:
    """Return the innermost frame outside this package (where a field or config class is defined).

    Frames of functions named in ``skip_functions`` are passed over too (a
    metaclass's ``__new__`` defined elsewhere, when locating a class statement).
    """
    frame = sys._getframe(1)
    while frame is not None and (
        not _outside_package(frame.f_code.co_filename) or frame.f_code.co_name in skip_functions
    ):
        frame = frame.f_back
    if frame is None:
        return StackFrame("<unknown>", 0, "<unknown>")
    return StackFrame(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)
