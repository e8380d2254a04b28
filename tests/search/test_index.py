"""The built search index and pages: the hidden fields of cka/site/search_ko.py, online and offline.

How well the search finds pages is measured in the browser (tests/browser/test_search_recall.py)
and on the index alone (python -m cka.bench search).
"""

from __future__ import annotations

import json
import pathlib
import re

import pytest
from cka.site import search_ko

BUNDLE = re.compile(r'<script src="[^"]*assets/javascripts/bundle\.[0-9a-f]+\.min\.js"></script>')
SCRIPT = re.compile(r'<script id="search-ko">(.*?)</script>', re.S)


LANGUAGES = {"ko": "", "en": "en/"}  # language -> the prefix of its pages' locations


def index_of(site: pathlib.Path, lang: str) -> dict:
    return json.loads((site / "search" / f"search_index.{lang}.json").read_text(encoding="utf-8"))


def hidden(index: dict) -> list[str]:
    return " ".join(d.get("title_parts", "") + " " + d.get("text_parts", "") for d in index["docs"]).split()


def test_the_index_has_the_hidden_fields(site_dir):
    ko, en = index_of(site_dir, "ko"), index_of(site_dir, "en")
    assert ko["config"]["fields"]["title_parts"] == {"boost": 1000.0}
    assert ko["config"]["fields"]["text_parts"] == {"boost": 1.0}
    assert "클레임" in hidden(ko), "no entry holds 클레임 from 퍼시스턴트볼륨클레임: Korean compounds were not split"
    assert "volumebindingmode" in hidden(en), "no entry holds volumeBindingMode whole"
    assert "cani" in hidden(ko) and "cani" in hidden(en), "kubectl auth can-i is not held joined (cani)"


def test_the_index_holds_the_glossary_synonyms(site_dir):
    synonyms = search_ko.load_synonyms()
    assert synonyms, "data/glossary.yaml has no synonyms"
    words = set(hidden(index_of(site_dir, "ko")))
    written = [s for s in synonyms if any(w in words for w in s.words)]
    assert len(written) >= len(synonyms) // 2, "the glossary's synonyms did not reach the Korean index"


def test_each_language_has_its_own_index_and_no_merged_one(site_dir):
    folder = site_dir / "search"
    assert not (folder / "search_index.json").exists(), "the merged index of both languages is still written"
    for lang, prefix in LANGUAGES.items():
        docs = index_of(site_dir, lang)["docs"]
        assert len(docs) > 40
        others = [p for p in LANGUAGES.values() if p and p != prefix]
        wrong = [d["location"] for d in docs if (not d["location"].startswith(prefix)) or any(d["location"].startswith(o) for o in others)]
        assert not wrong, f"search_index.{lang}.json holds pages of another language: {wrong[:5]}"


def test_the_offline_index_scripts_hold_the_same_indexes(offline_dir):
    folder = offline_dir / "search"
    assert not (folder / "search_index.js").exists(), "the merged offline index of both languages is still written"
    for lang in LANGUAGES:
        data = (folder / f"search_index.{lang}.json").read_text(encoding="utf-8")
        script = (folder / f"search_index.{lang}.js").read_text(encoding="utf-8")
        assert script == f"var __index = {data}", f"search_index.{lang}.js (file://) differs from its .json"
        assert "text_parts" in json.loads(data)["config"]["fields"]


@pytest.mark.parametrize("which", ["online", "offline"])
def test_every_page_runs_the_search_script_once_before_the_bundle(site_dir, offline_dir, which):
    site = site_dir if which == "online" else offline_dir
    pages = [p for p in site.rglob("*.html") if BUNDLE.search(p.read_text(encoding="utf-8"))]
    assert len(pages) > 40
    for page in pages:
        html = page.read_text(encoding="utf-8")
        scripts = SCRIPT.findall(html)
        assert len(scripts) == 1, f"{page.relative_to(site)}: {len(scripts)} search scripts"
        assert html.index('<script id="search-ko">') < BUNDLE.search(html).start()
        settings = json.loads(re.search(r"\}\)\((\{.*\})\);\s*$", scripts[0], re.S).group(1))
        assert settings["languages"] == LANGUAGES
        assert settings["indexes"] == {lang: f"search_index.{lang}" for lang in LANGUAGES}
        assert settings["particles"] == list(search_ko.PARTICLES)
