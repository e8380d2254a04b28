"""`make practice-check`: proves every grader honest. For every task the runtime can run: setup then
grade (must score 0: only guards may hold, and they count only with an answer), the reference solution (full marks), every alternative correct
solution (full marks: a grader that rejects a right answer fails the build), and each wrong
solution on a fresh setup (must lose exactly the checks it names)."""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import threading
import time

from ..console import say
from .grading import failed_ids, grade, score
from .runner import bash, detect_runtime, reset, settle, setup, task_env
from .tasks import PracticeError, Runtime, Task, find, load_tasks


@dataclasses.dataclass
class Verdict:
    task: Task
    problems: list[str]
    seconds: float
    skipped: str = ""


def check_task(task: Task, rt: Runtime, timeout: float) -> Verdict:
    started = time.monotonic()
    problems: list[str] = []
    try:
        setup(task, rt)
        untouched = grade(task, rt, timeout)
        got, total = score(untouched)
        if got:
            held = ", ".join(r.check.id for r in untouched if r.points)
            problems.append(f"the untouched setup scores {got}/{total}: {held} already hold before any answer; "
                            "mark a check that only a mistake can break `guard: true`, or make it need the answer")
        env = task_env(task, rt)
        result = bash(task.solution, env, timeout=task.answer_seconds)
        settle(task, rt)
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
            bash(other["script"], task_env(task, rt), timeout=task.answer_seconds)
            settle(task, rt)
            missed = failed_ids(grade(task, rt, timeout))
            if missed:
                problems.append(f"alternative solution '{other['name']}' is correct but loses {sorted(missed)}: "
                                "the grader rejects a right answer")
        for wrong in task.data["wrong"]:
            setup(task, rt)
            env = task_env(task, rt)
            bash(wrong["script"], env, timeout=task.answer_seconds)
            settle(task, rt)
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
    runnable = [t for t in chosen if t.runs_on(rt.name)]
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


