"""The mock exam: tasks drawn by the exam's domain weights, a countdown, grading, the report."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import random
import select
import sys
import time

from .. import cluster
from ..cache import bin_dir
from ..console import say
from . import history
from .grading import grade
from .reports import REPORT_WORDS, summarize, task_score, write_report
from .runner import bash, detect_runtime, reset, setup, task_env
from .state import load_state
from .tasks import (
    EXAM_TASKS,
    PASS_MARK,
    WORDS,
    WORK,
    PracticeError,
    Task,
    domain_names,
    lang_of,
    load_tasks,
    task_sheet,
)


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
    say(f"\n    export KUBECONFIG={cluster.kubeconfig()} PATH={bin_dir()}:$PATH\n")
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
    if not args.solve:  # a test run with the reference solutions is not the learner's attempt
        for task, results in zip(chosen, graded):
            history.record(history.attempt_of(task, results, "mock"))
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


