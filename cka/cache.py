"""The per-user cache outside the repository: tools, the cluster's state, drawn diagrams.

`${CKA_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cka-guide}`: a fresh clone (CI) reuses it.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    if os.environ.get("CKA_TOOLS_DIR"):
        return Path(os.environ["CKA_TOOLS_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "cka-guide"


def bin_dir() -> Path:
    """One stable symlink per installed binary: the directory to put on PATH."""
    return cache_dir() / "bin"


def tools_dir() -> Path:
    return cache_dir() / "tools"


def src_dir() -> Path:
    return cache_dir() / "src"


def tool_path(binary: str) -> str:
    """Absolute path of an installed binary (through its stable symlink)."""
    return str(bin_dir() / binary)
