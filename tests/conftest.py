"""Shared fixtures: the built online and offline sites.

`make test` builds both sites before pytest runs (cka.testrun) and passes their
folders in SITE_DIR and OFFLINE_SITE_DIR; run alone, pytest builds them when they are
missing or older than their sources.
"""

from __future__ import annotations

import os
import pathlib

import pytest

from cka.paths import ROOT
from cka.site import build as site_builder


def _built(env_name: str, default: pathlib.Path, command: str) -> pathlib.Path:
    given = os.environ.get(env_name)
    if given:
        return pathlib.Path(given)
    if site_builder.ensure_built(command) != 0:
        pytest.exit(f"the {command} of the site failed; see the messages above", returncode=1)
    return default


@pytest.fixture(scope="session")
def site_dir() -> pathlib.Path:
    return _built("SITE_DIR", ROOT / "site", "build")


@pytest.fixture(scope="session")
def offline_dir() -> pathlib.Path:
    return _built("OFFLINE_SITE_DIR", ROOT / "site-offline", "offline")
