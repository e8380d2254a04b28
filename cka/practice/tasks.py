"""Practice tasks as data: the schema of practice/<domain>/<id>.yaml, loading them, and
filling their text. No cluster code: the site's pages and `make validate` read tasks
through this module alone.

A task is one file: the task text in Korean and English, the competencies it trains,
a setup script, checks with points (chainsaw assertions against the cluster or a
file, or a bash script), a reference solution, alternative correct solutions (each
must get full marks), wrong solutions with the checks they must lose, hints and an
explanation.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re

import yaml

from .. import curriculum, slot, versions
from ..errors import ProjectError
from ..languages import languages
from ..languages import prefix as language_prefix
from ..paths import BUILD, PRACTICE, ROOT
from ..yamlfile import LOADER

TASKS_DIR = PRACTICE
# A second kubeadm cluster (KUBEADM_SLOT=2, cka.slot) keeps its tasks' files apart: build/practice-2/.
WORK = BUILD / f"practice{slot.suffix()}"
STATE_FILE = WORK / "state.json"
REPORTS = WORK / "reports"
LANGS = languages()
EXAM_TASKS = 17
EXAM_MINUTES = 120
PASS_MARK = 66.0
SITE = "http://127.0.0.1:8000"
# Where a task runs: `any` runtime, or only on real `nodes` (the kubeadm and kind runtimes).
RUNTIMES = ("any", "nodes")
REAL_NODE_RUNTIMES = ("kind", "kubeadm")
NEEDS_NODES = ("needs real nodes: it runs on the kubeadm runtime (`make cluster-down; make cluster-up "
               "CLUSTER_RUNTIME=kubeadm`, as root on Linux) or the kind runtime")
# A task that starts its own cluster: `cluster: previous` replaces the kubeadm cluster with one a minor
# behind (the upgrade exercise), so it runs only on that runtime, alone; the next task's reset brings
# the usual cluster back (cka.practice.runner).
CLUSTER_STARTS = ("previous",)
NEEDS_KUBEADM = ("starts its own cluster one minor behind: it runs on the kubeadm runtime (`make cluster-down; "
                 "make cluster-up CLUSTER_RUNTIME=kubeadm`, as root on Linux)")
# How long a learner's answer may take in `make practice-check`: an upgrade runs for minutes.
ANSWER_SECONDS = 180
CLUSTER_ANSWER_SECONDS = 900
TASK_LABEL = "practice.cka-guide.io/task"
TOP_KEYS = {"domain", "competencies", "weight", "runtime", "group", "alone", "page", "namespaces", "cluster_objects",
            "cluster", "title", "task", "alternatives",
            "hints", "explanation", "setup", "solution", "reset", "checks", "wrong"}
# A version placeholder followed by a particle whose form depends on how the number ends (1.35는, 1.36은).
VERSION_PARTICLE = re.compile(r"(\{k8s(?:_[a-z]+)?\}`?)(은|는|이|가|을|를|과|와|으로|로|이다|다)")
CHECK_KEYS = {"id", "points", "text", "hint", "assert", "file", "script", "guard"}

WORDS = {
    "ko": {
        "passed": "통과", "failed": "실패", "hint": "힌트", "score": "점수", "context": "컨텍스트",
        "ready": "준비 완료", "grade_with": "다 풀었으면 채점하자", "reset_with": "정리", "page": "관련 페이지",
        "not_started": "—", "set_up": "진행 중", "graded": "채점", "needs_nodes": "실제 노드 전용",
        "left": "남은 시간", "task": "과제",
        "keys": "n 다음 · p 이전 · 번호 그 과제로 · f 플래그 켜기/끄기 · l 목록 · t 과제 다시 보기 · g 채점하고 끝내기 (입력 뒤 Enter, Enter만 누르면 남은 시간)",
        "time_up": "시간이 다 됐다. 채점한다.", "flagged_left": "플래그를 단 과제가 남아 있다: {}", "explanation": "해설", "task_page": "과제와 풀이",
        "guard": "과제에서 요구한 변경이 하나라도 맞아야 점수가 된다",
    },
    "en": {
        "passed": "passed", "failed": "failed", "hint": "hint", "score": "score", "context": "context",
        "ready": "ready", "grade_with": "when you are done, grade it", "reset_with": "clean up", "page": "read",
        "not_started": "—", "set_up": "in progress", "graded": "graded", "needs_nodes": "real nodes only",
        "left": "time left", "task": "task",
        "keys": "n next · p previous · a number goes to that task · f flag/unflag · l list · t show the task again · g grade and finish (then Enter; Enter alone: the time left)",
        "time_up": "Time is up. Grading.", "flagged_left": "Flagged tasks left: {}", "explanation": "Explanation", "task_page": "task and solution",
        "guard": "counts once a change the task asks for is right",
    },
}



class PracticeError(ProjectError):
    """A problem with a practice task that the user can fix, printed as one sentence."""


@dataclasses.dataclass
class Check:
    id: str
    points: int
    text: dict
    hint: dict
    assertion: str | None = None
    file: str | None = None
    script: str | None = None
    # A guard holds in the setup and only a mistake breaks it (the app still serves, the other data is
    # kept): its points count only when a check that needs the answer passes too, so that an untouched
    # task scores 0.
    guard: bool = False


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

    def runs_on(self, runtime: str | None) -> bool:
        """Whether the task can be set up on that runtime (binary, kind or kubeadm)."""
        if self.data.get("cluster"):
            return runtime == "kubeadm"
        return self.runtime == "any" or runtime in REAL_NODE_RUNTIMES

    @property
    def needs(self) -> str:
        """Why the task cannot be set up on another runtime, and what to start instead."""
        return NEEDS_KUBEADM if self.data.get("cluster") else NEEDS_NODES

    @property
    def answer_seconds(self) -> int:
        return CLUSTER_ANSWER_SECONDS if self.data.get("cluster") else ANSWER_SECONDS

    @property
    def namespaces(self) -> list[str]:
        return list(self.data.get("namespaces") or [])

    @property
    def checks(self) -> list[Check]:
        return [Check(id=c["id"], points=int(c["points"]), text={k: fill(v, self) for k, v in c["text"].items()},
                      hint=c.get("hint") or {},
                      assertion=c.get("assert"), file=c.get("file"), script=c.get("script"),
                      guard=bool(c.get("guard")))
                for c in self.data["checks"]]

    @property
    def max_points(self) -> int:
        return sum(c.points for c in self.checks)

    def text(self, key: str, lang: str, **values) -> str:
        return fill(self.data[key][lang], self, **values)


def domain_names() -> dict[str, dict]:
    return curriculum.domains()


def task_errors(task_id: str, rel: str, data, domains: dict, root: pathlib.Path = ROOT) -> list[str]:
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
    if "cluster" in data:
        if data["cluster"] not in CLUSTER_STARTS:
            add(f"{rel}: `cluster` is `previous` (the kubeadm cluster one minor behind), or left out")
        if data.get("runtime") != "nodes" or data.get("alone") is not True:
            add(f"{rel}: `cluster: {data['cluster']}` replaces the whole cluster: the task needs `runtime: nodes` "
                "and `alone: true`")
    page = data.get("page", "")
    if not all((root / "docs" / f"{page}.{lang}.md").exists() for lang in LANGS):
        add(f"{rel}: page `{page}` has no docs/{page}.ko.md and .en.md")
    for key in ("title", "task", "explanation"):
        value = data.get(key)
        if not isinstance(value, dict) or any(not str(value.get(lang, "")).strip() for lang in LANGS):
            add(f"{rel}: `{key}` needs text in both ko and en")
        elif set(value) - set(LANGS):
            add(f"{rel}: `{key}` has keys other than {', '.join(LANGS)}: a comma in an unquoted text of "
                f"`{{ko: …, en: …}}` cut it short; put the text in double quotes")
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
        if "guard" in check and not isinstance(check["guard"], bool):
            add(f"{where}: `guard` is true or false")
        if check.get("assert"):
            try:
                list(yaml.safe_load_all(check["assert"]))
            except yaml.YAMLError as err:
                add(f"{where}: the assertion is not YAML: {err}")
        for key in ("text", "hint"):
            if not isinstance(check.get(key), dict) or any(not check[key].get(lang) for lang in LANGS):
                add(f"{where}: `{key}` needs ko and en")
            elif set(check[key]) - set(LANGS):
                add(f"{where}: `{key}` has keys other than {', '.join(LANGS)}: a comma in an unquoted text of "
                    f"`{{ko: …, en: …}}` cut it short; put the text in double quotes")
    korean = [(key, (data.get(key) or {}).get("ko")) for key in ("title", "task", "explanation")
              if isinstance(data.get(key), dict)]
    korean += [("hints", hint) for hint in ((hints.get("ko") or []) if isinstance(hints, dict) else [])]
    korean += [(f"check {n} {key}", c[key].get("ko")) for n, c in enumerate(checks, 1) if isinstance(c, dict)
               for key in ("text", "hint") if isinstance(c.get(key), dict)]
    for key, text in korean:
        for m in VERSION_PARTICLE.finditer(str(text or "")):
            add(f"{rel}: {key} (ko): `{m.group(0)}`: the particle's form depends on the version's last digit; "
                "write the word 버전 before it (`{k8s} 버전으로`, `{k8s} 버전은`) or reword")
    if len(checks) < 2:
        add(f"{rel}: a task needs at least two checks, so that partial credit means something")
    elif all(isinstance(c, dict) and c.get("guard") is True for c in checks):
        add(f"{rel}: every check is a guard; at least one check must need the answer (remove `guard: true` from it)")
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
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
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
    """Replace {dir}, {context}, {etcd} and the version placeholders of version_values() in a task's text."""
    rt = runtime or Runtime.site()
    text = str(text).replace("{dir}", workdir(task, rt)).replace("{context}", rt.context).replace("{etcd}", rt.etcd)
    for placeholder, _, value in version_values():
        text = text.replace(placeholder, value)
    return text


def k8s_version() -> str:
    return versions.kubernetes()


def version_values() -> list[tuple[str, str, str]]:
    """(text placeholder, script variable, value) of every version a task may name: the exam's release,
    its minor, the release the upgrade task starts from, and the Debian package version of the exam's
    release as pkgs.k8s.io spells it (1.35.4-1.1)."""
    return [("{k8s}", "K8S_VERSION", k8s_version()),
            ("{k8s_minor}", "K8S_MINOR", versions.get("kubernetes", "minor")),
            ("{k8s_previous}", "K8S_PREVIOUS", versions.get("kubernetes", "previous_version")),
            ("{k8s_package}", "K8S_PACKAGE", versions.package_version(k8s_version()))]


def page_url(page: str, lang: str, anchor: str = "") -> str:
    prefix = language_prefix(lang)
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


def lang_of(args) -> str:
    """The learner's language: --lang, else $PRACTICE_LANG, else the site's default."""
    return getattr(args, "lang", None) or os.environ.get("PRACTICE_LANG") or LANGS[0]
