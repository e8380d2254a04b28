"""Which pages the browser tests open.

Pages are still being written, so nothing here names a page that must exist: each
choice takes the first preferred page that exists in both languages, else the first
page whose source has the feature under test, else none (the test then skips and says
why). A page exists when docs/<stem>.ko.md and docs/<stem>.en.md both do.
"""

from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
DOCS = ROOT / "docs"
MANIFESTS = ROOT / "manifests"
LANGUAGES = ("ko", "en")  # the first is the default language, served at /

# Pages that the tests prefer, in order, when they exist.
PREFERRED = ("exam/guide", "storage/persistent-volumes", "cluster-architecture/rbac", "cluster-architecture/node-maintenance")

MERMAID = re.compile(r"^\s*```mermaid", re.M)
TABS = re.compile(r'^\s*=== "', re.M)
QUESTION = re.compile(r"^\s*\?\?\? question", re.M)
# A fenced block titled with a manifest that includes that whole file.
MANIFEST_BLOCK = re.compile(r'^```ya?ml title="(manifests/[^"]+)"\s*\n--8<-- "\1"\s*\n```', re.M)


def stems() -> list[str]:
    """Every page that exists in both languages, as 'folder/name' (sorted)."""
    found = set()
    for path in DOCS.rglob(f"*.{LANGUAGES[0]}.md"):
        stem = path.relative_to(DOCS).as_posix()[: -len(f".{LANGUAGES[0]}.md")]
        if all((DOCS / f"{stem}.{lang}.md").exists() for lang in LANGUAGES):
            found.add(stem)
    return sorted(found)


def source(stem: str, lang: str = LANGUAGES[0]) -> str:
    return (DOCS / f"{stem}.{lang}.md").read_text(encoding="utf-8")


def ordered() -> list[str]:
    """The pages, preferred ones first."""
    all_stems = stems()
    return [s for s in PREFERRED if s in all_stems] + [s for s in all_stems if s not in PREFERRED]


def with_feature(pattern: re.Pattern[str]) -> str | None:
    """The first page (preferred first) whose sources in both languages match the pattern."""
    for stem in ordered():
        if stem != "index" and all(pattern.search(source(stem, lang)) for lang in LANGUAGES):
            return stem
    return None


def switcher_pages(count: int = 3) -> list[str]:
    """The home page and a few content pages for the language switcher."""
    return ["index", *[s for s in ordered() if s != "index"][: count - 1]]


def long_page() -> str | None:
    """A long content page: persistent volumes when it exists, else the longest source."""
    candidates = [s for s in stems() if s != "index" and not s.startswith("exam/")]
    if "storage/persistent-volumes" in candidates:
        return "storage/persistent-volumes"
    return max(candidates, key=lambda s: len(source(s)), default=None)


def manifest_block() -> tuple[str, str] | None:
    """(page, manifest path) of a page that shows a whole manifest file in a titled block."""
    for stem in ordered():
        for match in MANIFEST_BLOCK.finditer(source(stem)):
            if (ROOT / match.group(1)).is_file():
                return stem, match.group(1)
    return None
