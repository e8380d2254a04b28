"""Running the checks on a tree: which file goes to which check, the expected failures of
`# Expect-invalid` files, and one sorted list of problems."""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from .. import tools
from ..cache import cache_dir
from ..errors import ProjectError
from . import CHECKS
from .base import Check, Context
from .cache import ResultCache, cached, tool_key
from .core import SHELL_SHEBANG, Problem, SourceFile, Tree

# Tools the routing of YAML files needs (schemas, component config kinds), whatever the files are.
ROUTING_TOOLS = ["kubeconform", "k8s-schemas", "configcheck"]
# Names a contributor may write after `# Expect-invalid:`, mapped to a check's name.
ALIASES = {alias: c.name for c in CHECKS for alias in (c.name, *c.aliases)}


def candidates(tree: Tree) -> list[SourceFile]:
    """Every file a check may want: the content folders, the project's shell scripts, the workflows."""
    files = [tree.source(p) for p in tree.content_files()]
    for top in ("scripts", ".ci"):
        for path in tree.walk(top):
            if path.suffix == ".sh" or (not path.suffix and _has_shell_shebang(path)):
                files.append(tree.source(path))
    files += [tree.source(p) for p in tree.walk(".github/workflows")]
    files += [tree.source(p) for top in ("cka", "hooks", "tests") for p in tree.walk(top) if p.suffix == ".py"]
    return [sf for sf in files if sf is not None]


def _has_shell_shebang(path) -> bool:
    try:
        with open(path, "rb") as fh:
            first = fh.readline(200).decode("utf-8", "replace")
    except OSError:
        return False
    return bool(SHELL_SHEBANG.match(first))


def plan(ctx: Context, files: list[SourceFile]) -> dict[str, list[SourceFile]]:
    """Check name -> its files. A file meant to fail one tool (`# Expect-invalid`) goes to that tool only
    (and yamllint, which every YAML file passes through, unless yamllint is the expected one)."""
    by_check: dict[str, list[SourceFile]] = {c.name: [] for c in CHECKS}
    for sf in files:
        expected = sf.expected_tools
        for check in CHECKS:
            if check.whole_tree or not check.wants(sf, ctx):
                continue
            if expected:
                if "yamllint" in expected and check.name != "yamllint":
                    continue
                if check.name not in ("yamllint", "bash") and check.name not in expected:
                    continue
                if check.name == "bash" and not expected & {"bash", "shellcheck"}:
                    continue
            by_check[check.name].append(sf)
    return by_check


def expectation_problems(tree: Tree, by_check: dict[str, list[SourceFile]]) -> list[Problem]:
    checked: dict[str, set[str]] = {}
    for name, files in by_check.items():
        for sf in files:
            checked.setdefault(sf.rel, set()).add(name)
    problems = []
    for sf in tree.loaded():
        for e in sf.expectations:
            if e.tool not in checked.get(sf.rel, set()):
                problems.append(Problem(sf.rel, e.line, "expect",
                                        f"Expect-invalid names {e.tool!r}, which does not check this file",
                                        "tools: " + ", ".join(sorted(checked.get(sf.rel, set()) | {"yamllint"}))))
        if sf.expectations and not sf.broken:
            problems.append(Problem(sf.rel, sf.expectations[0].line, "expect",
                                    "declares Expect-invalid but no '# Broken: <what is wrong>'"))
    return problems


def apply_expectations(tree: Tree, problems: list[Problem]) -> list[Problem]:
    """Turn the expected errors of `# Expect-invalid` files into passes, and their absence into problems."""
    out = []
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.path, []).append(p)
    for sf in tree.loaded():
        if not sf.expectations:
            continue
        probs = by_file.get(sf.rel, [])
        for e in sf.expectations:
            mine = [p for p in probs if p.tool == e.tool]
            if not mine:
                out.append(Problem(sf.rel, e.line, e.tool,
                                   f"expected {e.tool} to reject this file with {e.text!r}, but it accepted it",
                                   "fix the example so it is broken as described, or remove Expect-invalid"))
            elif not any(e.text.lower() in p.message.lower() for p in mine):
                got = "; ".join(p.message for p in mine)
                out.append(Problem(sf.rel, e.line, e.tool, f"expected an error containing {e.text!r}, got: {got}",
                                   "update the Expect-invalid text to the tool's message"))
        expected = {e.tool for e in sf.expectations}
        by_file[sf.rel] = [p for p in probs if p.tool not in expected]
    return [p for ps in by_file.values() for p in ps] + out


def drop_consequences(problems: list[Problem]) -> list[Problem]:
    """A file that does not parse is reported once, by the syntax check, not again by every tool after it."""
    yaml_checks = {c.name for c in CHECKS if c.yaml_semantics}
    bad_yaml = {p.path for p in problems if p.tool == "yamllint" and ("(syntax)" in p.message or "(key-duplicates)" in p.message)}
    bad_shell = {p.path for p in problems if p.tool == "bash"}
    return [p for p in problems
            if not (p.path in bad_yaml and p.tool in yaml_checks) and not (p.path in bad_shell and p.tool == "shellcheck")]


def ensure_tools(names: list[str], install: bool) -> None:
    if install:
        tools.ensure(names, quiet=True)
    missing = [t.name for t in tools.select(tools.registry(), names) if tools.status(t) != "ok"]
    if missing:
        raise ProjectError(f"tools not installed: {', '.join(missing)}; run `make tools`")


def _run_one(check: Check, files: list[SourceFile], ctx: Context) -> list[Problem]:
    if check.binary is None:
        return check.run(files, ctx)
    binary = ctx.bin(check.binary) if not check.binary.startswith("/") else check.binary
    key = tool_key(binary)
    if check.name == "shellcheck":  # a file that sources another one is checked afresh every time
        sources = re.compile(r"^\s*(source|\.)\s+\S", re.M)
        fresh = [sf for sf in files if sources.search(sf.text)]
        return cached(ctx.cache, check.name, key, [sf for sf in files if sf not in fresh],
                      lambda fs: check.run(fs, ctx)) + (check.run(fresh, ctx) if fresh else [])
    return cached(ctx.cache, check.name, key, files, lambda fs: check.run(fs, ctx))


def run_checks(tree: Tree, jobs: int, use_cache: bool, install: bool = False,
               only: set[str] | None = None) -> tuple[list[Problem], Counter]:
    """Every check (or the `only` ones) on the tree: (sorted problems, files checked by kind)."""
    ensure_tools(ROUTING_TOOLS, install)
    ctx = Context(tree=tree, jobs=jobs, cache=ResultCache(cache_dir() / "validate-cache.json" if use_cache else None))
    files = candidates(tree)
    by_check = plan(ctx, files)
    chosen = [c for c in CHECKS if (only is None or c.name in only) and (c.whole_tree or by_check[c.name])]
    ensure_tools(sorted({t for c in chosen for t in c.tools}), install)
    counts = Counter()
    for c in CHECKS:
        if c.label:
            counts[c.label] += len(by_check[c.name])
    problems = expectation_problems(tree, by_check)
    # kubeconform's skip list comes from every file's routing: settle it before anything runs.
    with ThreadPoolExecutor(max(4, jobs * 2)) as ex:
        futures = {c.name: ex.submit(_run_one, c, by_check[c.name], ctx) for c in chosen}
        for name, fut in futures.items():
            try:
                problems += fut.result()
            except (OSError, RuntimeError) as exc:
                problems.append(Problem(".", 1, name, f"the check could not run: {exc}", "run `make tools`"))
            except ProjectError as exc:
                problems.append(Problem(".", 1, name, str(exc)))
            except Exception as exc:  # a bug in a check, not in the checked files: still no traceback
                problems.append(Problem(".", 1, name, f"internal error of cka/checks/{name}.py "
                                        f"({type(exc).__name__}: {exc})", "please report it with the file that triggers it"))
    ctx.cache.save()
    problems += tree.unreadable
    problems = drop_consequences(problems)
    problems = apply_expectations(tree, problems)
    return sorted(set(problems)), counts
