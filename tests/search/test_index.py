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


def index_of(site: pathlib.Path) -> dict:
    return json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))


def test_the_index_has_the_hidden_fields(site_dir):
    index = index_of(site_dir)
    assert index["config"]["fields"]["title_parts"] == {"boost": 1000.0}
    assert index["config"]["fields"]["text_parts"] == {"boost": 1.0}
    parts = " ".join(d.get("title_parts", "") + " " + d.get("text_parts", "") for d in index["docs"]).split()
    assert "클레임" in parts, "no entry holds 클레임 from 퍼시스턴트볼륨클레임: Korean compounds were not split"
    assert "volumebindingmode" in parts, "no entry holds volumeBindingMode whole"


def test_the_offline_index_script_holds_the_same_index(offline_dir):
    folder = offline_dir / "search"
    data = (folder / "search_index.json").read_text(encoding="utf-8")
    script = (folder / "search_index.js").read_text(encoding="utf-8")
    assert script == f"var __index = {data}", "search_index.js (file://) differs from search_index.json"
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
        assert settings["languages"] == {"ko": "", "en": "en/"}
        assert settings["particles"] == list(search_ko.PARTICLES)
