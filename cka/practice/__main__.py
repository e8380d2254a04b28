"""Graded practice tasks and a timed mock exam on the practice cluster.

  python -m cka.practice list                  every task by domain, with its status      (make practice)
  python -m cka.practice start TASK            reset, set up and print one task           (make practice TASK=…)
  python -m cka.practice grade TASK            grade it check by check, with hints        (make grade TASK=…)
  python -m cka.practice reset TASK            remove what the task and you created       (make practice-reset TASK=…)
  python -m cka.practice mock-exam             17 tasks drawn by domain weight, 2 hours, a score report (make mock-exam)
  python -m cka.practice mock-exam --set a     a fixed mock exam of practice/mock-exams.yaml (make mock-exam SET=a)
  python -m cka.practice progress              attempts, latest result and status per competency and domain (make progress)
  python -m cka.practice drill [--dry-run]     pick the next task: weakest competency, spaced repetition (make drill)
  python -m cka.practice check [TASK…]         prove every grader honest                   (make practice-check)
  python -m cka.practice mock-check [SET…]     each fixed mock exam and a random draw: untouched 0 %, solved 100 %, timed

A task is one file, practice/<domain>/<id>.yaml: the task text in Korean and English,
a setup script, checks with points (chainsaw assertions against the cluster or a
file, or a bash script), a reference solution, wrong solutions with the checks
they must lose, hints and an explanation. The site's practice pages are built
from the same files (cka.site.practice_pages).

Every graded attempt (`grade`, and each task of `mock-exam`) is appended to
build/practice/history.jsonl (cka.practice.history); `progress` and `drill` read it
(cka.practice.progress, cka.practice.drill say how statuses and the next task are chosen).

`check` runs, for every task the runtime can run: setup then grade (must not get
full marks), the reference solution then grade (must get full marks), and each
wrong solution on a fresh setup (must lose exactly the checks it names).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time

from .. import cluster
from ..cache import bin_dir
from ..console import say
from ..errors import run_command
from ..tools import ensure
from . import drill, history, progress
from .exam import cmd_mock_check, cmd_mock_exam
from .grading import grade, print_results, score
from .honesty import cmd_check
from .runner import detect_runtime, require_task_cluster, reset, setup, wait_gone
from .state import load_state, save_state
from .tasks import (
    EXAM_MINUTES,
    LANGS,
    WORDS,
    PracticeError,
    domain_names,
    find,
    lang_of,
    load_tasks,
    page_url,
    task_sheet,
)


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
            if not task.runs_on(runtime or "binary"):
                status = w["needs_nodes"]
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


def start_task(task, lang: str) -> None:
    """Reset, set up and print one task (`make practice TASK=…`, and `make drill`)."""
    w = WORDS[lang]
    started = time.monotonic()
    rt = detect_runtime()
    setup(task, rt)
    save_state(task.id, {"started": dt.datetime.now().isoformat(timespec="seconds")})
    say(task_sheet(task, rt, lang))
    say(f"\n==> {w['ready']} ({time.monotonic() - started:.1f} s). {w['grade_with']}: make grade TASK={task.id}"
        f" · {w['reset_with']}: make practice-reset TASK={task.id}")
    nodes = f"{cluster.node_access_dir()}:" if cluster.node_access_dir().is_dir() else ""
    say(f"    export KUBECONFIG={cluster.kubeconfig()} PATH={nodes}{bin_dir()}:$PATH")


def cmd_start(args) -> int:
    start_task(find(load_tasks(), args.task), lang_of(args))
    return 0


def cmd_grade(args) -> int:
    tasks = load_tasks()
    task = find(tasks, args.task)
    lang = lang_of(args)
    rt = detect_runtime()
    if not task.runs_on(rt.name):
        raise PracticeError(f"{task.id} {task.needs}")
    require_task_cluster(task, rt)
    say(f"==> {task.title[lang]} [{task.id}]")
    results = grade(task, rt, args.timeout)
    history.record(history.attempt_of(task, results, "practice"))
    got, total = score(results)
    save_state(task.id, {"score": got, "max": total, "graded": dt.datetime.now().isoformat(timespec="seconds")})
    print_results(task, results, lang)  # ends with the explanation on full marks
    if got != total:
        say(f"{WORDS[lang]['task_page']}: {page_url('practice/' + task.domain, lang, task.id)}")
    return 0 if got == total else 1


def cmd_progress(args) -> int:
    lang = lang_of(args)
    tasks = load_tasks()
    attempts = history.load()
    for line in progress.terminal_report(tasks, attempts, lang):
        say(line)
    page = progress.write_html(tasks, attempts, lang, dt.datetime.now().isoformat(timespec="minutes"))
    say(f"\n    {progress.WORDS[lang]['report']}: {page}")
    return 0


def cmd_drill(args) -> int:
    lang = lang_of(args)
    tasks = load_tasks()
    w = drill.WORDS[lang]
    if args.dry_run:
        runtime = (cluster.current_runtime() if cluster.runtime_file().exists() else None) or "binary"
    else:
        runtime = detect_runtime().name
    choice, reasons = drill.choose(tasks, history.load(), runtime, lang)
    if choice is None:
        for line in reasons:
            say(line)
        return 0
    say(f"==> {w['choice']}: {choice.task.title[lang]} [{choice.task.id}]")
    for line in reasons:
        say(f"    {w['why']}: {line}")
    if args.dry_run:
        say(f"    {w['start']}: make practice TASK={choice.task.id}")
        return 0
    say("")
    start_task(choice.task, lang)
    return 0


def cmd_reset(args) -> int:
    tasks = load_tasks()
    rt = detect_runtime()
    chosen = tasks if args.task == "all" else [find(tasks, args.task)]
    for task in chosen:
        if not task.runs_on(rt.name):
            continue
        reset(task, rt)
        save_state(task.id, None)
    for task in chosen:
        wait_gone(task)
    say(f"==> reset: {', '.join(t.id for t in chosen) if len(chosen) < 5 else f'{len(chosen)} tasks'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cka.practice", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
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
    mock.add_argument("--set", help="a fixed mock exam of practice/mock-exams.yaml (a, b) instead of a random draw")
    mock.add_argument("--expect", type=float, help="fail unless the score is this percent (for tests)")
    mock.add_argument("--minutes", type=float, default=EXAM_MINUTES)
    mock.add_argument("--no-wait", action="store_true", help="grade right after the setup (for tests)")
    mock.add_argument("--solve", action="store_true", help="apply the reference solutions first (for tests)")
    mock.set_defaults(func=cmd_mock_exam)
    mock_check = sub.add_parser("mock-check", help="each fixed set and a random draw: untouched (0 %%), then solved (100 %%), timed")
    mock_check.add_argument("sets", nargs="*", help="the sets (default: all, and one random draw)")
    mock_check.add_argument("--seed", type=int, help="the random draw's seed (default: a new one, printed)")
    mock_check.set_defaults(func=cmd_mock_check)
    sub.add_parser("progress", help="where you stand, per competency and domain").set_defaults(func=cmd_progress)
    drill_cmd = sub.add_parser("drill", help="set up the next task to practise")
    drill_cmd.add_argument("--dry-run", action="store_true", help="print the choice and why, set nothing up")
    drill_cmd.set_defaults(func=cmd_drill)
    check = sub.add_parser("check", help="prove every grader honest")
    check.add_argument("tasks", nargs="*")
    check.add_argument("--parallel", type=int, default=int(os.environ.get("PRACTICE_PARALLEL") or 8))
    check.add_argument("--timeout", type=float, default=4.0)
    check.add_argument("--alone", choices=("last", "only", "skip"), default="last",
                       help="the tasks that need the cluster to themselves: after the others, one by one (last, the "
                            "default), only them, or none of them (skip)")
    check.set_defaults(func=cmd_check)
    args = parser.parse_args(argv)
    if getattr(args, "task", None) == "":
        args.task = None

    def command() -> int:
        if args.command not in ("list", "progress") and not getattr(args, "dry_run", False):
            ensure(["chainsaw", "kubernetes", "etcd"], quiet=True)
        return args.func(args)

    return run_command(command)


if __name__ == "__main__":
    sys.exit(main())
