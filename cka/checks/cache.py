"""Results of the slow per-file checks, cached by tool, configuration and file content."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from .core import Problem, SourceFile


def tool_key(binary: str, *extra: str) -> str:
    """Identity of an installed tool for the result cache: its versioned path and build time."""
    real = os.path.realpath(binary)
    try:
        stamp = str(os.stat(real).st_mtime_ns)
    except OSError:
        stamp = "?"
    return hashlib.sha256("|".join((real, stamp) + extra).encode()).hexdigest()[:12]


def cached(cache: "ResultCache", tool: str, key: str, files: list[SourceFile], run) -> list[Problem]:
    """Run `run` on the files whose result for (tool, key, content) is not cached; cache the new results."""
    problems, todo = [], []
    for sf in files:
        hit = cache.get(tool, key, sf.text)
        if hit is None:
            todo.append(sf)
        else:
            problems += [Problem(sf.rel, *p) for p in hit]
    if todo:
        fresh = run(todo)
        problems += fresh
        by_file: dict[str, list] = {sf.rel: [] for sf in todo}
        for p in fresh:
            if p.path in by_file:
                by_file[p.path].append((p.line, p.tool, p.message, p.hint))
        for sf in todo:
            cache.put(tool, key, sf.text, by_file[sf.rel])
    return problems


class ResultCache:
    """Results of the slow per-file checks, keyed by tool, configuration and file content."""

    def __init__(self, path: Path | None):
        self.path = path
        self.data: dict = {}
        self.dirty = False
        self.touched: set[str] = set()
        if path and path.exists():
            try:
                self.data = json.loads(path.read_text())
            except (OSError, ValueError):
                self.data = {}

    @staticmethod
    def _key(tool: str, config: str, text: str) -> str:
        return tool + ":" + config + ":" + hashlib.sha1(text.encode()).hexdigest()

    def get(self, tool, config, text):
        if self.path is None:
            return None
        k = self._key(tool, config, text)
        hit = self.data.get(k)
        if hit is not None:
            self.touched.add(k)
        return [tuple(x) for x in hit] if hit is not None else None

    def put(self, tool, config, text, value):
        if self.path is None:
            return
        k = self._key(tool, config, text)
        self.data[k] = [list(x) for x in value]
        self.touched.add(k)
        self.dirty = True

    MAX_ENTRIES = 50_000

    def save(self) -> None:
        if not self.path or not self.dirty:
            return
        if len(self.data) > self.MAX_ENTRIES:
            self.data = {k: v for k, v in self.data.items() if k in self.touched}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".cache")
        with os.fdopen(fd, "w") as fh:
            json.dump(self.data, fh)
        os.replace(tmp, self.path)
