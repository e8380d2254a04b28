"""Problems, reporting, file discovery and small YAML helpers shared by the checks."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

# Directories whose files the checks look at, relative to the root.
CONTENT_DIRS = ("manifests", "snippets", "docs")
SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", "site", "site-offline", "build", ".pytest_cache"}
YAML_EXT = (".yaml", ".yml")
CNI_EXT = (".conflist", ".conf", ".json")
SHELL_SHEBANG = re.compile(r"^#!\s*(/usr/bin/env\s+(-S\s+)?)?(/usr/bin/|/bin/)?(ba)?sh\b")
CHAINSAW_FILE = "chainsaw-test.yaml"


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
class Expectation:
    tool: str
    text: str
    line: int


# Names a contributor may write after `# Expect-invalid:`, mapped to the check's tool tag.
TOOL_ALIASES = {
    "yamllint": "yamllint",
    "kubeconform": "kubeconform",
    "kubeadm": "kubeadm",
    "haproxy": "haproxy",
    "kind": "kind",
    "kindcheck": "kind",
    "etcdcheck": "etcd",
    "etcd": "etcd",
    "configcheck": "configcheck",
    "kubeconfig": "configcheck",
    "cni": "cni",
    "shellcheck": "shellcheck",
    "bash": "bash",
    "bash -n": "bash",
    "chainsaw": "chainsaw",
    "actionlint": "actionlint",
}

EXPECT_RE = re.compile(r"^\s*#\s*Expect-invalid:\s*([A-Za-z][\w -]*?)\s*:\s*(.+?)\s*$")
BROKEN_RE = re.compile(r"^\s*#\s*Broken:\s*\S")


@dataclass
class SourceFile:
    rel: str
    path: Path
    text: str
    expectations: list[Expectation]
    broken: bool
    broken_line: int = 0

    @property
    def expected_tools(self) -> set[str]:
        return {e.tool for e in self.expectations}


class Tree:
    """The files of one root (the repository, or a test corpus with the same layout)."""

    def __init__(self, root: Path):
        self.root = root.resolve()
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
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for f in sorted(filenames):
                out.append(Path(dirpath) / f)
        return out

    def content_files(self) -> list[Path]:
        return [p for top in CONTENT_DIRS for p in self.walk(top)]

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
        expectations, broken, broken_line = [], False, 0
        if "Expect-invalid" in text or "Broken:" in text:
            for n, line in enumerate(text.splitlines(), 1):
                m = EXPECT_RE.match(line)
                if m:
                    tool = TOOL_ALIASES.get(m.group(1).strip().lower(), m.group(1).strip().lower())
                    expectations.append(Expectation(tool, m.group(2), n))
                elif BROKEN_RE.match(line) and not broken:
                    broken, broken_line = True, n
        sf = SourceFile(rel, path, text, expectations, broken, broken_line)
        self._cache[rel] = sf
        return sf


# --------------------------------------------------------------------------- YAML documents

DOC_SEP = re.compile(r"^---(\s|$)")
TOP_KEY = re.compile(r"^(apiVersion|kind):\s*['\"]?([^\s'\"#]+)")
NAME_KEY = re.compile(r"^\s{2,4}name:\s*['\"]?([^\s'\"#]+)")


@dataclass
class Doc:
    index: int
    line: int  # first line of the document (1-based)
    api_version: str = ""
    kind: str = ""
    name: str = ""

    @property
    def gvk(self) -> str:
        return f"{self.api_version}/{self.kind}"

    @property
    def group(self) -> str:
        return self.api_version.split("/")[0] if "/" in self.api_version else ""


def scan_docs(text: str) -> list[Doc]:
    """Split a YAML stream into documents and read their top-level apiVersion/kind (fast, no parsing)."""
    docs = [Doc(0, 1)]
    in_meta = False
    for n, line in enumerate(text.splitlines(), 1):
        if DOC_SEP.match(line):
            docs.append(Doc(len(docs), n + 1))
            in_meta = False
            continue
        m = TOP_KEY.match(line)
        if m:
            setattr(docs[-1], "api_version" if m.group(1) == "apiVersion" else "kind", m.group(2))
            continue
        if line.startswith("metadata:"):
            in_meta = True
            continue
        if in_meta:
            if line and not line[0].isspace():
                in_meta = False
            else:
                nm = NAME_KEY.match(line)
                if nm and not docs[-1].name:
                    docs[-1].name = nm.group(1)
    return [d for d in docs if d.api_version or d.kind]


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
