"""Shared fixtures: the built online and offline sites.

`make test` builds both sites before pytest runs (scripts/test.py) and passes their
folders in SITE_DIR and OFFLINE_SITE_DIR; run alone, pytest builds them itself.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "hooks"))


def _built(env_name: str, default: pathlib.Path, command: str) -> pathlib.Path:
    given = os.environ.get(env_name)
    if given:
        return pathlib.Path(given)
    if not (default / "index.html").exists():
        subprocess.run([sys.executable, str(ROOT / "scripts" / "site.py"), command], check=True, cwd=ROOT)
    return default


@pytest.fixture(scope="session")
def site_dir() -> pathlib.Path:
    return _built("SITE_DIR", ROOT / "site", "build")


@pytest.fixture(scope="session")
def offline_dir() -> pathlib.Path:
    return _built("OFFLINE_SITE_DIR", ROOT / "site-offline", "offline")
