"""The site's languages, read from mkdocs.yml (the i18n plugin): Korean first, the default."""

from __future__ import annotations

import functools
import re

from .paths import MKDOCS_FILE

LOCALE = re.compile(r"^\s*-\s*locale:\s*([a-z]{2})\s*$", re.M)


@functools.lru_cache(maxsize=None)
def languages() -> tuple[str, ...]:
    """('ko', 'en'): the locales of mkdocs.yml's i18n plugin, the default language first.
    Read as text (mkdocs.yml carries !ENV tags that a plain YAML loader rejects)."""
    found = tuple(LOCALE.findall(MKDOCS_FILE.read_text(encoding="utf-8")))
    return found or ("ko", "en")


def default() -> str:
    return languages()[0]


def prefix(lang: str) -> str:
    """The URL prefix of a language's pages: '' for the default language, 'en/' for English."""
    return "" if lang == default() else f"{lang}/"


def page_language(src_path: str) -> str:
    """'exam/guide.en.md' -> 'en'. Pages without a suffix are in the default language."""
    match = re.search(r"\.([a-z]{2})\.md$", src_path)
    return match.group(1) if match else default()
