"""The browser tests: install what they need, then run them in real Chromium.

  browser_tests.py setup   install Chromium, a Korean font and the pinned npm tools, once
  browser_tests.py test    setup, build the sites if they are missing or older than their
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
import pathlib
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
REPORTS = ROOT / "build" / "reports"
DEBIAN_PACKAGES = ("chromium", "fonts-nanum")
DEBIAN_CHROMIUM = "/usr/bin/chromium"
# Flags that let headless Chromium start and stay quiet on a machine without a network
# or a display, as root: no sandbox (root), no GPU, no calls home at start.
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
)
# The sources of the built sites: when one is newer than the build, `test` rebuilds.


class SetupError(Exception):
    """One sentence that says what is missing and what to do."""


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


# --------------------------------------------------------------------------- Chromium


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


def _installed(package: str) -> bool:
    result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.strip().endswith("installed") and "not-installed" not in result.stdout


def _has_candidate(package: str) -> bool:
    result = subprocess.run(["apt-cache", "policy", package], capture_output=True, text=True)
    return "Candidate:" in result.stdout and "Candidate: (none)" not in result.stdout


def _is_debian() -> bool:
    try:
        fields = dict(
            line.split("=", 1) for line in pathlib.Path("/etc/os-release").read_text().splitlines() if "=" in line
        )
    except OSError:
        return False
    return fields.get("ID", "").strip('"') == "debian"


def _apt(args: list[str], what: str) -> None:
    command = ["apt-get", *args]
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise SetupError(f"{what} needs root: run `sudo apt-get install {' '.join(DEBIAN_PACKAGES)}` and try again")
        command = ["sudo", "-n", *command]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.call(command, env=env) != 0:
        raise SetupError(f"{what} failed (see apt-get's message above); run `apt-get install {' '.join(DEBIAN_PACKAGES)}` as root")


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
    missing = [p for p in DEBIAN_PACKAGES if not _installed(p)]
    if "chromium" in missing and not _is_debian():
        # Ubuntu's `chromium` package only installs a snap: use a Chrome that is there.
        if chromium_path() is None:
            raise SetupError(
                "this is not Debian, whose `chromium` package the tests use: install Chrome or Chromium and set CHROME_PATH to its binary"
            )
        say(f"not Debian: using {chromium_path()} instead of Debian's chromium")
        missing.remove("chromium")
    if missing:
        if not all(_has_candidate(p) for p in missing):
            say("apt-get update (the package lists do not know " + ", ".join(missing) + " yet)")
            _apt(["update", "-q"], "apt-get update")
            unknown = [p for p in missing if not _has_candidate(p)]
            if unknown:
                raise SetupError(f"apt-get cannot find {', '.join(unknown)}; check the Debian sources in /etc/apt/")
        say(f"installing {', '.join(missing)} with apt-get (first run only; about 100 MB, a minute or two)")
        started = time.monotonic()
        _apt(["install", "-y", "-q", "--no-install-recommends", *missing], "apt-get install")
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
    try:
        ensure_debian_packages()
        ensure_npm_packages()
    except SetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


# --------------------------------------------------------------------------- test


def _load_site_builder():
    """scripts/site.py (loaded by path: the name `site` belongs to Python's own start-up module)."""
    sys.path.insert(0, str(ROOT / "hooks"))
    from project import load_by_path

    return load_by_path("site_builder", ROOT / "scripts" / "site.py")


def ensure_sites() -> int:
    """Build site/ and site-offline/ when missing or older than their sources (make test passes them in)."""
    if os.environ.get("SITE_DIR") and os.environ.get("OFFLINE_SITE_DIR"):
        return 0
    site = _load_site_builder()
    return site.ensure_built("build") or site.ensure_built("offline")


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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="install Chromium, a Korean font and the pinned npm tools").set_defaults(func=setup)
    run = sub.add_parser("test", help="setup, then run tests/browser with pytest (extra arguments go to pytest)")
    run.set_defaults(func=test)
    args, extra = parser.parse_known_args()
    if extra and args.func is not test:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
