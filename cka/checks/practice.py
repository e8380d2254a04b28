"""Practice tasks (practice/<domain>/<id>.yaml): every field against the task schema (the page it
names exists, each competency exists in data/curriculum.yaml, ...), and the shell of its setup,
solution, reset, alternatives, wrong solutions and checks through bash -n and shellcheck, with
each finding at its line in the task file. The fixed mock exams (practice/mock-exams.yaml) against
cka.practice.mocks: every id exists and runs on the binary runtime, no task in two sets, no group
twice in a set, domain counts by the curriculum's weights."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import yaml

from .. import content
from ..practice import mocks
from ..practice.tasks import domain_names, task_errors
from ..yamlfile import LOADER
from .base import Check, Context, one_line, run_process
from .cache import cached, tool_key
from .core import Problem, SourceFile
from .shellcheck import shellcheck

SHELL_FIELDS = ("setup", "solution", "reset")
SHELL_LISTS = (("alternatives", "script"), ("wrong", "script"), ("checks", "script"))


def _node_lines(text: str) -> tuple[dict, object]:
    """The composed YAML node of a task (for line numbers) and a lookup of top-level keys -> (key line, value node)."""
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return {}, None
    keys = {}
    if isinstance(root, yaml.MappingNode):
        for k, v in root.value:
            keys[k.value] = (k.start_mark.line + 1, v)
    return keys, root


def _item_line(keys: dict, key: str, number: int) -> int | None:
    entry = keys.get(key)
    if entry and isinstance(entry[1], yaml.SequenceNode) and 0 < number <= len(entry[1].value):
        return entry[1].value[number - 1].start_mark.line + 1
    return entry[0] if entry else None


def _message_line(message: str, keys: dict) -> int:
    """The line a schema message is about: the item it numbers, else the first key it names."""
    for pattern, key in ((r"\bcheck (\d+)", "checks"), (r"wrong solution (\d+)", "wrong"),
                         (r"alternative solution (\d+)", "alternatives")):
        m = re.search(pattern, message)
        if m:
            return _item_line(keys, key, int(m.group(1))) or 1
    if "competenc" in message and "competencies" in keys:
        return keys["competencies"][0]
    for name in re.findall(r"`([\w-]+)`", message):
        if name in keys:
            return keys[name][0]
    m = re.search(r"missing keys: (.*)", message)
    return 1 if m else next((line for k, (line, _) in keys.items() if k in message), 1)


def schema_problems(sf: SourceFile) -> list[Problem]:
    try:
        data = yaml.load(sf.text, Loader=LOADER)
    except yaml.YAMLError:
        return []  # yamllint reports it
    keys, _ = _node_lines(sf.text)
    problems = []
    for error in task_errors(sf.path.stem, sf.rel, data, domain_names(), root=_tree_root(sf)):
        message = error[len(sf.rel) + 2:] if error.startswith(sf.rel + ": ") else error
        hint = "see CONTRIBUTING.md, 'A practice task'"
        problems.append(Problem(sf.rel, _message_line(message, keys), "practice", message, hint))
    return problems


def _tree_root(sf: SourceFile) -> Path:
    return Path(str(sf.path)[: -len(sf.rel)])


def shell_blocks(sf: SourceFile) -> list[tuple[str, int, str]]:
    """(what, first line of the script in the task file, script) for every shell script of a task."""
    keys, _ = _node_lines(sf.text)
    found = []

    def add(what: str, node) -> None:
        if isinstance(node, yaml.ScalarNode) and node.value.strip():
            # A block scalar (`|`) starts on the line after its indicator.
            first = node.start_mark.line + (2 if node.style in ("|", ">") else 1)
            found.append((what, first, node.value))

    for key in SHELL_FIELDS:
        if key in keys:
            add(key, keys[key][1])
    for key, field in SHELL_LISTS:
        seq = keys.get(key, (0, None))[1]
        if isinstance(seq, yaml.SequenceNode):
            for number, item in enumerate(seq.value, 1):
                if isinstance(item, yaml.MappingNode):
                    for k, v in item.value:
                        if k.value == field:
                            add(f"{key}[{number}].{field}", v)
    return found


# The environment every task script gets (cka.practice.runner.task_env); scripts run with bash -euo pipefail.
PRELUDE = "#!/usr/bin/env bash\nset -euo pipefail\n"


def with_prelude(script: str) -> str:
    """The script as bash runs it. A shellcheck directive on its first line goes before `set`, where
    shellcheck reads it for the whole script; the lines keep their numbers."""
    first, newline, rest = script.partition("\n")
    if first.lstrip().startswith("# shellcheck "):
        shebang, setting = PRELUDE.splitlines()[:2]
        return f"{shebang}\n{first.strip()}\n{setting}\n{rest}"
    return PRELUDE + script


def shell_problems(files: list[SourceFile], ctx: Context) -> list[Problem]:
    problems: list[Problem] = []
    with tempfile.TemporaryDirectory(prefix="cka-task-shell-") as tmp:
        scripts: dict[str, tuple[SourceFile, str, int]] = {}
        for sf in files:
            for number, (what, first, script) in enumerate(shell_blocks(sf)):
                path = Path(tmp) / f"{sf.path.stem}-{number}.sh"
                path.write_text(with_prelude(script), encoding="utf-8")
                scripts[str(path)] = (sf, what, first - PRELUDE.count("\n"))
        if not scripts:
            return []
        for path, (sf, what, offset) in scripts.items():
            proc = run_process(["bash", "-n", path])
            for raw in proc.stderr.splitlines():
                m = re.match(r".*?: line (\d+): (.*)", raw)
                if m:
                    problems.append(Problem(sf.rel, int(m.group(1)) + offset, "practice",
                                            f"{what}: bash: {m.group(2).strip()}"))
        shell_files = [SourceFile(p, Path(p), Path(p).read_text(encoding="utf-8"), [], False) for p in scripts]
        for p in shellcheck(shell_files, ctx.bin("shellcheck"), ctx.jobs):
            sf, what, offset = scripts[p.path]
            problems.append(Problem(sf.rel, p.line + offset, "practice", f"{what}: shellcheck {one_line(p.message)}",
                                    p.hint))
    return problems


def shared_namespaces(files: list[SourceFile]) -> list[Problem]:
    """`make practice-check` runs tasks side by side: two tasks may share a namespace only if they share a
    `group` (tasks of one group never run together)."""
    owner: dict[str, tuple[str, str | None]] = {}
    problems = []
    for sf in sorted(files, key=lambda f: f.rel):
        try:
            data = yaml.load(sf.text, Loader=LOADER)
        except yaml.YAMLError:
            continue
        if not isinstance(data, dict):
            continue
        keys, _ = _node_lines(sf.text)
        line = keys.get("namespaces", (1, None))[0]
        for namespace in data.get("namespaces") or []:
            first = owner.setdefault(str(namespace), (sf.rel, data.get("group")))
            if first[0] != sf.rel and (first[1] is None or first[1] != data.get("group")):
                problems.append(Problem(sf.rel, line, "practice", f"namespace `{namespace}` is also used by {first[0]}",
                                        "tasks run side by side in practice-check: give each task namespaces of its "
                                        "own, or put both in one `group`"))
    return problems


def set_problems(sf: SourceFile) -> list[Problem]:
    """The fixed mock exams, each problem at the line of the set it is about."""
    try:
        data = yaml.load(sf.text, Loader=LOADER)
    except yaml.YAMLError:
        return []  # yamllint reports it
    lines = {}
    for number, line in enumerate(sf.text.splitlines(), 1):
        m = re.match(r"  ([\w-]+):\s*$", line)
        if m:
            lines.setdefault(m.group(1), number)
    weights = {d: info["weight"] for d, info in domain_names().items()}
    problems = []
    for message in mocks.set_errors(data, mocks.raw_tasks(_tree_root(sf)), weights):
        m = re.match(r"set `([\w-]+)`", message)
        problems.append(Problem(sf.rel, lines.get(m.group(1), 1) if m else 1, "practice", message,
                                "see CONTRIBUTING.md, 'The fixed mock exams'"))
    return problems


def run(files: list[SourceFile], ctx: Context) -> list[Problem]:
    sets = [sf for sf in files if sf.rel == mocks.REL]
    files = [sf for sf in files if sf.rel != mocks.REL]
    problems = [p for sf in sets for p in set_problems(sf)]
    problems += [p for sf in files for p in schema_problems(sf)]
    problems += shared_namespaces(files)
    key = tool_key(ctx.bin("shellcheck"), "task-shell-2")
    problems += cached(ctx.cache, "practice-shell", key, files, lambda fs: shell_problems(fs, ctx))
    return problems


CHECK = Check(name="practice", run=run, tool="shellcheck", label="practice task", yaml_semantics=True,
              wants=lambda sf, ctx: sf.kind == content.TASK)
