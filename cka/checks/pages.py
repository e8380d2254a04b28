"""Checks of the pages: language pairs, snippet includes and their sections, orphan files."""

from __future__ import annotations

import os
import re

from .. import content
from ..content import diagram_blocks, includes, sections, text_alternative
from ..content import split_include as _split_spec
from ..languages import languages
from .base import Check
from .core import Problem, Tree

EMPTY_CORNER = re.compile(r"^\|\s*\|")
TABLE_RULE = re.compile(r"^\|\s*:?-{3,}")


def check(tree: Tree) -> tuple[list[Problem], int]:
    """Return (problems, number of pages)."""
    problems: list[Problem] = []
    langs = languages()
    pages = [p for p in tree.walk("docs") if p.suffix == ".md"]
    rels = {tree.rel(p) for p in pages}
    for p in pages:
        rel = tree.rel(p)
        stem, lang = content.page_stem(rel)
        if lang not in langs:
            continue
        for other in langs:
            twin = f"{stem}.{other}.md"
            if other != lang and twin not in rels:
                problems.append(
                    Problem(rel, 1, "pages", f"has no {NAMES.get(other, other)} twin {twin}",
                            "every page exists in every language: " + ", ".join(f"name.{x}.md" for x in langs))
                )

    for p in pages:
        sf = tree.source(p)
        for line, diagram in diagram_blocks(sf.text) if sf else ():
            title, description = text_alternative(diagram)
            if not title or not description:
                missing = " and ".join(n for n, v in (("accTitle", title), ("accDescr", description)) if not v)
                problems.append(Problem(
                    sf.rel, line, "pages", f"this diagram has no {missing} line",
                    "add `accTitle: <what it shows>` and `accDescr: <one or two sentences>` after its first line: "
                    "they become the drawn image's alt text",
                ))

        # A table whose first header cell is empty leaves its row labels without a header
        # (screen readers, and axe's td-has-header rule, read them as unlabelled data).
        lines = sf.text.splitlines() if sf else []
        for n, (row, below) in enumerate(zip(lines, lines[1:]), 1):
            if EMPTY_CORNER.match(row) and TABLE_RULE.match(below):
                problems.append(Problem(sf.rel, n, "pages", "this table's first header cell is empty",
                                        "name the column of row labels (Aspect / 항목)"))

    included: set[str] = set()
    root = str(tree.root)
    resolved: dict[str, object] = {}
    section_cache: dict[str, tuple[dict, dict]] = {}
    for p in pages:
        sf = tree.source(p)
        if sf is None:
            continue
        for line, spec in includes(sf.text):
            path, section = _split_spec(spec)
            if re.match(r"^[a-z]+://", spec):
                problems.append(Problem(sf.rel, line, "pages", f"remote include {spec!r}", "include a file of the repository"))
                continue
            if path not in resolved:
                resolved[path] = _resolve(root, path)
            target_rel = resolved[path]
            if target_rel is OUTSIDE:
                problems.append(Problem(sf.rel, line, "pages", f"include {path!r} points outside the repository"))
                continue
            if target_rel is MISSING:
                problems.append(Problem(sf.rel, line, "pages", f"include {path!r} does not exist", _near(tree, path)))
                continue
            target = tree.root / target_rel
            included.add(target_rel)
            if section:
                if target_rel not in section_cache:
                    tsf = tree.source(target)
                    section_cache[target_rel] = sections(tsf.text) if tsf else ({}, {})
                starts, ends = section_cache[target_rel]
                if section not in starts or section not in ends:
                    have = ", ".join(sorted(starts)) or "none"
                    problems.append(
                        Problem(sf.rel, line, "pages", f"{path} has no section {section!r} (sections: {have})",
                                f"mark it with '# --8<-- [start:{section}]' and '# --8<-- [end:{section}]'")
                    )

    for top in ("manifests", "snippets"):
        for f in tree.walk(top):
            rel = tree.rel(f)
            sf = tree.source(f)
            if sf is not None:
                starts, ends = sections(sf.text)
                for name, line in starts.items():
                    if name not in ends:
                        problems.append(Problem(rel, line, "pages", f"section {name!r} has a start but no end"))
                    elif ends[name] < line:
                        problems.append(Problem(rel, ends[name], "pages", f"section {name!r} ends before it starts"))
                for name, line in ends.items():
                    if name not in starts:
                        problems.append(Problem(rel, line, "pages", f"section {name!r} has an end but no start"))
            # A lab test and a Helm chart's files are read by the lab, not shown on a page.
            if rel in included or (sf is not None and sf.kind in (content.LAB_TEST_KIND, content.CHART)):
                continue
            problems.append(
                Problem(rel, 1, "pages", "no page includes this file",
                        f'include it from its page with --8<-- "{rel}", or delete it')
            )
    return problems, len(pages)


NAMES = {"ko": "Korean", "en": "English"}
OUTSIDE, MISSING = object(), object()


def _resolve(root: str, path: str):
    """The include's path relative to the root, or OUTSIDE / MISSING (as pymdownx.snippets with base_path '.')."""
    norm = os.path.normpath(os.path.join(root, path))
    if not norm.startswith(root + os.sep):
        return OUTSIDE
    if not os.path.isfile(norm):
        return MISSING
    return norm[len(root) + 1 :].replace(os.sep, "/")


def _near(tree: Tree, path: str) -> str:
    parent = (tree.root / path).parent
    if parent.is_dir():
        names = sorted(x.name for x in parent.iterdir() if x.is_file())[:8]
        return "files there: " + ", ".join(names) if names else ""
    return "the folder does not exist either"


CHECK = Check(name="pages", whole_tree=True, run=lambda files, ctx: check(ctx.tree)[0])
