"""The mock exam: a random draw by the exam's domain weights or a fixed set (cka.practice.mocks), the exam
terminal (time left, the task on screen with its weight and time spent, flags), grading, the report."""

from __future__ import annotations

import argparse
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
from .grading import grade, score
from .mocks import footprint, load_sets, set_tasks
from .reports import REPORT_WORDS, summarize, task_score, write_report
from .runner import bash, detect_runtime, reset, settle, setup, task_env, wait_gone
from .state import load_state
from .tasks import (
    EXAM_MINUTES,
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
    """`total` tasks the runtime can run, by domain quota, at most one task per group and none that creates a
    namespace or cluster object another one creates, shuffled."""
    rng = random.Random(seed)
    # A task that needs the cluster to itself (draining a node evicts the other tasks' Pods) is not drawn.
    usable = [t for t in tasks if t.runs_on(runtime) and not t.data.get("alone")]
    wanted = quotas(total)
    for domain, count in wanted.items():
        have = sum(1 for t in usable if t.domain == domain)
        if have < count:
            raise PracticeError(f"only {have} tasks of `{domain}` run on the {runtime} runtime; a mock exam needs {count}")
    for _ in range(1000):
        chosen: list[Task] = []
        groups: set[str] = set()
        taken: set[str] = set()  # namespaces and cluster objects: one task's setup must not remove another's
        for domain, count in wanted.items():
            pool = [t for t in usable if t.domain == domain]
            rng.shuffle(pool)
            for task in pool:
                if sum(1 for t in chosen if t.domain == domain) == count:
                    break
                group = task.data.get("group")
                if group and group in groups:
                    continue
                if footprint(task.data) & taken:
                    continue
                taken |= footprint(task.data)
                chosen.append(task)
                if group:
                    groups.add(group)
        if len(chosen) == total:
            rng.shuffle(chosen)  # the exam mixes the domains
            return chosen
    raise PracticeError("no draw satisfies the domain quotas with one task per group; add tasks outside the groups")


class Clock:
    """Time spent on each task: the clock runs for the task on screen."""

    def __init__(self, count: int) -> None:
        self.spent = [0.0] * count
        self.current = 0
        self._since = time.monotonic()

    def go(self, index: int) -> None:
        now = time.monotonic()
        self.spent[self.current] += now - self._since
        self.current, self._since = index, now

    def stop(self) -> None:
        self.go(self.current)


def status_line(chosen: list[Task], clock: Clock, flags: set[int], left: float, lang: str) -> str:
    """One line: time left, the current task with its weight and time spent, and the flagged tasks."""
    w = WORDS[lang]
    h, rest = divmod(max(0, int(left)), 3600)
    m, s = divmod(rest, 60)
    task = chosen[clock.current]
    spent = clock.spent[clock.current] + time.monotonic() - clock._since
    flagged = ",".join(str(i + 1) for i in sorted(flags)) or "—"
    return (f"⏱ {w['left']} {h}:{m:02d}:{s:02d} · {w['task']} {clock.current + 1}/{len(chosen)} "
            f"({task.weight} %, {int(spent // 60)}:{int(spent % 60):02d}){' ⚑' if clock.current in flags else ''}"
            f" · ⚑ {flagged}")


def show_task(chosen: list[Task], index: int, rt, lang: str) -> None:
    say("\n" + task_sheet(chosen[index], rt, lang, index + 1))


def exam_loop(chosen: list[Task], rt, seconds: float, lang: str, clock: Clock, flags: set[int],
              stream=None) -> None:
    """The exam terminal: a prompt loop until the time runs out or the learner grades.

    n next · p previous · <number> go to a task · f flag/unflag · l list · t task text again · g grade;
    Enter alone shows the status line (time left) again.
    Reads whole lines, so it works in any terminal and with piped input (end of input waits for the time).
    """
    w = WORDS[lang]
    stream = stream or sys.stdin
    deadline = time.monotonic() + seconds
    show_task(chosen, 0, rt, lang)
    say(f"\n{w['keys']}")
    stdin_open = not stream.closed
    prompted = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            say(f"\n{w['time_up']}")
            break
        if not prompted:
            sys.stdout.write(status_line(chosen, clock, flags, left, lang) + " > ")
            sys.stdout.flush()
            prompted = True
        if not stdin_open:
            time.sleep(min(5.0, left))
            continue
        if not select.select([stream], [], [], min(30.0, left))[0]:
            continue
        line = stream.readline()
        prompted = False
        if not line:
            stdin_open = False  # end of input (no terminal): wait for the time to run out
            say("")
            continue
        cmd = line.strip().lower()
        if cmd == "":
            continue  # Enter alone: the status line again, with the time left now
        if cmd == "n":
            if clock.current + 1 < len(chosen):
                clock.go(clock.current + 1)
                show_task(chosen, clock.current, rt, lang)
        elif cmd == "p":
            if clock.current > 0:
                clock.go(clock.current - 1)
                show_task(chosen, clock.current, rt, lang)
        elif cmd.isdigit() and 1 <= int(cmd) <= len(chosen):
            clock.go(int(cmd) - 1)
            show_task(chosen, clock.current, rt, lang)
        elif cmd == "f":
            flags.symmetric_difference_update({clock.current})
        elif cmd == "t":
            show_task(chosen, clock.current, rt, lang)
        elif cmd == "l":
            spent = list(clock.spent)
            spent[clock.current] += time.monotonic() - clock._since
            for i, task in enumerate(chosen):
                mark = ">" if i == clock.current else " "
                say(f" {mark}{i + 1:>2}. {'⚑' if i in flags else ' '} {task.weight:>2} % "
                    f"{int(spent[i] // 60):>3}:{int(spent[i] % 60):02d}  {task.title[lang]}")
        elif cmd in ("g", "q"):
            if flags:
                say(w["flagged_left"].format(", ".join(str(i + 1) for i in sorted(flags))))
            break
        else:
            say(w["keys"])
    clock.stop()


def cmd_mock_exam(args) -> int:
    tasks = load_tasks()
    lang = lang_of(args)
    rt = detect_runtime()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    if args.set:
        chosen = set_tasks(args.set, tasks)
        for task in chosen:
            if not task.runs_on(rt.name):
                raise PracticeError(f"{task.id} (mock exam set {args.set}) {task.needs}")
        label = f"set {args.set}"
    else:
        chosen = draw(tasks, rt.name, seed)
        label = f"seed {seed}"
    started_at = dt.datetime.now()
    say(f"==> mock exam: {len(chosen)} tasks ({label}), setting them up …")
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
    nodes = f"{cluster.node_access_dir()}:" if cluster.node_access_dir().is_dir() else ""
    say(f"\n    export KUBECONFIG={cluster.kubeconfig()} PATH={nodes}{bin_dir()}:$PATH")
    exam_started = time.monotonic()
    clock = Clock(len(chosen))
    flags: set[int] = set()
    if args.solve and getattr(args, "untouched_first", False):
        # Before any answer, every task must score 0 (guards count only with an answer).
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            untouched = list(pool.map(lambda t: grade(t, rt, 5.0), chosen))
        free = [f"{t.id} {score(r)[0]}/{score(r)[1]}" for t, r in zip(chosen, untouched) if score(r)[0]]
        if free:
            raise PracticeError(f"untouched, the mock exam gives points: {', '.join(free)}")
        say(f"    untouched: 0 points in every task ({time.monotonic() - exam_started:.1f} s)")
    if args.solve:
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            solved = list(pool.map(lambda t: bash(t.solution, task_env(t, rt)), chosen))
        for task, result in zip(chosen, solved):
            if result.returncode != 0:
                say(f"    {task.id}: the reference solution failed (exit {result.returncode}): "
                    f"{(result.stderr or result.stdout).strip()[-400:]}")
        for task in chosen:
            settle(task, rt)
    if args.no_wait:
        say("\n" + sheet)
    else:
        exam_loop(chosen, rt, args.minutes * 60, lang, clock, flags)
    clock.stop()
    say("==> grading …")
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        graded = list(pool.map(lambda t: grade(t, rt, 10.0 if args.solve else 5.0), chosen))
    scores = [task_score(t, r, lang, spent, i in flags)
              for i, (t, r, spent) in enumerate(zip(chosen, graded, clock.spent))]
    if not (args.solve or args.no_wait):  # a test run is not the learner's attempt
        for task, results in zip(chosen, graded):
            history.record(history.attempt_of(task, results, "mock"))
    finished = dt.datetime.now()
    meta = {"started": started_at.isoformat(timespec="seconds"), "finished": finished.isoformat(timespec="seconds"),
            "minutes": (time.monotonic() - exam_started) / 60, "seed": seed, "set": args.set, "runtime": rt.name,
            "stamp": finished.strftime("%Y%m%d-%H%M%S")}
    md, page = write_report(scores, meta, lang)
    summary = summarize(scores)
    names = domain_names()
    for n, s in enumerate(scores, 1):
        say(f"  {n:>2}. {s.points:>2}/{s.max_points:<2} {int(s.seconds // 60):>3}:{int(s.seconds % 60):02d}"
            f"{' ⚑' if s.flagged else '  '} {s.title[lang]} [{s.id}]")
    for domain, d in summary["domains"].items():
        say(f"  {names[domain][lang]}: {d['percent']:.0f} %")
    verdict = REPORT_WORDS[lang]["pass" if summary["passed"] else "fail"]
    say(f"==> {summary['percent']:.1f} % — {verdict} (pass mark {PASS_MARK:.0f} %)")
    say(f"    report: {md}\n            {page}")
    if args.expect is not None and abs(summary["percent"] - args.expect) > 0.05:
        raise PracticeError(f"the mock exam scored {summary['percent']:.1f} %, expected {args.expect:g} %: "
                            + ", ".join(f"{s.id} {s.points}/{s.max_points}" for s in scores
                                        if (s.points != s.max_points if args.expect else s.points)))
    return 0


def cmd_mock_check(args) -> int:
    """Every fixed set and one random draw, each set up once: graded untouched (must score 0 %), then
    with the reference solutions (must score 100 %), then reset, with the time of each
    (`make test`, step `practice: mock exams`)."""
    rt = detect_runtime()
    tasks = load_tasks()
    names = args.sets or list(load_sets())
    # Besides the fixed sets, one random draw (its seed printed, so a failure can be drawn again).
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    exams = [(f"set {name}", name, None) for name in names] + ([] if args.sets else [(f"draw {seed}", None, seed)])
    times, failed = [], []
    for label, name, draw_seed in exams:
        chosen = set_tasks(name, tasks) if name else draw(tasks, rt.name, draw_seed)
        run = argparse.Namespace(set=name, seed=draw_seed, minutes=EXAM_MINUTES, no_wait=True, solve=True,
                                 untouched_first=True, expect=100.0, lang=getattr(args, "lang", None))
        t0 = time.monotonic()
        try:
            cmd_mock_exam(run)
        except PracticeError as err:
            failed.append(f"{label}: {err}")
            say(f"error: {err}")
        for task in chosen:
            reset(task, rt)
        for task in chosen:
            wait_gone(task)
        times.append((label, time.monotonic() - t0))
    say("==> mock exams (each must score 0 % untouched and 100 % solved)")
    for label, seconds in times:
        say(f"  {label:<12} {seconds:6.1f} s")
    if failed:
        raise PracticeError("; ".join(failed))
    return 0
