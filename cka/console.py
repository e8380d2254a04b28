"""Console output shared by the commands: progress lines and durations."""

from __future__ import annotations

import contextlib
import sys
import threading

_THREAD = threading.local()


def say(message: str = "") -> None:
    """One line of progress, flushed at once (long steps must show they are alive); within
    `tagged(...)`, the lines of this thread start with the tag."""
    tag = getattr(_THREAD, "tag", "")
    print(f"{tag}{message}" if tag and message else message, flush=True)


@contextlib.contextmanager
def tagged(name: str):
    """Lines said by this thread start with `[name] `, so that jobs running side by side can be told apart."""
    _THREAD.tag = f"[{name}] "
    try:
        yield
    finally:
        _THREAD.tag = ""


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


def duration(seconds: float) -> str:
    """'4.2s' or '3m05s'."""
    return f"{seconds:.1f}s" if seconds < 60 else f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
