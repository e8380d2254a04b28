"""Which Chromium the build (drawing diagrams) and the browser tests drive, and how it is started.
No installer here: the site build imports this module, never the tools installer."""

from __future__ import annotations

import os
import pathlib
import shutil

DEBIAN_CHROMIUM = "/usr/bin/chromium"
# Flags that let headless Chromium start and stay quiet on a machine without a network
# or a display, as root: no sandbox (root), no GPU, no calls home at start.
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
)

# Where another system keeps a Chrome that runs headless (Ubuntu's `chromium` is a snap).
OTHER_CHROMES = ("google-chrome-stable", "google-chrome", "chromium-browser")


def chromium_path() -> str | None:
    """The Chromium the tests drive: CHROME_PATH when set, else Debian's /usr/bin/chromium,
    else (not on Debian) a Chrome found on PATH."""
    given = os.environ.get("CHROME_PATH")
    if given:
        return given if os.access(given, os.X_OK) else None
    if os.access(DEBIAN_CHROMIUM, os.X_OK):
        return DEBIAN_CHROMIUM
    if not _is_debian():
        for name in OTHER_CHROMES:
            found = shutil.which(name)
            if found and "/snap/" not in os.path.realpath(found):
                return found
    return None


def _is_debian() -> bool:
    try:
        fields = dict(
            line.split("=", 1) for line in pathlib.Path("/etc/os-release").read_text().splitlines() if "=" in line
        )
    except OSError:
        return False
    return fields.get("ID", "").strip('"') == "debian"


