"""The fixed mock exams without a cluster: the sets of practice/mock-exams.yaml, their validation,
the exam terminal on piped input, and the report's time spent, flags and hints."""

from __future__ import annotations

import copy
import os
import pathlib

import yaml

from cka.practice import exam, mocks, reports, tasks
from cka.practice.grading import CheckResult

WEIGHTS = {d: info["weight"] for d, info in tasks.domain_names().items()}


def real():
    return yaml.safe_load(mocks.MOCK_FILE.read_text(encoding="utf-8")), mocks.raw_tasks()


def test_the_fixed_sets_are_valid_and_disjoint_and_cover_every_domain():
    data, raw = real()
    assert mocks.set_errors(data, raw, WEIGHTS) == []
    assert set(data["sets"]) == {"a", "b"}
    ids = [i for s in data["sets"].values() for i in s["tasks"]]
    assert len(ids) == len(set(ids))
    for entry in data["sets"].values():
        assert 16 <= len(entry["tasks"]) <= 17
        assert {raw[i]["domain"] for i in entry["tasks"]} == set(WEIGHTS)
        assert len({c for i in entry["tasks"] for c in raw[i]["competencies"]}) >= 15
    loaded = tasks.load_tasks()
    assert [t.id for t in mocks.set_tasks("b", loaded)] == data["sets"]["b"]["tasks"]


def test_set_validation_names_each_mistake():
    data, raw = real()
    a, b = data["sets"]["a"]["tasks"], data["sets"]["b"]["tasks"]
    kind = next(i for i, t in raw.items() if t.get("runtime") == "nodes")
    alone = next(i for i, t in raw.items() if t.get("alone"))
    grouped = [i for i, t in raw.items() if t.get("group") == "persistent-volumes"]

    def errors(edit):
        broken = copy.deepcopy(data)
        edit(broken["sets"])
        return "\n".join(mocks.set_errors(broken, raw, WEIGHTS))

    assert "no task `nope`" in errors(lambda s: s["a"]["tasks"].__setitem__(0, "nope"))
    assert f"`{b[0]}` is already in set `a`" in errors(lambda s: s["a"]["tasks"].__setitem__(0, b[0]))
    assert f"`{kind}` does not run on the binary runtime" in errors(lambda s: s["b"]["tasks"].append(kind))
    assert f"`{alone}` does not run on the binary runtime" in errors(lambda s: s["b"]["tasks"].append(alone))
    free = next(i for i in grouped if i not in a + b)
    assert any(raw[i].get("group") == "persistent-volumes" for i in a), "set a holds a task of the group"
    assert "share the group `persistent-volumes`" in errors(lambda s: s["a"]["tasks"].append(free))
    # helm-install-values creates the namespace `shop` that netpol-ingress sets up and resets
    assert "both use namespace/shop" in errors(lambda s: s["a"]["tasks"].__setitem__(
        s["a"]["tasks"].index("netpol-default-deny"), "netpol-ingress"))
    # one task of a domain swapped for another domain's: a count leaves its floor-or-ceiling band
    storage = next(i for i in a if raw[i]["domain"] == "storage")
    spare = next(i for i, t in raw.items() if t["domain"] == "workloads-scheduling" and i not in a + b
                 and t.get("runtime", "any") == "any" and not t.get("alone"))
    message = errors(lambda s: s["a"]["tasks"].__setitem__(s["a"]["tasks"].index(storage), spare))
    assert "task(s) of `workloads-scheduling`" in message
    assert "has 3 tasks" in errors(lambda s: s["a"].__setitem__("tasks", a[:3]))
    assert "`reason` needs text" in errors(lambda s: s["a"].__setitem__("reason", {"en": "only English"}))


def task(task_id: str) -> tasks.Task:
    checks = [{"id": f"c{n}", "points": 1, "text": {"ko": f"확인 {n}", "en": f"check {n}"},
               "hint": {"ko": f"힌트 {n}: {{dir}}", "en": f"hint {n}: {{dir}}"}, "script": "true"} for n in (1, 2)]
    data = {"domain": "storage", "competencies": ["pv-pvc"], "weight": 5, "page": "storage/persistent-volumes",
            "title": {"ko": f"과제 {task_id}", "en": f"task {task_id}"}, "task": {"ko": "본문", "en": "text"},
            "checks": checks}
    return tasks.Task(task_id, pathlib.Path(f"practice/storage/{task_id}.yaml"), data)


def test_the_report_has_time_spent_flags_and_the_hint_of_each_failed_check(tmp_path):
    one, two = task("one"), task("two")
    meta = {"started": "2026-01-01T10:00:00", "finished": "2026-01-01T12:00:00", "minutes": 120.0, "seed": 1, "set": "a",
            "runtime": "binary", "stamp": "20260101-120000"}
    for lang in tasks.LANGS:
        scores = [reports.task_score(one, [CheckResult(c, True) for c in one.checks], lang, 425.0, False),
                  reports.task_score(two, [CheckResult(c, n == 0) for n, c in enumerate(two.checks)], lang, 61.0, True)]
        md, page = reports.write_report(scores, meta, lang, tmp_path / lang)
        text, html = md.read_text(encoding="utf-8"), page.read_text(encoding="utf-8")
        w = reports.REPORT_WORDS[lang]
        assert f"| {w['spent']} | {w['flag']} |" in text
        assert "| 7:05 |  |" in text and "| 1:01 | ⚑ |" in text
        hint = "힌트 2" if lang == "ko" else "hint 2"
        assert f"  - {w['hint']}: {hint}: build/practice/two" in text
        assert "힌트 1" not in text and "hint 1" not in text  # only failed checks get their hint
        assert f"<th>{w['spent']}</th><th>{w['flag']}</th>" in html and "<td>1:01</td><td>⚑</td>" in html
        assert f"<small>{w['hint']}: {hint}" in html
        assert f"## {w['by_competency']}" in text and f"{w['set']}: a" in text and f"{w['set']}: a" in html


def test_the_exam_terminal_moves_flags_and_times_each_task_from_piped_input(capsys):
    chosen = [task("one"), task("two"), task("three")]
    read, write = os.pipe()
    os.write(write, b"n\nf\nn\n1\nl\ng\n")
    os.close(write)
    clock, flags = exam.Clock(len(chosen)), set()
    with os.fdopen(read) as stream:
        exam.exam_loop(chosen, tasks.Runtime.site(), 30, "en", clock, flags, stream)
    out = capsys.readouterr().out
    assert flags == {1} and clock.current == 0
    assert "time left 0:00:" in out and "task 1/3 (5 %" in out and "task 2/3" in out and "⚑ 2" in out
    assert "Flagged tasks left: 2" in out
    assert all(s >= 0 for s in clock.spent) and len(clock.spent) == 3
