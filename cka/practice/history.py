"""The learner's record: every graded attempt, one JSON line each, in build/practice/history.jsonl.

`make grade` and every task of `make mock-exam` append a line; nothing leaves the machine.
A line holds the time, the task id, its domain and competencies, the points of each check,
the total, and where it came from (`practice` or `mock`). `progress` and `drill` read it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pathlib
import threading

from .tasks import WORK, Task

HISTORY = WORK / "history.jsonl"
SOURCES = ("practice", "mock")
_LOCK = threading.Lock()


@dataclasses.dataclass(frozen=True)
class Attempt:
    time: str                        # ISO 8601, local time, seconds
    task: str
    competencies: tuple[str, ...]
    domain: str
    checks: dict                     # check id -> [points earned, points possible]
    points: int
    max_points: int
    source: str = "practice"

    @property
    def full(self) -> bool:
        return self.max_points > 0 and self.points == self.max_points

    @property
    def percent(self) -> float:
        return 100 * self.points / self.max_points if self.max_points else 0.0

    def line(self) -> str:
        data = dataclasses.asdict(self)
        data["competencies"] = list(self.competencies)
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


def attempt_of(task: Task, results, source: str, when: dt.datetime | None = None) -> Attempt:
    """The record of one graded attempt; `results` are grading.CheckResult objects."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}")
    checks = {r.check.id: [r.points, r.check.points] for r in results}
    return Attempt(time=(when or dt.datetime.now()).isoformat(timespec="seconds"), task=task.id,
                   competencies=tuple(task.data.get("competencies") or ()), domain=task.domain, checks=checks,
                   points=sum(p for p, _ in checks.values()), max_points=sum(m for _, m in checks.values()),
                   source=source)


def record(attempt: Attempt, path: pathlib.Path = HISTORY) -> None:
    with _LOCK:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(attempt.line() + "\n")


def load(path: pathlib.Path = HISTORY) -> list[Attempt]:
    """Every recorded attempt, oldest first (a damaged line is skipped, not fatal)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    attempts = []
    for line in text.splitlines():
        try:
            data = json.loads(line)
            attempts.append(Attempt(time=str(data["time"]), task=str(data["task"]),
                                    competencies=tuple(data.get("competencies") or ()), domain=str(data.get("domain", "")),
                                    checks=dict(data.get("checks") or {}), points=int(data["points"]),
                                    max_points=int(data["max_points"]), source=str(data.get("source", "practice"))))
        except (ValueError, KeyError, TypeError):
            continue
    return sorted(attempts, key=lambda a: a.time)  # stable: attempts of the same second keep their order
