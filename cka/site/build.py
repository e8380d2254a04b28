"""Build and serve the site.

  python -m cka.site serve      serve with live reload at http://127.0.0.1:8000
  python -m cka.site build      strict build of the online site into site/
  python -m cka.site offline    strict build of the offline site into site-offline/, zipped into build/
  python -m cka.site generate   write the generated pages (lecture map, practice pages) into build/generated/,
                                for a generator other than MkDocs (a pre-build step)
"""

from __future__ import annotations

import argparse
import os
import pathlib
import socket
import subprocess
import sys
import time
import zipfile

from ..errors import run_command
from ..paths import BUILD, ROOT
MKDOCS = [sys.executable, "-m", "mkdocs"]
ONLINE_DIR = ROOT / "site"
OFFLINE_DIR = ROOT / "site-offline"
OFFLINE_ZIP = ROOT / "build" / "cka-guide-offline.zip"
# What a build reads: a built site older than any of these is stale.
SOURCES = ("docs", "manifests", "snippets", "hooks", "cka/site", "overrides", "data", "practice", "mkdocs.yml",
           "versions.yaml")


def mkdocs_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", **extra)
    return env


def run_build(site_dir: pathlib.Path, label: str, **env: str) -> int:
    print(f"==> building the {label} site into {site_dir.relative_to(ROOT)}/ (strict, Korean and English)", flush=True)
    started = time.monotonic()
    code = subprocess.call([*MKDOCS, "build", "--strict", "--site-dir", str(site_dir)], cwd=ROOT, env=mkdocs_env(**env))
    elapsed = time.monotonic() - started
    if code != 0:
        print(f"error: the {label} build failed (see the messages above: each names the page or file)", file=sys.stderr)
        return code
    pages = sum(1 for _ in site_dir.rglob("*.html"))
    print(f"==> {label} site built in {elapsed:.1f} s: {pages} HTML files", flush=True)
    return 0


def newest_source() -> float:
    newest = 0.0
    for name in SOURCES:
        path = ROOT / name
        for p in path.rglob("*") if path.is_dir() else [path]:
            try:
                newest = max(newest, p.stat().st_mtime)
            except OSError:
                pass
    return newest


def is_fresh(site_dir: pathlib.Path) -> bool:
    """Whether site_dir holds a build at least as new as every source file."""
    index = site_dir / "index.html"
    return index.exists() and index.stat().st_mtime >= newest_source()


def ensure_built(which: str) -> int:
    """Build the online ("build") or offline ("offline") site unless an up-to-date build exists."""
    site_dir = ONLINE_DIR if which == "build" else OFFLINE_DIR
    if is_fresh(site_dir):
        return 0
    print(f"==> {site_dir.name}/ is {'older than its sources' if (site_dir / 'index.html').exists() else 'missing'}",
          flush=True)
    return build(argparse.Namespace()) if which == "build" else offline(argparse.Namespace())


def build(_: argparse.Namespace) -> int:
    """Strict build of the online site into site/."""
    return run_build(ONLINE_DIR, "online")


def offline(_: argparse.Namespace) -> int:
    """Strict build of the offline site into site-offline/, and its zip."""
    # No site_url: the offline copy has no server, so pages carry no canonical links to one.
    code = run_build(OFFLINE_DIR, "offline", OFFLINE="true", SITE_URL="")
    if code:
        return code
    OFFLINE_ZIP.parent.mkdir(exist_ok=True)
    with zipfile.ZipFile(OFFLINE_ZIP, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(OFFLINE_DIR.rglob("*")):
            if path.is_file():
                archive.write(path, pathlib.Path("cka-guide") / path.relative_to(OFFLINE_DIR))
    size = OFFLINE_ZIP.stat().st_size / 1e6
    print(f"==> {OFFLINE_ZIP.relative_to(ROOT)}: {size:.1f} MB; unpack it and open cka-guide/index.html", flush=True)
    return 0


def serve(args: argparse.Namespace) -> int:
    """Serve the site with live reload."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.port)) == 0:
            print(f"error: port {args.port} on 127.0.0.1 is in use; stop what uses it or run "
                  f"`.venv/bin/python -m cka.site serve --port 8001`", file=sys.stderr)
            return 1
    print(f"==> serving at http://127.0.0.1:{args.port}/ (Korean) and http://127.0.0.1:{args.port}/en/ (English); Ctrl+C stops",
          flush=True)
    try:
        # --dirty: a rebuild renders only the pages whose files changed (the generated parts and the
        # drawn diagrams are kept across rebuilds while their inputs are unchanged). MkDocs warns that a
        # dirty build may leave other pages' navigation stale, so serving is not strict; `make build`
        # and `make test` stay strict.
        fast = [] if args.full else ["--dirty", "--no-strict"]
        command = [*MKDOCS, "serve", "--dev-addr", f"127.0.0.1:{args.port}", *fast]
        # The pages' "last updated" dates come from git for every page on every rebuild: not while editing.
        return subprocess.call(command, cwd=ROOT, env=mkdocs_env(GIT_REVISION_DATES="false"))
    except KeyboardInterrupt:
        return 0


def generate(args: argparse.Namespace) -> int:
    """Write the generated pages into a folder, for a generator other than MkDocs."""
    from .generated import write_expanded  # noqa: PLC0415

    written = write_expanded(args.out)
    print(f"==> {len(written)} generated pages in {args.out}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cka.site", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for func in (serve, build, offline, generate):
        cmd = sub.add_parser(func.__name__, help=func.__doc__.splitlines()[0])
        cmd.set_defaults(func=func)
        if func is serve:
            cmd.add_argument("--port", type=int, default=8000)
            cmd.add_argument("--full", action="store_true", help="rebuild every page on each change (no --dirty)")
        if func is generate:
            cmd.add_argument("out", nargs="?", type=pathlib.Path, default=BUILD / "generated")
    args = parser.parse_args(argv)
    return run_command(lambda: args.func(args))


if __name__ == "__main__":
    sys.exit(main())
