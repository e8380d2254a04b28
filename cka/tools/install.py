"""Installing the registry's tools into the cache: stamps, symlinks, a lock, `ensure()`.

A second run checks a stamp per tool and finishes in well under a second. A first install
builds two Go tools at a time (BUILDS_AT_ONCE): one build leaves a core idle through its
single-threaded steps (linking, the largest packages).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import json
import os
import shutil
import time

from ..cache import bin_dir, cache_dir, tools_dir
from ..console import duration, say, tagged
from ..errors import ProjectError
from . import go
from .registry import Tool, registry

STAMP = ".installed.json"
BUILDS_AT_ONCE = 2


def status(tool: Tool) -> str:
    """'ok', 'outdated' (installed with another recipe) or 'missing'."""
    stamp = tool.dir / STAMP
    try:
        data = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return "missing"
    if data.get("recipe") != tool.recipe_hash:
        return "outdated"
    for b in tool.binaries:
        if not os.path.exists(tool.dir / b):  # follows the Debian symlinks
            return "missing"
    return "ok"


def links_ok(tool: Tool) -> bool:
    if not tool.on_path:
        return True
    for b in tool.binaries:
        link = bin_dir() / b
        if not link.is_symlink() or os.readlink(link) != os.path.relpath(tool.dir / b, bin_dir()):
            return False
    return True


def link(tool: Tool) -> None:
    if not tool.on_path:
        return
    bin_dir().mkdir(parents=True, exist_ok=True)
    for b in tool.binaries:
        target = os.path.relpath(tool.dir / b, bin_dir())
        tmp = bin_dir() / f".{b}.tmp{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tmp.symlink_to(target)
        os.replace(tmp, bin_dir() / b)


@contextlib.contextmanager
def _lock():
    cache_dir().mkdir(parents=True, exist_ok=True)
    with open(cache_dir() / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("==> waiting for another tools installation to finish")
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def install_one(tool: Tool) -> float:
    start = time.monotonic()
    if tool.kind == "go":
        go.require_go()
    verb = {"go": "building", "debian": "installing", "data": "generating"}[tool.kind]
    note = f" (first time only, {tool.estimate})" if tool.estimate else ""
    if tool.kind == "debian":
        say(f"==> {verb} {tool.package} (Debian package: {', '.join(tool.binaries)})")
    else:
        what = ", ".join(tool.binaries) if tool.binaries else tool.name
        say(f"==> {verb} {what} {tool.version}{note}")
    tools_dir().mkdir(parents=True, exist_ok=True)
    tmp = tools_dir() / f".tmp-{tool.key}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        tool.install(tool, tmp)
        for b in tool.binaries:
            if not os.path.exists(tmp / b):
                raise ProjectError(f"{tool.name}: the build did not produce {b}")
        if tool.verify:
            tool.verify(tool, tmp)
        (tmp / STAMP).write_text(
            json.dumps({"tool": tool.name, "version": tool.version, "recipe": tool.recipe_hash, "binaries": list(tool.binaries)})
        )
        if tool.dir.exists():
            shutil.rmtree(tool.dir)
        os.rename(tmp, tool.dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    link(tool)
    elapsed = time.monotonic() - start
    say(f"    done in {duration(elapsed)}")
    return elapsed


def install_side_by_side(tools: list[Tool]) -> dict[str, float]:
    """Build the tools BUILDS_AT_ONCE at a time, each one's lines tagged with its name; the first
    failure is raised once every started build has ended (the others are kept)."""
    if len(tools) <= 1:
        return {t.name: install_one(t) for t in tools}

    def one(tool: Tool) -> float:
        with tagged(tool.name):
            return install_one(tool)

    with concurrent.futures.ThreadPoolExecutor(BUILDS_AT_ONCE) as pool:
        futures = {t.name: pool.submit(one, t) for t in tools}
    failed = [f.exception() for f in futures.values() if f.exception()]
    if failed:
        raise failed[0]
    return {name: f.result() for name, f in futures.items()}


def select(tools: list[Tool], names: list[str]) -> list[Tool]:
    if not names:
        return tools
    chosen = []
    for name in names:
        match = [t for t in tools if t.name == name or (t.on_path and name in t.binaries)]
        if not match:
            valid = sorted({t.name for t in tools} | {b for t in tools for b in t.binaries})
            raise ProjectError(f"unknown tool {name!r}; known: {', '.join(valid)}")
        for t in match:
            if t not in chosen:
                chosen.append(t)
    return chosen


def ensure(names: list[str] | None = None, quiet: bool = False) -> list[Tool]:
    """Install what is missing among `names` (all but the optional tools by default). Fast when
    everything is there."""
    tools = select(registry(), names) if names else [t for t in registry() if not t.optional]
    todo = [t for t in tools if status(t) != "ok"]
    for t in tools:
        if t not in todo and not links_ok(t):
            link(t)
    if todo:
        with _lock():
            for t in [t for t in todo if status(t) == "ok"]:  # another process installed it meanwhile
                link(t)
                todo.remove(t)
            # Debian packages (apt takes one at a time) and generated data first, then the Go builds side by side.
            timings = {t.name: install_one(t) for t in todo if t.kind != "go"}
            timings |= install_side_by_side([t for t in todo if t.kind == "go"])
            if len(timings) > 1:
                say("==> installed " + ", ".join(f"{k} {duration(v)}" for k, v in timings.items()))
    elif not quiet:
        say(f"==> all {len(tools)} tools are installed ({bin_dir()})")
    return tools

