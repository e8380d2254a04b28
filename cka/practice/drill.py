"""`make drill`: picks the next task from the recorded attempts (cka.practice.history).

1. Competencies that hold (see cka.practice.progress) are left alone.
2. The weakest competency comes first: the weak ones by their level (the mean of the latest result
   of each task tried), lowest first; then the ones not started, from the domain with the
   largest exam weight; then the ones solved at full marks but not yet twice in a row.
   Competencies without a task are skipped.
3. In that competency, a task that is due comes first (the lowest latest result first), then a
   task never tried. When it has neither, the next competency is taken.

Spaced repetition (Leitner boxes), counted in graded attempts of any task, practice or mock,
so that it works for an evening's session as well as over weeks: a task's box is 0 after a
failed attempt (anything below full marks) and goes up by one with each full-marks attempt,
up to the last box. A task is due again once INTERVALS[box] attempts were graded after its
latest attempt: a failed task comes back after 1 attempt, then after 3, 7 and 14 as it keeps
being solved; a new failure puts it back into box 0.
"""

from __future__ import annotations

import dataclasses

from .history import Attempt
from .progress import Standing, competency_standings, latest_by_task
from .tasks import Task, domain_names

INTERVALS = (1, 3, 7, 14)   # graded attempts to wait, by box

WORDS = {
    "ko": {"weak": "가장 약한 역량은 「{name}」이다(수준 {level:.0f} %, 시도 {attempts}회).",
           "new_comp": "아직 시작하지 않은 역량: 「{name}」(도메인 비중 {weight} %).",
           "due": "과제 {task}의 최근 결과는 {percent:.0f} %이고, 간격 {interval}회가 지났다({since}회 전).",
           "fresh": "{task} 과제는 아직 풀어 보지 않았다.",
           "nothing": "지금 풀 과제가 없다: 과제가 있는 역량은 모두 유지 중이거나 간격을 기다린다.",
           "soonest": "{left}회 더 채점하면 {task} 과제가 다시 나온다.",
           "all_hold": "모든 역량이 유지 중이다. make mock-exam 으로 모의시험을 보자.",
           "choice": "다음 과제", "why": "이유", "start": "시작하려면"},
    "en": {"weak": "Competency “{name}” is the weakest (level {level:.0f} %, attempts: {attempts}).",
           "new_comp": "Competency “{name}” is not started yet (domain weight {weight} %).",
           "due": "Task {task} last scored {percent:.0f} % and its interval has passed "
                  "(interval: {interval} graded attempts; graded since: {since}).",
           "fresh": "Task {task} has not been tried yet.",
           "nothing": "Nothing to drill now: every competency with a task holds or waits for its interval.",
           "soonest": "{task} comes back after more graded attempts: {left}.",
           "all_hold": "Every competency holds. Take a mock exam: make mock-exam.",
           "choice": "next task", "why": "why", "start": "to start it"},
}


@dataclasses.dataclass
class Choice:
    task: Task
    competency: Standing
    reasons: list[str]


def box(attempts: list[Attempt]) -> int:
    """The Leitner box of one task from its attempts, oldest first."""
    current = 0
    for attempt in attempts:
        current = min(current + 1, len(INTERVALS) - 1) if attempt.full else 0
    return current


def since(task_id: str, history: list[Attempt]) -> int | None:
    """Graded attempts after the task's latest attempt (None when it was never tried)."""
    for n, attempt in enumerate(reversed(history)):
        if attempt.task == task_id:
            return n
    return None


def waits(task_id: str, history: list[Attempt]) -> int:
    """Attempts still to grade before the task is due (0 or less: due; a task never tried is not due)."""
    mine = [a for a in history if a.task == task_id]
    after = since(task_id, history)
    return INTERVALS[box(mine)] - after if after is not None else 0


def competency_order(standings: dict[str, Standing]) -> list[Standing]:
    weights = {d: info["weight"] for d, info in domain_names().items()}
    order = list(standings)
    weak = sorted((s for s in standings.values() if s.status == "weak"),
                  key=lambda s: (s.level, order.index(s.id)))
    fresh = sorted((s for s in standings.values() if s.status == "not-started"),
                   key=lambda s: (-weights.get(s.domain, 0), order.index(s.id)))
    # A competency solved at full marks but not yet twice in a row is not weak: it waits for its review
    # after the ones never tried.
    return [s for s in weak if s.level < 100] + fresh + [s for s in weak if s.level >= 100]


def choose(tasks: list[Task], history: list[Attempt], runtime: str, lang: str) -> tuple[Choice | None, list[str]]:
    """The next task and why, or None and why not."""
    w = WORDS[lang]
    usable = [t for t in tasks if t.runs_on(runtime)]
    standings = competency_standings(usable, history)
    last = latest_by_task(history)
    weights = {d: info["weight"] for d, info in domain_names().items()}
    for comp in competency_order(standings):
        due = [t for t in comp.tasks if t.id in last and waits(t.id, history) <= 0]
        fresh = [t for t in comp.tasks if t.id not in last]
        if comp.status == "weak":
            reasons = [w["weak"].format(name=comp.name[lang], level=comp.level, attempts=len(comp.attempts))]
        else:
            reasons = [w["new_comp"].format(name=comp.name[lang], weight=weights.get(comp.domain, 0))]
        if due:
            task = min(due, key=lambda t: (last[t.id].percent, box([a for a in history if a.task == t.id]), t.id))
            mine = [a for a in history if a.task == task.id]
            reasons.append(w["due"].format(task=task.id, percent=last[task.id].percent, interval=INTERVALS[box(mine)],
                                           since=since(task.id, history)))
            return Choice(task, comp, reasons), reasons
        if fresh:
            task = sorted(fresh, key=lambda t: (-t.weight, t.id))[0]
            reasons.append(w["fresh"].format(task=task.id))
            return Choice(task, comp, reasons), reasons
    pending = [(waits(t.id, history), t.id) for s in standings.values() if s.status == "weak" for t in s.tasks
               if t.id in last]
    if pending:
        left, task_id = min(pending)
        return None, [w["nothing"], w["soonest"].format(task=task_id, left=left)]
    return None, [w["all_hold"]]
