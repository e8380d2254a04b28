"""data/curriculum.yaml: the exam's domains and competencies, and the course's lectures."""

from __future__ import annotations

import functools

from . import yamlfile
from .paths import CURRICULUM_FILE


@functools.lru_cache(maxsize=None)
def load() -> dict:
    return yamlfile.load(CURRICULUM_FILE)


def domains() -> dict[str, dict]:
    """The exam domains, id -> entry (weight, ko, en, competencies), in the file's order."""
    return {d["id"]: d for d in load()["domains"]}


def extra_domains() -> dict[str, dict]:
    """Page groups that are not exam domains (background, exam)."""
    return {d["id"]: d for d in load().get("extra_domains") or []}


def competencies() -> dict[str, dict]:
    """Every competency id -> its entry, with the id of its domain under `domain`."""
    return {c["id"]: {**c, "domain": d["id"]} for d in load()["domains"] for c in d.get("competencies") or []}


def lectures() -> dict[str, tuple[dict, dict]]:
    """Lecture id -> (its section, the lecture)."""
    return {str(lec["id"]): (section, lec) for section in load().get("sections") or []
            for lec in section.get("lectures") or []}
