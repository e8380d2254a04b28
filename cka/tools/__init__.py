"""The pinned external tools: what they are (registry), how they are built (go, debian),
and `ensure()`, which installs what is missing into the per-user cache."""

from .install import ensure, select, status
from .registry import Tool, registry

__all__ = ["Tool", "ensure", "registry", "select", "status"]
