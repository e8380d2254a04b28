"""MkDocs hook: the generated parts of pages (the lecture map, the practice pages).

A thin adapter over cka.site.generated: the pages' front matter and the practice tasks are
read once per build (and kept across `make serve` rebuilds while they are unchanged); each
page's markers are then replaced. A page or task with a problem fails the build with its path.
"""

from __future__ import annotations

from mkdocs.exceptions import PluginError

from cka.errors import ProjectError
from cka.paths import PRACTICE
from cka.site.generated import Generated

_BUILD: dict[str, Generated] = {}


def on_files(files, config):
    try:
        _BUILD["generated"] = Generated.load()
    except ProjectError as err:
        raise PluginError(str(err)) from None
    return files


def on_page_markdown(markdown, page, config, files):
    try:
        return _BUILD["generated"].expand(markdown, page.file.src_path)
    except ProjectError as err:
        raise PluginError(str(err)) from None


def on_serve(server, config, builder):
    server.watch(str(PRACTICE))
    return server
