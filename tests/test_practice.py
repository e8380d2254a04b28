"""The practice tasks as files, the mock exam's draw and score, its reports, and the generated pages.

The graders themselves run against the cluster in `make practice-check` (a step of make test).
"""

from __future__ import annotations

import collections
import pathlib

import pytest

from cka import versions
from cka.practice import exam, reports, tasks
from cka.site import practice_pages

ROOT = pathlib.Path(__file__).resolve().parent.parent

TASKS = tasks.load_tasks()


def test_at_least_30_tasks_in_every_domain():
    counts = collections.Counter(t.domain for t in TASKS)
    assert len(TASKS) >= 30, f"{len(TASKS)} tasks; the issue asks for at least 30"
    assert set(counts) == set(tasks.domain_names()), f"domains without a task: {set(tasks.domain_names()) - set(counts)}"


def test_the_binary_runtime_can_fill_a_mock_exam():
    for seed in range(40):
        drawn = exam.draw(TASKS, "binary", seed)
        assert len(drawn) == tasks.EXAM_TASKS == len({t.id for t in drawn})
        assert all(t.runtime == "any" for t in drawn)
        groups = [t.data["group"] for t in drawn if t.data.get("group")]
        assert len(groups) == len(set(groups)), f"seed {seed}: two tasks of one group: {groups}"
        assert collections.Counter(t.domain for t in drawn) == collections.Counter(exam.quotas())


def test_quotas_follow_the_exam_weights():
    assert exam.quotas(17) == {"cluster-architecture": 4, "workloads-scheduling": 3, "services-networking": 3,
                                   "storage": 2, "troubleshooting": 5}
    assert sum(exam.quotas(20).values()) == 20


def test_the_same_seed_draws_the_same_tasks():
    assert [t.id for t in exam.draw(TASKS, "binary", 7)] == [t.id for t in exam.draw(TASKS, "binary", 7)]


def test_a_broken_task_file_is_reported_with_its_path(tmp_path):
    bad = {"domain": "storage", "weight": 40, "page": "storage/nope", "title": {"ko": "x"}, "task": {"ko": "", "en": "x"},
           "hints": {"ko": ["a"], "en": []}, "explanation": {"ko": "x", "en": "x"}, "setup": "true", "solution": "true",
           "checks": [{"id": "a", "points": 0, "text": {"ko": "x", "en": "x"}, "hint": {"ko": "x", "en": "x"}}],
           "wrong": [{"name": "w", "script": "true", "lost": ["a", "zzz"]}]}
    errors = "\n".join(tasks.task_errors("bad-task", "practice/storage/bad-task.yaml", bad, tasks.domain_names()))
    for expected in ("weight must be", "page `storage/nope`", "`title` needs text", "`hints` needs",
                     "points must be", "exactly one of `assert` or `script`", "unknown checks: zzz", "at least two checks"):
        assert expected in errors, f"{expected!r} not reported:\n{errors}"
    assert all(line.startswith("practice/storage/bad-task.yaml") for line in errors.splitlines())


def test_a_task_whose_checks_are_all_guards_is_refused():
    check = {"points": 1, "text": {"ko": "x", "en": "x"}, "hint": {"ko": "x", "en": "x"}, "script": "true", "guard": True}
    data = {"checks": [dict(check, id="a"), dict(check, id="b", guard="yes")]}
    errors = "\n".join(tasks.task_errors("bad-task", "practice/storage/bad-task.yaml", data, tasks.domain_names()))
    assert "check 2: `guard` is true or false" in errors
    data["checks"][1]["guard"] = True
    errors = "\n".join(tasks.task_errors("bad-task", "practice/storage/bad-task.yaml", data, tasks.domain_names()))
    assert "every check is a guard" in errors


def test_every_text_placeholder_is_known():
    for task in TASKS:
        for lang in tasks.LANGS:
            texts = [task.task[lang], task.explanation[lang], *task.hints[lang]]
            texts += [c.text[lang] for c in task.checks] + [c.hint[lang] for c in task.checks]
            for text in texts:
                filled = tasks.fill(text, task)
                assert "{" + "dir}" not in filled and "{k8s" not in filled, (task.id, filled)


def test_version_placeholders_come_from_versions_yaml():
    task = TASKS[0]
    assert tasks.fill("{k8s} {k8s_previous} {k8s_package}", task) == (
        f"{versions.kubernetes()} {versions.get('kubernetes', 'previous_version')} "
        f"{versions.kubernetes().lstrip('v')}-1.1")


def test_a_task_that_starts_its_own_cluster_runs_alone_on_kubeadm_only():
    upgrade = tasks.find(TASKS, "cluster-upgrade")
    assert upgrade.data["cluster"] == "previous" and upgrade.data["alone"] is True
    assert upgrade.runs_on("kubeadm") and not upgrade.runs_on("kind") and not upgrade.runs_on("binary")
    assert upgrade.needs == tasks.NEEDS_KUBEADM and upgrade.answer_seconds > 600
    other = tasks.find(TASKS, "kubelet-config")
    assert other.runs_on("kind") and other.needs == tasks.NEEDS_NODES and other.answer_seconds == 180
    data = dict(upgrade.data, cluster="older", alone=False)
    errors = "\n".join(tasks.task_errors("cluster-upgrade", "practice/cluster-architecture/cluster-upgrade.yaml", data,
                                         tasks.domain_names()))
    assert "`cluster` is `previous`" in errors and "needs `runtime: nodes` and `alone: true`" in errors


def scores(fractions):
    out = []
    for n, (domain, weight, got, total) in enumerate(fractions):
        checks = [(f"c{i}", i < got, 1, {"ko": f"항목 {i}", "en": f"check {i}"}) for i in range(total)]
        trains = ("pv-pvc",) if domain == "storage" else ("components",)
        out.append(reports.TaskScore(f"t{n}", {"ko": f"과제 {n}", "en": f"task {n}"}, domain, weight, got, total, checks,
                                     trains))
    return out


META = {"started": "2025-01-01T10:00:00", "finished": "2025-01-01T12:00:00", "minutes": 120.0, "seed": 3,
        "runtime": "binary", "stamp": "20250101-120000"}


def test_score_is_weighted_by_task_with_partial_credit():
    summary = reports.summarize(scores([("storage", 4, 2, 4), ("troubleshooting", 6, 6, 6)]))
    assert summary["percent"] == pytest.approx(100 * (4 * 0.5 + 6 * 1.0) / 10)
    assert summary["passed"] is True
    assert summary["domains"]["storage"]["percent"] == pytest.approx(50)
    failing = reports.summarize(scores([("storage", 5, 3, 5), ("troubleshooting", 5, 3, 5)]))
    assert failing["percent"] == pytest.approx(60) and failing["passed"] is False


def test_reports_in_markdown_and_html(tmp_path):
    result = scores([("storage", 4, 1, 4), ("troubleshooting", 6, 6, 6), ("storage", 5, 0, 3)])
    for lang in tasks.LANGS:
        md, page = reports.write_report(result, META, lang, tmp_path / lang)
        text, html = md.read_text(encoding="utf-8"), page.read_text(encoding="utf-8")
        words = reports.REPORT_WORDS[lang]
        assert md.name == "mock-exam-20250101-120000.md" and page.suffix == ".html"
        assert f"{words['fail']}" in text and "66 %" in text and "(`t2`)" in text
        assert f"## {words['by_domain']}" in text and f"## {words['by_competency']}" in text
        # two domains, two competencies, three tasks, each a row under its table's header and rule
        assert text.count("\n| ") == (2 + 2) + (2 + 2) + (3 + 2)
        competency = tasks.curriculum.competencies()["pv-pvc"][lang]
        assert f"| {competency} | 2 | 12 % |" in text and competency in html
        assert "✘ 0/1" in text and "✔ 1/1" in text
        assert html.startswith("<!doctype html>") and "<script" not in html and "http" not in html
        assert html.count("<tr class=") == 3 and words["by_task"] in html


def test_generated_pages_hold_every_task_and_its_solution():
    tasks_by_domain = collections.defaultdict(list)
    for task in TASKS:
        tasks_by_domain[task.domain].append(task)
    for domain, mine in tasks_by_domain.items():
        page = {lang: practice_pages.domain_markdown(domain, lang, "practice", TASKS) for lang in tasks.LANGS}
        assert page["ko"].count("\n## ") + page["ko"].startswith("## ") == len(mine)
        assert page["en"].count("## ") == page["ko"].count("## ")
        for task in mine:
            assert f"{{#{task.id}}}" in page["en"] and f"make grade TASK={task.id}" in page["ko"]
            assert '??? success "풀이"' in page["ko"] and '??? success "Solution"' in page["en"]
            assert "$DIR" not in page["en"] and "# shellcheck" not in page["en"]


def test_english_gloss_only_at_the_first_use_on_a_page():
    text = "롤(Role)을 만든다. 다시 롤(Role)과 롤바인딩(RoleBinding).\n```\n롤(Role)\n```\n롤바인딩(RoleBinding)"
    assert practice_pages.first_gloss_only(text) == "롤(Role)을 만든다. 다시 롤과 롤바인딩(RoleBinding).\n```\n롤(Role)\n```\n롤바인딩"


def test_the_pages_exist_and_name_every_domain():
    docs = ROOT / "docs" / "practice"
    for domain in tasks.domain_names():
        for lang in tasks.LANGS:
            text = (docs / f"{domain}.{lang}.md").read_text(encoding="utf-8")
            assert f"<!-- practice-tasks: {domain} -->" in text
    assert all(practice_pages.INDEX in (docs / f"index.{lang}.md").read_text(encoding="utf-8") for lang in tasks.LANGS)


def test_built_site_has_the_practice_pages(site_dir):
    for prefix in ("", "en/"):
        index = (site_dir / prefix / "practice" / "index.html").read_text(encoding="utf-8")
        assert "practice-index" not in index
        for task in TASKS:
            assert f"#{task.id}" in index, f"{prefix}practice/index.html has no link to {task.id}"
        page = (site_dir / prefix / "practice" / "storage" / "index.html").read_text(encoding="utf-8")
        assert 'id="pv-pvc"' in page and "practice-tasks" not in page


def test_a_task_that_starts_its_own_cluster_is_graded_only_there(monkeypatch):
    from cka.practice import runner

    upgrade, other = tasks.find(TASKS, "cluster-upgrade"), tasks.find(TASKS, "kubelet-config")
    rt = tasks.Runtime("kubeadm", "kubernetes-admin@kubernetes")
    monkeypatch.setattr(runner, "running_release", lambda rt: "current")
    with pytest.raises(tasks.PracticeError, match="make practice TASK=cluster-upgrade"):
        runner.require_task_cluster(upgrade, rt)  # the usual cluster would pass an upgrade nobody made
    runner.require_task_cluster(other, rt)
    monkeypatch.setattr(runner, "running_release", lambda rt: "previous")
    runner.require_task_cluster(upgrade, rt)


def test_a_particle_glued_to_a_version_placeholder_is_refused():
    data = dict(tasks.find(TASKS, "cluster-upgrade").data)
    data["task"] = {"ko": "클러스터를 {k8s}로 올려라.", "en": "Upgrade to {k8s}."}
    errors = "\n".join(tasks.task_errors("cluster-upgrade", "practice/cluster-architecture/cluster-upgrade.yaml", data,
                                         tasks.domain_names()))
    assert "task (ko): `{k8s}로`: the particle's form depends" in errors
    data["hints"] = ["not a mapping"]  # reported as a schema error, not a traceback
    errors = "\n".join(tasks.task_errors("cluster-upgrade", "practice/cluster-architecture/cluster-upgrade.yaml", data,
                                         tasks.domain_names()))
    assert "`hints` needs the same number of hints in ko and en" in errors


def test_practice_check_runs_a_group_as_one_unit_longest_first():
    """No worker waits on a group: its tasks are one unit of work; every other task is its own."""
    from cka.practice import honesty

    runnable = [t for t in tasks.load_tasks() if not t.data.get("alone")]
    units = honesty.work_units(runnable)
    assert sorted(t.id for unit in units for t in unit) == sorted(t.id for t in runnable)
    groups = {t.data["group"] for t in runnable if t.data.get("group")}
    assert groups
    for group in groups:
        holding = [unit for unit in units if any(t.data.get("group") == group for t in unit)]
        assert len(holding) == 1 and all(t.data.get("group") == group for t in holding[0])
    costs = [sum(honesty.scenarios(t) for t in unit) for unit in units]
    assert costs == sorted(costs, reverse=True)


def test_practice_check_splits_the_tasks_that_need_the_cluster_alone_from_the_others():
    """--alone only and --alone skip divide what --alone last (the default) checks, with nothing lost or doubled."""
    from cka.practice import honesty

    every = tasks.load_tasks()
    last, _ = honesty.select(every, [], "kubeadm", "last")
    only, _ = honesty.select(every, [], "kubeadm", "only")
    skip, skipped = honesty.select(every, [], "kubeadm", "skip")
    assert only and skip and all(t.data.get("alone") for t in only) and not any(t.data.get("alone") for t in skip)
    assert sorted(t.id for t in only + skip) == sorted(t.id for t in last)
    assert not skipped
    upgrade, _ = honesty.select(every, ["cluster-upgrade"], "kubeadm", "skip")
    assert upgrade == []
