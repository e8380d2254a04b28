"""Problems, reporting, file discovery and small YAML helpers shared by the checks."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..content import Expectation, classify, header

# Directories whose files the checks look at, relative to the root.
CONTENT_DIRS = ("manifests", "snippets", "docs", "practice")
SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".pytest_cache"}
# Build output, skipped at the root of the tree only (cka/site/ is source).
SKIP_AT_ROOT = {"site", "site-offline", "build"}
SHELL_SHEBANG = re.compile(r"^#!\s*(/usr/bin/env\s+(-S\s+)?)?(/usr/bin/|/bin/)?(ba)?sh\b")


@dataclass(order=True, unsafe_hash=True)
class Problem:
    path: str  # relative to the root, with forward slashes
    line: int
    tool: str
    message: str
    hint: str = field(default="", compare=False)

    def text(self) -> str:
        msg = self.message + (f" (hint: {self.hint})" if self.hint else "")
        return f"{self.path}:{self.line}: [{self.tool}] {msg}"

    def annotation(self) -> str:
        msg = (f"[{self.tool}] " + self.message + (f" (hint: {self.hint})" if self.hint else ""))
        msg = msg.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::error file={self.path},line={self.line}::{msg}"


@dataclass
class SourceFile:
    rel: str
    path: Path
    text: str
    expectations: list[Expectation]
    broken: bool
    broken_line: int = 0
    kind: str = ""  # cka.content.classify(): page, snippet, manifest, config, lab-test, ...

    @property
    def expected_tools(self) -> set[str]:
        return {e.tool for e in self.expectations}


class Tree:
    """The files of one root (the repository, or a test corpus with the same layout)."""

    def __init__(self, root: Path, aliases: dict[str, str] | None = None):
        self.root = root.resolve()
        # Names a contributor may write after `# Expect-invalid:`, mapped to a check's name.
        self.aliases = aliases or {}
        self._cache: dict[str, SourceFile] = {}
        self.unreadable: list[Problem] = []

    def rel(self, path: Path) -> str:
        text, root = str(path), str(self.root)
        if text.startswith(root + os.sep):  # the common case: a path from walk()
            return text[len(root) + 1 :].replace(os.sep, "/")
        return path.resolve().relative_to(self.root).as_posix()

    def walk(self, top: str) -> list[Path]:
        base = self.root / top
        out: list[Path] = []
        if not base.is_dir():
            return out
        for dirpath, dirnames, filenames in os.walk(base):
            at_root = Path(dirpath) == self.root
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not (at_root and d in SKIP_AT_ROOT))
            for f in sorted(filenames):
                out.append(Path(dirpath) / f)
        return out

    def content_files(self) -> list[Path]:
        return [p for top in CONTENT_DIRS for p in self.walk(top)]

    def loaded(self) -> list[SourceFile]:
        """Every file read so far."""
        return list(self._cache.values())

    def source(self, path: Path) -> SourceFile | None:
        rel = self.rel(path)
        if rel in self._cache:
            return self._cache[rel]
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.unreadable.append(Problem(rel, 1, "files", "not valid UTF-8 text"))
            return None
        except OSError as exc:
            self.unreadable.append(Problem(rel, 1, "files", f"cannot read: {exc.strerror}"))
            return None
        declared = header(text, self.aliases)
        expectations, broken, broken_line = list(declared.expectations), declared.broken, declared.broken_line
        sf = SourceFile(rel, path, text, expectations, broken, broken_line, classify(path, self.root, text))
        self._cache[rel] = sf
        return sf


# --------------------------------------------------------------------------- YAML documents


def pointer_line(text: str, doc_index: int, pointer: str) -> int | None:
    """Line of the node at JSON pointer `pointer` in document `doc_index`, or of its deepest existing parent."""
    import yaml

    try:
        nodes = list(yaml.compose_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except yaml.YAMLError:
        return None
    nodes = [n for n in nodes if n is not None]
    if doc_index >= len(nodes):
        return None
    node = nodes[doc_index]
    line = node.start_mark.line + 1
    for part in [p.replace("~1", "/").replace("~0", "~") for p in pointer.strip("/").split("/") if p]:
        nxt = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == part:
                    nxt, line = v, k.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            nxt = node.value[int(part)]
            line = nxt.start_mark.line + 1
        if nxt is None:
            break
        node = nxt
    return line


def find_line(text: str, needle: str, start: int = 1) -> int | None:
    """First line (>= start) that mentions `needle` as a key or word."""
    if not needle:
        return None
    pat = re.compile(r"(^|[\s{,\"'])" + re.escape(needle) + r"(\"|')?\s*:")
    lines = text.splitlines()
    for n in range(max(start, 1), len(lines) + 1):
        if pat.search(lines[n - 1]):
            return n
    for n in range(max(start, 1), len(lines) + 1):
        if needle in lines[n - 1]:
            return n
    return None


def load_json(path: Path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)
