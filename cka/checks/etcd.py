"""etcdcheck (scripts/go/etcdcheck): etcd configuration files (etcd --config-file), through etcd's own loader."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from .base import Check, in_manifests_yaml, run_process
from .core import Problem, SourceFile, find_line
from .linetool import quoted_value_line


def etcdcheck(files: list[SourceFile], binary: str, jobs: int) -> list[Problem]:
    def one(sf: SourceFile) -> list[Problem]:
        proc = run_process([binary, str(sf.path)])
        if proc.returncode == 0:
            return []
        msgs = [ln[len(str(sf.path)) + 2 :] for ln in proc.stdout.splitlines() if ln.startswith(str(sf.path) + ": ")]
        # etcd's loader exits by itself on some errors, printing one plain line (its logs are JSON).
        msgs += [ln.strip() for ln in proc.stderr.splitlines() if ln.strip() and not ln.lstrip().startswith("{")]
        out = []
        for m in msgs or ["rejected"]:
            line = None
            key = re.search(r'unknown field "([^"]+)"|setting up ([a-z-]+):|^([a-z-]+) ', m)
            if key:
                line = find_line(sf.text, next(g for g in key.groups() if g))
            out.append(Problem(sf.rel, line or quoted_value_line(sf.text, m) or 1, "etcd", m))
        return out

    with ThreadPoolExecutor(max(jobs, 1)) as ex:
        return [p for ps in ex.map(one, files) for p in ps]



CHECK = Check(
    name="etcd", tool="etcdcheck", binary="etcdcheck", yaml_semantics=True, aliases=("etcdcheck",),
    label="etcd config", wants=lambda sf, ctx: in_manifests_yaml(sf) and "etcd" in ctx.owner(sf).values(),
    run=lambda files, ctx: etcdcheck(files, ctx.bin("etcdcheck"), ctx.jobs),
)
