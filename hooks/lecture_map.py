"""Check every page's front matter against data/curriculum.yaml and build the lecture map.

Every page names its `domain`, `competencies` and `lectures` with ids from
data/curriculum.yaml. An unknown id, a missing key, or Korean and English pages
that disagree fail the build with the page's path. The page exam/lecture-map
carries the marker <!-- lecture-map -->, which this hook replaces with a table
from each lecture of the course to the pages that cover it, in the page's language.
"""

from __future__ import annotations

import pathlib
import sys
from collections import defaultdict

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from project import LANGUAGES, ROOT, curriculum, page_language, page_link, read_front_matter  # noqa: E402
from mkdocs.exceptions import PluginError  # noqa: E402

MARKER = "<!-- lecture-map -->"
REQUIRED = ("title", "description", "domain", "competencies", "lectures")
HEADINGS = {
    "ko": ("강의", "제목", "사이트 페이지", "도메인", "이 강의를 다루는 페이지가 아직 없다"),
    "en": ("Lecture", "Title", "Pages on this site", "Domain", "No page covers this lecture yet"),
}


def catalogue() -> tuple[dict, dict, dict]:
    """Domains (id -> entry with its competency ids) and lectures (id -> (section, entry))."""
    data = curriculum()
    domains = {d["id"]: {**d, "competency_ids": {c["id"] for c in d.get("competencies", [])}} for d in data["domains"]}
    for extra in data.get("extra_domains", []):
        domains[extra["id"]] = {**extra, "competency_ids": set()}
    lectures = {}
    for section in data["sections"]:
        for lecture in section["lectures"]:
            lectures[str(lecture["id"])] = (section, lecture)
    return data, domains, lectures


def page_errors(rel: str, meta: dict, domains: dict, lectures: dict) -> list[str]:
    errors = []
    for key in REQUIRED:
        if key not in meta:
            errors.append(f"{rel}: front matter has no `{key}:` (see CONTRIBUTING.md, 'A page')")
    domain = meta.get("domain")
    if domain is not None and domain not in domains:
        errors.append(f"{rel}: unknown domain `{domain}`; use one of: {', '.join(domains)}")
    competencies = meta.get("competencies") or []
    lecture_ids = meta.get("lectures") or []
    if not isinstance(competencies, list) or not isinstance(lecture_ids, list):
        errors.append(f"{rel}: `competencies` and `lectures` must be lists, e.g. lectures: [\"173\"]")
        return errors
    # A page may also claim a competency of another domain (the CSI page trains extension interfaces).
    allowed = set().union(*(d["competency_ids"] for d in domains.values()))
    for comp in competencies:
        if comp not in allowed:
            errors.append(f"{rel}: unknown competency `{comp}`; use ids from data/curriculum.yaml: "
                          f"{', '.join(sorted(allowed))}")
    for lecture in lecture_ids:
        if str(lecture) not in lectures:
            errors.append(f"{rel}: unknown lecture `{lecture}`; lecture ids are listed in data/curriculum.yaml")
    return errors


def scan_pages(docs_dir: pathlib.Path) -> dict[str, dict[str, dict]]:
    """{page stem: {language: front matter}} for every page, with all problems raised at once."""
    _, domains, lectures = catalogue()
    pages: dict[str, dict[str, dict]] = defaultdict(dict)
    errors: list[str] = []
    for path in sorted(docs_dir.rglob("*.md")):
        rel = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.as_posix()
        if path.name.startswith("404"):
            continue
        meta = read_front_matter(path)
        errors.extend(page_errors(rel, meta, domains, lectures))
        stem = path.relative_to(docs_dir).as_posix()
        lang = page_language(stem)
        stem = stem[: -len(f".{lang}.md")] if stem.endswith(f".{lang}.md") else stem[:-3]
        pages[stem][lang] = meta
    for stem, by_lang in sorted(pages.items()):
        if len(by_lang) == len(LANGUAGES):
            ko, en = (by_lang[lang] for lang in LANGUAGES)
            for key in ("domain", "competencies", "lectures"):
                if ko.get(key) != en.get(key):
                    errors.append(
                        f"docs/{stem}.en.md: `{key}` is {en.get(key)!r} but docs/{stem}.ko.md says {ko.get(key)!r}; "
                        "both languages must name the same ids"
                    )
    if errors:
        raise PluginError("page front matter:\n  " + "\n  ".join(errors))
    return pages


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


_PAGES: dict[str, dict[str, dict]] = {}


def on_files(files, config):
    _PAGES.clear()
    _PAGES.update(scan_pages(pathlib.Path(config["docs_dir"])))
    return files


def on_page_markdown(markdown, page, config, files):
    if MARKER not in markdown:
        return markdown
    src = page.file.src_path
    lang = page_language(src)
    page_dir = str(pathlib.PurePosixPath(src).parent)
    page_dir = "" if page_dir == "." else page_dir
    return markdown.replace(MARKER, lecture_table(lang, _PAGES, page_dir))
