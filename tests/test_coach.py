"""The exam coach without a cluster: the recorded history, the feedback of `make grade`, `make progress`
and `make drill`, on tasks and histories that each test writes itself."""

from __future__ import annotations

import datetime as dt
import pathlib
import re

from cka.practice import drill, history, progress
from cka.practice.grading import CheckResult, count_guards, feedback, score
from cka.practice.tasks import Task

START = dt.datetime(2026, 1, 1, 9, 0, 0)


def task(task_id: str, competencies: list[str], domain: str, page: str = "storage/persistent-volumes",
         runtime: str = "any", weight: int = 5) -> Task:
    checks = [{"id": f"c{n}", "points": 1, "text": {"ko": f"확인 {n}", "en": f"check {n}"},
               "hint": {"ko": f"힌트 {n}", "en": f"hint {n}"}, "script": "true"} for n in (1, 2, 3, 4)]
    data = {"domain": domain, "competencies": competencies, "weight": weight, "page": page, "runtime": runtime,
            "title": {"ko": task_id, "en": task_id}, "explanation": {"ko": "해설 본문", "en": "Why it works."},
            "checks": checks}
    return Task(task_id, pathlib.Path(f"practice/{domain}/{task_id}.yaml"), data)


TASKS = [
    task("rbac-a", ["rbac"], "cluster-architecture", page="cluster-architecture/cluster-roles"),
    task("rbac-b", ["rbac"], "cluster-architecture", page="cluster-architecture/cluster-roles"),
    task("netpol-a", ["network-policies"], "services-networking", page="services-networking/network-policies"),
    task("pv-a", ["pv-pvc", "volume-types"], "storage"),
    task("dns-a", ["coredns"], "services-networking", page="services-networking/dns"),
    task("logs-a", ["output-streams"], "troubleshooting", page="troubleshooting/application-failure", runtime="nodes"),
]
BY_ID = {t.id: t for t in TASKS}


class Recorder:
    """Writes attempts to a history file one minute apart, then reads the file back as the commands do."""

    def __init__(self, tmp_path: pathlib.Path):
        self.path = tmp_path / "history.jsonl"
        self.n = 0

    def add(self, task_id: str, points: int, source: str = "practice") -> None:
        t = BY_ID[task_id]
        results = [CheckResult(c, passed=n < points) for n, c in enumerate(t.checks)]
        attempt = history.attempt_of(t, results, source, START + dt.timedelta(minutes=self.n))
        assert attempt.points == points, "the test builds results that sum to the points asked for"
        history.record(attempt, self.path)
        self.n += 1

    def load(self) -> list[history.Attempt]:
        return history.load(self.path)


def test_history_round_trip_keeps_checks_and_source_and_skips_a_damaged_line(tmp_path):
    rec = Recorder(tmp_path)
    rec.add("pv-a", 2, "mock")
    with rec.path.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    rec.add("rbac-a", 4)
    got = rec.load()
    assert [(a.task, a.points, a.max_points, a.source) for a in got] == [("pv-a", 2, 4, "mock"), ("rbac-a", 4, 4, "practice")]
    assert got[0].checks == {"c1": [1, 1], "c2": [1, 1], "c3": [0, 1], "c4": [0, 1]}
    assert got[0].competencies == ("pv-pvc", "volume-types") and got[0].domain == "storage"


def test_feedback_gives_the_hint_and_page_of_a_failed_check_and_the_explanation_on_full_marks():
    t = BY_ID["netpol-a"]
    failed = feedback(t, [CheckResult(t.checks[0], True), CheckResult(t.checks[1], False, "saw nothing")], "ko")
    text = "\n".join(failed)
    assert "힌트: 힌트 2" in text and "힌트 1" not in text and "| saw nothing" in text
    assert "관련 페이지: http://127.0.0.1:8000/services-networking/network-policies/" in text
    assert "해설 본문" not in text
    passed = feedback(t, [CheckResult(c, True) for c in t.checks], "en")
    assert passed[-1].strip() == "Why it works." and not any("hint" in line for line in passed)


def test_a_guard_counts_only_with_a_check_that_needs_the_answer():
    t = task("guarded", ["pv-pvc"], "storage")
    t.data["checks"][3]["guard"] = True
    checks = t.checks
    untouched = count_guards([CheckResult(c, c.guard) for c in checks])
    assert score(untouched) == (0, 4) and untouched[3].passed and not untouched[3].counted
    text = "\n".join(feedback(t, untouched, "en"))
    assert "counts once a change the task asks for is right" in text
    answered = count_guards([CheckResult(c, c.id in ("c1", "c4")) for c in checks])
    assert score(answered) == (2, 4) and answered[3].points == 1
    broken = count_guards([CheckResult(c, c.id != "c4") for c in checks])
    assert score(broken) == (3, 4)


def test_drill_picks_the_weakest_competency(tmp_path):
    rec = Recorder(tmp_path)
    rec.add("netpol-a", 1)   # 25 %: the weakest
    rec.add("rbac-a", 2)     # 50 %
    rec.add("dns-a", 3)      # 75 %
    rec.add("pv-a", 4)
    choice, _ = drill.choose(TASKS, rec.load(), "binary", "en")
    assert (choice.task.id, choice.competency.id) == ("netpol-a", "network-policies")


def test_drill_prefers_a_weak_competency_to_one_not_started_and_skips_kind_tasks_on_binary(tmp_path):
    rec = Recorder(tmp_path)
    rec.add("dns-a", 0)
    rec.add("pv-a", 4)
    choice, reasons = drill.choose(TASKS, rec.load(), "binary", "ko")
    assert choice.task.id == "dns-a" and "가장 약한 역량" in reasons[0]
    rec2 = Recorder(tmp_path / "b")
    (tmp_path / "b").mkdir()
    for t in ("rbac-a", "rbac-b", "netpol-a", "pv-a", "dns-a"):
        rec2.add(t, 4)
        rec2.add(t, 4)
    assert drill.choose(TASKS, rec2.load(), "binary", "en")[0] is None
    assert drill.choose(TASKS, rec2.load(), "kind", "en")[0].task.id == "logs-a"


def test_a_failed_task_returns_only_after_its_interval(tmp_path):
    rec = Recorder(tmp_path)
    for t in ("netpol-a", "pv-a", "dns-a", "rbac-b"):   # everything else holds (rbac-b not yet due for review)
        rec.add(t, 4)
        rec.add(t, 4)
    rec.add("rbac-a", 1)
    choice, reasons = drill.choose(TASKS, rec.load(), "binary", "en")
    assert choice is None, f"rbac-a came back at once: {reasons}"
    assert "rbac-a comes back after more graded attempts: 1" in reasons[-1]
    rec.add("dns-a", 4)                                  # one attempt later: its interval (1) has passed
    choice, _ = drill.choose(TASKS, rec.load(), "binary", "en")
    assert choice.task.id == "rbac-a"
    rec.add("rbac-a", 4)                                 # solved now: the next interval is longer (3)
    assert drill.waits("rbac-a", rec.load()) == 3
    for _ in range(2):
        rec.add("dns-a", 4)
        assert drill.choose(TASKS, rec.load(), "binary", "en")[0] is None
    rec.add("dns-a", 4)
    assert drill.choose(TASKS, rec.load(), "binary", "en")[0].task.id == "rbac-a"


def test_intervals_grow_with_each_success_and_reset_on_a_failure():
    def attempts(*points):
        return [history.Attempt("2026-01-01T00:00:0%d" % n, "x", ("rbac",), "cluster-architecture", {}, p, 4)
                for n, p in enumerate(points)]
    assert [drill.INTERVALS[drill.box(attempts(*p))] for p in ((0,), (0, 4), (0, 4, 4), (0, 4, 4, 4), (0, 4, 4, 4, 4),
                                                              (0, 4, 4, 0))] == [1, 3, 7, 14, 14, 1]


def test_a_competency_that_holds_is_left_alone(tmp_path):
    rec = Recorder(tmp_path)
    rec.add("rbac-a", 4)
    rec.add("rbac-b", 4)                                 # rbac holds: the latest two at full marks
    rec.add("netpol-a", 4)
    rec.add("netpol-a", 4)
    for _ in range(20):                                  # long enough for every review interval to pass
        rec.add("pv-a", 4)
    rec.add("dns-a", 0)                                  # the only weak one, not due yet
    attempts = rec.load()
    standings = progress.competency_standings(TASKS, attempts)
    assert standings["rbac"].status == "holding" and drill.waits("rbac-a", attempts) <= 0
    choice, reasons = drill.choose(TASKS, attempts, "binary", "en")
    assert choice is None, f"{choice.task.id} was picked although its competency holds"
    assert reasons[0].startswith("Nothing to drill now")


def test_progress_counts_and_statuses(tmp_path):
    rec = Recorder(tmp_path)
    rec.add("rbac-b", 1)                                 # rbac: a task failed and not solved since, so no hold
    rec.add("rbac-a", 4)
    rec.add("rbac-a", 4)
    rec.add("pv-a", 2, "mock")
    rec.add("pv-a", 4)
    rec.add("netpol-a", 4)
    rec.add("dns-a", 4)
    rec.add("dns-a", 4)
    got = progress.competency_standings(TASKS, rec.load())
    summary = {cid: (len(s.attempts), s.status, s.latest.points if s.latest else None) for cid, s in got.items()
               if cid in ("rbac", "pv-pvc", "volume-types", "network-policies", "coredns", "output-streams",
                          "gateway-api")}
    assert summary == {"rbac": (3, "weak", 4), "pv-pvc": (2, "weak", 4), "volume-types": (2, "weak", 4),
                       "network-policies": (1, "weak", 4), "coredns": (2, "holding", 4),
                       "output-streams": (0, "not-started", None), "gateway-api": (0, "no-task", None)}
    assert got["rbac"].study.id == "rbac-b" and got["rbac"].level == (100 + 25) / 2
    domains = progress.domain_standings(got)
    assert (len(domains["services-networking"].attempts), domains["services-networking"].status) == (3, "weak")
    assert domains["troubleshooting"].status == "not-started" and domains["storage"].status == "weak"
    lines = progress.terminal_report(TASKS, rec.load(), "en")
    rbac_line = next(line for line in lines if line.startswith("Manage role based access control"))
    assert re.search(r"\s3\s+4/4 \(100 %\) rbac-a\s+weak\s+http://127\.0\.0\.1:8000/en/cluster-architecture/cluster-roles/",
                     rbac_line), rbac_line


def test_the_html_report_has_one_bar_per_competency_with_an_attempt(tmp_path):
    rec = Recorder(tmp_path)
    rec.add("rbac-a", 4)
    rec.add("pv-a", 2)        # two competencies
    rec.add("dns-a", 0)       # a bar of zero width still counts
    page = progress.write_html(TASKS, rec.load(), "ko", directory=tmp_path / "reports").read_text(encoding="utf-8")
    bars = re.findall(r'<rect class="bar" data-competency="([^"]+)"', page)
    assert sorted(bars) == ["coredns", "pv-pvc", "rbac", "volume-types"]
    assert "<svg" in page and "<script" not in page.lower() and not re.search(r"\ssrc=|@import|url\(", page)
    assert 'lang="ko"' in page and "역량별" in page
