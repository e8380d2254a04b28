"""The lecture map: a table from each lecture of the course to the pages that cover it, in the page's
language. The page exam/lecture-map carries the marker <!-- lecture-map -->, which this replaces."""

from __future__ import annotations

from collections import defaultdict

from ..content import page_link
from .catalogue import catalogue

MARKER = "<!-- lecture-map -->"
HEADINGS = {
    "ko": ("강의", "제목", "사이트 페이지", "도메인", "이 강의를 다루는 페이지가 아직 없다"),
    "en": ("Lecture", "Title", "Pages on this site", "Domain", "No page covers this lecture yet"),
}


def lecture_table(lang: str, pages: dict[str, dict[str, dict]], page_dir: str) -> str:
    data, domains, _ = catalogue()
    covering: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for stem, by_lang in pages.items():
        meta = by_lang.get(lang) or next(iter(by_lang.values()))
        for lecture in meta.get("lectures") or []:
            covering[str(lecture)].append((stem, meta))
    col_lecture, col_title, col_pages, col_domain, missing = HEADINGS[lang]
    out = []
    for section in data["sections"]:
        heading = f"{section['number']}. {section[lang]}"
        out += [f"## {heading}", "", f"| {col_lecture} | {col_title} | {col_pages} | {col_domain} |", "| --- | --- | --- | --- |"]
        for lecture in section["lectures"]:
            entries = sorted(covering.get(str(lecture["id"]), []))
            links = "<br>".join(
                f"[{meta['title']}]({page_link(page_dir, stem)})" for stem, meta in entries
            ) or f"*{missing}*"
            doms = "<br>".join(sorted({domains[meta['domain']][lang] for _, meta in entries})) or ""
            number = lecture["id"] if str(lecture["id"]).isdigit() else "—"
            out.append(f"| {number} | {lecture[lang]} | {links} | {doms} |")
        out.append("")
    return "\n".join(out)


