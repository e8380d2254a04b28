#!/usr/bin/env python3
"""Static checks of manifests, snippets and pages, offline, in seconds.

    scripts/validate.py [--root DIR] [--no-install] [--jobs N] [--no-cache]

Files are found by type under manifests/, snippets/ and docs/ (and the project's
own shell scripts and workflows); nothing has to be registered:

  yamllint      every YAML file (.yamllint.yaml)
  kubeconform   Kubernetes objects, -strict, against schemas of the pinned version
  kubeadm       kubeadm.k8s.io configuration files (kubeadm config validate)
  configcheck   kubeconfig and component configuration (KubeletConfiguration, ...)
  kind          kind.x-k8s.io cluster configurations (kind's own loader)
  etcd          etcd configuration files (etcd --config-file; etcd's own loader)
  chainsaw      chainsaw-test.yaml files (chainsaw's JSON schemas, as chainsaw lint)
  haproxy       manifests/**/*.cfg (haproxy -c)
  cni           manifests/**/*.conflist, *.conf, *.json
  shellcheck    snippets/**/*.sh and the project's shell scripts (also bash -n)
  actionlint    .github/workflows/*.yml
  pages         language twins, --8<-- includes and their sections, orphan files

A file that declares `# Broken: ...` and `# Expect-invalid: <tool>: <text>` must be
rejected by that tool with that text. Prints `path:line: [tool] message` per
problem and a summary; exits 1 when there is a problem. Installs the pinned tools
first (instant when they are there) unless --no-install.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))

import tools  # noqa: E402
from validation import checks, pages, schemas  # noqa: E402
from validation.core import (  # noqa: E402
    CHAINSAW_FILE,
    CNI_EXT,
    SHELL_SHEBANG,
    YAML_EXT,
    Problem,
    SourceFile,
    Tree,
    scan_docs,
)

# Tools that decide how files are routed; the others are installed when a file needs them.
BASE_TOOLS = ["kubeconform", "k8s-schemas", "configcheck"]
# Check name -> tool (scripts/tools.py name) it runs.
CHECK_TOOLS = {
    "kubeconform": "kubeconform",
    "kubeadm": "kubernetes",
    "configcheck": "configcheck",
    "kind": "kindcheck",
    "etcd": "etcdcheck",
    "chainsaw": "chainsaw-schemas",
    "haproxy": "haproxy",
    "shellcheck": "shellcheck",
    "actionlint": "actionlint",
}
# Groups whose files have a checker of their own, so kubeconform must not look for a schema.
OWN_CHECKER_GROUPS = {
    "kubeadm.k8s.io": "kubeadm",
    "kind.x-k8s.io": "kind",
    "chainsaw.kyverno.io": "chainsaw",
}
# Groups of CustomResourceDefinitions that the practice cluster installs (scripts/cluster.py):
# kubeconform has no schema for them; the lab's server-side dry run checks them against the
# installed CRDs (their openAPI schema and CEL rules).
CRD_GROUPS = {"gateway.networking.k8s.io"}
SEMANTIC = {"etcd", "kubeconform", "kubeadm", "configcheck", "kind", "chainsaw", "haproxy", "cni", "shellcheck", "actionlint"}


class Plan:
    """Which file goes to which tool."""

    def __init__(self):
        self.by_tool: dict[str, list[SourceFile]] = {}
        self.skip_gvks: set[str] = set()
        self.problems: list[Problem] = []
        self.counts = Counter()

    def add(self, tool: str, sf: SourceFile) -> None:
        exp = sf.expected_tools
        if exp and tool in SEMANTIC and tool not in exp:
            return  # a file meant to fail one tool is checked by that tool only
        if exp and tool == "bash" and "shellcheck" not in exp and "bash" not in exp:
            return
        if "yamllint" in exp and tool != "yamllint":
            return
        lst = self.by_tool.setdefault(tool, [])
        if not lst or lst[-1] is not sf:
            lst.append(sf)


def make_plan(tree: Tree, schema_index: set[str], config_kinds: set[str]) -> Plan:
    plan = Plan()
    for path in tree.content_files():
        rel = tree.rel(path)
        top = rel.split("/", 1)[0]
        suffix = path.suffix.lower()
        if suffix in YAML_EXT:
            sf = tree.source(path)
            if sf is None:
                continue
            plan.counts["YAML"] += 1
            plan.add("yamllint", sf)
            if top == "manifests":
                route_yaml(plan, sf, schema_index, config_kinds)
        elif top == "manifests" and suffix == ".cfg":
            sf = tree.source(path)
            if sf:
                plan.counts["HAProxy"] += 1
                plan.add("haproxy", sf)
        elif top == "manifests" and suffix in CNI_EXT:
            sf = tree.source(path)
            if sf:
                if suffix == ".json" and '"apiVersion"' in sf.text and '"kind"' in sf.text:
                    plan.counts["manifest"] += 1
                    plan.add("kubeconform", sf)
                else:
                    plan.counts["CNI"] += 1
                    plan.add("cni", sf)
        elif suffix == ".sh" and top in ("snippets", "manifests"):
            add_shell(plan, tree, path)
    for top in ("scripts", ".ci"):
        for path in tree.walk(top):
            if path.suffix == ".sh" or (not path.suffix and _has_shell_shebang(path)):
                add_shell(plan, tree, path)
    for path in tree.walk(".github/workflows"):
        if path.suffix.lower() in YAML_EXT:
            sf = tree.source(path)
            if sf:
                plan.counts["workflow"] += 1
                plan.add("actionlint", sf)
    _check_expectations_routable(plan, tree)
    return plan


def _has_shell_shebang(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            first = fh.readline(200).decode("utf-8", "replace")
    except OSError:
        return False
    return bool(SHELL_SHEBANG.match(first))


def add_shell(plan: Plan, tree: Tree, path: Path) -> None:
    sf = tree.source(path)
    if sf is None:
        return
    plan.counts["shell"] += 1
    plan.add("bash", sf)
    plan.add("shellcheck", sf)


def route_yaml(plan: Plan, sf: SourceFile, schema_index: set[str], config_kinds: set[str]) -> None:
    docs = scan_docs(sf.text)
    groups = {d.group for d in docs}
    if not docs and checks.is_etcd_config(sf.text):
        plan.counts["etcd config"] += 1
        plan.add("etcd", sf)
        return
    if sf.path.name == CHAINSAW_FILE or "chainsaw.kyverno.io" in groups:
        plan.counts["chainsaw test"] += 1
        plan.add("chainsaw", sf)
        return
    if "kubeadm.k8s.io" in groups:
        plan.counts["kubeadm config"] += 1
        plan.add("kubeadm", sf)
        # kubeadm validates the KubeletConfiguration/KubeProxyConfiguration documents beside it.
        plan.skip_gvks |= {d.gvk for d in docs}
        rest = []
    else:
        rest = docs
    normal = []
    for d in rest:
        owner = OWN_CHECKER_GROUPS.get(d.group)
        if d.group in CRD_GROUPS:
            plan.counts["custom resource (lab only)"] += 1
            plan.skip_gvks.add(d.gvk)
        elif owner:
            plan.counts[f"{owner} config"] += 1
            plan.add(owner, sf)
            plan.skip_gvks.add(d.gvk)
        elif d.gvk not in schema_index and d.gvk in config_kinds:
            plan.counts["component config"] += 1
            plan.add("configcheck", sf)
            plan.skip_gvks.add(d.gvk)
        else:
            normal.append(d)
    if normal or not docs:
        plan.counts["manifest"] += 1
        plan.add("kubeconform", sf)


def _check_expectations_routable(plan: Plan, tree: Tree) -> None:
    checked: dict[str, set[str]] = {}
    for tool, files in plan.by_tool.items():
        for sf in files:
            checked.setdefault(sf.rel, set()).add(tool)
    for sf in tree._cache.values():
        for e in sf.expectations:
            if e.tool not in checked.get(sf.rel, set()):
                plan.problems.append(
                    Problem(sf.rel, e.line, "expect", f"Expect-invalid names {e.tool!r}, which does not check this file",
                            "tools: " + ", ".join(sorted(checked.get(sf.rel, set()) | {"yamllint"})))
                )
        if sf.expectations and not sf.broken:
            plan.problems.append(
                Problem(sf.rel, sf.expectations[0].line, "expect", "declares Expect-invalid but no '# Broken: <what is wrong>'")
            )


def apply_expectations(tree: Tree, problems: list[Problem]) -> list[Problem]:
    """Turn the expected errors of `# Expect-invalid` files into passes, and their absence into problems."""
    out = []
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.path, []).append(p)
    for rel, sf in tree._cache.items():
        if not sf.expectations:
            continue
        probs = by_file.get(rel, [])
        for e in sf.expectations:
            mine = [p for p in probs if p.tool == e.tool]
            if not mine:
                out.append(Problem(rel, e.line, e.tool, f"expected {e.tool} to reject this file with {e.text!r}, but it accepted it",
                                   "fix the example so it is broken as described, or remove Expect-invalid"))
            elif not any(e.text.lower() in p.message.lower() for p in mine):
                got = "; ".join(p.message for p in mine)
                out.append(Problem(rel, e.line, e.tool, f"expected an error containing {e.text!r}, got: {got}",
                                   "update the Expect-invalid text to the tool's message"))
        expected = {e.tool for e in sf.expectations}
        by_file[rel] = [p for p in probs if p.tool not in expected]
    return [p for ps in by_file.values() for p in ps] + out


YAML_TOOLS = {"etcd", "kubeconform", "kubeadm", "configcheck", "kind", "chainsaw"}


def _drop_consequences(problems: list[Problem]) -> list[Problem]:
    """A file that does not parse is reported once, by the syntax check, not again by every tool after it."""
    bad_yaml = {p.path for p in problems if p.tool == "yamllint" and ("(syntax)" in p.message or "(key-duplicates)" in p.message)}
    bad_shell = {p.path for p in problems if p.tool == "bash"}
    return [
        p
        for p in problems
        if not (p.path in bad_yaml and p.tool in YAML_TOOLS) and not (p.path in bad_shell and p.tool == "shellcheck")
    ]


def ensure_tools(names: list[str], install: bool) -> None:
    if install:
        tools.ensure(names, quiet=True)
    missing = [t.name for t in tools.select(tools.registry(), names) if tools.status(t) != "ok"]
    if missing:
        raise tools.ToolError(f"tools not installed: {', '.join(missing)}; run `make tools`")


def run_checks(tree: Tree, jobs: int, use_cache: bool, install: bool = False) -> tuple[list[Problem], Counter]:
    b = tools.tool_path
    ensure_tools(BASE_TOOLS, install)
    schema_dir = next(t.dir for t in tools.registry() if t.name == "k8s-schemas")
    chainsaw_dir = next(t.dir for t in tools.registry() if t.name == "chainsaw-schemas")
    versions = tools.load_versions()
    minor = str(versions["kubernetes"]["minor"])
    schema_index = {f"{e['apiVersion']}/{e['kind']}" for e in schemas.load_index(schema_dir)}
    config_kinds = checks.configcheck_kinds(b("configcheck"))
    plan = make_plan(tree, schema_index, config_kinds)
    ensure_tools(sorted({CHECK_TOOLS[c] for c in plan.by_tool if c in CHECK_TOOLS}), install)
    cache = checks.ResultCache(tools.cache_dir() / "validate-cache.json" if use_cache else None)
    config = tree.root / ".yamllint.yaml"
    if not config.exists():
        config = ROOT / ".yamllint.yaml"
    f = plan.by_tool.get

    def c(name: str, binary: str, run):
        """Run a per-file check through the result cache (the result depends on the file and the tool only)."""
        files = f(name, [])
        if name == "shellcheck":  # a file that sources another one is checked afresh every time
            cacheable = [sf for sf in files if not re.search(r"^\s*(source|\.)\s+\S", sf.text, re.M)]
            return checks.cached(cache, name, checks.tool_key(binary), cacheable, run) + (
                run([sf for sf in files if sf not in cacheable]) if len(cacheable) < len(files) else []
            )
        return checks.cached(cache, name, checks.tool_key(binary), files, run)

    tasks = {
        "yamllint": lambda: checks.yamllint(f("yamllint", []), config, jobs, cache),
        "kubeconform": lambda: checks.kubeconform(
            f("kubeconform", []), b("kubeconform"), schema_dir, plan.skip_gvks, jobs, minor, cache
        ),
        "kubeadm": lambda: c("kubeadm", b("kubeadm"), lambda fs: checks.kubeadm(fs, b("kubeadm"), jobs)),
        "configcheck": lambda: c("configcheck", b("configcheck"), lambda fs: checks.configcheck(fs, b("configcheck"))),
        "kind": lambda: c("kind", b("kindcheck"), lambda fs: checks.kindcheck(fs, b("kindcheck"))),
        "etcd": lambda: c("etcd", b("etcdcheck"), lambda fs: checks.etcdcheck(fs, b("etcdcheck"), jobs)),
        # What `chainsaw lint test` does (its own JSON schemas), for all files in one kubeconform run.
        "chainsaw": lambda: checks.kubeconform(
            f("chainsaw", []), b("kubeconform"), chainsaw_dir, set(), jobs, minor, cache,
            location=os.path.join(str(chainsaw_dir), "{{ .ResourceKind }}{{ .KindSuffix }}.json"), tool="chainsaw",
        ),
        "haproxy": lambda: c("haproxy", b("haproxy"), lambda fs: checks.haproxy(fs, b("haproxy"), jobs)),
        "cni": lambda: checks.cni(f("cni", [])),
        "shellcheck": lambda: c("shellcheck", b("shellcheck"), lambda fs: checks.shellcheck(fs, b("shellcheck"), jobs)),
        "bash": lambda: c("bash", "/bin/bash", lambda fs: checks.bash_syntax(fs, jobs)),
        "actionlint": lambda: checks.actionlint(f("actionlint", []), b("actionlint")),
        "pages": lambda: pages.check(tree)[0],
    }
    problems = list(plan.problems)
    with ThreadPoolExecutor(max(4, jobs * 2)) as ex:
        futures = {name: ex.submit(fn) for name, fn in tasks.items() if name == "pages" or f(name)}
        for name, fut in futures.items():
            try:
                problems += fut.result()
            except (OSError, RuntimeError) as exc:
                problems.append(Problem(".", 1, name, f"the check could not run: {exc}", "run `make tools`"))
            except Exception as exc:  # a bug in this script, not in the checked files: still no traceback
                problems.append(Problem(".", 1, name, f"internal error of scripts/validation ({type(exc).__name__}: {exc})",
                                        "please report it with the file that triggers it"))
    cache.save()
    problems += tree.unreadable
    problems = _drop_consequences(problems)
    problems = apply_expectations(tree, problems)
    return sorted(set(problems)), plan.counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="validate.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="tree to check (default: the repository)")
    parser.add_argument("--no-install", action="store_true", help="do not run the tools installer first")
    parser.add_argument("--no-cache", action="store_true", help="ignore cached results of unchanged files")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2, help="parallel workers")
    args = parser.parse_args(argv)
    start = time.monotonic()
    if not args.root.is_dir():
        print(f"error: {args.root} is not a directory", file=sys.stderr)
        return 2
    try:
        tree = Tree(args.root)
        problems, counts = run_checks(tree, max(args.jobs, 1), not args.no_cache, install=not args.no_install)
    except tools.ToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for p in problems:
        print(p.text())
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for p in problems:
            print(p.annotation())
    checked = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing"
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
