"""The site's pages as data: each page's front matter, checked against data/curriculum.yaml.

Every page names its `domain`, `competencies` and `lectures` with ids from
data/curriculum.yaml. An unknown id, a missing key, or languages that disagree are
errors that name the page's path. Plain functions: the MkDocs hooks call them once
per build, and so can any other generator or a pre-build step.
"""

from __future__ import annotations

import pathlib
from collections import defaultdict

from .. import curriculum
from ..content import read_front_matter
from ..errors import ProjectError
from ..languages import languages, page_language
from ..paths import ROOT

REQUIRED = ("title", "description", "domain", "competencies", "lectures")


def catalogue() -> tuple[dict, dict, dict]:
    """Domains (id -> entry with its competency ids) and lectures (id -> (section, entry))."""
    data = curriculum.load()
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
        if len(by_lang) == len(languages()):
            ko, en = (by_lang[lang] for lang in languages())
            for key in ("domain", "competencies", "lectures"):
                if ko.get(key) != en.get(key):
                    errors.append(
                        f"docs/{stem}.en.md: `{key}` is {en.get(key)!r} but docs/{stem}.ko.md says {ko.get(key)!r}; "
                        "both languages must name the same ids"
                    )
    if errors:
        raise ProjectError("page front matter:\n  " + "\n  ".join(errors))
    return pages


