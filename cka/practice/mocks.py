"""The fixed mock exams as data: practice/mock-exams.yaml lists each set's task ids in exam order.

No cluster code: `make validate` (cka.checks.practice) and `make mock-exam SET=…` read the sets
through this module. A set is valid when every id names a task of practice/ that runs on the
binary runtime (no `runtime: nodes`, no `alone: true`), no task is in two sets, no set holds two
tasks of one `group` or two tasks that create the same namespace or cluster object, and each
domain's count is the set's size times the domain's weight, rounded down or up (largest-remainder
rounding is one such count; three of the four storage tasks share a group, so a set may round
storage down and another domain up).
"""

from __future__ import annotations

import math
import pathlib

import yaml

from ..languages import languages
from ..paths import PRACTICE, ROOT
from ..yamlfile import LOADER
from .tasks import PracticeError, Task

MOCK_FILE = PRACTICE / "mock-exams.yaml"
REL = "practice/mock-exams.yaml"
SIZES = (16, 17)


def raw_tasks(root: pathlib.Path = ROOT) -> dict[str, dict]:
    """Task id -> its YAML data, for every practice/<domain>/<id>.yaml under root (unreadable files are skipped)."""
    found = {}
    for path in sorted((root / "practice").glob("*/*.yaml")):
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(data, dict):
            found[path.stem] = data
    return found


def footprint(data: dict) -> set[str]:
    """What a task creates and its reset deletes: `namespace/<name>` for its namespaces, and its cluster objects.
    Two tasks with a name in common cannot run side by side (one's setup removes what the other set up)."""
    return {f"namespace/{n}" for n in data.get("namespaces") or []} | set(data.get("cluster_objects") or [])


def set_errors(data, tasks: dict[str, dict], weights: dict[str, int]) -> list[str]:
    """Everything wrong with the sets file, each as one sentence. `weights`: domain id -> percent."""
    if not isinstance(data, dict) or not isinstance(data.get("sets"), dict) or not data["sets"]:
        return ["needs `sets:` with one entry per fixed mock exam (`a:`, `b:`, …)"]
    errors = []
    add = errors.append
    owner: dict[str, str] = {}
    whole = sum(weights.values())
    for name, entry in data["sets"].items():
        where = f"set `{name}`"
        if not isinstance(entry, dict) or set(entry) - {"tasks", "reason"}:
            add(f"{where}: needs exactly `tasks` and `reason`")
            continue
        reason = entry.get("reason")
        if not isinstance(reason, dict) or any(not str(reason.get(lang, "")).strip() for lang in languages()):
            add(f"{where}: `reason` needs text in {' and '.join(languages())}")
        ids = entry.get("tasks")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            add(f"{where}: `tasks` must be a list of task ids")
            continue
        if len(ids) not in SIZES:
            add(f"{where}: has {len(ids)} tasks; a mock exam has {' or '.join(map(str, SIZES))}")
        groups: dict[str, str] = {}
        spaces: dict[str, str] = {}
        counts = dict.fromkeys(weights, 0)
        for task_id in ids:
            task = tasks.get(task_id)
            if task is None:
                add(f"{where}: no task `{task_id}` in practice/")
                continue
            if task_id in owner:
                add(f"{where}: `{task_id}` is already in set `{owner[task_id]}`; a task belongs to one set")
                continue
            owner[task_id] = name
            if task.get("runtime", "any") != "any" or task.get("alone"):
                add(f"{where}: `{task_id}` does not run on the binary runtime beside other tasks "
                    "(`runtime: nodes` or `alone: true`)")
            for name in footprint(task):
                if name in spaces:
                    add(f"{where}: `{task_id}` and `{spaces[name]}` both use {name}")
                spaces.setdefault(name, task_id)
            group = task.get("group")
            if group and group in groups:
                add(f"{where}: `{task_id}` and `{groups[group]}` share the group `{group}`")
            elif group:
                groups[group] = task_id
            if task.get("domain") in counts:
                counts[task["domain"]] += 1
        total = len(ids)
        for domain, weight in weights.items():
            exact = total * weight / whole
            if not math.floor(exact) <= counts[domain] <= math.ceil(exact):
                add(f"{where}: {counts[domain]} task(s) of `{domain}`; its weight of {weight} % in {total} tasks "
                    f"means {math.floor(exact)} or {math.ceil(exact)}")
    return errors


def load_sets(path: pathlib.Path = MOCK_FILE) -> dict[str, dict]:
    """Set name -> {tasks: [ids], reason: {lang: text}}."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
    return dict(data["sets"])


def set_tasks(name: str, tasks: list[Task], path: pathlib.Path = MOCK_FILE) -> list[Task]:
    """The tasks of one fixed set, in exam order."""
    sets = load_sets(path)
    if name not in sets:
        raise PracticeError(f"no mock exam set `{name}`; the sets are {', '.join(sets)} ({REL})")
    by_id = {t.id: t for t in tasks}
    missing = [i for i in sets[name]["tasks"] if i not in by_id]
    if missing:
        raise PracticeError(f"set `{name}` names unknown tasks: {', '.join(missing)} ({REL})")
    return [by_id[i] for i in sets[name]["tasks"]]
