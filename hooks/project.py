"""Shared helpers for the MkDocs hooks: the project's data files and page front matter."""

from __future__ import annotations

import functools
import importlib.util
import os
import pathlib
import re

import yaml
from mkdocs.exceptions import PluginError

ROOT = pathlib.Path(__file__).resolve().parent.parent
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?\n)---\s*\n", re.S)
LANGUAGES = ("ko", "en")
# A ```mermaid fence in a page's Markdown (its indent, its body) and a diagram's
# accessibility lines, which become the drawn image's alt text (hooks/diagrams.py).
MERMAID_FENCE = re.compile(r"^([ \t]*)```mermaid[^\n]*\n(.*?)^\1```", re.S | re.M)
ACC_TITLE = re.compile(r"^\s*accTitle\s*:\s*(.+?)\s*$", re.M)
ACC_DESCR = re.compile(r"^\s*accDescr\s*:\s*(.+?)\s*$", re.M)


def load_by_path(name: str, path: pathlib.Path):
    """Import a script of the project by its path (scripts/ is not a package, and the name
    `site` of scripts/site.py belongs to Python's own start-up module)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cache_dir() -> pathlib.Path:
    """The per-user cache the tools installer also uses (scripts/tools.py)."""
    base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(os.environ.get("CKA_TOOLS_DIR") or pathlib.Path(base) / "cka-guide")


def diagram_blocks(markdown: str) -> list[tuple[int, str]]:
    """(line of the opening fence, diagram text) for each Mermaid diagram of a page."""
    return [(markdown.count("\n", 0, m.start()) + 1, m.group(2)) for m in MERMAID_FENCE.finditer(markdown)]


def text_alternative(diagram: str) -> tuple[str, str]:
    """A diagram's accTitle and accDescr ('' when missing)."""
    title, description = ACC_TITLE.search(diagram), ACC_DESCR.search(diagram)
    return (title.group(1) if title else "", description.group(1) if description else "")


def load_yaml(name: str) -> dict:
    path = ROOT / name
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise PluginError(f"{name}: cannot read it: {err}") from None


@functools.lru_cache(maxsize=None)
def versions() -> dict:
    return load_yaml("versions.yaml")


@functools.lru_cache(maxsize=None)
def curriculum() -> dict:
    return load_yaml("data/curriculum.yaml")


def page_language(src_path: str) -> str:
    """'exam/guide.en.md' -> 'en'. Pages without a suffix are Korean (the default)."""
    match = re.search(r"\.([a-z]{2})\.md$", src_path)
    return match.group(1) if match else LANGUAGES[0]


def read_front_matter(path: pathlib.Path) -> dict:
    """The YAML front matter of a page, or {} when it has none."""
    text = path.read_text(encoding="utf-8")
    match = FRONT_MATTER.match(text)
    if not match:
        return {}
    try:
        data = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as err:
        raise PluginError(f"{path.relative_to(ROOT)}: front matter is not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise PluginError(f"{path.relative_to(ROOT)}: front matter must be a mapping of keys to values")
    return data


def page_link(from_dir: str, stem: str) -> str:
    """A Markdown link from a page in docs/<from_dir>/ to the page docs/<stem>.md (any language)."""
    depth = len(pathlib.PurePosixPath(from_dir).parts) if from_dir else 0
    return "/".join([".."] * depth + [stem]) + ".md"
