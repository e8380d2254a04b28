"""The practice pages, from the task files in practice/ (the same files the grader reads).

docs/practice/index.<lang>.md carries <!-- practice-index -->, replaced by a table of every
task by domain. docs/practice/<domain>.<lang>.md carries <!-- practice-tasks: <domain> -->,
replaced by the tasks of that domain: the context line, the task, the competencies it trains,
hints and the solution in collapsed blocks, what the grader checks with its points, and the
explanation with a link to the page on the topic.
"""

from __future__ import annotations

import re

from .. import curriculum
from ..content import page_link, read_front_matter
from ..errors import ProjectError
from ..paths import DOCS
from ..practice.tasks import Runtime, domain_names, fill, version_values, workdir

INDEX = "<!-- practice-index -->"
TASKS = re.compile(r"<!-- practice-tasks: ([a-z-]+) -->")
# A Korean term followed by its English name in parentheses: 롤(Role), 퍼시스턴트볼륨(PersistentVolume).
GLOSSED = re.compile(r"([가-힣]+)\(([A-Z][A-Za-z]+)\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)

WORDS = {
    "ko": {"task": "과제", "domain": "도메인", "weight": "비중", "checks": "채점 항목", "points": "점",
           "hint": "힌트", "solution": "풀이", "why": "설명", "read": "자세히", "nodes": "실제 노드 전용",
           "nodes_note": "실제 컨테이너나 kubelet, 노드 접속이 필요해 실제 노드가 있는 런타임에서만 준비된다: "
                         "kubeadm 런타임(`make cluster-up CLUSTER_RUNTIME=kubeadm`, 리눅스에서 root)이나 "
                         "kind 런타임. 바이너리 런타임은 이 과제를 건너뛴다.",
           "kubeadm": "kubeadm 런타임 전용",
           "kubeadm_note": "`make practice`가 kubeadm 클러스터를 한 마이너 버전 아래({k8s_previous})로 새로 띄운다"
                           "(75초쯤). 다음 과제나 `make practice-reset`이 평소의 {k8s} 클러스터를 다시 띄운다. "
                           "kubeadm 런타임(`make cluster-up CLUSTER_RUNTIME=kubeadm`, 리눅스에서 root)에서만 준비된다.",
           "start": "시작", "runtime": "런타임", "any": "모두", "total": "합계", "trains": "훈련하는 역량"},
    "en": {"task": "Task", "domain": "Domain", "weight": "Weight", "checks": "What is graded", "points": "pt",
           "hint": "Hint", "solution": "Solution", "why": "Why", "read": "Read more", "nodes": "real nodes only",
           "nodes_note": "Needs containers that really run, a real kubelet or a node to log in to, so it is set "
                         "up only on a runtime with real nodes: the kubeadm runtime (`make cluster-up "
                         "CLUSTER_RUNTIME=kubeadm`, root on Linux) or the kind runtime. The binary runtime skips it.",
           "kubeadm": "kubeadm runtime only",
           "kubeadm_note": "`make practice` starts a new kubeadm cluster one minor behind ({k8s_previous}, about "
                           "75 s); the next task or `make practice-reset` brings the usual {k8s} cluster "
                           "back. It is set up only on the kubeadm runtime (`make cluster-up CLUSTER_RUNTIME=kubeadm`, "
                           "root on Linux).",
           "start": "Start", "runtime": "Runtime", "any": "all", "total": "Total", "trains": "Competencies"},
}


def first_gloss_only(text: str) -> str:
    """Keep the English in parentheses at the first use of each term on the page only."""
    seen: set[str] = set()

    def one(match: re.Match) -> str:
        term = match.group(1)
        if term in seen:
            return term
        seen.add(term)
        return match.group(0)

    parts, last = [], 0
    for fence in FENCE.finditer(text):
        parts.append(GLOSSED.sub(one, text[last:fence.start()]))
        parts.append(fence.group(0))
        last = fence.end()
    parts.append(GLOSSED.sub(one, text[last:]))
    return "".join(parts)


def indent(text: str, spaces: int = 4) -> str:
    return "\n".join((" " * spaces + line) if line.strip() else "" for line in text.rstrip().splitlines())


def task_markdown(task, lang: str, page_dir: str) -> str:
    w = WORDS[lang]
    domains = domain_names()
    site = Runtime.site()
    out = [f"## {task.title[lang]} {{#{task.id}}}", ""]
    meta = f"`{task.id}` · {domains[task.domain][lang]} · {w['weight']} {task.weight} % · {task.max_points} {w['points']}"
    out += [meta, "", f"{w['trains']}: " + " · ".join(competency_names(task, lang)), ""]
    if task.data.get("cluster"):
        out += [f'!!! note "{w["kubeadm"]}"', f"    {fill(w['kubeadm_note'], task, site)}", ""]
    elif task.runtime == "nodes":
        out += [f'!!! note "{w["nodes"]}"', f"    {w['nodes_note']}", ""]
    out += ["```bash", f"make practice TASK={task.id}", f"kubectl config use-context {site.context}", "```", ""]
    out += [fill(task.task[lang], task, site).rstrip(), ""]
    for number, hint in enumerate(task.hints[lang], 1):
        out += [f'??? tip "{w["hint"]} {number}"', indent(fill(hint, task, site)), ""]
    out += [f"**{w['checks']}** (`make grade TASK={task.id}`)", ""]
    for check in task.checks:
        out.append(f"- {check.points} {w['points']}: {check.text[lang]}")
    out += ["", f'??? success "{w["solution"]}"', "    ```bash",
            indent(solution_text(task), 4), "    ```", ""]
    link = page_link(page_dir, task.page)
    out += [f'??? info "{w["why"]}"', indent(fill(task.explanation[lang], task, site)), "",
            f"    {w['read']}: [{page_title(task.page, lang)}]({link})", ""]
    return "\n".join(out)


def page_title(page: str, lang: str) -> str:
    return str(read_front_matter(DOCS / f"{page}.{lang}.md").get("title") or page)


def solution_text(task) -> str:
    """The reference solution as a reader types it: paths and versions filled in, linter comments dropped."""
    site = Runtime.site()
    lines = [line for line in task.solution.splitlines() if not line.lstrip().startswith("# shellcheck")]
    text = "\n".join(lines)
    variables = [("$DIR", workdir(task, site)), ("$ETCDCTL_FLAGS", site.etcd)]
    for _, variable, value in version_values():
        variables += [(f"${{{variable}}}", value), (f"${variable}", value)]
    for name, value in variables:
        text = text.replace(f'"{name}', f'"{value}' if " " not in value else f'{value}').replace(name, value)
    return text


def competency_names(task, lang: str) -> list[str]:
    """The curriculum's names of the competencies a task trains, in the reader's language."""
    known = curriculum.competencies()
    return [known[c][lang] for c in task.data.get("competencies") or [] if c in known]


def domain_markdown(domain: str, lang: str, page_dir: str, tasks: list) -> str:
    mine = [t for t in tasks if t.domain == domain]
    if not mine:
        raise ProjectError(f"docs/practice: no practice task has domain `{domain}`")
    return first_gloss_only("\n".join(task_markdown(t, lang, page_dir) for t in mine))


def index_markdown(lang: str, tasks: list) -> str:
    w = WORDS[lang]
    domains = domain_names()
    out = []
    for domain, info in domains.items():
        mine = [t for t in tasks if t.domain == domain]
        out += [f"### {info[lang]} ({info['weight']} %)", "",
                f"| {w['task']} | id | {w['weight']} | {w['checks']} | {w['runtime']} |", "| --- | --- | ---: | ---: | --- |"]
        for t in mine:
            runtime = w["kubeadm"] if t.data.get("cluster") else w["nodes"] if t.runtime == "nodes" else w["any"]
            out.append(f"| [{t.title[lang]}]({domain}.md#{t.id}) | `{t.id}` | {t.weight} % | {t.max_points} {w['points']} | {runtime} |")
        out.append("")
    out.append(f"{w['total']}: {len(tasks)}")
    return "\n".join(out)


