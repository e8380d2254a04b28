"""What tests need to know about the pages: languages, headings and includes (from cka.content)."""

from __future__ import annotations

import pathlib
import re

from cka import content
from cka.languages import languages
from cka.paths import DOCS, ROOT  # noqa: F401 - the tests import them from here

LANGUAGES = languages()
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)


def page_stems() -> list[str]:
    """Every page as 'folder/name' without its language suffix."""
    stems = set()
    for lang in LANGUAGES:
        for path in DOCS.rglob(f"*.{lang}.md"):
            stems.add(path.relative_to(DOCS).as_posix()[: -len(f".{lang}.md")])
    return sorted(stems)


def page_path(stem: str, lang: str) -> pathlib.Path:
    return DOCS / f"{stem}.{lang}.md"


def h2_headings(text: str) -> list[str]:
    """The `## ` headings outside code blocks."""
    text = FENCE.sub("", text)
    return [line for line in text.splitlines() if line.startswith("## ")]


def includes(text: str) -> list[str]:
    """The files (and sections) a page includes, as pymdownx.snippets reads them."""
    return [spec for _, spec in content.includes(text)]
