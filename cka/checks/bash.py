"""bash -n: the syntax of every shell script (before shellcheck reads it)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from .base import Check, one_line, run_process
from .core import Problem, SourceFile
from .shellcheck import is_shell


def bash_syntax(files: list[SourceFile], jobs: int) -> list[Problem]:
    def one(sf: SourceFile) -> list[Problem]:
        proc = run_process(["bash", "-n", str(sf.path)])
        out = []
        for raw in proc.stderr.splitlines():
            m = re.match(r".*?: line (\d+): (.*)", raw)
            if m:
                out.append(Problem(sf.rel, int(m.group(1)), "bash", m.group(2).strip()))
        if proc.returncode != 0 and not out:
            out.append(Problem(sf.rel, 1, "bash", one_line(proc.stderr or "syntax error")))
        return out

    with ThreadPoolExecutor(max(jobs, 1)) as ex:
        return [p for ps in ex.map(one, files) for p in ps]



CHECK = Check(name="bash", run=lambda files, ctx: bash_syntax(files, ctx.jobs), wants=is_shell, binary="/bin/bash",
              aliases=("bash -n",))
