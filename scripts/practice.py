"""Graded practice tasks and a timed mock exam on the practice cluster.

  practice.py list                  every task by domain, with its status      (make practice)
  practice.py start TASK            reset, set up and print one task           (make practice TASK=…)
  practice.py grade TASK            grade it check by check, with hints        (make grade TASK=…)
  practice.py reset TASK            remove what the task and you created       (make practice-reset TASK=…)
  practice.py mock-exam             17 tasks drawn by domain weight, 2 hours, a score report (make mock-exam)
  practice.py check [TASK…]         prove every grader honest                   (make practice-check)

A task is one file, practice/<domain>/<id>.yaml: the task text in Korean and English,
a setup script, checks with points (chainsaw assertions against the cluster or a
file, or a bash script), a reference solution, wrong solutions with the checks
they must lose, hints and an explanation. The site's practice pages are built
from the same files (hooks/practice_pages.py).

`check` runs, for every task the runtime can run: setup then grade (must not get
full marks), the reference solution then grade (must get full marks), and each
wrong solution on a fresh setup (must lose exactly the checks it names).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import dataclasses
import datetime as dt
import html
import json
import os
import pathlib
import random
import re
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import cluster  # noqa: E402
import tools  # noqa: E402

TASKS_DIR = ROOT / "practice"
WORK = ROOT / "build" / "practice"
STATE_FILE = WORK / "state.json"
REPORTS = WORK / "reports"
CURRICULUM = ROOT / "data" / "curriculum.yaml"
LANGS = ("ko", "en")
EXAM_TASKS = 17
EXAM_MINUTES = 120
PASS_MARK = 66.0
SITE = "http://127.0.0.1:8000"
RUNTIMES = ("any", "kind")
TASK_LABEL = "practice.cka-guide.io/task"
TOP_KEYS = {"domain", "competencies", "weight", "runtime", "group", "alone", "page", "namespaces", "cluster_objects",
            "title", "task", "alternatives",
            "hints", "explanation", "setup", "solution", "reset", "checks", "wrong"}
CHECK_KEYS = {"id", "points", "text", "hint", "assert", "file", "script"}

WORDS = {
    "ko": {
        "passed": "통과", "failed": "실패", "hint": "힌트", "score": "점수", "context": "컨텍스트",
        "ready": "준비 완료", "grade_with": "다 풀었으면 채점하자", "reset_with": "정리", "page": "관련 페이지",
        "not_started": "—", "set_up": "진행 중", "graded": "채점", "needs_kind": "kind 전용",
        "left": "남은 시간", "enter": "Enter 키를 누르면 바로 채점한다",
    },
    "en": {
        "passed": "passed", "failed": "failed", "hint": "hint", "score": "score", "context": "context",
        "ready": "ready", "grade_with": "when you are done, grade it", "reset_with": "clean up", "page": "read",
        "not_started": "—", "set_up": "in progress", "graded": "graded", "needs_kind": "kind only",
        "left": "time left", "enter": "press Enter to grade now",
    },
}


class PracticeError(Exception):
    """A problem the user can fix, printed as one sentence."""


def say(message: str = "") -> None:
    print(message, flush=True)


# --------------------------------------------------------------------------- tasks


@dataclasses.dataclass
class Check:
    id: str
    points: int
    text: dict
    hint: dict
    assertion: str | None = None
    file: str | None = None
    script: str | None = None


@dataclasses.dataclass
class Task:
    id: str
    path: pathlib.Path
    data: dict

    def __getattr__(self, name):
        try:
            return self.__dict__["data"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def runtime(self) -> str:
        return self.data.get("runtime", "any")

    @property
    def namespaces(self) -> list[str]:
        return list(self.data.get("namespaces") or [])

    @property
    def checks(self) -> list[Check]:
        return [Check(id=c["id"], points=int(c["points"]), text=c["text"], hint=c.get("hint") or {},
                      assertion=c.get("assert"), file=c.get("file"), script=c.get("script"))
                for c in self.data["checks"]]

    @property
    def max_points(self) -> int:
        return sum(c.points for c in self.checks)

    def text(self, key: str, lang: str, **values) -> str:
        return fill(self.data[key][lang], self, **values)


def curriculum() -> dict:
    return yaml.safe_load(CURRICULUM.read_text(encoding="utf-8"))


def domain_names() -> dict[str, dict]:
    return {d["id"]: d for d in curriculum()["domains"]}


def task_errors(task_id: str, rel: str, data, domains: dict) -> list[str]:
    """Everything wrong with one task file, each as '<file>: <problem>'."""
    if not isinstance(data, dict):
        return [f"{rel}: not a mapping"]
    errors = []
    add = errors.append
    missing = sorted({"domain", "competencies", "weight", "page", "title", "task", "hints", "explanation", "setup", "solution",
                      "checks", "wrong"} - set(data))
    if missing:
        add(f"{rel}: missing keys: {', '.join(missing)}")
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        add(f"{rel}: unknown keys: {', '.join(unknown)}")
    if data.get("domain") not in domains:
        add(f"{rel}: domain `{data.get('domain')}` is not an exam domain of data/curriculum.yaml ({', '.join(domains)})")
    elif rel.split("/")[-2] != data["domain"]:
        add(f"{rel}: lies in the folder of another domain than `{data['domain']}`")
    known = {c["id"] for d in domains.values() for c in d.get("competencies") or []}
    named = data.get("competencies")
    if "competencies" in data and (not isinstance(named, list) or not named):
        add(f"{rel}: `competencies` must list one or more competency ids of data/curriculum.yaml")
    elif isinstance(named, list):
        for item in named:
            if item not in known:
                add(f"{rel}: competency `{item}` is not in data/curriculum.yaml; use one of: {', '.join(sorted(known))}")
    if not isinstance(data.get("weight"), int) or not 1 <= data["weight"] <= 15:
        add(f"{rel}: weight must be a whole number of percent between 1 and 15")
    if data.get("runtime", "any") not in RUNTIMES:
        add(f"{rel}: runtime must be one of {', '.join(RUNTIMES)}")
    page = data.get("page", "")
    if not all((ROOT / "docs" / f"{page}.{lang}.md").exists() for lang in LANGS):
        add(f"{rel}: page `{page}` has no docs/{page}.ko.md and .en.md")
    for key in ("title", "task", "explanation"):
        value = data.get(key)
        if not isinstance(value, dict) or any(not str(value.get(lang, "")).strip() for lang in LANGS):
            add(f"{rel}: `{key}` needs text in both ko and en")
    hints = data.get("hints")
    if not isinstance(hints, dict) or any(not hints.get(lang) for lang in LANGS) or \
            len(hints.get("ko") or []) != len(hints.get("en") or []):
        add(f"{rel}: `hints` needs the same number of hints in ko and en")
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", task_id):
        add(f"{rel}: the file name must be a lowercase id with hyphens")
    checks = data.get("checks") or []
    ids = set()
    for number, check in enumerate(checks, 1):
        where = f"{rel}: check {number}"
        if not isinstance(check, dict):
            add(f"{where}: not a mapping")
            continue
        if set(check) - CHECK_KEYS:
            add(f"{where}: unknown keys: {', '.join(sorted(set(check) - CHECK_KEYS))}")
        if check.get("id") in ids:
            add(f"{where}: duplicate id `{check.get('id')}`")
        ids.add(check.get("id"))
        if not isinstance(check.get("points"), int) or check["points"] < 1:
            add(f"{where}: points must be a positive whole number")
        kinds = [k for k in ("assert", "script") if check.get(k)]
        if len(kinds) != 1:
            add(f"{where}: needs exactly one of `assert` or `script`")
        if check.get("file") and not check.get("assert"):
            add(f"{where}: `file` goes with `assert` (a chainsaw assertion on that file)")
        if check.get("assert"):
            try:
                list(yaml.safe_load_all(check["assert"]))
            except yaml.YAMLError as err:
                add(f"{where}: the assertion is not YAML: {err}")
        for key in ("text", "hint"):
            if not isinstance(check.get(key), dict) or any(not check[key].get(lang) for lang in LANGS):
                add(f"{where}: `{key}` needs ko and en")
    if len(checks) < 2:
        add(f"{rel}: a task needs at least two checks, so that partial credit means something")
    wrong = data.get("wrong") or []
    if not wrong:
        add(f"{rel}: needs at least one wrong solution with the checks it loses")
    for number, item in enumerate(wrong, 1):
        lost = set((item or {}).get("lost") or [])
        if not item.get("name") or not item.get("script") or not lost:
            add(f"{rel}: wrong solution {number} needs `name`, `script` and `lost`")
        if lost - ids:
            add(f"{rel}: wrong solution {number} loses unknown checks: {', '.join(sorted(lost - ids))}")
        if lost == ids:
            add(f"{rel}: wrong solution {number} loses every check; pick a mistake that keeps some points")
    for number, item in enumerate(data.get("alternatives") or [], 1):
        if not isinstance(item, dict) or not item.get("name") or not item.get("script"):
            add(f"{rel}: alternative solution {number} needs `name` and `script`")
    return errors


def load_tasks() -> list[Task]:
    """Every task of practice/, in domain order then by file name. Raises with every problem at once."""
    domains = domain_names()
    order = list(domains)
    tasks, errors = [], []
    for path in sorted(TASKS_DIR.glob("*/*.yaml")):
        rel = path.relative_to(ROOT).as_posix()
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            errors.append(f"{rel}: not valid YAML: {err}")
            continue
        found = task_errors(path.stem, rel, data, domains)
        errors += found
        if not found:
            tasks.append(Task(path.stem, path, data))
    seen = {}
    for task in tasks:
        if task.id in seen:
            errors.append(f"{task.path.relative_to(ROOT)}: the id `{task.id}` is used twice")
        seen[task.id] = task
    if errors:
        raise PracticeError("practice tasks:\n  " + "\n  ".join(errors))
    return sorted(tasks, key=lambda t: (order.index(t.domain), t.id))


def find(tasks: list[Task], task_id: str) -> Task:
    for task in tasks:
        if task.id == task_id:
            return task
    close = [t.id for t in tasks if task_id and (task_id in t.id or t.id in task_id)]
    raise PracticeError(f"no task `{task_id}`" + (f"; did you mean {', '.join(close)}?" if close else
                                                   "; `make practice` lists them"))


# --------------------------------------------------------------------------- runtime values


@dataclasses.dataclass
class Runtime:
    name: str            # binary or kind, or "site" when rendering pages
    context: str
    etcd: str = ""       # etcdctl connection flags

    @staticmethod
    def site() -> "Runtime":
        return Runtime("site", "kwok-cka", "--endpoints=<ETCD>")


def workdir(task: Task, runtime: Runtime) -> str:
    return f"build/practice/{task.id}" if runtime.name == "site" else str(WORK / task.id)


def fill(text: str, task: Task, runtime: Runtime | None = None) -> str:
    """Replace {dir}, {context}, {etcd} and {k8s} in a task's text."""
    rt = runtime or Runtime.site()
    return (str(text).replace("{dir}", workdir(task, rt)).replace("{context}", rt.context)
            .replace("{etcd}", rt.etcd).replace("{k8s}", k8s_version()))


def k8s_version() -> str:
    return tools.load_versions()["kubernetes"]["version"]


def detect_runtime() -> Runtime:
    name = cluster.current_runtime()
    if not name or not cluster.reachable():
        raise PracticeError("no practice cluster answers: start one with `make cluster-up`")
    context = cluster.kubectl("config", "current-context", capture=True).stdout.strip()
    return Runtime(name, context, etcd_flags(name))


def etcd_flags(runtime: str) -> str:
    if runtime == "binary":
        config = cluster.kwok_workdir() / "clusters" / cluster.NAME / "kwok.yaml"
        text = config.read_text(encoding="utf-8") if config.exists() else ""
        match = re.search(r"--etcd-servers=(\S+)", text)
        return f"--endpoints={match.group(1)}" if match else ""
    pki = WORK / "etcd-pki"
    return (f"--endpoints=https://$(docker inspect -f '{{{{.NetworkSettings.Networks.kind.IPAddress}}}}' "
            f"cka-control-plane):2379 --cacert={pki}/ca.crt --cert={pki}/server.crt --key={pki}/server.key")


def task_env(task: Task, rt: Runtime) -> dict[str, str]:
    env = cluster.env()
    env.update(DIR=workdir(task, rt), NS=(task.namespaces or ["default"])[0], TASK=task.id, RUNTIME=rt.name,
               CONTEXT=rt.context, ETCDCTL_FLAGS=rt.etcd, K8S_VERSION=k8s_version())
    return env


def bash(script: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=env, text=True, capture_output=True,
                              timeout=timeout, cwd=env["DIR"])
    except subprocess.TimeoutExpired as err:
        return subprocess.CompletedProcess(err.cmd, 124, err.stdout or "", f"timed out after {timeout:.0f} s")


def kubectl(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return cluster.kubectl(*args, check=False, capture=True, timeout=timeout)


# --------------------------------------------------------------------------- setup, reset


def reset(task: Task, rt: Runtime) -> None:
    """Remove what the task's setup and the learner created; returns without waiting for namespaces."""
    env = task_env(task, rt)
    pathlib.Path(env["DIR"]).mkdir(parents=True, exist_ok=True)
    if task.data.get("reset"):
        bash(task.data["reset"], env)
    objects = task.data.get("cluster_objects") or []
    if objects:
        kubectl("delete", "--ignore-not-found", "--wait=false", *objects)
    if task.namespaces:
        kubectl("delete", "namespace", "--ignore-not-found", "--wait=false", *task.namespaces)
    shutil.rmtree(env["DIR"], ignore_errors=True)


def wait_gone(task: Task, timeout: float = 90) -> None:
    names = [f"namespace/{n}" for n in task.namespaces] + list(task.data.get("cluster_objects") or [])
    if not names:
        return
    deadline = time.monotonic() + timeout
    while True:
        left = kubectl("get", "--ignore-not-found", "-o", "name", *names).stdout.split()
        if not left:
            return
        if time.monotonic() > deadline:
            raise PracticeError(f"{task.id}: {', '.join(left)} still exist {timeout:.0f} s after the reset")
        time.sleep(0.3)


def setup(task: Task, rt: Runtime) -> None:
    if task.runtime == "kind" and rt.name != "kind":
        raise PracticeError(f"{task.id} needs real containers or a real kubelet: it runs on the kind runtime only "
                            "(make cluster-down; make cluster-up CLUSTER_RUNTIME=kind)")
    reset(task, rt)
    wait_gone(task)
    env = task_env(task, rt)
    pathlib.Path(env["DIR"]).mkdir(parents=True, exist_ok=True)
    if "--cacert" in rt.etcd and "{etcd}" in json.dumps(task.data):
        copy_kind_etcd_certs()
    for ns in task.namespaces:
        result = kubectl("create", "namespace", ns)
        if result.returncode != 0:
            raise PracticeError(f"{task.id}: cannot create namespace {ns}: {result.stderr.strip()}")
        kubectl("label", "namespace", ns, f"{TASK_LABEL}={task.id}")
    result = bash(task.setup, env)
    if result.returncode != 0:
        raise PracticeError(f"{task.id}: the setup failed (exit {result.returncode}): "
                            f"{(result.stderr or result.stdout).strip()[-600:]}")


def copy_kind_etcd_certs() -> None:
    pki = WORK / "etcd-pki"
    pki.mkdir(parents=True, exist_ok=True)
    for name in ("ca.crt", "server.crt", "server.key"):
        subprocess.run(["docker", "cp", f"cka-control-plane:/etc/kubernetes/pki/etcd/{name}", str(pki / name)],
                       check=False, capture_output=True)


# --------------------------------------------------------------------------- grading


@dataclasses.dataclass
class CheckResult:
    check: Check
    passed: bool
    detail: str = ""

    @property
    def points(self) -> int:
        return self.check.points if self.passed else 0


def run_check(task: Task, check: Check, rt: Runtime, timeout: float) -> CheckResult:
    env = task_env(task, rt)
    if check.assertion is not None:
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
            handle.write(check.assertion)
        cmd = [tools.tool_path("chainsaw"), "assert", "--no-color", "--file", handle.name,
               "--namespace", env["NS"], "--timeout", f"{timeout:g}s"]
        if check.file:
            target = pathlib.Path(env["DIR"]) / check.file
            if not target.exists():
                os.unlink(handle.name)
                return CheckResult(check, False, f"{target} does not exist")
            cmd += ["--resource", str(target)]
        try:
            result = subprocess.run(cmd, env=env, text=True, capture_output=True, timeout=timeout + 30)
        finally:
            os.unlink(handle.name)
        detail = "\n".join(line.strip() for line in (result.stdout + result.stderr).splitlines()
                           if line.startswith("* ") or "not found" in line or "error" in line.lower()
                           and "assertion failed" not in line)
        return CheckResult(check, result.returncode == 0, detail[:600])
    deadline = time.monotonic() + timeout
    while True:
        result = bash(check.script, env, timeout=max(timeout, 20))
        if result.returncode == 0 or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    output = (result.stdout + result.stderr).strip()
    return CheckResult(check, result.returncode == 0, "\n".join(output.splitlines()[-4:])[:600])


def grade(task: Task, rt: Runtime, timeout: float = 5.0) -> list[CheckResult]:
    pathlib.Path(workdir(task, rt)).mkdir(parents=True, exist_ok=True)
    checks = task.checks
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(8, len(checks))) as pool:
        return list(pool.map(lambda c: run_check(task, c, rt, timeout), checks))


def score(results: list[CheckResult]) -> tuple[int, int]:
    return sum(r.points for r in results), sum(r.check.points for r in results)


def print_results(task: Task, results: list[CheckResult], lang: str) -> None:
    w = WORDS[lang]
    for r in results:
        mark = "✔" if r.passed else "✘"
        say(f"  {mark} {w['passed'] if r.passed else w['failed']:<6} {r.points}/{r.check.points}  {r.check.text[lang]}")
        if not r.passed:
            say(f"           {w['hint']}: {fill(r.check.hint[lang], task)}")
            for line in r.detail.splitlines()[:3]:
                say(f"           | {line}")
    got, total = score(results)
    say(f"{w['score']}: {got}/{total} ({100 * got / total:.0f} %)")


# --------------------------------------------------------------------------- state


_STATE_LOCK = threading.Lock()


def load_state() -> dict:
    try:
        return json.loads(STATE_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save_state(task_id: str, value: dict | None) -> None:
    with _STATE_LOCK:
        state = load_state()
        if value is None:
            state.pop(task_id, None)
        else:
            state[task_id] = value
        STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
        STATE_FILE.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")


# --------------------------------------------------------------------------- printing a task


def page_url(page: str, lang: str, anchor: str = "") -> str:
    prefix = "" if lang == "ko" else "en/"
    return f"{SITE}/{prefix}{page}/" + (f"#{anchor}" if anchor else "")


def task_sheet(task: Task, rt: Runtime, lang: str, number: int | None = None) -> str:
    domains = domain_names()
    head = f"{number}. " if number else ""
    lines = [
        f"{head}{task.title[lang]}  [{task.id}]",
        f"   {domains[task.domain][lang]} · {task.weight} %",
        "",
        f"   kubectl config use-context {rt.context}",
        "",
    ]
    lines += ["   " + line for line in fill(task.task[lang], task, rt).rstrip().splitlines()]
    return "\n".join(lines)


# --------------------------------------------------------------------------- commands


def lang_of(args) -> str:
    return args.lang or (os.environ.get("PRACTICE_LANG") or "ko")


def cmd_list(args) -> int:
    tasks = load_tasks()
    lang = lang_of(args)
    w = WORDS[lang]
    state = load_state()
    runtime = cluster.current_runtime() if cluster.runtime_file().exists() else None
    domains = domain_names()
    for domain, info in domains.items():
        mine = [t for t in tasks if t.domain == domain]
        say(f"\n{info[lang]} ({info['weight']} %) — {len(mine)}")
        for task in mine:
            entry = state.get(task.id) or {}
            if task.runtime == "kind" and runtime != "kind":
                status = w["needs_kind"]
            elif "score" in entry:
                status = f"{w['graded']} {entry['score']}/{entry['max']}" + (" ✔" if entry["score"] == entry["max"] else "")
            elif entry:
                status = w["set_up"]
            else:
                status = w["not_started"]
            say(f"  {task.id:<28} {task.weight:>2} %  {status:<14} {task.title[lang]}")
    say(f"\n{len(tasks)} tasks. make practice TASK=<id> · make grade TASK=<id> · make practice-reset TASK=<id> · "
        "make mock-exam")
    return 0


def cmd_start(args) -> int:
    tasks = load_tasks()
    task = find(tasks, args.task)
    lang = lang_of(args)
    w = WORDS[lang]
    started = time.monotonic()
    rt = detect_runtime()
    setup(task, rt)
    save_state(task.id, {"started": dt.datetime.now().isoformat(timespec="seconds")})
    say(task_sheet(task, rt, lang))
    say(f"\n==> {w['ready']} ({time.monotonic() - started:.1f} s). {w['grade_with']}: make grade TASK={task.id}"
        f" · {w['reset_with']}: make practice-reset TASK={task.id}")
    say(f"    export KUBECONFIG={cluster.kubeconfig()} PATH={tools.bin_dir()}:$PATH")
    return 0


def cmd_grade(args) -> int:
    tasks = load_tasks()
    task = find(tasks, args.task)
    lang = lang_of(args)
    rt = detect_runtime()
    if task.runtime == "kind" and rt.name != "kind":
        raise PracticeError(f"{task.id} runs on the kind runtime only")
    say(f"==> {task.title[lang]} [{task.id}]")
    results = grade(task, rt, args.timeout)
    print_results(task, results, lang)
    got, total = score(results)
    save_state(task.id, {"score": got, "max": total, "graded": dt.datetime.now().isoformat(timespec="seconds")})
    say(f"{WORDS[lang]['page']}: {page_url('practice/' + task.domain, lang, task.id)} · {page_url(task.page, lang)}")
    return 0 if got == total else 1


def cmd_reset(args) -> int:
    tasks = load_tasks()
    rt = detect_runtime()
    chosen = tasks if args.task == "all" else [find(tasks, args.task)]
    for task in chosen:
        if task.runtime == "kind" and rt.name != "kind":
            continue
        reset(task, rt)
        save_state(task.id, None)
    for task in chosen:
        wait_gone(task)
    say(f"==> reset: {', '.join(t.id for t in chosen) if len(chosen) < 5 else f'{len(chosen)} tasks'}")
    return 0


# --------------------------------------------------------------------------- mock exam


def quotas(total: int = EXAM_TASKS) -> dict[str, int]:
    """Tasks per domain for `total` tasks, by the exam's domain weights (largest remainder)."""
    weights = {d: info["weight"] for d, info in domain_names().items()}
    whole = sum(weights.values())
    exact = {d: total * w / whole for d, w in weights.items()}
    counts = {d: int(v) for d, v in exact.items()}
    for d in sorted(exact, key=lambda d: exact[d] - counts[d], reverse=True)[: total - sum(counts.values())]:
        counts[d] += 1
    return counts


def draw(tasks: list[Task], runtime: str, seed: int, total: int = EXAM_TASKS) -> list[Task]:
    """`total` tasks the runtime can run, by domain quota, at most one task per group, shuffled."""
    rng = random.Random(seed)
    # A task that needs the cluster to itself (draining a node evicts the other tasks' Pods) is not drawn.
    usable = [t for t in tasks if (t.runtime == "any" or t.runtime == runtime) and not t.data.get("alone")]
    wanted = quotas(total)
    for domain, count in wanted.items():
        have = sum(1 for t in usable if t.domain == domain)
        if have < count:
            raise PracticeError(f"only {have} tasks of `{domain}` run on the {runtime} runtime; a mock exam needs {count}")
    for _ in range(1000):
        chosen: list[Task] = []
        groups: set[str] = set()
        for domain, count in wanted.items():
            pool = [t for t in usable if t.domain == domain]
            rng.shuffle(pool)
            for task in pool:
                if sum(1 for t in chosen if t.domain == domain) == count:
                    break
                group = task.data.get("group")
                if group and group in groups:
                    continue
                chosen.append(task)
                if group:
                    groups.add(group)
        if len(chosen) == total:
            rng.shuffle(chosen)  # the exam mixes the domains
            return chosen
    raise PracticeError("no draw satisfies the domain quotas with one task per group; add tasks outside the groups")


@dataclasses.dataclass
class TaskScore:
    id: str
    title: dict
    domain: str
    weight: int
    points: int
    max_points: int
    checks: list[tuple[str, bool, int, dict]]  # (id, passed, points, text)

    @property
    def fraction(self) -> float:
        return self.points / self.max_points if self.max_points else 0.0


def summarize(scores: list[TaskScore]) -> dict:
    """The exam's score: each task counts by its weight, with partial credit by points."""
    total_weight = sum(s.weight for s in scores)
    overall = 100 * sum(s.weight * s.fraction for s in scores) / total_weight if total_weight else 0.0
    domains = {}
    for domain in domain_names():
        mine = [s for s in scores if s.domain == domain]
        if mine:
            weight = sum(s.weight for s in mine)
            domains[domain] = {
                "tasks": len(mine), "weight": weight,
                "earned": sum(s.weight * s.fraction for s in mine),
                "percent": 100 * sum(s.weight * s.fraction for s in mine) / weight,
            }
    return {"percent": overall, "passed": overall >= PASS_MARK, "domains": domains}


REPORT_WORDS = {
    "ko": {"title": "모의시험 결과", "result": "결과", "pass": "합격", "fail": "불합격", "mark": "합격선",
           "by_domain": "도메인별", "by_task": "과제별", "domain": "도메인", "tasks": "과제", "weight": "비중",
           "earned": "득점", "task": "과제", "points": "점수", "checks": "확인 항목", "started": "시작",
           "finished": "채점", "used": "걸린 시간", "seed": "시드", "runtime": "런타임", "minutes": "분"},
    "en": {"title": "Mock exam report", "result": "Result", "pass": "PASS", "fail": "FAIL", "mark": "pass mark",
           "by_domain": "By domain", "by_task": "By task", "domain": "Domain", "tasks": "Tasks", "weight": "Weight",
           "earned": "Earned", "task": "Task", "points": "Points", "checks": "Checks", "started": "Started",
           "finished": "Graded", "used": "Time used", "seed": "Seed", "runtime": "Runtime", "minutes": "min"},
}


def report_markdown(scores: list[TaskScore], meta: dict, lang: str) -> str:
    w = REPORT_WORDS[lang]
    names = domain_names()
    summary = summarize(scores)
    verdict = w["pass"] if summary["passed"] else w["fail"]
    out = [
        f"# {w['title']}",
        "",
        f"**{w['result']}: {summary['percent']:.1f} % — {verdict}** ({w['mark']} {PASS_MARK:.0f} %)",
        "",
        f"- {w['started']}: {meta['started']} · {w['finished']}: {meta['finished']} · "
        f"{w['used']}: {meta['minutes']:.0f} {w['minutes']}",
        f"- {w['runtime']}: {meta['runtime']} · {w['seed']}: {meta['seed']}",
        "",
        f"## {w['by_domain']}",
        "",
        f"| {w['domain']} | {w['tasks']} | {w['weight']} | {w['earned']} | % |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for domain, d in summary["domains"].items():
        out.append(f"| {names[domain][lang]} | {d['tasks']} | {d['weight']} | {d['earned']:.1f} | {d['percent']:.0f} % |")
    out += ["", f"## {w['by_task']}", "", f"| # | {w['task']} | {w['domain']} | {w['weight']} | {w['points']} | % |",
            "| ---: | --- | --- | ---: | ---: | ---: |"]
    for number, s in enumerate(scores, 1):
        out.append(f"| {number} | {s.title[lang]} (`{s.id}`) | {names[s.domain][lang]} | {s.weight} | "
                   f"{s.points}/{s.max_points} | {100 * s.fraction:.0f} % |")
    out += ["", f"## {w['checks']}", ""]
    for number, s in enumerate(scores, 1):
        out.append(f"### {number}. {s.title[lang]}")
        out.append("")
        for _, passed, points, text in s.checks:
            out.append(f"- {'✔' if passed else '✘'} {points if passed else 0}/{points} {text[lang]}")
        out.append("")
    return "\n".join(out)


def report_html(scores: list[TaskScore], meta: dict, lang: str) -> str:
    """A self-contained HTML page of the same report (no script, no remote resource)."""
    w = REPORT_WORDS[lang]
    names = domain_names()
    summary = summarize(scores)
    esc = html.escape
    verdict = w["pass"] if summary["passed"] else w["fail"]
    rows_domain = "".join(
        f"<tr><td>{esc(names[d][lang])}</td><td>{v['tasks']}</td><td>{v['weight']}</td><td>{v['earned']:.1f}</td>"
        f"<td><meter min='0' max='100' low='66' optimum='100' value='{v['percent']:.0f}'></meter> {v['percent']:.0f} %</td></tr>"
        for d, v in summary["domains"].items())
    rows_task = "".join(
        f"<tr class='{'ok' if s.points == s.max_points else 'part' if s.points else 'zero'}'><td>{n}</td>"
        f"<td>{esc(s.title[lang])} <code>{esc(s.id)}</code></td><td>{esc(names[s.domain][lang])}</td>"
        f"<td>{s.weight}</td><td>{s.points}/{s.max_points}</td><td>{100 * s.fraction:.0f} %</td></tr>"
        for n, s in enumerate(scores, 1))
    details = "".join(
        f"<details><summary>{n}. {esc(s.title[lang])} — {s.points}/{s.max_points}</summary><ul>"
        + "".join(f"<li class='{'ok' if p else 'zero'}'>{'✔' if p else '✘'} {pts if p else 0}/{pts} {esc(t[lang])}</li>"
                  for _, p, pts, t in s.checks)
        + "</ul></details>"
        for n, s in enumerate(scores, 1))
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(w['title'])}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}}
table{{border-collapse:collapse;width:100%;margin:1rem 0}}td,th{{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}}
.verdict{{font-size:1.6rem;font-weight:bold}}.pass{{color:#1b7f3b}}.fail{{color:#b3261e}}
tr.ok td{{background:#eef8f0}}tr.part td{{background:#fff8e1}}tr.zero td{{background:#fdecea}}
li.ok{{color:#1b7f3b}}li.zero{{color:#b3261e}}details{{margin:.4rem 0}}
</style></head><body>
<h1>{esc(w['title'])}</h1>
<p class="verdict {'pass' if summary['passed'] else 'fail'}">{summary['percent']:.1f} % — {verdict}</p>
<p>{esc(w['mark'])} {PASS_MARK:.0f} % · {esc(w['started'])}: {esc(meta['started'])} · {esc(w['finished'])}:
{esc(meta['finished'])} · {esc(w['used'])}: {meta['minutes']:.0f} {esc(w['minutes'])} ·
{esc(w['runtime'])}: {esc(meta['runtime'])} · {esc(w['seed'])}: {meta['seed']}</p>
<h2>{esc(w['by_domain'])}</h2>
<table><tr><th>{esc(w['domain'])}</th><th>{esc(w['tasks'])}</th><th>{esc(w['weight'])}</th><th>{esc(w['earned'])}</th><th>%</th></tr>{rows_domain}</table>
<h2>{esc(w['by_task'])}</h2>
<table><tr><th>#</th><th>{esc(w['task'])}</th><th>{esc(w['domain'])}</th><th>{esc(w['weight'])}</th><th>{esc(w['points'])}</th><th>%</th></tr>{rows_task}</table>
<h2>{esc(w['checks'])}</h2>
{details}
</body></html>
"""


def write_report(scores: list[TaskScore], meta: dict, lang: str, directory: pathlib.Path = REPORTS) -> tuple[pathlib.Path, pathlib.Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / f"mock-exam-{meta['stamp']}"
    md, page = stem.with_suffix(".md"), stem.with_suffix(".html")
    md.write_text(report_markdown(scores, meta, lang) + "\n", encoding="utf-8")
    page.write_text(report_html(scores, meta, lang), encoding="utf-8")
    return md, page


def task_score(task: Task, results: list[CheckResult]) -> TaskScore:
    got, total = score(results)
    return TaskScore(task.id, task.title, task.domain, task.weight, got, total,
                     [(r.check.id, r.passed, r.check.points, r.check.text) for r in results])


def countdown(seconds: float, lang: str) -> None:
    """Show the time left on one line until it runs out or the learner presses Enter."""
    w = WORDS[lang]
    deadline = time.monotonic() + seconds
    tty = sys.stdin.isatty() and sys.stdout.isatty()
    last_minute = None
    stdin_open = not sys.stdin.closed
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        h, rest = divmod(int(left), 3600)
        m, s = divmod(rest, 60)
        if tty:
            sys.stdout.write(f"\r⏱  {w['left']} {h}:{m:02d}:{s:02d} — {w['enter']} ")
            sys.stdout.flush()
        elif last_minute != (h, m):
            say(f"{w['left']} {h}:{m:02d}")
            last_minute = (h, m)
        if stdin_open:
            if select.select([sys.stdin], [], [], min(1.0, left))[0]:
                if sys.stdin.readline():
                    break  # Enter: grade now
                stdin_open = False  # end of input (no terminal): just wait for the time to run out
        else:
            time.sleep(min(1.0, left))
    if tty:
        sys.stdout.write("\n")


def cmd_mock_exam(args) -> int:
    tasks = load_tasks()
    lang = lang_of(args)
    rt = detect_runtime()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    chosen = draw(tasks, rt.name, seed)
    started_at = dt.datetime.now()
    say(f"==> mock exam: {len(chosen)} tasks (seed {seed}), setting them up …")
    t0 = time.monotonic()
    for task in tasks:  # tasks of the same group must not overlap with what earlier practice left behind
        if task not in chosen and task.data.get("group") and (load_state().get(task.id)):
            reset(task, rt)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda t: setup(t, rt), chosen))
    sheet_dir = WORK / "mock-exam"
    sheet_dir.mkdir(parents=True, exist_ok=True)
    sheet = "\n\n".join(task_sheet(t, rt, lang, n) for n, t in enumerate(chosen, 1))
    (sheet_dir / "tasks.txt").write_text(sheet + "\n", encoding="utf-8")
    say(f"    ready in {time.monotonic() - t0:.1f} s; the tasks are also in {sheet_dir / 'tasks.txt'}\n")
    say(sheet)
    say(f"\n    export KUBECONFIG={cluster.kubeconfig()} PATH={tools.bin_dir()}:$PATH\n")
    exam_started = time.monotonic()
    if args.solve:
        for task in chosen:
            bash(task.solution, task_env(task, rt))
    if not args.no_wait:
        countdown(args.minutes * 60, lang)
    say("==> grading …")
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        graded = list(pool.map(lambda t: grade(t, rt, 10.0 if args.solve else 5.0), chosen))
    scores = [task_score(t, r) for t, r in zip(chosen, graded)]
    finished = dt.datetime.now()
    meta = {"started": started_at.isoformat(timespec="seconds"), "finished": finished.isoformat(timespec="seconds"),
            "minutes": (time.monotonic() - exam_started) / 60, "seed": seed, "runtime": rt.name,
            "stamp": finished.strftime("%Y%m%d-%H%M%S")}
    md, page = write_report(scores, meta, lang)
    summary = summarize(scores)
    names = domain_names()
    for s in scores:
        say(f"  {s.points:>2}/{s.max_points:<2} {s.title[lang]} [{s.id}]")
    for domain, d in summary["domains"].items():
        say(f"  {names[domain][lang]}: {d['percent']:.0f} %")
    verdict = REPORT_WORDS[lang]["pass" if summary["passed"] else "fail"]
    say(f"==> {summary['percent']:.1f} % — {verdict} (pass mark {PASS_MARK:.0f} %)")
    say(f"    report: {md}\n            {page}")
    return 0


# --------------------------------------------------------------------------- check


@dataclasses.dataclass
class Verdict:
    task: Task
    problems: list[str]
    seconds: float
    skipped: str = ""


def failed_ids(results: list[CheckResult]) -> set[str]:
    return {r.check.id for r in results if not r.passed}


def check_task(task: Task, rt: Runtime, timeout: float) -> Verdict:
    started = time.monotonic()
    problems: list[str] = []
    try:
        setup(task, rt)
        untouched = grade(task, rt, timeout)
        got, total = score(untouched)
        if got == total:
            problems.append(f"the grader gives full marks ({got}/{total}) to the untouched setup")
        env = task_env(task, rt)
        result = bash(task.solution, env, timeout=180)
        if result.returncode != 0:
            problems.append(f"the reference solution failed (exit {result.returncode}): "
                            f"{(result.stderr or result.stdout).strip()[-400:]}")
        solved = grade(task, rt, timeout)
        if failed_ids(solved):
            details = "; ".join(f"{r.check.id}: {r.detail.splitlines()[0] if r.detail else 'failed'}"
                                for r in solved if not r.passed)
            problems.append(f"the reference solution does not get full marks: {details}")
        for other in task.data.get("alternatives") or []:
            setup(task, rt)
            bash(other["script"], task_env(task, rt), timeout=180)
            missed = failed_ids(grade(task, rt, timeout))
            if missed:
                problems.append(f"alternative solution '{other['name']}' is correct but loses {sorted(missed)}: "
                                "the grader rejects a right answer")
        for wrong in task.data["wrong"]:
            setup(task, rt)
            env = task_env(task, rt)
            bash(wrong["script"], env, timeout=180)
            lost = failed_ids(grade(task, rt, timeout))
            if lost != set(wrong["lost"]):
                problems.append(f"wrong solution '{wrong['name']}' loses {sorted(lost) or 'nothing'}, "
                                f"expected {sorted(wrong['lost'])}")
    except PracticeError as err:
        problems.append(str(err))
    finally:
        reset(task, rt)
    return Verdict(task, problems, time.monotonic() - started)


def cmd_check(args) -> int:
    tasks = load_tasks()
    rt = detect_runtime()
    chosen = [find(tasks, t) for t in args.tasks] if args.tasks else tasks
    runnable = [t for t in chosen if t.runtime == "any" or t.runtime == rt.name]
    skipped = [t for t in chosen if t not in runnable]
    say(f"==> practice-check: {len(runnable)} tasks on the {rt.name} runtime, {args.parallel} at a time")
    for task in skipped:
        say(f"    skipped {task.id}: needs the {task.runtime} runtime (real containers or a real kubelet)")
    started = time.monotonic()
    group_locks: dict[str, threading.Lock] = {}
    for task in runnable:
        if task.data.get("group"):
            group_locks.setdefault(task.data["group"], threading.Lock())

    def one(task: Task) -> Verdict:
        lock = group_locks.get(task.data.get("group")) or contextlib.nullcontext()
        with lock:
            verdict = check_task(task, rt, args.timeout)
        mark = "ok  " if not verdict.problems else "FAIL"
        say(f"  {mark} {task.id:<28} {len(task.data['wrong'])} wrong, {verdict.seconds:5.1f} s")
        for problem in verdict.problems:
            say(f"       {problem}")
        return verdict

    # Tasks of a group wait for one another: start the biggest groups first.
    order = sorted(runnable, key=lambda t: -sum(1 for u in runnable if t.data.get("group") and
                                                u.data.get("group") == t.data.get("group")))
    alone = [t for t in order if t.data.get("alone")]
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.parallel) as pool:
        verdicts = list(pool.map(one, [t for t in order if t not in alone]))
    verdicts += [one(t) for t in alone]  # tasks that need the cluster to themselves run last, one by one
    bad = [v for v in verdicts if v.problems]
    say(f"==> practice-check: {len(verdicts) - len(bad)} passed, {len(bad)} failed"
        f"{f', {len(skipped)} skipped' if skipped else ''} in {time.monotonic() - started:.1f} s")
    return 1 if bad else 0


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", choices=LANGS, help="language of the task text (default: $PRACTICE_LANG or ko)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the tasks with their status").set_defaults(func=cmd_list)
    start = sub.add_parser("start", help="set up a task and print it")
    start.add_argument("task")
    start.set_defaults(func=cmd_start)
    grade_cmd = sub.add_parser("grade", help="grade a task")
    grade_cmd.add_argument("task")
    grade_cmd.add_argument("--timeout", type=float, default=5.0, help="seconds each check may take to become true")
    grade_cmd.set_defaults(func=cmd_grade)
    reset_cmd = sub.add_parser("reset", help="clean up a task (or `all`)")
    reset_cmd.add_argument("task")
    reset_cmd.set_defaults(func=cmd_reset)
    mock = sub.add_parser("mock-exam", help="a timed mock exam with a score report")
    mock.add_argument("--seed", type=int, help="draw the same tasks again")
    mock.add_argument("--minutes", type=float, default=EXAM_MINUTES)
    mock.add_argument("--no-wait", action="store_true", help="grade right after the setup (for tests)")
    mock.add_argument("--solve", action="store_true", help="apply the reference solutions first (for tests)")
    mock.set_defaults(func=cmd_mock_exam)
    check = sub.add_parser("check", help="prove every grader honest")
    check.add_argument("tasks", nargs="*")
    check.add_argument("--parallel", type=int, default=int(os.environ.get("PRACTICE_PARALLEL") or 6))
    check.add_argument("--timeout", type=float, default=4.0)
    check.set_defaults(func=cmd_check)
    args = parser.parse_args(argv)
    if getattr(args, "task", None) == "":
        args.task = None

    def command() -> int:
        if args.command != "list":
            tools.ensure(["chainsaw", "kubernetes", "etcd"], quiet=True)
        return args.func(args)

    return tools.run_command(command, PracticeError, cluster.ClusterError)


if __name__ == "__main__":
    sys.exit(main())
