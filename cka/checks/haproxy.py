"""haproxy -c: HAProxy configurations (manifests/**/*.cfg)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from .. import content
from .base import Check, one_line, run_process
from .core import Problem, SourceFile


def haproxy(files: list[SourceFile], binary: str, jobs: int) -> list[Problem]:
    def one(sf: SourceFile) -> list[Problem]:
        # -c: check only. -dr: a server address that does not resolve is not fatal; without it,
        # an example's host name (the lab's node names) would fail offline for no fault of the file.
        proc = run_process([binary, "-c", "-dr", "-f", str(sf.path)])
        if proc.returncode == 0:
            return []
        out = []
        for raw in (proc.stderr + proc.stdout).splitlines():
            if "[ALERT]" not in raw:
                continue
            m = re.search(r"\[[^\]]+:(\d+)\]", raw)
            msg = re.sub(r"^\[ALERT\]\s*(\(\d+\)\s*)?:\s*", "", raw.strip())
            msg = re.sub(r"^(config\s*:\s*)?(parsing\s*)?(\[[^\]]+:\d+\]\s*:\s*)?", "", msg)
            out.append(Problem(sf.rel, int(m.group(1)) if m else 1, "haproxy", msg.strip()))
        fatal = [p for p in out if "fatal errors" not in p.message.lower() and "error(s) found" not in p.message.lower()]
        return fatal or out or [Problem(sf.rel, 1, "haproxy", one_line(proc.stderr or "configuration rejected"))]

    with ThreadPoolExecutor(max(jobs, 1)) as ex:
        return [p for ps in ex.map(one, files) for p in ps]



CHECK = Check(
    name="haproxy", tool="haproxy", binary="haproxy", label="HAProxy",
    wants=lambda sf, ctx: sf.kind == content.HAPROXY,
    run=lambda files, ctx: haproxy(files, ctx.bin("haproxy"), ctx.jobs),
)
