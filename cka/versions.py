"""versions.yaml, the one place where every version is pinned."""

from __future__ import annotations

import functools
from pathlib import Path

from . import yamlfile
from .errors import ProjectError
from .paths import VERSIONS_FILE


@functools.lru_cache(maxsize=None)
def _load(path: Path) -> dict:
    return yamlfile.load(path)


def load(path: Path = VERSIONS_FILE) -> dict:
    """The whole file (read once per process)."""
    return _load(Path(path))


def get(*keys: str, data: dict | None = None):
    """One value, e.g. get("kubernetes", "version"); a missing key names its path."""
    cur = load() if data is None else data
    for key in keys:
        if not isinstance(cur, dict) or key not in cur:
            raise ProjectError(f"versions.yaml has no {'.'.join(keys)}")
        cur = cur[key]
    return cur


def kubernetes() -> str:
    """The exam's Kubernetes version, e.g. v1.35.4."""
    return get("kubernetes", "version")


# The community repository's (pkgs.k8s.io) package revision: 1.35.4 is packaged as 1.35.4-1.1.
PACKAGE_REVISION = "1.1"


def package_version(version: str) -> str:
    """v1.35.4 -> 1.35.4-1.1, the version pkgs.k8s.io gives a release's packages."""
    plain = version.lstrip("v")
    if not plain or not all(part.isdigit() for part in plain.split(".")):
        raise ProjectError(f"versions.yaml: {version!r} is not a release version like v1.35.4")
    return f"{plain}-{PACKAGE_REVISION}"
