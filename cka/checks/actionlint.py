"""actionlint: the GitHub Actions workflows (.github/workflows/*.yml)."""

from __future__ import annotations

import json

from .base import Check, one_line, run_process
from .core import Problem, SourceFile


def actionlint(files: list[SourceFile], binary: str) -> list[Problem]:
    if not files:
        return []
    proc = run_process([binary, "-format", "{{json .}}"] + [str(sf.path) for sf in files])
    by_path = {str(sf.path): sf for sf in files}
    try:
        items = json.loads(proc.stdout or "[]")
    except ValueError:
        return [Problem(files[0].rel, 1, "actionlint", one_line(proc.stderr or proc.stdout or "failed"))]
    problems = []
    for it in items or []:
        sf = by_path.get(it.get("filepath")) or next((s for p, s in by_path.items() if p.endswith(it.get("filepath", "?"))), None)
        if sf:
            problems.append(Problem(sf.rel, it.get("line", 1), "actionlint", f"{it.get('message')} [{it.get('kind')}]"))
    return problems



CHECK = Check(
    name="actionlint", tool="actionlint", label="workflow",
    wants=lambda sf, ctx: sf.rel.startswith(".github/workflows/") and sf.path.suffix.lower() in (".yml", ".yaml"),
    run=lambda files, ctx: actionlint(files, ctx.bin("actionlint")),
)
