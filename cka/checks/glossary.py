"""The Korean glossary check: a term that data/glossary.yaml says to avoid, in the prose of a Korean page.

Prose is everything of a `*.ko.md` page except fenced code blocks (a Mermaid diagram's labels are
prose and are checked), inline code, and the text of a link to kubernetes.io (it may quote the
title of an official page). Each hit names the file, the line and the preferred term.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .. import content
from ..paths import GLOSSARY_FILE
from ..yamlfile import LOADER
from .base import Check, Context
from .core import Problem, SourceFile

GLOSSARY = Path("data") / "glossary.yaml"
FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w-]*)")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
# [text](https://kubernetes.io/...): the text may be an official page's title.
OFFICIAL_LINK = re.compile(r"\[([^\]]*)\]\(https?://kubernetes\.io/[^)]*\)")
PROSE_FENCES = {"mermaid"}


def load(root: Path) -> list[dict]:
    """The glossary's terms, from the tree's data/glossary.yaml or else the repository's."""
    path = root / GLOSSARY
    if not path.is_file():
        path = GLOSSARY_FILE
    return (yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER) or {}).get("terms") or []


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


# A version token followed by a particle whose form depends on how the number ends (1.35는 but 1.36은):
# the right particle changes with the pinned version, so write "{{ k8s.minor }} 버전은" or reword.
VERSION_PARTICLE = re.compile(r"\{\{\s*k8s\.\w+\s*\}\}(은|는|이|가|을|를|과|와|으로|로|이다|다)(?![가-힣]*\s*\}\})")


def run(files: list[SourceFile], ctx: Context) -> list[Problem]:
    terms = [t for t in load(ctx.root) if t.get("avoid")]
    problems: list[Problem] = []
    for sf in files:
        for n, line in enumerate(sf.text.splitlines(), 1):
            for m in VERSION_PARTICLE.finditer(line):
                problems.append(Problem(sf.rel, n, "glossary", f"{m.group(1)!r} after a version: the particle's form depends "
                                        "on the number's last digit, which changes with versions.yaml",
                                        "write the word 버전 before the particle ({{ k8s.minor }} 버전은) or reword"))
        for n, line in prose_lines(sf.text):
            for t in terms:
                for bad in t["avoid"]:
                    if bad in line:
                        why = f" ({t['why']})" if t.get("why") else ""
                        problems.append(Problem(sf.rel, n, "glossary", f"{bad!r}: write {t['preferred']!r}{why}",
                                                "data/glossary.yaml lists the terms to avoid"))
    return problems


CHECK = Check(name="glossary", run=run, label="Korean page",
              wants=lambda sf, ctx: sf.kind == content.PAGE and sf.path.name.endswith(".ko.md"))
