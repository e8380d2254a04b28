"""Fixtures of the browser tests: Chromium, the sites as a reader opens them, a network guard.

- Chromium is Debian's (cka.site.browser installs it), driven by Playwright through
  pytest-playwright's `browser` fixture; no test tool downloads a browser of its own.
- The online site (site/) is served on 127.0.0.1 by a Python http.server in a thread,
  on a free port; the offline site (site-offline/) is opened from file://.
- Every request of every page goes through a guard: online, only 127.0.0.1/localhost;
  offline, only file: (and data:/blob:, which never leave the page). Any other request is
  aborted and fails the test, and so does an uncaught JavaScript error.
- A failed test leaves a screenshot and the HTML of each open page in build/reports/browser/.
"""

from __future__ import annotations

import functools
import http.server
import pathlib
import re
import shutil
import sys
import threading
import urllib.parse
from collections.abc import Callable, Iterator

import pytest
from cka.site import browser as browser_tests  # the Chromium path and flags
from playwright.sync_api import BrowserContext, Page, Route

from sample import LANGUAGES

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent



ARTIFACTS = ROOT / "build" / "reports" / "browser"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


# --------------------------------------------------------------------------- Chromium


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    path = browser_tests.chromium_path()
    if path is None:
        pytest.exit(
            "Chromium is not installed: run `make test-browser` (it installs Debian's chromium) "
            "or set CHROME_PATH to a Chromium binary", returncode=1,
        )
    flags = [f for f in browser_tests.CHROMIUM_FLAGS if not f.startswith("--headless")]
    return {**browser_type_launch_args, "executable_path": path, "args": flags}


@pytest.fixture(scope="session", autouse=True)
def _fresh_artifacts() -> None:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)


# --------------------------------------------------------------------------- the sites


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the test output is for the tests
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A page that navigates away drops its pending downloads: not an error of the site.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def server(site_dir: pathlib.Path) -> Iterator[str]:
    """The online site on a free port of 127.0.0.1: its base URL, ending in '/'."""
    assert (site_dir / "index.html").exists(), f"{site_dir} holds no built site; run `make build`"
    httpd = _Server(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site_dir)))
    thread = threading.Thread(target=httpd.serve_forever, name="site-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def offline_base(offline_dir: pathlib.Path) -> str:
    """The offline site's folder as a file:// URL, ending in '/'."""
    assert (offline_dir / "index.html").exists(), f"{offline_dir} holds no built site; run `make offline`"
    return offline_dir.resolve().as_uri() + "/"


def page_url(base: str, stem: str, lang: str, offline: bool = False) -> str:
    """The URL of a page ('storage/persistent-volumes', 'index') in a language."""
    prefix = "" if lang == LANGUAGES[0] else f"{lang}/"
    if stem == "index" or stem.endswith("/index"):
        folder = stem[: -len("index")]
        path = folder + ("index.html" if offline else "")
    else:
        path = stem + (".html" if offline else "/")
    return base + prefix + urllib.parse.quote(path)


def same_page(url: str, expected: str) -> bool:
    """Whether two URLs name the same page, ignoring the query and the fragment."""
    a, b = urllib.parse.urlsplit(url), urllib.parse.urlsplit(expected)
    return (a.scheme, a.netloc, urllib.parse.unquote(a.path)) == (b.scheme, b.netloc, urllib.parse.unquote(b.path))


# --------------------------------------------------------------------------- guard and pages


class Guard:
    """Aborts and records every request that would leave the machine, and uncaught errors."""

    def __init__(self, offline: bool) -> None:
        self.offline = offline
        self.blocked: list[str] = []
        self.errors: list[str] = []

    def allowed(self, url: str) -> bool:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return True
        if self.offline:
            return parts.scheme == "file"
        return parts.scheme in ("http", "https", "ws") and (parts.hostname or "") in LOCAL_HOSTS

    def route(self, route: Route) -> None:
        url = route.request.url
        if self.allowed(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def request(self, request) -> None:  # requests that no route sees (file: among them)
        if not self.allowed(request.url) and request.url not in self.blocked:
            self.blocked.append(request.url)


@pytest.fixture
def open_page(new_context: Callable[..., BrowserContext], request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """open_page(url, offline=False, **context options) -> a loaded Page in a fresh context.

    Each page gets its own browser context (no shared storage) with the network guard.
    """
    guards: list[Guard] = []
    pages: list[Page] = []

    def _open(url: str | None = None, *, offline: bool = False, **options) -> Page:
        options.setdefault("color_scheme", "light")
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = new_context(**options)
        guard = Guard(offline)
        guards.append(guard)
        context.route("**/*", guard.route)
        context.on("request", guard.request)
        page = context.new_page()
        page.on("pageerror", lambda error: guard.errors.append(f"{page.url}: {error}"))
        pages.append(page)
        if url:
            page.goto(url, wait_until="domcontentloaded")
        return page

    yield _open

    call = getattr(request.node, "rep_call", None)
    if call is not None and call.failed:
        _save_artifacts(request.node.nodeid, pages)
    blocked = [url for g in guards for url in g.blocked]
    errors = [e for g in guards for e in g.errors]
    if blocked and not (call is not None and call.failed):
        _save_artifacts(request.node.nodeid, pages)
    assert not blocked, "the page made requests that leave the machine (blocked):\n" + "\n".join(sorted(set(blocked)))
    assert not errors, "uncaught JavaScript errors:\n" + "\n".join(errors)


def _save_artifacts(nodeid: str, pages: list[Page]) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", nodeid.split("::", 1)[-1]).strip("_")[:120]
    for n, page in enumerate(p for p in pages if not p.is_closed()):
        stem = ARTIFACTS / f"{name}-{n}"
        try:
            page.screenshot(path=f"{stem}.png", full_page=True)
            stem.with_suffix(".html").write_text(page.content(), encoding="utf-8")
        except Exception as error:  # a crashed page still lets the test report its failure
            stem.with_suffix(".txt").write_text(f"could not save the page {page.url}: {error}\n", encoding="utf-8")
