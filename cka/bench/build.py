"""Benchmarks of the site build and of `make serve`.

  python -m cka.bench build [--runs 3]     the strict build with the hooks, the same build without
                                           them, the ratio, the time per page-language, and the
                                           share of each hook (under a profiler, one more build)
  python -m cka.bench serve [--runs 3] [--page storage/csi.en.md] [--full]
                                           the time from a one-page edit to the rebuilt page under
                                           `make serve` (--full: without --dirty)

Figures are wall-clock medians on this machine; quote them with the machine's size.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import pstats
import re
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from ..paths import ROOT

MKDOCS = [sys.executable, "-m", "mkdocs"]
NO_HOOKS_CONFIG = ROOT / ".mkdocs-no-hooks.yml"  # next to mkdocs.yml, so its relative paths hold


def env(**extra: str) -> dict[str, str]:
    return dict(os.environ, NO_MKDOCS_2_WARNING="1", **extra)


def without_hooks() -> Path:
    """mkdocs.yml with its `hooks:` list removed."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    text = re.sub(r"^hooks:\n(?:[ \t]+-.*\n|[ \t]*#.*\n)+", "", text, flags=re.M)
    NO_HOOKS_CONFIG.write_text(text, encoding="utf-8")
    return NO_HOOKS_CONFIG


def timed_build(config: Path, strict: bool) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the build process, pages built)."""
    out = Path(tempfile.mkdtemp(prefix="cka-bench-build-"))
    try:
        command = [*MKDOCS, "build", "-q", "-f", str(config), "--site-dir", str(out)] + (["--strict"] if strict else [])
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        proc = subprocess.run(command, cwd=ROOT, env=env(), capture_output=True, text=True)
        elapsed = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if proc.returncode != 0:
            raise SystemExit(f"error: the build failed:\n{proc.stderr[-2000:]}")
        pages = sum(1 for _ in out.rglob("index.html"))
        return elapsed, cpu, pages
    finally:
        shutil.rmtree(out, ignore_errors=True)


def hook_shares() -> tuple[float, dict[str, float]]:
    """One profiled build: (total seconds, hook file -> seconds in its event functions)."""
    where: dict[tuple[str, str], str] = {}
    for hook in sorted((ROOT / "hooks").glob("*.py")):
        tree = ast.parse(hook.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("on_"):
                where[(str(hook), node.name)] = hook.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cka."):
                module = importlib.import_module(node.module)
                for alias in node.names:
                    fn = getattr(module, alias.name, None)
                    if alias.name.startswith("on_") and hasattr(fn, "__code__"):
                        where[(fn.__code__.co_filename, alias.name)] = hook.name
    out = Path(tempfile.mkdtemp(prefix="cka-bench-profile-"))
    profile = out / "build.prof"
    try:
        command = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "mkdocs", "build", "-q", "--strict",
                   "--site-dir", str(out / "site")]
        subprocess.run(command, cwd=ROOT, env=env(), capture_output=True, check=True)
        stats = pstats.Stats(str(profile)).stats
    finally:
        pass
    total = max(ct for (_, _, _, ct, _) in stats.values())
    shares: dict[str, float] = {}
    for (filename, _, name), (_, _, _, cumulative, _) in stats.items():
        hook = where.get((filename, name))
        if hook:
            shares[hook] = shares.get(hook, 0.0) + cumulative
    shutil.rmtree(out, ignore_errors=True)
    return total, shares


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m cka.bench build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-profile", action="store_true", help="skip the profiled build (the hooks' shares)")
    args = parser.parse_args()
    plain = without_hooks()
    try:
        with_hooks, bare, pages = [], [], 0
        timed_build(ROOT / "mkdocs.yml", True)  # warm: drawn diagrams and assets cached, files in the page cache
        for run in range(1, args.runs + 1):
            a, a_cpu, pages = timed_build(ROOT / "mkdocs.yml", True)
            b, b_cpu, _ = timed_build(plain, False)
            with_hooks.append((a, a_cpu))
            bare.append((b, b_cpu))
            print(f"run {run}: with hooks {a:6.2f} s ({a_cpu:.2f} s CPU)   without {b:6.2f} s ({b_cpu:.2f} s CPU)   "
                  f"ratio {a / b:.2f} ({a_cpu / b_cpu:.2f} CPU)", flush=True)
    finally:
        NO_HOOKS_CONFIG.unlink(missing_ok=True)
    a, b = statistics.median(w for w, _ in with_hooks), statistics.median(w for w, _ in bare)
    a_cpu, b_cpu = statistics.median(c for _, c in with_hooks), statistics.median(c for _, c in bare)
    print(f"\nstrict build, median of {args.runs} on {os.cpu_count()} cores (wall, and CPU time of the build process):")
    print(f"  with the hooks     {a:6.2f} s  {a_cpu:6.2f} s CPU   ({a / pages * 1000:.0f} ms per page-language, "
          f"{pages} page-languages)")
    print(f"  without the hooks  {b:6.2f} s  {b_cpu:6.2f} s CPU   ({b / pages * 1000:.0f} ms per page-language)")
    print(f"  the hooks add      {(a / b - 1) * 100:5.1f} %  {(a_cpu / b_cpu - 1) * 100:5.1f} % CPU "
          "(CPU time is the steadier figure on a busy machine)")
    if not args.no_profile:
        total, shares = hook_shares()
        print(f"\nshare of each hook (one build under a profiler, {total:.1f} s in all):")
        for hook, seconds in sorted(shares.items(), key=lambda kv: -kv[1]):
            print(f"  {hook:<22} {seconds:6.2f} s  {seconds / total * 100:5.1f} %")
    return 0


# --------------------------------------------------------------------------- serve


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return ""


def wait_for(url: str, needle: str | None, timeout: float, absent: bool = False) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        text = fetch(url)
        if text and (needle is None or ((needle in text) != absent)):
            return time.monotonic() - started
        time.sleep(0.05)
    raise SystemExit(f"error: {url} did not {'lose' if absent else 'show'} {needle!r} within {timeout:.0f} s")


def page_url(base: str, page: str) -> str:
    stem, lang = re.match(r"(.*)\.([a-z]{2})\.md$", page).groups()
    prefix = "" if lang == "ko" else f"{lang}/"
    return f"{base}/{prefix}{stem}/"


def serve_main() -> int:
    parser = argparse.ArgumentParser(prog="python -m cka.bench serve", description="the time from a one-page edit "
                                     "to the rebuilt page under `make serve`")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--page", default="storage/csi.en.md", help="the page to edit, relative to docs/")
    parser.add_argument("--full", action="store_true", help="serve without --dirty (every page rebuilt)")
    args = parser.parse_args()
    source = ROOT / "docs" / args.page
    original = source.read_text(encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [*MKDOCS, "serve", "--dev-addr", f"127.0.0.1:{port}"] + ([] if args.full else ["--dirty", "--no-strict"])
    server = subprocess.Popen(command, cwd=ROOT, env=env(GIT_REVISION_DATES="false"), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    times = []
    try:
        first = wait_for(page_url(base, args.page), None, 300)
        print(f"first build and serve: {first:.1f} s", flush=True)
        time.sleep(2)  # let the watcher settle
        for run in range(1, args.runs + 1):
            token = f"bench{secrets.token_hex(4)}"
            started = time.monotonic()
            source.write_text(original + f"\n\nEdited for the benchmark: {token}\n", encoding="utf-8")
            wait_for(page_url(base, args.page), token, 120)
            elapsed = time.monotonic() - started
            times.append(elapsed)
            print(f"run {run}: the edit reached the served page in {elapsed:.2f} s", flush=True)
            source.write_text(original, encoding="utf-8")
            wait_for(page_url(base, args.page), token, 120, absent=True)
            time.sleep(1)
    finally:
        source.write_text(original, encoding="utf-8")
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    mode = "without --dirty" if args.full else "with --dirty (make serve)"
    print(f"\nedit to rebuilt page, {mode}: median {statistics.median(times):.2f} s of {len(times)} "
          f"(min {min(times):.2f}, max {max(times):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
