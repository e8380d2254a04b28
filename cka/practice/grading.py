"""Grading a task check by check: chainsaw assertions and bash checks, with partial credit."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import pathlib
import subprocess
import tempfile
import time

from ..cache import tool_path
from ..console import say
from .runner import bash, task_env
from .tasks import WORDS, Check, Runtime, Task, fill, page_url, workdir


@dataclasses.dataclass
class CheckResult:
    check: Check
    passed: bool
    detail: str = ""
    counted: bool = True  # False for a guard that holds while no check that needs the answer passes

    @property
    def points(self) -> int:
        return self.check.points if self.passed and self.counted else 0


def count_guards(results: list[CheckResult]) -> list[CheckResult]:
    """A guard's points count only when some check that needs the answer passes."""
    answered = any(r.passed for r in results if not r.check.guard)
    for r in results:
        r.counted = answered or not r.check.guard
    return results


def run_check(task: Task, check: Check, rt: Runtime, timeout: float) -> CheckResult:
    env = task_env(task, rt)
    if check.assertion is not None:
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
            handle.write(check.assertion)
        cmd = [tool_path("chainsaw"), "assert", "--no-color", "--file", handle.name,
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
        return count_guards(list(pool.map(lambda c: run_check(task, c, rt, timeout), checks)))


def score(results: list[CheckResult]) -> tuple[int, int]:
    return sum(r.points for r in results), sum(r.check.points for r in results)


def feedback(task: Task, results: list[CheckResult], lang: str) -> list[str]:
    """What the learner reads after grading, in their language: each check with its points; for a failed
    check why (its hint), what the grader saw and the page to read; the score; on full marks the explanation."""
    w = WORDS[lang]
    page = page_url(task.page, lang)
    lines = []
    for r in results:
        mark = "✔" if r.passed else "✘"
        lines.append(f"  {mark} {w['passed'] if r.passed else w['failed']:<6} {r.points}/{r.check.points}  "
                     f"{r.check.text[lang]}")
        if r.passed and not r.counted:
            lines.append(f"           {w['guard']}")
        if not r.passed:
            lines.append(f"           {w['hint']}: {fill(r.check.hint[lang], task)}")
            lines.extend(f"           | {line}" for line in r.detail.splitlines()[:3])
            lines.append(f"           {w['page']}: {page}")
    got, total = score(results)
    lines.append(f"{w['score']}: {got}/{total} ({100 * got / total:.0f} %)")
    if got == total:
        lines.append("")
        lines.append(f"{w['explanation']}:")
        lines.extend("  " + line for line in fill(task.explanation[lang], task).rstrip().splitlines())
    return lines


def print_results(task: Task, results: list[CheckResult], lang: str) -> None:
    for line in feedback(task, results, lang):
        say(line)


def failed_ids(results: list[CheckResult]) -> set[str]:
    return {r.check.id for r in results if not r.passed}


