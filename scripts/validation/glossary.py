"""The Korean glossary check: a term that data/glossary.yaml says to avoid, in the prose of a Korean page.

Prose is everything of a `*.ko.md` page except fenced code blocks (a Mermaid diagram's labels are
prose and are checked), inline code, and the text of a link to kubernetes.io (it may quote the
title of an official page). Each hit names the file, the line and the preferred term.
"""

from __future__ import annotations

import re
from pathlib import Path

from .core import Problem, Tree

GLOSSARY = Path("data") / "glossary.yaml"
FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w-]*)")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
# [text](https://kubernetes.io/...): the text may be an official page's title.
OFFICIAL_LINK = re.compile(r"\[([^\]]*)\]\(https?://kubernetes\.io/[^)]*\)")
PROSE_FENCES = {"mermaid"}


def load(root: Path) -> list[dict]:
    """The glossary's terms, from the tree's data/glossary.yaml or else the repository's."""
    import yaml

    path = root / GLOSSARY
    if not path.is_file():
        path = Path(__file__).resolve().parents[2] / GLOSSARY
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("terms") or []


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, text) of the prose lines, with inline code and official link text blanked out."""
    out = []
    fence = None  # the fence string that opened the current code block
    for n, line in enumerate(text.splitlines(), 1):
        m = FENCE.match(line)
        if fence is None and m:
            if m.group(2).lower() not in PROSE_FENCES:
                fence = m.group(1)
            else:
                fence = "prose:" + m.group(1)
            continue
        if fence is not None:
            closer = fence.removeprefix("prose:")
            if line.strip().startswith(closer) and line.strip().strip(closer[0]) == "":
                fence = None
                continue
            if not fence.startswith("prose:"):
                continue
        line = INLINE_CODE.sub(lambda m: " " * len(m.group(0)), line)
        line = OFFICIAL_LINK.sub(lambda m: " " * len(m.group(0)), line)
        out.append((n, line))
    return out


def check(tree: Tree) -> list[Problem]:
    terms = [t for t in load(tree.root) if t.get("avoid")]
    problems: list[Problem] = []
    for path in tree.walk("docs"):
        if not path.name.endswith(".ko.md"):
            continue
        sf = tree.source(path)
        if sf is None:
            continue
        for n, line in prose_lines(sf.text):
            for t in terms:
                for bad in t["avoid"]:
                    if bad in line:
                        why = f" ({t['why']})" if t.get("why") else ""
                        problems.append(Problem(sf.rel, n, "glossary", f"{bad!r}: write {t['preferred']!r}{why}",
                                                "data/glossary.yaml lists the terms to avoid"))
    return problems
