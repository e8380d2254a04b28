"""`make progress`: the diagnostic. Where the learner stands, per competency and per exam domain of
data/curriculum.yaml, from the recorded attempts (cka.practice.history): attempts, the latest
result, a status and the page to study; a table in the terminal and an HTML report with an
inline SVG bar chart in build/practice/reports/progress.html.

Statuses of a competency (the tasks that list it in `competencies:` train it):

- not started: no attempt yet;
- holding: at least two attempts, the latest two at full marks, and the latest attempt of every
  task of the competency tried so far at full marks (a task once failed must be solved again);
- weak: attempted, but not holding;
- no task: no practice task trains it yet (shown, never counted).

A domain's attempts are the attempts at tasks that train one of its competencies (a task may train
competencies of another domain than its own). A domain holds when each of its competencies that has
a task holds; it is not started when none
was attempted; otherwise it is weak. What to study: the page that the weakest task names (the
attempted task with the lowest latest result; for a competency not started, its first task).
"""

from __future__ import annotations

import dataclasses
import html
import pathlib
import unicodedata

from .. import curriculum
from .history import Attempt
from .tasks import REPORTS, Task, domain_names, page_url

HOLD_STREAK = 2      # the latest attempts that must all be at full marks for a competency to hold
STATUSES = ("no-task", "not-started", "weak", "holding")

WORDS = {
    "ko": {"title": "학습 진단", "competency": "역량", "domain": "도메인", "attempts": "시도", "latest": "최근 결과",
           "status": "상태", "study": "읽을 페이지", "no-task": "과제 없음", "not-started": "시작 전", "weak": "약함",
           "holding": "유지", "chart": "역량별 최근 결과", "none_yet": "아직 채점한 과제가 없다. make drill로 시작하자.",
           "rule": "유지: 최근 두 번의 시도가 만점이고, 시도한 과제마다 마지막 결과가 만점이다.",
           "report": "보고서", "by_competency": "역량별", "by_domain": "도메인별", "generated": "작성"},
    "en": {"title": "Progress", "competency": "Competency", "domain": "Domain", "attempts": "Attempts",
           "latest": "Latest", "status": "Status", "study": "Study", "no-task": "no task", "not-started": "not started",
           "weak": "weak", "holding": "holding", "chart": "Latest result by competency",
           "none_yet": "No graded attempt yet. Start with make drill.",
           "rule": "Holding: the latest two attempts at full marks, and the latest attempt of every task tried at full marks.",
           "report": "report", "by_competency": "By competency", "by_domain": "By domain", "generated": "Generated"},
}
COLORS = {"weak": "#b3261e", "holding": "#1b7f3b", "not-started": "#888888", "no-task": "#bbbbbb"}


@dataclasses.dataclass
class Standing:
    """Where the learner stands on one competency or one domain."""
    id: str
    name: dict                       # lang -> text
    domain: str
    tasks: list[Task]                # the tasks that train it
    attempts: list[Attempt]          # oldest first
    status: str
    study: Task | None               # the task whose page to read

    @property
    def latest(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def level(self) -> float | None:
        """The mean of the latest result of each task tried (None when nothing was tried)."""
        last = latest_by_task(self.attempts)
        return sum(a.percent for a in last.values()) / len(last) if last else None


def latest_by_task(attempts: list[Attempt]) -> dict[str, Attempt]:
    out: dict[str, Attempt] = {}
    for attempt in attempts:
        out[attempt.task] = attempt
    return out


def holds(attempts: list[Attempt]) -> bool:
    if len(attempts) < HOLD_STREAK or not all(a.full for a in attempts[-HOLD_STREAK:]):
        return False
    return all(a.full for a in latest_by_task(attempts).values())


def weakest_task(tasks: list[Task], attempts: list[Attempt]) -> Task | None:
    """The attempted task with the lowest latest result (the older one on a tie), else the first task."""
    last = latest_by_task(attempts)
    tried = [t for t in tasks if t.id in last]
    if tried:
        return min(tried, key=lambda t: (last[t.id].percent, last[t.id].time))
    return tasks[0] if tasks else None


def competency_standings(tasks: list[Task], history: list[Attempt]) -> dict[str, Standing]:
    """Competency id -> its standing, in the curriculum's order."""
    out = {}
    for cid, info in curriculum.competencies().items():
        mine = [t for t in tasks if cid in (t.data.get("competencies") or ())]
        attempts = [a for a in history if cid in a.competencies]
        if not mine and not attempts:
            status = "no-task"
        elif not attempts:
            status = "not-started"
        else:
            status = "holding" if holds(attempts) else "weak"
        out[cid] = Standing(cid, {"ko": info["ko"], "en": info["en"]}, info["domain"], mine, attempts, status,
                            weakest_task(mine, attempts))
    return out


def domain_standings(competencies: dict[str, Standing]) -> dict[str, Standing]:
    out = {}
    for did, info in domain_names().items():
        mine = [c for c in competencies.values() if c.domain == did and c.status != "no-task"]
        seen: dict[int, Attempt] = {}
        for c in mine:
            for attempt in c.attempts:
                seen[id(attempt)] = attempt
        attempts = sorted(seen.values(), key=lambda a: a.time)
        tasks = list({t.id: t for c in mine for t in c.tasks}.values())
        if not mine:
            status = "no-task"
        elif all(c.status == "holding" for c in mine):
            status = "holding"
        elif all(c.status == "not-started" for c in mine):
            status = "not-started"
        else:
            status = "weak"
        out[did] = Standing(did, {"ko": info["ko"], "en": info["en"]}, did, tasks, attempts, status,
                            weakest_task(tasks, attempts))
    return out


def latest_text(s: Standing) -> str:
    a = s.latest
    return f"{a.points}/{a.max_points} ({a.percent:.0f} %) {a.task}" if a else "—"


def study_text(s: Standing, lang: str) -> str:
    if s.study is None or s.status == "holding":
        return "—"
    return page_url(s.study.page, lang)


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def cut(text: str, limit: int) -> str:
    out = ""
    for ch in text:
        if width(out + ch) > limit - 1:
            return out + "…"
        out += ch
    return out


def pad(text: str, size: int) -> str:
    text = cut(text, size) if width(text) > size else text
    return text + " " * (size - width(text))


def table(standings: dict[str, Standing], lang: str, head: str) -> list[str]:
    w = WORDS[lang]
    lines = [f"{pad(head, 44)} {pad(w['attempts'], 6)} {pad(w['latest'], 38)} {pad(w['status'], 10)} {w['study']}"]
    for s in standings.values():
        lines.append(f"{pad(s.name[lang], 44)} {pad(str(len(s.attempts)), 6)} {pad(latest_text(s), 38)} "
                     f"{pad(w[s.status], 10)} {study_text(s, lang)}")
    return lines


def terminal_report(tasks: list[Task], history: list[Attempt], lang: str) -> list[str]:
    w = WORDS[lang]
    comps = competency_standings(tasks, history)
    domains = domain_standings(comps)
    lines = [f"==> {w['title']}: {len(history)} {w['attempts']}"]
    if not history:
        lines.append(f"    {w['none_yet']}")
    lines += [""] + table(comps, lang, w["competency"]) + [""] + table(domains, lang, w["domain"])
    lines += ["", w["rule"]]
    return lines


def svg_chart(comps: dict[str, Standing], lang: str) -> str:
    """A horizontal bar per competency with an attempt: its latest result, coloured by its status."""
    rows = [s for s in comps.values() if s.attempts]
    label_w, bar_w, row_h = 330, 300, 24
    height = row_h * len(rows) + 10
    esc = html.escape
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 60}" height="{height}" role="img" '
             f'aria-labelledby="chart-title"><title id="chart-title">{esc(WORDS[lang]["chart"])}</title>']
    for n, s in enumerate(rows):
        y = 5 + n * row_h
        percent = s.latest.percent
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">'
                     f'{esc(cut(s.name[lang], 46))}</text>')
        parts.append(f'<rect class="track" x="{label_w}" y="{y + 3}" width="{bar_w}" height="16" fill="#eeeeee"/>')
        parts.append(f'<rect class="bar" data-competency="{esc(s.id)}" x="{label_w}" y="{y + 3}" '
                     f'width="{bar_w * percent / 100:.1f}" height="16" fill="{COLORS[s.status]}">'
                     f'<title>{esc(s.name[lang])}: {percent:.0f} %</title></rect>')
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 15}" font-size="12">{percent:.0f} %</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def html_report(tasks: list[Task], history: list[Attempt], lang: str, generated: str = "") -> str:
    """A self-contained page (no script, no remote resource)."""
    w = WORDS[lang]
    esc = html.escape
    comps = competency_standings(tasks, history)
    domains = domain_standings(comps)

    def rows(standings: dict[str, Standing]) -> str:
        out = []
        for s in standings.values():
            study = study_text(s, lang)
            link = f"<a href='{esc(study)}'>{esc(s.study.page)}</a>" if study != "—" else "—"
            out.append(f"<tr class='{s.status}'><td>{esc(s.name[lang])}</td><td>{len(s.attempts)}</td>"
                       f"<td>{esc(latest_text(s))}</td><td>{esc(w[s.status])}</td><td>{link}</td></tr>")
        return "".join(out)

    legend = "".join(f"<span class='key' style='background:{COLORS[s]}'></span>{esc(w[s])}" for s in ("weak", "holding"))
    head = (f"<tr><th>{{}}</th><th>{esc(w['attempts'])}</th><th>{esc(w['latest'])}</th>"
            f"<th>{esc(w['status'])}</th><th>{esc(w['study'])}</th></tr>")
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(w['title'])}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font-family:system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#222}}
table{{border-collapse:collapse;width:100%;margin:1rem 0}}td,th{{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}}
tr.holding td{{background:#eef8f0}}tr.weak td{{background:#fdecea}}tr.no-task td{{color:#888}}
td:nth-child(2),td:nth-child(4),th{{white-space:nowrap}}.key{{display:inline-block;width:.8em;height:.8em;margin:0 .3em 0 1em}}
</style></head><body>
<h1>{esc(w['title'])}</h1>
<p>{len(history)} {esc(w['attempts'])}{' · ' + esc(w['generated']) + ': ' + esc(generated) if generated else ''}</p>
<p>{esc(w['rule'])}</p>
<h2>{esc(w['chart'])}</h2>
{svg_chart(comps, lang) if history else '<p>' + esc(w['none_yet']) + '</p>'}
<p>{legend}</p>
<h2>{esc(w['by_competency'])}</h2>
<table>{head.format(esc(w['competency']))}{rows(comps)}</table>
<h2>{esc(w['by_domain'])}</h2>
<table>{head.format(esc(w['domain']))}{rows(domains)}</table>
</body></html>
"""


def write_html(tasks: list[Task], history: list[Attempt], lang: str, generated: str = "",
               directory: pathlib.Path = REPORTS) -> pathlib.Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "progress.html"
    path.write_text(html_report(tasks, history, lang, generated), encoding="utf-8")
    return path
