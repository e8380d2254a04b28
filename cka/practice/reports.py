"""Score reports of a mock exam, in Markdown and HTML, in the learner's language."""

from __future__ import annotations

import dataclasses
import html
import pathlib

from .. import curriculum
from .grading import CheckResult, score
from .tasks import PASS_MARK, REPORTS, Task, domain_names, fill


@dataclasses.dataclass
class TaskScore:
    id: str
    title: dict
    domain: str
    weight: int
    points: int
    max_points: int
    checks: list[tuple[str, bool, int, dict]]  # (id, passed, points, text)
    competencies: tuple[str, ...] = ()  # the curriculum ids the task trains
    seconds: float = 0.0  # time spent on the task in the exam terminal
    flagged: bool = False
    hints: dict = dataclasses.field(default_factory=dict)  # check id -> the hint of a failed check, in the learner's language

    @property
    def fraction(self) -> float:
        return self.points / self.max_points if self.max_points else 0.0


def summarize(scores: list[TaskScore]) -> dict:
    """The exam's score: each task counts by its weight, with partial credit by points."""
    total_weight = sum(s.weight for s in scores)
    overall = 100 * sum(s.weight * s.fraction for s in scores) / total_weight if total_weight else 0.0
    domains = {}
    for domain in domain_names():
        mine = [s for s in scores if s.domain == domain]
        if mine:
            weight = sum(s.weight for s in mine)
            domains[domain] = {
                "tasks": len(mine), "weight": weight,
                "earned": sum(s.weight * s.fraction for s in mine),
                "percent": 100 * sum(s.weight * s.fraction for s in mine) / weight,
            }
    return {"percent": overall, "passed": overall >= PASS_MARK, "domains": domains,
            "competencies": by_competency(scores)}


def by_competency(scores: list[TaskScore]) -> dict[str, dict]:
    """Competency id -> tasks and percent earned, in the curriculum's order (a task counts for each it trains)."""
    out = {}
    for cid in curriculum.competencies():
        mine = [s for s in scores if cid in s.competencies]
        if mine:
            out[cid] = {"tasks": len(mine), "percent": 100 * sum(s.fraction for s in mine) / len(mine)}
    return out


REPORT_WORDS = {
    "ko": {"title": "모의시험 결과", "result": "결과", "pass": "합격", "fail": "불합격", "mark": "합격선",
           "by_domain": "도메인별", "by_task": "과제별", "domain": "도메인", "tasks": "과제", "weight": "비중",
           "earned": "득점", "task": "과제", "points": "점수", "checks": "확인 항목", "started": "시작",
           "finished": "채점", "used": "걸린 시간", "seed": "시드", "runtime": "런타임", "minutes": "분",
           "by_competency": "역량별", "competency": "역량", "spent": "걸린 시간", "flag": "플래그", "set": "세트",
           "hint": "힌트"},
    "en": {"title": "Mock exam report", "result": "Result", "pass": "PASS", "fail": "FAIL", "mark": "pass mark",
           "by_domain": "By domain", "by_task": "By task", "domain": "Domain", "tasks": "Tasks", "weight": "Weight",
           "earned": "Earned", "task": "Task", "points": "Points", "checks": "Checks", "started": "Started",
           "finished": "Graded", "used": "Time used", "seed": "Seed", "runtime": "Runtime", "minutes": "min",
           "by_competency": "By competency", "competency": "Competency", "spent": "Time spent", "flag": "Flag", "set": "Set",
           "hint": "hint"},
}


def drawn(meta: dict, w: dict) -> str:
    """Which tasks: the fixed set, or the seed of the random draw."""
    return f"{w['set']}: {meta['set']}" if meta.get("set") else f"{w['seed']}: {meta['seed']}"


def clock(seconds: float) -> str:
    """Minutes and seconds, 7:05."""
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def report_markdown(scores: list[TaskScore], meta: dict, lang: str) -> str:
    w = REPORT_WORDS[lang]
    names = domain_names()
    summary = summarize(scores)
    verdict = w["pass"] if summary["passed"] else w["fail"]
    out = [
        f"# {w['title']}",
        "",
        f"**{w['result']}: {summary['percent']:.1f} % — {verdict}** ({w['mark']} {PASS_MARK:.0f} %)",
        "",
        f"- {w['started']}: {meta['started']} · {w['finished']}: {meta['finished']} · "
        f"{w['used']}: {meta['minutes']:.0f} {w['minutes']}",
        f"- {w['runtime']}: {meta['runtime']} · {drawn(meta, w)}",
        "",
        f"## {w['by_domain']}",
        "",
        f"| {w['domain']} | {w['tasks']} | {w['weight']} | {w['earned']} | % |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for domain, d in summary["domains"].items():
        out.append(f"| {names[domain][lang]} | {d['tasks']} | {d['weight']} | {d['earned']:.1f} | {d['percent']:.0f} % |")
    known = curriculum.competencies()
    out += ["", f"## {w['by_competency']}", "", f"| {w['competency']} | {w['tasks']} | % |", "| --- | ---: | ---: |"]
    for cid, c in summary["competencies"].items():
        out.append(f"| {known[cid][lang]} | {c['tasks']} | {c['percent']:.0f} % |")
    out += ["", f"## {w['by_task']}", "",
            f"| # | {w['task']} | {w['domain']} | {w['weight']} | {w['points']} | % | {w['spent']} | {w['flag']} |",
            "| ---: | --- | --- | ---: | ---: | ---: | ---: | :---: |"]
    for number, s in enumerate(scores, 1):
        out.append(f"| {number} | {s.title[lang]} (`{s.id}`) | {names[s.domain][lang]} | {s.weight} | "
                   f"{s.points}/{s.max_points} | {100 * s.fraction:.0f} % | {clock(s.seconds)} | {'⚑' if s.flagged else ''} |")
    out += ["", f"## {w['checks']}", ""]
    for number, s in enumerate(scores, 1):
        out.append(f"### {number}. {s.title[lang]}")
        out.append("")
        for cid, passed, points, text in s.checks:
            out.append(f"- {'✔' if passed else '✘'} {points if passed else 0}/{points} {text[lang]}")
            if not passed and s.hints.get(cid):
                out.append(f"  - {w['hint']}: {s.hints[cid]}")
        out.append("")
    return "\n".join(out)


def report_html(scores: list[TaskScore], meta: dict, lang: str) -> str:
    """A self-contained HTML page of the same report (no script, no remote resource)."""
    w = REPORT_WORDS[lang]
    names = domain_names()
    summary = summarize(scores)
    esc = html.escape
    verdict = w["pass"] if summary["passed"] else w["fail"]
    rows_domain = "".join(
        f"<tr><td>{esc(names[d][lang])}</td><td>{v['tasks']}</td><td>{v['weight']}</td><td>{v['earned']:.1f}</td>"
        f"<td><meter min='0' max='100' low='66' optimum='100' value='{v['percent']:.0f}'></meter> {v['percent']:.0f} %</td></tr>"
        for d, v in summary["domains"].items())
    known = curriculum.competencies()
    rows_competency = "".join(
        f"<tr><td>{esc(known[cid][lang])}</td><td>{c['tasks']}</td>"
        f"<td><meter min='0' max='100' low='66' optimum='100' value='{c['percent']:.0f}'></meter> {c['percent']:.0f} %</td></tr>"
        for cid, c in summary["competencies"].items())
    rows_task = "".join(
        f"<tr class='{'ok' if s.points == s.max_points else 'part' if s.points else 'zero'}'><td>{n}</td>"
        f"<td>{esc(s.title[lang])} <code>{esc(s.id)}</code></td><td>{esc(names[s.domain][lang])}</td>"
        f"<td>{s.weight}</td><td>{s.points}/{s.max_points}</td><td>{100 * s.fraction:.0f} %</td>"
        f"<td>{clock(s.seconds)}</td><td>{'⚑' if s.flagged else ''}</td></tr>"
        for n, s in enumerate(scores, 1))
    details = "".join(
        f"<details><summary>{n}. {esc(s.title[lang])} — {s.points}/{s.max_points}</summary><ul>"
        + "".join(f"<li class='{'ok' if p else 'zero'}'>{'✔' if p else '✘'} {pts if p else 0}/{pts} {esc(t[lang])}"
                  + (f"<br><small>{esc(w['hint'])}: {esc(s.hints[cid])}</small>" if not p and s.hints.get(cid) else "")
                  + "</li>"
                  for cid, p, pts, t in s.checks)
        + "</ul></details>"
        for n, s in enumerate(scores, 1))
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(w['title'])}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}}
table{{border-collapse:collapse;width:100%;margin:1rem 0}}td,th{{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}}
.verdict{{font-size:1.6rem;font-weight:bold}}.pass{{color:#1b7f3b}}.fail{{color:#b3261e}}
tr.ok td{{background:#eef8f0}}tr.part td{{background:#fff8e1}}tr.zero td{{background:#fdecea}}
li.ok{{color:#1b7f3b}}li.zero{{color:#b3261e}}details{{margin:.4rem 0}}
</style></head><body>
<h1>{esc(w['title'])}</h1>
<p class="verdict {'pass' if summary['passed'] else 'fail'}">{summary['percent']:.1f} % — {verdict}</p>
<p>{esc(w['mark'])} {PASS_MARK:.0f} % · {esc(w['started'])}: {esc(meta['started'])} · {esc(w['finished'])}:
{esc(meta['finished'])} · {esc(w['used'])}: {meta['minutes']:.0f} {esc(w['minutes'])} ·
{esc(w['runtime'])}: {esc(meta['runtime'])} · {esc(drawn(meta, w))}</p>
<h2>{esc(w['by_domain'])}</h2>
<table><tr><th>{esc(w['domain'])}</th><th>{esc(w['tasks'])}</th><th>{esc(w['weight'])}</th><th>{esc(w['earned'])}</th><th>%</th></tr>{rows_domain}</table>
<h2>{esc(w['by_competency'])}</h2>
<table><tr><th>{esc(w['competency'])}</th><th>{esc(w['tasks'])}</th><th>%</th></tr>{rows_competency}</table>
<h2>{esc(w['by_task'])}</h2>
<table><tr><th>#</th><th>{esc(w['task'])}</th><th>{esc(w['domain'])}</th><th>{esc(w['weight'])}</th><th>{esc(w['points'])}</th><th>%</th><th>{esc(w['spent'])}</th><th>{esc(w['flag'])}</th></tr>{rows_task}</table>
<h2>{esc(w['checks'])}</h2>
{details}
</body></html>
"""


def write_report(scores: list[TaskScore], meta: dict, lang: str, directory: pathlib.Path = REPORTS) -> tuple[pathlib.Path, pathlib.Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / f"mock-exam-{meta['stamp']}"
    md, page = stem.with_suffix(".md"), stem.with_suffix(".html")
    md.write_text(report_markdown(scores, meta, lang) + "\n", encoding="utf-8")
    page.write_text(report_html(scores, meta, lang), encoding="utf-8")
    return md, page


def task_score(task: Task, results: list[CheckResult], lang: str = "en", seconds: float = 0.0,
               flagged: bool = False) -> TaskScore:
    got, total = score(results)
    hints = {r.check.id: fill(r.check.hint[lang], task) for r in results if not r.passed and r.check.hint.get(lang)}
    return TaskScore(task.id, task.title, task.domain, task.weight, got, total,
                     [(r.check.id, r.passed, r.check.points, r.check.text) for r in results],
                     tuple(task.data.get("competencies") or ()), seconds, flagged, hints)


