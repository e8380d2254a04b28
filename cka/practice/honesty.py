"""`make practice-check`: proves every grader honest. For every task the runtime can run: setup then
grade (must score 0: only guards may hold, and they count only with an answer), the reference solution (full marks), every alternative correct
solution (full marks: a grader that rejects a right answer fails the build), and each wrong
solution on a fresh setup (must lose exactly the checks it names)."""

from __future__ import annotations

import concurrent.futures
import collections
import dataclasses
import json
import subprocess
import time

from .. import slot
from ..console import say
from ..paths import REPORTS
from .grading import CheckResult, failed_ids, grade, score
from .runner import Clock, bash, detect_runtime, reset, settle, setup, task_env
from .tasks import PracticeError, Runtime, Task, find, load_tasks


@dataclasses.dataclass
class Verdict:
    task: Task
    problems: list[str]
    seconds: float
    phases: dict[str, float] = dataclasses.field(default_factory=dict)


def check_task(task: Task, rt: Runtime, timeout: float) -> Verdict:
    started = time.monotonic()
    clock = Clock()
    problems: list[str] = []

    def answer(script: str) -> subprocess.CompletedProcess:
        with clock("answer"):
            result = bash(script, task_env(task, rt), timeout=task.answer_seconds)
        with clock("settle"):
            settle(task, rt)
        return result

    def graded() -> list[CheckResult]:
        with clock("grade"):
            return grade(task, rt, timeout)

    try:
        setup(task, rt, clock)
        untouched = graded()
        got, total = score(untouched)
        if got:
            held = ", ".join(r.check.id for r in untouched if r.points)
            problems.append(f"the untouched setup scores {got}/{total}: {held} already hold before any answer; "
                            "mark a check that only a mistake can break `guard: true`, or make it need the answer")
        result = answer(task.solution)
        if result.returncode != 0:
            problems.append(f"the reference solution failed (exit {result.returncode}): "
                            f"{(result.stderr or result.stdout).strip()[-400:]}")
        solved = graded()
        if failed_ids(solved):
            details = "; ".join(f"{r.check.id}: {r.detail.splitlines()[0] if r.detail else 'failed'}"
                                for r in solved if not r.passed)
            problems.append(f"the reference solution does not get full marks: {details}")
        for other in task.data.get("alternatives") or []:
            setup(task, rt, clock)
            answer(other["script"])
            missed = failed_ids(graded())
            if missed:
                problems.append(f"alternative solution '{other['name']}' is correct but loses {sorted(missed)}: "
                                "the grader rejects a right answer")
        for wrong in task.data["wrong"]:
            setup(task, rt, clock)
            answer(wrong["script"])
            lost = failed_ids(graded())
            if lost != set(wrong["lost"]):
                problems.append(f"wrong solution '{wrong['name']}' loses {sorted(lost) or 'nothing'}, "
                                f"expected {sorted(wrong['lost'])}")
    except PracticeError as err:
        problems.append(str(err))
    finally:
        with clock("reset"):
            reset(task, rt)
    return Verdict(task, problems, time.monotonic() - started, dict(clock.spent))


def report_phases(verdicts: list[Verdict], wall: float, parallel: int, runtime: str) -> None:
    """Where the time went: seconds per phase over all tasks, the slowest tasks, and a JSON report."""
    totals: collections.Counter[str] = collections.Counter()
    for v in verdicts:
        totals.update(v.phases)
    busy = sum(v.seconds for v in verdicts)
    say(f"==> practice-check time: {busy:.0f} s of task time in {wall:.0f} s, {parallel} at a time")
    for phase, seconds in totals.most_common():
        say(f"    {phase:<18} {seconds:7.0f} s  {100 * seconds / busy if busy else 0:3.0f} %")
    slowest = sorted(verdicts, key=lambda v: -v.seconds)[:8]
    say("    slowest: " + ", ".join(f"{v.task.id} {v.seconds:.0f} s" for v in slowest))
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"practice-check-{runtime}{slot.suffix() if runtime == 'kubeadm' else ''}.json").write_text(json.dumps({
        "wall_seconds": round(wall, 1), "parallel": parallel,
        "phases": {k: round(v, 1) for k, v in totals.most_common()},
        "tasks": {v.task.id: {"seconds": round(v.seconds, 1), "passed": not v.problems,
                              "phases": {k: round(s, 1) for k, s in v.phases.items()}} for v in verdicts},
    }, indent=1) + "\n", encoding="utf-8")


def scenarios(task: Task) -> int:
    """How many times practice-check sets the task up: the reference, each alternative, each wrong solution."""
    return 1 + len(task.data.get("alternatives") or []) + len(task.data["wrong"])


def work_units(tasks: list[Task]) -> list[list[Task]]:
    """What the workers take, longest first: the tasks of one `group` (which must not run side by side)
    as one unit, in file order; every other task as a unit of its own. A worker never waits for a group."""
    units: dict[str, list[Task]] = {}
    for task in tasks:
        units.setdefault(task.data.get("group") or f"task:{task.id}", []).append(task)
    return sorted(units.values(), key=lambda unit: -sum(scenarios(t) for t in unit))


def select(tasks: list[Task], names: list[str], runtime: str, alone: str) -> tuple[list[Task], list[Task]]:
    """The tasks to check (the named ones, or all) and those the runtime cannot run. alone: `last` keeps
    every task; `only` keeps the tasks that need the cluster to themselves (`alone: true`) and `skip`
    the others, so that the two halves run on two clusters at once (KUBEADM_SLOT=2)."""
    chosen = [find(tasks, t) for t in names] if names else tasks
    runnable = [t for t in chosen if t.runs_on(runtime)]
    skipped = [t for t in chosen if t not in runnable]
    if alone != "last":
        runnable = [t for t in runnable if bool(t.data.get("alone")) == (alone == "only")]
    return runnable, skipped


def cmd_check(args) -> int:
    rt = detect_runtime()
    runnable, skipped = select(load_tasks(), args.tasks, rt.name, args.alone)
    say(f"==> practice-check: {len(runnable)} tasks on the {rt.name} runtime, {args.parallel} at a time"
        + {"last": "", "only": " (only the tasks that need the cluster alone)",
           "skip": " (without the tasks that need the cluster alone)"}[args.alone])
    for task in skipped:
        say(f"    skipped {task.id}: needs the {task.runtime} runtime (real containers or a real kubelet)")
    if not runnable:
        raise PracticeError("practice-check: no task to check here (the task names, the runtime and --alone "
                            "leave none)")
    started = time.monotonic()

    def one(task: Task) -> Verdict:
        verdict = check_task(task, rt, args.timeout)
        mark = "ok  " if not verdict.problems else "FAIL"
        say(f"  {mark} {task.id:<28} {len(task.data['wrong'])} wrong, {verdict.seconds:5.1f} s")
        for problem in verdict.problems:
            say(f"       {problem}")
        return verdict

    alone = [t for t in runnable if t.data.get("alone")]
    units = work_units([t for t in runnable if t not in alone])
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.parallel) as pool:
        verdicts = [v for unit in pool.map(lambda unit: [one(t) for t in unit], units) for v in unit]
    verdicts += [one(t) for t in alone]  # tasks that need the cluster to themselves run last, one by one
    report_phases(verdicts, time.monotonic() - started, args.parallel, rt.name)
    bad = [v for v in verdicts if v.problems]
    say(f"==> practice-check: {len(verdicts) - len(bad)} passed, {len(bad)} failed"
        f"{f', {len(skipped)} skipped' if skipped else ''} in {time.monotonic() - started:.1f} s")
    return 1 if bad else 0


