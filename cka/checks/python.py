"""ruff: the project's own Python (cka/, hooks/, tests/) for errors a test may not reach: names that
are not defined, imports that are not used or not found, syntax errors (rules F and E9)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .base import Check, Context, one_line, run_process
from .core import Problem, SourceFile

TOPS = ("cka/", "hooks/", "tests/")
RULES = "F,E9"


def ruff_binary() -> str:
    """ruff comes with the project's Python dependencies (versions.yaml), next to this interpreter."""
    return str(Path(sys.executable).with_name("ruff"))


def run(files: list[SourceFile], ctx: Context) -> list[Problem]:
    if not files:
        return []
    by_path = {str(sf.path): sf for sf in files}
    proc = run_process([ruff_binary(), "check", "--no-cache", "--isolated", "--select", RULES,
                        "--output-format", "json", *by_path])
    try:
        items = json.loads(proc.stdout or "[]")
    except ValueError:
        return [Problem(files[0].rel, 1, "python", one_line(proc.stderr or proc.stdout or "ruff failed"))]
    problems = []
    for item in items:
        sf = by_path.get(item.get("filename", ""))
        if sf is None:
            continue
        line = (item.get("location") or {}).get("row") or 1
        problems.append(Problem(sf.rel, line, "python", f"{item.get('code')}: {item.get('message')}",
                                f"https://docs.astral.sh/ruff/rules/{(item.get('url') or '').rsplit('/', 1)[-1]}"
                                if item.get("url") else ""))
    return problems


CHECK = Check(
    name="python", run=run, binary=None, label="Python",
    # the test corpora under tests/validate/ are trees of their own, checked by their tests
    wants=lambda sf, ctx: sf.path.suffix == ".py" and sf.rel.startswith(TOPS) and not sf.rel.startswith("tests/validate/"),
)
