"""shellcheck: snippets, the shell of lab tests and practice tasks, and the project's own scripts."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

from .base import Check, Context, one_line, run_process
from .core import Problem, SourceFile


def shellcheck(files: list[SourceFile], binary: str, jobs: int = 1) -> list[Problem]:
    if len(files) > 8 and jobs > 1:
        size = -(-len(files) // jobs)
        with ThreadPoolExecutor(jobs) as ex:
            parts = ex.map(lambda i: shellcheck(files[i : i + size], binary), range(0, len(files), size))
            return [p for ps in parts for p in ps]
    if not files:
        return []
    proc = run_process([binary, "-f", "json1", "-x", "--source-path=SCRIPTDIR"] + [str(sf.path) for sf in files])
    by_path = {str(sf.path): sf for sf in files}
    try:
        comments = json.loads(proc.stdout or "{}").get("comments", [])
    except ValueError:
        return [Problem(files[0].rel, 1, "shellcheck", one_line(proc.stderr or "shellcheck failed"))]
    problems = []
    for c in comments:
        sf = by_path.get(c.get("file"))
        if sf is None:
            continue
        problems.append(
            Problem(sf.rel, c.get("line", 1), "shellcheck", f"SC{c.get('code')} ({c.get('level')}): {c.get('message')}",
                    f"https://www.shellcheck.net/wiki/SC{c.get('code')}")
        )
    return problems



def is_shell(sf: SourceFile, ctx: Context) -> bool:
    return sf.path.suffix == ".sh" or getattr(sf, "shell", False)


def run(files: list[SourceFile], ctx: Context) -> list[Problem]:
    return shellcheck(files, ctx.bin("shellcheck"), ctx.jobs)


# A file that sources another one is checked afresh every time (its result depends on the other file).
SOURCES = re.compile(r"^\s*(source|\.)\s+\S", re.M)

CHECK = Check(name="shellcheck", run=run, wants=is_shell, tool="shellcheck", binary="shellcheck", label="shell")
