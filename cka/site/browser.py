"""The browser tests: install what they need, then run them in real Chromium.

  python -m cka.site.browser setup   install Chromium, a Korean font and the pinned npm tools, once
  python -m cka.site.browser test    setup, build the sites if they are missing or older than their
                     sources, then run tests/browser with pytest (`make test-browser`)

What `setup` installs, each only when it is missing (a second run prints one line per
item and takes well under a second):

- Chromium from Debian's packages (`chromium`) and a font with Hangul (`fonts-nanum`),
  with apt-get; `apt-get update` runs only when the package lists do not know them.
  CHROME_PATH, when set, names another Chromium or Chrome to use instead.
- axe-core and Lighthouse, pinned in package.json and package-lock.json, with `npm ci`
  into node_modules/ when node_modules/ does not match the lock.

Playwright for Python comes with requirements.txt. No tool downloads a browser of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

from ..errors import ProjectError, run_command
from ..paths import REPORTS, ROOT
from ..tools.debian import apt_install, dpkg_version
from .chromium import CHROMIUM_FLAGS, DEBIAN_CHROMIUM, _is_debian, chromium_path  # noqa: F401 - used from here too

DEBIAN_PACKAGES = ("chromium", "fonts-nanum")


class SetupError(ProjectError):
    """One sentence that says what is missing and what to do."""


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


# --------------------------------------------------------------------------- Chromium


def ensure_debian_packages() -> None:
    if os.environ.get("CHROME_PATH"):
        if chromium_path() is None:
            raise SetupError(f"CHROME_PATH={os.environ['CHROME_PATH']} is not an executable file; unset it or fix the path")
        say(f"Chromium: {os.environ['CHROME_PATH']} (from CHROME_PATH)")
        return
    if not shutil.which("apt-get") or not shutil.which("dpkg-query"):
        raise SetupError(
            "Chromium is not installed and this system has no apt-get: install Chromium and set CHROME_PATH to its binary"
        )
    missing = [p for p in DEBIAN_PACKAGES if not dpkg_version(p)]
    if "chromium" in missing and not _is_debian():
        # Ubuntu's `chromium` package only installs a snap: use a Chrome that is there.
        if chromium_path() is None:
            raise SetupError(
                "this is not Debian, whose `chromium` package the tests use: install Chrome or Chromium and set CHROME_PATH to its binary"
            )
        say(f"not Debian: using {chromium_path()} instead of Debian's chromium")
        missing.remove("chromium")
    if missing:
        started = time.monotonic()
        apt_install(missing, "first run only; about 100 MB, a minute or two", quiet=False)
        say(f"installed {', '.join(missing)} in {time.monotonic() - started:.0f} s")
    path = chromium_path()
    if path is None:
        raise SetupError(f"the chromium package is installed but {DEBIAN_CHROMIUM} is missing; run `apt-get install --reinstall chromium`")
    version = subprocess.run([path, "--version"], capture_output=True, text=True).stdout.strip()
    say(f"Chromium: {version or path}; Korean font: fonts-nanum")


# --------------------------------------------------------------------------- npm


def _npm_matches_lock() -> bool:
    """True when node_modules/ holds exactly the versions package-lock.json names."""
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    for key, entry in lock.get("packages", {}).items():
        if not key or entry.get("optional"):
            continue
        installed = ROOT / key / "package.json"
        try:
            if json.loads(installed.read_text(encoding="utf-8")).get("version") != entry.get("version"):
                return False
        except (OSError, ValueError):
            return False
    return True


def ensure_npm_packages() -> None:
    if _npm_matches_lock():
        say("npm tools: node_modules/ matches package-lock.json (axe-core, Lighthouse)")
        return
    if not shutil.which("npm"):
        raise SetupError("npm is not installed: install Node.js 18.16 or newer with npm (Debian: apt-get install nodejs npm) and try again")
    say("installing the pinned npm tools (axe-core, Lighthouse) with `npm ci` into node_modules/")
    started = time.monotonic()
    command = ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"]
    if subprocess.call(command, cwd=ROOT) != 0:
        raise SetupError("`npm ci` failed (see npm's message above); check that the npm registry is reachable")
    say(f"npm tools installed in {time.monotonic() - started:.0f} s")


def setup(_: argparse.Namespace | None = None) -> int:
    ensure_debian_packages()
    ensure_npm_packages()
    return 0


# --------------------------------------------------------------------------- test


def ensure_sites() -> int:
    """Build site/ and site-offline/ when missing or older than their sources (make test passes them in)."""
    if os.environ.get("SITE_DIR") and os.environ.get("OFFLINE_SITE_DIR"):
        return 0
    from . import build  # noqa: PLC0415 - only when the sites must be built

    return build.ensure_built("build") or build.ensure_built("offline")


def test(args: argparse.Namespace) -> int:
    code = setup() or ensure_sites()
    if code:
        return code
    REPORTS.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--browser", "chromium",
        f"--junitxml={REPORTS / 'browser.xml'}",
        # pytest-playwright's base_url fixture uses a form that pytest 9 deprecates; not ours to fix.
        "-W", "ignore:Session-scoped fixtures defined as instance methods:pytest.PytestRemovedIn10Warning",
        "tests/browser", *args.pytest_args,
    ]
    say("running the browser tests (tests/browser) in Chromium; failures leave a screenshot and the page's HTML in build/reports/browser/")
    return subprocess.call(command, cwd=ROOT)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m cka.site.browser", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="install Chromium, a Korean font and the pinned npm tools").set_defaults(func=setup)
    run = sub.add_parser("test", help="setup, then run tests/browser with pytest (extra arguments go to pytest)")
    run.set_defaults(func=test)
    args, extra = parser.parse_known_args()
    if extra and args.func is not test:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra
    return run_command(lambda: args.func(args))


if __name__ == "__main__":
    sys.exit(main())
