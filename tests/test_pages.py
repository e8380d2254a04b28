"""The pages as written: both languages, same structure, no leftovers, valid front matter."""

from __future__ import annotations

import re

import pytest
from pages import DOCS, LANGUAGES, ROOT, h2_headings, includes, page_path, page_stems

from cka.errors import ProjectError
from cka.site import catalogue

STEMS = page_stems()
LEFTOVERS = re.compile(r"\bTODO\b|\bFIXME\b|<<here>>|lorem ipsum|\bTBD\b", re.I)


def nav_pages() -> set[str]:
    """The pages mkdocs.yml's nav names (Korean titles; the English ones are translations of the same entries)."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = text[text.index("\nnav:"):]
    return {m[:-3] for m in re.findall(r"^\s*-\s*(?:[^:\n]*:\s*)?([\w/.-]+\.md)\s*$", nav, re.M)}


def test_every_page_is_in_the_nav_and_every_nav_entry_is_a_page():
    in_nav = nav_pages()
    assert in_nav, "mkdocs.yml has no nav"
    assert set(STEMS) - in_nav == set(), "pages that the nav does not list (add them to nav: in mkdocs.yml)"
    assert in_nav - set(STEMS) == set(), "nav entries without a page"


@pytest.mark.parametrize("stem", STEMS)
def test_page_exists_in_both_languages(stem):
    missing = [f"docs/{stem}.{lang}.md" for lang in LANGUAGES if not page_path(stem, lang).exists()]
    assert not missing, f"missing translation: {', '.join(missing)} (every page exists as .ko.md and .en.md)"


@pytest.mark.parametrize("stem", STEMS)
def test_same_sections_and_includes(stem):
    paths = {lang: page_path(stem, lang) for lang in LANGUAGES}
    missing = [str(p.relative_to(ROOT)) for p in paths.values() if not p.exists()]
    assert not missing, f"missing translation: {', '.join(missing)}"
    texts = {lang: p.read_text(encoding="utf-8") for lang, p in paths.items()}
    counts = {lang: len(h2_headings(t)) for lang, t in texts.items()}
    assert counts["ko"] == counts["en"], (
        f"docs/{stem}.ko.md has {counts['ko']} `##` sections but docs/{stem}.en.md has {counts['en']}"
    )
    inc = {lang: sorted(includes(t)) for lang, t in texts.items()}
    assert inc["ko"] == inc["en"], (
        f"docs/{stem}.ko.md and .en.md include different files: only in ko {sorted(set(inc['ko']) - set(inc['en']))}, "
        f"only in en {sorted(set(inc['en']) - set(inc['ko']))}"
    )


@pytest.mark.parametrize("stem", STEMS)
def test_no_leftover_markers(stem):
    for lang in LANGUAGES:
        path = page_path(stem, lang)
        if not path.exists():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found = LEFTOVERS.search(line)
            assert not found, f"docs/{stem}.{lang}.md:{number}: leftover marker {found.group(0)!r}; finish or remove it"


def test_front_matter_of_every_page_is_valid():
    catalogue.scan_pages(DOCS)  # raises ProjectError naming every bad page


def test_unknown_domain_and_lecture_are_reported_with_the_page(tmp_path):
    bad = tmp_path / "docs" / "storage" / "bad.ko.md"
    bad.parent.mkdir(parents=True)
    bad.write_text("---\ntitle: x\ndescription: x\ndomain: storag\ncompetencies: []\nlectures: ['999']\n---\n# x\n")
    with pytest.raises(ProjectError) as err:
        catalogue.scan_pages(tmp_path / "docs")
    message = str(err.value)
    assert "bad.ko.md" in message and "unknown domain `storag`" in message and "unknown lecture `999`" in message


def test_competency_must_exist(tmp_path):
    page = tmp_path / "docs" / "x.en.md"
    page.parent.mkdir(parents=True)
    page.write_text("---\ntitle: x\ndescription: x\ndomain: storage\ncompetencies: [rbac, no-such-thing]\nlectures: []\n---\n")
    with pytest.raises(ProjectError, match=r"x\.en\.md: unknown competency `no-such-thing`"):
        catalogue.scan_pages(tmp_path / "docs")


def test_languages_must_agree_on_lectures(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for lang, lectures in (("ko", "['119']"), ("en", "['122']")):
        (docs / f"p.{lang}.md").write_text(
            f"---\ntitle: x\ndescription: x\ndomain: exam\ncompetencies: []\nlectures: {lectures}\n---\n"
        )
    with pytest.raises(ProjectError, match=r"p\.en\.md: `lectures` is \['122'\] but docs/p\.ko\.md says \['119'\]"):
        catalogue.scan_pages(docs)


def test_every_lecture_of_the_curriculum_has_a_page():
    _, _, lectures = catalogue.catalogue()
    pages = catalogue.scan_pages(DOCS)
    claimed = {str(lec) for by_lang in pages.values() for meta in by_lang.values() for lec in meta.get("lectures") or []}
    missing = sorted(set(lectures) - claimed)
    assert not missing, f"no page in docs/ names these lectures of data/curriculum.yaml in its front matter: {missing}"


def test_pages_link_to_the_official_docs_in_their_language():
    wrong = []
    for stem in STEMS:
        en = page_path(stem, "en")
        text = en.read_text(encoding="utf-8") if en.exists() else ""
        # The exam guide may point English readers at the Korean docs' home page, nothing deeper.
        if re.search(r"kubernetes\.io/ko/docs/(?!home/)", text):
            wrong.append(f"docs/{stem}.en.md links to kubernetes.io/ko/docs; English pages link to kubernetes.io/docs")
    assert not wrong, "\n".join(wrong)


def test_no_page_links_outside_the_project_tree():
    for path in DOCS.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert "../shared" not in text and "/work/" not in text, f"{path.relative_to(ROOT)} points outside the project"
