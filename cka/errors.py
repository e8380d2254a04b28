"""The one error type for problems a user can fix, and the exit status of a command."""

from __future__ import annotations

import sys
from typing import Callable


class ProjectError(Exception):
    """A problem the user can fix; printed as one sentence (naming the file, the line and the
    fix where there is one), never as a traceback."""


def run_command(command: Callable[[], int]) -> int:
    """The exit status of a command-line entry point: a ProjectError is one line on stderr and
    status 1, never a traceback; Ctrl-C is status 130."""
    try:
        return command()
    except ProjectError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
