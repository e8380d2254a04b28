"""Console output shared by the commands: progress lines and durations."""

from __future__ import annotations

import sys


def say(message: str = "") -> None:
    """One line of progress, flushed at once (long steps must show they are alive)."""
    print(message, flush=True)


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


def duration(seconds: float) -> str:
    """'4.2s' or '3m05s'."""
    return f"{seconds:.1f}s" if seconds < 60 else f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
