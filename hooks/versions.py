"""Put the pinned versions from versions.yaml into pages.

A page writes {{ k8s.version }}, {{ k8s.minor }}, {{ k8s.previous_minor }} or
{{ etcd.version }}; the hook replaces them before Markdown is rendered, so the
version is typed in one place only. Included files (manifests, snippets) are not
touched. An unknown {{ k8s.* }} or {{ etcd.* }} name fails the build with the page.
"""

from __future__ import annotations

import re
import sys
import pathlib

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from project import versions  # noqa: E402
from mkdocs.exceptions import PluginError  # noqa: E402

TOKEN = re.compile(r"\{\{\s*(k8s|etcd)\.([a-z_]+)\s*\}\}")


def values() -> dict[str, str]:
    pinned = versions()
    k8s = pinned["kubernetes"]
    return {
        "k8s.version": k8s["version"],
        "k8s.minor": str(k8s["minor"]),
        "k8s.previous_minor": str(k8s["previous_minor"]),
        "etcd.version": pinned["etcd"]["version"],
    }


def on_page_markdown(markdown, page, config, files):
    known = values()

    def replace(match: re.Match) -> str:
        key = f"{match.group(1)}.{match.group(2)}"
        if key not in known:
            source = pathlib.Path(page.file.abs_src_path).read_text(encoding="utf-8")
            line = source[: source.find(match.group(0))].count("\n") + 1
            names = ", ".join("{{ %s }}" % k for k in known)
            raise PluginError(f"docs/{page.file.src_path}:{line}: unknown version name {{{{ {key} }}}}; use one of {names}")
        return known[key]

    return TOKEN.sub(replace, markdown)
