"""The pinned versions in pages: a page writes {{ k8s.version }}, {{ k8s.minor }},
{{ k8s.previous_minor }} or {{ etcd.version }}, and the build puts in the value from
versions.yaml, so a version is typed in one place only. Included files (manifests,
snippets) are not touched. An unknown name is an error that names the page and line."""

from __future__ import annotations

import re

from .. import versions
from ..errors import ProjectError

TOKEN = re.compile(r"\{\{\s*(k8s|etcd)\.([a-z_]+)\s*\}\}")


def values() -> dict[str, str]:
    k8s = versions.get("kubernetes")
    return {
        "k8s.version": k8s["version"],
        "k8s.minor": str(k8s["minor"]),
        "k8s.previous_minor": str(k8s["previous_minor"]),
        "etcd.version": versions.get("etcd", "version"),
    }


def substitute(markdown: str, source: str, where: str) -> str:
    """The Markdown with every version name replaced; `source` and `where` (the page's text and
    path) name the line of an unknown name."""
    known = values()

    def replace(match: re.Match) -> str:
        key = f"{match.group(1)}.{match.group(2)}"
        if key not in known:
            line = source[: source.find(match.group(0))].count("\n") + 1
            names = ", ".join("{{ %s }}" % k for k in known)
            raise ProjectError(f"{where}:{line}: unknown version name {{{{ {key} }}}}; use one of {names}")
        return known[key]

    return TOKEN.sub(replace, markdown)
