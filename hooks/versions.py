"""MkDocs hook: the pinned versions from versions.yaml in pages (cka.site.page_versions)."""

from __future__ import annotations

import pathlib

from mkdocs.exceptions import PluginError

from cka.errors import ProjectError
from cka.site.page_versions import TOKEN, substitute


def on_page_markdown(markdown, page, config, files):
    if not TOKEN.search(markdown):
        return markdown
    try:
        return substitute(markdown, pathlib.Path(page.file.abs_src_path).read_text(encoding="utf-8"),
                          f"docs/{page.file.src_path}")
    except ProjectError as err:
        raise PluginError(str(err)) from None
