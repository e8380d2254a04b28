"""Static checks of manifests, snippets, pages and practice tasks, offline, in seconds: `make validate`.

    python -m cka.checks [--root DIR] [--no-install] [--jobs N] [--no-cache] [--only NAME,...] [--freshness]

Files are found by what they are (cka.content.classify); nothing has to be registered.
Each check is a module of cka/checks/ (listed in cka/checks/__init__.py): yamllint,
kubeconform, kubeadm, configcheck, kind, etcd, chainsaw, haproxy, cni, bash, shellcheck,
actionlint, pages, glossary (terms data/glossary.yaml says to avoid, in Korean prose), practice
(task files: schema and their shell), coverage (every manifest applied and every snippet run by
a lab test).

Then it warns, without failing, about pages whose one language changed in a later commit than
the other (git history; commits marked [one-language] do not count); --freshness prints only that.

A file that declares `# Broken: ...` and `# Expect-invalid: <tool>: <text>` must be rejected
by that tool with that text. Prints `path:line: [tool] message` per problem and a summary;
exits 1 when there is a problem. Installs the pinned tools first (instant when they are
there) unless --no-install.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

from ..errors import ProjectError
from ..paths import ROOT
from . import CHECKS, freshness
from .core import Tree
from .run import ALIASES, run_checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cka.checks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="tree to check (default: the repository)")
    parser.add_argument("--no-install", action="store_true", help="do not run the tools installer first")
    parser.add_argument("--no-cache", action="store_true", help="ignore cached results of unchanged files")
    parser.add_argument("--only", help="run only these checks (comma-separated names)")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2, help="parallel workers")
    parser.add_argument("--freshness", action="store_true", help="only list pages whose translation is behind")
    args = parser.parse_args(argv)
    start = time.monotonic()
    if not args.root.is_dir():
        print(f"error: {args.root} is not a directory", file=sys.stderr)
        return 2
    gha = os.environ.get("GITHUB_ACTIONS") == "true"
    for warning in freshness.stale(args.root.resolve()):
        print(warning.annotation() if gha else warning.text())
    if args.freshness:
        return 0
    only = None
    if args.only:
        only = {n.strip() for n in args.only.split(",") if n.strip()}
        unknown = only - {c.name for c in CHECKS}
        if unknown:
            print(f"error: unknown check {', '.join(sorted(unknown))}; checks: {', '.join(c.name for c in CHECKS)}",
                  file=sys.stderr)
            return 2
    try:
        tree = Tree(args.root, ALIASES)
        problems, counts = run_checks(tree, max(args.jobs, 1), not args.no_cache, install=not args.no_install, only=only)
    except ProjectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for p in problems:
        print(p.text())
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for p in problems:
            print(p.annotation())
    checked = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()) if n) or "nothing"
    elapsed = time.monotonic() - start
    if problems:
        per_tool = Counter(p.tool for p in problems)
        print(f"\nvalidate: {len(problems)} problem{'s' * (len(problems) != 1)} "
              f"({', '.join(f'{t} {n}' for t, n in sorted(per_tool.items()))}) in {checked} [{elapsed:.1f}s]")
        return 1
    print(f"validate: no problems in {checked} [{elapsed:.1f}s]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
