"""kindcheck (scripts/go/kindcheck): kind.x-k8s.io cluster configurations, through kind's own loader."""

from __future__ import annotations

import re

from .base import Check, Context, in_manifests_yaml
from .core import Problem, SourceFile, find_line
from .linetool import line_tool


def run(files: list[SourceFile], ctx: Context) -> list[Problem]:
    problems = line_tool(files, [ctx.bin("kindcheck")], "kind")
    for p in problems:
        m = re.search(r"field (\S+) not found", p.message)
        if m and p.line == 1:
            p.line = find_line(next((sf.text for sf in files if sf.rel == p.path), ""), m.group(1)) or 1
    return problems


CHECK = Check(
    name="kind", run=run, tool="kindcheck", binary="kindcheck", yaml_semantics=True, aliases=("kindcheck",),
    label="kind config", wants=lambda sf, ctx: in_manifests_yaml(sf) and "kind" in ctx.owner(sf).values(),
)
