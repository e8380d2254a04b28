"""Coverage: every Kubernetes manifest is applied by the lab test of its folder, and every
snippet is run by some lab test, or its `# Runs on:` header says where it runs instead.
No cluster is needed: the lab (cka.labs.manifests) runs the same check before it starts."""

from __future__ import annotations

import re
from pathlib import Path

from .. import content
from .base import Check, Context
from .core import Problem, SourceFile

FILE_NAME = re.compile(r"[\w./*?$-]+\.ya?ml")
# A snippet that a lab of its own runs (the HA lab) says so in its `# Runs on:` header.
RUN_BY_A_LAB = re.compile(r"\bmake lab-ha\b")


def applied_by(test_text: str, folder: Path) -> set[Path]:
    """Files of `folder` that a lab test names, directly or through a glob such as role-*.yaml."""
    names: set[Path] = set()
    for token in FILE_NAME.findall(test_text):
        names.update(folder.glob(token.rsplit("/", 1)[-1]))
    return names


def problems_in(root: Path, manifests: list[Path], snippets: list[SourceFile]) -> tuple[list[Problem], list[str]]:
    """(problems, snippets that run elsewhere with where): the coverage of a tree."""
    tests = {p.parent: p.read_text(encoding="utf-8") for p in sorted((root / "manifests").rglob(content.LAB_TEST))}
    found: list[Problem] = []
    for manifest in manifests:
        rel = manifest.relative_to(root).as_posix()
        test = tests.get(manifest.parent)
        if test is None:
            found.append(Problem(rel, 1, "coverage", f"its folder has no {content.LAB_TEST}, so the lab never applies it",
                                 f"add {Path(rel).parent.as_posix()}/{content.LAB_TEST} that applies and asserts it"))
        elif manifest not in applied_by(test, manifest.parent):
            found.append(Problem(rel, 1, "coverage",
                                 f"{Path(rel).parent.as_posix()}/{content.LAB_TEST} never applies it",
                                 "apply it in a step of that test and assert what working means for it"))
    everything = "\n".join(tests.values())
    elsewhere = []
    for sf in snippets:
        if not sf.rel.startswith("snippets/") or sf.rel in everything:  # by path: two domains may share a name
            continue
        declared = content.header(sf.text)
        if RUN_BY_A_LAB.search(declared.runs_on):
            continue
        if declared.runs_on and not declared.runs_in_lab:
            elsewhere.append(f"{sf.rel}: {declared.runs_on}")
            continue
        line = next((n for n, text in enumerate(sf.text.splitlines(), 1) if text.startswith("# Runs on:")), 1)
        found.append(Problem(sf.rel, line, "coverage", "no lab test runs it, and its `# Runs on:` header says it could",
                             "run it from a chainsaw-test.yaml script step, or say where it runs in `# Runs on:`"))
    return found, elsewhere


def run(files: list[SourceFile], ctx: Context) -> list[Problem]:
    manifests = [sf.path for sf in files if sf.kind == content.MANIFEST]
    snippets = [sf for sf in files if sf.kind == content.SNIPPET]
    return problems_in(ctx.root, manifests, snippets)[0]


CHECK = Check(name="coverage", run=run, yaml_semantics=True, wants=lambda sf, ctx: sf.kind in (content.MANIFEST, content.SNIPPET))
