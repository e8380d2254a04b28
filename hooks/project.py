"""Shared helpers for the MkDocs hooks: the project's data files and page front matter."""

from __future__ import annotations

import functools
import pathlib
import re

import yaml
from mkdocs.exceptions import PluginError

ROOT = pathlib.Path(__file__).resolve().parent.parent
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?\n)---\s*\n", re.S)
LANGUAGES = ("ko", "en")


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
